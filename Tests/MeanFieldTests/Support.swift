import Testing
@testable import MeanField

/// An explicit tolerance: within `relative` of the expected value, or within `absolute` when
/// the expected value's magnitude is below `absoluteBelow`.
struct Tolerance: CustomStringConvertible, Sendable {
    var relative: Double
    var absolute: Double = 0
    var absoluteBelow: Double = 0

    /// SPEC §2: 1e-12 relative, or 1e-14 absolute where the exact value is below 1e-2.
    static let spec = Tolerance(relative: 1e-12, absolute: 1e-14, absoluteBelow: 1e-2)
    static func relative(_ r: Double) -> Tolerance { Tolerance(relative: r) }
    static func absolute(_ a: Double) -> Tolerance { Tolerance(relative: 0, absolute: a, absoluteBelow: .infinity) }

    func accepts(_ actual: Double, _ expected: Double) -> Bool {
        if actual == expected { return true }
        let difference = abs(actual - expected)
        if difference <= relative * abs(expected) { return true }
        return abs(expected) < absoluteBelow && difference <= absolute
    }

    var description: String { "rel \(relative), abs \(absolute) below \(absoluteBelow)" }
}

/// The one closeness check of the test suite.
func expectClose(_ actual: Double, _ expected: Double, _ tolerance: Tolerance = .spec,
                 _ context: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let ok = tolerance.accepts(actual, expected)
    #expect(ok, "\(context()) actual \(actual) expected \(expected) (diff \(abs(actual - expected)), \(tolerance))",
            sourceLocation: sourceLocation)
}

func activation(_ spec: String) -> Activation { try! Activation(spec: spec) }

struct OneDimensionalReference: Sendable {
    let spec: String, moment: Moment, mean: Double, variance: Double, value: Double
}

struct TwoDimensionalReference: Sendable {
    let spec: String, orders: (DerivativeOrder, DerivativeOrder)
    let variance1: Double, variance2: Double, correlation: Double, value: Double
}

/// A kernel split (`ReluAsymptoteKernels.pair`, `SignAsymptoteKernels.pair`) against the kink-aware
/// whole-plane quadrature at correlations −0.97, −0.4, 0.3, 0.9 for each variance pair, to SPEC §2;
/// with `routed`, also that the kernel evaluator takes the split there (bit for bit).
func expectSplitMatchesQuadrature(_ spec: String, variances: [(Double, Double)],
                                  split pair: (Activation, Double, Double, Double) -> (kernel: Double, derivative: Double)?,
                                  routed: Bool) throws {
    let phi = activation(spec)
    for (q1, q2) in variances {
        for c in [-0.97, -0.4, 0.3, 0.9] {
            let q12 = c * (q1 * q2).squareRoot()
            let split = try #require(pair(phi, q1, q12, q2))
            let kernel = Gaussian.expectation2D(.value, .value, phi, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
            let derivative = Gaussian.expectation2D(.first, .first, phi, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
            let context = "\(spec) q1=\(q1) q2=\(q2) c=\(c)"
            expectClose(split.kernel, kernel.value, .spec, "kernel " + context)
            expectClose(split.derivative, derivative.value, .spec, "derivative " + context)
            if routed {
                let evaluated = KernelEvaluator.pair(phi, variance1: q1, covariance: q12, variance2: q2)
                #expect(evaluated.0 == split.kernel && evaluated.1 == split.derivative, "evaluator \(context)")
            }
        }
    }
}
