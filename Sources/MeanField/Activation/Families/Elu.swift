import Foundation

extension Families {
    /// `φ(x) = x` (x > 0), `alpha·(eˣ − 1)` (x ≤ 0) ([Clevert et al. 2015]); C¹ at 0 only for alpha = 1.
    ///
    /// [Clevert et al. 2015]: https://arxiv.org/abs/1511.07289
    enum Elu: ActivationDefinition {
        static let formula = "x if x > 0, alpha*(exp(x) - 1) if x <= 0"
        static let parameters: [Activation.Parameter] = [
            .init(name: "alpha", defaultValue: 1, domain: "alpha > 0", requiresPositive: true),
        ]
        static func form(_ p: [Double]) -> PiecewiseForm { PiecewiseForm(positiveSlope: 1, negative: .exponential(amplitude: p[0], rate: 1)) }
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double { exponentialLinear(x, order, form(p)) }
        static func kinks(_ p: [Double]) -> [Kink] { Kink.detected(at: [0]) { evaluate($0, $1, p) } }
        static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { form(p) }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: all moments (erfc)" }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double { exponentialLinearLogDerivative(x, form(p)) }
    }
}
