#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = tanh(x)`; poles at ±iπ/2.
    ///
    /// From `e = e^(−2|x|)`: `tanh = ±(1 − e)/(1 + e)`, `sech² = 4e/(1 + e)²` — one exp, and
    /// relatively accurate in the tails (1 − tanh² is not).
    enum Tanh: ActivationDefinition {
        static let formula = "tanh(x)"
        /// `(tanh x, sech² x)`.
        @inline(__always)
        static func tanhAndSech2(_ x: Double) -> (Double, Double) {
            let e = exp(-2 * abs(x))
            let t = (x < 0 ? -1.0 : 1.0) * (1 - e) / (1 + e)
            let sech2 = 4 * e / ((1 + e) * (1 + e))
            return (abs(x) < 0.5 ? Glibc.tanh(x) : t, sech2)   // no cancellation in 1 − e near 0
        }
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let (t, sech2) = tanhAndSech2(x)
            switch order {
            case .value: return t
            case .first: return sech2
            case .second: return -2 * t * sech2
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi / 2 }
        static func bound(_ p: [Double]) -> Double? { 1 }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        /// `log sech² x = 2(log 2 − |x| − log1p(e^(−2|x|)))`.
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double {
            let a = abs(x)
            return 2 * (M_LN2 - a - log1p(exp(-2 * a)))
        }
    }
}
