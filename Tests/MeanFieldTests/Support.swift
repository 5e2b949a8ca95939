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
