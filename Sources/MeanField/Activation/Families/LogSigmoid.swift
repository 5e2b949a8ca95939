#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = log σ(x) = −softplus(−x)` (PyTorch's `LogSigmoid`); branch points at ±iπ.
    ///
    /// ```
    /// φ' = σ(−x),   φ'' = −σ'(x)
    /// ```
    enum LogSigmoid: ActivationDefinition {
        static let formula = "log(1 / (1 + exp(-x)))"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            switch order {
            case .value: return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x))
            case .first: return logistic(-x)
            case .second: return -logisticDerivative(x)
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        /// `log σ(−x)`.
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double { x <= 0 ? -log1p(exp(x)) : -x - log1p(exp(-x)) }
    }
}
