import Foundation
import Testing
@testable import MeanField

/// The solvers' algebra: its exact gradients against central differences, and its maps against
/// the direct evaluation of φ̂.
@Suite("Shaping: local maps and their parameter derivatives")
struct ShapingSystemTests {
    static let cases: [(String, [ShapingUnknown], OutputShiftRule, [Double])] = [
        ("tanh", [.inputScale, .inputShift, .outputShift], .unknown, [0.7, 0.3, -0.2]),
        ("selu", [.inputScale, .inputShift], .zeroMean, [1, 0]),
        ("selu", [.inputScale, .inputShift], .zeroMean, [0.4, -0.3]),
        ("elu", [.inputScale, .inputShift, .outputShift], .unknown, [0.6, -0.5, 0.4]),
        ("relu", [.inputScale], .zeroMean, [0.8]),
        ("leaky_relu", [.negativeSlope, .inputShift], .zeroMean, [0.3, 0.2]),
        ("gelu", [.inputScale, .inputShift, .outputShift], .unknown, [1.3, -0.4, 0.1]),
    ]

    /// Central differences with step h = 1e-5 agree with the Dual gradients to ~1e-8 (truncation
    /// O(h²) and rounding O(ε/h)): a wrong term in any score identity would be off by O(1).
    @Test(arguments: 0..<cases.count)
    func gradientsMatchDifferences(index: Int) throws {
        let (spec, unknowns, rule, p) = Self.cases[index]
        let system = ShapingSystem(activation: activation(spec), unknowns: unknowns, fixedInputScale: 1, fixedInputShift: 1,
                                   outputShiftRule: rule, needsCurvature: activation(spec).kinks.allSatisfy { $0.smoothness != .c0 })
        let r = try #require(system.evaluate(p))
        let h = 1e-5
        for j in 0..<p.count {
            var plus = p, minus = p
            plus[j] += h; minus[j] -= h
            let a = try #require(system.evaluate(plus)), b = try #require(system.evaluate(minus))
            let pairs: [(Dual?, Dual?, Dual?, String)] = [(r.qSlope, a.qSlope, b.qSlope, "qSlope"), (r.cZero, a.cZero, b.cZero, "cZero"),
                                                          (r.cSlope, a.cSlope, b.cSlope, "cSlope"), (r.cCurvature, a.cCurvature, b.cCurvature, "cCurvature")]
            for (d, up, down, name) in pairs {
                guard let d, let up, let down else { continue }
                let difference = (up.value - down.value) / (2 * h)
                expectClose(d.gradient[j], difference, Tolerance(relative: 1e-7, absolute: 1e-8, absoluteBelow: 1),
                            "\(spec) \(name) d/d\(unknowns[j].rawValue)")
            }
        }
    }
}
