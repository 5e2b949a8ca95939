import Foundation
import Testing
@testable import MeanField

/// The Φ₂ closed forms of the piecewise-linear families (PiecewiseLinearKernels.swift) against the
/// nested kink-aware quadrature (`strategy: .quadrature`).
@Suite("Piecewise-linear bivariate closed forms")
struct PiecewiseLinearKernelTests {
    static let specs = ["hardtanh", "hardtanh:min=-0.5,max=2", "relu6", "hardsigmoid", "softshrink", "softshrink:lambda=2",
                        "abs", "relu", "leaky_relu:slope=0.2", "relu6:in_scale=2,in_shift=1", "hardtanh:in_shift=0.3,out_shift=-0.2,out_scale=1.5",
                        "relu:in_shift=1", "softshrink:in_scale=-0.7,in_shift=0.4"]

    @Test("closed forms agree with nested quadrature", arguments: specs)
    func agreesWithQuadrature(spec: String) {
        let a = activation(spec)
        var closed = 0, total = 0
        for (q1, q2) in [(1.0, 1.0), (0.3, 2.5), (1e-2, 1e-2), (30.0, 30.0), (1e-6, 1.0)] {
            for c in [0.0, 0.5, -0.5, 0.99, -0.99, 1 - 1e-12, -(1 - 1e-12), 1, -1] {
                let q12 = c * (q1 * q2).squareRoot()
                for (i, j) in [(DerivativeOrder.value, DerivativeOrder.value), (.first, .first), (.value, .first)] {
                    total += 1
                    guard let value = a.closedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2) else { continue }
                    closed += 1
                    let nested = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    expectClose(value, nested.value, .spec, "\(spec) \(i),\(j) (\(q1), \(q2), \(c))")
                }
            }
        }
        // The closed form declines (to quadrature) where its error bound exceeds 1e-13 of the value:
        // thin cells far from 0 in units of √q (hardtanh at q = 30), cancellation deep in a tail.
        // softshrink:lambda=2 at q ≤ 1e-2 sits 20σ deep: its pieces cancel there (as in 1D).
        let minimum = spec == "softshrink:lambda=2" ? total / 2 : total * 3 / 4
        #expect(closed >= minimum, "\(spec): closed form \(closed) of \(total)")
    }
}


/// The kernels of the piecewise-linear families against the mpmath references of
/// PiecewiseLinearKernelReferences.swift (Tests/Generators/pwl-kernels/make_pwl_kernel_references.py,
/// independent of Φ₂: a 1D quadrature over a closed-form conditional expectation), SPEC §2.
@Suite("Piecewise-linear kernels against mpmath")
struct PiecewiseLinearKernelReferenceTests {
    @Test("closed form and evaluator route vs mpmath", arguments: Array(Set(piecewiseLinearKernelReferences.map(\.spec))).sorted())
    func references(spec: String) {
        let a = activation(spec)
        var closed = 0, total = 0
        for r in piecewiseLinearKernelReferences where r.spec == spec {
            total += 1
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let context = "\(spec) \(r.orders) (\(r.variance1), \(r.variance2), \(r.correlation))"
            if let value = a.closedFormBivariate(r.orders.0, r.orders.1, variance1: r.variance1, covariance: q12, variance2: r.variance2) {
                closed += 1
                expectClose(value, r.value, .spec, context + " closed form")
            }
            // What every recursion gets (closed form, else the semi-closed or nested quadrature).
            let routed = Gaussian.expectation2D(r.orders.0, r.orders.1, a, variance1: r.variance1, covariance: q12, variance2: r.variance2)
            expectClose(routed.value, r.value, .spec, context + " (\(routed.method))")
        }
        #expect(closed >= total / 2, "\(spec): closed form \(closed) of \(total)")
    }
}
