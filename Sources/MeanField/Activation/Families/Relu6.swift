#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = min(max(x, 0), 6)` (PyTorch's `ReLU6`): kinks (C⁰) at 0 and 6.
    enum Relu6: ActivationDefinition {
        static let formula = "min(max(x, 0), 6)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double { Hardtanh.clamp(x, order, 0, 6) }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func bound(_ p: [Double]) -> Double? { 6 }
        static func closedFormSummary(_ p: [Double]) -> String {
            "1D: all moments (Phi, phi; quadrature where ill-conditioned); 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles; quadrature where ill-conditioned)"
        }
        static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? {
            PiecewisePolynomial(breakpoints: [0, 6], pieces: [[0], [0, 1], [6]])
        }
    }
}
