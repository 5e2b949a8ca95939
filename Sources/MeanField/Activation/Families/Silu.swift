#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x·σ(x)` (SiLU/swish).
    ///
    /// ```
    /// φ' = σ + xσ',  φ'' = σ'(2 + x(1 − 2σ)),  σ' = σ(1 − σ),  1 − 2σ = −tanh(x/2)
    /// ```
    /// Poles of σ at ±iπ.
    enum Silu: ActivationDefinition {
        static let formula = "x / (1 + exp(-x))"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let s = logistic(x), ds = logisticDerivative(x)
            switch order {
            case .value: return x * s
            case .first: return s + x * ds
            case .second: return ds * (2 - x * Glibc.tanh(x / 2))
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi }
    }
}
