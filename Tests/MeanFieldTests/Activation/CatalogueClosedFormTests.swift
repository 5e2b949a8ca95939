import Foundation
import Testing
@testable import MeanField

/// Closed forms of the new families against the kink-aware quadrature path, and against the
/// mpmath references of CatalogueReferences.swift (Tests/Generators/activations/gaussian_references.py).
@Suite("Catalogue closed forms and references")
struct CatalogueClosedFormTests {
    static let closedFormSpecs = ["hardtanh", "hardtanh:min=-2,max=0.5", "relu6", "hardsigmoid", "hardswish",
                                  "softshrink", "softshrink:lambda=2", "abs", "sin", "relu6:in_scale=2,in_shift=1"]

    @Test("1D closed forms agree with quadrature (SPEC §2)", arguments: closedFormSpecs)
    func closedFormsAgreeWithQuadrature(spec: String) {
        let a = activation(spec)
        var closed = 0
        for q in [1e-6, 1e-2, 1.0, 30.0, 1e4] {
            for m in [0.0, 0.37, -2.5, 6.2] {
                for moment in [Moment.mean, .secondMoment, .slope, .slopeSquared, .valueTimesSlope, .curvature] {
                    let automatic = Gaussian.expectation(of: moment, a, mean: m, variance: q)
                    if automatic.method == .closedForm { closed += 1 }
                    let quadrature = Gaussian.expectation(of: moment, a, mean: m, variance: q, strategy: .quadrature)
                    expectClose(automatic.value, quadrature.value, .spec, "\(spec) \(moment) m=\(m) q=\(q) (\(automatic.method))")
                }
            }
        }
        // The closed form is the route taken mostly: it declines (to quadrature) where its error
        // bound exceeds 1e-13 of the value — values that are 0 by symmetry (E[hardtanh] at m = 0)
        // or that cancel between pieces far in a tail.
        #expect(closed >= 80, "\(spec): closed form taken \(closed) of 120 times")
    }

    @Test func sineBivariateClosedForms() {
        let a = activation("sin")
        for (q1, q2, c) in [(1.0, 1.0, 0.5), (0.3, 2.0, -0.9), (4.0, 4.0, 1.0), (2.0, 0.5, 0.0), (1e-3, 1e-3, 0.99)] {
            let q12 = c * (q1 * q2).squareRoot()
            for (i, j) in [(DerivativeOrder.value, DerivativeOrder.value), (.first, .first), (.value, .first)] {
                let closed = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2)
                #expect(closed.method == .closedForm)
                let nested = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                expectClose(closed.value, nested.value, .spec, "sin \(i),\(j) at (\(q1), \(q2), \(c))")
            }
        }
        // E[sin u sin v] at q = 1e4, c = 1: e^(−q) sinh(q) = (1 − e^(−2q))/2 without overflow.
        expectClose(Gaussian.expectation2D(.value, .value, a, variance1: 1e4, covariance: 1e4, variance2: 1e4).value, 0.5)
    }

    @Test("1D moments against mpmath (SPEC §2)", arguments: Array(Set(catalogueReferences1D.map(\.spec))).sorted())
    func oneDimensionalReferences(spec: String) {
        let a = activation(spec)
        for r in catalogueReferences1D where r.spec == spec {
            let value = Gaussian.expectation(of: r.moment, a, mean: r.mean, variance: r.variance)
            expectClose(value.value, r.value, .spec, "\(spec) \(r.moment) m=\(r.mean) q=\(r.variance) (\(value.method))")
        }
    }

    @Test("2D kernels against mpmath (SPEC §2)", arguments: Array(Set(catalogueReferences2D.map(\.spec))).sorted())
    func twoDimensionalReferences(spec: String) {
        let a = activation(spec)
        for r in catalogueReferences2D where r.spec == spec {
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let value = Gaussian.expectation2D(r.orders.0, r.orders.1, a, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            expectClose(value.value, r.value, .spec, "\(spec) \(r.orders) (\(r.variance1), \(r.variance2), \(r.correlation)) (\(value.method))")
        }
    }
}
