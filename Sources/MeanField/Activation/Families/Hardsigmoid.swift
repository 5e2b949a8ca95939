#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = relu6(x + 3)/6` (PyTorch's `Hardsigmoid`): kinks (C⁰) at ±3.
    enum Hardsigmoid: ActivationDefinition {
        static let formula = "relu6(x + 3)/6"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            switch order {
            case .value: return Hardtanh.clamp(x + 3, .value, 0, 6) / 6
            case .first: return x >= -3 && x < 3 ? 1.0 / 6 : 0
            case .second: return 0
            }
        }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func bound(_ p: [Double]) -> Double? { 1 }
        static func closedFormSummary(_ p: [Double]) -> String {
            "1D: all moments (Phi, phi; quadrature where ill-conditioned); 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles; quadrature where ill-conditioned)"
        }
        static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? {
            PiecewisePolynomial(breakpoints: [-3, 3], pieces: [[0], [0.5, 1.0 / 6], [1]])
        }
    }
}
