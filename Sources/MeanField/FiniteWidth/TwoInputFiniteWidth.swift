#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The four-point vertex of two inputs at one layer, in the coordinates `(11, 22, 12)` of the
/// stochastic kernel `Ĝ_αβ = σw² (1/n) Σ_j φ(z_j;α) φ(z_j;β) + σb²`:
/// ```
/// Cov(Ĝ_α1α2, Ĝ_α3α4) = V_(α1α2)(α3α4) / n        (to leading order)
/// ```
/// the book's `V^(ℓ)_(α1α2)(α3α4)` ([Roberts, Yaida & Hanin 2022], §4.3) for the two inputs α = 1, 2.
/// It is symmetric in the two pairs and within each pair, so six components: `(11)(11)`, `(22)(22)`,
/// `(11)(22)`, `(11)(12)`, `(22)(12)`, `(12)(12)`. With equal input norms (`--q0` is shared)
/// `(22)(22) = (11)(11)` and `(22)(12) = (11)(12)` by the symmetry 1 ↔ 2.
///
/// [Roberts, Yaida & Hanin 2022]: https://arxiv.org/abs/2106.10165
public struct TwoInputVertex: Sendable, Hashable {
    /// The 3 × 3 symmetric matrix, row-major, in the order (11, 22, 12).
    public let matrix: [Double]

    init(matrix: [Double]) { self.matrix = matrix }

    /// `V_(11)(11)`: the single-input vertex of input 1 (``FiniteWidthRow/vertex``).
    public var v11_11: Double { matrix[0] }
    /// `V_(22)(22)`.
    public var v22_22: Double { matrix[4] }
    /// `V_(11)(22)`: `n Cov(Ĝ_11, Ĝ_22)`.
    public var v11_22: Double { matrix[1] }
    /// `V_(11)(12)`: `n Cov(Ĝ_11, Ĝ_12)`.
    public var v11_12: Double { matrix[2] }
    /// `V_(22)(12)`.
    public var v22_12: Double { matrix[5] }
    /// `V_(12)(12)`: `n Var(Ĝ_12)`.
    public var v12_12: Double { matrix[8] }
}

/// One row of a two-input finite-width sweep (``FiniteWidth/twoInputSweep(_:q0:c0:weights:layers:width:)``).
public struct TwoInputFiniteWidthRow: Sendable, Hashable {
    /// The layer l (0: the first layer's pre-activations, exactly Gaussian; the vertex is 0).
    public let layer: Int
    /// `K_11`, `K_22`: the infinite-width variances of the two inputs' pre-activations.
    public let kernel11: Double, kernel22: Double
    /// `K_12`: their infinite-width covariance.
    public let kernel12: Double
    /// `c = K_12/√(K_11 K_22)`, the infinite-width correlation.
    public let correlation: Double
    /// The vertex `V_l` of the two inputs.
    public let vertex: TwoInputVertex
    /// `n Var(ĉ)` to leading order, `ĉ = z1·z2/(|z1||z2|)` over the n units of the layer:
    /// `(1 − c²)² + gᵀ V g` (see ``FiniteWidth/twoInputSweep(_:q0:c0:weights:layers:width:)``).
    public let correlationVarianceCoefficient: Double
    /// `√(correlationVarianceCoefficient / n)`: the standard deviation of ĉ across networks at width n.
    public let correlationStandardDeviation: Double
}

/// A two-input finite-width sweep: rows 0...L (fewer when values overflow).
public struct TwoInputFiniteWidthSweep: Sendable, Hashable {
    /// Rows 0 ... L.
    public let rows: [TwoInputFiniteWidthRow]
    /// The first layer whose values were not finite (the rows stop before it), or nil.
    public let firstNonFiniteLayer: Int?
    /// The largest quadrature error estimate behind the rows, relative to each value or to its
    /// natural scale where the value is smaller (as ``FiniteWidthSweep/maximumRelativeErrorEstimate``).
    public let maximumRelativeErrorEstimate: Double
    /// False when some quadrature hit its panel budget.
    public let converged: Bool
}

extension FiniteWidth {
    /// The Gaussian expectations of one layer's two-input recursion, `(z1, z2) ~ N(0, K)`.
    struct TwoInputExpectations {
        var m11 = 0.0, m22 = 0.0, m12 = 0.0          // ⟨φ1²⟩, ⟨φ2²⟩, ⟨φ1φ2⟩
        var p1111 = 0.0, p2222 = 0.0                   // ⟨φ1⁴⟩, ⟨φ2⁴⟩
        var p1122 = 0.0, p1112 = 0.0, p2221 = 0.0      // ⟨φ1²φ2²⟩, ⟨φ1³φ2⟩, ⟨φ1φ2³⟩
        var d11 = 0.0, d22 = 0.0                       // ⟨φ1² (z1² − K11)⟩, ⟨φ2² (z2² − K22)⟩
        var s12 = 0.0                                  // ⟨φ1'φ2'⟩
        var t1 = 0.0, t2 = 0.0                         // ⟨z1φ1' φ2⟩, ⟨φ1 z2φ2'⟩
        var relativeError = 0.0
        var converged = true
    }

    /// The expectations at K, with their error estimates (the refined estimates below, not the raw
    /// nested quadratures', which run unrecorded) recorded in the bound ``AccuracyLedger``.
    static func twoInputExpectations(_ a: Activation, k11: Double, k22: Double, k12: Double) -> TwoInputExpectations {
        let ledger = AccuracyLedger.current
        return AccuracyLedger.unrecorded { twoInputExpectations(a, k11: k11, k22: k22, k12: k12, ledger: ledger) }
    }

    static func twoInputExpectations(_ a: Activation, k11: Double, k22: Double, k12: Double, ledger: AccuracyLedger?) -> TwoInputExpectations {
        var e = TwoInputExpectations()
        func take(_ x: Expectation, scale: Double) -> Double {
            let reference = max(abs(x.value), scale)
            if x.method == .quadrature, reference > 0 {
                e.relativeError = max(e.relativeError, x.errorEstimate / reference)
                ledger?.record(x, reference: reference)
                ledger?.recordVariance(k11)
                ledger?.recordVariance(k22)
            }
            e.converged = e.converged && x.converged
            return x.value
        }
        let kinks = a.kinks.map(\.location), scale = a.featureScale
        func function(_ f: @escaping @Sendable (Double) -> Double) -> KinkedFunction {
            KinkedFunction(kinks: kinks, featureScale: scale, f)
        }
        let value = function { x in a(x) }, square = function { x in let p = a(x); return p * p }
        let cube = function { x in let p = a(x); return p * p * p }
        let fourth = function { x in let p = a(x); return p * p * p * p }
        let radialSlope = function { x in x * a.evaluate(x, .first) }
        // The nested quadrature's own estimate adds the inner integrals' largest *relative* error,
        // which is huge where an inner value crosses 0 (odd factors: tanh, φ³): 1e-11 reported for
        // values right to 1e-15. So each bivariate integral is done twice, on the standard mesh and
        // on one refined once, and the estimate is their difference (the refined value is kept).
        func refined(_ f: KinkedFunction, _ g: KinkedFunction) -> (coarse: Expectation, fine: Expectation) {
            (Gaussian.expectation2D(f, g, variance1: k11, covariance: k12, variance2: k22, refinement: 0),
             Gaussian.expectation2D(f, g, variance1: k11, covariance: k12, variance2: k22, refinement: 1))
        }
        func pair(_ f: KinkedFunction, _ g: KinkedFunction, scale: Double) -> Double {
            let (coarse, fine) = refined(f, g)
            return take(Expectation(value: fine.value, errorEstimate: abs(fine.value - coarse.value), method: .quadrature,
                                    converged: coarse.converged && fine.converged), scale: scale)
        }
        // The activation's route (closed forms, or an analytic inner integral); where that is a
        // quadrature, its estimate is its difference from the refined nested quadrature.
        func kernel(_ order: DerivativeOrder, scale: Double) -> Double {
            let x = Gaussian.expectation2D(order, order, a, variance1: k11, covariance: k12, variance2: k22)
            guard x.method == .quadrature else { return take(x, scale: scale) }
            let f = a.kinkedFunction(order)
            let (_, fine) = refined(f, f)
            return take(Expectation(value: x.value, errorEstimate: abs(x.value - fine.value), method: .quadrature,
                                    converged: x.converged && fine.converged), scale: scale)
        }
        e.m11 = take(Gaussian.expectation(of: .secondMoment, a, variance: k11), scale: 0)
        e.m22 = take(Gaussian.expectation(of: .secondMoment, a, variance: k22), scale: 0)
        let m = (e.m11 * e.m22).squareRoot()
        e.m12 = kernel(.value, scale: m)
        e.p1111 = take(Gaussian.expectation(fourth, variance: k11), scale: e.m11 * e.m11)
        e.p2222 = take(Gaussian.expectation(fourth, variance: k22), scale: e.m22 * e.m22)
        e.p1122 = pair(square, square, scale: m * m)
        e.p1112 = pair(cube, value, scale: m * m)
        e.p2221 = pair(value, cube, scale: m * m)
        e.d11 = take(Gaussian.expectation(function { x in let p = a(x); return p * p * (x * x - k11) }, variance: k11), scale: k11 * e.m11)
        e.d22 = take(Gaussian.expectation(function { x in let p = a(x); return p * p * (x * x - k22) }, variance: k22), scale: k22 * e.m22)
        let slopes = (take(Gaussian.expectation(of: .slopeSquared, a, variance: k11), scale: 0)
            * take(Gaussian.expectation(of: .slopeSquared, a, variance: k22), scale: 0)).squareRoot()
        e.s12 = kernel(.first, scale: slopes)
        e.t1 = pair(radialSlope, value, scale: m)
        e.t2 = pair(value, radialSlope, scale: m)
        return e
    }

    /// The two-input finite-width sweep at width n: two inputs whose first-layer pre-activations
    /// are exactly Gaussian with `K_11 = K_22 = q0`, `K_12 = c0 q0` (SPEC §7).
    ///
    /// In the coordinates `(11, 22, 12)`, with ⟨·⟩ over `(z1, z2) ~ N(0, K_(l−1))`, the kernel map
    /// `F(K)_αβ = σw² ⟨φ_α φ_β⟩ + σb²` gives `K_l = F(K_(l−1))`; conditionally on layer l − 1 the
    /// next stochastic kernel has mean `F(Ĝ_(l−1))` and covariance `σw⁴ N/n`, so to leading order
    /// ([Roberts, Yaida & Hanin 2022], §4.3, the two-input form of the single-input recursion of
    /// ``sweep(_:q0:weights:layers:width:)``, derived here from the conditional mean and covariance
    /// of Ĝ; the book's own equation is not cited by number, not having been checked against its text):
    /// ```
    /// V_l = σw⁴ N + J V_(l−1) Jᵀ,        V_0 = 0
    /// N_(αβ)(γδ) = ⟨φ_α φ_β φ_γ φ_δ⟩ − ⟨φ_α φ_β⟩⟨φ_γ φ_δ⟩
    /// J = ∂F/∂(K_11, K_22, K_12):
    ///   ∂F_11/∂K_11 = χ∥(K_11) = σw² ⟨φ1² (z1² − K_11)⟩/(2 K_11²),   ∂F_11/∂K_22 = ∂F_11/∂K_12 = 0
    ///   ∂F_12/∂K_12 = σw² ⟨φ1' φ2'⟩                                   (Price's theorem)
    ///   ∂F_12/∂K_11 = σw² (⟨z1 φ1' φ2⟩ − K_12 ⟨φ1' φ2'⟩)/(2 K_11)     (K_11 at fixed K_12)
    /// ```
    /// (the last from `z1 = √K_11 u1` at fixed correlation, then the change of c; no φ'' is needed,
    /// so kinks are harmless). The correlation `ĉ = q̂_12/√(q̂_11 q̂_22)` of one network's layer, with
    /// `q̂_αβ = (1/n) Σ_i z_i;α z_i;β`, fluctuates through Ĝ and through the n-unit sample given Ĝ
    /// (Wishart: `n Cov(q̂_αβ, q̂_γδ | Ĝ) = Ĝ_αγ Ĝ_βδ + Ĝ_αδ Ĝ_βγ`); the delta method with
    /// `g = ∂c/∂(K_11, K_22, K_12) = (−c/(2K_11), −c/(2K_22), 1/√(K_11 K_22))` gives
    /// ```
    /// n Var(ĉ) = (1 − c²)² + gᵀ V_l g + O(1/n)
    /// ```
    /// (`(1 − c²)²` is the Wishart part, the sample correlation's variance at a known zero mean).
    /// Exact in the linear case (σw² = 1, σb² = 0): `J = I`, `V_l = l·(K_αγ K_βδ + K_αδ K_βγ)`, so
    /// `n Var(ĉ) = (l + 1)(1 − c²)²`.
    ///
    /// Every expectation is a Gaussian integral: the bivariate ones by
    /// ``Gaussian/expectation2D(_:_:variance1:covariance:variance2:)`` (kink-aware nested quadrature,
    /// closed forms for ⟨φ1φ2⟩, ⟨φ1'φ2'⟩ where they exist), each quadrature done on two meshes (the
    /// second refined once) whose difference is its error estimate.
    ///
    /// [Roberts, Yaida & Hanin 2022]: https://arxiv.org/abs/2106.10165
    public static func twoInputSweep(_ activation: Activation, q0: Double, c0: Double, weights: GaussianWeights, layers: Int,
                                     width: Int) -> TwoInputFiniteWidthSweep {
        let n = Double(width), w2 = weights.sigmaW2, w4 = w2 * w2, b2 = weights.sigmaB2
        var k11 = q0, k22 = q0, k12 = max(-1, min(1, c0)) * q0
        var v = [Double](repeating: 0, count: 9)
        var rows: [TwoInputFiniteWidthRow] = []
        var maximumError = 0.0, converged = true
        func finish(_ bad: Int?) -> TwoInputFiniteWidthSweep {
            TwoInputFiniteWidthSweep(rows: rows, firstNonFiniteLayer: bad, maximumRelativeErrorEstimate: maximumError, converged: converged)
        }
        for layer in 0...max(0, layers) {
            if layer > 0 {
                let e = twoInputExpectations(activation, k11: k11, k22: k22, k12: k12)
                maximumError = max(maximumError, e.relativeError)
                converged = converged && e.converged
                // N in (11, 22, 12).
                let noise = [e.p1111 - e.m11 * e.m11, e.p1122 - e.m11 * e.m22, e.p1112 - e.m11 * e.m12,
                             e.p1122 - e.m11 * e.m22, e.p2222 - e.m22 * e.m22, e.p2221 - e.m22 * e.m12,
                             e.p1112 - e.m11 * e.m12, e.p2221 - e.m22 * e.m12, e.p1122 - e.m12 * e.m12]
                let j = [w2 * e.d11 / (2 * k11 * k11), 0, 0,
                         0, w2 * e.d22 / (2 * k22 * k22), 0,
                         w2 * (e.t1 - k12 * e.s12) / (2 * k11), w2 * (e.t2 - k12 * e.s12) / (2 * k22), w2 * e.s12]
                var next = [Double](repeating: 0, count: 9)
                for a in 0..<3 {
                    for b in 0..<3 {
                        var s = w4 * noise[3 * a + b]
                        for c in 0..<3 where j[3 * a + c] != 0 {
                            for d in 0..<3 where j[3 * b + d] != 0 { s += j[3 * a + c] * v[3 * c + d] * j[3 * b + d] }
                        }
                        next[3 * a + b] = s
                    }
                }
                v = next
                (k11, k22, k12) = (w2 * e.m11 + b2, w2 * e.m22 + b2, w2 * e.m12 + b2)
                guard k11.isFinite, k22.isFinite, k12.isFinite, k11 > 0, k22 > 0, v.allSatisfy(\.isFinite) else { return finish(layer) }
            }
            let s = (k11 * k22).squareRoot()
            let c = max(-1, min(1, k12 / s))
            let g = [-c / (2 * k11), -c / (2 * k22), 1 / s]
            var coefficient = (1 - c) * (1 + c) * (1 - c) * (1 + c)
            for a in 0..<3 { for b in 0..<3 { coefficient += g[a] * v[3 * a + b] * g[b] } }
            // At |c| = 1 the exact value is 0 (g ⊥ every vertex then); rounding may leave a tiny
            // negative remainder, which is 0. Anything larger is not a variance: stop.
            if coefficient < 0, coefficient > -1e-12 * (1 + abs(g[2] * g[2] * v[8])) { coefficient = 0 }
            guard coefficient.isFinite, coefficient >= 0 else { return finish(layer) }
            rows.append(TwoInputFiniteWidthRow(layer: layer, kernel11: k11, kernel22: k22, kernel12: k12, correlation: c,
                                               vertex: TwoInputVertex(matrix: v), correlationVarianceCoefficient: coefficient,
                                               correlationStandardDeviation: (coefficient / n).squareRoot()))
        }
        return finish(nil)
    }
}
