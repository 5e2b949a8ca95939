#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x·tanh(softplus(x))` (PyTorch's `Mish`, [Misra 2019]). With w = (1 + eˣ)² − 1,
    /// `tanh(softplus x) = w/(w + 2)` and `sech²(softplus x) = 4(w + 1)/(w + 2)²` — rational in eˣ, so
    /// the nearest poles are at eˣ = −1 ± i, x = log√2 ± 3πi/4.
    ///
    /// ```
    /// φ' = t + x·sech²·σ(x),   φ'' = sech²·(2σ + x(σ' − 2tσ²)),   t = tanh(softplus x)
    /// ```
    ///
    /// [Misra 2019]: https://arxiv.org/abs/1908.08681
    enum Mish: ActivationDefinition {
        static let formula = "x*tanh(softplus(x))"
        /// `(tanh(softplus x), sech²(softplus x))`, without overflow or cancellation.
        @inline(__always)
        static func inner(_ x: Double) -> (Double, Double) {
            if x <= 0 {
                let e = exp(x), w = e * (e + 2)
                return (w / (w + 2), 4 * (w + 1) / ((w + 2) * (w + 2)))
            }
            let v = exp(-x), d = 1 + 2 * v + 2 * v * v
            return ((1 + 2 * v) / d, 4 * (1 + v) * (1 + v) * v * v / (d * d))
        }
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let (t, sech2) = inner(x)
            switch order {
            case .value: return x * t
            case .first: return t + x * sech2 * logistic(x)
            case .second:
                let s = logistic(x)
                return sech2 * (2 * s + x * (logisticDerivative(x) - 2 * t * s * s))
            }
        }
        static func poleDistance(_ p: [Double]) -> Double? { 0.75 * Double.pi }
    }
}
