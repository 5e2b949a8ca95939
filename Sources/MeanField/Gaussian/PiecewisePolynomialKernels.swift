#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Exact bivariate Gaussian expectations of piecewise polynomials (hardswish: 0 | x(x + 3)/6 | x,
/// and its derivatives), in Φ, ϕ and the bivariate normal CDF Φ₂: `E[f(u) g(v)]` for zero-mean
/// `(u, v)` with covariance `[[q1, q12], [q12, q2]]`, every correlation in [−1, 1].
///
/// With `x = u/√q1`, `y = v/√q2` (correlation ρ, `r = √(1 − ρ²)`), f and g are polynomials
/// `Σ fᵢ xⁱ`, `Σ gⱼ yʲ` on the cells `R = [α₁, β₁) × [α₂, β₂)` of their breakpoints, and
/// `E[f(u) g(v)] = Σ_R Σᵢⱼ fᵢ gⱼ mᵢⱼ(R)` with the truncated moments `mᵢⱼ = E[xⁱ yʲ 1_R]`. Since
/// `x ϕ₂ = −(∂ₓ + ρ ∂ᵧ) ϕ₂`, integration by parts over R gives the recursions
/// ([Kan & Robotti 2017], Prop. 1, for the bivariate case; [Muthén 1990]):
/// ```
/// m₀₀     = P(R)                                     (signed sum of orthants Φ₂, as PiecewiseLinearKernels)
/// mᵢ₊₁,ⱼ  = i mᵢ₋₁,ⱼ + ρ j mᵢ,ⱼ₋₁ + Bˣᵢⱼ + ρ Bʸᵢⱼ
/// mᵢ,ⱼ₊₁  = j mᵢ,ⱼ₋₁ + ρ i mᵢ₋₁,ⱼ + Bʸᵢⱼ + ρ Bˣᵢⱼ
/// Bˣᵢⱼ    = α₁ⁱ ϕ(α₁) Cⱼ(α₁) − β₁ⁱ ϕ(β₁) Cⱼ(β₁),    Cⱼ(a) = E[yʲ 1{α₂ ≤ y < β₂} | x = a]
/// Bʸᵢⱼ    = α₂ʲ ϕ(α₂) Dᵢ(α₂) − β₂ʲ ϕ(β₂) Dᵢ(β₂),    Dᵢ(b) = E[xⁱ 1{α₁ ≤ x < β₁} | y = b]
/// ```
/// (infinite edges contribute nothing), the conditional moments of `N(ρa, r²)` in closed form
/// (``PiecewiseLinearKernels/conditionalMoments(_:_:at:rho:r:degree:)``). A cell with a side
/// narrower than ``PiecewiseLinearKernels/narrowWidth`` (the ±3/√q of hardswish at large q) is
/// integrated along it instead (``PiecewiseLinearKernels/narrowCell(_:_:_:_:_:_:rho:r:)``). At
/// ρ = ±1 the expectation is one-dimensional, `E[f(z) g(±z)]`, a piecewise polynomial
/// (``PiecewisePolynomial``).
///
/// Every term carries a first-order bound of its rounding error; the result is nil when the bound
/// exceeds `max(1e-13 |E|, 1e-14 min(1, √(E[f²] E[g²])))`, and the caller integrates instead.
///
/// [Kan & Robotti 2017]: https://doi.org/10.1080/10618600.2017.1322092
/// [Muthén 1990]: https://doi.org/10.1007/BF02294629
enum PiecewisePolynomialKernels {
    typealias Tracked = PiecewiseLinearKernels.Tracked

    /// `E[f(u) g(v)]` for several pairs at one covariance, sharing the Φ₂ values; nil where the
    /// error bound is not met or an input is not finite.
    static func expectations(_ pairs: [(PiecewisePolynomial, PiecewisePolynomial)],
                             variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> [Double?] {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return pairs.map { _ in nil } }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let rho = max(-1, min(1, q12 / geometricMean(q1, q2)))
        var orthants = PiecewiseLinearKernels.Orthants(rho: rho)
        return pairs.map { f, g in
            let fz = f.standardized(s1), gz = g.standardized(s2)
            let result = (rho == 1 || rho == -1) ? degenerate(fz, gz, rho: rho) : cells(fz, gz, rho: rho, orthants: &orthants)
            let scale = (secondMoment(fz) * secondMoment(gz)).squareRoot()
            guard result.value.isFinite, result.error <= max(1e-13 * abs(result.value), 1e-14 * min(1, scale)) else { return nil }
            return result.value
        }
    }

    /// `E[f(z)²]`, z ~ N(0, 1) (for the absolute part of the acceptance bound only).
    static func secondMoment(_ f: PiecewisePolynomial) -> Double {
        PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces.map { PiecewisePolynomial.product($0, $0) })
            .expectationWithBound(.value, nil, mean: 0, variance: 1).value
    }

    /// ρ = ±1: `E[f(z) g(ρz)]`, a piecewise-polynomial 1D expectation.
    static func degenerate(_ f: PiecewisePolynomial, _ g: PiecewisePolynomial, rho: Double) -> Tracked {
        let mirrored = rho > 0 ? g : g.reflected
        let points = Array(Set(f.breakpoints + mirrored.breakpoints)).sorted()
        var representatives: [Double] = []
        if points.isEmpty { representatives = [0] } else {
            representatives.append(points[0] - 1)
            for (a, b) in zip(points, points.dropFirst()) { representatives.append(0.5 * (a + b)) }
            representatives.append(points[points.count - 1] + 1)
        }
        let pieces = representatives.map { PiecewisePolynomial.product(f.piece(at: $0), mirrored.piece(at: $0)) }
        let r = PiecewisePolynomial(breakpoints: points, pieces: pieces).expectationWithBound(.value, nil, mean: 0, variance: 1)
        return Tracked(value: r.value, error: r.error)
    }

    /// |ρ| < 1: the sum over cells.
    static func cells(_ f: PiecewisePolynomial, _ g: PiecewisePolynomial, rho: Double,
                      orthants: inout PiecewiseLinearKernels.Orthants) -> Tracked {
        let r = ((1 - rho) * (1 + rho)).squareRoot()
        var total = Tracked.zero
        for (i, fi) in f.pieces.enumerated() where fi.contains(where: { $0 != 0 }) {
            let (alpha1, beta1) = f.interval(i)
            for (j, gj) in g.pieces.enumerated() where gj.contains(where: { $0 != 0 }) {
                let (alpha2, beta2) = g.interval(j)
                let (width1, width2) = (beta1 - alpha1, beta2 - alpha2)
                if min(width1, width2) < PiecewiseLinearKernels.narrowWidth {
                    total = total + (width1 <= width2
                        ? PiecewiseLinearKernels.narrowCell(fi, alpha1, beta1, gj, alpha2, beta2, rho: rho, r: r)
                        : PiecewiseLinearKernels.narrowCell(gj, alpha2, beta2, fi, alpha1, beta1, rho: rho, r: r))
                    continue
                }
                total = total + cell(fi, alpha1, beta1, gj, alpha2, beta2, rho: rho, r: r, orthants: &orthants)
            }
        }
        return total
    }

    /// `Σᵢⱼ fᵢ gⱼ E[xⁱ yʲ 1_R]` on one cell by the Stein recursions (see the type).
    static func cell(_ f: [Double], _ alpha1: Double, _ beta1: Double, _ g: [Double], _ alpha2: Double, _ beta2: Double,
                     rho: Double, r: Double, orthants: inout PiecewiseLinearKernels.Orthants) -> Tracked {
        let degreeF = f.count - 1, degreeG = g.count - 1
        var probability = Tracked.zero
        for (sx, ex) in PiecewiseLinearKernels.decomposition(alpha1, beta1) {
            for (sy, ey) in PiecewiseLinearKernels.decomposition(alpha2, beta2) {
                probability = probability + (sx * sy) * orthants.probability(ex, ey)
            }
        }
        // Boundary terms Bˣᵢⱼ (i < degreeF... as needed) and Bʸᵢⱼ.
        func edges(_ alpha: Double, _ beta: Double) -> [(Double, Double)] {
            [(alpha, 1.0), (beta, -1.0)].filter { $0.0.isFinite }
        }
        var bx = [[Tracked]](repeating: [Tracked](repeating: .zero, count: degreeG + 1), count: degreeF + 1)
        var by = bx
        for (edge, sign) in edges(alpha1, beta1) {
            let d = PiecewiseLinearKernels.density(edge)
            let c = PiecewiseLinearKernels.conditionalMoments(alpha2, beta2, at: edge, rho: rho, r: r, degree: degreeG)
            var power = 1.0
            for i in 0...degreeF {
                for j in 0...degreeG { bx[i][j] = bx[i][j] + (sign * power) * (d * c[j]) }
                power *= edge
            }
        }
        for (edge, sign) in edges(alpha2, beta2) {
            let d = PiecewiseLinearKernels.density(edge)
            let c = PiecewiseLinearKernels.conditionalMoments(alpha1, beta1, at: edge, rho: rho, r: r, degree: degreeF)
            var power = 1.0
            for j in 0...degreeG {
                for i in 0...degreeF { by[i][j] = by[i][j] + (sign * power) * (d * c[i]) }
                power *= edge
            }
        }
        var m = [[Tracked]](repeating: [Tracked](repeating: .zero, count: degreeG + 1), count: degreeF + 1)
        m[0][0] = probability
        if degreeG >= 1 {
            for j in 0..<degreeG {
                var next = by[0][j] + rho * bx[0][j]
                if j >= 1 { next = next + Double(j) * m[0][j - 1] }
                m[0][j + 1] = next
            }
        }
        if degreeF >= 1 {
            for i in 0..<degreeF {
                for j in 0...degreeG {
                    var next = bx[i][j] + rho * by[i][j]
                    if i >= 1 { next = next + Double(i) * m[i - 1][j] }
                    if j >= 1 { next = next + (rho * Double(j)) * m[i][j - 1] }
                    m[i + 1][j] = next
                }
            }
        }
        var total = Tracked.zero
        for (i, fi) in f.enumerated() where fi != 0 {
            for (j, gj) in g.enumerated() where gj != 0 { total = total + (fi * gj) * m[i][j] }
        }
        return total
    }
}

extension PiecewisePolynomial {
    /// `f(s z)` as a function of z (s > 0): breakpoints `bₖ/s`, coefficient of zᵏ multiplied by sᵏ.
    func standardized(_ s: Double) -> PiecewisePolynomial {
        PiecewisePolynomial(breakpoints: breakpoints.map { $0 / s }, pieces: pieces.map { piece in
            var power = 1.0
            return piece.map { c in defer { power *= s }; return c * power }
        })
    }

    /// `f(−x)`.
    var reflected: PiecewisePolynomial {
        PiecewisePolynomial(breakpoints: breakpoints.reversed().map { -$0 },
                            pieces: pieces.reversed().map { $0.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element } })
    }

    /// `[bₖ, bₖ₊₁)` of piece k, with ±∞ at the ends.
    func interval(_ k: Int) -> (lower: Double, upper: Double) {
        (k == 0 ? -.infinity : breakpoints[k - 1], k == breakpoints.count ? .infinity : breakpoints[k])
    }

    /// The coefficients of the piece containing x.
    func piece(at x: Double) -> [Double] {
        pieces[breakpoints.firstIndex(where: { $0 > x }) ?? breakpoints.count]
    }

    /// `out_scale · (f(in_scale · x + in_shift) + out_shift)`, itself a piecewise polynomial in x.
    func transformed(_ t: AffineTransform) -> PiecewisePolynomial {
        if t.isIdentity { return self }
        var b = breakpoints.map { ($0 - t.inShift) / t.inScale }
        var p: [[Double]] = pieces.map { piece in
            // Σ cₖ (s x + h)ᵏ = Σⱼ (Σₖ cₖ C(k, j) s^j h^(k−j)) xʲ
            var out = [Double](repeating: 0, count: piece.count)
            for (k, c) in piece.enumerated() where c != 0 {
                var binomial = 1.0
                for j in 0...k {
                    out[j] += c * binomial * pow(t.inScale, Double(j)) * pow(t.inShift, Double(k - j))
                    binomial = binomial * Double(k - j) / Double(j + 1)
                }
            }
            out[0] += t.outShift
            return out.map { t.outScale * $0 }
        }
        if t.inScale < 0 { b.reverse(); p.reverse() }
        return PiecewisePolynomial(breakpoints: b, pieces: p)
    }
}

extension Activation {
    /// φ̂ as a ``PiecewisePolynomial`` (the affine transformation applied), for the families
    /// defined by one (hardtanh, relu6, hardsigmoid, hardswish, softshrink).
    var transformedPiecewisePolynomial: PiecewisePolynomial? {
        basePiecewisePolynomial?.transformed(affine)
    }

    /// `E[φ^(i)(u) φ^(j)(v)]` of a piecewise-polynomial activation of degree ≥ 2 (hardswish), by
    /// ``PiecewisePolynomialKernels``; nil when the activation is not one, or where the bound is not
    /// met. (φ'' of hardswish is its piecewise-constant part, 1/3 on [−3, 3): no Dirac masses, as
    /// everywhere in the library.)
    func piecewisePolynomialBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder,
                                      variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        guard piecewiseLinear == nil, let f = transformedPiecewisePolynomial else { return nil }
        let fi = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(i))
        let fj = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(j))
        return PiecewisePolynomialKernels.expectations([(fi, fj)], variance1: q1, covariance: q12, variance2: q2)[0]
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` in one pass sharing the Φ₂ orthants, for the families whose
    /// ``closedFormBivariate(_:_:variance1:covariance:variance2:)`` is exactly a call of
    /// ``PiecewiseLinearKernels`` or ``PiecewisePolynomialKernels`` on φ̂ itself (hardswish with any
    /// affine transformation; hardtanh, relu6, hardsigmoid, softshrink untransformed): the same
    /// values as two separate calls, bit for bit, at half the Φ₂ evaluations. nil for every other
    /// activation (or where a kernel declines).
    func piecewiseKernelPair(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard basePiecewisePolynomial != nil else { return nil }
        let values: [Double?]
        if piecewiseLinear == nil, let f = transformedPiecewisePolynomial {
            let value = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(.value))
            let first = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(.first))
            values = PiecewisePolynomialKernels.expectations([(value, value), (first, first)], variance1: q1, covariance: q12, variance2: q2)
        } else if affine.isIdentity, let both = piecewiseLinearBivariate([(.value, .value), (.first, .first)], variance1: q1, covariance: q12, variance2: q2) {
            values = both
        } else {
            return nil
        }
        guard values.count == 2, let kernel = values[0], let derivative = values[1] else { return nil }
        return (kernel, derivative)
    }
}
