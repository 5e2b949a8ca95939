#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x − lambda` (x > lambda), `x + lambda` (x < −lambda), 0 between (PyTorch's
    /// `Softshrink(lambd)`): kinks (C⁰) at ±lambda.
    enum Softshrink: ActivationDefinition {
        static let formula = "x - lambda if x > lambda, x + lambda if x < -lambda, 0 else"
        static let parameters: [Activation.Parameter] = [
            .init(name: "lambda", defaultValue: 0.5, domain: "lambda >= 0", requiresNonNegative: true, aliases: ["lambd"]),
        ]
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let lambda = p[0]
            switch order {
            case .value: return x > lambda ? x - lambda : (x < -lambda ? x + lambda : 0)
            case .first: return x >= lambda || x < -lambda ? 1 : 0
            case .second: return 0
            }
        }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func closedFormSummary(_ p: [Double]) -> String {
            "1D: all moments (Phi, phi; quadrature where ill-conditioned); 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles; quadrature where ill-conditioned)"
        }
        static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? {
            PiecewisePolynomial(breakpoints: [-p[0], p[0]], pieces: [[p[0], 1], [0], [-p[0], 1]])
        }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { p[0] == 0 }
        static func isPositivelyHomogeneous(_ p: [Double]) -> Bool { p[0] == 0 }
    }
}
