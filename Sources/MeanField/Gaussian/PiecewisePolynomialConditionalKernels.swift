#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The kernels `E[f(x) f(y)]`, `E[f'(x) f'(y)]` of a piecewise polynomial (hardswish) at high
/// correlation and large variance, where the Φ₂ rectangles of ``PiecewisePolynomialKernels`` lose
/// their digits (the central cell of hardswish, `6/√q` wide in units of σ, is a signed sum of O(1)
/// orthants) or integrate it adaptively (``PiecewiseLinearKernels/narrowCell(_:_:_:_:_:_:rho:r:)``,
/// ~0.3 ms per pair): issue #15 item 3, hardswish at q ≥ 1e2, c* ≈ 0.98 … 0.9999.
///
/// With x, y standardized (correlation ρ, `r = √(1 − ρ²)`), f is split into its two outer pieces
/// and a compactly supported remainder:
/// ```
/// f = A + R,   A(x) = p_L(x) (x < c),  p_R(x) (x ≥ c),   R = f − A = 0 outside [b₁, bₙ]
/// E[f(x) f(y)] = E[A(x) A(y)] + ∫ R(y) ϕ(y) E[A(x) | y] dy + ∫ R(x) ϕ(x) E[f(y) | x] dx
/// ```
/// (hardswish: A = relu, c = 0, R = x(x + 3)/6 on [−3, 0), x(x − 3)/6 on [0, 3); the same split of
/// f' for the derivative kernel). `E[A A]` has one cell per pair of half-lines (no narrow cell: the
/// Φ₂ rectangles of ``PiecewisePolynomialKernels``); the two integrals run over the finite support
/// of R. The conditional expectations are closed forms (w | a ~ N(ρa, r²)):
/// ```
/// G = G₀ + Σₖ Dₖ(w) 1{w ≥ bₖ},   Dₖ = Gₖ − Gₖ₋₁ = Σⱼ dₖⱼ (w − bₖ)ʲ
/// E[G(w) | a] = E[G₀(ρa + r z)] + Σₖ Σⱼ dₖⱼ rʲ Jⱼ(tₖ),   tₖ = (ρa − bₖ)/r
/// J₀ = Φ(t),   J₁ = t Φ(t) + ϕ(t),   Jⱼ = t Jⱼ₋₁ + (j − 1) Jⱼ₋₂     (Jⱼ = ∫_{−t}^∞ (z + t)ʲ ϕ(z) dz)
/// ```
/// one Φ and one ϕ per breakpoint, shared by both kernels. `bₖ − ρa` keeps its digits as |ρ| → 1
/// (``PiecewiseLinearKernels/offset(_:_:rho:)``). The integrands are analytic on panels split at
/// R's breakpoints and at the points `bₖ/ρ` where a conditional steps on the scale `w = r/|ρ|`,
/// graded around them (`±w·{½, 1¼, 2¼, 3½, 5, 7, 9½}`; beyond 9½w the step's tail is below
/// 1e-20) and at most ½ wide; each panel is integrated by fixed Gauss–Legendre rules of 12 and 20
/// points, and `Σ |Q₂₀ − Q₁₂|` (the error of the 12-point rule, far above that of the 20-point
/// value kept) is the quadrature's error bound, plus a first-order bound of the rounding in the
/// integrand. The result is nil when the bound exceeds the closed forms' acceptance bound
/// `max(1e-13 |E|, 1e-14 min(1, √(E[f²] E[g²])))`, and the caller goes on to the next route.
/// Validated against 50-digit mpmath references (Tests/Generators/hardswish-high-correlation).
enum PiecewisePolynomialConditionalKernels {
    typealias Tracked = PiecewiseLinearKernels.Tracked

    /// The grading of the panels around a step, in units of `r/|ρ|`.
    static let grading: [Double] = [0.5, 1.25, 2.25, 3.5, 5, 7, 9.5]

    /// The widest panel (in units of σ): ϕ and the polynomials are resolved to 1e-16 by 12 points.
    static let widestPanel = 0.5

    /// The two Gauss–Legendre rules on [−1, 1]: (nodes, weights).
    static let lowRule = GaussLegendre.rule(12), highRule = GaussLegendre.rule(20)

    /// `(E[f(x) f(y)], E[f'(x) f'(y)])` of the piecewise polynomial `f` (φ̂ in the variable's own
    /// units) for `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`, 0 < |ρ| < 1; nil where the error bound
    /// is not met, where f has a piece of degree > 3 or its outer pieces do not split it (see the type).
    static func pair(_ f: PiecewisePolynomial, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Double, derivative: Double)? {
        guard let both = pairWithBounds(f, variance1: q1, covariance: q12, variance2: q2),
              both.kernel.value.isFinite, both.derivative.value.isFinite else { return nil }
        // The relative bound first; the absolute floor's scales (E[g²]) only where that is not met.
        if both.kernel.error <= 1e-13 * abs(both.kernel.value), both.derivative.error <= 1e-13 * abs(both.derivative.value) {
            return (both.kernel.value, both.derivative.value)
        }
        let (kernelScale, derivativeScale) = scales(f, variance1: q1, variance2: q2)
        guard both.kernel.error <= max(1e-13 * abs(both.kernel.value), 1e-14 * min(1, kernelScale)),
              both.derivative.error <= max(1e-13 * abs(both.derivative.value), 1e-14 * min(1, derivativeScale)) else { return nil }
        return (both.kernel.value, both.derivative.value)
    }

    /// `√(E[g(x)²] E[g(y)²])` for g = φ̂ and g = φ̂' (the scale of the acceptance bound's absolute floor).
    static func scales(_ f: PiecewisePolynomial, variance1 q1: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double) {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        func scale(_ order: DerivativeOrder) -> Double {
            let g = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(order))
            return (PiecewisePolynomialKernels.secondMoment(g.standardized(s1)) * PiecewisePolynomialKernels.secondMoment(g.standardized(s2))).squareRoot()
        }
        return (scale(.value), scale(.first))
    }

    /// ``pair(_:variance1:covariance:variance2:)`` before the acceptance test: each kernel with its
    /// error bound.
    static func pairWithBounds(_ f: PiecewisePolynomial, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Tracked, derivative: Tracked)? {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite, !f.breakpoints.isEmpty,
              f.pieces.allSatisfy({ $0.count <= 4 }) else { return nil }
        let rho = q12 / geometricMean(q1, q2)
        guard abs(rho) < 1, rho != 0, let split = Split(f) else { return nil }
        let r = ((1 - rho) * (1 + rho)).squareRoot()
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        // Value and derivative, standardized in each variable.
        let value = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(.value))
        let first = PiecewisePolynomial(breakpoints: f.breakpoints, pieces: f.pieces(.first))
        let (value1, value2) = (value.standardized(s1), value.standardized(s2))
        let (first1, first2) = (first.standardized(s1), first.standardized(s2))
        // E[A(x) A(y)]: half-line cells only.
        var orthants = PiecewiseLinearKernels.Orthants(rho: rho)
        let asymptoticValue = PiecewisePolynomialKernels.cells(split.asymptotic(value1, at: split.cut / s1),
                                                               split.asymptotic(value2, at: split.cut / s2), rho: rho, orthants: &orthants)
        let asymptoticFirst = PiecewisePolynomialKernels.cells(split.asymptotic(first1, at: split.cut / s1),
                                                               split.asymptotic(first2, at: split.cut / s2), rho: rho, orthants: &orthants)
        // ∫ R(y) ϕ(y) E[A(x) | y] dy over R's pieces in y (scale s2), A in x (scale s1).
        let remainderIntegral = integral(
            remainder: (split.remainder(value2, at: split.cut / s2), split.remainder(first2, at: split.cut / s2)),
            conditional: Conditional(split.asymptotic(value1, at: split.cut / s1), split.asymptotic(first1, at: split.cut / s1)),
            rho: rho, r: r)
        // ∫ R(x) ϕ(x) E[f(y) | x] dx over R's pieces in x (scale s1), f in y (scale s2).
        let crossIntegral = integral(
            remainder: (split.remainder(value1, at: split.cut / s1), split.remainder(first1, at: split.cut / s1)),
            conditional: Conditional(value2, first2), rho: rho, r: r)
        guard let remainderIntegral, let crossIntegral else { return nil }
        let kernel = asymptoticValue + remainderIntegral.value + crossIntegral.value
        let derivative = asymptoticFirst + remainderIntegral.first + crossIntegral.first
        return (kernel, derivative)
    }

    /// Where f is cut into its outer pieces: the root of `p_R − p_L` when that is linear with its
    /// root in `[b₁, bₙ]` (hardswish: 0, where relu has its kink), else the middle of `[b₁, bₙ]`.
    struct Split {
        /// The cut, in the units of f.
        let cut: Double

        init?(_ f: PiecewisePolynomial) {
            let lower = f.breakpoints[0], upper = f.breakpoints[f.breakpoints.count - 1]
            let left = f.pieces[0], right = f.pieces[f.pieces.count - 1]
            var difference = [Double](repeating: 0, count: max(left.count, right.count))
            for (k, c) in right.enumerated() { difference[k] += c }
            for (k, c) in left.enumerated() { difference[k] -= c }
            let nonzero = difference.indices.filter { difference[$0] != 0 }
            if nonzero.max() == 1 {
                let root = -difference[0] / difference[1]
                cut = root >= lower && root <= upper ? root : 0.5 * (lower + upper)
            } else {
                cut = 0.5 * (lower + upper)
            }
            guard cut.isFinite else { return nil }
        }

        /// A: the outer pieces of g, joined at `c` (g's units).
        func asymptotic(_ g: PiecewisePolynomial, at c: Double) -> PiecewisePolynomial {
            PiecewisePolynomial(breakpoints: [c], pieces: [g.pieces[0], g.pieces[g.pieces.count - 1]])
        }

        /// R = g − A on `[b₁, bₙ]`, as (lower, upper, coefficients) pieces (split at c).
        func remainder(_ g: PiecewisePolynomial, at c: Double) -> [(lower: Double, upper: Double, coefficients: [Double])] {
            let points = Array(Set(g.breakpoints + [c])).sorted()
            var out: [(lower: Double, upper: Double, coefficients: [Double])] = []
            for (lo, hi) in zip(points, points.dropFirst()) where hi > lo {
                let middle = 0.5 * (lo + hi)
                let outer = middle < c ? g.pieces[0] : g.pieces[g.pieces.count - 1]
                var coefficients = g.piece(at: middle)
                if coefficients.count < outer.count { coefficients += [Double](repeating: 0, count: outer.count - coefficients.count) }
                for (k, o) in outer.enumerated() { coefficients[k] -= o }
                if coefficients.contains(where: { $0 != 0 }) { out.append((lo, hi, coefficients)) }
            }
            return out
        }
    }

    /// `E[G(w) | other = a]` and `E[G'(w) | other = a]`-like pairs: two piecewise polynomials with
    /// the same breakpoints (φ̂ and φ̂', standardized), w | a ~ N(ρa, r²), in the telescoped form of
    /// the type's documentation.
    struct Conditional {
        let breakpoints: [Double]
        /// G₀ of each function, ascending powers (up to w³).
        let base: (SIMD4<Double>, SIMD4<Double>)
        /// Per breakpoint: the Taylor coefficients of Dₖ at bₖ, of each function.
        let jumps: [(SIMD4<Double>, SIMD4<Double>)]

        init(_ g: PiecewisePolynomial, _ h: PiecewisePolynomial) {
            precondition(g.breakpoints == h.breakpoints)
            breakpoints = g.breakpoints
            func padded(_ c: [Double]) -> SIMD4<Double> {
                var v = SIMD4<Double>(repeating: 0)
                for (k, x) in c.prefix(4).enumerated() { v[k] = x }
                return v
            }
            base = (padded(g.pieces[0]), padded(h.pieces[0]))
            func taylor(_ p: PiecewisePolynomial, _ k: Int) -> SIMD4<Double> {
                // D(w) = Σ cᵢ wⁱ = Σⱼ (Σᵢ C(i, j) cᵢ bⁱ⁻ʲ) (w − b)ʲ
                let c = padded(p.pieces[k + 1]) - padded(p.pieces[k]), b = p.breakpoints[k]
                var out = SIMD4<Double>(repeating: 0)
                let binomial: [[Double]] = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1]]
                for i in 0..<4 where c[i] != 0 {
                    for j in 0...i { out[j] += binomial[i][j] * c[i] * pow(b, Double(i - j)) }
                }
                return out
            }
            jumps = breakpoints.indices.map { (taylor(g, $0), taylor(h, $0)) }
        }

        /// The two conditional expectations at `a`, with first-order bounds of their rounding errors.
        @inline(__always)
        func evaluate(at a: Double, rho: Double, r: Double) -> (value: SIMD2<Double>, error: SIMD2<Double>) {
            let mu = rho * a
            // E[(μ + r z)ʲ], j = 0…3, and a bound of E|μ + r z|ʲ.
            let r2 = r * r
            let moments = SIMD4<Double>(1, mu, mu * mu + r2, mu * (mu * mu + 3 * r2))
            let m = abs(mu) + r
            let magnitudes = SIMD4<Double>(1, m, m * m + r2, m * (m * m + 3 * r2))
            var value = SIMD2((base.0 * moments).sum(), (base.1 * moments).sum())
            let baseSizes = SIMD2((magnitude(base.0) * magnitudes).sum(), (magnitude(base.1) * magnitudes).sum())
            var error = baseSizes * (8 * Double.ulpOfOne)
            let rPowers = SIMD4<Double>(1, r, r2, r2 * r)
            for (k, b) in breakpoints.enumerated() {
                let (off, kappa) = PiecewiseLinearKernels.offset(b, a, rho: rho)
                let t = -off / r
                let cdf = 0.5 * erfc(off / r * 0.707106781186547524400844362105), density = standardNormalDensity(t)
                // Jⱼ(t) and the same recursion in absolute values (the terms' size, for the rounding bound).
                let absT = abs(t)
                let j1 = t * cdf + density, m1 = absT * cdf + density
                let j2 = t * j1 + cdf, m2 = absT * m1 + cdf
                let j3 = t * j2 + 2 * j1, m3 = absT * m2 + 2 * m1
                let js = SIMD4(cdf, j1, j2, j3) * rPowers
                // Rounding of each Jⱼ (a few ε of its terms), and t's relative error (κ + 3) ε times
                // ∂Jⱼ/∂t = j Jⱼ₋₁ (ϕ for j = 0).
                let shift = absT * (kappa + 3) * Double.ulpOfOne
                let sizes: SIMD4<Double> = SIMD4(cdf, m1, m2, m3) * (8 * Double.ulpOfOne)
                let slopes: SIMD4<Double> = SIMD4(density, abs(cdf), 2 * abs(j1), 3 * abs(j2)) * shift
                let jerr: SIMD4<Double> = (sizes + slopes) * rPowers
                let (d0, d1) = jumps[k]
                let (a0, a1) = (magnitude(d0), magnitude(d1))
                let terms: SIMD4<Double> = magnitude(js) * (4 * Double.ulpOfOne) + jerr
                value += SIMD2((d0 * js).sum(), (d1 * js).sum())
                error += SIMD2((a0 * terms).sum(), (a1 * terms).sum())
            }
            return (value, error)
        }
    }

    /// `Σ over R's pieces ∫ R(t) ϕ(t) E[G(w) | t] dt` for the value and derivative pairs at once,
    /// with error bounds (quadrature + rounding); nil when a panel's integrand is not finite.
    static func integral(remainder: ([(lower: Double, upper: Double, coefficients: [Double])], [(lower: Double, upper: Double, coefficients: [Double])]),
                         conditional: Conditional, rho: Double, r: Double) -> (value: Tracked, first: Tracked)? {
        // The value's and the derivative's remainders share the breakpoints of f (and the cut); a
        // piece where one vanishes contributes 0 for it.
        let lowers = Array(Set(remainder.0.map(\.lower) + remainder.1.map(\.lower))).sorted()
        var pieces: [(Double, Double, [Double], [Double])] = []
        for lo in lowers {
            let v = remainder.0.first(where: { $0.lower == lo }), d = remainder.1.first(where: { $0.lower == lo })
            guard let hi = v?.upper ?? d?.upper else { continue }
            if let v, let d, v.upper != d.upper { return nil }
            pieces.append((lo, hi, v?.coefficients ?? [0], d?.coefficients ?? [0]))
        }
        let width = r / abs(rho)
        let steps = conditional.breakpoints.map { $0 / rho }
        var total = SIMD2<Double>(repeating: 0), quadratureError = SIMD2<Double>(repeating: 0), roundingError = SIMD2<Double>(repeating: 0)
        for (lo, hi, valuePiece, firstPiece) in pieces {
            var points: [Double] = [lo, hi]
            for s in steps {
                if s > lo && s < hi { points.append(s) }
                for g in grading {
                    let below = s - g * width, above = s + g * width
                    if below > lo && below < hi { points.append(below) }
                    if above > lo && above < hi { points.append(above) }
                }
            }
            points.sort()
            var previous = points[0]
            for next in points.dropFirst() where next > previous {
                // At most widestPanel wide.
                let count = max(1, Int(((next - previous) / widestPanel).rounded(.up)))
                let step = (next - previous) / Double(count)
                for k in 0..<count {
                    let a = previous + Double(k) * step, b = k == count - 1 ? next : previous + Double(k + 1) * step
                    let centre = 0.5 * (a + b), half = 0.5 * (b - a)
                    var low = SIMD2<Double>(repeating: 0), high = SIMD2<Double>(repeating: 0), rounding = SIMD2<Double>(repeating: 0)
                    func sample(_ x: Double) -> (SIMD2<Double>, SIMD2<Double>) {
                        let weight = standardNormalDensity(x)
                        let p: SIMD2<Double> = SIMD2(PiecewisePolynomial.evaluate(valuePiece, x), PiecewisePolynomial.evaluate(firstPiece, x)) * weight
                        let c = conditional.evaluate(at: x, rho: rho, r: r)
                        // The conditional's bound, and a few ε of the product (ϕ, the polynomial, the product).
                        let bound: SIMD2<Double> = c.error + magnitude(c.value) * (16 * Double.ulpOfOne)
                        return (p * c.value, magnitude(p) * bound)
                    }
                    for (x, w) in zip(lowRule.nodes, lowRule.weights) { low += w * sample(centre + half * x).0 }
                    for (x, w) in zip(highRule.nodes, highRule.weights) {
                        let (v, e) = sample(centre + half * x)
                        high += w * v
                        rounding += w * e
                    }
                    total += half * high
                    quadratureError += magnitude(half * (high - low))
                    roundingError += half * rounding
                }
                previous = next
            }
        }
        guard total[0].isFinite, total[1].isFinite, quadratureError[0].isFinite, quadratureError[1].isFinite else { return nil }
        let error: SIMD2<Double> = quadratureError + roundingError + magnitude(total) * (4 * Double.ulpOfOne)
        return (Tracked(value: total[0], error: error[0]), Tracked(value: total[1], error: error[1]))
    }

    @inline(__always)
    static func magnitude(_ v: SIMD4<Double>) -> SIMD4<Double> { v.replacing(with: -v, where: v .< 0) }
    @inline(__always)
    static func magnitude(_ v: SIMD2<Double>) -> SIMD2<Double> { v.replacing(with: -v, where: v .< 0) }
}

extension Activation {
    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` of a piecewise-polynomial activation of degree ≥ 2 (hardswish,
    /// any affine transformation) by ``PiecewisePolynomialConditionalKernels``; nil for every other
    /// activation, or where its bound is not met.
    func piecewiseConditionalKernelPair(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard piecewiseLinear == nil, let f = transformedPiecewisePolynomial else { return nil }
        return PiecewisePolynomialConditionalKernels.pair(f, variance1: q1, covariance: q12, variance2: q2)
    }

    /// Whether this piecewise polynomial (degree ≥ 2) has a finite piece narrower than `width` in
    /// units of the larger σ (the Φ₂ rectangles integrate it adaptively below
    /// ``PiecewiseLinearKernels/narrowWidth``, and lose digits to it a little above).
    func piecewisePolynomialHasNarrowPiece(narrowerThan width: Double, variance1 q1: Double, variance2 q2: Double) -> Bool {
        guard piecewiseLinear == nil, let f = transformedPiecewisePolynomial else { return false }
        let s = max(q1, q2).squareRoot()
        guard s > 0, s.isFinite else { return false }
        for (k, piece) in f.pieces.enumerated() where piece.contains(where: { $0 != 0 }) {
            let (lo, hi) = f.interval(k)
            if (hi - lo) / s < width { return true }
        }
        return false
    }
}
