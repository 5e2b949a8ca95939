#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The Gauss–Legendre rules of the Drezner–Wesolowsky integral of ``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:)``,
/// by |c| (Genz's 6/12/20-point choice, validated here at 1e-15 relative on the kernels).
enum DreznerRules {
    static let small = GaussLegendre.rule(10), medium = GaussLegendre.rule(14), large = GaussLegendre.rule(20)
}

extension PiecewiseForm {
    /// The box where ``exponentialKernelPair(variance1:covariance:variance2:)`` is validated:
    /// |c| ≤ 0.925 and `k√q` of both inputs in [0.2, 4] (k the exponent rate).
    static let pairCorrelationBound = 0.925
    static let pairTiltRange = 0.2...4.0

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for the exponential family in closed form from five bivariate
    /// normal orthant probabilities, each by the Drezner–Wesolowsky integral on one shared Gauss–Legendre
    /// mesh; nil outside the validated box (``pairCorrelationBound``, ``pairTiltRange``).
    ///
    /// With φ = s·x (x > 0), A(e^(kx) − 1) (x ≤ 0), tᵢ = k sᵢ, r = √(1 − c²) and the tilted orthants
    /// ```
    /// T₀ = e^((t₁² + 2c t₁t₂ + t₂²)/2) Φ₂(−(t₁ + c t₂), −(t₂ + c t₁); c)     = E[e^(k(u+v)) 1{u<0, v<0}]
    /// T₁ = e^(t₁²/2) Φ₂(−t₁, −c t₁; c),   T₂ = e^(t₂²/2) Φ₂(−c t₂, −t₂; c)    = E[e^(ku) 1{−−}], E[e^(kv) 1{−−}]
    /// W₂ = e^(t₂²/2) Φ₂(c t₂, −t₂; −c),   W₁ = e^(t₁²/2) Φ₂(−t₁, c t₁; −c)   = E[e^(kv) 1{u>0, v<0}], E[e^(ku) 1{u<0, v>0}]
    /// ```
    /// and, by Stein's identity under the tilted measure, `E[u (e^(kv) − 1) 1{u>0, v<0}] = s₁ (c t₂ W₂ + (erfcx(t₂ r/√2) − 1)/(2√(2π)))`:
    /// ```
    /// E[φφ]   = s² s₁s₂ (sin φ − φ cos φ)/(2π) + sA Σᵢ sⱼ (c tᵢ Wᵢ + (erfcx(tᵢ r/√2) − 1)/(2√(2π))) + A² (T₀ − T₁ − T₂ + φ/(2π))
    /// E[φ'φ'] = s² φ/(2π) + sAk (W₁ + W₂) + A²k² T₀,        φ = arccos(−c)
    /// ```
    /// (j the other input). Φ₂(h, k; ρ) = Φ(h)Φ(k) + (1/2π) ∫₀^(arcsin ρ) exp(−(h² − 2hk sin θ + k²)/(2cos²θ)) dθ
    /// ([Drezner & Wesolowsky 1990]; [Genz 2004]), with the tilt e^E folded into the exponent.
    ///
    /// [Drezner & Wesolowsky 1990]: https://doi.org/10.1080/00949659008811236
    /// [Genz 2004]: https://doi.org/10.1023/B:STCO.0000035304.20635.31
    func exponentialKernelPair(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard case let .exponential(amplitude, k) = negative, q1 > 0, q2 > 0, q1.isFinite, q2.isFinite else { return nil }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        let t1 = k * s1, t2 = k * s2
        guard abs(c) <= Self.pairCorrelationBound, Self.pairTiltRange.contains(t1), Self.pairTiltRange.contains(t2) else { return nil }
        let s = positiveSlope
        let r = ((1 - c) * (1 + c)).squareRoot()
        // Lanes: (h, k, E, σ) of T₀, T₁, T₂ (ρ = c) and W₂, W₁ (ρ = −c).
        let h0 = -(t1 + c * t2), k0 = -(t2 + c * t1)
        let e0 = 0.5 * (t1 * t1 + 2 * c * t1 * t2 + t2 * t2), e1 = 0.5 * t1 * t1, e2 = 0.5 * t2 * t2
        let p1 = standardNormalCDF(-t1), p2 = standardNormalCDF(-t2)
        let pc1 = standardNormalCDF(-c * t1), pc2 = standardNormalCDF(-c * t2)
        let pm1 = 1 - pc1, pm2 = 1 - pc2   // Φ(c t₁), Φ(c t₂)
        // Products Φ(h)Φ(k) e^E.
        var t0 = exp(e0) * standardNormalCDF(h0) * standardNormalCDF(k0)
        var t1v = exp(e1) * p1 * pc1
        var t2v = exp(e2) * pc2 * p2
        var w2 = exp(e2) * pm2 * p2
        var w1 = exp(e1) * p1 * pm1
        // h·k and (h² + k²)/2 per lane.
        let hk0 = h0 * k0, hs0 = 0.5 * (h0 * h0 + k0 * k0)
        let hk1 = c * t1 * t1, hs1 = 0.5 * t1 * t1 * (1 + c * c)
        let hk2 = c * t2 * t2, hs2 = 0.5 * t2 * t2 * (1 + c * c)
        // W₂, W₁ (ρ = −c, hk = −c t², sin θ = −sn on [0, −arcsin c]) have T₂, T₁'s integrands with the
        // opposite sign: W + T = e^(t²/2) Φ(−t), each term kept on its own.
        let a = asin(c)
        let rule = abs(c) < 0.3 ? DreznerRules.small : (abs(c) < 0.75 ? DreznerRules.medium : DreznerRules.large)
        var sum0 = 0.0, sum1 = 0.0, sum2 = 0.0
        for i in 0..<rule.nodes.count {
            let sn = sin(0.5 * a * (1 + rule.nodes[i]))
            let inverse = 1 / ((1 - sn) * (1 + sn))
            let w = rule.weights[i]
            sum0 += w * exp(e0 + (sn * hk0 - hs0) * inverse)
            sum1 += w * exp(e1 + (sn * hk1 - hs1) * inverse)
            sum2 += w * exp(e2 + (sn * hk2 - hs2) * inverse)
        }
        let scale = a / (4 * Double.pi)
        t0 += scale * sum0
        t1v += scale * sum1
        t2v += scale * sum2
        // ρ = −c: arcsin(−c) = −a.
        w1 -= scale * sum1
        w2 -= scale * sum2
        let phi = acos(-c)
        let probability = phi / (2 * Double.pi)
        let invTwoSqrt2Pi = 0.199471140200716338969973029967   // 1/(2√(2π))
        let rOverSqrt2 = r * 0.707106781186547524400844362105
        let linear1 = s1 * (c * t2 * w2 + (erfcx(t2 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let linear2 = s2 * (c * t1 * w1 + (erfcx(t1 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let kernel = s * s * s1 * s2 * sineMinusPhiCosine(phi) / (2 * Double.pi)
            + s * amplitude * (linear1 + linear2)
            + amplitude * amplitude * (((t0 - t1v) - t2v) + probability)
        let derivative = s * s * probability + s * amplitude * k * (w1 + w2) + amplitude * amplitude * k * k * t0
        return (kernel, derivative)
    }
}
