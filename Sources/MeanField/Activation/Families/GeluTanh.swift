#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// PyTorch's `GELU(approximate='tanh')` (GPT-2's GELU):
    ///
    /// ```
    /// φ = x/2·(1 + tanh u) = x σ(2u),   u = √(2/π)(x + 0.044715 x³)
    /// φ' = σ(2u) + 2x σ'(2u) u'
    /// φ'' = 4σ'(2u) u' + x (2σ'(2u) u'' − 4σ'(2u) tanh(u) u'²),   u' = √(2/π)(1 + 3·0.044715 x²), u'' = 6·0.044715·√(2/π) x
    /// ```
    /// (σ(2u) instead of (1 + tanh u)/2: no cancellation for x ≪ 0). Nearest poles (tanh u = ∞ at
    /// u = ±iπ/2) at x = ±0.6344 ± 2.7548i.
    enum GeluTanh: ActivationDefinition {
        static let formula = "x/2*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3)))"
        static let k = 0.7978845608028654, a = 0.044715
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let u = k * (x + a * x * x * x)
            let s = logistic(2 * u)
            if order == .value { return x * s }
            let ds = logisticDerivative(2 * u), du = k * (1 + 3 * a * x * x)
            // Far out (|x| ≳ 10): σ'(2u) underflows to 0 first; u' and u'' may overflow with x³.
            if ds == 0 { return order == .first ? s : 0 }
            if order == .first { return s + 2 * x * ds * du }
            let d2u = 6 * a * k * x
            return 4 * ds * du + x * (2 * ds * d2u - 4 * ds * Tanh.tanhAndSech2(u).0 * du * du)
        }
        static func poleDistance(_ p: [Double]) -> Double? { 2.754770601637983 }
    }
}
