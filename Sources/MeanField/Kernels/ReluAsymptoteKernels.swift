#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Bivariate kernels of the smooth activations whose asymptote is a relu (silu, softplus, mish,
/// gelu_tanh; logsigmoid through `logsigmoid(x) = −softplus(−x)`), by splitting off the asymptote:
///
/// ```
/// φ = relu + r,   φ' = H + r'        (H the unit step; r, r' decay like |x|·e^(−|x|) or faster)
/// E[φ(u)φ(v)]   = E[relu relu] + E[relu(u) r(v)] + E[r(u) relu(v)] + E[r(u) r(v)]
/// E[φ'(u)φ'(v)] = E[H H]       + E[H(u) r'(v)]   + E[r'(u) H(v)]   + E[r'(u) r'(v)]
/// E[relu relu]  = √(q1 q2)/(2π) · (sin θ + (π − θ) cos θ)   (arc-cosine, [Cho & Saul 2009]),
/// E[H H]        = (π − θ)/(2π),   θ = arccos ρ,  ρ = q12/√(q1 q2)
/// E[relu(u) r(v)] = ∫ r(v) N(v; 0, q2) M(βv) dv,   M(m) = m Φ(m/s) + s ϕ(m/s),  β = q12/q2, s² = q1(1 − ρ²)
/// E[H(u) r'(v)]   = ∫ r'(v) N(v; 0, q2) Φ(βv/s) dv
/// E[r(u) r(v)]    = ∫ r(u) N(u; 0, q1) ∫ r(v) N(v; γu, t²) dv du,   γ = q12/q1, t² = q2(1 − ρ²)
/// ```
/// The cross and residual terms are integrals over the fixed window |x| ≤ 45 where r matters
/// (|r| < 10⁻¹⁸ beyond), so their cost does not grow with q as whole-plane quadrature's does; the
/// kinks of r, r' at 0 (and the near-kinks of M, Φ(βv/s) and the inner integral as ρ → ±1) are
/// breakpoints of the adaptive Gauss–Kronrod meshes. Accurate to ~1e-14 relative for q ≥ 1 and
/// every ρ ∈ [−1, 1] (tested against extended-precision references of the full φ).
///
/// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
enum ReluAsymptoteKernels {
    /// Below this variance (either input) the route is not used: the certified Hermite series and
    /// the whole-plane quadrature are cheap there.
    static let minimumVariance = 1.0

    /// Half-width of the window outside which every residual is below 10⁻¹⁸ (|x|·e^(−|x|) at 45).
    static let window = 45.0

    /// `(r(x), r'(x))` for a family with a relu asymptote, without cancellation; nil for others.
    static func residual(_ family: Activation.Family) -> (@Sendable (Double) -> SIMD2<Double>)? {
        switch family {
        case .silu:
            return { x in
                let e = exp(-abs(x)), small = e / (1 + e), large = 1 / (1 + e)   // σ(−|x|), σ(|x|)
                return x > 0 ? SIMD2(-x * small, -small + x * large * small) : SIMD2(x * small, small + x * small * large)
            }
        case .softplus:
            return { x in
                let e = exp(-abs(x)), small = e / (1 + e)
                return SIMD2(log1p(e), x > 0 ? -small : small)
            }
        case .mish:
            return { x in
                let (t, sech2) = Families.Mish.inner(x)
                let slope = x * sech2 * logistic(x)
                if x > 0 {
                    let v = exp(-x), d = 1 + 2 * v + 2 * v * v, tMinusOne = -2 * v * v / d
                    return SIMD2(x * tMinusOne, tMinusOne + slope)
                }
                return SIMD2(x * t, t + slope)
            }
        case .geluTanh:
            return { x in
                let k = Families.GeluTanh.k, a = Families.GeluTanh.a
                let u = k * (x + a * x * x * x)
                let ds = logisticDerivative(2 * u)
                let slope = ds == 0 ? 0 : 2 * x * ds * k * (1 + 3 * a * x * x)
                if x > 0 {
                    let tail = logistic(-2 * u)
                    return SIMD2(-x * tail, -tail + slope)
                }
                let s = logistic(2 * u)
                return SIMD2(x * s, s + slope)
            }
        default:
            return nil
        }
    }

    /// The residual and the variance scale for an activation served here: `φ(x) = relu-asymptote
    /// family(λx)/λ` (softplus's beta; 1 otherwise), logsigmoid served as softplus. Nil for others
    /// (and for any affine transformation).
    static func form(_ activation: Activation) -> (residual: @Sendable (Double) -> SIMD2<Double>, scale: Double)? {
        guard activation.affine.isIdentity else { return nil }
        switch activation.family {
        case .logsigmoid: return residual(.softplus).map { ($0, 1) }
        case .softplus:
            let beta = activation.parameterValues.first ?? 1
            return residual(.softplus).map { ($0, beta) }
        default: return residual(activation.family).map { ($0, 1) }
        }
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`, or nil where the
    /// route does not apply (another activation, or a variance below ``minimumVariance``).
    static func pair(_ activation: Activation, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Double, derivative: Double)? {
        guard let (r, lambda) = form(activation), q1.isFinite, q2.isFinite, q12.isFinite,
              min(q1, q2) * lambda * lambda >= minimumVariance else { return nil }
        let l2 = lambda * lambda
        let k = kernels(r, variance1: l2 * q1, covariance: l2 * q12, variance2: l2 * q2)
        return (k.kernel / l2, k.derivative)
    }

    /// The split kernels for the residual r at variances (q1, q12, q2).
    static func kernels(_ r: @escaping (Double) -> SIMD2<Double>, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Double, derivative: Double) {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let rho = max(-1, min(1, q12 / (s1 * s2)))
        let oneMinusRho2 = max(0, (1 - rho) * (1 + rho))
        let asymptote = reluPair(s1, s2, rho)
        let cross1 = crossTerm(r, varianceOfResidual: q2, slope: q12 / q2, conditionalSD: (q1 * oneMinusRho2).squareRoot())
        let cross2 = crossTerm(r, varianceOfResidual: q1, slope: q12 / q1, conditionalSD: (q2 * oneMinusRho2).squareRoot())
        // E[r(u)r(v)] is symmetric: the outer variable is the one of larger variance (|γ| ≤ 1).
        let (qa, qb) = q1 >= q2 ? (q1, q2) : (q2, q1)
        let both = residualTerm(r, variance1: qa, variance2: qb, correlation: rho)
        let total = asymptote + cross1 + cross2 + both
        return (total[0], total[1])
    }

    /// `(E[relu(u) relu(v)], E[H(u) H(v)])`: with δ = π − θ = arccos(−ρ),
    /// `√(q1q2)/(2π)·(sin δ − δ cos δ)` written as `(sin θ + (π − θ) cos θ)` away from ρ = −1 and as
    /// its Taylor series `Σ (−1)^(k+1) 2k δ^(2k+1)/(2k+1)!` for δ < 0.25 (no cancellation), and `δ/(2π)`.
    static func reluPair(_ s1: Double, _ s2: Double, _ rho: Double) -> SIMD2<Double> {
        // δ = π − θ from the exact 1 ± ρ (Sterbenz) on the side where it is small.
        let delta = rho < 0 ? 2 * asin(((1 + rho) / 2).squareRoot()) : Double.pi - 2 * asin(((1 - rho) / 2).squareRoot())
        let value: Double
        if delta < 0.25 {
            let d2 = delta * delta
            var term = delta * d2 / 6, sum = 0.0, k = 1.0     // δ^(2k+1)/(2k+1)!, k = 1
            while true {
                let add = 2 * k * term * (Int(k) % 2 == 1 ? 1 : -1)
                sum += add
                if abs(add) <= 1e-18 * abs(sum) { break }
                term *= d2 / ((2 * k + 2) * (2 * k + 3))
                k += 1
            }
            value = sum
        } else {
            value = max(0, (1 - rho) * (1 + rho)).squareRoot() + delta * rho
        }
        return SIMD2(s1 * s2 / (2 * Double.pi) * value, delta / (2 * Double.pi))
    }

    /// `(E[relu(u) r(v)], E[H(u) r'(v)])` with v ~ N(0, qv) the residual's input and u | v ~ N(βv, s²).
    static func crossTerm(_ r: @escaping (Double) -> SIMD2<Double>, varianceOfResidual qv: Double, slope beta: Double,
                          conditionalSD s: Double, asymptote: Asymptote = .relu) -> SIMD2<Double> {
        let sv = qv.squareRoot(), reach = min(window, 10 * sv)
        let norm = 1 / (sv * (2 * Double.pi).squareRoot())
        let integrand: (Double) -> SIMD2<Double> = { v in
            let m = beta * v
            let density = norm * exp(-0.5 * (v / sv) * (v / sv))
            let conditional = asymptote.conditionalMean(mean: m, width: s)
            return r(v) * conditional * density
        }
        let result = PairQuadrature.integrate(integrand, mesh: mesh(reach: reach, nearKink: beta == 0 ? nil : s / abs(beta)),
                                              absoluteFloor: SIMD2(repeating: 1e-18))
        record(result)
        return result.value
    }

    /// Gauss–Hermite rules (10 and 20 points) for the narrow inner integrals (t ≤ 0.05, t ≤ ``gaussHermiteLimit``).
    static let hermiteRules = (narrow: GaussRules.hermite(10), wide: GaussRules.hermite(20))
    /// 10-point Gauss–Legendre rule for the fixed residual grid of the κ-series.
    static let legendreRule = GaussRules.legendre(10)
    /// The inner conditional width below which the inner integral is Gauss–Hermite on one branch
    /// of r plus the closed-form jump (the residual's nearest singularities are ≥ 2.3 away, ≥ 4.7 t:
    /// 20 nodes converge like e^(−2·4.7·√40) ≈ e^(−59)).
    static let gaussHermiteLimit = 0.5
    /// The cross coefficient κ below which `e^(κuv)` is summed as its Taylor series.
    static let kappaSeriesLimit = 0.02
    /// Breakpoints of the fixed residual grid on [0, window] (mirrored): r's decay scales.
    static let gridBreaks: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 5, 6.5, 8, 10, 12.5, 15, 18, 22, 26, 30, 35, 40, 45]

    /// `(E[r(u) r(v)], E[r'(u) r'(v)])`, u ~ N(0, q1), v | u ~ N(γu, t²) (q1 the larger variance).
    ///
    /// Three regimes by the conditional width t = √(q2(1 − ρ²)) and the cross coefficient
    /// `κ = ρ/((1 − ρ²)√(q1 q2))` of the density `∝ e^(−a u² − b v² + κ u v)`:
    /// - t ≤ 1/2: the inner `E[r(v) | u]` by Gauss–Hermite on the branch `r±` (analytic continuation of
    ///   r from the side of 0 holding the mean) plus the closed-form jump
    ///   `E[(r∓ − r±)(v) 1{v ≷ 0}]` (r₋ − r₊ = x, r₋' − r₊' = 1): `mΦ(−m/t) − tϕ(m/t)`, `Φ(−m/t)`;
    /// - t ≥ 1 and κ ≤ 0.02: `Σ_n κⁿ/n! · A_n B_n` with the 1D moments `A_n = ∫ r(u) uⁿ e^(−a u²) du`;
    /// - otherwise the inner by the trapezoidal rule (spacing 0.3 ≤ t/1.6: the Gaussian's own error
    ///   e^(−2π²(t/h)²) and the branch's e^(−2π·2.3/h) are both below 1e-20) on the same split.
    /// The outer integral is adaptive Gauss–Kronrod on r's breakpoints, graded towards 0 on t/|γ|.
    static func residualTerm(_ r: @escaping (Double) -> SIMD2<Double>, variance1 q1: Double, variance2 q2: Double,
                             correlation rho: Double, asymptote: Asymptote = .relu) -> SIMD2<Double> {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let oneMinusRho2 = max(0, (1 - rho) * (1 + rho))
        let gamma = rho * s2 / s1, t = (q2 * oneMinusRho2).squareRoot()
        if t >= 1, abs(rho) <= kappaSeriesLimit * oneMinusRho2 * s1 * s2 {
            if let value = kappaSeries(r, q1: q1, q2: q2, rho: rho, oneMinusRho2: oneMinusRho2) { return value }
        }
        let reach = min(window, 10 * s1)
        let norm = 1 / (s1 * (2 * Double.pi).squareRoot())
        let rule = t <= 0.05 ? hermiteRules.narrow : hermiteRules.wide
        // t > 1/2: the inner by the trapezoidal rule on a uniform grid of spacing h = 0.3 (the Gaussian is
        // wider than r's features; the branch r± is analytic within 2.3 of the real axis, so the
        // error is ~e^(−2π·2.3/h) ≈ 1e-21), weights by recurrence, the same branch-plus-jump split.
        let limit = asymptote.gaussHermiteLimit, h = asymptote.trapezoidSpacing(width: t)
        let halfCount = t > limit ? Int(((window + 9.5 * t) / h).rounded(.up)) : 0
        var branches: (plus: [SIMD2<Double>], minus: [SIMD2<Double>]) = ([], [])
        if t > limit {
            branches.plus.reserveCapacity(2 * halfCount + 1); branches.minus.reserveCapacity(2 * halfCount + 1)
            for k in -halfCount...halfCount {
                let v = Double(k) * h, value = r(v), jump = asymptote.branchJump(v)
                branches.plus.append(v > 0 ? value : value - jump); branches.minus.append(v > 0 ? value + jump : value)
            }
        }
        let outer: (Double) -> SIMD2<Double> = { u in
            let mean = gamma * u
            let inner: SIMD2<Double>
            if t == 0 {
                inner = r(mean)
            } else if t <= limit {
                // Branch r₊ (mean ≥ 0) or r₋, continued across 0, then the jump over the other side.
                let plus = mean >= 0
                var sum = SIMD2<Double>(0, 0)
                for (x, w) in zip(rule.nodes, rule.weights) {
                    let v = mean + t * 1.4142135623730951 * x
                    let value = r(v)
                    sum += w * (plus ? (v > 0 ? value : value - asymptote.branchJump(v)) : (v > 0 ? value + asymptote.branchJump(v) : value))
                }
                inner = sum * 0.5641895835477563 + asymptote.jump(mean: mean, width: t)     // 1/√π
            } else {
                inner = trapezoid(mean >= 0 ? branches.plus : branches.minus, halfCount: halfCount, spacing: h, mean: mean, width: t)
                    + asymptote.jump(mean: mean, width: t)
            }
            return r(u) * inner * (norm * exp(-0.5 * (u / s1) * (u / s1)))
        }
        let result = PairQuadrature.integrate(outer, mesh: mesh(reach: reach, nearKink: gamma == 0 ? nil : t / abs(gamma)),
                                              absoluteFloor: SIMD2(repeating: 1e-18))
        record((result.value, result.error, result.evaluations, result.converged))
        return result.value
    }

    /// The piecewise asymptote A split off φ = A + r, and what the residual integrals need of it: the
    /// jump `J = r₋ − r₊` of (r, r') at 0 (r₋, r₊ the analytic branches of r from the left and the right),
    /// `E[J(v) 1{v ≷ 0}]` for v ~ N(m, t²), and the conditional mean `E[(A(u), A'(u)) | v]`, u | v ~ N(m, s²).
    /// - relu (A = max(0, x), A' = H): `J = (x, 1)`; conditional `(mΦ(m/s) + sϕ(m/s), Φ(m/s))`;
    /// - sign (A = sgn x, A' = 0 away from 0, the derivative kernel has no asymptote part): `J = (2, 0)`;
    ///   conditional `(erf(m/(s√2)), 0)`.
    enum Asymptote: Sendable {
        case relu, sign

        @inline(__always)
        func branchJump(_ v: Double) -> SIMD2<Double> {
            switch self {
            case .relu: return SIMD2(v, 1)
            case .sign: return SIMD2(2, 0)
            }
        }

        /// The trapezoidal spacing of the wide inner integral (conditional width t): the branches'
        /// nearest singularity is ≥ 2.3 from the real axis for the relu family (error ~e^(−2π·2.3/0.3)),
        /// π/2 for tanh: h = min(0.2, t/4) keeps both that error (≤ e^(−2π·(π/2)/0.2) ≈ 4e-22) and the
        /// Gaussian's own e^(−2π²(t/h)²) below 1e-20 down to t = ``gaussHermiteLimit``.
        func trapezoidSpacing(width t: Double) -> Double { self == .relu ? 0.3 : min(0.2, t / 4) }

        /// The conditional width up to which the inner integral is Gauss–Hermite (20 nodes converge like
        /// e^(−2a√40), a = d/(t√2), d the branches' singularity distance): 1/2 for the relu family
        /// (d ≥ 2.3: e^(−41)), 1/4 for tanh (d = π/2: e^(−56); at t = 1/2 it would be e^(−32), measured
        /// 1e-11 off).
        var gaussHermiteLimit: Double { self == .relu ? ReluAsymptoteKernels.gaussHermiteLimit : 0.25 }

        @inline(__always)
        func conditionalMean(mean m: Double, width s: Double) -> SIMD2<Double> {
            switch self {
            case .relu:
                if s == 0 { return SIMD2(max(m, 0), m > 0 ? 1 : 0) }
                let z = m / s
                let cdf = standardNormalCDF(z), pdf = exp(-0.5 * z * z) * 0.398942280401432677939946059934
                return SIMD2(m * cdf + s * pdf, cdf)
            case .sign:
                if s == 0 { return SIMD2(m > 0 ? 1 : (m < 0 ? -1 : 0), 0) }
                return SIMD2(erf(m / (s * 1.4142135623730951)), 0)
            }
        }

        /// `E[J(v) 1{v < 0}]` (m ≥ 0, branch r₊) or `−E[J(v) 1{v > 0}]` (m < 0, branch r₋).
        @inline(__always)
        func jump(mean m: Double, width t: Double) -> SIMD2<Double> {
            switch self {
            case .relu: return ReluAsymptoteKernels.jump(mean: m, width: t)
            case .sign:
                let z = m / t
                return m >= 0 ? SIMD2(2 * standardNormalCDF(-z), 0) : -SIMD2(2 * standardNormalCDF(z), 0)
            }
        }
    }

    /// The jump term `E[(r∓ − r±)(v) 1{v ≷ 0}]`, v ~ N(m, t²), when the branch r₊ (m ≥ 0) or r₋ stands
    /// for r on both sides: `(mΦ(−m/t) − tϕ(m/t), Φ(−m/t))` or `−(mΦ(m/t) + tϕ(m/t), Φ(m/t))`.
    @inline(__always)
    static func jump(mean m: Double, width t: Double) -> SIMD2<Double> {
        let z = m / t, pdf = exp(-0.5 * z * z) * 0.398942280401432677939946059934
        if m >= 0 {
            let below = standardNormalCDF(-z)
            return SIMD2(m * below - t * pdf, below)
        }
        let above = standardNormalCDF(z)
        return -SIMD2(m * above + t * pdf, above)
    }

    /// `h Σ_k f(kh) N(kh; m, t²)` over |kh − m| ≤ 9.5t (`f` sampled at k = −halfCount...halfCount),
    /// the Gaussian weights by the recurrence `w_(k+1) = w_k g_k`, `g_(k+1) = g_k e^(−h²/t²)` outwards
    /// from the node nearest m.
    static func trapezoid(_ f: [SIMD2<Double>], halfCount: Int, spacing h: Double, mean m: Double, width t: Double) -> SIMD2<Double> {
        let centre = max(-halfCount, min(halfCount, Int((m / h).rounded())))
        let lo = max(-halfCount, Int(((m - 9.5 * t) / h).rounded(.down)))
        let hi = min(halfCount, Int(((m + 9.5 * t) / h).rounded(.up)))
        let step = exp(-h * h / (t * t)), d0 = (Double(centre) * h - m) / t
        let w0 = exp(-0.5 * d0 * d0)
        var sum = f[centre + halfCount] * w0
        // Upwards: w(k+1)/w(k) = exp(−((k h − m) h + h²/2)/t²).
        var w = w0, g = exp(-(d0 * h / t + 0.5 * h * h / (t * t)))
        if centre < hi {
            for k in (centre + 1)...hi { w *= g; g *= step; sum += f[k + halfCount] * w }
        }
        w = w0; g = exp(-(-d0 * h / t + 0.5 * h * h / (t * t)))
        if lo < centre {
            for k in stride(from: centre - 1, through: lo, by: -1) { w *= g; g *= step; sum += f[k + halfCount] * w }
        }
        return sum * (h / (t * (2 * Double.pi).squareRoot()))
    }

    /// The κ-series `C Σ_n κⁿ/n! A_n B_n` on the fixed residual grid, or nil when its terms do not
    /// fall below 1e-18 of the sum (two in a row) within 60 terms.
    static func kappaSeries(_ r: (Double) -> SIMD2<Double>, q1: Double, q2: Double, rho: Double, oneMinusRho2: Double) -> SIMD2<Double>? {
        let a = 1 / (2 * q1 * oneMinusRho2), b = 1 / (2 * q2 * oneMinusRho2)
        let kappa = rho / (oneMinusRho2 * (q1 * q2).squareRoot())
        let c = 1 / (2 * Double.pi * (q1 * q2 * oneMinusRho2).squareRoot())
        var xs: [Double] = [], ra: [SIMD2<Double>] = [], rb: [SIMD2<Double>] = []
        let rule = legendreRule
        for (lo, hi) in zip(gridBreaks, gridBreaks.dropFirst()) {
            let half = 0.5 * (hi - lo), centre = 0.5 * (hi + lo)
            for (x, w) in zip(rule.nodes, rule.weights) {
                for sign in [-1.0, 1.0] {
                    let u = sign * (centre + half * x), value = r(u) * (w * half)
                    xs.append(u)
                    ra.append(value * exp(-a * u * u))
                    rb.append(value * exp(-b * u * u))
                }
            }
        }
        var sum = SIMD2<Double>(0, 0), factor = 1.0, previousSmall = false
        var powers = [Double](repeating: 1, count: xs.count)
        for n in 0..<60 {
            var an = SIMD2<Double>(0, 0), bn = SIMD2<Double>(0, 0)
            for i in 0..<xs.count { an += ra[i] * powers[i]; bn += rb[i] * powers[i] }
            let term = factor * an * bn
            sum += term
            // Two consecutive small terms (an even r has only even moments, an odd r' only odd ones).
            let small = abs(term[0]) <= 1e-18 * abs(sum[0]) + 1e-20 && abs(term[1]) <= 1e-18 * abs(sum[1]) + 1e-20
            if n >= 2, small, previousSmall { return c * sum }
            previousSmall = small
            for i in 0..<xs.count { powers[i] *= xs[i] }
            factor *= kappa / Double(n + 1)
        }
        return nil
    }

    /// Breakpoints on [−reach, reach]: r's kink at 0, its decay scales, and a geometric grading
    /// towards 0 down to `nearKink` (the width of a smoothed kink there) when that is below 1/2.
    static func mesh(reach: Double, nearKink: Double?) -> [Double] {
        var points: Set<Double> = [0, reach, -reach]
        for p in [0.5, 1.5, 3.5, 7, 12, 20, 30] where p < reach { points.insert(p); points.insert(-p) }
        if let w = nearKink, w > 0, w < 0.5 {
            var h = max(w, 1e-300)
            while h < 0.5 { points.insert(h); points.insert(-h); h *= 4 }
        }
        return points.sorted()
    }

    /// The accuracy ledger sees each integral like every other quadrature.
    static func record(_ result: (value: SIMD2<Double>, error: SIMD2<Double>, evaluations: Int, converged: Bool)) {
        guard let ledger = AccuracyLedger.current else { return }
        for k in 0..<2 {
            ledger.record(Expectation(value: result.value[k], errorEstimate: result.error[k], evaluations: result.evaluations,
                                      method: .quadrature, converged: result.converged))
        }
    }
}
