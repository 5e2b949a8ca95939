#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for pairs of unequal variances `(q1, q12, q2)`, one layer's worth: the
/// closed form where there is one (for elu, selu, celu the Φ₂ pair with small tilts, k√q ≥ 0.001, each
/// input's own quantities computed once, ``Input``); for smooth activations the two variances' certified
/// Hermite series crossed (``DualKernel/crossKernels(_:_:correlation:)``) where both exist and the tail
/// bound is ≤ 1e-13 of the kernels' scale; else the exact 2D engine (``KernelEvaluator/pair(_:variance1:covariance:variance2:strategy:)``).
///
/// Built once per layer for the variances the pairs use (the Hermite series are built here, on every
/// core); then evaluated concurrently by ``KernelEvaluator/unequalPairs(_:_:diagonal:strategy:)`` and
/// ``NeuralTangents/gram(_:inputKernel:count:weights:layers:every:strategy:)``.
struct UnequalPairKernels: Sendable {
    /// One input's variance and what the exponential family's pair needs of it alone.
    struct Input: Sendable {
        let variance: Double
        let exponential: ExponentialPairInput?
    }

    let activation: Activation
    let strategy: Gaussian.Strategy
    let diagonal: [Double: (second: Double, slopeSquared: Double)]
    /// The certified Hermite series per variance (smooth activations without a closed form).
    let duals: [Double: DualKernel]
    /// The exponential family's form (nil for other activations and under `.quadrature`).
    let exponential: PiecewiseForm?
    /// Whether the activation has a closed form (then pairs cost ~1 µs and are dispatched in blocks).
    let hasClosedForm: Bool

    /// For pairs among `variances` (distinct), with their 1D moments in `diagonal`.
    init(_ activation: Activation, variances: [Double], diagonal: [Double: (second: Double, slopeSquared: Double)],
         strategy: Gaussian.Strategy = .automatic) {
        self.activation = activation
        self.strategy = strategy
        self.diagonal = diagonal
        hasClosedForm = strategy == .automatic && KernelEvaluator.hasClosedForm(activation, variance1: 1, variance2: 1)
        var duals: [Double: DualKernel] = [:]
        if strategy == .automatic, activation.kinks.isEmpty, !variances.isEmpty, !hasClosedForm {
            let built = concurrentMap(variances) { v -> DualKernel? in
                guard let d = diagonal[v] else { return nil }
                return KernelEvaluator.hermiteSeries(activation, variance: v, secondMoment: d.second, slopeSquared: d.slopeSquared)
            }
            for (v, dual) in zip(variances, built) { duals[v] = dual }
        }
        self.duals = duals
        // The exponential family: the Drezner–Wesolowsky pair down to k√q = 0.001 (Price's theorem for the
        // quadrant −− below 0.2), where the closed form of closedFormPair declines.
        if strategy == .automatic, let form = activation.piecewiseForm, case .exponential = form.negative {
            exponential = form
        } else {
            exponential = nil
        }
    }

    /// The input of variance q (its exponential-family quantities computed here).
    func input(variance q: Double) -> Input {
        Input(variance: q, exponential: exponential.flatMap { ExponentialPairInput($0, variance: q) })
    }

    /// Pairs per concurrent task when `count` pairs are evaluated: closed forms in blocks of up to
    /// ``KernelEvaluator/unequalPairsBlock`` (a pair costs ~1 µs, about what one dispatched iteration with
    /// its task-local ledger costs by itself); else one pair per task.
    func pairsPerTask(of count: Int) -> Int {
        hasClosedForm ? max(1, min(KernelEvaluator.unequalPairsBlock, count / 64)) : 1
    }

    /// The kernel pair of inputs `first`, `second` with covariance q12.
    @inline(__always)
    func callAsFunction(_ first: Input, covariance q12: Double, _ second: Input) -> (Double, Double) {
        if let exponential, let a = first.exponential, let b = second.exponential,
           let both = exponential.exponentialKernelPair(a, covariance: q12, b, smallTilts: true, largeTilts: true) {
            return both
        }
        return general(variance1: first.variance, covariance: q12, variance2: second.variance)
    }

    /// The kernel pair of variances q1, q2 with covariance q12.
    func callAsFunction(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (Double, Double) {
        self(input(variance: q1), covariance: q12, input(variance: q2))
    }

    /// Past the exponential family's pair: the crossed Hermite series, else the closed form or the 2D engine.
    func general(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (Double, Double) {
        if let a = duals[q1], let b = duals[q2], let di = diagonal[q1], let dj = diagonal[q2] {
            let rho = max(-1, min(1, q12 / (q1 * q2).squareRoot()))
            let cross = DualKernel.crossKernels(a, b, correlation: rho)
            if cross.kernelBound <= 1e-13 * (di.second * dj.second).squareRoot(),
               cross.derivativeBound <= 1e-13 * (di.slopeSquared * dj.slopeSquared).squareRoot() {
                return (cross.kernel, cross.derivative)
            }
        }
        return KernelEvaluator.pair(activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy)
    }
}
