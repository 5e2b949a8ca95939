#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x`.
    enum Linear: ActivationDefinition {
        static let formula = "x"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            order == .value ? x : (order == .first ? 1 : 0)
        }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { PiecewiseForm(positiveSlope: 1, negative: .linear(slope: 1)) }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: all moments (erfc); 2D: phi*phi, phi'*phi' (arc-cosine), phi*phi' (Phi2 rectangles)" }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        static func isPositivelyHomogeneous(_ p: [Double]) -> Bool { true }
    }
}
