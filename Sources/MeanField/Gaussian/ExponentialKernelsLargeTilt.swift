#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The exponential family's kernel pair at large tilts (k√q > 4 for at least one input), where the
/// Drezner–Wesolowsky pair (``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:smallTilts:)``)
/// loses relative accuracy: every tilted orthant as one single-signed integral against a Gaussian-tail
/// weight, on tabulated Gauss rules (``TiltedTailRules``).
extension PiecewiseForm {
    /// The largest `k√q` (of either input) the large-tilt pair serves (its rules reach β = 831·1.5).
    static let largeTiltMaximum = 1000.0

    /// Index of the rule of ``TiltedTailRules`` for the weight `e^(−βw − w²/2)`: the largest tabulated
    /// β_j ≤ β (the rest, `e^(−(β − β_j)w)`, a factor below `e^(−w/3)` over the rule's support, goes into the integrand).
    @inline(__always)
    static func tiltedTailRuleIndex(_ beta: Double) -> Int {
        guard beta >= 0.25 else { return 0 }
        // β_j = 0.25·1.5^(j−1) for j ≥ 1; floor(log) may land one rule high at a boundary (then δ < 0 by an ulp).
        let j = 1 + Int((log(beta * 4) * 2.46630346237643166).rounded(.down))   // 1/ln 1.5
        return min(j, TiltedTailRules.betas.count - 1)
    }

    /// `(∫₀^∞ e^(−βw − w²/2) / (H₁² + (β + w)²) dw, the same with H₂)`, β ≥ 0, on the tabulated rule,
    /// relatively accurate (≤ 7e-16 measured against mpmath) wherever `H² + β² ≥ 16` (the integrand's poles
    /// `w = −β ± iH` are then at least 4 from the origin, on the weight's scale ≤ 1).
    static func tiltedTailSums(_ beta: Double, _ h1: Double, _ h2: Double) -> (Double, Double) {
        let j = tiltedTailRuleIndex(beta)
        let delta = beta - TiltedTailRules.betas[j]
        let n = TiltedTailRules.count
        let hh1 = h1 * h1, hh2 = h2 * h2
        var sum1 = 0.0, sum2 = 0.0
        TiltedTailRules.nodes.withUnsafeBufferPointer { nodes in
            TiltedTailRules.weights.withUnsafeBufferPointer { weights in
                for i in (j * n)..<(j * n + n) {
                    let x = nodes[i]
                    let w = weights[i] * exp(-delta * x)
                    let d = beta + x
                    let dd = d * d
                    sum1 += w / (hh1 + dd)
                    sum2 += w / (hh2 + dd)
                }
            }
        }
        return (sum1, sum2)
    }

    /// `∫₀^∞ e^(−βw − w²/2) erfcx(z₀ + γw) dw` (β, z₀, γ ≥ 0) on the tabulated rule (≤ 7e-16 relative
    /// against mpmath for γ ≤ 1/√2).
    static func tiltedTailErfcx(_ beta: Double, _ z0: Double, _ gamma: Double) -> Double {
        let j = tiltedTailRuleIndex(beta)
        let delta = beta - TiltedTailRules.betas[j]
        let n = TiltedTailRules.count
        var sum = 0.0
        for i in (j * n)..<(j * n + n) {
            let x = TiltedTailRules.nodes[i]
            sum += TiltedTailRules.weights[i] * exp(-delta * x) * erfcx(z0 + gamma * x)
        }
        return sum
    }

    /// `(E[e^(aX) 1{X<0, Y<0}], E[e^(aX) 1{X<0, Y>0}])` for standard normal X, Y of correlation |ρ| = `magnitude`
    /// (the first is the larger; swap them for −|ρ|), a ≥ 0, r = √(1 − ρ²), β = a r, both relatively accurate
    /// for a ≥ 4 and the smaller absolutely accurate to ~1e-16 of the larger (see below). Their sum is
    /// `e^(a²/2) Φ(−a) = erfcx(a/√2)/2`. For a ≥ 4 ([Owen 1956]'s T function with `T(h, 0) = 0`, its tail
    /// `T(h, ∞) − T(h, r/|ρ|)` scaled by the tilt, and `x = r/|ρ| + w/(|ρ|a)`):
    /// ```
    /// E[e^(aX) 1{X<0, Y<0}] = erfcx(a/√2)/4 + (H/2π) ∫₀^∞ e^(−βw − w²/2) / (H² + (β + w)²) dw,   H = |ρ| a, H² + β² = a²
    /// ```
    /// For a < 4 (where the poles come within a of the origin), the smaller by the conditional integral
    /// ```
    /// E[e^(aX) 1{X<0, Y>0}] = (r / (2√(2π))) ∫₀^∞ e^(−βw − w²/2) erfcx(|ρ| w/√2) dw
    /// ```
    /// (X = −(w r) shifted by the tilt, `P(Y > 0 | X) = Φ(|ρ|X/r)`, `Φ(−z) = erfcx(z/√2) e^(−z²/2)/2`).
    ///
    /// [Owen 1956]: https://doi.org/10.1214/aoms/1177728074
    static func singleTiltedOrthants(_ a: Double, magnitude rho: Double, r: Double) -> (larger: Double, smaller: Double) {
        let whole = 0.5 * erfcx(a * 0.707106781186547524400844362105)
        if a >= 4 {
            let h = rho * a
            let integral = tiltedTailSums(a * r, h, h).0
            let larger = 0.5 * whole + h * integral / (2 * Double.pi)
            return (larger, whole - larger)
        }
        let smaller = r * 0.199471140200716338969973029967 * tiltedTailErfcx(a * r, 0, rho * 0.707106781186547524400844362105)
        return (whole - smaller, smaller)
    }

    /// `T₀ = E[e^(aX + bY) 1{X<0, Y<0}]` (standard normal X, Y of correlation c, a, b ≥ 0, max(a, b) > 4),
    /// relatively accurate. With `H₁ = a + cb`, `H₂ = b + ca`, `2E = a² + 2cab + b² = H₁² + (br)² = H₂² + (ar)²`,
    /// where H₁, H₂ > 0 and c ≥ 0, or c ≥ −0.5 with 2E ≥ 16 (``largeTiltUsesOwen(_:_:correlation:)``), Owen's
    /// decomposition of `Φ₂(−H₁, −H₂; c)` into `T(h, aₕ)` with `h²(1 + aₕ²) = 2E`, each tail scaled by `e^E`:
    /// ```
    /// T₀ = (1/2π) [H₁ ∫₀^∞ e^(−(br)w − w²/2) / (H₁² + (br + w)²) dw + H₂ ∫₀^∞ e^(−(ar)w − w²/2) / (H₂² + (ar + w)²) dw]
    /// ```
    /// (the caller passes the two integrals, sums it shares with the single tilts), else (c < 0 only) the
    /// conditional integral in X, computed here:
    /// ```
    /// T₀ = (r / (2√(2π))) ∫₀^∞ e^(−(ar)w − w²/2) erfcx((br + |c|w)/√2) dw
    /// ```
    /// Both integrands are positive.
    static func bothTiltedLarge(_ a: Double, _ b: Double, correlation c: Double, r: Double,
                                owenIntegrals: (atB: Double, atA: Double)?) -> Double {
        if let owenIntegrals {
            return ((a + c * b) * owenIntegrals.atB + (b + c * a) * owenIntegrals.atA) / (2 * Double.pi)
        }
        return r * 0.199471140200716338969973029967 * tiltedTailErfcx(a * r, b * r * 0.707106781186547524400844362105,
                                                                       -c * 0.707106781186547524400844362105)
    }

    /// Whether ``bothTiltedLarge(_:_:correlation:r:owenIntegrals:)`` takes Owen's form (H₁, H₂ > 0; c ≥ 0, or c ≥ −0.5 with 2E ≥ 16).
    static func largeTiltUsesOwen(_ a: Double, _ b: Double, correlation c: Double) -> Bool {
        // c < −0.5 takes the conditional form: Owen's lost up to 3e-14 relative near c = −1 (t ≈ 100, c ≈ −0.999).
        a + c * b > 0 && b + c * a > 0 && (c >= 0 || (c >= -0.5 && a * a + 2 * c * a * b + b * b >= 16))
    }

    /// The five tilted orthants of ``exponentialKernelPair(variance1:covariance:variance2:smallTilts:)``
    /// for standard normal X, Y of correlation c and tilts `t₁, t₂ ≥ 0` with `max(t₁, t₂) > 4`, each relatively
    /// accurate except the smaller of each single tilt's pair (T₁/W₁, T₂/W₂), which is ~1e-16 of the larger:
    /// ```
    /// T₀ = E[e^(t₁X + t₂Y) 1{X<0, Y<0}]
    /// T₁ = E[e^(t₁X) 1{X<0, Y<0}],  W₁ = E[e^(t₁X) 1{X<0, Y>0}]
    /// T₂ = E[e^(t₂Y) 1{X<0, Y<0}],  W₂ = E[e^(t₂Y) 1{X>0, Y<0}]
    /// ```
    /// At most two 14-node sums (one when t₁ = t₂), the weight `e^(−βw − w²/2)` at β₁ = t₁r and β₂ = t₂r each
    /// shared by a single tilt's integral and one of T₀'s two (``singleTiltedOrthants(_:magnitude:r:)``,
    /// ``bothTiltedLarge(_:_:correlation:r:owenIntegrals:)``); one `erfcx` per node where T₀ takes the
    /// conditional form (c < −0.5, or c < 0 with 2E < 16 or `t₁ + c t₂ ≤ 0`) or a tilt is below 4.
    static func largeTiltOrthants(_ t1: Double, _ t2: Double, correlation c: Double)
        -> (t0: Double, t1: Double, t2: Double, w1: Double, w2: Double) {
        let r = ((1 - c) * (1 + c)).squareRoot()
        let rho = abs(c)
        let owen = largeTiltUsesOwen(t1, t2, correlation: c)
        let h1 = t1 + c * t2, h2 = t2 + c * t1
        // At β₁ = t₁r: the single tilt's integral (H = |c|t₁) and T₀'s second (H₂); at β₂ = t₂r likewise.
        let equal = t1 == t2
        let sums1 = t1 >= 4 || owen ? tiltedTailSums(t1 * r, rho * t1, owen ? h2 : 0) : (0, 0)
        let sums2 = equal ? sums1 : (t2 >= 4 || owen ? tiltedTailSums(t2 * r, rho * t2, owen ? h1 : 0) : (0, 0))
        // (E[e^(tx) 1{x<0, y<0}], E[e^(tx) 1{x<0, y>0}]) at correlation |c|: the larger, the smaller.
        func single(_ t: Double, _ integral: Double) -> (larger: Double, smaller: Double) {
            guard t >= 4 else { return singleTiltedOrthants(t, magnitude: rho, r: r) }
            let whole = 0.5 * erfcx(t * 0.707106781186547524400844362105)
            let larger = 0.5 * whole + rho * t * integral / (2 * Double.pi)
            return (larger, whole - larger)
        }
        let one = single(t1, sums1.0)
        let two = equal ? one : single(t2, sums2.0)
        let (t1v, w1) = c >= 0 ? one : (one.smaller, one.larger)
        let (t2v, w2) = c >= 0 ? two : (two.smaller, two.larger)
        let t0v = bothTiltedLarge(t1, t2, correlation: c, r: r, owenIntegrals: owen ? (sums2.1, sums1.1) : nil)
        return (t0v, t1v, t2v, w1, w2)
    }

    /// ``exponentialKernelPair(variance1:covariance:variance2:smallTilts:)`` where `max(k√q1, k√q2) > 4`:
    /// the same formula (`T₀ − T₁ − T₂ + φ/(2π)`, Stein's terms) with its five tilted orthants from
    /// ``largeTiltOrthants(_:_:correlation:)`` (~1–2k instructions at equal variances). Validated against
    /// the adaptive tilted-orthant integrals and 32-digit mpmath references (ExponentialKernelsLargeTiltTests)
    /// for `k√q ∈ (4, 300]`, the other input's down to 0.2 (0.001 with `smallTilts`), |c| ≤ 1 − 1e-12;
    /// nil above ``largeTiltMaximum``.
    func exponentialKernelPairLargeTilt(s1: Double, s2: Double, correlation c: Double) -> (kernel: Double, derivative: Double)? {
        guard case let .exponential(amplitude, k) = negative else { return nil }
        let t1 = k * s1, t2 = k * s2
        guard max(t1, t2) <= Self.largeTiltMaximum else { return nil }
        let r = ((1 - c) * (1 + c)).squareRoot()
        let (t0v, t1v, t2v, w1, w2) = Self.largeTiltOrthants(t1, t2, correlation: c)
        let s = positiveSlope
        let phi = acos(-c)
        let probability = phi / (2 * Double.pi)
        let invTwoSqrt2Pi = 0.199471140200716338969973029967   // 1/(2√(2π))
        let rOverSqrt2 = r * 0.707106781186547524400844362105
        let linear1 = s1 * (c * t2 * w2 + (erfcx(t2 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let linear2 = s2 * (c * t1 * w1 + (erfcx(t1 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let kernel = s * s * s1 * s2 * sineMinusPhiCosine(phi) / (2 * Double.pi)
            + s * amplitude * (linear1 + linear2)
            + amplitude * amplitude * (((t0v - t1v) - t2v) + probability)
        let derivative = s * s * probability + s * amplitude * k * (w1 + w2) + amplitude * amplitude * k * k * t0v
        return (kernel, derivative)
    }
}
