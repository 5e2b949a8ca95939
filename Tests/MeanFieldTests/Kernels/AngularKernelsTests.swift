import Foundation
import Testing
@testable import MeanField

/// The Chebyshev-in-θ kernels against the exact 2D engine, for the activations that take that
/// route in the NTK recursion, over variances from 1e-3 to 1e2 and correlations up to ±(1 − 1e-9).
@Suite struct AngularKernelsTests {
    static let correlations: [Double] = [-1, -0.999999999, -0.99, -0.7, -0.3, 0, 0.1, 0.5, 0.9, 0.9999, 0.999999999, 1]

    /// The kinked families at q = 1e-3 … 1e3 (relu through its closed form: the θ-analyticity
    /// argument's plainest case); tanh and softplus where their Hermite series is not certified
    /// and the slow nested 2D quadrature supplies the samples.
    static let cases: [(String, Double)] =
        ["elu", "elu:alpha=0.5", "selu", "celu:alpha=2", "relu"].flatMap { spec in [1e-3, 1.0, 30.0, 1000.0].map { (spec, $0) } }
        + [("tanh", 30.0), ("softplus", 1e-3)]

    @Test(arguments: cases)
    func agreesWithExactEngine(spec: String, q: Double) throws {
        let a = activation(spec)
        let table = try #require(AngularKernels(a, variance: q))
        #expect(table.errorEstimate.kernel <= 1e-13 && table.errorEstimate.derivative <= 1e-13)
        let k1 = Gaussian.expectation(of: .secondMoment, a, variance: q).value
        let d1 = Gaussian.expectation(of: .slopeSquared, a, variance: q).value
        for requested in Self.correlations {
            // The correlation the engine sees, (c·q)/q: next to c = ±1 the kernels of a kinked φ' move
            // by ~1e-13 when c moves by one ulp, so both sides are taken at the same c.
            let c = max(-1, min(1, (requested * q) / q))
            let k = Gaussian.expectation2D(.value, .value, a, variance1: q, covariance: c * q, variance2: q).value
            let d = Gaussian.expectation2D(.first, .first, a, variance1: q, covariance: c * q, variance2: q).value
            // Relative to the kernel's scale K(1) = E[φ²] ≥ |K(c)| (Cauchy–Schwarz), like the engine's own tolerance.
            expectClose(table.kernel(c), k, .absolute(1e-13 * k1), "\(spec) q=\(q) c=\(c) kernel")
            expectClose(table.derivativeKernel(c), d, .absolute(1e-13 * d1), "\(spec) q=\(q) c=\(c) derivative")
        }
    }
}
