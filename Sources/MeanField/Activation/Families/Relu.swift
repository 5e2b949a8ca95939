#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = max(0, x)`.
    enum Relu: ActivationDefinition {
        static let formula = "max(0, x)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            LeakyRelu.piecewiseLinear(x, order, slope: 0)
        }
        static func kinks(_ p: [Double]) -> [Kink] { Kink.detected(at: [0]) { evaluate($0, $1, p) } }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { PiecewiseForm(positiveSlope: 1, negative: .linear(slope: 0)) }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: all moments (erfc); 2D: phi*phi, phi'*phi' (arc-cosine), phi*phi' (Phi2 rectangles)" }
        static func isPositivelyHomogeneous(_ p: [Double]) -> Bool { true }
    }
}
