#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = lambda·elu_alpha(x)` ([Klambauer et al. 2017]), defaults λ01, α01.
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    enum Selu: ExponentialLinearDefinition {
        static let formula = "lambda*elu_alpha(x)"
        static let parameters: [Activation.Parameter] = [
            .init(name: "lambda", defaultValue: selfNormalizingLambda01, domain: "lambda > 0", requiresPositive: true),
            .init(name: "alpha", defaultValue: selfNormalizingAlpha01, domain: "alpha > 0", requiresPositive: true),
        ]
        static func form(_ p: [Double]) -> PiecewiseForm {
            PiecewiseForm(positiveSlope: p[0], negative: .exponential(amplitude: p[0] * p[1], rate: 1))
        }
    }
}
