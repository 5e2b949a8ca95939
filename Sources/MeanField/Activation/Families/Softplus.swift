#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = log(1 + e^(beta·x))/beta` (PyTorch's `Softplus(beta)`; beta = 1 is SPEC §1.1's softplus).
    ///
    /// ```
    /// φ' = σ(beta·x),  φ'' = beta·σ'(beta·x)
    /// ```
    /// PyTorch also has `threshold = 20`, above which (beta·x > 20) it returns x instead: a numerical
    /// shortcut that makes its softplus jump by log1p(e^(−20))/beta ≈ 2e-9/beta there. mfsim does not
    /// model it: it computes the exact smooth function (the two agree to 2e-9 relative above the
    /// threshold and exactly below it). Branch points at ±iπ/beta.
    enum Softplus: ActivationDefinition {
        static let formula = "log(1 + exp(beta*x))/beta"
        static let parameters: [Activation.Parameter] = [
            .init(name: "beta", defaultValue: 1, domain: "beta > 0", requiresPositive: true),
        ]
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let beta = p[0]
            if beta == 1 {
                switch order {
                case .value: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
                case .first: return logistic(x)
                case .second: return logisticDerivative(x)
                }
            }
            let y = beta * x
            switch order {
            case .value: return (y > 0 ? y + log1p(exp(-y)) : log1p(exp(y))) / beta
            case .first: return logistic(y)
            case .second: return beta * logisticDerivative(y)
            }
        }
        static func featureScale(_ p: [Double]) -> Double? { 1 / p[0] }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi / p[0] }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        /// `log σ(y)`, y = beta·x: `−log1p(e^(−y))` for y ≥ 0, `y − log1p(e^y)` for y < 0.
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double {
            let y = p[0] == 1 ? x : p[0] * x
            return y >= 0 ? -log1p(exp(-y)) : y - log1p(exp(y))
        }
    }
}
