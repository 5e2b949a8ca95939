import Foundation
import Testing
@testable import MeanField

@Suite("Slopes, RNN gain, initialization gains")
struct SlopesTests {
    /// leaky_relu: E[φ'] = P(X ≥ 0) + slope·P(X < 0) = (1 + slope)/2 at mean 0, for every q.
    @Test(arguments: [0.0, 0.01, 0.2, 0.5, -0.3], specVariances)
    func leakySlope(slope: Double, q: Double) throws {
        let a = try Activation(.leakyRelu, ["slope": slope])
        let s = Slopes.statistics(a, variance: q)
        expectClose(s.expectedSlope, (1 + slope) / 2, .relative(2e-16))
        expectClose(Gaussian.expectation(of: .slope, a, variance: q, strategy: .quadrature).value, (1 + slope) / 2)
    }

    /// k = 1/E[φ(z)²] (SPEC §1.5): relu 2 exactly (He et al. 2015); elu(1) 1.550518808067927210923345
    /// (issue #2, mpmath); selu 1 to 1e-14 (λ01, α01 normalize); linear 1.
    @Test func weightVarianceFactors() {
        #expect(Slopes.initializationGain(activation("relu")).weightVarianceFactor == 2)
        expectClose(Slopes.initializationGain(activation("elu")).weightVarianceFactor, 1.550518808067927210923345, .relative(4e-16))
        expectClose(Slopes.initializationGain(activation("selu")).weightVarianceFactor, 1, .absolute(1e-14))
        #expect(Slopes.initializationGain(activation("linear")).weightVarianceFactor == 1)
        expectClose(Slopes.initializationGain(activation("relu")).standardDeviationGain, 2.0.squareRoot(), .relative(2e-16))
    }

    /// NFNets γ = 1/std(φ(z)). relu: Var = 1/2 − 1/(2π), so γ = 1.7128585504496627056 (mpmath, 20
    /// digits). The NFNets code's sampled table (deepmind-research nfnets, `relu=1.7139588594436646`)
    /// is 1.1e-3 off; the exact value is what this reports.
    @Test func nfGamma() {
        let g = Slopes.initializationGain(activation("relu")).nfGamma
        expectClose(g, 1.7128585504496627056, .relative(4e-16))
        #expect(abs(1.7139588594436646 - g) > 1e-3)
        // tanh is odd: mean 0, so γ = √k.
        let t = Slopes.initializationGain(activation("tanh"))
        expectClose(t.nfGamma, t.standardDeviationGain, .relative(1e-15))
    }

    /// The variance-q version: E_q[elu²]/q → 1 as q → 0 (elu ≈ x) and → 1/2 as q → ∞ (elu ≈ relu),
    /// so k → 1 and → 2.
    @Test func eluFactorLimits() {
        let small = Slopes.initializationGain(activation("elu"), variance: 1e-8)
        let large = Slopes.initializationGain(activation("elu"), variance: 1e8)
        #expect(abs(small.weightVarianceFactor - 1) < 1e-3)
        #expect(abs(large.weightVarianceFactor - 2) < 1e-3)
        #expect(small.weightVarianceFactor > 1 && large.weightVarianceFactor < 2)
    }

    /// Neutral flow for leaky_relu with ρ = 1.5: s = (1 + slope)/2 = 1/ρ, slope = 1/3 (exactly).
    @Test func neutralLeak() throws {
        let (solved, value) = try Slopes.neutralParameter(activation("leaky_relu"), parameter: "slope", variance: 1, norm: 1.5)
        #expect(value == 1.0 / 3.0)
        #expect(solved.parameter("slope") == 1.0 / 3.0)
        #expect(Slopes.rnnGain(solved, variance: 1, norm: 1.5) == 1)
    }

    /// Solved alpha (and selu lambda) reproduce gain 1 to 1e-12 (issue #4).
    @Test(arguments: [("elu", "alpha"), ("celu", "alpha"), ("selu", "alpha"), ("selu", "lambda")], [0.1, 1.0, 10.0])
    func solvedParametersGiveNeutralFlow(solve: (spec: String, parameter: String), q: Double) throws {
        let (spec, parameter) = solve, rho = 1.5
        let (solved, value) = try Slopes.neutralParameter(activation(spec), parameter: parameter, variance: q, norm: rho)
        #expect(value > 0 && solved.parameter(parameter) == value)
        expectClose(Slopes.rnnGain(solved, variance: q, norm: rho), 1, .relative(1e-12), "\(spec) \(parameter) q \(q)")
    }

    /// elu's gain is linear in alpha: s = 1/2 + α e^(q/2) Φ(−√q), so α = (1/ρ − 1/2)/(e^(q/2)Φ(−√q)).
    @Test func eluNeutralAlphaClosedForm() throws {
        let q = 1.0, rho = 1.5
        let expected = (1 / rho - 0.5) / (exp(q / 2) * 0.5 * erfc(1 / 2.0.squareRoot()))
        let (_, value) = try Slopes.neutralParameter(activation("elu"), parameter: "alpha", variance: q, norm: rho)
        expectClose(value, expected, .relative(1e-13))
    }

    /// celu's slope lies in (1/2, 1): with ρ = 3 no alpha gives gain 1 — an error, not a number.
    @Test func noNeutralValue() {
        #expect(throws: SlopeError.self) { try Slopes.neutralParameter(activation("celu"), parameter: "alpha", variance: 1, norm: 3) }
        #expect(throws: ActivationError.self) { try Slopes.neutralParameter(activation("relu"), parameter: "alpha", variance: 1, norm: 1.5) }
    }

    /// Dead fraction: Φ(−m/√q) for relu, 0 for activations whose slope never vanishes.
    @Test func deadFraction() {
        #expect(Slopes.deadFraction(activation("relu"), variance: 1) == 0.5)
        expectClose(Slopes.deadFraction(activation("relu"), mean: -0.5, variance: 0.5), 0.5 * erfc(-0.5 / 0.5.squareRoot() / 2.0.squareRoot()), .relative(1e-15))
        #expect(Slopes.deadFraction(activation("leaky_relu:slope=0"), variance: 2) == 0.5)
        for spec in ["elu", "leaky_relu", "tanh", "gelu", "selu", "softplus"] {
            #expect(Slopes.deadFraction(activation(spec), mean: 0.3, variance: 2) == 0)
        }
    }

    /// log_slope: nil where φ is not strictly increasing; closed forms against quadrature of the
    /// same log φ'; smooth families against mpmath 1.3.0 (30 digits, quadrature of an
    /// overflow-free log φ' split at ±k√q).
    @Test func logSlope() {
        for spec in ["relu", "gelu", "silu", "leaky_relu:slope=0", "leaky_relu:slope=-0.1"] {
            #expect(Slopes.logSlope(activation(spec), variance: 1) == nil)
        }
        for spec in ["elu", "elu:alpha=0.5", "selu", "celu:alpha=0.5", "leaky_relu:slope=0.2", "linear"] {
            let a = activation(spec)
            for (m, q) in [(0.0, 1.0), (-1, 0.01), (0.5, 100)] {
                let closed = Slopes.logSlope(a, mean: m, variance: q)!
                #expect(closed.method == .closedForm)
                let numeric = Gaussian.expectation(KinkedFunction(kinks: [0], featureScale: 1) { a.logDerivative($0) }, mean: m, variance: q)
                expectClose(numeric.value, closed.value, .spec, "\(spec) m \(m) q \(q)")
            }
        }
        // elu(α), m = 0: E[log φ'] = P₋ log α + E[X 1{X<0}] = (log α)/2 − √(q/2π).
        expectClose(Slopes.logSlope(activation("elu:alpha=2"), variance: 3)!.value, log(2) / 2 - (3 / (2 * Double.pi)).squareRoot(), .relative(1e-15))
        // erf: log φ' = log(2/√π) − x², so E = log(2/√π) − (q + m²).
        expectClose(Slopes.logSlope(activation("erf"), mean: 0.5, variance: 2)!.value, log(2 / Double.pi.squareRoot()) - 2.25, .spec)
        let references: [(String, Double, Double, Double)] = [
            ("tanh", 0, 1, -0.7491344149828759482), ("tanh", 0, 1e4, -158.1971799480395889), ("tanh", -1, 0.01, -0.87177671421190445759),
            ("sigmoid", 0, 1, -1.6121183666948795691), ("sigmoid", 0, 1e4, -79.801579244467133116), ("sigmoid", -1, 0.01, -1.6284886091316794821),
            ("softplus", 0, 1, -0.80605918334743978453), ("softplus", 0, 1e4, -39.900789622233566558), ("softplus", -1, 0.01, -1.314244304565839741),
        ]
        for (spec, m, q, expected) in references {
            expectClose(Slopes.logSlope(activation(spec), mean: m, variance: q)!.value, expected, .spec, "\(spec) m \(m) q \(q)")
        }
    }

    /// statistics() is the same numbers as the individual expectations.
    @Test func statisticsAgree() {
        let a = activation("gelu")
        let s = Slopes.statistics(a, mean: 0.3, variance: 2)
        #expect(s.expectedSlope == Gaussian.expectation(of: .slope, a, mean: 0.3, variance: 2).value)
        #expect(s.slopeSecondMoment == Gaussian.expectation(of: .slopeSquared, a, mean: 0.3, variance: 2).value)
        #expect(s.activationSecondMoment == Gaussian.expectation(of: .secondMoment, a, mean: 0.3, variance: 2).value)
        #expect(s.logSlope == nil && s.deadFraction == 0)
    }

    /// Issue #13 defect 3: at a mean whose square overflows, the slope moments of the piecewise
    /// linear families are still exact (linear's E[φ'] = E[φ'²] = 1, relu's 1 or 0): a zero
    /// coefficient times an overflowing half-line moment (E[X²; X > 0] = inf) is 0, not NaN.
    /// E[φ²] itself overflows and says so (inf), for the CLI to refuse.
    @Test func slopeMomentsAtAMeanWhoseSquareOverflows() {
        for m in [1e300, 5e307, -1e300] {
            let linear = Slopes.statistics(activation("linear"), mean: m, variance: 1)
            #expect(linear.expectedSlope == 1 && linear.slopeSecondMoment == 1, "linear at \(m)")
            #expect(linear.activationSecondMoment == .infinity, "linear at \(m)")
            let relu = Slopes.statistics(activation("relu"), mean: m, variance: 1)
            let slope: Double = m > 0 ? 1 : 0
            #expect(relu.expectedSlope == slope && relu.slopeSecondMoment == slope, "relu at \(m)")
            let leaky = Slopes.statistics(activation("leaky_relu:slope=0.25"), mean: m, variance: 1)
            let leakySlope = m > 0 ? 1 : 0.25
            #expect(leaky.expectedSlope == leakySlope && leaky.slopeSecondMoment == leakySlope * leakySlope, "leaky_relu at \(m)")
        }
    }
}
