#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x` (x > 0), `alpha·(eˣ − 1)` (x ≤ 0) ([Clevert et al. 2015]); C¹ at 0 only for alpha = 1.
    ///
    /// [Clevert et al. 2015]: https://arxiv.org/abs/1511.07289
    enum Elu: ExponentialLinearDefinition {
        static let formula = "x if x > 0, alpha*(exp(x) - 1) if x <= 0"
        static let parameters: [Activation.Parameter] = [
            .init(name: "alpha", defaultValue: 1, domain: "alpha > 0", requiresPositive: true),
        ]
        static func form(_ p: [Double]) -> PiecewiseForm { PiecewiseForm(positiveSlope: 1, negative: .exponential(amplitude: p[0], rate: 1)) }
    }
}
