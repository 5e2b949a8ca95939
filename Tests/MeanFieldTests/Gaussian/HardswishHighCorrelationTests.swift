import Testing
@testable import MeanField

/// hardswish's kernels at large variance and high correlation by the relu + compact-remainder split
/// (PiecewisePolynomialConditionalKernels.swift, issue #15 item 3): against the 50-digit mpmath references of
/// HardswishHighCorrelationReferences.swift (Tests/Generators/hardswish-high-correlation) at q ∈ {10, 1e2, 1e3, 1e4},
/// q1 ≠ q2, c from 0.6 to 1 − 1e-12 and −0.98, to 1e-12 *relative*; against the Φ₂ rectangles (and their
/// narrow-cell quadrature) and the nested 2D quadrature elsewhere; and that the kernel evaluator takes it.
@Suite("hardswish kernels at high correlation (relu + compact remainder)")
struct HardswishHighCorrelationTests {
    static let relative = Tolerance(relative: 1e-12)

    @Test("split vs mpmath, relative 1e-12, never declining at c > 0",
          arguments: Array(Set(hardswishHighCorrelationReferences.map(\.spec))).sorted())
    func references(spec: String) throws {
        let f = try #require(activation(spec).transformedPiecewisePolynomial)
        for r in hardswishHighCorrelationReferences where r.spec == spec {
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let context = "\(spec) \(r.orders) (\(r.variance1), \(r.variance2), \(r.correlation))"
            let split = PiecewisePolynomialConditionalKernels.pair(f, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            // At c = −0.98 and q ≥ 1e2 E[φφ] is small against E[relu relu] and the remainder terms, which
            // cancel: the split declines there (its bound is honest); at c > 0 it must answer.
            if r.correlation > 0 || r.variance1 * r.variance2 < 1e3 { #expect(split != nil, "\(context): declined") }
            guard let pair = split else { continue }
            expectClose(r.orders.0 == .value ? pair.kernel : pair.derivative, r.value, Self.relative, context)
            // The bound covers the actual error (up to the reference's own rounding to a double).
            let bounded = try #require(PiecewisePolynomialConditionalKernels.pairWithBounds(f, variance1: r.variance1, covariance: q12,
                                                                                            variance2: r.variance2))
            let t = r.orders.0 == .value ? bounded.kernel : bounded.derivative
            #expect(abs(t.value - r.value) <= t.error + 2 * Double.ulpOfOne * abs(r.value),
                    "\(context): error \(abs(t.value - r.value)) > bound \(t.error)")
            // At c > 0 the bound is relative (at c = −0.98, q = 10, E[φ'φ'] ≈ −0.011 is accepted by the
            // absolute floor 1e-14 of the scale, with an actual error of 1.6e-15 relative).
            if r.correlation > 0 { #expect(t.error <= 1e-13 * abs(r.value), "\(context): bound \(t.error) (accepted by the absolute floor only)") }
        }
    }

    @Test("the evaluator's route gives both kernels to 1e-12 relative",
          arguments: Array(Set(hardswishHighCorrelationReferences.map(\.spec))).sorted())
    func evaluator(spec: String) throws {
        let a = activation(spec)
        for r in hardswishHighCorrelationReferences where r.spec == spec {
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let context = "\(spec) \(r.orders) (\(r.variance1), \(r.variance2), \(r.correlation)) routed"
            // (at c = −0.98, q ≥ 1e2 no closed form answers: the kernel evaluator integrates)
            let pair = KernelEvaluator.closedFormPair(a, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            if r.correlation > 0 { #expect(pair != nil, "\(context): no closed form") }
            let value = pair.map { r.orders.0 == .value ? $0.kernel : $0.derivative }
                ?? Gaussian.expectation2D(r.orders.0, r.orders.1, a, variance1: r.variance1, covariance: q12, variance2: r.variance2).value
            expectClose(value, r.value, Self.relative, context)
        }
    }

    /// Where the Φ₂ rectangles (with their adaptive narrow cells) are accepted, the split agrees with them to
    /// their acceptance bound; q from 1 to 1e4, q1 ≠ q2, both signs of c, affine variants.
    @Test("split vs the Φ₂ rectangles",
          arguments: ["hardswish", "hardswish:in_shift=-0.4,out_shift=0.1", "hardswish:in_scale=-1.5", "hardswish:in_scale=2,in_shift=1,out_scale=0.5"])
    func againstRectangles(spec: String) throws {
        let a = activation(spec)
        let f = try #require(a.transformedPiecewisePolynomial)
        var compared = 0, answered = 0, total = 0
        for (q1, q2) in [(1.0, 1.0), (10.0, 10.0), (1e2, 1e2), (1e3, 1e3), (1e4, 1e4), (1e2, 1e3), (3e3, 40.0)] {
            for c in [0.2, 0.5, 0.9, 0.98, 0.997, 0.9999, 1 - 1e-9, -0.3, -0.9, -0.999] {
                let q12 = c * (q1 * q2).squareRoot()
                total += 1
                guard let split = PiecewisePolynomialConditionalKernels.pair(f, variance1: q1, covariance: q12, variance2: q2) else { continue }
                answered += 1
                guard let rectangles = a.piecewiseKernelPair(variance1: q1, covariance: q12, variance2: q2) else { continue }
                compared += 1
                let context = "\(spec) (\(q1), \(q2), \(c))"
                expectClose(split.kernel, rectangles.kernel, Tolerance(relative: 2e-13, absolute: 2e-14, absoluteBelow: 1), context + " kernel")
                expectClose(split.derivative, rectangles.derivative, Tolerance(relative: 2e-13, absolute: 2e-14, absoluteBelow: 1), context + " derivative")
            }
        }
        // At q ≥ 1e2 and c ≥ 0.5 (where the ntk recursions go) it must answer.
        #expect(answered >= total / 2, "\(spec): answered \(answered) of \(total)")
        #expect(compared >= 20, "\(spec): compared \(compared)")
    }

    @Test("split vs the nested 2D quadrature", arguments: ["hardswish", "hardswish:in_shift=-0.4,out_shift=0.1"])
    func againstQuadrature(spec: String) throws {
        let a = activation(spec)
        let f = try #require(a.transformedPiecewisePolynomial)
        for (q1, q2) in [(1e2, 1e2), (1e3, 2e2)] {
            for c in [0.6, 0.95, 0.98] {
                let q12 = c * (q1 * q2).squareRoot()
                let split = try #require(PiecewisePolynomialConditionalKernels.pair(f, variance1: q1, covariance: q12, variance2: q2),
                                         "\(spec) (\(q1), \(q2), \(c)) declined")
                for (order, value) in [(DerivativeOrder.value, split.kernel), (.first, split.derivative)] {
                    let nested = Gaussian.expectation2D(order, order, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    expectClose(value, nested.value, .spec, "\(spec) \(order) (\(q1), \(q2), \(c))")
                }
            }
        }
    }

    /// The Gauss–Legendre rules integrate x^(2n−1) exactly and have weights summing to 2.
    @Test("Gauss–Legendre rules")
    func rules() {
        for rule in [PiecewisePolynomialConditionalKernels.lowRule, PiecewisePolynomialConditionalKernels.highRule] {
            let n = rule.nodes.count
            expectClose(rule.weights.reduce(0, +), 2, Tolerance(relative: 1e-15))
            for k in stride(from: 0, through: 2 * n - 1, by: 1) {
                let exact = k % 2 == 1 ? 0 : 2 / Double(k + 1)
                let q = zip(rule.nodes, rule.weights).map { x, w in (0..<k).reduce(w) { p, _ in p * x } }.reduce(0, +)
                #expect(abs(q - exact) <= 1e-15, "n = \(n), x^\(k): \(q) vs \(exact)")
            }
        }
    }
}
