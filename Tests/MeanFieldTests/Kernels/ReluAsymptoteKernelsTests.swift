import Testing
@testable import MeanField

/// The relu-asymptote split (`ReluAsymptoteKernels.swift`) for silu, softplus, mish, gelu_tanh and
/// logsigmoid at q ≥ 1: φ = relu + r, arc-cosine kernel plus residual integrals.
@Suite struct ReluAsymptoteKernelsTests {
    /// Against the extended-precision references of the full φ
    /// (`Tests/Generators/relu_asymptote/make_relu_asymptote_references.py`: nested Gauss–Legendre in
    /// x87 extended precision, self-checked by panel halving; the rows at c = ±(1 − 1e-12) also against
    /// mpmath's 1D value at c = ±1 plus its first-order term, `edge_check.txt`): every family, 16 rows each,
    /// (q1, q2) ∈ {(2.5, 1), (100, 400), (1e4, 1e4), (1, 1e4)}, c ∈ {−1 + 1e-12, −0.5, 0.5, 1 − 1e-12},
    /// within SPEC §2.
    @Test func matchesReferences() throws {
        let families = ["silu", "softplus", "mish", "gelu_tanh", "logsigmoid"]
        for family in families {
            #expect(reluAsymptoteReferences.filter { $0.activation == family }.count == 16, "\(family) rows")
        }
        for r in reluAsymptoteReferences where families.contains(r.activation) {
            let q12 = r.c * (r.q1 * r.q2).squareRoot()
            let context = "\(r.activation) q1=\(r.q1) c=\(r.c) q2=\(r.q2)"
            let pair = try #require(ReluAsymptoteKernels.pair(activation(r.activation), variance1: r.q1, covariance: q12, variance2: r.q2),
                                    "\(context)")
            expectClose(pair.kernel, r.kernel, .spec, "kernel " + context)
            expectClose(pair.derivative, r.derivative, .spec, "derivative " + context)
            // The kernels are symmetric in the two inputs: the swapped pair takes the other branch of the split.
            let swapped = try #require(ReluAsymptoteKernels.pair(activation(r.activation), variance1: r.q2, covariance: q12, variance2: r.q1))
            expectClose(swapped.kernel, r.kernel, .spec, "swapped kernel " + context)
            expectClose(swapped.derivative, r.derivative, .spec, "swapped derivative " + context)
            // Through the one kernel evaluator (the route every recursion takes).
            let routed = KernelEvaluator.pair(activation(r.activation), variance1: r.q1, covariance: q12, variance2: r.q2)
            expectClose(routed.0, r.kernel, .spec, "evaluator kernel " + context)
            expectClose(routed.1, r.derivative, .spec, "evaluator derivative " + context)
        }
    }

    /// Against the kink-aware nested quadrature of the whole plane where it converges (moderate q),
    /// softplus with beta = 2 (the variance scaling) included.
    @Test(arguments: ["silu", "softplus", "mish", "gelu_tanh", "logsigmoid", "softplus:beta=2"])
    func matchesQuadrature(spec: String) throws {
        try expectSplitMatchesQuadrature(spec, variances: [(1.0, 1.0), (3.0, 1.5), (1.2, 6.0), (10.0, 25.0)],
                                         split: ReluAsymptoteKernels.pair, routed: false)
    }

    /// At c = ±1 the kernels are 1D expectations: E[φ²], E[φ'²] at c = 1 and E[φ(z)φ(−z)],
    /// E[φ'(z)φ'(−z)] at c = −1, by the 1D kink-aware quadrature — up to q = 1e4.
    @Test(arguments: ["silu", "softplus", "mish", "gelu_tanh", "logsigmoid"], [1.0, 100.0, 1e4])
    func degenerateCorrelations(spec: String, q: Double) throws {
        let phi = activation(spec)
        let plus = try #require(ReluAsymptoteKernels.pair(phi, variance1: q, covariance: q, variance2: q))
        expectClose(plus.kernel, Gaussian.expectation(of: .secondMoment, phi, variance: q).value, .spec, "\(spec) q=\(q) c=1")
        expectClose(plus.derivative, Gaussian.expectation(of: .slopeSquared, phi, variance: q).value, .spec, "\(spec) q=\(q) c=1 φ'")
        let minus = try #require(ReluAsymptoteKernels.pair(phi, variance1: q, covariance: -q, variance2: q))
        let mirrored = KinkedFunction(featureScale: 1) { z in phi(z) * phi(-z) }
        let mirroredSlopes = KinkedFunction(featureScale: 1) { z in phi.evaluate(z, .first) * phi.evaluate(-z, .first) }
        expectClose(minus.kernel, Gaussian.expectation(mirrored, variance: q).value, .spec, "\(spec) q=\(q) c=-1")
        expectClose(minus.derivative, Gaussian.expectation(mirroredSlopes, variance: q).value, .spec, "\(spec) q=\(q) c=-1 φ'")
    }

    /// The evaluator takes the split for these activations at q ≥ 1 and not below, nor for others.
    @Test func evaluatorRoute() throws {
        let silu = activation("silu")
        let split = try #require(ReluAsymptoteKernels.pair(silu, variance1: 100, covariance: 30, variance2: 200))
        let pair = KernelEvaluator.pair(silu, variance1: 100, covariance: 30, variance2: 200)
        #expect(pair.0 == split.kernel && pair.1 == split.derivative)
        #expect(ReluAsymptoteKernels.pair(silu, variance1: 0.5, covariance: 0.1, variance2: 2) == nil)
        #expect(ReluAsymptoteKernels.pair(activation("tanh"), variance1: 100, covariance: 30, variance2: 200) == nil)
        #expect(ReluAsymptoteKernels.pair(activation("softplus:beta=0.5"), variance1: 2, covariance: 1, variance2: 2) == nil)
    }
}
