#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension PiecewiseForm {
    /// The largest `k√q` at which ``smallVarianceSeries(_:_:variance:)`` is used: it serves where
    /// the erfc closed form cancels (k√q < 0.2, ``Activation/closedFormIsWellConditioned(_:mean:variance:)``),
    /// and its terms shrink at least ~4-fold from one to the next up to here.
    static let smallVarianceSeriesLimit = 0.5

    /// `Mₙ = E[zⁿ 1{z > 0}]`, n = 0…60: M₀ = 1/2, M₁ = 1/√(2π), Mₙ = (n − 1) Mₙ₋₂ (exact recurrence;
    /// each entry is a product of integers and one of two constants, rounded at most ~30 times).
    static let halfLineMoments: [Double] = {
        var m = [0.5, 0.398942280401432677939946059934]
        for n in 2...60 { m.append(Double(n - 1) * m[n - 2]) }
        return m
    }()

    /// `E[φ^(i)(X) φ^(j)(X)]` (or `E[φ^(i)(X)]` when j is nil), `X ~ N(0, q)`, for the exponential
    /// family (elu, selu, celu) at a small variance, by the power series of the exponential side,
    /// free of the cancellation that costs the erfc closed form a factor `(k√q)⁻²` there.
    ///
    /// On each side a factor is a combination of 1, x and `e^(kx)` (``coefficients(_:positive:)``);
    /// its Taylor coefficients on the negative side are
    /// ```
    /// t₀ = one + exp,   t₁ = x + exp·k,   tₙ = exp·kⁿ/n!  (n ≥ 2)
    /// ```
    /// (t₀ = −A + A = 0 exactly for φ itself, so the leading cancellation never happens in floating
    /// point), the product's are the Cauchy product `pₙ = Σ tᵃ tⁿ⁻ᵃ`, and with the half-line
    /// moments `Mₙ = E[zⁿ 1{z > 0}]` (M₀ = 1/2, M₁ = 1/√(2π), Mₙ = (n − 1) Mₙ₋₂)
    /// ```
    /// E[f(X) g(X)] = Σₙ (eₙ + (−1)ⁿ pₙ) √qⁿ Mₙ
    /// ```
    /// where `eₙ` (n ≤ 2) are the coefficients of the positive side's polynomial. For `k√q ≤ 0.5`
    /// the terms fall super-exponentially (`~(2k√q)ⁿ Mₙ/n!`); the sum stops when two consecutive
    /// terms are below 1e-17 of it (at most 60 terms). Nil outside that range, for a linear
    /// negative side, or q outside `[1e-300, ∞)`.
    func smallVarianceSeries(_ i: DerivativeOrder, _ j: DerivativeOrder?, variance q: Double) -> Double? {
        guard case let .exponential(_, k) = negative, q >= 1e-300, q.isFinite, k > 0 else { return nil }
        let s = q.squareRoot()
        guard k * s <= Self.smallVarianceSeriesLimit else { return nil }
        let maximumTerms = Self.halfLineMoments.count - 1
        func negativeTaylor(_ order: DerivativeOrder) -> [Double] {
            let c = coefficients(order, positive: false)
            var t = [Double](repeating: 0, count: maximumTerms + 1)
            t[0] = c.one + c.exp
            t[1] = c.x + c.exp * k
            var power = c.exp * k
            for n in 2...maximumTerms {
                power *= k / Double(n)
                t[n] = power
            }
            return t
        }
        func positivePolynomial(_ order: DerivativeOrder) -> (Double, Double) {
            let c = coefficients(order, positive: true)
            return (c.one, c.x)
        }
        let f = negativeTaylor(i), fPlus = positivePolynomial(i)
        let g = j.map(negativeTaylor), gPlus = j.map(positivePolynomial) ?? (1, 0)
        let positive = [fPlus.0 * gPlus.0, fPlus.0 * gPlus.1 + fPlus.1 * gPlus.0, fPlus.1 * gPlus.1]
        let moments = Self.halfLineMoments
        var sum = 0.0, scale = 1.0, small = 0
        for n in 0...maximumTerms {
            var pn: Double
            if let g {
                pn = 0
                for a in 0...n { pn += f[a] * g[n - a] }
            } else {
                pn = f[n]
            }
            let coefficient = (n < 3 ? positive[n] : 0) + (n & 1 == 0 ? pn : -pn)
            let term = coefficient * scale * moments[n]
            sum += term
            scale *= s
            if n >= 2 {
                small = abs(term) <= 1e-17 * abs(sum) ? small + 1 : 0
                if small >= 2 || scale == 0 { return sum.isFinite ? sum : nil }
            }
        }
        return nil
    }
}

extension Activation {
    /// ``PiecewiseForm/smallVarianceSeries(_:_:variance:)`` for the exponential family itself (no
    /// affine transformation) at mean 0, where its erfc closed form is declined as ill-conditioned
    /// (``closedFormIsWellConditioned(_:mean:variance:)``): nil otherwise.
    func smallVarianceSeriesExpectation(_ moment: Moment, mean m: Double, variance q: Double) -> Double? {
        guard m == 0, affine.isIdentity, let form = basePiecewiseForm, case .exponential = form.negative,
              !closedFormIsWellConditioned(moment, mean: m, variance: q) else { return nil }
        return form.smallVarianceSeries(moment.first, moment.second, variance: q)
    }
}
