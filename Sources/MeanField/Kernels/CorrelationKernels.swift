#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The maps `c ↦ E[φ(u)φ(v)]` and `c ↦ E[φ'(u)φ'(v)]` for two inputs of the same variance q, for the
/// one-correlation-at-a-time users (Model B's depth sweep, c* and the phase diagram). It chooses no
/// route itself: every value comes from ``KernelEvaluator`` — the certified Hermite series where
/// ``KernelEvaluator/hermiteSeries(_:variance:secondMoment:slopeSquared:)`` gives one, else
/// ``KernelEvaluator/pair(_:variance1:covariance:variance2:strategy:)``'s route (closed form, asymptote
/// split, exact 2D engine) through ``KernelEvaluator/sameVarianceKernel(_:_:variance:correlation:)``.
/// At c = 1 the exact 1D moments (`E[φ²]`, `E[φ'²]`), and at c = −1 the closed form or the 1D integral on
/// one mesh (exactly −E[φ²] for an odd φ), so c = 1 — and c = −1 for an odd φ without bias — stay fixed
/// points of the correlation map.
public struct CorrelationKernels: Sendable {
    /// The activation φ.
    public let activation: Activation
    /// The variance q both inputs have.
    public let variance: Double
    /// The Hermite series, when it is the route taken.
    public let dual: DualKernel?
    let secondMoment: Double, slopeSquared: Double

    /// The maps at variance q > 0 (the exact `E_q[φ²]`, `E_q[φ'²]` are computed here).
    public init(_ activation: Activation, variance q: Double) {
        self.init(activation, variance: q,
                  secondMoment: Gaussian.expectation(of: .secondMoment, activation, variance: q).value,
                  slopeSquared: Gaussian.expectation(of: .slopeSquared, activation, variance: q).value)
    }

    /// With the exact `E_q[φ²]` and `E_q[φ'²]` already at hand.
    init(_ activation: Activation, variance q: Double, secondMoment: Double, slopeSquared: Double) {
        self.activation = activation
        variance = q
        self.secondMoment = secondMoment
        self.slopeSquared = slopeSquared
        dual = KernelEvaluator.hermiteSeries(activation, variance: q, secondMoment: secondMoment, slopeSquared: slopeSquared)
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])`, u, v of variance q with correlation c, both from one evaluation
    /// where the route computes them together (the exponential family's Φ₂ pair, the asymptote splits).
    public func pair(_ c: Double) -> (kernel: Double, derivative: Double) {
        if c == 1 { return (secondMoment, slopeSquared) }
        if let dual, c != -1 { return (dual.kernel(c), dual.derivativeKernel(c)) }
        return KernelEvaluator.sameVariancePair(activation, variance: variance, correlation: c)
    }

    /// `E[φ(u)φ(v)]`, u, v of variance q with correlation c.
    public func kernel(_ c: Double) -> Double {
        if c == 1 { return secondMoment }
        if let dual, c != -1 { return dual.kernel(c) }
        return KernelEvaluator.sameVarianceKernel(.value, activation, variance: variance, correlation: c)
    }

    /// `E[φ(u)φ(u)] − E[φ(u)φ(v)] = K(1) − K(c)`: from the Hermite series without cancellation
    /// when that route is taken and 0 ≤ c ≤ 1, else by subtraction.
    public func kernelDeficit(_ c: Double) -> Double {
        if c == 1 { return 0 }
        if let dual, c >= 0 { return dual.kernelDeficit(c) }
        return secondMoment - kernel(c)
    }

    /// `E[φ'(u)φ'(v)]`, u, v of variance q with correlation c.
    public func derivativeKernel(_ c: Double) -> Double {
        if c == 1 { return slopeSquared }
        if let dual, c != -1 { return dual.derivativeKernel(c) }
        return KernelEvaluator.sameVarianceKernel(.first, activation, variance: variance, correlation: c)
    }
}
