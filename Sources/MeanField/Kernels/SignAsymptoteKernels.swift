#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Bivariate kernels of tanh and tanhshrink (`x − tanh x`) at q ≥ 1, by splitting off tanh's sign
/// asymptote (the construction of ``ReluAsymptoteKernels`` with A = sgn):
///
/// ```
/// tanh = sgn + r,   r = tanh − sgn = ∓2e^(−2|x|)/(1 + e^(−2|x|))  (x ≷ 0; odd, r(0±) = ∓1),   tanh' = sech²
/// E[tanh u tanh v] = (2/π) arcsin ρ + E[sgn(u) r(v)] + E[r(u) sgn(v)] + E[r(u) r(v)]
/// E[sgn(u) | v]    = erf(βv/(s√2)),   β = q12/q2,  s² = q1(1 − ρ²)
/// E[sech² u sech² v]                   (the residual integral alone: tanh' has no asymptote)
/// ```
/// `E[sgn u sgn v] = (2/π) arcsin ρ` is Sheppard's orthant formula. sigmoid is tanh at half the
/// argument, `σ(x) = (1 + tanh(x/2))/2`, `σ' = sech²(x/2)/4`, and E[tanh(u/2)] = 0 (odd, zero mean):
/// ```
/// E[σ(u)σ(v)]   = (1 + E[tanh(u/2) tanh(v/2)])/4,     E[σ'(u)σ'(v)] = E[sech²(u/2) sech²(v/2)]/16
/// ```
/// at the quartered covariance, so its route starts at q = 4 (the 1 + K sum loses at most ~2 digits,
/// at c → −1 and q = 1e4). tanhshrink, φ = x − tanh x,
/// φ' = tanh² = 1 − sech², follows from tanh's kernels and Stein's identity `E[u g(v)] = q12 E[g'(v)]`:
/// ```
/// E[φ(u)φ(v)]   = q12 (1 − E[sech² u] − E[sech² v]) + E[tanh u tanh v]
/// E[φ'(u)φ'(v)] = 1 − E[sech² u] − E[sech² v] + E[sech² u sech² v]
/// ```
/// Every integral is over the window |x| ≤ 45 where the residuals matter, so the cost does not grow
/// with q (the whole-plane quadrature of tanhshrink costs tens of ms per pair at q ~ 1e3). The route
/// starts at q = 1, where `E[sech²] ≤ 0.61` and the sums above lose at most a factor ~4.
///
/// [Sheppard 1899]: https://doi.org/10.1098/rsta.1899.0003
enum SignAsymptoteKernels {
    /// Below this variance (either input) the route is not used (as for ``ReluAsymptoteKernels``).
    static let minimumVariance = 1.0

    /// `(r(x), r'(x)) = (tanh x − sgn x, sech² x)` without cancellation (the left branch at 0).
    static func residual(_ x: Double) -> SIMD2<Double> {
        let e = exp(-2 * abs(x)), d = 1 + e
        return SIMD2(x > 0 ? -2 * e / d : 2 * e / d, 4 * e / (d * d))
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for tanh, tanhshrink or sigmoid, `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`,
    /// or nil where the route does not apply (another activation, an affine transformation, or a
    /// variance below ``minimumVariance``, for sigmoid 4·``minimumVariance``).
    static func pair(_ activation: Activation, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Double, derivative: Double)? {
        guard activation.affine.isIdentity, [.tanh, .tanhshrink, .sigmoid].contains(activation.family),
              q1.isFinite, q2.isFinite, q12.isFinite, min(q1, q2) >= minimumVariance else { return nil }
        if activation.family == .sigmoid {
            guard min(q1, q2) >= 4 * minimumVariance else { return nil }
            let half = tanhKernels(variance1: q1 / 4, covariance: q12 / 4, variance2: q2 / 4)
            return ((1 + half[0]) / 4, half[1] / 16)
        }
        let tanh = tanhKernels(variance1: q1, covariance: q12, variance2: q2)
        if activation.family == .tanh { return (tanh[0], tanh[1]) }
        let slopes = expectedSech2(variance1: q1, variance2: q2)
        let complement = 1 - slopes[0] - slopes[1]
        return (q12 * complement + tanh[0], complement + tanh[1])
    }

    /// `(E[tanh u tanh v], E[sech² u sech² v])` by the sign split.
    static func tanhKernels(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> SIMD2<Double> {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let rho = max(-1, min(1, q12 / (s1 * s2)))
        let oneMinusRho2 = max(0, (1 - rho) * (1 + rho))
        let asymptote = SIMD2(2 / Double.pi * asin(rho), 0)
        let cross1 = ReluAsymptoteKernels.crossTerm(residual, varianceOfResidual: q2, slope: q12 / q2,
                                                    conditionalSD: (q1 * oneMinusRho2).squareRoot(), asymptote: .sign)
        let cross2 = ReluAsymptoteKernels.crossTerm(residual, varianceOfResidual: q1, slope: q12 / q1,
                                                    conditionalSD: (q2 * oneMinusRho2).squareRoot(), asymptote: .sign)
        let (qa, qb) = q1 >= q2 ? (q1, q2) : (q2, q1)
        let both = ReluAsymptoteKernels.residualTerm(residual, variance1: qa, variance2: qb, correlation: rho, asymptote: .sign)
        return asymptote + cross1 + cross2 + both
    }

    /// `(E_q1[sech²], E_q2[sech²])`, one 1D integral of both on the residual window.
    static func expectedSech2(variance1 q1: Double, variance2 q2: Double) -> SIMD2<Double> {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let norms = SIMD2(1 / (s1 * (2 * Double.pi).squareRoot()), 1 / (s2 * (2 * Double.pi).squareRoot()))
        let integrand: (Double) -> SIMD2<Double> = { x in
            let e = exp(-2 * abs(x)), d = 1 + e
            let z1 = x / s1, z2 = x / s2
            return (4 * e / (d * d)) * norms * SIMD2(exp(-0.5 * z1 * z1), exp(-0.5 * z2 * z2))
        }
        let reach = min(ReluAsymptoteKernels.window, 10 * max(s1, s2))
        let result = PairQuadrature.integrate(integrand, mesh: ReluAsymptoteKernels.mesh(reach: reach, nearKink: nil),
                                              absoluteFloor: SIMD2(repeating: 1e-18))
        ReluAsymptoteKernels.record(result)
        return result.value
    }
}
