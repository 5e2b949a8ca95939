#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Which Gaussian moment of an activation: `E[φ^(i)]` or `E[φ^(i) · φ^(j)]`.
public struct Moment: Sendable, Hashable {
    /// The derivative order of the first factor.
    public let first: DerivativeOrder
    /// The derivative order of the second factor, or nil for a single factor.
    public let second: DerivativeOrder?

    /// `E[φ^(first) · φ^(second)]`, or `E[φ^(first)]` when `second` is nil.
    public init(_ first: DerivativeOrder, _ second: DerivativeOrder? = nil) {
        self.first = first
        self.second = second
    }

    /// `E[φ]`
    public static let mean = Moment(.value)
    /// `E[φ²]`
    public static let secondMoment = Moment(.value, .value)
    /// `E[φ']`
    public static let slope = Moment(.first)
    /// `E[φ'²]`
    public static let slopeSquared = Moment(.first, .first)
    /// `E[φ'']` (absolutely continuous part)
    public static let curvature = Moment(.second)
    /// `E[φ·φ']`
    public static let valueTimesSlope = Moment(.value, .first)
    /// `E[φ''·φ]`
    public static let curvatureTimesValue = Moment(.second, .value)
}

extension Activation {
    /// `φ^(order)` as a ``KinkedFunction`` (kinks and feature scale attached).
    public func kinkedFunction(_ order: DerivativeOrder) -> KinkedFunction {
        let activation = self
        return KinkedFunction(kinks: kinks.map(\.location), featureScale: featureScale, featureCentre: featureCentre) { x in
            activation.evaluate(x, order)
        }
    }

    /// `φ^(i)` or `φ^(i) · φ^(j)` as a ``KinkedFunction``.
    public func kinkedFunction(_ moment: Moment) -> KinkedFunction {
        guard let second = moment.second else { return kinkedFunction(moment.first) }
        let activation = self, i = moment.first
        return KinkedFunction(kinks: kinks.map(\.location), featureScale: featureScale, featureCentre: featureCentre) { x in
            activation.evaluate(x, i) * activation.evaluate(x, second)
        }
    }
}

/// Exact Gaussian expectations (SPEC §2): closed forms where they exist, kink-aware adaptive
/// quadrature for everything else. The quadrature path serves every activation and is the
/// cross-check of every closed form.
public enum Gaussian {
    /// Which path to take.
    public enum Strategy: Sendable, Hashable {
        /// The closed form when one is known, quadrature otherwise.
        case automatic
        /// Quadrature even when a closed form exists (the cross-check).
        case quadrature
    }

    // MARK: One dimension

    /// `E[g(m + √q z)]`, `z ~ N(0, 1)`, by adaptive Gauss–Kronrod quadrature on a kink-aware mesh.
    ///
    /// ```
    /// E[g(m + √q z)] = ∫_{−12}^{12} g(m + √q z) ϕ(z) dz   (+ < 1e-30 relative)
    /// ```
    /// The kinks of g are breakpoints (a kink-blind rule such as Gauss–Hermite converges only
    /// algebraically: ~5e-6 on E[elu(z)²] with 256 nodes); panels are graded towards g's
    /// features. q = 0 is the point mass `g(m)`.
    public static func expectation(_ g: KinkedFunction, mean m: Double = 0, variance q: Double) -> Expectation {
        expectation(g, mean: m, variance: q, refinement: 0)
    }

    static func expectation(_ g: KinkedFunction, mean m: Double = 0, variance q: Double, refinement: Int) -> Expectation {
        if q == 0 { return Expectation(value: g.evaluate(m), evaluations: 1, method: .pointMass) }
        let s = q.squareRoot()
        let mesh = GaussianMesh.mesh(mean: m, scale: s, kinks: g.kinks, featureScale: g.featureScale, featureCentre: g.featureCentre)
        let f = g.evaluate
        return AdaptiveQuadrature.integrate({ z in
            let density = standardNormalDensity(z)
            return density == 0 ? 0 : f(m + s * z) * density
        }, mesh: mesh, refinement: refinement)
    }

    /// `E[φ^(i)(X) · φ^(j)(X)]` (or `E[φ^(i)(X)]`), `X ~ N(m, q)`.
    public static func expectation(of moment: Moment, _ activation: Activation, mean m: Double = 0,
                                   variance q: Double, strategy: Strategy = .automatic) -> Expectation {
        // Below q = 2^-1000 products of values underflow: computed at a normal scale (TinyVariance.swift).
        if strategy == .automatic, activation.isPositivelyHomogeneous,
           let tiny = tinyVarianceExpectation(of: moment, activation, mean: m, variance: q) {
            return tiny
        }
        if strategy == .automatic, q > 0, activation.closedFormIsWellConditioned(moment, mean: m, variance: q),
           let value = activation.closedFormExpectation(moment.first, moment.second, mean: m, variance: q) {
            return .closedForm(value)
        }
        // elu, selu, celu at mean 0 where the erfc form cancels (k√q < 0.2): the power series.
        if strategy == .automatic, q > 0, let value = activation.smallVarianceSeriesExpectation(moment, mean: m, variance: q) {
            return .closedForm(value)
        }
        AccuracyLedger.current?.recordVariance(q)
        return AccuracyLedger.about(activation.spec, variance: q) {
            if strategy == .automatic, let tiny = tinyVarianceExpectation(of: moment, activation, mean: m, variance: q) { return tiny }
            return expectation(activation.kinkedFunction(moment), mean: m, variance: q)
        }
    }

    // MARK: Two dimensions

    /// `E[f(u1) g(u2)]` for `(u1, u2) ~ N(0, [[q1, q12], [q12, q2]])`, every correlation in [−1, 1].
    ///
    /// In whitened coordinates `u1 = √q1 z1`, `u2 = √q2 (c z1 + r z2)`, `r = √(1 − c²)`:
    /// ```
    /// E[f(u1) g(u2)] = ∫ f(√q1 z1) H(z1) ϕ(z1) dz1,   H(z1) = E[g(√q2 c z1 + √q2 r z2)]
    /// ```
    /// The inner integral is the 1D engine with mean `√q2 c z1` and variance `q2 r²` — its kink
    /// breakpoint `(k − √q2 c z1)/(√q2 r)` moves with z1. H is g smoothed on the scale `√q2 r`,
    /// so the outer mesh takes f's kinks as breakpoints and grades towards g's (smoothed) kink at
    /// `z1 = k/(√q2 c)` down to `r/|c|`. At |c| = 1 the integral is one-dimensional:
    /// `E[f(u1) g(±√(q2/q1) u1)]`, with the kinks of both factors.
    public static func expectation2D(_ f: KinkedFunction, _ g: KinkedFunction,
                                     variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Expectation {
        expectation2D(f, g, variance1: q1, covariance: q12, variance2: q2, refinement: 0)
    }

    static func expectation2D(_ f: KinkedFunction, _ g: KinkedFunction, variance1 q1: Double, covariance q12: Double,
                              variance2 q2: Double, refinement: Int,
                              innerClosedForm: ((_ mean: Double, _ variance: Double) -> Double)? = nil) -> Expectation {
        if q1 == 0 {
            let inner = expectation(g, variance: q2, refinement: refinement)
            return Expectation(value: f.evaluate(0) * inner.value, errorEstimate: abs(f.evaluate(0)) * inner.errorEstimate,
                               evaluations: inner.evaluations + 1, method: inner.method, converged: inner.converged)
        }
        if q2 == 0 { return expectation2D(g, f, variance1: q2, covariance: q12, variance2: q1, refinement: refinement) }
        // H(z1) = E[g(a + bZ)]: exact when g has a 1D closed form, else the 1D engine.
        let innerExpectation: (Double, Double) -> Expectation = { mean, variance in
            if let closed = innerClosedForm, variance > 0 { return .closedForm(closed(mean, variance)) }
            return expectation(g, mean: mean, variance: variance, refinement: refinement)
        }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        // One rounding (q12/√(q1 q2)), as in the closed forms: near |c| = 1 the kernels of kinked
        // derivatives have slope ~1/√(1 − c²), so both paths must see the same c.
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        let r = ((1 - c) * (1 + c)).squareRoot()
        if r == 0 {
            // u2 = c·(s2/s1)·u1 exactly.
            let ratio = c * s2 / s1
            let fg = f.evaluate, gg = g.evaluate
            let gKinksInU1 = g.kinks.map { $0 / ratio }
            let (scale, centre) = KinkedFunction.finer(f.featureScale, f.featureCentre,
                                                       g.featureScale.map { $0 / abs(ratio) }, g.featureCentre / ratio)
            let product = KinkedFunction(kinks: f.kinks + gKinksInU1, featureScale: scale, featureCentre: centre) { x in fg(x) * gg(ratio * x) }
            return expectation(product, variance: q1, refinement: refinement)
        }
        // Outer mesh: f's kinks and features in z1, and H's smoothed kinks / features. H(z1) is g
        // smoothed on the scale √q2·r, seen through u2 = √q2 c z1: each kink k of g is a smoothed
        // kink of H at z1 = k/(√q2 c), and g's curvature around its centre one at centre/(√q2 c).
        var extra: [Double] = []
        if c != 0 {
            for k in g.kinks { extra.append(k / (s2 * c)) }
            let width: Double? = g.kinks.isEmpty
                ? g.featureScale.map { ($0 * $0 + q2 * r * r).squareRoot() }
                : s2 * r
            if let width {
                // Kinks: graded towards each of them (all at 0 for relu..celu: one grading at 0).
                let centres = g.kinks.isEmpty ? [g.featureCentre] : Array(Set(g.kinks)).sorted()
                var graded: [Double] = []
                for centre in centres {
                    GaussianMesh.addGraded(&graded, centre: centre == 0 ? 0 : centre / (s2 * c), finest: width / (s2 * abs(c)))
                }
                extra += graded
            }
        }
        let mesh = GaussianMesh.mesh(mean: 0, scale: s1, kinks: f.kinks, featureScale: f.featureScale,
                                     featureCentre: f.featureCentre, extra: extra)
        let innerVariance = q2 * r * r
        let fEval = f.evaluate
        var innerEvaluations = 0
        var innerRelativeError = 0.0
        var innerConverged = true
        let outer = AdaptiveQuadrature.integrate({ z1 in
            let density = standardNormalDensity(z1)
            if density == 0 { return 0 }
            let fz = fEval(s1 * z1)
            if fz == 0 { return 0 }
            let inner = innerExpectation(s2 * c * z1, innerVariance)
            innerEvaluations += inner.evaluations
            innerConverged = innerConverged && inner.converged
            if inner.value != 0 { innerRelativeError = max(innerRelativeError, inner.errorEstimate / abs(inner.value)) }
            return fz * inner.value * density
        }, mesh: mesh, refinement: refinement)
        return Expectation(value: outer.value,
                           errorEstimate: outer.errorEstimate + innerRelativeError * abs(outer.value),
                           evaluations: outer.evaluations + innerEvaluations, method: .quadrature,
                           converged: outer.converged && innerConverged)
    }

    /// `E[φ^(i)(u1) φ^(j)(u2)]` for zero-mean Gaussian `(u1, u2)` with covariance
    /// `[[q1, q12], [q12, q2]]`: the arc-cosine or arcsine kernel where one exists; else, when one
    /// factor has a 1D closed form (elu, selu, celu at every order; gelu's φ), that factor's
    /// Gaussian integral is done analytically as the inner integral,
    /// ```
    /// E[f(u1) g(u2)] = ∫ f(√q1 z1) · E[g(√q2 c z1 + √q2 r Z)] ϕ(z1) dz1     (inner: closed form)
    /// ```
    /// leaving one adaptive quadrature (~100× faster than the nested one); else
    /// ``expectation2D(_:_:variance1:covariance:variance2:)``. `.quadrature` forces the nested path.
    public static func expectation2D(_ i: DerivativeOrder, _ j: DerivativeOrder, _ activation: Activation,
                                     variance1 q1: Double, covariance q12: Double, variance2 q2: Double,
                                     strategy: Strategy = .automatic) -> Expectation {
        if strategy == .automatic, q1 > 0, q2 > 0,
           let value = activation.closedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2) {
            return .closedForm(value)
        }
        return AccuracyLedger.about(activation.spec, variance: q1, correlation: q12 / (q1 * q2).squareRoot()) {
            quadrature2D(i, j, activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy)
        }
    }

    /// ``expectation2D(_:_:_:variance1:covariance:variance2:strategy:)`` past its closed forms.
    private static func quadrature2D(_ i: DerivativeOrder, _ j: DerivativeOrder, _ activation: Activation,
                                     variance1 q1: Double, covariance q12: Double, variance2 q2: Double,
                                     strategy: Strategy) -> Expectation {
        if strategy == .automatic, q1 > 0, q2 > 0 {
            // One closed-form factor (either one): integrate it analytically as the inner integral.
            for (outer, inner, outerVariance, innerVariance) in [(i, j, q1, q2), (j, i, q2, q1)]
            where activation.closedFormExpectation(inner, nil, mean: 0, variance: 1) != nil {
                let innerFunction = activation.kinkedFunction(inner)
                return expectation2D(activation.kinkedFunction(outer), innerFunction, variance1: outerVariance,
                                     covariance: q12, variance2: innerVariance, refinement: 0) { m, q in
                    // A piecewise polynomial's closed form declines where it would cancel: integrate there.
                    activation.closedFormExpectation(inner, nil, mean: m, variance: q)
                        ?? expectation(innerFunction, mean: m, variance: q).value
                }
            }
        }
        return expectation2D(activation.kinkedFunction(i), activation.kinkedFunction(j),
                             variance1: q1, covariance: q12, variance2: q2)
    }
}
