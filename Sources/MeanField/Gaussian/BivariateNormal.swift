#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The bivariate normal CDF `Φ₂(h, k; ρ) = P(X < h, Y < k)` for standard normal X, Y with
/// correlation ρ, relatively accurate everywhere (tails down to the underflow threshold, |ρ| → 1).
///
/// Plackett's identity `∂Φ₂/∂ρ = ϕ₂(h, k; ρ)` integrated from ρ = −1, where
/// `Φ₂(h, k; −1) = max(0, Φ(h) − Φ(−k))`, and `ρ = cos ψ`:
/// ```
/// Φ₂(h, k; ρ) = P(−k < X < h)⁺ + (1/2π) ∫_{arccos ρ}^{π} exp(−(h² − 2hk cos ψ + k²)/(2 sin²ψ)) dψ
/// ```
/// Both terms are ≥ 0, so nothing cancels ([Drezner & Wesolowsky 1990] and [Genz 2004] integrate
/// the same density from ρ = 0, where Φ(h)Φ(k) and the integral can cancel and the error is only
/// absolute). The numerator is taken as `(h − k)² + 4hk sin²(ψ/2)` (hk ≥ 0) or
/// `(h + k)² + 4|hk| cos²(ψ/2)` (hk < 0), the interval is split in the middle and each half is
/// integrated in its distance to its own end (so `π − ψ` is never formed by subtraction), by
/// ``PositiveQuadrature``. `P(−k < X < h)` is a difference of two `erfc`s, or, where that would
/// lose more than one bit, the integral of ϕ over the interval. The remaining rounding is that of
/// `exp(−Q)` for an exponent Q of up to ~700: ≲ 2e-13 relative at 1e-300.
///
/// [Drezner & Wesolowsky 1990]: https://doi.org/10.1080/00949659008811236
/// [Genz 2004]: https://doi.org/10.1023/B:STCO.0000035304.20635.31
public func bivariateNormalCDF(_ h: Double, _ k: Double, correlation rho: Double) -> Double {
    guard !h.isNaN, !k.isNaN, !rho.isNaN else { return .nan }
    if h == -.infinity || k == -.infinity { return 0 }
    if h == .infinity { return standardNormalCDF(k) }
    if k == .infinity { return standardNormalCDF(h) }
    let rho = max(-1, min(1, rho))
    let base = h > -k ? normalIntervalProbability(-k, h) : 0
    if rho == -1 { return base }
    if rho == 1 { return standardNormalCDF(min(h, k)) }
    // ψ ∈ [ε, π], ε = arccos ρ; ε' = π − ε = arccos(−ρ).
    let epsilon = acos(rho), epsilonPrime = acos(-rho)
    let half = 0.5 * epsilonPrime
    let hk = h * k
    let sameSign = hk >= 0
    let lead = sameSign ? (h - k) * (h - k) : (h + k) * (h + k)
    let (ee, ep) = (epsilon, epsilonPrime)
    let integrand: (Int, Double) -> SIMD4<Double> = { tag, t in
        // tag 0: t = ψ − ε; tag 1: t = π − ψ.
        let (psi, fromTop) = tag == 0 ? (ee + t, ep - t) : (Double.pi - t, t)
        // sin ψ from the end ψ is close to: next to ψ = ε → 0 (ρ → 1), π − ε − t would carry ε'’s
        // rounding (~1e-16 absolute) into a sine of size ε.
        let sine = tag == 0 && psi <= 0.5 * Double.pi ? sin(psi) : sin(fromTop)
        let numerator = sameSign
            ? lead + 4 * hk * { let s = sin(0.5 * psi); return s * s }()
            : lead - 4 * hk * { let s = sin(0.5 * fromTop); return s * s }()
        let exponent = numerator / (2 * sine * sine)
        return SIMD4(exponent.isFinite ? exp(-exponent) : 0, 0, 0, 0)
    }
    // Graded towards ψ = ε, where the integrand of a deep tail is concentrated on the scale of ε
    // itself as ρ → 1 (down to 1% of min(ε, 1)).
    var points = [half]
    while let last = points.last, last * 0.25 > 0.01 * min(epsilon, 1), points.count < 40 { points.append(last * 0.25) }
    points.append(0)
    points.reverse()
    var panels = zip(points, points.dropFirst()).map { (0, $0, $1) }
    panels.append((1, 0, half))
    let result = PositiveQuadrature.integrate(integrand, panels: panels)
    return base + result.value[0] / (2 * Double.pi)
}

/// `P(a < X < b)`, X standard normal, a < b, relatively accurate: a difference of the two tail
/// probabilities on the side where both are small, or ∫ϕ over [a, b] when that would cancel.
func normalIntervalProbability(_ a: Double, _ b: Double) -> Double {
    guard a < b else { return 0 }
    let (minuend, subtrahend): (Double, Double)
    if b <= 0 {
        (minuend, subtrahend) = (standardNormalCDF(b), standardNormalCDF(a))
    } else if a >= 0 {
        (minuend, subtrahend) = (standardNormalCDF(-a), standardNormalCDF(-b))
    } else {
        (minuend, subtrahend) = (1, standardNormalCDF(a) + standardNormalCDF(-b))
    }
    if subtrahend <= 0.5 * minuend { return minuend - subtrahend }
    // Narrow relative to the tail: integrate the density (a, b finite here).
    let result = PositiveQuadrature.integrate({ _, x in SIMD4(standardNormalDensity(x), 0, 0, 0) }, panels: [(0, a, b)])
    return result.value[0]
}

/// Gaussian integrals over the lower orthant with exponential tilts, for zero-mean `(u, v)` with
/// standard deviations s₁, s₂ and correlation c, and tilts λ₁, λ₂ ≥ 0 (not both 0):
/// ```
/// T(λ)      = E[e^(λ₁u + λ₂v) 1{u < 0, v < 0}] = e^(λᵀΣλ/2) Φ₂(−a, −b; c),   a = λ₁s₁ + cλ₂s₂, b = λ₂s₂ + cλ₁s₁
///           = (1/2π) ∫_{arccos c}^{π} exp(−D (λ₁λ₂s₁s₂(1 − c²) + E·D) / sin²ψ) dψ
/// ∂T/∂λ₁|₀  = E[u e^(λ₂v) 1{u < 0, v < 0}]
///           = −(λ₂ s₁ s₂/2π) ∫ D (1 − c cos ψ)/sin²ψ · exp(−E D²/sin²ψ) dψ          (λ₁ = 0)
/// ```
/// with `D = c − cos ψ ≥ 0` and `E = λᵀΣλ/2`. This is Plackett's integral of Φ₂ from ρ = −1 (where
/// Φ₂(−a, −b; −1) = 0 because a + b = (1 + c)(λ₁s₁ + λ₂s₂) ≥ 0), with the tilt's `e^E` folded in
/// analytically: `E − Q(cos ψ)` (Q the Mahalanobis exponent) factors as the negative expression in
/// the exponent above. Every integrand is single-signed and ≤ its value at ψ = arccos c, so the
/// result is relatively accurate with neither overflow of `e^E` nor underflow of Φ₂ (the 2D
/// analogue of `erfcx`): the closed forms of elu/selu/celu's bivariate kernels are sums of these.
struct TiltedOrthant {
    /// One integral over the orthant.
    enum Term: Hashable {
        /// `E[e^(λ₁u + λ₂v) 1{u<0, v<0}]`.
        case plain(Double, Double)
        /// `E[u e^(λ₂v) 1{u<0, v<0}]`.
        case linearFirst(Double)
        /// `E[v e^(λ₁u) 1{u<0, v<0}]`.
        case linearSecond(Double)
    }

    let s1: Double, s2: Double, c: Double

    /// The integrals of up to four terms (all with λ ≠ 0) at once: the fixed graded rule
    /// (``gradedIntegrals(_:)``) where it is validated, else the adaptive mesh; nil when that did
    /// not converge.
    func integrals(_ terms: [Term]) -> SIMD4<Double>? {
        gradedIntegrals(terms) ?? adaptiveIntegrals(terms)
    }

    /// The integrals of up to four terms (all with λ ≠ 0) at once, on one adaptive mesh; nil when
    /// the quadrature did not converge.
    func adaptiveIntegrals(_ terms: [Term]) -> SIMD4<Double>? {
        // Not reachable from the command line: the one caller (ExponentialKernels) splits its
        // requests into groups of at most four and checks the count before calling.
        precondition(terms.count <= 4)
        if c <= -1 { return SIMD4(repeating: 0) }   // the orthant has probability 0
        let (s1, s2, c) = (self.s1, self.s2, min(1, self.c))
        let r2 = (1 - c) * (1 + c)
        // Per term: g = λ₁λ₂s₁s₂r², E, and the derivative prefactor (0 for plain terms).
        var g = SIMD4<Double>(repeating: 0), e = SIMD4<Double>(repeating: 0), prefactor = SIMD4<Double>(repeating: 0)
        var active = SIMD4<Double>(repeating: 0)
        for (index, term) in terms.enumerated() {
            let (l1, l2): (Double, Double)
            switch term {
            case let .plain(a, b): (l1, l2) = (a, b)
            case let .linearFirst(b): (l1, l2) = (0, b); prefactor[index] = -b * s1 * s2
            case let .linearSecond(a): (l1, l2) = (a, 0); prefactor[index] = -a * s1 * s2
            }
            let d = l1 * s1 - l2 * s2
            g[index] = l1 * l2 * s1 * s2 * r2
            e[index] = 0.5 * (d * d + 2 * l1 * l2 * s1 * s2 * (1 + c))
            active[index] = 1
        }
        let (g0, e0, prefactor0, active0) = (g, e, prefactor, active)
        let epsilon = acos(c), epsilonPrime = acos(-c)
        let half = 0.5 * epsilonPrime
        let isDerivative = prefactor0 .!= 0
        // D, sin²ψ and 1 − c cos ψ at a node, each relatively accurate.
        func geometry(_ tag: Int, _ t: Double) -> (d: Double, sine2: Double, oneMinus: Double) {
            let (fromBottom, fromTop) = tag == 0 ? (t, epsilonPrime - t) : (epsilonPrime - t, t)
            let halfSum = epsilon + 0.5 * fromBottom <= 0.5 * Double.pi
                ? sin(epsilon + 0.5 * fromBottom) : sin(0.5 * (fromTop + epsilonPrime))
            let d = 2 * halfSum * sin(0.5 * fromBottom)
            // From the end ψ is close to (as in bivariateNormalCDF): ε' − t carries ε'’s rounding.
            let sine = tag == 0 && epsilon + t <= 0.5 * Double.pi ? sin(epsilon + t) : sin(fromTop)
            let oneMinus: Double
            if c >= 0 {
                oneMinus = r2 + c * d
            } else {
                let s = sin(0.5 * fromTop)
                oneMinus = (1 + c) - c * 2 * s * s
            }
            return (d, sine * sine, oneMinus)
        }
        func exponents(_ tag: Int, _ t: Double) -> (SIMD4<Double>, Double, Double) {
            let (d, sine2, oneMinus) = geometry(tag, t)
            let w = d / sine2
            return (-w * (g0 + e0 * d), w, oneMinus)
        }
        let integrand: (Int, Double) -> SIMD4<Double> = { tag, t in
            let (f, w, oneMinus) = exponents(tag, t)
            var out = SIMD4<Double>(repeating: 0)
            for i in 0..<4 where active0[i] != 0 {
                guard f[i] > -745 else { continue }
                let value = exp(f[i])
                out[i] = isDerivative[i] ? prefactor0[i] * w * oneMinus * value : value
            }
            return out
        }
        // Breakpoints at the scales of the integrands: towards ψ = ε while the exponent is still
        // large there, towards ψ = π while some integrand is not yet negligible.
        var panels: [(Int, Double, Double)] = []
        for tag in [0, 1] {
            var points = [half]
            var t = half
            for _ in 0..<24 {
                t *= 0.25
                let (f, _, _) = exponents(tag, t)
                var largest = 0.0, smallest = Double.infinity
                for i in 0..<4 where active0[i] != 0 { largest = max(largest, -f[i]); smallest = min(smallest, -f[i]) }
                // Towards ψ = ε the integrands fall from 1; grade while they still fall steeply over
                // the panel. Towards ψ = π they vanish; grade while some is not yet negligible.
                if tag == 0 ? largest < 2 : smallest > 30 { break }
                points.append(t)
            }
            // As c → 1 the prefactor of the derivative terms varies on the scale ε = arccos c next
            // to ψ = ε: grade down to 1% of it.
            if tag == 0, epsilon > 0, epsilon < 0.25 {
                while let last = points.last, last * 0.25 > 0.01 * epsilon, points.count < 60 { points.append(last * 0.25) }
            }
            points.sort(by: >)
            points.append(0)
            points.reverse()
            for (a, b) in zip(points, points.dropFirst()) where b > a { panels.append((tag, a, b)) }
        }
        let result = PositiveQuadrature.integrate(integrand, panels: panels)
        guard result.converged else { return nil }
        return result.value / (2 * Double.pi)
    }
}
