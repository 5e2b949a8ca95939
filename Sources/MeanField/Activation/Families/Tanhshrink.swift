#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x − tanh(x)` (PyTorch's `Tanhshrink`); poles at ±iπ/2. Below |x| = 0.5 from its
    /// Taylor series (x − tanh x = Σ_{n≥2} −2²ⁿ(2²ⁿ − 1)B₂ₙ x²ⁿ⁻¹/(2n)!, 22 terms; the difference
    /// would lose up to all digits near 0).
    ///
    /// ```
    /// φ' = tanh²(x),   φ'' = 2 tanh(x) sech²(x)
    /// ```
    enum Tanhshrink: ActivationDefinition {
        static let formula = "x - tanh(x)"
        /// Coefficients of x³, x⁵, … (mpmath, 30 digits, rounded).
        static let series: [Double] = [
            0.3333333333333333, -0.13333333333333333, 0.05396825396825397, -0.021869488536155203,
            0.008863235529902197, -0.003592128036572481, 0.0014558343870513183, -0.000590027440945586,
            0.00023912911424355248, -9.691537956929451e-05, 3.927832388331683e-05, -1.5918905069328964e-05,
            6.451689215655431e-06, -2.6147711512907546e-06, 1.0597268320104654e-06, -4.294911078273806e-07,
            1.7406618963571648e-07, -7.054636946400968e-08, 2.859136662305254e-08, -1.1587644432798853e-08,
            4.6962953982309016e-09, -1.903336833931276e-09,
        ]
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let (t, sech2) = Tanh.tanhAndSech2(x)
            switch order {
            case .value:
                guard abs(x) < 0.5 else { return x - t }
                let x2 = x * x
                return x * x2 * series.reversed().reduce(0) { $0 * x2 + $1 }
            case .first: return t * t
            case .second: return 2 * t * sech2
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { Double.pi / 2 }
    }
}
