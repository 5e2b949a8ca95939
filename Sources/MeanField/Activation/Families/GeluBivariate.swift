#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families.Gelu {
    /// `E[φ(u)φ(v)]` and `E[φ'(u)φ'(v)]` of the exact GELU φ(x) = xΦ(x) in closed form, for zero-mean
    /// `(u, v)` with covariance `[[q1, q12], [q12, q2]]` (any q1 ≠ q2), as neural-tangents' `stax.Gelu`
    /// computes them ([neural-tangents], `_src/stax/elementwise.py`; NNGP after [Tsuchida et al. 2021]):
    /// ```
    /// Δ² = (1 + q1)(1 + q2) − q12² = q1 q2 (1 − c)(1 + c) + q1 + q2 + 1 ≥ 1,   θ = atan2(q12, Δ)
    /// E[φ(u)φ(v)]   = q12/4 + (1/2π) [ q12 θ + (q12² + q1 q2 Δ²) / ((1 + q1)(1 + q2) Δ) ]
    /// E[φ'(u)φ'(v)] = 1/4 + θ/2π + (q12 / 2πΔ) [ 1/Δ² + (q1 + q2 + 2) / ((1 + q1)(1 + q2)) ]
    /// ```
    /// (Δ² is formed from the positive terms on the right, so nothing cancels as c → ±1; Δ ≥ 1 keeps
    /// both forms smooth up to c = ±1.) For q12 < 0 the terms have both signs: at c → −1 with large q
    /// (where gelu ≈ relu and E[φ(u)φ(−u)] is small) they cancel. The sum of their magnitudes bounds
    /// the rounding error (8 ulps of it); where that bound exceeds 1e-13 of the result (and, for a
    /// result below 1e-2, also 1e-15 absolute) this returns nil and the exact 2D engine is used.
    ///
    /// [neural-tangents]: https://github.com/google/neural-tangents
    /// [Tsuchida et al. 2021]: https://arxiv.org/abs/2002.08517
    static func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder, variance1 q1: Double, covariance q12: Double,
                                    variance2 q2: Double, _ p: [Double]) -> Double? {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return nil }
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        let a = 1 + q1, b = 1 + q2
        let deltaSquared = q1 * q2 * ((1 - c) * (1 + c)) + q1 + q2 + 1
        let delta = deltaSquared.squareRoot()
        let theta = atan2(q12, delta)
        let terms: [Double]
        switch (i, j) {
        case (.value, .value):
            terms = [0.25 * q12, q12 * theta / (2 * Double.pi), (q12 * q12 + q1 * q2 * deltaSquared) / (a * b * delta) / (2 * Double.pi)]
        case (.first, .first):
            terms = [0.25, theta / (2 * Double.pi), q12 / (2 * Double.pi * delta) * (1 / deltaSquared + (q1 + q2 + 2) / (a * b))]
        default:
            return nil
        }
        let value = terms.reduce(0, +)
        let bound = 8 * Double.ulpOfOne * terms.reduce(0) { $0 + abs($1) }
        guard value.isFinite, bound <= 1e-13 * abs(value) || (abs(value) < 1e-2 && bound <= 1e-15) else { return nil }
        return value
    }
}
