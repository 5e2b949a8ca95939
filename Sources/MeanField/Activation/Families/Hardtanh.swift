#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = min(max(x, min), max)` (PyTorch's `Hardtanh(min_val, max_val)`): kinks (C⁰) at min and max.
    enum Hardtanh: ActivationDefinition {
        static let formula = "min(max(x, min), max)"
        static let parameters: [Activation.Parameter] = [
            .init(name: "min", defaultValue: -1, domain: "a finite number below max", aliases: ["min_val"]),
            .init(name: "max", defaultValue: 1, domain: "a finite number above min", aliases: ["max_val"]),
        ]
        static func validate(_ p: [Double]) throws(ActivationError) {
            guard p[0] < p[1] else {
                throw .inconsistentParameters(activation: "hardtanh", reason: "min = \(formatSpecNumber(p[0])) must be below max = \(formatSpecNumber(p[1]))")
            }
        }
        @inline(__always)
        static func clamp(_ x: Double, _ order: DerivativeOrder, _ lo: Double, _ hi: Double) -> Double {
            switch order {
            case .value: return x < lo ? lo : (x > hi ? hi : x)
            case .first: return x >= lo && x < hi ? 1 : 0
            case .second: return 0
            }
        }
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double { clamp(x, order, p[0], p[1]) }
        static func featureScale(_ p: [Double]) -> Double? { nil }
        static func bound(_ p: [Double]) -> Double? { max(abs(p[0]), abs(p[1])) }
        static func closedFormSummary(_ p: [Double]) -> String {
            "1D: all moments (Phi, phi; quadrature where ill-conditioned); 2D: phi*phi, phi'*phi', phi*phi' (Phi2 rectangles; quadrature where ill-conditioned)"
        }
        static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? {
            PiecewisePolynomial(breakpoints: [p[0], p[1]], pieces: [[p[0]], [0, 1], [p[1]]])
        }
    }
}
