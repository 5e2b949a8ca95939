import Foundation
import Testing
@testable import MeanField

/// Model B's depth sweep for the exponential family takes both off-diagonal kernels of a row from one
/// evaluation of the tilted-orthant closed form (issue #15 W2): the same numbers as the previous
/// route, which asked ``CorrelationKernels`` for each kernel separately.
@Suite("Depth sweep: one closed-form kernel pair per row")
struct DepthSweepKernelPairTests {
    /// The recursion as it was before: `kernel(c)` for the next layer's q12 and `derivativeKernel(c)`
    /// for this row's χ_c, each its own closed-form (or quadrature) evaluation.
    static func previousRoute(_ a: Activation, q0: Double, c0: Double, weights: GaussianWeights, layers: Int) -> [SignalPropagationRow] {
        var rows: [SignalPropagationRow] = []
        var q = q0, c = max(-1, min(1, c0)), q12 = c * q0
        var kernels = CorrelationKernels(a, variance: q)
        for layer in 0...layers {
            if layer > 0 {
                let nextQ = weights.sigmaW2 * kernels.kernel(1) + weights.sigmaB2
                let nextQ12 = c == 1 ? nextQ : weights.sigmaW2 * kernels.kernel(c) + weights.sigmaB2
                q = nextQ
                q12 = nextQ12
                c = q == 0 ? 1 : max(-1, min(1, q12 / q))
                guard q.isFinite, q12.isFinite else { return rows }
                kernels = CorrelationKernels(a, variance: q)
            }
            let mean = Gaussian.expectation(of: .mean, a, variance: q).value
            let row = SignalPropagationRow(layer: layer, q: q, q12: q12, c: c, activationMean: mean,
                                           activationVariance: max(0, kernels.kernel(1) - mean * mean),
                                           chi1: weights.sigmaW2 * kernels.derivativeKernel(1), chiC: weights.sigmaW2 * kernels.derivativeKernel(c))
            guard row.activationMean.isFinite, row.activationVariance.isFinite, row.chi1.isFinite, row.chiC.isFinite else { return rows }
            rows.append(row)
        }
        return rows
    }

    /// elu, selu, celu at the variance-preserving point (the W2 workload), in the chaotic and ordered
    /// phases, from c0 = −1, 0.5, 0.99 and 1, and into small variances where the closed form declines
    /// (k√q < 0.2: the per-kernel route is kept there): every column within 1e-13 relative
    /// (1e-15 absolute below 1e-2) of the previous route, row for row.
    @Test func sameNumbersAsThePreviousRoute() throws {
        let cases: [(spec: String, w2: Double, b2: Double, q0: Double, c0: Double, layers: Int)] = [
            ("elu", 1.5505188080679275, 0, 1, 0.5, 200),
            ("selu", 1, 0, 1, 0.5, 200),
            ("celu:alpha=0.5", 2, 0.1, 1, -1, 40),
            ("elu", 2, 0.1, 1, 0.99, 40),
            ("elu:alpha=0.3", 3, 0, 0.7, 1, 20),
            ("selu", 0.6, 0, 1, 0.2, 60),          // ordered: q shrinks through k√q = 0.2
            ("elu", 0.9, 0.001, 2, -0.4, 60),
        ]
        let tolerance = Tolerance(relative: 1e-13, absolute: 1e-15, absoluteBelow: 1e-2)
        var compared = 0
        for t in cases {
            let a = activation(t.spec), weights = GaussianWeights(sigmaW2: t.w2, sigmaB2: t.b2)
            let sweep = SignalPropagation.depthSweep(a, q0: t.q0, c0: t.c0, weights: weights, layers: t.layers)
            let previous = Self.previousRoute(a, q0: t.q0, c0: t.c0, weights: weights, layers: t.layers)
            #expect(sweep.rows.count == previous.count && sweep.rows.count == t.layers + 1, "\(t)")
            for (new, old) in zip(sweep.rows, previous) {
                for (name, x, y) in [("q", new.q, old.q), ("q12", new.q12, old.q12), ("c", new.c, old.c),
                                     ("mean", new.activationMean, old.activationMean), ("var", new.activationVariance, old.activationVariance),
                                     ("chi1", new.chi1, old.chi1), ("chi_c", new.chiC, old.chiC)] {
                    expectClose(x, y, tolerance, "\(t.spec) w2 \(t.w2) c0 \(t.c0) layer \(new.layer) \(name)")
                }
                compared += 1
            }
        }
        #expect(compared == 201 + 201 + 41 + 41 + 21 + 61 + 61)
    }

    /// The pair is what the closed form gives for both kernels at once; it is not taken at c = 1,
    /// for other activations, or where the value kernel's closed form declines (k√q < 0.2).
    @Test func takenOnlyWhereTheClosedFormServesBothKernels() throws {
        let elu = CorrelationKernels(activation("elu"), variance: 1)
        let pair = try #require(SignalPropagation.sharedKernelPair(elu, correlation: 0.3))
        expectClose(pair.kernel, elu.kernel(0.3), .relative(1e-14))
        expectClose(pair.derivative, elu.derivativeKernel(0.3), .relative(1e-14))
        #expect(SignalPropagation.sharedKernelPair(elu, correlation: 1) == nil)
        #expect(SignalPropagation.sharedKernelPair(CorrelationKernels(activation("elu"), variance: 0.03), correlation: 0.3) == nil)
        #expect(SignalPropagation.sharedKernelPair(CorrelationKernels(activation("relu"), variance: 1), correlation: 0.3) == nil)
        #expect(SignalPropagation.sharedKernelPair(CorrelationKernels(activation("tanh"), variance: 1), correlation: 0.3) == nil)
    }
}
