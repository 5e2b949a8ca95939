import Foundation
import Testing
@testable import MeanField

/// The exponential family's kernel pair at small tilts (`k√q ≤ 0.5`, issue #15 item 3): the power series of
/// ``PiecewiseForm/exponentialSmallTiltSeries(variance1:covariance:variance2:)``, against the 30-digit mpmath
/// references of Tests/Generators/small-tilt-kernels/make_small_tilt_references.py, the Φ₂ pair where both
/// are validated, the 1D moments at c = 1 and the exact 2D engine; and its route in ``KernelEvaluator``.
@Suite("Exponential-family kernel pairs: small tilts")
struct ExponentialSmallTiltKernelsTests {
    typealias Stream = ExponentialKernelsPairTests.Stream

    static let specs = ["elu:alpha=1", "selu", "celu:alpha=0.5", "celu:alpha=2", "elu:alpha=0.3"]

    /// Every mpmath reference (q from 1e-6 to k√q = 0.5, c from −1 to 1): E[φ'φ'] within 1e-15 relative,
    /// E[φφ] within 1e-15 relative or 2e-16 of its scale √(E[φ(u)²] E[φ(v)²]) (the leading terms of the series
    /// are of that size where the kernel crosses 0); and the series' own error bound covers the error.
    @Test func againstMpmathReferences() throws {
        #expect(smallTiltPairReferences.count >= 85)
        var worst = (kernel: 0.0, derivative: 0.0)
        for entry in smallTiltPairReferences {
            let reference = entry.reference
            let form = try #require(activation(reference.spec).piecewiseForm)
            let series = try #require(form.exponentialSmallTiltSeries(variance1: reference.variance1, covariance: reference.covariance,
                                                                      variance2: reference.variance2))
            let context = "\(reference.spec) q=(\(reference.variance1), \(reference.variance2)) c=\(reference.correlation)"
            if reference.orders.0 == .value {
                let error = abs(series.kernel - reference.value)
                #expect(error <= 1e-15 * abs(reference.value) || error <= 2e-16 * entry.scale, "\(context) E[φφ] \(series.kernel) vs \(reference.value)")
                #expect(error <= series.kernelError + 1e-17 * entry.scale, "\(context) E[φφ] error \(error) above its bound \(series.kernelError)")
                worst.kernel = max(worst.kernel, error / entry.scale)
            } else {
                let error = abs(series.derivative - reference.value)
                #expect(error <= 1e-15 * abs(reference.value), "\(context) E[φ'φ'] \(series.derivative) vs \(reference.value)")
                #expect(error <= series.derivativeError + 1e-17 * abs(reference.value), "\(context) E[φ'φ'] error \(error) above its bound \(series.derivativeError)")
                worst.derivative = max(worst.derivative, error / abs(reference.value))
            }
        }
        print("small-tilt series vs mpmath: E[φφ] \(worst.kernel) of the scale, E[φ'φ'] \(worst.derivative) relative")
    }

    /// Against the Φ₂ pair (`smallTilts: true`, validated to 1.7e-14 of the scale on E[φφ] and 2.4e-14 relative on
    /// E[φ'φ']) where both apply (k√q in [0.2, 0.5] for both inputs), 2000 random points, five parameter sets.
    @Test func againstPhi2PairInTheOverlap() throws {
        var stream = Stream(state: 2718)
        for trial in 0..<2000 {
            let a = activation(Self.specs[trial % Self.specs.count])
            let form = try #require(a.piecewiseForm)
            guard case let .exponential(_, k) = form.negative else { Issue.record("not exponential"); continue }
            let t1 = 0.2 + 0.3 * stream.next(), t2 = trial % 4 == 0 ? t1 : 0.2 + 0.3 * stream.next()
            let q1 = (t1 / k) * (t1 / k), q2 = (t2 / k) * (t2 / k)
            let c = ExponentialKernelsLargeTiltTests.correlation(trial, &stream)
            let q12 = c * (q1 * q2).squareRoot()
            guard abs(q12 / geometricMean(q1, q2)) <= PiecewiseForm.pairHighCorrelationBound else { continue }
            let context = "\(a.spec) q=(\(q1), \(q2)) c=\(c)"
            let series = try #require(form.exponentialSmallTiltSeries(variance1: q1, covariance: q12, variance2: q2), "\(context)")
            let pair = try #require(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, smallTilts: true), "\(context)")
            let scale = (form.smallVarianceSeries(.value, .value, variance: q1)! * form.smallVarianceSeries(.value, .value, variance: q2)!).squareRoot()
            expectClose(series.kernel, pair.kernel, .absolute(2e-14 * scale), context + " E[φφ]")
            expectClose(series.derivative, pair.derivative, .relative(2.5e-14), context + " E[φ'φ']")
        }
    }

    /// At c = 1 and equal variances the pair is the 1D moments `(E_q[φ²], E_q[φ'²])` (the 1D small-variance series):
    /// within 1e-15 relative, k√q from 1e-140 to 0.5.
    @Test func diagonalIsTheOneDimensionalMoments() throws {
        for spec in Self.specs {
            let form = try #require(activation(spec).piecewiseForm)
            guard case let .exponential(_, k) = form.negative else { Issue.record("not exponential"); continue }
            for t in [1e-140, 1e-8, 1e-3, 0.0015, 0.05, 0.19, 0.3, 0.5] {
                let q = (t / k) * (t / k)
                let series = try #require(form.exponentialSmallTiltSeries(variance1: q, covariance: q, variance2: q), "\(spec) q=\(q)")
                let second = try #require(form.smallVarianceSeries(.value, .value, variance: q))
                let slope = try #require(form.smallVarianceSeries(.first, .first, variance: q))
                expectClose(series.kernel, second, .relative(1e-15), "\(spec) q=\(q) E[φ²]")
                expectClose(series.derivative, slope, .relative(1e-15), "\(spec) q=\(q) E[φ'²]")
            }
        }
    }

    /// Against the exact 2D engine (the route this one replaces below k√q = 0.2) at the item-3 drift's variances
    /// (q ≈ 1e-6 … 2e-6), elu and celu: within 1e-13 relative or 1e-14 of the scale (the engine's own accuracy there).
    @Test func againstTheExact2DEngine() throws {
        for spec in ["elu:alpha=1", "celu:alpha=1", "selu"] {
            let a = activation(spec)
            let form = try #require(a.piecewiseForm)
            for q in [1e-6, 1.4e-6, 2e-6] {
                let scale = try #require(form.smallVarianceSeries(.value, .value, variance: q))
                for c in [-1, -0.999, -0.6, -0.1, 0, 0.3, 0.8, 0.99999] {
                    let series = try #require(form.exponentialSmallTiltSeries(variance1: q, covariance: c * q, variance2: q))
                    let kernel = Gaussian.expectation2D(.value, .value, a, variance1: q, covariance: c * q, variance2: q).value
                    let derivative = Gaussian.expectation2D(.first, .first, a, variance1: q, covariance: c * q, variance2: q).value
                    let context = "\(spec) q=\(q) c=\(c)"
                    #expect(abs(series.kernel - kernel) <= max(1e-13 * abs(kernel), 1e-14 * scale), "\(context) E[φφ] \(series.kernel) vs \(kernel)")
                    expectClose(series.derivative, derivative, .relative(1e-13), context + " E[φ'φ']")
                }
            }
        }
    }

    /// The route: ``KernelEvaluator/closedFormPair(_:variance1:covariance:variance2:)`` takes the series below
    /// k·min(√q1, √q2) = 0.2 (and k·max ≤ 0.5), the Φ₂ pair from 0.2; nil (quadrature) beyond the series' reach.
    @Test func routeInTheKernelEvaluator() throws {
        let elu = activation("elu:alpha=1")
        let form = try #require(elu.piecewiseForm)
        let q = 1.5e-6
        let closed = try #require(KernelEvaluator.closedFormPair(elu, variance1: q, covariance: 0.3 * q, variance2: q))
        let series = try #require(form.exponentialSmallTiltSeries(variance1: q, covariance: 0.3 * q, variance2: q))
        #expect(closed.kernel == series.kernel && closed.derivative == series.derivative)
        // k√q = 0.3 for both: the Φ₂ pair, as before.
        let pair = try #require(form.exponentialKernelPair(variance1: 0.09, covariance: 0.045, variance2: 0.09, largeTilts: true))
        let atPair = try #require(KernelEvaluator.closedFormPair(elu, variance1: 0.09, covariance: 0.045, variance2: 0.09))
        #expect(atPair.kernel == pair.kernel && atPair.derivative == pair.derivative)
        // One input at k√q = 0.1, the other at 0.7: beyond the series, and the closed forms decline.
        #expect(form.exponentialSmallTiltSeries(variance1: 0.01, covariance: 0.02, variance2: 0.49) == nil)
        #expect(KernelEvaluator.closedFormPair(elu, variance1: 0.01, covariance: 0.02, variance2: 0.49) == nil)
        // A relu-like member has no exponential side.
        #expect(activation("relu").piecewiseForm?.exponentialSmallTiltSeries(variance1: q, covariance: 0, variance2: q) == nil)
    }
}
