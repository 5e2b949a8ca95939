#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One row of a finite-width sweep (``FiniteWidth/sweep(_:q0:weights:layers:width:)``): the
/// infinite-width kernel and its leading 1/n corrections at layer l.
public struct FiniteWidthRow: Sendable, Hashable {
    /// The layer l (0 is the first layer's pre-activations, exactly Gaussian).
    public let layer: Int
    /// `K_l`, the infinite-width variance of a pre-activation (the length map's q_l).
    public let kernel: Double
    /// `V_l`, the four-point vertex: `Cov(z_i², z_j²) = V/n` (i ≠ j) to leading order.
    public let vertex: Double
    /// `χ∥ = σw² ⟨φ²(z² − K)⟩/(2K²) = σw² ∂⟨φ²⟩_K/∂K` at `K_l` (it carries V_l and G¹_l into row l + 1).
    public let chiParallel: Double
    /// `G¹_l`: `E[z²] = K + G¹/n + O(1/n²)`.
    public let kernelCorrection: Double
    /// `K + G¹/n`, the finite-width mean of `z²` (and of `q = |z|²/n`) to order 1/n.
    public let meanSquare: Double
    /// `√((2K² + V)/n)`: the standard deviation of `q = |z|²/n` across networks.
    public let qStandardDeviation: Double
    /// `3V/n`: `E[z⁴] − 3 E[z²]²`.
    public let fourthCumulant: Double
    /// `χ⊥ = σw² ⟨φ'²⟩` at `K_l` (the mean-field gain of the squared Jacobian-vector product).
    public let chiPerpendicular: Double
    /// `V_dd/T²`: the relative four-point vertex of the tangent (gradient) kernel; nil when `χ⊥ = 0`.
    public let gradientVertex: Double?
    /// `(V_dd/T² + 2)/n`: the relative variance `Var[Y]/E[Y]²` of `Y = |J u|²/n` across networks;
    /// nil when `χ⊥ = 0`.
    public let gradientRelativeVariance: Double?
    /// `exp(grad_rel_var) − 1`: the log-normal resummation (log Y Gaussian with variance
    /// grad_rel_var, as for a product of many independent layer factors; relu's exact law is
    /// `(1 + 5/n)^l (1 + 2/n) − 1 ≈ exp((5l + 2)/n) − 1`, [Hanin & Nica 2020]). It agrees with the
    /// leading order while that is small and tracks simulations at depth/width of order 1, where the
    /// leading order falls short; nil when `χ⊥ = 0` or when it overflows (grad_rel_var > 709: far outside
    /// the range of the expansion anyway).
    ///
    /// [Hanin & Nica 2020]: https://arxiv.org/abs/1812.05994
    public var gradientRelativeVarianceLogNormal: Double? {
        gradientRelativeVariance.flatMap { r in let v = expm1(r); return v.isFinite ? v : nil }
    }
    /// The exact finite-width moments when φ is positively homogeneous and σb² = 0.
    public let exact: ScaleInvariantMoments?
}

/// Exact moments at finite width for the scale-invariant class (φ(λx) = λφ(x) for λ > 0: linear,
/// relu, leaky_relu) with σb² = 0. Every layer multiplies the pre-activations' squared norm by an
/// independent factor `X = (σw²/n) Σ_j φ(g_j)²`, g iid N(0, 1) (for relu a χ² with Binomial(n, 1/2)
/// degrees of freedom), so with `m1 = σw² A₂`, `E[X²] = m1² (1 + κ/n)`, `κ = A₄/A₂² − 1`,
/// `A_k = E[φ(g)^k]` (κ = 5 relu, 2 linear):
/// ```
/// Ĝ_l = K_0 X_1 ⋯ X_l,   z_i | Ĝ_l ~ N(0, Ĝ_l) iid,   q_l = Ĝ_l χ²_n/n
/// n Cov(z_i², z_j²) = n K_0² m1^(2l) ((1 + κ/n)^l − 1)
/// Var[q_l] = K_0² m1^(2l) ((1 + κ/n)^l (1 + 2/n) − 1)
/// ```
/// The Jacobian-vector product has the same law (the sign of z_j is independent of |dz_j| for
/// centred jointly Gaussian pairs), so `Var[Y]/E[Y]² = (1 + κ/n)^l (1 + 2/n) − 1`, the finite-n form
/// of [Hanin & Nica 2020]'s `exp(5 Σ 1/n)` for relu.
///
/// [Hanin & Nica 2020]: https://arxiv.org/abs/1812.05994
public struct ScaleInvariantMoments: Sendable, Hashable {
    /// `n Cov(z_i², z_j²)` exactly (the exact counterpart of ``FiniteWidthRow/vertex``).
    public let vertex: Double
    /// The exact standard deviation of `q = |z|²/n` across networks.
    public let qStandardDeviation: Double
    /// The exact `E[z⁴] − 3E[z²]²`.
    public let fourthCumulant: Double
    /// The exact `n (E[z²] − K)`: 0, the map being linear in K.
    public let kernelCorrection: Double
    /// The exact `Var[Y]/E[Y]²` of `Y = |J u|²/n`.
    public let gradientRelativeVariance: Double
}

/// A finite-width sweep: rows 0...L (fewer when the values overflow), with how well the Gaussian
/// expectations behind them are known.
public struct FiniteWidthSweep: Sendable, Hashable {
    /// Rows 0 ... L.
    public let rows: [FiniteWidthRow]
    /// The first layer whose values were not finite (the rows stop before it), or nil.
    public let firstNonFiniteLayer: Int?
    /// The largest error estimate of the quadratures behind the rows, relative to each value or, where
    /// the value is smaller, to its natural scale (`K²⟨φ²⟩` for `⟨φ²He₄⟩`, whose integrand cancels
    /// like K as K → 0); 0 when all were closed forms. QUADPACK's estimate is pessimistic: tanh at
    /// K = 1e-3 matches 30-digit references to 3e-14.
    public let maximumRelativeErrorEstimate: Double
    /// False when some quadrature hit its panel budget.
    public let converged: Bool
    /// `κ = A₄/A₂² − 1` of ``ScaleInvariantMoments`` when the exact law applies, else nil.
    public let kappa: Double?
}

/// Leading 1/n corrections to the infinite-width (mean-field) description of a deep network of
/// equal widths n, from the single-input recursions of [Roberts, Yaida & Hanin 2022] (ch. 4–5).
///
/// Given layer l − 1, the pre-activations of layer l are iid `N(0, Ĝ_l)` with the *stochastic
/// kernel* `Ĝ_l = σw² (1/n) Σ_j φ(z_j^(l−1))² + σb²`. Its mean is `K_l + G¹_l/n`, its variance
/// `V_l/n`; expanding `E[Ĝ_l | Ĝ_(l−1)] = σw² ⟨φ²⟩_Ĝ + σb²` to second order around `K_(l−1)`
/// (with `∂_K⟨f⟩ = ⟨f (z² − K)⟩/(2K²)` and `∂²_K⟨f⟩ = ⟨f (z⁴ − 6Kz² + 3K²)⟩/(4K⁴)`, Gaussian
/// integration by parts) gives, with ⟨·⟩ over z ~ N(0, K_(l−1)):
/// ```
/// K_l  = σw² ⟨φ²⟩ + σb²
/// V_l  = σw⁴ (⟨φ⁴⟩ − ⟨φ²⟩²) + χ∥² V_(l−1),          χ∥ = σw² ⟨φ² (z² − K)⟩/(2K²)
/// G¹_l = χ∥ G¹_(l−1) + (σw²/8) ⟨φ² (z⁴ − 6Kz² + 3K²)⟩/K⁴ · V_(l−1)
/// ```
/// with `V_0 = G¹_0 = 0`: single-input forms of the book's four-point-vertex recursion (§4.3, "Deeper
/// Layers: Accumulation of Non-Gaussianity") and NLO-metric recursion (§4.5, "Subleading
/// Corrections"). The G¹ recursion above is derived here independently, as described; its
/// equation number in the book is *not* cited because it could not be checked against the text
/// for this release (the section is from the book's table of contents), and the recursion is
/// validated instead by 30-digit mpmath references and by Monte Carlo (n (E[z²] − K) → G¹). Then
/// `Var[q] = (2K² + V)/n` for `q = |z|²/n` and `E[z⁴] − 3E[z²]² = 3V/n`.
///
/// Gradients: the Jacobian-vector product `dz^l = ∂z^l/∂x · u` along an input direction u ⊥ x
/// (so `dz⁰` is iid N(0, T_0) and independent of `z⁰`) has the stochastic kernels
/// `Ĝ_dd = σw² (1/n) Σ φ'(z_j)² dz_j²` and `Ĝ_zd` (mean 0 by dz → −dz symmetry); to leading order,
/// with `T_l = χ⊥ T_(l−1)`, `χ⊥ = σw²⟨φ'²⟩`, `α = σw²⟨φ'²(z² − K)⟩/(2K²)`, the relative vertices
/// `r_zd = V_zd/T`, `r_dd = V_dd/T²` obey
/// ```
/// r_zd,l = σw⁴ (⟨φ²φ'²⟩ − ⟨φ²⟩⟨φ'²⟩)/χ⊥ + (χ∥ α/χ⊥) V_(l−1) + χ∥ r_zd,(l−1)
/// r_dd,l = σw⁴ (3⟨φ'⁴⟩ − ⟨φ'²⟩²)/χ⊥² + (α/χ⊥)² V_(l−1) + (2α/χ⊥) r_zd,(l−1) + r_dd,(l−1)
/// ```
/// and `Y = |dz|²/n` has `Var[Y]/E[Y]² = (r_dd + 2)/n` (relu at (2, 0): `(5l + 2)/n`, the leading
/// order of [Hanin & Nica 2020]'s `exp(5 Σ 1/n)`).
///
/// Every expectation is a 1D Gaussian integral on the kink-aware adaptive quadrature (closed forms
/// for ⟨φ²⟩, ⟨φ'²⟩ where they exist); relative error estimates are propagated into
/// ``FiniteWidthSweep/maximumRelativeErrorEstimate``.
///
/// [Roberts, Yaida & Hanin 2022]: https://arxiv.org/abs/2106.10165
/// [Hanin & Nica 2020]: https://arxiv.org/abs/1812.05994
public enum FiniteWidth {
    /// The Gaussian expectations one layer's recursions need, at variance K.
    struct LayerExpectations {
        var secondMoment = 0.0            // ⟨φ²⟩
        var fourthMoment = 0.0            // ⟨φ⁴⟩
        var firstDerivative = 0.0         // ⟨φ² (z² − K)⟩
        var secondDerivative = 0.0        // ⟨φ² (z⁴ − 6Kz² + 3K²)⟩
        var slopeSquared = 0.0            // ⟨φ'²⟩
        var slopeFourth = 0.0             // ⟨φ'⁴⟩
        var slopeDerivative = 0.0         // ⟨φ'² (z² − K)⟩
        var valueSlopeSquared = 0.0       // ⟨φ² φ'²⟩
        var relativeError = 0.0
        var converged = true
    }

    /// The expectations at K, with their error estimates recorded in the bound ``AccuracyLedger``
    /// on this computation's scale (below), not the raw quadratures' (which run unrecorded).
    static func expectations(_ activation: Activation, variance k: Double) -> LayerExpectations {
        let ledger = AccuracyLedger.current
        return AccuracyLedger.unrecorded { expectations(activation, variance: k, ledger: ledger) }
    }

    static func expectations(_ activation: Activation, variance k: Double, ledger: AccuracyLedger?) -> LayerExpectations {
        var e = LayerExpectations()
        // The error estimate relative to the value, or to its natural scale (K^j times the moment
        // it perturbs) where the value is smaller (relu's ⟨φ²He₄⟩ = 0, tanh's ⟨φ²He₄⟩ ~ K⁴ at small K):
        // the quadrature's target is 1e-13 of ∫|f|, which is of that scale.
        func take(_ x: Expectation, scale: Double? = nil) -> Double {
            let reference = max(abs(x.value), scale ?? 0)
            if x.method == .quadrature, reference > 0 {
                e.relativeError = max(e.relativeError, x.errorEstimate / reference)
                ledger?.record(x, reference: reference)
                ledger?.recordVariance(k)
            }
            e.converged = e.converged && x.converged
            return x.value
        }
        let kinks = activation.kinks.map(\.location), scale = activation.featureScale
        func integrate(_ f: @escaping @Sendable (Double) -> Double) -> Expectation {
            Gaussian.expectation(KinkedFunction(kinks: kinks, featureScale: scale, f), variance: k)
        }
        let a = activation
        e.secondMoment = take(Gaussian.expectation(of: .secondMoment, a, variance: k))
        e.slopeSquared = take(Gaussian.expectation(of: .slopeSquared, a, variance: k))
        let m2 = e.secondMoment, s2 = e.slopeSquared
        e.fourthMoment = take(integrate { x in let p = a(x); return p * p * p * p }, scale: m2 * m2)
        e.firstDerivative = take(integrate { x in let p = a(x); return p * p * (x * x - k) }, scale: k * m2)
        e.secondDerivative = take(integrate { x in let p = a(x), x2 = x * x; return p * p * (x2 * x2 - 6 * k * x2 + 3 * k * k) },
                                  scale: k * k * m2)
        e.slopeFourth = take(integrate { x in let s = a.evaluate(x, .first); return s * s * s * s }, scale: s2 * s2)
        e.slopeDerivative = take(integrate { x in let s = a.evaluate(x, .first); return s * s * (x * x - k) }, scale: k * s2)
        e.valueSlopeSquared = take(integrate { x in let p = a(x), s = a.evaluate(x, .first); return p * p * s * s }, scale: m2 * s2)
        return e
    }

    /// The finite-width sweep at width n from a first layer of variance `q0` (SPEC §7).
    ///
    /// - Parameters:
    ///   - q0: `K_0 > 0`, the variance of the first layer's (Gaussian) pre-activations.
    ///   - width: n ≥ 1, the width of every hidden layer.
    public static func sweep(_ activation: Activation, q0: Double, weights: GaussianWeights, layers: Int,
                             width: Int) -> FiniteWidthSweep {
        let n = Double(width), w2 = weights.sigmaW2, w4 = w2 * w2
        let exactFactor = scaleInvariantFactor(activation, weights: weights)
        var rows: [FiniteWidthRow] = []
        var k = q0, v = 0.0, g1 = 0.0, rzd = 0.0, rdd = 0.0
        var gradientAlive = true
        var maximumError = 0.0, converged = true
        var e = expectations(activation, variance: k)
        for layer in 0...max(0, layers) {
            if layer > 0 {
                let chiPar = w2 * e.firstDerivative / (2 * k * k)
                let curvature = w2 * e.secondDerivative / (8 * k * k * k * k)
                let chiPerp = w2 * e.slopeSquared
                let nextK = w2 * e.secondMoment + weights.sigmaB2
                let nextV = w4 * (e.fourthMoment - e.secondMoment * e.secondMoment) + chiPar * chiPar * v
                let nextG1 = chiPar * g1 + curvature * v
                if gradientAlive, chiPerp > 0 {
                    let alpha = w2 * e.slopeDerivative / (2 * k * k) / chiPerp
                    let nextRzd = w4 * (e.valueSlopeSquared - e.secondMoment * e.slopeSquared) / chiPerp + chiPar * alpha * v + chiPar * rzd
                    rdd = w4 * (3 * e.slopeFourth - e.slopeSquared * e.slopeSquared) / (chiPerp * chiPerp) + alpha * alpha * v
                        + 2 * alpha * rzd + rdd
                    rzd = nextRzd
                } else {
                    gradientAlive = false
                }
                (k, v, g1) = (nextK, nextV, nextG1)
                guard k.isFinite, k > 0, v.isFinite, g1.isFinite else {
                    return FiniteWidthSweep(rows: rows, firstNonFiniteLayer: layer, maximumRelativeErrorEstimate: maximumError,
                                            converged: converged, kappa: exactFactor?.kappa)
                }
                e = expectations(activation, variance: k)
            }
            maximumError = max(maximumError, e.relativeError)
            converged = converged && e.converged
            let chiPerp = w2 * e.slopeSquared
            let alive = gradientAlive && chiPerp > 0 && rdd.isFinite
            let exact = exactFactor.map { f in f.moments(q0: q0, layer: layer, width: width) }
            let row = FiniteWidthRow(
                layer: layer, kernel: k, vertex: v, chiParallel: w2 * e.firstDerivative / (2 * k * k), kernelCorrection: g1,
                meanSquare: k + g1 / n, qStandardDeviation: ((2 * k * k + v) / n).squareRoot(), fourthCumulant: 3 * v / n,
                chiPerpendicular: chiPerp, gradientVertex: alive ? rdd : nil, gradientRelativeVariance: alive ? (rdd + 2) / n : nil,
                exact: exact)
            guard row.chiParallel.isFinite, row.qStandardDeviation.isFinite, chiPerp.isFinite else {
                return FiniteWidthSweep(rows: rows, firstNonFiniteLayer: layer, maximumRelativeErrorEstimate: maximumError,
                                        converged: converged, kappa: exactFactor?.kappa)
            }
            rows.append(row)
        }
        return FiniteWidthSweep(rows: rows, firstNonFiniteLayer: nil, maximumRelativeErrorEstimate: maximumError,
                                converged: converged, kappa: exactFactor?.kappa)
    }

    /// The per-layer factor of the exact law for a positively homogeneous φ with σb² = 0.
    struct ScaleInvariantFactor {
        /// `m1 = σw² A₂ = E[X]`.
        let mean: Double
        /// `κ = A₄/A₂² − 1`: `E[X²] = m1² (1 + κ/n)`.
        let kappa: Double

        func moments(q0: Double, layer l: Int, width: Int) -> ScaleInvariantMoments {
            let n = Double(width), lf = Double(l)
            // (1 + κ/n)^l − 1 and (1 + κ/n)^l (1 + 2/n) − 1 without cancellation.
            let logGrowth = lf * log1p(kappa / n)
            let kernelScale = q0 * pow(mean, lf)
            let varianceOfKernel = kernelScale * kernelScale * expm1(logGrowth)
            let relativeVarianceOfQ = expm1(logGrowth + log1p(2 / n))
            return ScaleInvariantMoments(vertex: n * varianceOfKernel,
                                         qStandardDeviation: kernelScale * relativeVarianceOfQ.squareRoot(),
                                         fourthCumulant: 3 * varianceOfKernel, kernelCorrection: 0,
                                         gradientRelativeVariance: relativeVarianceOfQ)
        }
    }

    /// The exact law's factor when φ is positively homogeneous (φ(λx) = λφ(x), λ > 0) and σb² = 0;
    /// nil otherwise. Homogeneity is checked on the function itself (φ(0) = 0 and φ(2x) = 2φ(x) at
    /// several points of either sign), so it holds for any parameters.
    static func scaleInvariantFactor(_ activation: Activation, weights: GaussianWeights) -> ScaleInvariantFactor? {
        guard weights.sigmaB2 == 0, activation(0) == 0 else { return nil }
        for x in [-3.75, -1.0, -0.3125, 0.3125, 1.0, 3.75] {
            let y = activation(x), y2 = activation(2 * x)
            guard abs(y2 - 2 * y) <= 1e-15 * abs(y2) else { return nil }
        }
        // φ(x) = s₊x (x ≥ 0), s₋x (x < 0): A₂ = (s₊² + s₋²)/2, A₄ = 3(s₊⁴ + s₋⁴)/2.
        let positive = activation(1), negative = -activation(-1)
        let p2 = positive * positive, m2 = negative * negative
        let a2 = (p2 + m2) / 2, a4 = 3 * (p2 * p2 + m2 * m2) / 2
        guard a2 > 0 else { return nil }
        return ScaleInvariantFactor(mean: weights.sigmaW2 * a2, kappa: a4 / (a2 * a2) - 1)
    }
}
