import Testing
@testable import MeanField

/// hardswish's bivariate closed forms (PiecewisePolynomialKernels.swift: Φ₂ rectangles and Stein
/// recursions for the truncated moments of degree ≤ 2) against the mpmath references of
/// HardswishKernelReferences.swift (Tests/Generators/hardswish-kernels/make_hardswish_kernel_references.py)
/// and against the nested kink-aware quadrature, SPEC §2.
@Suite("hardswish bivariate closed forms")
struct HardswishKernelTests {
    @Test("closed form vs mpmath", arguments: Array(Set(hardswishKernelReferences.map(\.spec))).sorted())
    func references(spec: String) {
        let a = activation(spec)
        var closed = 0, total = 0
        for r in hardswishKernelReferences where r.spec == spec {
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let context = "\(spec) \(r.orders) (\(r.variance1), \(r.variance2), \(r.correlation))"
            total += 1
            let value = a.closedFormBivariate(r.orders.0, r.orders.1, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            if let value {
                closed += 1
                expectClose(value, r.value, .spec, context + " closed form")
            }
            let routed = Gaussian.expectation2D(r.orders.0, r.orders.1, a, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            expectClose(routed.value, r.value, .spec, context + " (\(routed.method))")
        }
        // The closed form declines (to quadrature) where its rounding-error bound exceeds 1e-13 of
        // the value; it must still serve at least a third of the cases.
        #expect(closed >= total / 3, "\(spec): closed form \(closed) of \(total)")
    }

    @Test("closed form agrees with nested quadrature", arguments: ["hardswish", "hardswish:in_shift=-0.4,out_shift=0.1", "hardswish:in_scale=-1.5"])
    func againstQuadrature(spec: String) {
        let a = activation(spec)
        var closed = 0
        for (q1, q2) in [(1.0, 1.0), (0.3, 2.5), (30.0, 30.0), (4.0, 0.05)] {
            for c in [0.0, 0.5, -0.5, 0.95, -0.95, 1 - 1e-12, 1, -1] {
                let q12 = c * (q1 * q2).squareRoot()
                for (i, j) in [(DerivativeOrder.value, DerivativeOrder.value), (.first, .first), (.value, .first)] {
                    guard let value = a.closedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2) else { continue }
                    closed += 1
                    let nested = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    expectClose(value, nested.value, .spec, "\(spec) \(i),\(j) (\(q1), \(q2), \(c))")
                }
            }
        }
        #expect(closed >= 32, "\(spec): closed form \(closed) of 96")
    }

    @Test("c = 1 gives the 1D moments E[phi^2], E[phi'^2]")
    func diagonal() {
        let a = activation("hardswish")
        for q in [1e-6, 0.5, 9.0, 1e4] {
            let pair = KernelEvaluator.closedFormPair(a, variance1: q, covariance: q, variance2: q)
            if q <= 9 { #expect(pair != nil, "q = \(q)") }
            if let pair, let second = a.closedFormExpectation(.value, .value, mean: 0, variance: q),
               let slope = a.closedFormExpectation(.first, .first, mean: 0, variance: q) {
                expectClose(pair.kernel, second, .spec, "E[phi^2] q = \(q)")
                expectClose(pair.derivative, slope, .spec, "E[phi'^2] q = \(q)")
            }
        }
    }
}
