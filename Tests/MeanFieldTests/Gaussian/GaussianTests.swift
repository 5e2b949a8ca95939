import Foundation
import Testing
@testable import MeanField

let catalogue: [String] = ["linear", "relu", "leaky_relu", "leaky_relu:slope=0.2", "elu", "elu:alpha=0.5", "selu",
                           "celu", "celu:alpha=0.5", "gelu", "silu", "softplus", "tanh", "erf", "sigmoid"]
let specVariances: [Double] = [1e-6, 1e-2, 1, 100, 1e4]
let specCorrelations: [Double] = [-1, -0.999, -0.5, 0, 0.5, 0.999, 1]

@Suite("Gaussian expectations, one dimension")
struct OneDimensionalTests {
    /// Literals from issue #2, recomputed with mpmath at 35 digits (Reference/make_references.py):
    /// E[elu(z)²] = 0.644945417492923863063461, 1/E[elu(z)²] = 1.550518808067927210923345.
    @Test(arguments: [Gaussian.Strategy.automatic, .quadrature])
    func eluSecondMomentLiteral(strategy: Gaussian.Strategy) {
        let e = Gaussian.expectation(of: .secondMoment, activation("elu"), variance: 1, strategy: strategy)
        expectClose(e.value, 0.644945417492923863063461, .relative(4e-16))
        expectClose(1 / e.value, 1.550518808067927210923345, .relative(4e-16))
    }

    /// λ01, α01 are defined by E[selu(z)] = 0 and E[selu(z)²] = 1 (Klambauer et al. 2017, §3).
    @Test(arguments: [Gaussian.Strategy.automatic, .quadrature])
    func seluIsNormalizedAtUnitVariance(strategy: Gaussian.Strategy) {
        let selu = activation("selu")
        expectClose(Gaussian.expectation(of: .mean, selu, variance: 1, strategy: strategy).value, 0, .absolute(1e-15))
        expectClose(Gaussian.expectation(of: .secondMoment, selu, variance: 1, strategy: strategy).value, 1, .absolute(1e-15))
    }

    /// E[relu'(X)] = P(X ≥ 0) = 1/2 for every q at m = 0.
    @Test(arguments: specVariances)
    func reluSlopeIsOneHalf(q: Double) {
        #expect(Gaussian.expectation(of: .slope, activation("relu"), variance: q).value == 0.5)
        expectClose(Gaussian.expectation(of: .slope, activation("relu"), variance: q, strategy: .quadrature).value, 0.5)
    }

    /// E[elu'(√q z)] = 1/2 + α e^(q/2) Φ(−√q) (issue #2; elementary: ∫_{−∞}^0 α eˣ N(x; 0, q) dx).
    @Test(arguments: [0.5, 1, 2], [1e-6, 1e-2, 1, 10, 100])
    func eluSlopeFormula(alpha: Double, q: Double) {
        let expected = 0.5 + alpha * exp(q / 2) * 0.5 * erfc(q.squareRoot() / 2.0.squareRoot())
        let a = try! Activation(.elu, ["alpha": alpha])
        for strategy in [Gaussian.Strategy.automatic, .quadrature] {
            expectClose(Gaussian.expectation(of: .slope, a, variance: q, strategy: strategy).value, expected,
                        .relative(4e-14), "alpha \(alpha) q \(q)")
        }
    }

    /// Every activation × moment × q ∈ {1e-6 … 1e4} × m ∈ {0, ±1} against 35-digit mpmath values.
    @Test("closed forms and quadrature against mpmath references")
    func references() {
        #expect(oneDimensionalReferences.count >= 1500)
        for r in oneDimensionalReferences {
            let a = activation(r.spec)
            let automatic = Gaussian.expectation(of: r.moment, a, mean: r.mean, variance: r.variance)
            let quadrature = Gaussian.expectation(of: r.moment, a, mean: r.mean, variance: r.variance, strategy: .quadrature)
            let context = "\(r.spec) \(r.moment) m=\(r.mean) q=\(r.variance)"
            expectClose(automatic.value, r.value, .spec, context + " [\(automatic.method.rawValue)]")
            expectClose(quadrature.value, r.value, .spec, context + " [quadrature]")
            #expect(quadrature.converged, "\(context)")
        }
    }

    /// At small q the exponential side's closed form cancels (terms ~A²P₋, sum ~A²(k√q)²P₋); the
    /// engine must keep *relative* accuracy there, since ratios such as c = q12/q are formed from
    /// these moments. References: mpmath at 40 digits, tanh-sinh split at the kink,
    /// `mp.quad(lambda z: f(s*z)**k * mp.npdf(z), [-15, -5, -1, 0, 1, 5, 15])` with
    /// `f(x) = x if x > 0 else alpha*mp.expm1(x/alpha)` (celu; elu is alpha = 1), s = √q.
    @Test(arguments: [
        ("celu:alpha=2", 1e-6, 9.9960127636990334685e-7, 1.2496676262080461324e-7),
        ("celu:alpha=2", 1e-3, 0.00098759997337085762721, 0.00012395645504088434778),
        ("elu", 1e-6, 9.9920298964195792877e-7, 2.4986708171328044995e-7),
        ("elu", 1e-3, 0.00097561907447316774646, 0.00024585644838359875458),
    ])
    func smallVarianceKeepsRelativeAccuracy(spec: String, q: Double, secondMoment: Double, mean: Double) {
        let a = activation(spec)
        expectClose(Gaussian.expectation(of: .secondMoment, a, variance: q).value, secondMoment, .relative(1e-13), "\(spec) q=\(q) E[φ²]")
        // E[φ] ~ q/4 is what is left of ∫|φ|ϕ ~ √q after the two sides cancel: SPEC §2's 1e-12
        // relative is the bound here (measured 8.7e-13 for celu:alpha=2 at q = 1e-6, was 1.2e-9).
        expectClose(Gaussian.expectation(of: .mean, a, variance: q).value, mean, .relative(1e-12), "\(spec) q=\(q) E[φ]")
    }

    @Test func expectationKnowsHowItWasObtained() {
        let closed = Gaussian.expectation(of: .secondMoment, activation("elu"), variance: 1)
        #expect(closed.method == .closedForm && closed.evaluations == 0 && closed.errorEstimate == 0)
        let numeric = Gaussian.expectation(of: .secondMoment, activation("tanh"), variance: 1)
        #expect(numeric.method == .quadrature && numeric.evaluations > 0 && numeric.converged)
        #expect(numeric.errorEstimate > 0 && numeric.errorEstimate < 1e-12)
        let point = Gaussian.expectation(of: .mean, activation("tanh"), mean: 0.5, variance: 0)
        #expect(point.method == .pointMass && point.value == tanh(0.5))
    }

    /// Plain Gauss–Hermite is the kink-blind rule SPEC §2 warns about: its error on E[elu(z)²]
    /// is ~5e-6 with 256 nodes. The kink-aware quadrature must not share it.
    @Test func kinkAwareBeatsGaussHermite() {
        let e = Gaussian.expectation(of: .secondMoment, activation("elu:alpha=2"), variance: 1, strategy: .quadrature)
        let closed = Gaussian.expectation(of: .secondMoment, activation("elu:alpha=2"), variance: 1)
        expectClose(e.value, closed.value, .relative(1e-15))
    }

    /// erfcx(x) = e^(x²) erfc(x) against mpmath 1.3.0 at 40 digits (`exp(x**2)*erfc(x)`).
    @Test(arguments: [(0.0, 1.0), (1e-30, 1.0), (1.0, 0.42758357615580700441), (5.0, 0.11070463773306862637),
                      (25.9, 0.021767181150738212562), (26.0, 0.021683584850562906616), (27.0, 0.020881607990420940674),
                      (100.0, 0.0056416137829894329036), (1e10, 5.6418958354775628695e-11)])
    func erfcxAgainstMpmath(x: Double, expected: Double) {
        expectClose(erfcx(x), expected, .relative(4e-16))
    }

    @Test func erfcxIsContinuousAtTheSwitch() {
        expectClose(erfcx(26.0.nextDown), erfcx(26), .relative(1e-15))
    }
}

@Suite("Gaussian expectations, two dimensions")
struct TwoDimensionalTests {
    static let closedFormActivations = ["relu", "leaky_relu:slope=0.2", "linear", "erf"]
    static let orderPairs: [(DerivativeOrder, DerivativeOrder)] = [(.value, .value), (.first, .first)]

    /// Arc-cosine (relu, leaky_relu, linear) and arcsine (erf) kernels against the numerical path
    /// over the whole SPEC grid of q and c, equal and unequal variances.
    @Test(arguments: closedFormActivations, specVariances)
    func closedFormsAgreeWithQuadrature(spec: String, q: Double) {
        let a = activation(spec)
        for c in specCorrelations {
            for (q1, q2) in [(q, q), (q, 2 * q)] {
                for (i, j) in Self.orderPairs {
                    let q12 = c * (q1 * q2).squareRoot()
                    let closed = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2)
                    let numeric = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    #expect(closed.method == .closedForm)
                    expectClose(numeric.value, closed.value, .spec, "\(spec) (\(i),\(j)) q1=\(q1) q2=\(q2) c=\(c)")
                    #expect(numeric.converged)
                }
            }
        }
    }

    /// The semi-closed path (closed-form inner integral, one quadrature) against the fully nested
    /// quadrature, over the SPEC grid of q and c, for every activation with a 1D closed form but
    /// no 2D one.
    @Test(arguments: ["elu", "elu:alpha=0.5", "selu", "celu", "celu:alpha=0.5", "gelu"], specVariances)
    func semiClosedAgreesWithNested(spec: String, q: Double) {
        let a = activation(spec)
        for c in specCorrelations {
            for (q1, q2) in [(q, q), (q, 3 * q)] {
                for (i, j) in Self.orderPairs + [(.value, .first), (.second, .value)] {
                    let q12 = c * (q1 * q2).squareRoot()
                    let fast = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2)
                    let nested = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    #expect(fast.converged && nested.converged)
                    expectClose(fast.value, nested.value, .spec, "\(spec) (\(i),\(j)) q1=\(q1) q2=\(q2) c=\(c)")
                }
            }
        }
    }

    /// relu's derivative kernel is (π − θ)/(2π), θ = arccos c (Cho & Saul 2009, degree 0); the
    /// expected values are mpmath 1.3.0 at 30 digits: `(pi - acos(c))/(2*pi)` (in double precision
    /// π − acos(c) itself loses two digits at c = −0.999).
    @Test(arguments: [(-1.0, 0.0), (-0.999, 0.0071182187031198306971), (-0.5, 0.16666666666666666667), (0.0, 0.25),
                      (0.5, 0.33333333333333333333), (0.999, 0.4928817812968801693), (1.0, 0.5)])
    func reluDerivativeKernel(c: Double, expected: Double) {
        for strategy in [Gaussian.Strategy.automatic, .quadrature] {
            let e = Gaussian.expectation2D(.first, .first, activation("relu"), variance1: 1.7, covariance: 1.7 * c,
                                           variance2: 1.7, strategy: strategy)
            expectClose(e.value, expected, strategy == .automatic ? .relative(4e-16) : .spec, "c \(c) \(strategy)")
        }
    }

    /// 20- to 30-digit mpmath references (Reference/make_references_2d.py) for activations
    /// without a closed 2D form.
    @Test func references() {
        #expect(twoDimensionalReferences.count >= 40)
        for r in twoDimensionalReferences {
            let q12 = r.correlation * (r.variance1 * r.variance2).squareRoot()
            let e = Gaussian.expectation2D(r.orders.0, r.orders.1, activation(r.spec),
                                           variance1: r.variance1, covariance: q12, variance2: r.variance2)
            expectClose(e.value, r.value, .spec, "\(r.spec) \(r.orders) q=(\(r.variance1),\(r.variance2)) c=\(r.correlation)")
        }
    }

    /// Every activation over the SPEC grid: at c = 0 the expectation factorises into 1D ones; at
    /// c = 1 with equal variances it is the 1D E[φ^(i)φ^(j)]; elsewhere it must agree with a run on
    /// a 4× finer mesh (outer and inner) — "a quadrature run at much higher resolution".
    @Test(arguments: catalogue)
    func everyActivationOverTheGrid(spec: String) {
        let a = activation(spec)
        for q in specVariances {
            for (i, j) in Self.orderPairs {
                for c in specCorrelations {
                    let e = Gaussian.expectation2D(a.kinkedFunction(i), a.kinkedFunction(j), variance1: q, covariance: c * q, variance2: q)
                    let context = "\(spec) (\(i),\(j)) q=\(q) c=\(c)"
                    #expect(e.value.isFinite && e.converged, "\(context)")
                    if c == 0 {
                        let product = Gaussian.expectation(of: Moment(i), a, variance: q).value
                            * Gaussian.expectation(of: Moment(j), a, variance: q).value
                        expectClose(e.value, product, .spec, context)
                    } else if c == 1 {
                        expectClose(e.value, Gaussian.expectation(of: Moment(i, j), a, variance: q).value, .spec, context)
                    } else if q == 1 || q == 1e4 {
                        let fine = Gaussian.expectation2D(a.kinkedFunction(i), a.kinkedFunction(j), variance1: q,
                                                          covariance: c * q, variance2: q, refinement: 2)
                        expectClose(e.value, fine.value, .spec, context + " vs 4x finer")
                    }
                }
            }
        }
    }

    /// Correlations at the ends: continuous into c = ±1, no NaN from √(1 − c²).
    @Test(arguments: ["elu", "tanh", "relu"])
    func degenerateEnds(spec: String) {
        let a = activation(spec)
        for sign in [1.0, -1.0] {
            let atEnd = Gaussian.expectation2D(a.kinkedFunction(.value), a.kinkedFunction(.value), variance1: 2, covariance: 2 * sign, variance2: 2)
            let near = Gaussian.expectation2D(a.kinkedFunction(.value), a.kinkedFunction(.value), variance1: 2,
                                              covariance: 2 * sign * (1 - 1e-14), variance2: 2)
            // Relative continuity; where the limit is 0 (relu at c = −1) the gap is O((1 − |c|)^(3/2)).
            expectClose(near.value, atEnd.value, Tolerance(relative: 1e-10, absolute: 1e-20, absoluteBelow: 1e-2), "\(spec) sign \(sign)")
            // Rounding can push q12 a hair past √(q1 q2): treated as c = ±1.
            let past = Gaussian.expectation2D(a.kinkedFunction(.value), a.kinkedFunction(.value), variance1: 2,
                                              covariance: 2 * sign * (1 + 1e-15), variance2: 2)
            #expect(past.value == atEnd.value)
        }
    }

    @Test func symmetricUnderSwap() {
        let a = activation("celu:alpha=0.5")
        let e1 = Gaussian.expectation2D(a.kinkedFunction(.value), a.kinkedFunction(.first), variance1: 0.7, covariance: 0.3, variance2: 2.1)
        let e2 = Gaussian.expectation2D(a.kinkedFunction(.first), a.kinkedFunction(.value), variance1: 2.1, covariance: 0.3, variance2: 0.7)
        expectClose(e1.value, e2.value, .relative(1e-13))
    }

    @Test func zeroVarianceIsAPointMass() {
        let a = activation("elu")
        let e = Gaussian.expectation2D(a.kinkedFunction(.value), a.kinkedFunction(.value), variance1: 0, covariance: 0, variance2: 1.3)
        #expect(e.value == 0)   // elu(0) = 0
        let g = Gaussian.expectation2D(activation("sigmoid").kinkedFunction(.value), a.kinkedFunction(.value),
                                       variance1: 0, covariance: 0, variance2: 1.3)
        expectClose(g.value, 0.5 * Gaussian.expectation(of: .mean, a, variance: 1.3).value, .relative(1e-15))
    }
}
