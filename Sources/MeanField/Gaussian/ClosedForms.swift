#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Scaled complementary error function `erfcx(x) = e^(x²) erfc(x)`, relatively accurate for x ≥ 0.
///
/// ```
/// x < 26:  e^(x²)·erfc(x), with x² = hi + lo split exactly (fma), so e^(x²) = e^hi·(1 + lo)
/// x ≥ 26:  1/(x√π) · Σ_k (−1)^k (2k−1)!! / (2x²)^k   (asymptotic; terms shrink by ≥ 1/1352)
/// ```
/// glibc's `erfc` is within ~1 ulp; GSL's `gsl_sf_hazard` (the same quantity up to scaling) was
/// measured here at 1.2e-13 relative error near x = 24, too coarse for SPEC §2.
func erfcx(_ x: Double) -> Double {
    // x < 0 (never passed by this file): erfcx(x) = 2e^(x²) − erfcx(−x).
    if x < 0 { return 2 * exp(x * x) - erfcx(-x) }
    if x < 26 {
        let hi = x * x
        let lo = fma(x, x, -hi)   // x² = hi + lo exactly
        return exp(hi) * erfc(x) * (1 + lo)
    }
    let inverseTwoXSquared = 1 / (2 * x * x)
    var term = 1.0, sum = 1.0
    for k in 1...12 {
        term *= -Double(2 * k - 1) * inverseTwoXSquared
        sum += term
    }
    return sum / (x * Double.pi.squareRoot())
}

/// Half-line moments of `X ~ N(m, q)`, the building blocks of the piecewise closed forms:
///
/// ```
/// t = m/√q
/// P₊ = Φ(t)                     P₋ = Φ(−t)
/// M1₊ = m P₊ + √q ϕ(t)          M1₋ = m P₋ − √q ϕ(t)
/// M2₊ = (m²+q) P₊ + m√q ϕ(t)    M2₋ = (m²+q) P₋ − m√q ϕ(t)
/// J(k) = E[e^(kX) 1{X<0}] = e^(km + k²q/2) Φ(−u),   u = (m + kq)/√q
///      = ½ e^(−m²/(2q)) erfcx(u/√2)                  for u ≥ 0 (no overflow, no cancellation)
/// ```
struct HalfLineMoments {
    let mean: Double, variance: Double, sd: Double
    let positiveProbability: Double, negativeProbability: Double, density: Double

    init(mean m: Double, variance q: Double) {
        mean = m; variance = q; sd = q.squareRoot()
        let t = m / sd
        // One erfc: the smaller tail directly, the larger as 1 − it (relatively accurate, ≥ 1/2).
        if t >= 0 {
            negativeProbability = standardNormalCDF(-t)
            positiveProbability = 1 - negativeProbability
        } else {
            positiveProbability = standardNormalCDF(t)
            negativeProbability = 1 - positiveProbability
        }
        density = standardNormalDensity(t)
    }

    var firstPositive: Double { mean * positiveProbability + sd * density }
    var firstNegative: Double { mean * negativeProbability - sd * density }
    // A tail of probability 0 contributes 0 even where m² overflows (m = 1e300: inf·0 would be
    // NaN); the other tail then carries the overflow as inf, which callers report as such.
    var secondPositive: Double { Self.product(mean * mean + variance, positiveProbability) + Self.product(mean * sd, density) }
    var secondNegative: Double { Self.product(mean * mean + variance, negativeProbability) - Self.product(mean * sd, density) }
    private static func product(_ a: Double, _ probability: Double) -> Double { probability == 0 ? 0 : a * probability }

    func exponentialNegative(rate k: Double) -> Double {
        let u = (mean + k * variance) / sd
        if u >= 0 {
            return 0.5 * exp(-mean * mean / (2 * variance)) * erfcx(u * 0.707106781186547524400844362105)
        }
        return exp(k * mean + 0.5 * k * k * variance) * standardNormalCDF(-u)
    }
}

extension PiecewiseForm {
    /// Coefficients of `φ^(order)` on one side in the basis (1, x, e^(kx)).
    func coefficients(_ order: DerivativeOrder, positive: Bool) -> (one: Double, x: Double, exp: Double) {
        if positive {
            switch order {
            case .value: return (0, positiveSlope, 0)
            case .first: return (positiveSlope, 0, 0)
            case .second: return (0, 0, 0)
            }
        }
        switch negative {
        case let .linear(b):
            switch order {
            case .value: return (0, b, 0)
            case .first: return (b, 0, 0)
            case .second: return (0, 0, 0)
            }
        case let .exponential(a, k):
            switch order {
            case .value: return (-a, 0, a)
            case .first: return (0, 0, a * k)
            case .second: return (0, 0, a * k * k)
            }
        }
    }

    /// `E[φ^(i)(X)]`, `X ~ N(m, q)`, q > 0: the single-factor case of
    /// ``expectation(_:_:mean:variance:)`` without its product bookkeeping (it is the inner integral
    /// of the semi-closed 2D path, evaluated hundreds of times per expectation).
    func singleExpectation(_ i: DerivativeOrder, mean: Double, variance: Double) -> Double {
        // Tiny and subnormal scales by homogeneity (TinyVariance.swift).
        if let rescaled = rescaledExpectation(i, nil, mean: mean, variance: variance) { return rescaled }
        let h = HalfLineMoments(mean: mean, variance: variance)
        let a = positiveSlope
        switch (negative, i) {
        case let (.linear(b), .value): return a * h.firstPositive + b * h.firstNegative
        case let (.linear(b), .first): return a * h.positiveProbability + b * h.negativeProbability
        case (.linear, .second): return 0
        case let (.exponential(amplitude, k), .value):
            return a * h.firstPositive + amplitude * (h.exponentialNegative(rate: k) - h.negativeProbability)
        case let (.exponential(amplitude, k), .first):
            return a * h.positiveProbability + amplitude * k * h.exponentialNegative(rate: k)
        case let (.exponential(amplitude, k), .second):
            return amplitude * k * k * h.exponentialNegative(rate: k)
        }
    }

    /// `E[φ^(i)(X) · φ^(j)(X)]` (or `E[φ^(i)(X)]` when `j` is nil), `X ~ N(m, q)`, q > 0, exactly:
    /// on each side the product is a combination of 1, x, x², e^(kx), e^(2kx), whose half-line
    /// Gaussian moments are ``HalfLineMoments``.
    func expectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean: Double, variance: Double) -> Double {
        if let rescaled = rescaledExpectation(i, j, mean: mean, variance: variance) { return rescaled }
        let moments = HalfLineMoments(mean: mean, variance: variance)
        var total = 0.0
        for positive in [true, false] {
            let c = coefficients(i, positive: positive)
            let d = j.map { coefficients($0, positive: positive) } ?? (one: 1.0, x: 0.0, exp: 0.0)
            let one = c.one * d.one, x = c.one * d.x + c.x * d.one, x2 = c.x * d.x
            let e1 = c.one * d.exp + c.exp * d.one, e2 = c.exp * d.exp
            // x·e^(kx) never arises: an exponential side has no linear term (checked on the
            // coefficients' zero pattern, not their product, which is NaN when one overflows).
            assert((c.x == 0 || d.exp == 0) && (c.exp == 0 || d.x == 0))
            // A term whose coefficient is 0 is 0, even where its moment overflows (E[X²; X > 0] = inf
            // at m = 1e300: 0·inf would make E[φ'²] of linear NaN instead of 1).
            func term(_ coefficient: Double, _ moment: Double) -> Double { coefficient == 0 ? 0 : coefficient * moment }
            if positive {
                total += term(one, moments.positiveProbability) + term(x, moments.firstPositive) + term(x2, moments.secondPositive)
            } else {
                total += term(one, moments.negativeProbability) + term(x, moments.firstNegative) + term(x2, moments.secondNegative)
                if case let .exponential(_, k) = negative {
                    if e1 != 0 { total += e1 * moments.exponentialNegative(rate: k) }
                    if e2 != 0 { total += e2 * moments.exponentialNegative(rate: 2 * k) }
                }
            }
        }
        return total
    }

    /// `E[φ^(i)(u) φ^(j)(v)]` for zero-mean `(u, v)` with variances q1, q2 and correlation c, for
    /// the piecewise linear members (relu, leaky_relu, linear) and `(i, j)` = (0, 0) or (1, 1).
    ///
    /// Writing `φ(x) = b x + (a − b) relu(x)` and using `E[u·relu(v)] = E[uv]/2` (symmetry),
    /// ```
    /// E[φ(u)φ(v)]   = (b² + b(a−b))·q12 + (a−b)²·√(q1 q2)/(2π)·(sin θ + (π − θ) cos θ)
    /// E[φ'(u)φ'(v)] = b² + b(a−b) + (a−b)²·(π − θ)/(2π),        θ = arccos c
    /// ```
    /// the arc-cosine kernels of degree 1 and 0 ([Cho & Saul 2009]).
    ///
    /// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
    func bivariateExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder,
                              variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        guard case let .linear(b) = negative else { return nil }
        let a = positiveSlope, jump = a - b
        let sd = geometricMean(q1, q2)
        let c = max(-1, min(1, q12 / sd))
        let sine = ((1 - c) * (1 + c)).squareRoot()
        // φ = π − θ, computed directly (π − acos c loses digits as c → −1).
        let phi = atan2(sine, -c)
        switch (i, j) {
        case (.value, .value):
            // sin θ + (π − θ) cos θ = sin φ − φ cos φ, which cancels to φ³/3 as c → −1.
            return (b * b + b * jump) * q12 + jump * jump * sd / (2 * .pi) * sineMinusPhiCosine(phi)
        case (.first, .first):
            return b * b + b * jump + jump * jump * phi / (2 * .pi)
        default:
            return nil
        }
    }
}

/// `√(q1 q2)`, the denominator of a correlation: exactly q for equal variances, one rounding when
/// the product is a normal number, and `√q1 √q2` when it would overflow or underflow (q ~ 1e154 in an
/// exploding sweep).
@inline(__always)
func geometricMean(_ q1: Double, _ q2: Double) -> Double {
    if q1 == q2 { return q1 }
    let product = q1 * q2
    return product.isNormal ? product.squareRoot() : q1.squareRoot() * q2.squareRoot()
}

/// `sin φ − φ cos φ`, relatively accurate for every φ in [0, π]:
/// ```
/// sin φ − φ cos φ = Σ_{k≥1} (−1)^(k+1) 2k φ^(2k+1) / (2k+1)!  = φ³/3 − φ⁵/30 + …   (φ < 1)
/// ```
func sineMinusPhiCosine(_ phi: Double) -> Double {
    guard phi < 1 else { return sin(phi) - phi * cos(phi) }
    let phi2 = phi * phi
    var power = phi * phi2, factorial = 6.0, sum = 0.0, sign = 1.0
    for k in 1...12 {
        sum += sign * Double(2 * k) * power / factorial
        power *= phi2
        factorial *= Double((2 * k + 2) * (2 * k + 3))
        sign = -sign
    }
    return sum
}

extension Activation {
    /// Closed form of `E[φ^(i)(X) φ^(j)(X)]`, `X ~ N(m, q)`, of the family itself (no affine
    /// transformation), where one is known (q > 0): ``PiecewiseForm`` (erfc), ``PiecewisePolynomial``
    /// (Φ, ϕ; nil where ill-conditioned), or the family's own (erf, gelu, sin: see their definitions).
    func baseClosedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double) -> Double? {
        if let form = basePiecewiseForm {
            return j == nil ? form.singleExpectation(i, mean: m, variance: q) : form.expectation(i, j, mean: m, variance: q)
        }
        if let polynomial = basePiecewisePolynomial { return polynomial.expectation(i, j, mean: m, variance: q) }
        return family.definition.closedFormExpectation(i, j, mean: m, variance: q, parameterValues)
    }

    /// Closed form of `E[φ^(i)(X) φ^(j)(X)]`, `X ~ N(m, q)`, where one is known (q > 0).
    ///
    /// With an affine transformation φ̂ (``AffineTransform``), from the family's closed forms at
    /// `Y = in_scale·X + in_shift ~ N(in_scale·m + in_shift, in_scale²·q)`:
    /// ```
    /// E[φ̂^(i) φ̂^(j)] = fᵢ fⱼ (E[φ^(i)(Y) φ^(j)(Y)] + δⱼ E[φ^(i)(Y)] + δᵢ E[φ^(j)(Y)] + δᵢ δⱼ)
    /// fᵢ = out_scale·in_scaleⁱ,   δᵢ = out_shift if i = 0 else 0
    /// ```
    /// nil (quadrature) when the sum cancels to below 1e-3 of its largest term.
    func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double) -> Double? {
        if affine.isIdentity { return baseClosedFormExpectation(i, j, mean: m, variance: q) }
        let (my, qy) = affine.inner(mean: m, variance: q)
        guard qy > 0, qy.isFinite else { return nil }
        let di = affine.shift(i)
        guard let j else {
            guard let e = baseClosedFormExpectation(i, nil, mean: my, variance: qy) else { return nil }
            return affine.factor(i) * (e + di)
        }
        let dj = affine.shift(j)
        guard let eij = baseClosedFormExpectation(i, j, mean: my, variance: qy) else { return nil }
        var terms = [eij]
        if dj != 0 {
            guard let ei = baseClosedFormExpectation(i, nil, mean: my, variance: qy) else { return nil }
            terms.append(dj * ei)
        }
        if di != 0 {
            guard let ej = baseClosedFormExpectation(j, nil, mean: my, variance: qy) else { return nil }
            terms.append(di * ej)
        }
        if di != 0 && dj != 0 { terms.append(di * dj) }
        return Self.combine(terms).map { affine.factor(i) * affine.factor(j) * $0 }
    }

    /// `Σ terms`, or nil when it cancels to below 1e-3 of the largest |term| (then the rounding of
    /// the terms would be amplified more than 1000-fold).
    private static func combine(_ terms: [Double]) -> Double? {
        let sum = terms.reduce(0, +)
        guard terms.count > 1 else { return sum }
        let largest = terms.map(abs).max() ?? 0
        return abs(sum) >= 1e-3 * largest ? sum : nil
    }

    /// Whether the 1D closed form of `moment` keeps SPEC §2's *relative* accuracy at (m, q).
    ///
    /// On an exponential side, `φ = A(e^(kx) − 1)`, and the closed form of a moment with a factor φ
    /// adds terms of size ~A²·P(X < 0) (J(2k), −2J(k), P₋) whose sum is only
    /// ~A²(kσ)²·P(X < 0), σ = max(√q, −m): it loses a factor (kσ)⁻² to cancellation (measured:
    /// celu:alpha=2 at q = 1e-6, E[φ²] off by 4e-10 relative, within SPEC's 1e-14 absolute but
    /// useless for ratios such as c = q12/q). Below kσ = 0.2 (a loss of at most 25 ulps) the
    /// quadrature takes over, unless the negative side carries less than 1e-15 of the mass
    /// (m ≥ 8√q). Derivative-only moments (φ', φ'², φ'') have no constant term and no cancellation.
    /// With an affine transformation, the same test at `Y = in_scale·X + in_shift`.
    func closedFormIsWellConditioned(_ moment: Moment, mean m: Double, variance q: Double) -> Bool {
        guard let form = basePiecewiseForm, case let .exponential(_, k) = form.negative,
              moment.first == .value || moment.second == .value else { return true }
        let (my, qy) = affine.isIdentity ? (m, q) : affine.inner(mean: m, variance: q)
        let s = qy.squareRoot()
        return k * max(s, -my) >= 0.2 || my >= 8 * s
    }

    /// Closed form of `E[φ^(i)(u) φ^(j)(v)]`, zero-mean `(u, v)` with covariance
    /// `[[q1, q12], [q12, q2]]`, where one is known (q1, q2 > 0).
    ///
    /// relu, leaky_relu, linear, abs: arc-cosine kernels ([Cho & Saul 2009]); erf: arcsine kernels
    /// ([Williams 1997]); sin: e^(−(q1+q2)/2) sinh/cosh q12. With an affine transformation only
    /// when in_shift = 0 (the inputs of φ stay zero-mean, with covariance in_scale²·Σ), the
    /// out_shift terms from the 1D closed forms as in ``closedFormExpectation(_:_:mean:variance:)``.
    ///
    /// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
    /// [Williams 1997]: https://papers.nips.cc/paper/1197-computing-with-infinite-networks
    func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder,
                             variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        // hardswish (quadratic pieces): Φ₂ rectangles and Stein recursions, any affine transformation
        // (PiecewisePolynomialKernels.swift).
        if piecewiseLinear == nil, basePiecewisePolynomial != nil {
            return piecewisePolynomialBivariate(i, j, variance1: q1, covariance: q12, variance2: q2)
        }
        if affine.isIdentity { return baseClosedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2) }
        // Piecewise linear families: φ̂ is itself piecewise linear (any in_shift), Φ₂ closed form.
        let piecewiseLinearKernel = { self.piecewiseLinearBivariate([(i, j)], variance1: q1, covariance: q12, variance2: q2)?[0] }
        guard affine.inShift == 0 else { return piecewiseLinearKernel() }
        let s2 = affine.inScale * affine.inScale
        let (p1, p12, p2) = (s2 * q1, s2 * q12, s2 * q2)
        guard p1 > 0, p2 > 0, p1.isFinite, p2.isFinite,
              let kernel = baseClosedFormBivariate(i, j, variance1: p1, covariance: p12, variance2: p2) else { return piecewiseLinearKernel() }
        let di = affine.shift(i), dj = affine.shift(j)
        var terms = [kernel]
        if dj != 0 {
            guard let ei = baseClosedFormExpectation(i, nil, mean: 0, variance: p1) else { return piecewiseLinearKernel() }
            terms.append(dj * ei)
        }
        if di != 0 {
            guard let ej = baseClosedFormExpectation(j, nil, mean: 0, variance: p2) else { return piecewiseLinearKernel() }
            terms.append(di * ej)
        }
        if di != 0 && dj != 0 { terms.append(di * dj) }
        return Self.combine(terms).map { affine.factor(i) * affine.factor(j) * $0 } ?? piecewiseLinearKernel()
    }

    /// The family's own bivariate closed form (no affine transformation).
    func baseClosedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder,
                                 variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        if let form = basePiecewiseForm {
            return form.bivariateExpectation(i, j, variance1: q1, covariance: q12, variance2: q2)
                ?? form.exponentialBivariateExpectation(i, j, variance1: q1, covariance: q12, variance2: q2)
                ?? base.piecewiseLinearBivariate([(i, j)], variance1: q1, covariance: q12, variance2: q2)?[0]
        }
        // hardtanh, relu6, hardsigmoid, softshrink: Φ₂ closed forms (PiecewiseLinearKernels.swift).
        if basePiecewisePolynomial != nil, let pieces = base.piecewiseLinearBivariate([(i, j)], variance1: q1, covariance: q12, variance2: q2) {
            return pieces[0]
        }
        return family.definition.closedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2, parameterValues)
    }

    /// Which expectations have closed forms, for the catalogue: e.g. `1D: all; 2D: phi*phi, phi'*phi'`.
    public var closedFormSummary: String {
        let summary = family.definition.closedFormSummary(parameterValues)
        guard !affine.isIdentity, summary.contains("2D") else { return summary }
        if affine.inShift == 0 { return summary }
        let oneDimensional = summary.components(separatedBy: "; 2D").first ?? summary
        // A piecewise-linear φ̂ keeps its Φ₂ kernels under any affine transformation.
        return piecewiseLinear == nil && transformedPiecewisePolynomial == nil ? oneDimensional
            : oneDimensional + "; 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles; quadrature where ill-conditioned)"
    }
}
