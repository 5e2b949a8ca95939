import Testing
@testable import MeanField

/// The sign-asymptote split (`SignAsymptoteKernels.swift`) for tanh and tanhshrink at q ≥ 1:
/// tanh = sgn + r, Sheppard's arcsine kernel plus residual integrals; tanhshrink from tanh by Stein's identity.
@Suite struct SignAsymptoteKernelsTests {
    static let families = ["tanh", "tanhshrink"]

    /// Against mpmath references of the full φ (`Tests/Generators/relu_asymptote/make_relu_asymptote_references.py
    /// run-edges`: the 1D expectation at c = ±1 by mp.quad at 30 digits plus the first-order term in 1 − |c|):
    /// 8 rows each, (q1, q2) ∈ {(2.5, 1), (100, 400), (1e4, 1e4), (1, 1e4)}, c = ±(1 − 1e-12), within SPEC §2;
    /// the swapped pair and the kernel evaluator too. (Interior c at large q: no committed reference yet —
    /// the nested extended-precision rows did not finish on the loaded machine; interior c is checked against
    /// the whole-plane quadrature at moderate q below.)
    @Test func matchesReferences() throws {
        for family in Self.families {
            #expect(reluAsymptoteReferences.filter { $0.activation == family }.count == 8, "\(family) rows")
        }
        for r in reluAsymptoteReferences where Self.families.contains(r.activation) {
            let q12 = r.c * (r.q1 * r.q2).squareRoot()
            let context = "\(r.activation) q1=\(r.q1) c=\(r.c) q2=\(r.q2)"
            let phi = activation(r.activation)
            let pair = try #require(SignAsymptoteKernels.pair(phi, variance1: r.q1, covariance: q12, variance2: r.q2), "\(context)")
            expectClose(pair.kernel, r.kernel, .spec, "kernel " + context)
            expectClose(pair.derivative, r.derivative, .spec, "derivative " + context)
            let swapped = try #require(SignAsymptoteKernels.pair(phi, variance1: r.q2, covariance: q12, variance2: r.q1))
            expectClose(swapped.kernel, r.kernel, .spec, "swapped kernel " + context)
            expectClose(swapped.derivative, r.derivative, .spec, "swapped derivative " + context)
            let routed = KernelEvaluator.pair(phi, variance1: r.q1, covariance: q12, variance2: r.q2)
            expectClose(routed.0, r.kernel, .spec, "evaluator kernel " + context)
            expectClose(routed.1, r.derivative, .spec, "evaluator derivative " + context)
        }
    }

    /// Against the kink-aware nested quadrature of the whole plane where it converges (moderate q).
    @Test(arguments: families)
    func matchesQuadrature(spec: String) throws {
        try expectSplitMatchesQuadrature(spec, variances: [(1.0, 1.0), (3.0, 1.5), (1.2, 6.0), (10.0, 25.0)], split: SignAsymptoteKernels.pair, routed: true)
    }

    /// At c = ±1 the kernels are 1D expectations (E[φ²], E[φ'²]; E[φ(z)φ(−z)] = −E[φ²] for these odd φ,
    /// E[φ'(z)φ'(−z)] = E[φ'²]), by the 1D kink-aware quadrature — up to q = 1e4; and the odd symmetry
    /// K(−c) = −K(c), D(−c) = D(c) at an interior c.
    @Test(arguments: families, [1.0, 100.0, 1e4])
    func degenerateCorrelations(spec: String, q: Double) throws {
        let phi = activation(spec)
        let second = Gaussian.expectation(of: .secondMoment, phi, variance: q).value
        let slopes = Gaussian.expectation(of: .slopeSquared, phi, variance: q).value
        let plus = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: q, variance2: q))
        expectClose(plus.kernel, second, .spec, "\(spec) q=\(q) c=1")
        expectClose(plus.derivative, slopes, .spec, "\(spec) q=\(q) c=1 φ'")
        let minus = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: -q, variance2: q))
        expectClose(minus.kernel, -second, .spec, "\(spec) q=\(q) c=-1")
        expectClose(minus.derivative, slopes, .spec, "\(spec) q=\(q) c=-1 φ'")
        let a = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: 0.3 * q, variance2: 2 * q))
        let b = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: -0.3 * q, variance2: 2 * q))
        expectClose(b.kernel, -a.kernel, .spec, "\(spec) q=\(q) odd")
        expectClose(b.derivative, a.derivative, .spec, "\(spec) q=\(q) even")
    }

    /// The evaluator takes the split for tanh and tanhshrink at q ≥ 1 and not below, nor for others
    /// (sigmoid, through tanh at half the argument, has its own test below).
    @Test func evaluatorRoute() throws {
        for spec in Self.families {
            let phi = activation(spec)
            let split = try #require(SignAsymptoteKernels.pair(phi, variance1: 100, covariance: 30, variance2: 200))
            let pair = KernelEvaluator.pair(phi, variance1: 100, covariance: 30, variance2: 200)
            #expect(pair.0 == split.kernel && pair.1 == split.derivative, "\(spec)")
            #expect(SignAsymptoteKernels.pair(phi, variance1: 0.5, covariance: 0.1, variance2: 2) == nil, "\(spec)")
        }
        #expect(SignAsymptoteKernels.pair(activation("softsign"), variance1: 100, covariance: 30, variance2: 200) == nil)
        #expect(SignAsymptoteKernels.pair(activation("erf"), variance1: 100, covariance: 30, variance2: 200) == nil)
    }

    /// sigmoid through tanh at half the argument (σ = (1 + tanh(x/2))/2) at q ≥ 4: against the whole-plane
    /// kink-aware quadrature at moderate q, against the 1D quadrature at c = ±1 up to q = 1e4
    /// (K(1) = E[σ²], K(−1) = E[σ(z)σ(−z)] = 1/2 − E[σ²], D(±1) = E[σ'²]), and the route's threshold.
    @Test func sigmoidThroughTanh() throws {
        try expectSplitMatchesQuadrature("sigmoid", variances: [(4.0, 4.0), (12.0, 6.0), (4.8, 24.0), (40.0, 100.0)], split: SignAsymptoteKernels.pair, routed: true)
        let phi = activation("sigmoid")
        for q in [4.0, 100.0, 1e4] {
            let second = Gaussian.expectation(of: .secondMoment, phi, variance: q).value
            let slopes = Gaussian.expectation(of: .slopeSquared, phi, variance: q).value
            let plus = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: q, variance2: q))
            let minus = try #require(SignAsymptoteKernels.pair(phi, variance1: q, covariance: -q, variance2: q))
            expectClose(plus.kernel, second, .spec, "K(1) q=\(q)")
            expectClose(minus.kernel, 0.5 - second, .spec, "K(-1) q=\(q)")
            expectClose(plus.derivative, slopes, .spec, "D(1) q=\(q)")
            expectClose(minus.derivative, slopes, .spec, "D(-1) q=\(q)")
        }
        #expect(SignAsymptoteKernels.pair(phi, variance1: 3.9, covariance: 1, variance2: 10) == nil)
        #expect(SignAsymptoteKernels.pair(activation("sigmoid:in_scale=2"), variance1: 10, covariance: 1, variance2: 10) == nil)
    }
}
