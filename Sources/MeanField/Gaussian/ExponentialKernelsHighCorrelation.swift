#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `Φ₂(h, k; ρ) = P(X < h, Y < k)` for standard normal X, Y with correlation `0.925 < |ρ| < 1`: the
/// high-correlation branch of Genz's `BVND` ([Genz 2004], after [Drezner & Wesolowsky 1990]), which
/// integrates Plackett's density from |ρ| = 1 in the variable `x = √(1 − ρ²)` after subtracting the
/// singular part of the integrand in closed form (its first Taylor terms, `c = (4 − hk)/8`,
/// `d = (12 − hk)/16`), on the 20-point Gauss–Legendre rule. With `H = −h`, `K = −k` (`K → −K` for ρ < 0),
/// `a² = 1 − ρ²`, `b² = (H − K)²`:
/// ```
/// B = a e^(−(b²/a² + HK)/2) (1 − c(b² − a²)(1 − d b²/5)/3 + c d a⁴/5) − e^(−HK/2) √(2π) Φ(−b/a) b (1 − c b²(1 − d b²/5)/3)
///   + (a/2) Σᵢ wᵢ (e^(−b²/(2xᵢ²) − HK/(1 + rᵢ))/rᵢ − e^(−(b²/xᵢ² + HK)/2)(1 + c xᵢ²(1 + d xᵢ²))),   xᵢ = (a/2)(1 + νᵢ), rᵢ = √(1 − xᵢ²)
/// Φ₂ = Φ(−max(H, K)) − B/(2π)     (ρ > 0)
/// Φ₂ = B/(2π) + P(−K < X < H)⁺    (ρ < 0)
/// ```
/// Absolutely accurate to ~1e-16; used only by ``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:)``,
/// whose box (k√q ≤ 4) keeps the tilted orthants it feeds within 2e-14 of the adaptive Plackett integrals.
///
/// [Genz 2004]: https://doi.org/10.1023/B:STCO.0000035304.20635.31
/// [Drezner & Wesolowsky 1990]: https://doi.org/10.1080/00949659008811236
func bivariateNormalHighCorrelation(_ h: Double, _ k: Double, correlation r: Double) -> Double {
    let integral = GenzHighCorrelationIntegral(h, k, correlation: r)
    return r > 0 ? integral.positiveCorrelation : integral.negativeCorrelation
}

/// `(Φ₂(h, k; ρ), Φ₂(h, −k; −ρ))` from one Genz integral: after its sign change (`K → −K` for ρ < 0)
/// the two share `H`, `K`, `HK` and `|ρ|`, so the 20-node integral `B` is the same and only the last
/// line differs (ρ > 0 or ρ < 0 of the table above). Each value is bit for bit what
/// ``bivariateNormalHighCorrelation(_:_:correlation:)`` alone gives (the negations are exact). The
/// exponential family's pair needs both: `T₁ = e^(t²/2) Φ₂(−t, −ct; c)` and `W₁ = e^(t²/2) Φ₂(−t, ct; −c)`.
func bivariateNormalHighCorrelationPair(_ h: Double, _ k: Double, correlation r: Double) -> (same: Double, mirrored: Double) {
    let integral = GenzHighCorrelationIntegral(h, k, correlation: r)
    return r > 0 ? (integral.positiveCorrelation, integral.negativeCorrelation)
                 : (integral.negativeCorrelation, integral.positiveCorrelation)
}

/// Genz's integral `−B/2π` with its `H`, `K` (after the sign change), shared by ρ and −ρ; each last
/// line is computed only when asked for.
struct GenzHighCorrelationIntegral {
    let bvn: Double, dh: Double, dk: Double

    init(_ h: Double, _ k: Double, correlation r: Double) {
        let twoPi = 2 * Double.pi
        let dh = -h
        var dk = -k, hk = dh * dk
        if r < 0 { dk = -dk; hk = -hk }
        let aSquared = (1 - r) * (1 + r)
        var a = aSquared.squareRoot()
        let bs = (dh - dk) * (dh - dk)
        let c = (4 - hk) / 8, d = (12 - hk) / 16
        var bvn = a * tableExp(-(bs / aSquared + hk) / 2) * (1 - c * (bs - aSquared) * (1 - d * bs / 5) / 3 + c * d * aSquared * aSquared / 5)
        if hk > -160 {
            let b = bs.squareRoot()
            bvn -= tableExp(-hk / 2) * twoPi.squareRoot() * standardNormalCDF(-b / a) * b * (1 - c * bs * (1 - d * bs / 5) / 3)
        }
        a *= 0.5
        let rule = DreznerRules.large
        // Two nodes at a time (SIMD2, the same operations lane by lane), added node by node: bit for bit
        // the one-node loop.
        let count = rule.count
        var i = 0
        while i + 1 < count {
            let x: SIMD2<Double> = a * (SIMD2(rule.nodes[i], rule.nodes[i + 1]) + 1)
            let xs: SIMD2<Double> = x * x
            let rs: SIMD2<Double> = (1 - xs).squareRoot()
            let first: SIMD2<Double> = tableExp(-bs / (2 * xs) - hk / (1 + rs)) / rs
            let polynomial: SIMD2<Double> = 1 + c * xs * (1 + d * xs)
            let second: SIMD2<Double> = tableExp(-(bs / xs + hk) / 2) * polynomial
            let difference = first - second
            bvn += a * rule.weights[i] * difference[0]
            bvn += a * rule.weights[i + 1] * difference[1]
            i += 2
        }
        if i < count {
            let x = a * (rule.nodes[i] + 1)
            let xs = x * x
            let rs = (1 - xs).squareRoot()
            bvn += a * rule.weights[i] * (tableExp(-bs / (2 * xs) - hk / (1 + rs)) / rs - tableExp(-(bs / xs + hk) / 2) * (1 + c * xs * (1 + d * xs)))
        }
        self.bvn = -bvn / twoPi
        self.dh = dh
        self.dk = dk
    }

    /// ρ > 0: `Φ(−max(H, K)) − B/2π`.
    var positiveCorrelation: Double { bvn + standardNormalCDF(-max(dh, dk)) }

    /// ρ < 0: `B/2π + P(−K < X < H)⁺`.
    var negativeCorrelation: Double {
        var negative = -bvn
        if dk > dh {
            negative += dh < 0 ? standardNormalCDF(dk) - standardNormalCDF(dh) : standardNormalCDF(-dh) - standardNormalCDF(-dk)
        }
        return negative
    }
}
