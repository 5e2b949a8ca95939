import Foundation
import Testing
@testable import MeanField

/// The exponential family's kernel pair above the Drezner–Wesolowsky box (`max(k√q1, k√q2) > 4`, issue #15
/// item 1): the five tilted orthants as positive tilted-tail integrals on tabulated Gauss rules
/// (``PiecewiseForm/largeTiltOrthants(_:_:correlation:)``), against the adaptive tilted-orthant
/// integrals (held to 1e-15) and the 32-digit mpmath references of
/// Tests/Generators/large-tilt/make_large_tilt_references.py.
@Suite("Exponential-family kernel pairs: large tilts")
struct ExponentialKernelsLargeTiltTests {
    typealias Stream = ExponentialKernelsPairTests.Stream

    static let specs = ["elu:alpha=1", "selu", "celu:alpha=0.5", "celu:alpha=2", "elu:alpha=0.3"]

    /// A correlation of the test grids: uniform in [−1, 1], near ±0.925 (the Drezner–Wesolowsky/Genz
    /// switch of the box), or with 1 − |c| log-uniform in [1e-12, 0.1].
    static func correlation(_ trial: Int, _ stream: inout Stream) -> Double {
        let sign: Double = stream.next() < 0.5 ? -1 : 1
        switch trial % 4 {
        case 1: return sign * (1 - 0.1 * pow(10, -11 * stream.next()))
        case 2: return sign * (0.925 + 2e-3 * (stream.next() - 0.5))
        default: return 2 * stream.next() - 1
        }
    }

    /// The five orthants against the adaptive tilted-orthant integrals, 4000 random points: the larger tilt
    /// log-uniform in [4, 300], the other equal (a fifth) or log-uniform in [0.001, 300]. T₀ and the larger
    /// of each single tilt's pair within 1e-14 relative; the smaller (the complement of the larger in
    /// erfcx(t/√2)/2) within 1e-14 relative or 1e-15 of the larger (measured: 2.1e-16).
    @Test func orthantsAgainstAdaptiveIntegrals() throws {
        var stream = Stream(state: 4141)
        for trial in 0..<4000 {
            func logUniform(_ lo: Double, _ hi: Double) -> Double { exp(log(lo) + (log(hi) - log(lo)) * stream.next()) }
            let big = logUniform(4.0000001, 300)
            let other = trial % 5 == 0 ? big : logUniform(0.001, 300)
            let (t1, t2) = trial % 2 == 0 ? (big, other) : (other, big)
            let c = Self.correlation(trial, &stream)
            guard abs(c) <= PiecewiseForm.pairHighCorrelationBound else { continue }
            let fast = PiecewiseForm.largeTiltOrthants(t1, t2, correlation: c)
            let same = try #require(TiltedOrthant(s1: t1, s2: t2, c: c).adaptiveIntegrals([.plain(1, 1), .plain(1, 0), .plain(0, 1)]))
            let opposite = try #require(TiltedOrthant(s1: t1, s2: t2, c: -c).adaptiveIntegrals([.plain(1, 0), .plain(0, 1)]))
            let context = "t=(\(t1), \(t2)) c=\(c)"
            func check(_ value: Double, _ reference: Double, partner: Double, _ name: String) {
                let error = abs(value - reference)
                #expect(error <= 1e-14 * reference || error <= 1e-15 * partner, "\(context) \(name) \(value) vs \(reference)")
            }
            check(fast.t0, same[0], partner: 0, "T₀")
            check(fast.t1, same[1], partner: opposite[0], "T₁")
            check(fast.w1, opposite[0], partner: same[1], "W₁")
            check(fast.t2, same[2], partner: opposite[1], "T₂")
            check(fast.w2, opposite[1], partner: same[2], "W₂")
        }
    }

    /// The kernel pair against the adaptive tilted-orthant closed form (``ExponentialKernelsPairTests/adaptivePair(_:_:_:_:)``)
    /// over 3000 random points (k√q as above, the other input's down to 0.2, a fifth at equal variances),
    /// five parameter sets: E[φ'φ'] within 2e-14 relative, E[φφ] within 2e-14 of the scale √(E[φ(u)²] E[φ(v)²]).
    @Test func againstAdaptiveTiltedOrthants() throws {
        var stream = Stream(state: 1717)
        var compared = 0
        for trial in 0..<3000 {
            let a = activation(Self.specs[trial % Self.specs.count])
            let form = try #require(a.piecewiseForm)
            guard case let .exponential(_, k) = form.negative else { Issue.record("not exponential"); continue }
            func logUniform(_ lo: Double, _ hi: Double) -> Double { exp(log(lo) + (log(hi) - log(lo)) * stream.next()) }
            let big = logUniform(4.0000001, 300)
            let other = trial % 5 == 0 ? big : logUniform(0.2, 300)
            let (t1, t2) = trial % 2 == 0 ? (big, other) : (other, big)
            let q1 = (t1 / k) * (t1 / k), q2 = (t2 / k) * (t2 / k)
            let c = Self.correlation(trial, &stream)
            let q12 = c * (q1 * q2).squareRoot()
            let context = "\(a.spec) q=(\(q1), \(q2)) c=\(c)"
            guard abs(q12 / geometricMean(q1, q2)) <= PiecewiseForm.pairHighCorrelationBound else { continue }
            let fast = try #require(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, largeTilts: true), "\(context)")
            guard let reference = ExponentialKernelsPairTests.adaptivePair(form, q1, q12, q2),
                  let scale1 = ExponentialKernelsPairTests.adaptivePair(form, q1, q1, q1)?.0,
                  let scale2 = ExponentialKernelsPairTests.adaptivePair(form, q2, q2, q2)?.0 else { continue }
            compared += 1
            expectClose(fast.derivative, reference.1, .relative(2e-14), context + " E[φ'φ']")
            #expect(abs(fast.kernel - reference.0) <= 2e-14 * (scale1 * scale2).squareRoot(),
                    "\(context) E[φφ] \(fast.kernel) vs \(reference.0)")
        }
        #expect(compared >= 2900)
    }

    /// Against the 32-digit mpmath references (k√q from 5 to 200, one input down to 0.01 with the Gram
    /// matrices' small tilts, c from −(1 − 1e-12) to 1 − 1e-12): E[φ'φ'] within 1e-14 relative; E[φφ] within
    /// 1e-14 of the kernel's scale and SPEC §2.
    @Test func againstMpmath() throws {
        var inside = 0
        for r in largeTiltPairReferences {
            let a = activation(r.spec)
            let form = try #require(a.piecewiseForm)
            let context = "\(r.spec) \(r.orders) q=(\(r.variance1), \(r.variance2)) c=\(r.correlation)"
            // c = ±(1 − 1e-12) can round just outside the pair's |c| ≤ 1 − 1e-12 (the tilted-orthant integrals take it).
            guard abs(r.covariance / geometricMean(r.variance1, r.variance2)) <= PiecewiseForm.pairHighCorrelationBound else { continue }
            let pair = try #require(form.exponentialKernelPair(variance1: r.variance1, covariance: r.covariance, variance2: r.variance2,
                                                               smallTilts: true, largeTilts: true), "\(context)")
            inside += 1
            guard r.orders.0 == .value else {
                expectClose(pair.derivative, r.value, .relative(1e-14), context)
                continue
            }
            let scale = (Gaussian.expectation(of: .secondMoment, a, variance: r.variance1).value
                         * Gaussian.expectation(of: .secondMoment, a, variance: r.variance2).value).squareRoot()
            #expect(abs(pair.kernel - r.value) <= 1e-14 * scale, "\(context) \(pair.kernel) vs \(r.value)")
            expectClose(pair.kernel, r.value, .spec, context)
        }
        #expect(inside >= 45)
    }

    /// Where the large-tilt pair serves and where it declines: above the box up to k√q = 1000, |c| ≤ 1 − 1e-12,
    /// the other input's k√q ≥ 0.2 (0.001 with small tilts); and ``KernelEvaluator/closedFormPair(_:variance1:covariance:variance2:)``
    /// takes it there (bit for bit).
    @Test func servesAboveTheBox() throws {
        let elu = activation("elu")
        let form = try #require(elu.piecewiseForm)
        #expect(form.exponentialKernelPair(variance1: 16.01, covariance: 0, variance2: 16.01, largeTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 1e4, covariance: 0.99e4, variance2: 1e4, largeTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 1e6, covariance: 0, variance2: 1e6, largeTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 1.0001e6, covariance: 0, variance2: 1e6, largeTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 100, covariance: 100, variance2: 100, largeTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 100, covariance: -(1 - 1e-13) * 100, variance2: 100, largeTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 100, covariance: 0.9999999999 * 100, variance2: 100, largeTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 0.0399, covariance: 0, variance2: 100, largeTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 0.0399, covariance: 0, variance2: 100, smallTilts: true, largeTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 0.99e-6, covariance: 0, variance2: 100, smallTilts: true, largeTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 16.01, covariance: 0, variance2: 16.01) == nil)   // the box alone
        for c in [-0.97, -0.5, 0.3, 0.96] {
            let (q1, q2) = (187.0, 150.0)
            let q12 = c * (q1 * q2).squareRoot()
            let pair = try #require(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, largeTilts: true))
            let routed = try #require(KernelEvaluator.closedFormPair(elu, variance1: q1, covariance: q12, variance2: q2))
            #expect(pair.kernel == routed.kernel && pair.derivative == routed.derivative)
        }
    }
}
