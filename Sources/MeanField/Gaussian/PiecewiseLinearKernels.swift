#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A continuous or discontinuous function that is linear between breakpoints `t₁ < … < tₙ`:
/// ```
/// f(x) = aₖ + bₖ x   on [tₖ, tₖ₊₁)     (k = 0…n, t₀ = −∞, tₙ₊₁ = +∞)
/// ```
/// The shape of every piecewise-linear activation (relu, leaky_relu, linear, abs, hardtanh, relu6,
/// hardsigmoid, softshrink), of its derivatives (piecewise constant) and of its affine transforms
/// (``AffineTransform``): the argument of ``PiecewiseLinearKernels``. Adjacent equal pieces are merged.
struct PiecewiseLinearFunction: Sendable, Hashable {
    /// The breakpoints, increasing and finite.
    let breakpoints: [Double]
    /// `aₖ`, `breakpoints.count + 1` of them.
    let intercepts: [Double]
    /// `bₖ`, `breakpoints.count + 1` of them.
    let slopes: [Double]

    /// The function with these pieces; equal breakpoints (an empty piece) and equal neighbours are merged.
    init(breakpoints: [Double], intercepts: [Double], slopes: [Double]) {
        var b: [Double] = [], a: [Double] = [intercepts[0]], s: [Double] = [slopes[0]]
        for (k, x) in breakpoints.enumerated() {
            let (nextA, nextS) = (intercepts[k + 1], slopes[k + 1])
            if let last = b.last, last == x {
                a[a.count - 1] = nextA; s[s.count - 1] = nextS
            } else if nextA == a[a.count - 1], nextS == s[s.count - 1] {
                continue
            } else {
                b.append(x); a.append(nextA); s.append(nextS)
            }
        }
        // A replacement after a merge can make two neighbours equal again: merge once more.
        var mb: [Double] = [], ma: [Double] = [a[0]], ms: [Double] = [s[0]]
        for (k, x) in b.enumerated() where !(a[k + 1] == ma[ma.count - 1] && s[k + 1] == ms[ms.count - 1]) {
            mb.append(x); ma.append(a[k + 1]); ms.append(s[k + 1])
        }
        self.breakpoints = mb
        self.intercepts = ma
        self.slopes = ms
    }

    /// A piecewise polynomial of degree ≤ 1 on every piece (nil when some piece is quadratic or more).
    init?(_ polynomial: PiecewisePolynomial) {
        guard polynomial.pieces.allSatisfy({ $0.dropFirst(2).allSatisfy { $0 == 0 } }) else { return nil }
        self.init(breakpoints: polynomial.breakpoints, intercepts: polynomial.pieces.map { $0.first ?? 0 },
                  slopes: polynomial.pieces.map { $0.count > 1 ? $0[1] : 0 })
    }

    /// The relu-type form `b x` (x < 0), `a x` (x ≥ 0) (nil for the exponential side of elu, selu, celu).
    init?(_ form: PiecewiseForm) {
        guard case let .linear(b) = form.negative else { return nil }
        self.init(breakpoints: [0], intercepts: [0, 0], slopes: [b, form.positiveSlope])
    }

    /// `f'` (right-hand at a breakpoint; a jump of f itself is not seen).
    var derivative: PiecewiseLinearFunction {
        PiecewiseLinearFunction(breakpoints: breakpoints, intercepts: slopes, slopes: slopes.map { _ in 0 })
    }

    /// `out_scale · (f(in_scale · x + in_shift) + out_shift)`, itself piecewise linear in x.
    func transformed(_ t: AffineTransform) -> PiecewiseLinearFunction {
        if t.isIdentity { return self }
        var b = breakpoints.map { ($0 - t.inShift) / t.inScale }
        var a = zip(intercepts, slopes).map { t.outScale * ($0 + $1 * t.inShift + t.outShift) }
        var s = slopes.map { t.outScale * t.inScale * $0 }
        if t.inScale < 0 { b.reverse(); a.reverse(); s.reverse() }
        return PiecewiseLinearFunction(breakpoints: b, intercepts: a, slopes: s)
    }

    /// `f(s z)` as a function of z (s > 0).
    func standardized(_ s: Double) -> PiecewiseLinearFunction {
        PiecewiseLinearFunction(breakpoints: breakpoints.map { $0 / s }, intercepts: intercepts, slopes: slopes.map { $0 * s })
    }

    /// `[tₖ, tₖ₊₁)` of piece k, with ±∞ at the ends.
    func interval(_ k: Int) -> (lower: Double, upper: Double) {
        (k == 0 ? -.infinity : breakpoints[k - 1], k == breakpoints.count ? .infinity : breakpoints[k])
    }
}

/// Exact bivariate Gaussian expectations of piecewise-linear functions, in Φ, ϕ and the bivariate
/// normal CDF Φ₂ (``bivariateNormalCDF(_:_:correlation:)``): the closed-form kernels
/// `E[φ(u)φ(v)]`, `E[φ'(u)φ'(v)]`, `E[φ(u)φ'(v)]` of hardtanh, relu6, hardsigmoid, softshrink
/// (any parameters and any affine transformation), for zero-mean `(u, v)` with covariance
/// `[[q1, q12], [q12, q2]]`, every correlation in [−1, 1].
///
/// With `x = u/√q1`, `y = v/√q2` (correlation ρ, `r = √(1 − ρ²)`), f and g are linear on the cells
/// `R = [α₁, β₁) × [α₂, β₂)` of their breakpoints, and
/// ```
/// E[f(u) g(v)] = Σ_R  a a' P(R) + a b' E[y 1_R] + b a' E[x 1_R] + b b' E[xy 1_R]
/// ```
/// (f = a + b x, g = a' + b' y on R). Stein's identity `E[x h] = E[∂ₓh] + ρ E[∂ᵧh]` turns the
/// moments into boundary terms ([Rosenbaum 1961] for the truncated bivariate normal):
/// ```
/// E[x 1_R]  = ϕ(α₁) I₂(α₁) − ϕ(β₁) I₂(β₁) + ρ (ϕ(α₂) I₁(α₂) − ϕ(β₂) I₁(β₂))
/// E[xy 1_R] = ϕ(α₁) M₂(α₁) − ϕ(β₁) M₂(β₁) + ρ P(R) + ρ (α₂ϕ(α₂) I₁(α₂) − β₂ϕ(β₂) I₁(β₂))
/// I₂(a) = P(α₂ ≤ y < β₂ | x = a) = Φ((β₂ − ρa)/r) − Φ((α₂ − ρa)/r)
/// M₂(a) = E[y 1{α₂ ≤ y < β₂} | x = a] = ρa I₂(a) + r (ϕ((α₂ − ρa)/r) − ϕ((β₂ − ρa)/r))
/// ```
/// (I₁ likewise with the roles of x and y exchanged). `P(R)` is a signed sum of orthant
/// probabilities `Φ₂(±h, ±k; ±ρ)`, each side of R written with the half-lines on the side of its
/// smaller tail (x ≥ 0: `1{x > α} − 1{x > β}`; x ≤ 0: `1{x < β} − 1{x < α}`; across 0:
/// `1 − 1{x < α} − 1{x > β}`), so every orthant is a tail and is relatively accurate; hardtanh
/// needs 4 Φ₂ in all, shared by its kernels. `β − ρa` is formed as `(β − a) + a(1 − ρ)` (or with
/// `1 + ρ` for ρ < 0) so that it keeps its digits as |ρ| → 1. At ρ = ±1 exactly the expectation
/// is one-dimensional, `E[f(s₁z) g(±s₂z)]` with a piecewise-quadratic integrand
/// (``PiecewisePolynomial``).
///
/// Every term carries a first-order bound of its rounding error; the result is nil when the bound
/// exceeds `max(1e-13 |E|, 1e-14 min(1, √(E[f²] E[g²])))` (cancellation between pieces far in a tail, e.g.
/// softshrink at `λ ≫ √q`), and the caller integrates instead.
///
/// [Rosenbaum 1961]: https://doi.org/10.1111/j.2517-6161.1961.tb00404.x
enum PiecewiseLinearKernels {
    /// A value with a bound on its absolute rounding error.
    struct Tracked {
        var value: Double, error: Double
        static let zero = Tracked(value: 0, error: 0)
        static func elementary(_ v: Double, _ relative: Double) -> Tracked { Tracked(value: v, error: abs(v) * relative) }
        static func + (a: Tracked, b: Tracked) -> Tracked {
            let v = a.value + b.value
            return Tracked(value: v, error: a.error + b.error + Double.ulpOfOne * abs(v))
        }
        static func - (a: Tracked, b: Tracked) -> Tracked { a + (-1) * b }
        static func * (c: Double, a: Tracked) -> Tracked {
            let v = c * a.value
            return Tracked(value: v, error: abs(c) * a.error + Double.ulpOfOne * abs(v))
        }
        static func * (a: Tracked, b: Tracked) -> Tracked {
            let v = a.value * b.value
            return Tracked(value: v, error: abs(a.value) * b.error + abs(b.value) * a.error + Double.ulpOfOne * abs(v))
        }
    }

    /// A half-line event `x < t` (below) or `x > t`.
    struct HalfLine: Hashable { let threshold: Double; let below: Bool }

    /// The indicator of `[α, β)` as a signed sum of half-line indicators (nil: the constant 1), on
    /// the side of the smaller tails.
    static func decomposition(_ alpha: Double, _ beta: Double) -> [(sign: Double, event: HalfLine?)] {
        switch (alpha.isFinite, beta.isFinite) {
        case (false, false): return [(1, nil)]
        case (false, true): return beta <= 0 ? [(1, HalfLine(threshold: beta, below: true))]
                                              : [(1, nil), (-1, HalfLine(threshold: beta, below: false))]
        case (true, false): return alpha >= 0 ? [(1, HalfLine(threshold: alpha, below: false))]
                                               : [(1, nil), (-1, HalfLine(threshold: alpha, below: true))]
        case (true, true):
            if alpha >= 0 { return [(1, HalfLine(threshold: alpha, below: false)), (-1, HalfLine(threshold: beta, below: false))] }
            if beta <= 0 { return [(1, HalfLine(threshold: beta, below: true)), (-1, HalfLine(threshold: alpha, below: true))] }
            return [(1, nil), (-1, HalfLine(threshold: alpha, below: true)), (-1, HalfLine(threshold: beta, below: false))]
        }
    }

    /// Absolute rounding error of `Φ(t)` (or of a tail, or Φ₂ in its argument t) when t carries a
    /// relative error `κε`: `ϕ(t)|t|κε` (the sensitivity; t = ±∞ contributes nothing).
    @inline(__always)
    static func argumentError(_ t: Double, _ kappa: Double = 1) -> Double {
        t.isFinite ? standardNormalDensity(t) * abs(t) * kappa * Double.ulpOfOne : 0
    }

    /// `ϕ(t)` with its error: `ε(3 + κt²)ϕ(t)` (exp, and the argument's relative error κε).
    @inline(__always)
    static func density(_ t: Double, _ kappa: Double = 1) -> Tracked {
        guard t.isFinite else { return .zero }
        let d = standardNormalDensity(t)
        return Tracked(value: d, error: d * Double.ulpOfOne * (3 + kappa * t * t))
    }

    /// The orthant probabilities of one correlation, memoized (a kernel pair shares them).
    struct Orthants {
        let rho: Double
        var cache: [Pair: Tracked] = [:]
        struct Pair: Hashable { let x: HalfLine; let y: HalfLine }

        init(rho: Double) { self.rho = rho }

        /// `P(event x, event y)`; nil events are certain.
        mutating func probability(_ ex: HalfLine?, _ ey: HalfLine?) -> Tracked {
            switch (ex, ey) {
            case (nil, nil): return Tracked(value: 1, error: 0)
            case let (e?, nil), let (nil, e?):
                let t = e.below ? e.threshold : -e.threshold
                let value = standardNormalCDF(t)
                return Tracked(value: value, error: 2 * Double.ulpOfOne * value + argumentError(t))
            case let (x?, y?):
                let key = Pair(x: x, y: y)
                if let hit = cache[key] { return hit }
                let h = x.below ? x.threshold : -x.threshold, k = y.below ? y.threshold : -y.threshold
                let correlation = x.below == y.below ? rho : -rho
                let value = bivariateNormalCDF(h, k, correlation: correlation)
                // The Plackett quadrature's relative tolerance (1e-15), and the arguments' rounding
                // (∂Φ₂/∂h ≤ ϕ(h)); ρ is exact (reflection only changes its sign).
                // ∂Φ₂/∂h = ϕ(h) Φ((k − ρh)/r), ∂Φ₂/∂k = ϕ(k) Φ((h − ρk)/r).
                let r = ((1 - correlation) * (1 + correlation)).squareRoot()
                let sensitivity = argumentError(h) * standardNormalCDF((k - correlation * h) / r)
                    + argumentError(k) * standardNormalCDF((h - correlation * k) / r)
                let result = Tracked(value: value, error: 1e-15 * value + sensitivity)
                cache[key] = result
                return result
            }
        }
    }

    /// `E[f(u) g(v)]` for several pairs (f, g) at one covariance, sharing the Φ₂ values; nil where
    /// the error bound is not met (see the type's documentation) or an input is not finite.
    static func expectations(_ pairs: [(PiecewiseLinearFunction, PiecewiseLinearFunction)],
                             variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> [Double?] {
        expectationsWithBounds(pairs, variance1: q1, covariance: q12, variance2: q2).map { result in
            guard let result, result.value.isFinite,
                  result.error <= max(1e-13 * abs(result.value), 1e-14 * min(1, result.scale)) else { return nil }
            return result.value
        }
    }

    /// ``expectations(_:variance1:covariance:variance2:)`` before the acceptance test: each value
    /// with its rounding-error bound and `√(E[f²] E[g²])`.
    static func expectationsWithBounds(_ pairs: [(PiecewiseLinearFunction, PiecewiseLinearFunction)],
                                       variance1 q1: Double, covariance q12: Double,
                                       variance2 q2: Double) -> [(value: Double, error: Double, scale: Double)?] {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return pairs.map { _ in nil } }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let rho = max(-1, min(1, q12 / geometricMean(q1, q2)))
        var orthants = Orthants(rho: rho)
        return pairs.map { f, g in
            let fz = f.standardized(s1), gz = g.standardized(s2)
            let result = (rho == 1 || rho == -1) ? degenerate(fz, gz, rho: rho) : cells(fz, gz, rho: rho, orthants: &orthants)
            return (result.value, result.error, (secondMoment(fz) * secondMoment(gz)).squareRoot())
        }
    }

    /// `E[f(z)²]`, z ~ N(0, 1) (for the absolute part of the acceptance bound only).
    static func secondMoment(_ f: PiecewiseLinearFunction) -> Double {
        PiecewisePolynomial(breakpoints: f.breakpoints, pieces: zip(f.intercepts, f.slopes).map { [$0 * $0, 2 * $0 * $1, $1 * $1] })
            .expectationWithBound(.value, nil, mean: 0, variance: 1).value
    }

    /// ρ = ±1: `E[f(z) g(ρz)]`, a piecewise-quadratic 1D expectation.
    static func degenerate(_ f: PiecewiseLinearFunction, _ g: PiecewiseLinearFunction, rho: Double) -> Tracked {
        // g(ρz) as a function of z.
        let mirrored = rho > 0 ? g : g.transformed(AffineTransform(inScale: -1))
        let points = Array(Set(f.breakpoints + mirrored.breakpoints)).sorted()
        func piece(_ h: PiecewiseLinearFunction, _ x: Double) -> (Double, Double) {
            let k = h.breakpoints.firstIndex(where: { $0 > x }) ?? h.breakpoints.count
            return (h.intercepts[k], h.slopes[k])
        }
        // One representative point per piece of the union.
        var representatives: [Double] = []
        if points.isEmpty { representatives = [0] } else {
            representatives.append(points[0] - 1)
            for (a, b) in zip(points, points.dropFirst()) { representatives.append(0.5 * (a + b)) }
            representatives.append(points[points.count - 1] + 1)
        }
        let pieces: [[Double]] = representatives.map { x in
            let (a, b) = piece(f, x), (c, d) = piece(mirrored, x)
            return [a * c, a * d + b * c, b * d]
        }
        let r = PiecewisePolynomial(breakpoints: points, pieces: pieces).expectationWithBound(.value, nil, mean: 0, variance: 1)
        return Tracked(value: r.value, error: r.error)
    }

    /// `t − ρa` keeping its digits as |ρ| → 1.
    @inline(__always)
    static func offset(_ t: Double, _ a: Double, rho: Double) -> (value: Double, kappa: Double) {
        if !t.isFinite { return (t, 0) }
        let (first, second) = rho >= 0 ? (t - a, a * (1 - rho)) : (t + a, -a * (1 + rho))
        let value = first + second
        // Each part carries one rounding (1 − ρ, 1 + ρ are exact for |ρ| ≥ 1/2), the sum one more.
        let kappa = value == 0 ? 0 : 2 * (abs(first) + abs(second)) / abs(value) + 1
        return (value, kappa)
    }

    /// `(P, E[w 1])` of `w ∈ [α, β)` given the other coordinate at `a` (w | a ~ N(ρa, r²)).
    static func conditional(_ alpha: Double, _ beta: Double, at a: Double, rho: Double, r: Double) -> (probability: Tracked, mean: Tracked) {
        let (lo, kappaLo) = offset(alpha, a, rho: rho), (hi, kappaHi) = offset(beta, a, rho: rho)
        let (zlo, zhi) = (lo / r, hi / r)
        // κ: the relative error of the standardized bound, in units of ε (offset, r, the division).
        let (klo, khi) = (kappaLo + 3, kappaHi + 3)
        let value = normalIntervalProbability(zlo, zhi)
        let p = Tracked(value: value, error: 4 * Double.ulpOfOne * value + argumentError(zlo, klo) + argumentError(zhi, khi))
        let mean = (rho * a) * p + r * (density(zlo, klo) - density(zhi, khi))
        return (p, mean)
    }

    /// |ρ| < 1: the sum over cells.
    static func cells(_ f: PiecewiseLinearFunction, _ g: PiecewiseLinearFunction, rho: Double, orthants: inout Orthants) -> Tracked {
        let r = ((1 - rho) * (1 + rho)).squareRoot()
        var total = Tracked.zero
        for i in 0...f.breakpoints.count {
            let (a, b) = (f.intercepts[i], f.slopes[i])
            if a == 0 && b == 0 { continue }
            let (alpha1, beta1) = f.interval(i)
            for j in 0...g.breakpoints.count {
                let (a2, b2) = (g.intercepts[j], g.slopes[j])
                if a2 == 0 && b2 == 0 { continue }
                let (alpha2, beta2) = g.interval(j)
                // A narrow side (PiecewiseLinearNarrowCells.swift): integrated along it.
                let (width1, width2) = (beta1 - alpha1, beta2 - alpha2)
                if min(width1, width2) < narrowWidth {
                    total = total + (width1 <= width2
                        ? narrowCell(a: a, b: b, alpha1, beta1, a2: a2, b2: b2, alpha2, beta2, rho: rho, r: r)
                        : narrowCell(a: a2, b: b2, alpha2, beta2, a2: a, b2: b, alpha1, beta1, rho: rho, r: r))
                    continue
                }
                // P(R) from the half-line decompositions of both sides.
                var probability = Tracked.zero
                for (sx, ex) in decomposition(alpha1, beta1) {
                    for (sy, ey) in decomposition(alpha2, beta2) {
                        probability = probability + (sx * sy) * orthants.probability(ex, ey)
                    }
                }
                var cell = (a * a2) * probability
                if b != 0 || b2 != 0 {
                    // Boundary terms at x = α₁, β₁ (conditional on x) and y = α₂, β₂ (conditional on y).
                    var ex = Tracked.zero, ey = Tracked.zero, exy = Tracked.zero
                    for (edge, sign) in [(alpha1, 1.0), (beta1, -1.0)] where edge.isFinite {
                        let d = density(edge)
                        let c = conditional(alpha2, beta2, at: edge, rho: rho, r: r)
                        ex = ex + sign * (d * c.probability)
                        exy = exy + sign * (d * c.mean)
                        ey = ey + (sign * rho) * (d * c.probability)
                    }
                    for (edge, sign) in [(alpha2, 1.0), (beta2, -1.0)] where edge.isFinite {
                        let d = density(edge)
                        let c = conditional(alpha1, beta1, at: edge, rho: rho, r: r)
                        ey = ey + sign * (d * c.probability)
                        ex = ex + (sign * rho) * (d * c.probability)
                        exy = exy + (sign * rho * edge) * (d * c.probability)
                    }
                    exy = exy + rho * probability
                    cell = cell + (a * b2) * ey + (b * a2) * ex + (b * b2) * exy
                }
                total = total + cell
            }
        }
        return total
    }
}

extension Activation {
    /// φ̂ as a ``PiecewiseLinearFunction`` (the affine transformation applied), when the family is
    /// piecewise linear: relu, leaky_relu, linear, abs (``PiecewiseForm``), hardtanh, relu6,
    /// hardsigmoid, softshrink (``PiecewisePolynomial`` of degree 1).
    var piecewiseLinear: PiecewiseLinearFunction? {
        let base = basePiecewiseForm.flatMap(PiecewiseLinearFunction.init) ?? basePiecewisePolynomial.flatMap(PiecewiseLinearFunction.init)
        return base?.transformed(affine)
    }

    /// `E[φ^(i)(u) φ^(j)(v)]` of a piecewise-linear activation for each order pair, by
    /// ``PiecewiseLinearKernels`` (φ'' = 0: no Dirac masses, as everywhere in the library); nil
    /// when the activation is not piecewise linear, per entry nil where the bound is not met.
    func piecewiseLinearBivariate(_ orders: [(DerivativeOrder, DerivativeOrder)],
                                  variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> [Double?]? {
        guard let f = piecewiseLinear else { return nil }
        let zero = PiecewiseLinearFunction(breakpoints: [], intercepts: [0], slopes: [0])
        func function(_ order: DerivativeOrder) -> PiecewiseLinearFunction {
            switch order {
            case .value: return f
            case .first: return f.derivative
            case .second: return zero
            }
        }
        return PiecewiseLinearKernels.expectations(orders.map { (function($0.0), function($0.1)) },
                                                   variance1: q1, covariance: q12, variance2: q2)
    }
}
