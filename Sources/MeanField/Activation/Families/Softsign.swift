#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x/(1 + |x|)` (PyTorch's `Softsign`): φ'' jumps from 2 to −2 at 0 (a C¹ kink).
    ///
    /// ```
    /// φ' = 1/(1 + |x|)²,   φ'' = −2 sign(x)/(1 + |x|)³   (right-hand at 0: −2)
    /// ```
    enum Softsign: ActivationDefinition {
        static let formula = "x / (1 + |x|)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let d = 1 + abs(x)
            switch order {
            case .value: return x / d
            case .first: return 1 / (d * d)
            case .second: return (x < 0 ? 2 : -2) / (d * d * d)
            }
        }
        static func kinks(_ p: [Double]) -> [Kink] { [Kink(location: 0, smoothness: .c1, derivativeJump: 0)] }
        static func bound(_ p: [Double]) -> Double? { 1 }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double { -2 * log1p(abs(x)) }
    }
}
