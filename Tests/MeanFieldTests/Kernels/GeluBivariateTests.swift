import Testing
@testable import MeanField

/// The exact GELU's bivariate closed form (neural-tangents' `stax.Gelu`; `GeluBivariate.swift`).
@Suite struct GeluBivariateTests {
    /// Against the 30-digit mpmath references (`Tests/Generators/gelu/make_gelu_references.py`), q1 ≠ q2
    /// included, q ∈ [1e-6, 1e4], c up to ±(1 − 1e-12): the closed form within SPEC §2 wherever it
    /// answers, and the evaluator (closed form, or the exact 2D engine where the form declines) everywhere.
    @Test func matchesMpmathReferences() {
        let gelu = activation("gelu")
        var declined = 0
        for r in geluKernelReferences {
            let context = "\(r.orders) q1=\(r.variance1) q12=\(r.covariance) q2=\(r.variance2)"
            if let closed = gelu.closedFormBivariate(r.orders.0, r.orders.1, variance1: r.variance1, covariance: r.covariance,
                                                     variance2: r.variance2) {
                expectClose(closed, r.value, .spec, "closed form " + context)
            } else {
                declined += 1
                let exact = Gaussian.expectation2D(r.orders.0, r.orders.1, gelu, variance1: r.variance1, covariance: r.covariance,
                                                   variance2: r.variance2).value
                expectClose(exact, r.value, .spec, "2D engine " + context)
            }
        }
        // It declines only where its terms cancel (c → −1 at large q): a small minority.
        #expect(geluKernelReferences.count >= 120 && declined * 10 < geluKernelReferences.count, "declined \(declined)")
    }

    /// Against the kink-aware nested quadrature at unequal variances.
    @Test(arguments: [(0.3, 2.0), (1.0, 1.0), (5.0, 0.7)], [-0.95, -0.3, 0.4, 0.97])
    func matchesQuadrature(variances: (Double, Double), c: Double) throws {
        let gelu = activation("gelu")
        let (q1, q2) = variances
        let q12 = c * (q1 * q2).squareRoot()
        for orders in [(DerivativeOrder.value, DerivativeOrder.value), (.first, .first)] {
            let closed = try #require(gelu.closedFormBivariate(orders.0, orders.1, variance1: q1, covariance: q12, variance2: q2))
            let numeric = Gaussian.expectation2D(orders.0, orders.1, gelu, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
            expectClose(closed, numeric.value, .spec, "\(orders) q1=\(q1) q2=\(q2) c=\(c)")
        }
    }

    /// The NTK recursion takes it (route `.closedForm`), and matches nested quadrature through 4 layers.
    @Test func ntkTakesTheClosedForm() {
        let gelu = activation("gelu")
        let weights = GaussianWeights(sigmaW2: 2, sigmaB2: 0.1)
        let c0s = [-0.8, -0.2, 0.5, 0.95]
        let fast = NeuralTangents.twoInputs(gelu, q0: 2, c0s: c0s, weights: weights, layers: 4)
        let exact = NeuralTangents.twoInputs(gelu, q0: 2, c0s: c0s, weights: weights, layers: 4, strategy: .quadrature)
        #expect(fast.routes == [.closedForm] && exact.routes == [.direct])
        NeuralTangentsTests.expectRowsClose(fast.rows, exact.rows, relative: 1e-12, "gelu")
    }
}
