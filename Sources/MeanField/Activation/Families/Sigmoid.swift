#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = σ(x) = 1/(1 + e^(−x))`; poles at ±iπ.
    ///
    /// ```
    /// φ' = σ' = e^(−|x|)/(1 + e^(−|x|))²,  φ'' = −σ' tanh(x/2)
    /// ```
    enum Sigmoid: ActivationDefinition {
        static let formula = "1 / (1 + exp(-x))"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            switch order {
            case .value: return logistic(x)
            case .first: return logisticDerivative(x)
            case .second: return -logisticDerivative(x) * Glibc.tanh(x / 2)
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi }
        static func bound(_ p: [Double]) -> Double? { 1 }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        /// `log σ'(x) = −|x| − 2 log1p(e^(−|x|))`.
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double {
            let a = abs(x)
            return -a - 2 * log1p(exp(-a))
        }
    }
}
