#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x` (x > 0), `alpha·(e^(x/alpha) − 1)` (x ≤ 0) ([Barron 2017]): C¹ for every alpha.
    ///
    /// [Barron 2017]: https://arxiv.org/abs/1704.07483
    enum Celu: ExponentialLinearDefinition {
        static let formula = "x if x > 0, alpha*(exp(x/alpha) - 1) if x <= 0"
        static let parameters: [Activation.Parameter] = [
            .init(name: "alpha", defaultValue: 1, domain: "alpha > 0", requiresPositive: true),
        ]
        static func form(_ p: [Double]) -> PiecewiseForm { PiecewiseForm(positiveSlope: 1, negative: .exponential(amplitude: p[0], rate: 1 / p[0])) }
        static func featureScale(_ p: [Double]) -> Double? { p[0] }
    }
}
