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
        /// `log sech² x = −2 log cosh x`, without cancellation at either end:
        /// ```
        /// |x| < 1:  −2 log1p(2 sinh²(x/2))               (cosh x = 1 + 2 sinh²(x/2); ≈ −x² as x → 0)
        /// |x| ≥ 1:  2(log 2 − |x| − log1p(e^(−2|x|)))
        /// ```
        /// (The second form alone cancels to ~1e-16 absolute near 0, where the value is ~x²: E[log φ']
        /// at q = 1e-6 was off by 6e-11 relative and its quadrature could not converge.)
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double {
            let a = abs(x)
            if a < 1 {
                let s = sinh(0.5 * a)
                return -2 * log1p(2 * s * s)
            }
            return 2 * (M_LN2 - a - log1p(exp(-2 * a)))
        }
    }
}
