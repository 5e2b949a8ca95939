#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x` for x ≥ 0, `slope·x` for x < 0 (PyTorch's `LeakyReLU(negative_slope)`; `prelu`
    /// is an alias with PReLU's initial slope 0.25).
    enum LeakyRelu: ActivationDefinition {
        static let formula = "x if x >= 0, slope*x if x < 0"
        static let parameters: [Activation.Parameter] = [
            .init(name: "slope", defaultValue: 0.01, domain: "a finite number", aliases: ["negative_slope", "weight"]),
        ]
        @inline(__always)
        static func piecewiseLinear(_ x: Double, _ order: DerivativeOrder, slope: Double) -> Double {
            switch order {
            case .value: return x >= 0 ? x : slope * x
            case .first: return x >= 0 ? 1 : slope
            case .second: return 0
            }
        }
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            piecewiseLinear(x, order, slope: p[0])
        }
        static func kinks(_ p: [Double]) -> [Kink] { Kink.detected(at: [0]) { evaluate($0, $1, p) } }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { PiecewiseForm(positiveSlope: 1, negative: .linear(slope: p[0])) }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: all moments (erfc); 2D: phi*phi, phi'*phi' (arc-cosine), phi*phi' (Phi2 rectangles)" }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { p[0] > 0 }
        static func isPositivelyHomogeneous(_ p: [Double]) -> Bool { true }
    }
}
