#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The SELU parameters that make a target `(μ, ν)` a fixed point of the mean/variance map, with
/// the map's Jacobian there.
public struct SNNFixedPoint: Sendable, Hashable {
    /// The target `(μ, ν)` that is the fixed point.
    public let target: MeanVariance
    /// The weight moments `(ω, τ)` the map was solved for.
    public let weights: WeightMoments
    /// `λ` of [Klambauer et al. 2017] (the SELU definition, §3).
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public let lambda: Double
    /// `α` of [Klambauer et al. 2017] (the SELU definition, §3).
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public let alpha: Double
    /// `max(|μ̃ − μ|, |ν̃ − ν|)` of the map evaluated at the solution.
    public let residual: Double
    /// `J[a][b] = ∂g_a/∂x_b`, x = (μ, ν), at the fixed point.
    public let jacobian: Matrix2
    /// Brent iterations on α, then Newton (hybridsj) iterations on (λ, α).
    public let iterations: (bracketing: Int, newton: Int)

    /// selu with the solved parameters.
    public let activation: Activation
    /// True when the Jacobian's spectral norm is below 1 (the map is a contraction there).
    public var stable: Bool { jacobian.spectralNorm < 1 }

    public static func == (a: SNNFixedPoint, b: SNNFixedPoint) -> Bool {
        a.target == b.target && a.weights == b.weights && a.lambda == b.lambda && a.alpha == b.alpha
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(lambda); hasher.combine(alpha) }
}

/// Alpha dropout for a SELU fixed point ([Klambauer et al. 2017], "New Dropout Technique").
///
/// Dropped units are set to `α' = −λα`, the saturation value; then `a·x + b` restores the fixed
/// point's mean μ and variance ν:
/// ```
/// E[x_dropped]   = pμ + (1 − p)α'
/// Var[x_dropped] = p((1 − p)(α' − μ)² + ν)
/// a = √(ν / (p((1 − p)(α' − μ)² + ν))),   b = μ − a(pμ + (1 − p)α')
/// ```
/// For (μ, ν) = (0, 1) this is the paper's `a = (p + α'²p(1 − p))^(−1/2)`, `b = −a(1 − p)α'`.
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public struct AlphaDropout: Sendable, Hashable {
    /// `p`, the probability that a unit is kept.
    public let keepProbability: Double
    /// `α' = −λα`, the value a dropped unit is set to.
    public let alphaPrime: Double
    /// The affine scale `a` applied after dropout.
    public let a: Double
    /// The affine shift `b` applied after dropout.
    public let b: Double

    /// The alpha-dropout parameters for selu `(λ, α)` at the fixed point `(μ, ν)` with keep probability `p`.

    public init(lambda: Double, alpha: Double, fixedPoint: MeanVariance, keepProbability p: Double) {
        keepProbability = p
        alphaPrime = -lambda * alpha
        let mu = fixedPoint.mean, nu = fixedPoint.variance
        let deviation = alphaPrime - mu
        a = (nu / (p * ((1 - p) * deviation * deviation + nu))).squareRoot()
        b = mu - a * (p * mu + (1 - p) * alphaPrime)
    }
}

extension SelfNormalizing {
    /// Solves for the SELU `(λ, α)` with `g(μ, ν) = (μ, ν)` at the target, for weights `(ω, τ)`
    /// ([Klambauer et al. 2017], §3; defaults give the paper's λ01, α01).
    ///
    /// selu = λ·elu_α, so with `X ~ N(μω, ντ)`, `M(α) = E[elu_α(X)]`, `S(α) = E[elu_α(X)²]`:
    /// ```
    /// λ M(α) = μ,   λ² S(α) = ν + μ²
    /// ⇒  F(α) = M(α)/√S(α) − μ/√(ν + μ²) = 0,   λ = √((ν + μ²)/S(α))
    /// ```
    /// `M = M₊ + α N₁` and `S = S₊ + α² N₂` with `N₁ = E[(eˣ − 1)1{X<0}] < 0`, so
    /// `dF/dα ∝ N₁ S₊ − M₊ α N₂ < 0`: F is strictly decreasing, there is at most one root, and
    /// there is none unless `μ/√(ν + μ²)` lies between `lim_{α→∞} F = N₁/√N₂` and
    /// `lim_{α→0} F = M₊/√S₊`. Brent's method (GSL) brackets the root; GSL's `hybridsj` then
    /// polishes `(λ, α)` on the two equations with their analytic Jacobian.
    ///
    /// - Throws: ``FixedPointError`` for an invalid target, a target no `λ, α > 0` reaches, or a
    ///   solver that does not converge.
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public static func snnFixedPoint(target: MeanVariance = MeanVariance(mean: 0, variance: 1),
                                     weights: WeightMoments = .normalized) throws(FixedPointError) -> SNNFixedPoint {
        let mu = target.mean, nu = target.variance
        guard mu.isFinite, nu.isFinite, nu > 0 else {
            throw .invalidTarget("target variance must be a positive finite number and the mean finite (got mean \(formatNumber(mu)), variance \(formatNumber(nu)))")
        }
        guard weights.omega.isFinite, weights.tau.isFinite, weights.tau > 0 else {
            throw .invalidTarget("tau must be positive and omega finite (got omega \(formatNumber(weights.omega)), tau \(formatNumber(weights.tau)))")
        }
        let m = mu * weights.omega, q = nu * weights.tau
        let h = HalfLineMoments(mean: m, variance: q)
        let j1 = h.exponentialNegative(rate: 1), j2 = h.exponentialNegative(rate: 2)
        let mPlus = h.firstPositive, sPlus = h.secondPositive
        let n1 = j1 - h.negativeProbability                       // E[(eˣ − 1) 1{X<0}]
        let n2 = j2 - 2 * j1 + h.negativeProbability              // E[(eˣ − 1)² 1{X<0}]
        let ratio = mu / (nu + mu * mu).squareRoot()
        func moments(_ alpha: Double) -> (mean: Double, second: Double) { (mPlus + alpha * n1, sPlus + alpha * alpha * n2) }
        func f(_ alpha: Double) -> Double {
            let (mean, second) = moments(alpha)
            return mean / second.squareRoot() - ratio
        }
        let upperLimit = mPlus / sPlus.squareRoot(), lowerLimit = n1 / n2.squareRoot()
        guard ratio < upperLimit, ratio > lowerLimit else {
            throw .noSolution("no selu (lambda, alpha > 0) has the fixed point mean \(formatNumber(mu)), variance \(formatNumber(nu)) for omega \(formatNumber(weights.omega)), tau \(formatNumber(weights.tau)): mean/sqrt(variance + mean^2) = \(formatNumber(ratio)) must lie in (\(formatNumber(lowerLimit)), \(formatNumber(upperLimit)))")
        }
        // Bracket: F decreasing from upperLimit − ratio > 0 (α → 0) to lowerLimit − ratio < 0.
        var lo = 1.0, hi = 1.0
        while f(lo) <= 0 {
            lo /= 4
            guard lo > 1e-300 else { throw .noSolution("no selu alpha > 0 reaches the target (alpha underflows)") }
        }
        while f(hi) >= 0 {
            hi *= 4
            guard hi < 1e300 else { throw .noSolution("no selu alpha reaches the target (alpha overflows)") }
        }
        let bracketed: (root: Double, iterations: Int)
        do {
            bracketed = try GSL.brentRoot(bracket: lo, hi, absoluteTolerance: 0, relativeTolerance: 1e-15, f)
        } catch {
            throw .notConverged("SNN fixed point: \(error)")
        }
        var alpha = bracketed.root
        var lambda = ((nu + mu * mu) / moments(alpha).second).squareRoot()
        // Polish on the full system G(λ, α) = (λM − μ, λ²(S − M²) − ν):
        //   ∂G/∂λ = (M, 2λ(S − M²)),  ∂G/∂α = (λN₁, λ²(2αN₂ − 2M N₁)).
        var newtonIterations = 0
        if let polished = try? GSL.multiroot(start: [lambda, alpha], residualTolerance: 1e-15 * max(1, nu), { x in
            let (l, a) = (x[0], x[1])
            let (mean, second) = moments(a)
            return ([l * mean - mu, l * l * (second - mean * mean) - nu],
                    [[mean, l * n1], [2 * l * (second - mean * mean), l * l * (2 * a * n2 - 2 * mean * n1)]])
        }), polished.root.allSatisfy({ $0 > 0 && $0.isFinite }) {
            lambda = polished.root[0]
            alpha = polished.root[1]
            newtonIterations = polished.iterations
        }
        guard let selu = try? Activation(.selu, ["lambda": lambda, "alpha": alpha]) else {
            throw .notConverged("SNN fixed point: no finite solution (lambda \(formatNumber(lambda)), alpha \(formatNumber(alpha)) overflow double precision)")
        }
        let mapped = meanVarianceMap(selu, target, weights: weights)
        let residual = max(abs(mapped.mean - mu), abs(mapped.variance - nu))
        guard residual <= 1e-12 * max(1, nu) else {
            throw .notConverged("SNN fixed point did not converge: residual \(formatNumber(residual)) at lambda \(formatNumber(lambda)), alpha \(formatNumber(alpha))")
        }
        return SNNFixedPoint(target: target, weights: weights, lambda: lambda, alpha: alpha, residual: residual,
                             jacobian: jacobian(selu, at: target, weights: weights),
                             iterations: (bracketed.iterations, newtonIterations), activation: selu)
    }
}

/// A box of `(μ, ω, ν, τ)` for the Theorem-1 check.
public struct DomainBox: Sendable, Hashable {
    /// Range of the input mean μ.
    public var mean: ClosedRange<Double>
    /// Range of ω = Σ wᵢ.
    public var omega: ClosedRange<Double>
    /// Range of the input variance ν.
    public var variance: ClosedRange<Double>
    /// Range of τ = Σ wᵢ².
    public var tau: ClosedRange<Double>

    /// Theorem 1's domain ([Klambauer et al. 2017]): μ, ω ∈ [−0.1, 0.1], ν ∈ [0.8, 1.5], τ ∈ [0.95, 1.1].
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public static let theoremOne = DomainBox(mean: -0.1...0.1, omega: -0.1...0.1, variance: 0.8...1.5, tau: 0.95...1.1)

    public init(mean: ClosedRange<Double>, omega: ClosedRange<Double>, variance: ClosedRange<Double>, tau: ClosedRange<Double>) {
        self.mean = mean
        self.omega = omega
        self.variance = variance
        self.tau = tau
    }
}

/// The outcome of ``SelfNormalizing/domainCheck(activation:box:gridPoints:refinements:)``.
public struct DomainCheck: Sendable, Hashable {
    /// The largest spectral norm of the Jacobian found.
    public let maximumSpectralNorm: Double
    /// Where: `(μ, ω, ν, τ)`.
    public let argmax: [Double]
    /// The range of the mapped mean μ̃ and variance ν̃ over the grid.
    public let mappedMean: ClosedRange<Double>
    /// See ``mappedMean``.
    public let mappedVariance: ClosedRange<Double>
    /// How many points were evaluated.
    public let evaluations: Int
}

extension SelfNormalizing {
    /// The Theorem-1 check ([Klambauer et al. 2017], Theorem 1): the spectral norm of the Jacobian
    /// of `g` over a box of `(μ, ω, ν, τ)`, and the range of `g` there.
    ///
    /// A `gridPoints⁴` grid over the box (ends included), then `refinements` rounds of a 5⁴ grid
    /// spanning one coarse step either side of the current maximum (clipped to the box), each
    /// halving the step. The paper proves the norm is below 1 on its box and that `g` maps it
    /// into μ̃ ∈ [−0.03106, 0.06773], ν̃ ∈ [0.80009, 1.48617].
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public static func domainCheck(activation: Activation, box: DomainBox = .theoremOne,
                                   gridPoints: Int = 11, refinements: Int = 8) -> DomainCheck {
        func points(_ range: ClosedRange<Double>, _ n: Int) -> [Double] {
            n <= 1 || range.lowerBound == range.upperBound ? [range.lowerBound]
                : (0..<n).map { i in i == n - 1 ? range.upperBound : range.lowerBound + (range.upperBound - range.lowerBound) * Double(i) / Double(n - 1) }
        }
        var best = -Double.infinity, argmax = [0.0, 0, 0, 0]
        var meanRange = (Double.infinity, -Double.infinity), varianceRange = (Double.infinity, -Double.infinity)
        var evaluations = 0
        func visit(_ p: [Double], recordRange: Bool) {
            let point = MeanVariance(mean: p[0], variance: p[2]), weights = WeightMoments(omega: p[1], tau: p[3])
            let norm = jacobian(activation, at: point, weights: weights).spectralNorm
            evaluations += 1
            if norm > best { best = norm; argmax = p }
            if recordRange {
                let mapped = meanVarianceMap(activation, point, weights: weights)
                meanRange = (min(meanRange.0, mapped.mean), max(meanRange.1, mapped.mean))
                varianceRange = (min(varianceRange.0, mapped.variance), max(varianceRange.1, mapped.variance))
            }
        }
        let ranges = [box.mean, box.omega, box.variance, box.tau]
        let grids = ranges.map { points($0, gridPoints) }
        for a in grids[0] { for b in grids[1] { for c in grids[2] { for d in grids[3] { visit([a, b, c, d], recordRange: true) } } } }
        var steps = ranges.map { ($0.upperBound - $0.lowerBound) / Double(max(1, gridPoints - 1)) }
        for _ in 0..<refinements {
            let local = (0..<4).map { k in
                points(max(ranges[k].lowerBound, argmax[k] - steps[k])...min(ranges[k].upperBound, argmax[k] + steps[k]), 5)
            }
            for a in local[0] { for b in local[1] { for c in local[2] { for d in local[3] { visit([a, b, c, d], recordRange: false) } } } }
            steps = steps.map { $0 / 2 }
        }
        return DomainCheck(maximumSpectralNorm: best, argmax: argmax, mappedMean: meanRange.0...meanRange.1,
                           mappedVariance: varianceRange.0...varianceRange.1, evaluations: evaluations)
    }
}
