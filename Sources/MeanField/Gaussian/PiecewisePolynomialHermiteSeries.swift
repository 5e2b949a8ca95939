#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Mehler's series of the bivariate kernels of piecewise polynomials (hardtanh, relu6, hardsigmoid,
/// softshrink, hardswish, any affine transformation), relatively accurate as the correlation → 0,
/// where the Φ₂ closed forms (``PiecewiseLinearKernels``, ``PiecewisePolynomialKernels``) lose their
/// digits: their value is a signed sum of O(1) orthants while the kernel of an odd φ is O(ρ).
///
/// For zero-mean `(u, v)` with variances `q1 = s₁²`, `q2 = s₂²` and correlation ρ, and
/// `f(z) = F(s₁ z)`, `g(z) = G(s₂ z)`, Mehler's formula for the bivariate normal density gives
/// ```
/// E[F(u) G(v)] = Σ_{n≥0} ρⁿ aₙ bₙ,      aₙ = E[f(z) Heₙ(z)]/√n! = E[f⁽ⁿ⁾(z)]/√n!
/// ```
/// (Gaussian integration by parts; `f⁽ⁿ⁾` the distributional derivative). For a piecewise polynomial of
/// degree ≤ d with breakpoints `τₖ = tₖ/s₁` and jumps `Jₖᵐ = s₁ᵐ (P⁽ᵐ⁾(tₖ⁺) − P⁽ᵐ⁾(tₖ⁻))` of its
/// m-th derivative, `f⁽ⁿ⁾` is its classical piecewise derivative plus `Σₖ Σ_{m<n} Jₖᵐ δ⁽ⁿ⁻¹⁻ᵐ⁾(z − τₖ)`,
/// and `E[δ⁽ʲ⁾(z − τ)] = Heⱼ(τ) ϕ(τ)`:
/// ```
/// aₙ = [n ≤ d] sⁿ E[P⁽ⁿ⁾(s₁ z)]/√n!  +  Σₖ Σ_{m=0}^{min(d, n−1)} Jₖᵐ eₙ₋₁₋ₘ(τₖ) / √(n (n−1) ⋯ (n−m))
/// eⱼ(τ) = Heⱼ(τ) ϕ(τ)/√j!:   e₀ = ϕ(τ),  e₁ = τ ϕ(τ),  eⱼ₊₁ = (τ eⱼ − √j eⱼ₋₁)/√(j+1)
/// ```
/// (the classical part from the truncated moments of the normal, the interval probability without
/// cancellation: across 0 a sum of two erf, near 0 an erf difference, in a tail an erfc difference). Cramér's inequality
/// `|Heⱼ(τ)| ≤ κ √j! e^(τ²/4)`, κ = 1.086435, bounds `|eⱼ(τ)| ≤ κ e^(−τ²/4)/√(2π)` and so, for n > d,
/// `|aₙ| ≤ āₙ = Σₖ Σₘ |Jₖᵐ| κ e^(−τₖ²/4)/√(2π) · (n − d)^(−(m+1)/2)` (decreasing in n): the tail after N
/// terms is at most `ā_{N+1} b̄_{N+1} |ρ|^(N+1)/(1 − |ρ|)`. Terms are summed until that bound is below
/// 1e-15 of the partial sum (relative, not the absolute floor: a cubic term of 2e-12 relative at
/// ρ = 1e-6 is kept); every coefficient carries a first-order bound of its rounding error
/// (the recurrence run on absolute values, and the sensitivity to the rounding of τ), and the result is
/// nil when the total bound exceeds `max(1e-13 |E|, 1e-14 min(1, √(E[F²] E[G²])))` (the acceptance of
/// the Φ₂ closed forms) or ``maximumTerms`` do not suffice (|ρ| → 1). An odd φ has `a₀ = 0` exactly
/// and `E ≈ a₁ b₁ ρ` with relative accuracy for every ρ down to the underflow.
///
/// [Mehler 1866]: https://doi.org/10.1515/crll.1866.66.161 (the bivariate expansion);
/// [Cramér 1946], Mathematical Methods of Statistics, §12.6 (the bound on Heⱼ).
enum PiecewisePolynomialHermiteSeries {
    typealias Tracked = PiecewiseLinearKernels.Tracked

    /// At most this many terms (|ρ| ≲ 0.97 converges within them; closer to ±1 the series declines).
    static let maximumTerms = 1200

    /// Cramér's constant (1.086435…), rounded up.
    static let cramer = 1.0865

    /// The normalized Hermite coefficients `aₙ` of `f(z) = P(s z)`, produced in order.
    struct Coefficients {
        /// `sⁿ E[P⁽ⁿ⁾(s z)]/√n!`, n = 0…d (the classical derivatives' expectations).
        let classical: [Tracked]
        /// Per breakpoint: τ, the jumps `Jᵐ`, m = 0…d, and the running `eⱼ(τ)` with their bounds.
        var kinks: [Kink]
        /// The highest polynomial degree.
        let degree: Int
        /// Breakpoints whose ϕ(τ) underflows (|τ| ≳ 36.5), left out: `Σₘ |Jᵐ| κ e^(−τ²/4)/√(2π)`.
        let omittedEnvelope: Double

        struct Kink {
            let tau: Double
            let jumps: [Tracked]
            /// `κ e^(−τ²/4)/√(2π) · |Jᵐ|` per m (the tail bound's weights).
            let envelopes: [Double]
            var e: [Tracked]
        }

        init(_ p: PiecewisePolynomial, variance q: Double) {
            let eps = Double.ulpOfOne
            let s = q.squareRoot()
            degree = p.pieces.map { $0.count - 1 }.max() ?? 0
            // Classical parts: derivative n of every piece, its Gaussian expectation on each piece's interval.
            var derivatives = p.pieces
            var classical: [Tracked] = []
            var factorial = 1.0
            for n in 0...degree {
                if n > 0 {
                    derivatives = derivatives.map(PiecewisePolynomial.derivative)
                    factorial *= Double(n)
                }
                var total = Tracked.zero
                for (k, piece) in derivatives.enumerated() where piece.contains(where: { $0 != 0 }) {
                    let (lower, upper) = p.interval(k)
                    let moments = Self.truncatedMoments(lower / s, upper / s, degree: piece.count - 1)
                    var power = pow(s, Double(n))
                    for (i, c) in piece.enumerated() {
                        if c != 0 { total = total + Tracked(value: c * power, error: Double(i + n + 1) * eps * abs(c * power)) * moments[i] }
                        power *= s
                    }
                }
                let norm = 1 / factorial.squareRoot()
                classical.append(Tracked(value: norm * total.value, error: norm * total.error + 2 * eps * abs(norm * total.value)))
            }
            self.classical = classical
            var kinks: [Kink] = []
            var omitted = 0.0
            for (k, t) in p.breakpoints.enumerated() {
                var left = p.pieces[k], right = p.pieces[k + 1]
                var jumps: [Tracked] = []
                var power = 1.0
                for m in 0...degree {
                    if m > 0 {
                        left = PiecewisePolynomial.derivative(left); right = PiecewisePolynomial.derivative(right)
                        power *= s
                    }
                    let l = PiecewisePolynomial.evaluate(left, t), r = PiecewisePolynomial.evaluate(right, t)
                    let magnitude = PiecewisePolynomial.evaluate(left.map(abs), abs(t)) + PiecewisePolynomial.evaluate(right.map(abs), abs(t))
                    let jump = power * (r - l)
                    jumps.append(Tracked(value: jump, error: power * magnitude * Double(left.count + right.count + 2) * eps
                                                             + Double(m + 2) * eps * abs(jump)))
                }
                let tau = t / s
                let envelope = cramer * exp(-0.25 * tau * tau) * 0.398942280401432677939946059934
                let weights = jumps.map { (abs($0.value) + $0.error) * envelope }
                let density = tau.isFinite ? standardNormalDensity(tau) : 0
                if density < 1e-290 {
                    omitted += weights.reduce(0, +)
                    continue
                }
                // τ = t/s carries ~2ε relative (√q, the division): ϕ's sensitivity κ = 3.
                let e0 = PiecewiseLinearKernels.density(tau, 3)
                kinks.append(Kink(tau: tau, jumps: jumps, envelopes: weights, e: [e0]))
            }
            self.kinks = kinks
            self.omittedEnvelope = omitted
        }

        /// `Tⱼ = E[zʲ 1{α ≤ z < β}]`, j = 0…degree, with their bounds: `T₀` without cancellation (an
        /// interval across 0 as the sum of two erf, one near 0 as an erf difference, one in a tail as an
        /// erfc difference), `T₁ = ϕ(α) − ϕ(β)`, `Tⱼ = (j − 1) Tⱼ₋₂ + αʲ⁻¹ϕ(α) − βʲ⁻¹ϕ(β)`. α, β carry ~2ε
        /// relative (the division by s).
        static func truncatedMoments(_ alpha: Double, _ beta: Double, degree: Int) -> [Tracked] {
            let eps = Double.ulpOfOne, u = 0.707106781186547524400844362105
            func sensitivity(_ t: Double) -> Double { t.isFinite ? standardNormalDensity(t) * abs(t) * 3 * eps : 0 }
            let probability: Tracked
            if alpha < 0 && beta > 0 {
                let a = 0.5 * erf(-alpha * u), b = 0.5 * erf(beta * u)
                probability = Tracked(value: a + b, error: 3 * eps * (a + b) + sensitivity(alpha) + sensitivity(beta))
            } else {
                // One side of 0: mirror to [a, b) ⊂ [0, ∞).
                let (a, b) = alpha >= 0 ? (alpha, beta) : (-beta, -alpha)
                let (x, y) = b <= 1 ? (0.5 * erf(b * u), 0.5 * erf(a * u)) : (0.5 * erfc(a * u), 0.5 * erfc(b * u))
                probability = Tracked(value: x - y, error: 3 * eps * (abs(x) + abs(y)) + sensitivity(a) + sensitivity(b))
            }
            var moments = [probability]
            let da = PiecewiseLinearKernels.density(alpha, 3), db = PiecewiseLinearKernels.density(beta, 3)
            if degree >= 1 { moments.append(da - db) }
            if degree >= 2 {
                var powerA = alpha.isFinite ? alpha : 0, powerB = beta.isFinite ? beta : 0
                for j in 2...degree {
                    moments.append(Double(j - 1) * moments[j - 2] + powerA * da - powerB * db)
                    powerA *= alpha.isFinite ? alpha : 0
                    powerB *= beta.isFinite ? beta : 0
                }
            }
            return moments
        }

        /// `eⱼ(τ)` for j up to `index`, extending the recurrence (error run on absolute values, plus the
        /// sensitivity `|∂eⱼ₊₁/∂τ| δτ ≈ |eⱼ| δτ/√(j+1)` to τ's rounding δτ = 2ε|τ|).
        mutating func extend(to index: Int) {
            let eps = Double.ulpOfOne
            for k in kinks.indices {
                let tau = kinks[k].tau, dtau = 2 * eps * abs(tau)
                while kinks[k].e.count <= index {
                    let j = kinks[k].e.count - 1
                    let current = kinks[k].e[j]
                    if j == 0 {
                        let v = tau * current.value
                        kinks[k].e.append(Tracked(value: v, error: abs(tau) * current.error + eps * abs(v) + dtau * abs(current.value)))
                        continue
                    }
                    let previous = kinks[k].e[j - 1]
                    let rootJ = Double(j).squareRoot(), rootNext = Double(j + 1).squareRoot()
                    let a = tau * current.value, b = rootJ * previous.value
                    let v = (a - b) / rootNext
                    let error = (abs(tau) * current.error + rootJ * previous.error + 3 * eps * (abs(a) + abs(b)) + dtau * abs(current.value)) / rootNext
                        + eps * abs(v)
                    kinks[k].e.append(Tracked(value: v, error: error))
                }
            }
        }

        /// `aₙ` with its rounding-error bound.
        mutating func coefficient(_ n: Int) -> Tracked {
            var total = n <= degree ? classical[n] : .zero
            guard n >= 1 else { return total }
            extend(to: n - 1)
            for kink in kinks {
                var weight = 1.0   // 1/√(n (n−1) ⋯ (n−m))
                for m in 0...min(degree, n - 1) {
                    weight /= Double(n - m).squareRoot()
                    let jump = kink.jumps[m]
                    if jump.value == 0 && jump.error == 0 { continue }
                    let term = jump * kink.e[n - 1 - m]
                    total = total + Tracked(value: weight * term.value, error: weight * term.error + 2 * Double(m + 1) * Double.ulpOfOne * abs(weight * term.value))
                }
            }
            return total
        }

        /// `āₙ`, n > d: a bound on every `|aᵢ|`, i ≥ n (decreasing in n).
        func envelope(_ n: Int) -> Double {
            var total = omittedEnvelope
            let shifted = Double(n - degree)
            for kink in kinks {
                for (m, w) in kink.envelopes.enumerated() where w != 0 { total += w * pow(shifted, -0.5 * Double(m + 1)) }
            }
            return total
        }
    }

    /// `E[F(u) G(v)]` with its error bound and `√(E[F²] E[G²])`, or nil when |ρ| ≥ 1, an input is not
    /// finite, or ``maximumTerms`` terms do not meet the acceptance bound.
    static func expectationWithBound(_ f: PiecewisePolynomial, _ g: PiecewisePolynomial,
                                     variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (value: Double, error: Double, scale: Double)? {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return nil }
        let rho = max(-1, min(1, q12 / geometricMean(q1, q2)))
        guard abs(rho) < 1 else { return nil }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        var a = Coefficients(f, variance: q1), b = Coefficients(g, variance: q2)
        // Any omitted breakpoint also needs a bound on the other side's coefficients: Parseval's |bₙ| ≤ √E[G²].
        let secondF = PiecewisePolynomialKernels.secondMoment(f.standardized(s1)), secondG = PiecewisePolynomialKernels.secondMoment(g.standardized(s2))
        let scale = (secondF * secondG).squareRoot()
        let floor = 1e-14 * min(1, scale)
        let magnitude = abs(rho)
        var sum = Tracked.zero, power = 1.0
        let lowest = max(a.degree, b.degree) + 1
        for n in 0...maximumTerms {
            let an = a.coefficient(n), bn = b.coefficient(n)
            let product = an * bn
            let term = Tracked(value: power * product.value, error: abs(power) * product.error + Double(n + 1) * Double.ulpOfOne * abs(power * product.value))
            sum = sum + term
            power *= rho
            if n + 1 >= lowest {
                // Truncated relative to the sum (not to the absolute floor): relative accuracy as ρ → 0.
                let tail = a.envelope(n + 1) * b.envelope(n + 1) * abs(power) / (1 - magnitude)
                if tail <= 1e-15 * abs(sum.value) || power == 0 {
                    // Breakpoints left out (ϕ(τ) < 1e-290) on either side: Σ |ρ|ⁿ |aₙ bₙ| ≤ omitted · √E[·²]/(1 − |ρ|).
                    let omitted = (a.omittedEnvelope * secondG.squareRoot() + b.omittedEnvelope * secondF.squareRoot()) / (1 - magnitude)
                    let error = sum.error + tail + omitted
                    guard sum.value.isFinite, error <= max(1e-13 * abs(sum.value), floor) else { return nil }
                    return (sum.value, error, scale)
                }
            }
        }
        return nil
    }

    /// ``expectationWithBound(_:_:variance1:covariance:variance2:)``'s value, or nil.
    static func expectation(_ f: PiecewisePolynomial, _ g: PiecewisePolynomial,
                            variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        expectationWithBound(f, g, variance1: q1, covariance: q12, variance2: q2)?.value
    }
}

extension Activation {
    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` by Mehler's series (``PiecewisePolynomialHermiteSeries``), for the
    /// piecewise-polynomial families (hardtanh, relu6, hardsigmoid, softshrink, hardswish, any affine
    /// transformation); nil for every other activation, at |ρ| = 1, or where the series does not meet
    /// its bound. The kernel evaluator's route where the Φ₂ closed forms decline (small |ρ|).
    func piecewiseHermiteKernelPair(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard let f = transformedPiecewisePolynomial else { return nil }
        let first = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(.first))
        guard let kernel = PiecewisePolynomialHermiteSeries.expectation(f, f, variance1: q1, covariance: q12, variance2: q2),
              let derivative = PiecewisePolynomialHermiteSeries.expectation(first, first, variance1: q1, covariance: q12, variance2: q2)
        else { return nil }
        return (kernel, derivative)
    }
}
