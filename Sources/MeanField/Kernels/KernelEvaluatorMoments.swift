/// The 1D moments' routes (the diagonal of the kernels), kept beside the bivariate ones so that every
/// route choice and threshold lives in ``KernelEvaluator``: before issue #15 item 2 these two were
/// private choices of `SignalPropagation` (`secondMomentSearch` and `phasePoint`'s moment helper).
extension KernelEvaluator {
    /// `E_q[φ^(i) φ^(j)]` for the statistics reported at one variance (``SignalPropagation/phasePoint(_:weights:q0:)``'s
    /// χ₁ and ξ_q): the 400-point Gauss–Hermite rule where its calibrated error bound is below 1e-16
    /// (``HermiteRule/smoothExpectation(_:_:variance:)``: smooth standard families, q ≤ 0.748 × (pole
    /// distance)²), else the exact engine (closed forms, kink-aware quadrature).
    static func moment(_ moment: Moment, _ activation: Activation, variance q: Double) -> Double {
        HermiteRule.smoothExpectation(moment, activation, variance: q) ?? Gaussian.expectation(of: moment, activation, variance: q).value
    }

    /// A fast evaluator of `E_q[φ²]` for the length map's bracketing searches
    /// (``SignalPropagation/lengthFixedPoint(_:weights:from:)``, ``SignalPropagation/lengthBasinBoundary(_:weights:from:stable:)``):
    /// the exact engine where φ has kinks or a 1D closed form, else the 400-point Gauss–Hermite rule
    /// (the searches verify their root against the exact map at the end).
    static func secondMomentSearch(_ activation: Activation) -> (Double) -> Double {
        let exact: (Double) -> Double = { Gaussian.expectation(of: .secondMoment, activation, variance: $0).value }
        guard activation.kinks.isEmpty, activation.closedFormExpectation(.value, .value, mean: 0, variance: 1) == nil,
              HermiteRule.standard.isAvailable else {
            return exact
        }
        let rule = HermiteRule.standard
        return { q in
            let s = q.squareRoot()
            return rule.expectation { z in let v = activation(s * z); return v * v }
        }
    }
}
