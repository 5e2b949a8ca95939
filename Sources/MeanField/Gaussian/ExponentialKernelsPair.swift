#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The Gauss–Legendre rules of ``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:)``'s
/// Drezner–Wesolowsky integrals, by |c|: 10 points below 0.3, 14 below 0.75, 20 up to 0.925 and for
/// ``bivariateNormalHighCorrelation(_:_:correlation:)`` (Genz's 6/12/20 lose up to 5e-12 at k√q = 4).
enum DreznerRules {
    static let small = FixedGaussRule(GaussLegendre.rule(10)), medium = FixedGaussRule(GaussLegendre.rule(14))
    static let large = FixedGaussRule(GaussLegendre.rule(20))
}

/// A Gauss rule held for the life of the process in plain memory: the Φ₂ pair's inner loops read its
/// nodes and weights without the reference counting and bounds checks of an array (a few percent of a
/// Gram matrix's instructions); the values are the array rule's, bit for bit.
struct FixedGaussRule: @unchecked Sendable {
    let nodes: UnsafePointer<Double>, weights: UnsafePointer<Double>, count: Int

    /// The rule `rule`, copied into memory that is never freed (rules are static constants).
    init(_ rule: (nodes: [Double], weights: [Double])) {
        precondition(rule.nodes.count == rule.weights.count)
        count = rule.nodes.count
        let storage = UnsafeMutablePointer<Double>.allocate(capacity: 2 * count)
        storage.initialize(from: rule.nodes + rule.weights, count: 2 * count)
        nodes = UnsafePointer(storage)
        weights = UnsafePointer(storage + count)
    }
}

extension PiecewiseForm {
    /// Up to this |c| the pair integrates Plackett's density from ρ = 0 (Drezner–Wesolowsky); above it,
    /// up to ``pairHighCorrelationBound``, from |ρ| = 1 (``bivariateNormalHighCorrelation(_:_:correlation:)``).
    static let pairCorrelationBound = 0.925
    /// The largest |c| the pair serves (c = ±1 and the last 1e-12 take the tilted-orthant integrals).
    static let pairHighCorrelationBound = 1 - 1e-12
    /// The range of `k√q` of both inputs the pair is validated on (k the exponent rate; SPEC §2's
    /// q ≥ 1e-6 at k = 1): above it the tilts `e^((k√q)²)` amplify Φ₂'s absolute error. Without
    /// `smallTilts` the pair declines below ``pairPriceBelow``, as the tilted-orthant closed form does
    /// (``KernelEvaluator/closedFormPair(_:variance1:covariance:variance2:)``, whose existence there
    /// decides the routes of the two-input sweeps); the Gram matrices' unequal pairs take it all.
    static let pairTiltRange = 0.001...4.0
    /// Below this `k√q` (of either input) φ's exponential side A(e^(kx) − 1) would cancel in
    /// `T₀ − T₁ − T₂ + P` (~7/(k√q)²): the quadrant −− is integrated from c = −1 by Price's theorem instead
    /// (``bothNegativeByPrice(_:_:correlation:)``).
    static let pairPriceBelow = 0.2

    /// `T₀ = E[e^(k(u+v)) 1{u<0, v<0}] = e^((t₁² + 2c t₁t₂ + t₂²)/2) Φ₂(−(t₁ + c t₂), −(t₂ + c t₁); c)` alone
    /// (tᵢ = k sᵢ): the Drezner–Wesolowsky integral for |c| ≤ 0.925, else Genz's high-correlation branch.
    static func bothTilted(_ t1: Double, _ t2: Double, correlation c: Double) -> Double {
        let e0 = 0.5 * (t1 * t1 + 2 * c * t1 * t2 + t2 * t2)
        let h0 = -(t1 + c * t2), k0 = -(t2 + c * t1)
        if abs(c) > pairCorrelationBound { return tableExp(e0) * bivariateNormalHighCorrelation(h0, k0, correlation: c) }
        let hk0 = h0 * k0, hs0 = 0.5 * (h0 * h0 + k0 * k0)
        let a = asin(c)
        let rule = abs(c) < 0.3 ? DreznerRules.small : (abs(c) < 0.75 ? DreznerRules.medium : DreznerRules.large)
        // Two nodes at a time, accumulated node by node (the rules have even sizes).
        var sum = 0.0
        let count = rule.count, halfAngle = 0.5 * a
        var i = 0
        while i + 1 < count {
            let sn = smallArgumentSine(halfAngle * (1 + SIMD2(rule.nodes[i], rule.nodes[i + 1])))
            let f = tableExp(e0 + (sn * hk0 - hs0) / ((1 - sn) * (1 + sn)))
            sum += rule.weights[i] * f[0]
            sum += rule.weights[i + 1] * f[1]
            i += 2
        }
        if i < count {
            let sn = smallArgumentSine(halfAngle * (1 + rule.nodes[i]))
            sum += rule.weights[i] * tableExp(e0 + (sn * hk0 - hs0) / ((1 - sn) * (1 + sn)))
        }
        return tableExp(e0) * standardNormalCDF(h0) * standardNormalCDF(k0) + a / (4 * Double.pi) * sum
    }

    /// The three Drezner–Wesolowsky sums of ``exponentialKernelPair(variance1:covariance:variance2:smallTilts:largeTilts:)``
    /// on one rule (T₀, T₁, T₂'s exponents `eₘ + (sin θ hkₘ − hsₘ)/cos²θ`, θ = halfAngle·(1 + xᵢ)):
    /// ```
    /// sumₘ = Σᵢ wᵢ exp(eₘ + (sin θᵢ hkₘ − hsₘ)/((1 − sin θᵢ)(1 + sin θᵢ)))
    /// ```
    /// two nodes at a time (``smallArgumentSine(_:)`` and ``tableExp(_:)`` on SIMD2), each sum accumulated
    /// node by node in the rule's order: bit for bit the one-node-at-a-time loop (the rules have even sizes;
    /// an odd last node is taken alone).
    @inline(__always)
    static func dreznerSums(_ rule: FixedGaussRule, halfAngle: Double,
                            e: SIMD3<Double>, hk: SIMD3<Double>, hs: SIMD3<Double>) -> (Double, Double, Double) {
        var sum0 = 0.0, sum1 = 0.0, sum2 = 0.0
        let count = rule.count
        var i = 0
        while i + 1 < count {
            let sn = smallArgumentSine(halfAngle * (1 + SIMD2(rule.nodes[i], rule.nodes[i + 1])))
            let inverse = 1 / ((1 - sn) * (1 + sn))
            let f0 = tableExp(e[0] + (sn * hk[0] - hs[0]) * inverse)
            let f1 = tableExp(e[1] + (sn * hk[1] - hs[1]) * inverse)
            let f2 = tableExp(e[2] + (sn * hk[2] - hs[2]) * inverse)
            let w = rule.weights[i], w2 = rule.weights[i + 1]
            sum0 += w * f0[0]; sum0 += w2 * f0[1]
            sum1 += w * f1[0]; sum1 += w2 * f1[1]
            sum2 += w * f2[0]; sum2 += w2 * f2[1]
            i += 2
        }
        if i < count {
            let sn = smallArgumentSine(halfAngle * (1 + rule.nodes[i]))
            let inverse = 1 / ((1 - sn) * (1 + sn))
            let w = rule.weights[i]
            sum0 += w * tableExp(e[0] + (sn * hk[0] - hs[0]) * inverse)
            sum1 += w * tableExp(e[1] + (sn * hk[1] - hs[1]) * inverse)
            sum2 += w * tableExp(e[2] + (sn * hk[2] - hs[2]) * inverse)
        }
        return (sum0, sum1, sum2)
    }

    /// `G = E[(e^(ku) − 1)(e^(kv) − 1) 1{u<0, v<0}]` without cancellation at small `tᵢ = k sᵢ`: by Price's
    /// theorem `∂G/∂c = s₁s₂ E[k e^(ku) k e^(kv) 1{u<0, v<0}] = t₁t₂ T₀(c)` (the factors vanish at the kink,
    /// so no Dirac terms), and `G(−1) = 0` (u, v < 0 together has probability 0), so
    /// ```
    /// G(c) = t₁t₂ ∫_{arccos c}^{π} T₀(cos ψ) sin ψ dψ
    /// ```
    /// with T₀ > 0 (``bothTilted(_:_:correlation:)``): 24-point Gauss–Legendre in ψ, cos ψ and sin ψ taken
    /// from ψ's distance to π. Agrees with `T₀ − T₁ − T₂ + P` to 9e-15 of the kernel's scale where that is
    /// accurate (k√q ≥ 0.2), and with the 24-digit mpmath references in the cancellation band (k√q ≈ 0.21)
    /// to 2.2e-15 (against 1.3e-14 for the direct sum, which the pair keeps there).
    static func bothNegativeByPrice(_ t1: Double, _ t2: Double, correlation c: Double) -> Double {
        let half = 0.5 * (Double.pi - acos(c))
        let rule = priceRule
        var sum = 0.0
        for i in 0..<rule.count {
            let fromTop = half * (1 - rule.nodes[i])   // π − ψ
            let correlation = -cos(fromTop)
            // Within 1e-12 of c' = −1 (only when c itself is): T₀ ≤ P(u, v < 0) ≈ (π − ψ)/(2π) and the
            // factor sin ψ make the node negligible; Genz's branch is not validated there.
            guard correlation >= -pairHighCorrelationBound else { continue }
            sum += rule.weights[i] * bothTilted(t1, t2, correlation: correlation) * sin(fromTop)
        }
        return t1 * t2 * half * sum
    }

    /// The ψ rule of ``bothNegativeByPrice(_:_:correlation:)`` (16 points leave 1.3e-12 as c → 1 at k√q = 4).
    static let priceRule = FixedGaussRule(GaussLegendre.rule(24))

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for the exponential family (elu, selu, celu), zero-mean (u, v) with
    /// covariance `[[q1, q12], [q12, q2]]`, in closed form from five bivariate normal orthant
    /// probabilities; nil outside the validated box (|c| ≤ ``pairHighCorrelationBound``, k√q of both
    /// inputs in ``pairTiltRange``, and ≥ ``pairPriceBelow`` unless `smallTilts`), where the tilted-orthant integrals
    /// (``exponentialBivariateExpectations(_:variance1:covariance:variance2:)``) take over. With `largeTilts`
    /// the box extends above k√q = 4 (the larger input's, up to ``largeTiltMaximum``; the other's down to
    /// ``pairPriceBelow``, or the box's lower end with `smallTilts`) by
    /// ``exponentialKernelPairLargeTilt(s1:s2:correlation:)``.
    ///
    /// With φ = s·x (x > 0), A(e^(kx) − 1) (x ≤ 0), tᵢ = k sᵢ (sᵢ = √qᵢ), r = √(1 − c²), and the tilted orthants
    /// ```
    /// T₀ = e^((t₁² + 2c t₁t₂ + t₂²)/2) Φ₂(−(t₁ + c t₂), −(t₂ + c t₁); c)   = E[e^(k(u+v)) 1{u<0, v<0}]
    /// T₁ = e^(t₁²/2) Φ₂(−t₁, −c t₁; c),   T₂ = e^(t₂²/2) Φ₂(−c t₂, −t₂; c)  = E[e^(ku) 1{u<0, v<0}], E[e^(kv) 1{u<0, v<0}]
    /// W₁ = e^(t₁²/2) Φ₂(−t₁, c t₁; −c),   W₂ = e^(t₂²/2) Φ₂(c t₂, −t₂; −c)  = E[e^(ku) 1{u<0, v>0}], E[e^(kv) 1{u>0, v<0}]
    /// ```
    /// (the quadrant −−, `T₀ − T₁ − T₂ + φ/(2π)`, by ``bothNegativeByPrice(_:_:correlation:)`` where k√q < 0.2)
    /// and, by Stein's identity under the tilted measure,
    /// `E[u (e^(kv) − 1) 1{u>0, v<0}] = s₁ (c t₂ W₂ + (erfcx(t₂ r/√2) − 1)/(2√(2π)))`:
    /// ```
    /// E[φφ]   = s² s₁s₂ (sin φ − φ cos φ)/(2π) + sA [s₁ (c t₂ W₂ + (erfcx(t₂r/√2) − 1)/(2√(2π))) + s₂ (c t₁ W₁ + (erfcx(t₁r/√2) − 1)/(2√(2π)))]
    ///           + A² (T₀ − T₁ − T₂ + φ/(2π))
    /// E[φ'φ'] = s² φ/(2π) + sAk (W₁ + W₂) + A²k² T₀,        φ = arccos(−c)
    /// ```
    /// For |c| ≤ 0.925, `Φ₂(h, k; ρ) = Φ(h)Φ(k) + (1/2π) ∫₀^(arcsin ρ) exp(−(h² − 2hk sin θ + k²)/(2cos²θ)) dθ`
    /// ([Drezner & Wesolowsky 1990]; [Genz 2004]) on one Gauss–Legendre rule (``DreznerRules``) with
    /// the tilt `e^E` folded into the exponent: W₁, W₂ have T₁, T₂'s integrands with the opposite sign
    /// (W + T = e^(t²/2) Φ(−t)), so a pair costs 3 `exp` per node (~1 µs in all). Validated against the
    /// adaptive tilted-orthant integrals (held to 1e-15) over the box, 2.4e-14 relative at worst on
    /// E[φ'φ'] and 1.7e-14 of the scale √(E[φ(u)²] E[φ(v)²]) on E[φφ], and against 24-digit mpmath.
    ///
    /// [Drezner & Wesolowsky 1990]: https://doi.org/10.1080/00949659008811236
    /// [Genz 2004]: https://doi.org/10.1023/B:STCO.0000035304.20635.31
    func exponentialKernelPair(variance1 q1: Double, covariance q12: Double, variance2 q2: Double,
                               smallTilts: Bool = false, largeTilts: Bool = false) -> (kernel: Double, derivative: Double)? {
        guard let first = ExponentialPairInput(self, variance: q1), let second = ExponentialPairInput(self, variance: q2) else { return nil }
        return exponentialKernelPair(first, covariance: q12, second, smallTilts: smallTilts, largeTilts: largeTilts)
    }

    /// ``exponentialKernelPair(variance1:covariance:variance2:smallTilts:largeTilts:)`` with each input's own
    /// quantities computed once (a Gram matrix's input meets N − 1 partners per layer): bit for bit the same.
    @inline(__always)
    func exponentialKernelPair(_ first: ExponentialPairInput, covariance q12: Double, _ second: ExponentialPairInput,
                               smallTilts: Bool = false, largeTilts: Bool = false) -> (kernel: Double, derivative: Double)? {
        guard case let .exponential(amplitude, k) = negative, q12.isFinite else { return nil }
        let q1 = first.variance, q2 = second.variance
        let s1 = first.deviation, s2 = second.deviation
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        let t1 = first.tilt, t2 = second.tilt
        // With `largeTilts`, above the box: the five orthants as positive tilted-tail integrals
        // (ExponentialKernelsLargeTilt.swift), up to k√q = largeTiltMaximum.
        if largeTilts, max(t1, t2) > Self.pairTiltRange.upperBound {
            guard abs(c) <= Self.pairHighCorrelationBound,
                  min(t1, t2) >= (smallTilts ? Self.pairTiltRange.lowerBound : Self.pairPriceBelow) else { return nil }
            return exponentialKernelPairLargeTilt(s1: s1, s2: s2, correlation: c)
        }
        guard Self.pairTiltRange.contains(t1), Self.pairTiltRange.contains(t2), abs(c) <= Self.pairHighCorrelationBound,
              smallTilts || min(t1, t2) >= Self.pairPriceBelow else { return nil }
        let e0 = 0.5 * (t1 * t1 + 2 * c * t1 * t2 + t2 * t2), e1 = 0.5 * t1 * t1, e2 = 0.5 * t2 * t2
        let h0 = -(t1 + c * t2), k0 = -(t2 + c * t1)
        let t0v: Double, t1v: Double, t2v: Double, w1: Double, w2: Double
        if abs(c) > Self.pairCorrelationBound {
            t0v = tableExp(e0) * bivariateNormalHighCorrelation(h0, k0, correlation: c)
            // T₁, W₁ (and T₂, W₂) are Φ₂(h, k; c) and Φ₂(h, −k; −c): one Genz integral each pair.
            let (p1, m1) = bivariateNormalHighCorrelationPair(-t1, -c * t1, correlation: c)
            let (p2, m2) = bivariateNormalHighCorrelationPair(-t2, -c * t2, correlation: c)
            let tilt1 = first.tiltFactor, tilt2 = second.tiltFactor
            t1v = tilt1 * p1
            t2v = tilt2 * p2
            w1 = tilt1 * m1
            w2 = tilt2 * m2
        } else {
            let p1 = first.tailProbability, p2 = second.tailProbability
            let pc1 = standardNormalCDF(-c * t1), pc2 = standardNormalCDF(-c * t2)
            // h·k and (h² + k²)/2 of T₀, T₁, T₂ (W₁, W₂: hk = −c t², sin θ = −sn on [0, −arcsin c]).
            let hk0 = h0 * k0, hs0 = 0.5 * (h0 * h0 + k0 * k0)
            let hk1 = c * t1 * t1, hs1 = 0.5 * t1 * t1 * (1 + c * c)
            let hk2 = c * t2 * t2, hs2 = 0.5 * t2 * t2 * (1 + c * c)
            let a = asin(c)
            let rule = abs(c) < 0.3 ? DreznerRules.small : (abs(c) < 0.75 ? DreznerRules.medium : DreznerRules.large)
            let (sum0, sum1, sum2) = Self.dreznerSums(rule, halfAngle: 0.5 * a, e: SIMD3(e0, e1, e2),
                                                      hk: SIMD3(hk0, hk1, hk2), hs: SIMD3(hs0, hs1, hs2))
            let scale = a / (4 * Double.pi)
            let tilt1 = first.tiltFactor, tilt2 = second.tiltFactor
            t0v = tableExp(e0) * standardNormalCDF(h0) * standardNormalCDF(k0) + scale * sum0
            t1v = tilt1 * p1 * pc1 + scale * sum1
            t2v = tilt2 * pc2 * p2 + scale * sum2
            w1 = tilt1 * p1 * (1 - pc1) - scale * sum1
            w2 = tilt2 * (1 - pc2) * p2 - scale * sum2
        }
        let s = positiveSlope
        let phi = acos(-c)
        let probability = phi / (2 * Double.pi)
        let invTwoSqrt2Pi = 0.199471140200716338969973029967   // 1/(2√(2π))
        let rOverSqrt2 = ((1 - c) * (1 + c)).squareRoot() * 0.707106781186547524400844362105
        let linear1 = s1 * (c * t2 * w2 + (erfcx(t2 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let linear2 = s2 * (c * t1 * w1 + (erfcx(t1 * rOverSqrt2) - 1) * invTwoSqrt2Pi)
        let kernel = s * s * s1 * s2 * sineMinusPhiCosine(phi) / (2 * Double.pi)
            + s * amplitude * (linear1 + linear2)
            + amplitude * amplitude * (min(t1, t2) < Self.pairPriceBelow ? Self.bothNegativeByPrice(t1, t2, correlation: c)
                                                                          : ((t0v - t1v) - t2v) + probability)
        let derivative = s * s * probability + s * amplitude * k * (w1 + w2) + amplitude * amplitude * k * k * t0v
        return (kernel, derivative)
    }
}

/// What ``PiecewiseForm/exponentialKernelPair(_:covariance:_:smallTilts:largeTilts:)`` needs of one input
/// of variance q alone: s = √q, the tilt t = k s, and inside the Drezner–Wesolowsky box (t in
/// ``PiecewiseForm/pairTiltRange``, the only place they are used) `Φ(−t)` and `e^(t²/2)`.
struct ExponentialPairInput: Sendable {
    let variance: Double, deviation: Double, tilt: Double
    /// `Φ(−t)` and `e^(t²/2)` (NaN outside the Drezner–Wesolowsky box).
    let tailProbability: Double, tiltFactor: Double

    /// nil unless `form` is of the exponential family and q is positive and finite.
    init?(_ form: PiecewiseForm, variance q: Double) {
        guard case let .exponential(_, k) = form.negative, q > 0, q.isFinite else { return nil }
        variance = q
        deviation = q.squareRoot()
        tilt = k * deviation
        if PiecewiseForm.pairTiltRange.contains(tilt) {
            tailProbability = standardNormalCDF(-tilt)
            tiltFactor = tableExp(0.5 * tilt * tilt)
        } else {
            (tailProbability, tiltFactor) = (.nan, .nan)
        }
    }
}
