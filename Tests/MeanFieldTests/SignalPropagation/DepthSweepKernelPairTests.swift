import Foundation
import Testing
@testable import MeanField

/// Model B's depth sweep for the exponential family takes both off-diagonal kernels of a row from one
/// evaluation of ``KernelEvaluator``'s closed-form pair (issue #15 W2b: five Φ₂ by Drezner–Wesolowsky
/// inside its box, else the tilted-orthant integrals), checked against the exact trajectories and
/// kernels of Tests/Generators/depth-sweep-pair/make_depth_sweep_references.py (32-digit mpmath), and
/// against the independent per-kernel tilted-orthant route.
@Suite("Depth sweep: one closed-form kernel pair per row")
struct DepthSweepKernelPairTests {
    /// The recursion with each kernel taken separately from the tilted-orthant closed form
    /// (`Gaussian.expectation2D`: `kernel(c)` for the next layer's q12, `derivativeKernel(c)` for this
    /// row's χ_c), which is not the route the sweep takes in the Drezner–Wesolowsky box.
    static func perKernelRoute(_ a: Activation, q0: Double, c0: Double, weights: GaussianWeights, layers: Int) -> [SignalPropagationRow] {
        var rows: [SignalPropagationRow] = []
        var q = q0, c = max(-1, min(1, c0)), q12 = c * q0
        func second(_ q: Double) -> Double { Gaussian.expectation(of: .secondMoment, a, variance: q).value }
        func kernel(_ i: DerivativeOrder, _ q: Double, _ c: Double) -> Double {
            c == 1 ? Gaussian.expectation(of: i == .value ? .secondMoment : .slopeSquared, a, variance: q).value
                   : Gaussian.expectation2D(i, i, a, variance1: q, covariance: c * q, variance2: q).value
        }
        for layer in 0...layers {
            if layer > 0 {
                let nextQ = weights.sigmaW2 * second(q) + weights.sigmaB2
                let nextQ12 = c == 1 ? nextQ : weights.sigmaW2 * kernel(.value, q, c) + weights.sigmaB2
                q = nextQ
                q12 = nextQ12
                c = q == 0 ? 1 : max(-1, min(1, q12 / q))
                guard q.isFinite, q12.isFinite else { return rows }
            }
            let mean = Gaussian.expectation(of: .mean, a, variance: q).value
            let row = SignalPropagationRow(layer: layer, q: q, q12: q12, c: c, activationMean: mean,
                                           activationVariance: max(0, second(q) - mean * mean),
                                           chi1: weights.sigmaW2 * kernel(.first, q, 1), chiC: weights.sigmaW2 * kernel(.first, q, c))
            guard row.activationMean.isFinite, row.activationVariance.isFinite, row.chi1.isFinite, row.chiC.isFinite else { return rows }
            rows.append(row)
        }
        return rows
    }

    /// The W2b sweeps (elu, selu at their variance-preserving σw², q0 = 1, c0 = 0.5, 200 layers) and an
    /// ordered elu sweep whose c crosses 0 (σw² = 0.9, σb² = 0.001, q0 = 2, c0 = −0.4, 60 layers) against
    /// the exact trajectories: q and χ_c within 1e-13 relative; q12 and c, which fall towards c* = 0
    /// (selu: 0.0019 at layer 200), within 1e-14 absolute (SPEC §2's figure; relative to q ≈ 1, their
    /// scale). Each layer adds the kernel's rounding (~1e-16 of E[φ²]) and the map's slope χ_c ≈ 0.97
    /// keeps ~30 layers of it: selu's c is 5.2e-15 off at worst (the per-kernel tilted-orthant route:
    /// 3.0e-15), elu's 1.4e-15 (per-kernel: 3.4e-15); the ordered sweep's 1.6e-15 at c = −1.7e-4 (per-kernel 2.0e-15 at layer 8).
    @Test func againstTheExactTrajectories() throws {
        let relative = Tolerance.relative(1e-13), absolute = Tolerance.absolute(1e-14)
        for reference in depthSweepReferences {
            let spec = reference.spec == "selu" ? "selu:lambda=1.0507009873554805,alpha=1.6732632423543772" : reference.spec
            let sweep = SignalPropagation.depthSweep(activation(spec), q0: reference.q0, c0: reference.c0,
                                                     weights: GaussianWeights(sigmaW2: reference.sigmaW2, sigmaB2: reference.sigmaB2),
                                                     layers: reference.rows.count - 1)
            #expect(sweep.rows.count == reference.rows.count)
            for (row, exact) in zip(sweep.rows, reference.rows) {
                #expect(row.layer == exact.layer)
                for (name, x, y, tolerance) in [("q", row.q, exact.q, relative), ("q12", row.q12, exact.q12, absolute),
                                                ("c", row.c, exact.c, absolute), ("chi_c", row.chiC, exact.chiC, relative)] {
                    expectClose(x, y, tolerance, "\(reference.spec) w2 \(reference.sigmaW2) layer \(row.layer) \(name)")
                }
            }
        }
    }

    /// The pair the sweep takes (``CorrelationKernels/pair(_:)``, i.e. ``KernelEvaluator``'s route)
    /// against the exact kernels at every tenth layer's (q, c) of the W2b sweeps and on a grid
    /// q ∈ {0.05, …, 15}, c from −0.9 to 0.9 with ten points in |c| ≤ 0.03 (and celu:alpha=0.5):
    /// E[φφ] within 1e-14 of its scale E_q[φ²] (measured 3.7e-15; it vanishes at c = 0 for selu),
    /// E[φ'φ'] within 1e-14 relative (measured 7.0e-15, at q = 15, c = −0.5; 4.3e-16 at the sweep's points).
    @Test func pairAgainstTheExactKernels() throws {
        #expect(kernelPairReferences.count == 212)
        for reference in kernelPairReferences {
            let spec = reference.spec == "selu" ? "selu:lambda=1.0507009873554805,alpha=1.6732632423543772" : reference.spec
            let a = activation(spec), q = reference.variance
            let pair = CorrelationKernels(a, variance: q).pair(reference.correlation)
            let scale = Gaussian.expectation(of: .secondMoment, a, variance: q).value
            expectClose(pair.kernel, reference.kernel, .absolute(1e-14 * scale), "\(reference.spec) q \(q) c \(reference.correlation) E[φφ]")
            expectClose(pair.derivative, reference.derivative, .relative(1e-14), "\(reference.spec) q \(q) c \(reference.correlation) E[φ'φ']")
        }
    }

    /// Against the independent per-kernel tilted-orthant route over more sweeps: chaotic and ordered
    /// phases, c0 = −1, 0.5, 0.99 and 1, and into small variances where the Φ₂ pair declines (k√q < 0.2):
    /// every column within 1e-13 relative (1e-15 absolute below 1e-2), row for row. Sweeps whose c comes
    /// near 0 (selu's W2b sweep, to 0.0019; elu at σw² = 0.9, σb² = 0.001 from c0 = −0.4, through
    /// −1.7e-4) are checked against their exact trajectories above instead: there the two routes'
    /// accumulated roundings differ by up to 7.9e-15 absolute, both within 1e-14 of the exact values.
    @Test func closeToThePerKernelRoute() throws {
        let cases: [(spec: String, w2: Double, b2: Double, q0: Double, c0: Double, layers: Int)] = [
            ("elu", 1.5505188080679275, 0, 1, 0.5, 200),
            ("celu:alpha=0.5", 2, 0.1, 1, -1, 40),
            ("elu", 2, 0.1, 1, 0.99, 40),
            ("elu:alpha=0.3", 3, 0, 0.7, 1, 20),
            ("selu", 0.6, 0, 1, 0.2, 60),          // ordered: q shrinks through k√q = 0.2
        ]
        let tolerance = Tolerance(relative: 1e-13, absolute: 1e-15, absoluteBelow: 1e-2)
        var compared = 0
        for t in cases {
            let a = activation(t.spec), weights = GaussianWeights(sigmaW2: t.w2, sigmaB2: t.b2)
            let sweep = SignalPropagation.depthSweep(a, q0: t.q0, c0: t.c0, weights: weights, layers: t.layers)
            let other = Self.perKernelRoute(a, q0: t.q0, c0: t.c0, weights: weights, layers: t.layers)
            #expect(sweep.rows.count == other.count && sweep.rows.count == t.layers + 1, "\(t)")
            for (new, old) in zip(sweep.rows, other) {
                for (name, x, y) in [("q", new.q, old.q), ("q12", new.q12, old.q12), ("c", new.c, old.c),
                                     ("mean", new.activationMean, old.activationMean), ("var", new.activationVariance, old.activationVariance),
                                     ("chi1", new.chi1, old.chi1), ("chi_c", new.chiC, old.chiC)] {
                    expectClose(x, y, tolerance, "\(t.spec) w2 \(t.w2) c0 \(t.c0) layer \(new.layer) \(name)")
                }
                compared += 1
            }
        }
        #expect(compared == 201 + 41 + 41 + 21 + 61)
    }

    /// The correlation maps choose no route of their own: past the Hermite series (which the
    /// exponential family never has) every off-diagonal pair is ``KernelEvaluator``'s, bit for bit; c = 1
    /// is the exact 1D moments.
    @Test func correlationKernelsAskTheKernelEvaluator() throws {
        for (spec, q) in [("elu", 1.0), ("selu", 0.03), ("relu", 1.0), ("celu:alpha=0.5", 4.0), ("hardswish", 2.0)] {
            let a = activation(spec), kernels = CorrelationKernels(a, variance: q)
            #expect(kernels.dual == nil)
            for c in [-1, -0.4, 0, 0.3, 0.999] {
                let pair = kernels.pair(c), expected = KernelEvaluator.sameVariancePair(a, variance: q, correlation: c)
                #expect(pair.kernel == expected.kernel && pair.derivative == expected.derivative, "\(spec) q \(q) c \(c)")
                #expect(kernels.kernel(c) == pair.kernel && kernels.derivativeKernel(c) == pair.derivative, "\(spec) q \(q) c \(c)")
            }
            let one = kernels.pair(1)
            #expect(one.kernel == Gaussian.expectation(of: .secondMoment, a, variance: q).value)
            #expect(one.derivative == Gaussian.expectation(of: .slopeSquared, a, variance: q).value)
        }
        // In the Drezner–Wesolowsky box the pair is the five-Φ₂ closed form.
        let elu = activation("elu")
        let pair = CorrelationKernels(elu, variance: 1).pair(0.3)
        let phi2 = try #require(elu.piecewiseForm?.exponentialKernelPair(variance1: 1, covariance: 0.3, variance2: 1))
        #expect(pair.kernel == phi2.kernel && pair.derivative == phi2.derivative)
    }
}
