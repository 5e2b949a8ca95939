import Foundation
import Testing
@testable import MeanField

@Suite("Model B: signal propagation with Gaussian weights")
struct SignalPropagationTests {
    static let cases: [(String, Double, Double)] = [
        ("tanh", 1.5, 0.05), ("tanh", 3, 0.3), ("tanh", 4, 0), ("erf", 2, 0.1), ("elu", 1.2, 0.2), ("selu", 1, 0.1),
        ("gelu", 2, 0.1), ("softplus", 0.8, 0), ("sigmoid", 3, 0.2), ("silu", 1.5, 0.1), ("relu", 1.5, 0.2),
    ]

    /// q* is a fixed point of the exact length map to 1e-13 (issue #8).
    @Test(arguments: cases)
    func qStarIsAFixedPoint(spec: String, sigmaW2: Double, sigmaB2: Double) throws {
        let a = activation(spec), w = GaussianWeights(sigmaW2: sigmaW2, sigmaB2: sigmaB2)
        let q = try SignalPropagation.lengthFixedPoint(a, weights: w)
        #expect(q.isFinite && q > 0)
        expectClose(SignalPropagation.lengthMap(a, variance: q, weights: w), q, .relative(1e-13), "\(spec)")
        // Stable: the map contracts there.
        let slope = w.sigmaW2 * (Gaussian.expectation(of: .slopeSquared, a, variance: q).value
                                 + Gaussian.expectation(of: .curvatureTimesValue, a, variance: q).value)
        #expect(slope < 1)
    }

    /// relu: q* = σb²/(1 − σw²/2) for σw² < 2; unbounded for σw² > 2.
    @Test func reluFixedPointClosedForm() throws {
        let q = try SignalPropagation.lengthFixedPoint(activation("relu"), weights: GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.2))
        expectClose(q, 0.2 / (1 - 0.75), .relative(1e-14))
        let p = try SignalPropagation.phasePoint(activation("relu"), weights: GaussianWeights(sigmaW2: 2.5, sigmaB2: 0.1))
        #expect(p.phase == .unbounded && p.qStar == .infinity && p.chi1 == nil)
    }

    /// Hayou et al. 2019 (recomputed exactly, issue #8): tanh with σb = 0.2 has its edge of chaos
    /// at σw = 1.3041458 with q* = 0.5120785 (7 digits).
    @Test func hayouTanhEdge() throws {
        let edge = try SignalPropagation.edgeOfChaos(activation("tanh"), sigmaB2: 0.04)
        #expect(abs(edge.sigmaW2.squareRoot() - 1.3041458) < 5e-8)
        #expect(abs(edge.qStar! - 0.5120785) < 5e-8)
    }

    /// On the edge χ₁(q*) = 1 (to the root finder's 1e-12), and the ordered/chaotic label flips across it.
    @Test(arguments: [("tanh", 0.04), ("tanh", 0.3), ("erf", 0.1), ("elu", 0.1), ("selu", 0.05), ("sigmoid", 0.5)])
    func chiOneOnTheEdge(spec: String, sigmaB2: Double) throws {
        let a = activation(spec)
        let edge = try SignalPropagation.edgeOfChaos(a, sigmaB2: sigmaB2)
        let q = try #require(edge.qStar)
        expectClose(SignalPropagation.chi1(a, variance: q, sigmaW2: edge.sigmaW2), 1, .relative(1e-12), "\(spec) \(sigmaB2)")
        let below = try SignalPropagation.phasePoint(a, weights: GaussianWeights(sigmaW2: edge.sigmaW2 * (1 - 1e-4), sigmaB2: sigmaB2))
        let above = try SignalPropagation.phasePoint(a, weights: GaussianWeights(sigmaW2: edge.sigmaW2 * (1 + 1e-4), sigmaB2: sigmaB2))
        #expect(below.phase == .ordered && above.phase == .chaotic, "\(spec) \(sigmaB2): \(below.phase) / \(above.phase)")
        #expect(below.cStar == 1 && above.cStar! < 1)
    }

    /// ReLU's edge of chaos is the single point (σw², σb²) = (2, 0) (Schoenholz et al. 2017).
    @Test func reluEdgeIsAPoint() throws {
        let edge = try SignalPropagation.edgeOfChaos(activation("relu"), sigmaB2: 0)
        #expect(edge.sigmaW2 == 2 && edge.qStar == nil)
        #expect(throws: SignalPropagationError.self) { try SignalPropagation.edgeOfChaos(activation("relu"), sigmaB2: 0.1) }
        // leaky_relu: 1/E[φ'²] = 2/(1 + slope²).
        expectClose(try SignalPropagation.edgeOfChaos(activation("leaky_relu:slope=0.2"), sigmaB2: 0).sigmaW2, 2 / 1.04, .relative(1e-15))
    }

    /// tanh without bias: the origin is the fixed point up to σw² = 1, where the system is critical
    /// (χ₁ = 1 exactly, depth scales infinite); the edge is (1, 0).
    @Test func tanhOriginCriticality() throws {
        let a = activation("tanh")
        let p = try SignalPropagation.phasePoint(a, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0))
        #expect(p.qStar == 0 && p.chi1 == 1 && p.phase == .critical && p.xiC == .infinity && p.xiQ == .infinity)
        let ordered = try SignalPropagation.phasePoint(a, weights: GaussianWeights(sigmaW2: 0.5, sigmaB2: 0))
        #expect(ordered.qStar == 0 && ordered.chi1 == 0.5 && ordered.phase == .ordered)
        expectClose(ordered.xiC!, -1 / log(0.5), .relative(1e-15))
        let edge = try SignalPropagation.edgeOfChaos(a, sigmaB2: 0)
        #expect(edge.sigmaW2 == 1 && edge.qStar == 0)
    }

    /// ReLU at (2, 0) keeps q exactly, is critical (ξ infinite, not a huge number), and its c-map is
    /// the arc-cosine kernel at every layer: c ↦ (√(1 − c²) + (π − arccos c) c)/π (Cho & Saul 2009).
    @Test func reluCriticalSweep() throws {
        let sweep = SignalPropagation.depthSweep(activation("relu"), q0: 1.7, c0: 0.3, weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0), layers: 200)
        #expect(sweep.rows.count == 201)
        var c = 0.3
        for row in sweep.rows {
            #expect(row.q == 1.7 && row.chi1 == 1)
            expectClose(row.c, c, .relative(1e-13), "layer \(row.layer)")
            c = ((1 - c * c).squareRoot() + (Double.pi - acos(c)) * c) / Double.pi
        }
        let p = try SignalPropagation.phasePoint(activation("relu"), weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0))
        #expect(p.phase == .critical && p.xiC == .infinity)
    }

    /// c = 1 is always a fixed point of the correlation map (and c = −1 for an odd φ without bias).
    @Test(arguments: ["tanh", "elu", "selu", "relu", "gelu", "softplus", "erf", "celu:alpha=0.5"])
    func identicalInputsStayIdentical(spec: String) {
        let w = GaussianWeights(sigmaW2: 1.7, sigmaB2: 0.1)
        let sweep = SignalPropagation.depthSweep(activation(spec), q0: 0.8, c0: 1, weights: w, layers: 30)
        for row in sweep.rows { #expect(row.c == 1 && row.q12 == row.q && row.chiC == row.chi1) }
        if ["tanh", "erf"].contains(spec) {
            let odd = SignalPropagation.depthSweep(activation(spec), q0: 0.8, c0: -1, weights: GaussianWeights(sigmaW2: 1.7, sigmaB2: 0), layers: 30)
            for row in odd.rows { #expect(row.c == -1 && row.q12 == -row.q) }
        }
    }

    /// Correlations never leave [−1, 1] and never produce NaN, from anywhere in it.
    @Test(arguments: [-1.0, -0.999999, 0, 0.999999, 1])
    func correlationsStayInRange(c0: Double) {
        for spec in ["tanh", "elu", "relu"] {
            let sweep = SignalPropagation.depthSweep(activation(spec), q0: 1, c0: c0, weights: GaussianWeights(sigmaW2: 2.5, sigmaB2: 0.05), layers: 50)
            #expect(sweep.rows.count == 51)
            #expect(sweep.rows.allSatisfy { $0.c >= -1 && $0.c <= 1 && $0.c.isFinite && $0.chiC.isFinite })
        }
    }

    /// The fast paths against the exact engine: c* satisfies the correlation map evaluated by nested
    /// quadrature to 1e-12, and χ_c agrees with the nested quadrature to 1e-12 (issue #8 asks 1e-10).
    @Test(arguments: [("tanh", 3.0, 0.3), ("tanh", 4.0, 0.5), ("tanh", 1.3, 0.0), ("erf", 3.0, 0.2), ("elu", 1.9, 0.1), ("selu", 1.5, 0.05)])
    func chaoticPointsAgainstNestedQuadrature(spec: String, sigmaW2: Double, sigmaB2: Double) throws {
        let a = activation(spec), w = GaussianWeights(sigmaW2: sigmaW2, sigmaB2: sigmaB2)
        let p = try SignalPropagation.phasePoint(a, weights: w)
        #expect(p.phase == .chaotic)
        let q = p.qStar, c = p.cStar!
        let k = Gaussian.expectation2D(.value, .value, a, variance1: q, covariance: c * q, variance2: q, strategy: .quadrature).value
        expectClose((w.sigmaW2 * k + w.sigmaB2) / q, c, .relative(1e-12), "\(spec) c*")
        let d = Gaussian.expectation2D(.first, .first, a, variance1: q, covariance: c * q, variance2: q, strategy: .quadrature).value
        expectClose(-1 / log(w.sigmaW2 * d), p.xiC!, .relative(1e-11), "\(spec) xi_c")
    }

    /// The certified Hermite series against nested quadrature over c ∈ [−1, 1].
    @Test(arguments: ["tanh", "sigmoid", "softplus", "silu", "gelu"], [0.1, 1.0, 4.0])
    func dualKernelAgainstQuadrature(spec: String, q: Double) throws {
        let a = activation(spec)
        let dual = try #require(DualKernel(a, variance: q))
        for c in [-0.999, -0.5, 0.2, 0.9, 0.999] {
            let k = Gaussian.expectation2D(.value, .value, a, variance1: q, covariance: c * q, variance2: q, strategy: .quadrature).value
            let d = Gaussian.expectation2D(.first, .first, a, variance1: q, covariance: c * q, variance2: q, strategy: .quadrature).value
            expectClose(dual.kernel(c), k, .spec, "\(spec) q \(q) c \(c)")
            expectClose(dual.derivativeKernel(c), d, .spec, "\(spec) q \(q) c \(c) derivative")
        }
        #expect(DualKernel(activation("elu"), variance: 1) == nil)   // kinked: not offered
    }

    /// The Gauss–Hermite path is used only where its analytic error bound is below 1e-16: check it
    /// against the exact engine across that whole range (up to q = 0.748 × pole distance²; at twice
    /// that the derivative moments of tanh were off by 6e-11, which is why the range stops there).
    @Test(arguments: ["tanh", "sigmoid", "silu", "softplus"])
    func smoothExpectationWithinItsRange(spec: String) throws {
        let a = activation(spec)
        let limit = 0.748 * a.poleDistance! * a.poleDistance!
        for q in [1e-4, 0.1, 0.5, 1, limit / 2, limit] {
            for m in [Moment.secondMoment, .slopeSquared, .curvatureTimesValue, .mean] {
                let fast = try #require(HermiteRule.smoothExpectation(m, a, variance: q))
                let exact = Gaussian.expectation(of: m, a, variance: q).value
                expectClose(fast, exact, .spec, "\(spec) \(m) q \(q)")
            }
        }
        #expect(HermiteRule.smoothExpectation(.slopeSquared, a, variance: limit * 1.01) == nil)
        #expect(HermiteRule.smoothExpectation(.slopeSquared, activation("elu"), variance: 1) == nil)
    }

    /// The grid is the same numbers, in σw²-major order, as the points one at a time.
    @Test func phaseDiagramMatchesPoints() throws {
        let a = activation("tanh"), ws = [0.7, 1.9, 3.1], bs = [0.0, 0.2]
        let grid = try SignalPropagation.phaseDiagram(a, sigmaW2s: ws, sigmaB2s: bs)
        for (i, w) in ws.enumerated() {
            for (j, b) in bs.enumerated() {
                #expect(grid[i * bs.count + j] == (try SignalPropagation.phasePoint(a, weights: GaussianWeights(sigmaW2: w, sigmaB2: b))))
            }
        }
    }

    /// An exploding regime (relu, σw² = 3, over 5000 layers) stops at the first non-finite layer.
    @Test func explodingSweepStops() {
        let sweep = SignalPropagation.depthSweep(activation("relu"), q0: 1, c0: 0.5, weights: GaussianWeights(sigmaW2: 3, sigmaB2: 0), layers: 5000)
        // q grows by 3/2 per layer: 1.5^l overflows past 1.8e308 at l = 1751.
        #expect(sweep.firstNonFiniteLayer == 1751 && sweep.rows.count == 1751)
        #expect(sweep.rows.allSatisfy { $0.q.isFinite })
    }
}
