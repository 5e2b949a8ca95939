import Foundation
import Testing
@testable import MeanField

/// The exponential family's kernel pair from five Drezner–Wesolowsky orthant probabilities
/// (``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:)``, issue #15 item 5), which
/// ``KernelEvaluator/closedFormPair(_:variance1:covariance:variance2:)`` takes inside its box
/// (|c| ≤ 1 − 1e-12, k√q ∈ [0.2, 4]; Drezner–Wesolowsky up to |c| = 0.925, Genz's high-correlation
/// branch above): against the tilted-orthant integrals it replaces there, held
/// to the adaptive Gauss–Kronrod integration (1e-15), and against the 24-digit mpmath references.
/// The references with φ itself as a factor inside the box are also checked by
/// ``ExponentialPairTests`` (SPEC §2) and, in the cancellation band k√q < 0.5, to 1.6e-14.
@Suite("Exponential-family kernel pairs: Drezner–Wesolowsky orthants")
struct ExponentialKernelsPairTests {
    /// A deterministic stream of doubles in [0, 1) (64-bit LCG), so failures reproduce.
    struct Stream {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static let specs = ["elu:alpha=1", "selu", "celu:alpha=0.5", "celu:alpha=2", "elu:alpha=0.3"]

    /// The tilted-orthant closed form with the adaptive integrals throughout (the accurate reference).
    static func adaptivePair(_ form: PiecewiseForm, _ q1: Double, _ q12: Double, _ q2: Double) -> (Double, Double)? {
        guard case let .exponential(_, k) = form.negative else { return nil }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        // E[φφ] and E[φ'φ'] from the same lanes as exponentialBivariateExpectations, adaptive rule.
        let groupC = TiltedOrthant(s1: s1, s2: s2, c: c).adaptiveIntegrals([.plain(k, k), .plain(k, 0), .plain(0, k)])
        let groupMinusC = TiltedOrthant(s1: s1, s2: s2, c: -c).adaptiveIntegrals([.linearFirst(k), .linearSecond(k), .plain(0, k), .plain(k, 0)])
        guard let g0 = groupC, let g1 = groupMinusC, case let .exponential(a, _) = form.negative else { return nil }
        let s = form.positiveSlope
        let phi = acos(-c), probability = phi / (2 * Double.pi)
        let invTwoSqrt2Pi = 0.199471140200716338969973029967
        // E[u 1{u>0, v<0}] = s₁(1 − c)/(2√(2π)); E[u e^(kv) 1{u>0, v<0}] = −linearFirst at −c.
        let m1 = s1 * (1 - c) * invTwoSqrt2Pi, m2 = s2 * (1 - c) * invTwoSqrt2Pi
        let kernel = s * s * s1 * s2 * sineMinusPhiCosine(phi) / (2 * Double.pi)
            + s * a * ((-g1[0] - m1) + (-g1[1] - m2))
            + a * a * (g0[0] - g0[1] - g0[2] + probability)
        let derivative = s * s * probability + s * a * k * (g1[2] + g1[3]) + a * a * k * k * g0[0]
        return (kernel, derivative)
    }

    /// 6000 random points of the box (k√q log-uniform in [0.2, 4], a fifth at q1 = q2; c uniform in
    /// [−0.925, 0.925], a seventh within 1e-3 of ±0.925, and a third with 1 − |c| log-uniform in
    /// [2.4e-12, 0.075]) for five parameter sets: E[φ'φ'] within 5e-14 relative, E[φφ] within 5e-14 of
    /// the kernel's scale √(E[φ(u)²] E[φ(v)²]) (measured 2026-12-01 on 20000 points: 2.4e-14 and
    /// 1.7e-14 at worst, at the edges of the box).
    @Test func againstAdaptiveTiltedOrthants() throws {
        var stream = Stream(state: 151)
        var compared = 0
        for trial in 0..<6000 {
            let a = activation(Self.specs[trial % Self.specs.count])
            let form = try #require(a.piecewiseForm)
            guard case let .exponential(_, k) = form.negative else { Issue.record("not exponential"); continue }
            func logUniform(_ lo: Double, _ hi: Double) -> Double { exp(log(lo) + (log(hi) - log(lo)) * stream.next()) }
            let t1 = logUniform(0.2, 4), t2 = trial % 5 == 0 ? t1 : logUniform(0.2, 4)
            let q1 = (t1 / k) * (t1 / k), q2 = (t2 / k) * (t2 / k)
            let sign: Double = stream.next() < 0.5 ? -1 : 1
            let c = trial % 3 == 1 ? sign * (1 - 0.075 * pow(10, -10.5 * stream.next()))
                : (trial % 7 == 0 ? sign * (0.925 - 1e-3 * stream.next()) : 0.925 * (2 * stream.next() - 1))
            let q12 = c * (q1 * q2).squareRoot()
            let fast = try #require(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2), "q=(\(q1), \(q2)) c=\(c)")
            guard let reference = Self.adaptivePair(form, q1, q12, q2),
                  let scale1 = Self.adaptivePair(form, q1, q1, q1)?.0, let scale2 = Self.adaptivePair(form, q2, q2, q2)?.0 else { continue }
            compared += 1
            let context = "\(a.spec) q=(\(q1), \(q2)) c=\(c)"
            expectClose(fast.derivative, reference.1, .relative(5e-14), context + " E[φ'φ']")
            #expect(abs(fast.kernel - reference.0) <= 5e-14 * (scale1 * scale2).squareRoot(),
                    "\(context) E[φφ] \(fast.kernel) vs \(reference.0)")
        }
        #expect(compared >= 5900)
    }

    /// Against the 24-digit mpmath references of ExponentialPairTests and its cancellation band
    /// (Tests/Generators/exponential-kernels/), every one inside the box (with the small tilts the Gram
    /// matrices use, down to q = 1e-6): E[φ'φ'] within 1e-14 relative; E[φφ] in the band (k√q ≈ 0.21–0.25,
    /// the direct sum) within 1.6e-14 relative, elsewhere within 2e-14 of the kernel's scale
    /// √(E[φ(u)²] E[φ(v)²]) and SPEC §2 (measured 2026-12-01: 1.3e-14 in the band; 4.8e-13 relative =
    /// 2e-14 of the scale for selu at q = (1e-6, 4e-6), c = −0.05, a value 0.04 of its scale).
    @Test func againstMpmath() throws {
        var inside = 0
        for (references, band) in [(exponentialPairReferences, false), (exponentialBandReferences, true)] {
            for r in references {
                let a = activation(r.spec)
                let form = try #require(a.piecewiseForm)
                guard let pair = form.exponentialKernelPair(variance1: r.variance1, covariance: r.covariance, variance2: r.variance2,
                                                            smallTilts: true) else { continue }
                inside += 1
                let context = "\(r.spec) \(r.orders) q=(\(r.variance1), \(r.variance2)) c=\(r.correlation)"
                guard r.orders.0 == .value else {
                    expectClose(pair.derivative, r.value, .relative(1e-14), context)
                    continue
                }
                if band {
                    expectClose(pair.kernel, r.value, .relative(1.6e-14), context)
                } else {
                    let scale = (Gaussian.expectation(of: .secondMoment, a, variance: r.variance1).value
                                 * Gaussian.expectation(of: .secondMoment, a, variance: r.variance2).value).squareRoot()
                    #expect(abs(pair.kernel - r.value) <= 2e-14 * scale, "\(context) \(pair.kernel) vs \(r.value)")
                    expectClose(pair.kernel, r.value, .spec, context)
                }
            }
        }
        #expect(inside >= 100)
    }

    /// Small tilts (k√q of one or both inputs log-uniform in [0.001, 0.2], the other in [0.001, 4]),
    /// where the tilted-orthant closed form declines: E[φφ] within 1e-13 of the kernel's scale of the
    /// exact 2D engine's semi-closed quadrature (itself held to ~1e-13 there), E[φ'φ'] (no
    /// cancellation) within 5e-14 relative of the tilted-orthant closed form, over 300 points.
    @Test func smallTiltsAgainstQuadrature() throws {
        var stream = Stream(state: 1515)
        for trial in 0..<300 {
            let a = activation(Self.specs[trial % Self.specs.count])
            let form = try #require(a.piecewiseForm)
            guard case let .exponential(_, k) = form.negative else { Issue.record("not exponential"); continue }
            func logUniform(_ lo: Double, _ hi: Double) -> Double { exp(log(lo) + (log(hi) - log(lo)) * stream.next()) }
            let t1 = logUniform(0.001, 0.2), t2 = trial % 3 == 0 ? logUniform(0.001, 0.2) : logUniform(0.001, 4)
            let q1 = (t1 / k) * (t1 / k), q2 = (t2 / k) * (t2 / k)
            let c = trial % 5 == 0 ? (stream.next() < 0.5 ? -1 : 1) * (1 - pow(10, -1 - 10 * stream.next())) : 2 * stream.next() - 1
            let q12 = c * (q1 * q2).squareRoot()
            let context = "\(a.spec) q=(\(q1), \(q2)) c=\(c)"
            let pair = try #require(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, smallTilts: true), "\(context)")
            #expect(form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2) == nil, "\(context)")
            let quadrature = Gaussian.expectation2D(.value, .value, a, variance1: q1, covariance: q12, variance2: q2).value
            let scale = (Gaussian.expectation(of: .secondMoment, a, variance: q1).value * Gaussian.expectation(of: .secondMoment, a, variance: q2).value).squareRoot()
            #expect(abs(pair.kernel - quadrature) <= 1e-13 * scale, "\(context) E[φφ] \(pair.kernel) vs \(quadrature)")
            let derivative = try #require(form.exponentialBivariateExpectation(.first, .first, variance1: q1, covariance: q12, variance2: q2))
            expectClose(pair.derivative, derivative, .relative(5e-14), context + " E[φ'φ']")
        }
    }

    /// Outside the box the pair declines (the tilted-orthant integrals take over): |c| > 1 − 1e-12,
    /// k√q > 4, k√q < 0.2 (without small tilts) or < 0.001, and the piecewise linear family.
    @Test func declinesOutsideTheBox() throws {
        let form = try #require(activation("elu").piecewiseForm)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: 1, variance2: 1) == nil)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: -1 + 1e-13, variance2: 1) == nil)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: 0.93, variance2: 1) != nil)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: -(1 - 1e-12), variance2: 1) != nil)
        #expect(form.exponentialKernelPair(variance1: 0.0399, covariance: 0, variance2: 1) == nil)
        #expect(form.exponentialKernelPair(variance1: 0.0399, covariance: 0, variance2: 1, smallTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 1.0001e-6, covariance: 0, variance2: 1, smallTilts: true) != nil)
        #expect(form.exponentialKernelPair(variance1: 0.99e-6, covariance: 0, variance2: 1, smallTilts: true) == nil)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: 0, variance2: 16.01) == nil)
        #expect(form.exponentialKernelPair(variance1: 1, covariance: 0.925, variance2: 1) != nil)
        #expect(form.exponentialKernelPair(variance1: 0.0401, covariance: 0, variance2: 16) != nil)
        let relu = try #require(activation("relu").piecewiseForm)
        #expect(relu.exponentialKernelPair(variance1: 1, covariance: 0.5, variance2: 1) == nil)
    }

    /// The pair with each input's own quantities computed once (``ExponentialPairInput``, a Gram matrix's
    /// unequal pairs) is the pair of the variances bit for bit, in each of its branches (Drezner–Wesolowsky,
    /// Genz above |c| = 0.925, Price below k√q = 0.2, the large-tilt integrals above k√q = 4) and where it declines.
    @Test func inputsComputedOnceAreBitwiseThePlainPair() throws {
        let form = try #require(activation("elu").piecewiseForm)
        for (q1, q12, q2) in [(0.3, 0.4, 2.0), (1e-5, 1e-3, 0.5), (20.0, -3.0, 0.8), (4.0, 5.9, 9.0), (1.0, 1.0, 1.0), (1e-8, 0.0, 1.0)] {
            let a = try #require(ExponentialPairInput(form, variance: q1)), b = try #require(ExponentialPairInput(form, variance: q2))
            let cached = form.exponentialKernelPair(a, covariance: q12, b, smallTilts: true, largeTilts: true)
            let plain = form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, smallTilts: true, largeTilts: true)
            #expect(cached?.kernel.bitPattern == plain?.kernel.bitPattern && cached?.derivative.bitPattern == plain?.derivative.bitPattern
                    && (cached == nil) == (plain == nil), "\(q1) \(q12) \(q2)")
        }
        #expect(ExponentialPairInput(form, variance: 0) == nil && ExponentialPairInput(form, variance: .infinity) == nil)
    }
}
