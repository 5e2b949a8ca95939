#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The mean and variance of a layer's activations (`μ`, `ν` in [Klambauer et al. 2017]).
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public struct MeanVariance: Sendable, Hashable {
    /// μ
    public var mean: Double
    /// ν
    public var variance: Double
    /// `(μ, ν)`.
    public init(mean: Double, variance: Double) {
        self.mean = mean
        self.variance = variance
    }
}

/// The sums of a unit's incoming weights, `ω = Σ wᵢ` and `τ = Σ wᵢ²` ([Klambauer et al. 2017], §3).
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public struct WeightMoments: Sendable, Hashable {
    /// ω = Σ wᵢ
    public var omega: Double
    /// τ = Σ wᵢ²
    public var tau: Double
    /// Normalized weights: ω = 0, τ = 1.
    public static let normalized = WeightMoments(omega: 0, tau: 1)
    public init(omega: Double, tau: Double) {
        self.omega = omega
        self.tau = tau
    }
}

/// A 2 × 2 real matrix with its eigenvalues and spectral norm.
public struct Matrix2: Sendable, Hashable {
    /// Row-major entries `[[a11, a12], [a21, a22]]`.
    public var entries: [[Double]]

    public init(_ entries: [[Double]]) { self.entries = entries }

    /// Eigenvalues `(re, im)`, ordered by modulus, largest first:
    /// ```
    /// λ = tr/2 ± √(tr²/4 − det)
    /// ```
    public var eigenvalues: [(re: Double, im: Double)] {
        let a = entries
        let trace = a[0][0] + a[1][1]
        // tr²/4 − det = ((a11 − a22)/2)² + a12 a21, free of the cancellation in tr² − 4 det.
        let half = 0.5 * (a[0][0] - a[1][1])
        let discriminant = half * half + a[0][1] * a[1][0]
        if discriminant >= 0 {
            let root = discriminant.squareRoot()
            // The larger-magnitude root first, the other from det / λ1 (no cancellation).
            let big = 0.5 * trace + (trace >= 0 ? root : -root)
            let determinant = a[0][0] * a[1][1] - a[0][1] * a[1][0]
            let small = big == 0 ? 0 : determinant / big
            return abs(big) >= abs(small) ? [(big, 0), (small, 0)] : [(small, 0), (big, 0)]
        }
        let im = (-discriminant).squareRoot()
        return [(0.5 * trace, im), (0.5 * trace, -im)]
    }

    /// The largest singular value:
    /// ```
    /// σ_max² = (‖A‖_F² + √((‖A‖_F² − 2|det|)(‖A‖_F² + 2|det|))) / 2
    /// ```
    public var spectralNorm: Double {
        let a = entries
        let frobenius2 = a.joined().reduce(0) { $0 + $1 * $1 }
        let determinant = abs(a[0][0] * a[1][1] - a[0][1] * a[1][0])
        let root = max(0, (frobenius2 - 2 * determinant) * (frobenius2 + 2 * determinant)).squareRoot()
        return (0.5 * (frobenius2 + root)).squareRoot()
    }
}

/// Why the SNN fixed point could not be found.
public enum FixedPointError: Error, Sendable, CustomStringConvertible {
    case invalidTarget(String)
    case noSolution(String)
    case notConverged(String)

    public var description: String {
        switch self {
        case let .invalidTarget(message), let .noSolution(message), let .notConverged(message): return message
        }
    }
}

/// Model A: the mean/variance map of self-normalizing networks ([Klambauer et al. 2017], §3 and
/// Theorem 1).
///
/// The pre-activation of a unit whose inputs have mean `μ` and variance `ν` is
/// `z ~ N(μω, ντ)`, and
/// ```
/// g(μ, ν) = (E[φ(z)], Var[φ(z)]) = (μ̃, ν̃)           (§3)
/// ```
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public enum SelfNormalizing {
    /// `g(μ, ν)`: mean and variance of `φ(z)`, `z ~ N(μω, ντ)` (§3). Closed forms for the
    /// piecewise families, exact quadrature otherwise.
    public static func meanVarianceMap(_ activation: Activation, _ input: MeanVariance,
                                       weights: WeightMoments = .normalized) -> MeanVariance {
        let m = input.mean * weights.omega, q = input.variance * weights.tau
        let mean = Gaussian.expectation(of: .mean, activation, mean: m, variance: q).value
        let second = Gaussian.expectation(of: .secondMoment, activation, mean: m, variance: q).value
        return MeanVariance(mean: mean, variance: max(0, second - mean * mean))
    }

    /// The Jacobian `J[a][b] = ∂g_a/∂x_b` of the map at `x = (μ, ν)` (the Jacobian of §3 and Theorem 1), exactly.
    ///
    /// With `X ~ N(m, q)`, `m = μω`, `q = ντ`, Gaussian integration by parts and the heat
    /// equation `∂_q E[f(X)] = ½ E[f''(X)]` (f'' distributional) give
    /// ```
    /// ∂_m E[φ]  = E[φ']                 ∂_q E[φ]  = ½ (E[φ''] + Σ_k Δφ'(x_k) p(x_k))
    /// ∂_m E[φ²] = 2 E[φφ']              ∂_q E[φ²] = E[φ'²] + E[φφ''] + Σ_k φ(x_k) Δφ'(x_k) p(x_k)
    /// J = [[ω ∂_m μ̃, τ ∂_q μ̃], [ω (∂_m E[φ²] − 2μ̃ ∂_m μ̃), τ (∂_q E[φ²] − 2μ̃ ∂_q μ̃)]]
    /// ```
    /// where `Δφ'(x_k)` is the jump of φ' at kink `x_k` and `p` the density of X. Requires ντ > 0.
    public static func jacobian(_ activation: Activation, at point: MeanVariance,
                                weights: WeightMoments = .normalized) -> Matrix2 {
        let m = point.mean * weights.omega, q = point.variance * weights.tau
        func e(_ moment: Moment) -> Double { Gaussian.expectation(of: moment, activation, mean: m, variance: q).value }
        let mean = e(.mean)
        let s = q.squareRoot()
        var kinkMean = 0.0, kinkSecond = 0.0
        for kink in activation.kinks where kink.derivativeJump != 0 {
            let density = standardNormalDensity((kink.location - m) / s) / s
            kinkMean += kink.derivativeJump * density
            kinkSecond += activation(kink.location) * kink.derivativeJump * density
        }
        let dMeanDm = e(.slope)
        let dMeanDq = 0.5 * (e(.curvature) + kinkMean)
        let dSecondDm = 2 * e(.valueTimesSlope)
        let dSecondDq = e(.slopeSquared) + e(.curvatureTimesValue) + kinkSecond
        return Matrix2([
            [weights.omega * dMeanDm, weights.tau * dMeanDq],
            [weights.omega * (dSecondDm - 2 * mean * dMeanDm), weights.tau * (dSecondDq - 2 * mean * dMeanDq)],
        ])
    }

    /// Iterates `g` from `start` through `layers` layers: element 0 is `start`, element l is
    /// `g(element l−1)`. Stops early, before the first layer whose mean or variance is not
    /// finite, and reports that layer.
    public static func depthSweep(_ activation: Activation, from start: MeanVariance, weights: WeightMoments = .normalized,
                                  layers: Int) -> (rows: [MeanVariance], firstNonFiniteLayer: Int?) {
        var rows = [start]
        rows.reserveCapacity(layers + 1)
        var current = start
        for layer in stride(from: 1, through: layers, by: 1) {
            current = meanVarianceMap(activation, current, weights: weights)
            guard current.mean.isFinite, current.variance.isFinite else { return (rows, layer) }
            rows.append(current)
        }
        return (rows, nil)
    }
}
