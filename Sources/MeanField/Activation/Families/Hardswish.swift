#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x·relu6(x + 3)/6` (PyTorch's `Hardswish`, [Howard et al. 2019]): kinks (C⁰) at ±3,
    /// quadratic between. Its bivariate kernels are closed forms in Φ₂, Φ, ϕ
    /// (``PiecewisePolynomialKernels``: truncated bivariate moments of degree ≤ 2 by Stein recursions).
    ///
    /// [Howard et al. 2019]: https://arxiv.org/abs/1905.02244
    enum Hardswish: ActivationDefinition {
        static let formula = "x*relu6(x + 3)/6"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            switch order {
            case .value: return x * Hardtanh.clamp(x + 3, .value, 0, 6) / 6
            case .first: return x < -3 ? 0 : (x < 3 ? (2 * x + 3) / 6 : 1)
            case .second: return x >= -3 && x < 3 ? 1.0 / 3 : 0
            }
        }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func closedFormSummary(_ p: [Double]) -> String {
            "1D: all moments (Phi, phi; quadrature where ill-conditioned); 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles, Stein recursions; quadrature where ill-conditioned)"
        }
        static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? {
            PiecewisePolynomial(breakpoints: [-3, 3], pieces: [[0], [0, 0.5, 1.0 / 6], [0, 1]])
        }
    }
}
