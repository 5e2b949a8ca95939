import Foundation
import Testing
@testable import MeanField

/// The two-input vertices and the fluctuation of the correlation c (issue #18): closed forms for
/// linear and relu, committed mpmath references (Tests/Generators/finite_width/make_two_input_references.py),
/// and Monte Carlo of finite networks.
@Suite struct TwoInputFiniteWidthTests {
    /// Linear, σw² = 1, σb² = 0 (the book's deep linear network): J = I and every layer adds the
    /// Isserlis covariance K_ac K_bd + K_ad K_bc of the products, so V_l = l (K_ac K_bd + K_ad K_bc)
    /// and n Var(c) = (1 − c²)² + l (1 − c²)² exactly.
    @Test(arguments: [0.5, -0.8, 0.0, 1.0])
    func linearClosedForms(c0: Double) {
        let q0 = 1.7, k12 = c0 * q0
        let sweep = FiniteWidth.twoInputSweep(activation("linear"), q0: q0, c0: c0, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0),
                                              layers: 12, width: 64)
        #expect(sweep.rows.count == 13 && sweep.firstNonFiniteLayer == nil)
        #expect(sweep.maximumRelativeErrorEstimate < 1e-12, "\(sweep.maximumRelativeErrorEstimate)")
        let tolerance = Tolerance(relative: 1e-13, absolute: 1e-13, absoluteBelow: 1e-13)
        for r in sweep.rows {
            let l = Double(r.layer), v = r.vertex, context = "c0 \(c0) layer \(r.layer)"
            expectClose(r.kernel11, q0, .relative(1e-13), context)
            expectClose(r.kernel12, k12, tolerance, context)
            expectClose(v.v11_11, 2 * q0 * q0 * l, tolerance, context)
            expectClose(v.v22_22, 2 * q0 * q0 * l, tolerance, context)
            expectClose(v.v11_22, 2 * k12 * k12 * l, tolerance, context)
            expectClose(v.v11_12, 2 * q0 * k12 * l, tolerance, context)
            expectClose(v.v22_12, 2 * q0 * k12 * l, tolerance, context)
            expectClose(v.v12_12, (q0 * q0 + k12 * k12) * l, tolerance, context)
            let oneMinus = (1 - c0 * c0)
            expectClose(r.correlationVarianceCoefficient, (l + 1) * oneMinus * oneMinus, tolerance, context)
            // At c0 = 1 the exact 0 is the square root of a cancellation of O(1e-15): ~1e-8.
            expectClose(r.correlationStandardDeviation, oneMinus * ((l + 1) / 64).squareRoot(),
                        c0 == 1 ? .absolute(1e-7) : tolerance, context)
        }
    }

    /// ReLU at (2, 0), q0 = 1: by hand from the arc-cosine kernels ([Cho & Saul 2009]: for unit
    /// variances and angle θ, ⟨φ1φ2⟩ = J₁(θ)/(2π), ⟨φ1²φ2²⟩ = J₂(θ)/(2π), J₁ = sin θ + (π − θ) cos θ,
    /// J₂ = 3 sin θ cos θ + (π − θ)(1 + 2cos²θ)). K_11 = q0 at every layer and χ∥ = 1, and the (11)
    /// row of J is (χ∥, 0, 0), so V_(11)(22),l = Σ_(k<l) 4 q0² (J₂(θ_k)/(2π) − 1/4) with
    /// c_(k+1) = J₁(θ_k)/π; at layer 1, V_(12)(12) = 4 q0² (J₂(θ_0)/(2π) − (J₁(θ_0)/(2π))²); V_(11)(11) = 5 q0² l.
    ///
    /// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
    @Test(arguments: [0.5, -0.6, 0.95])
    func reluArcCosineClosedForms(c0: Double) {
        let q0 = 1.3
        let sweep = FiniteWidth.twoInputSweep(activation("relu"), q0: q0, c0: c0, weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0),
                                              layers: 10, width: 128)
        #expect(sweep.rows.count == 11)
        var c = c0, sum = 0.0
        for r in sweep.rows {
            let context = "c0 \(c0) layer \(r.layer)"
            expectClose(r.correlation, c, .spec, context + " c")
            expectClose(r.vertex.v11_22, 4 * q0 * q0 * sum, .spec, context + " V(11)(22)")
            expectClose(r.vertex.v11_11, 5 * q0 * q0 * Double(r.layer), .spec, context + " V(11)(11)")
            let theta = acos(c), j1 = sin(theta) + (Double.pi - theta) * cos(theta)
            let j2 = 3 * sin(theta) * cos(theta) + (Double.pi - theta) * (1 + 2 * cos(theta) * cos(theta))
            if r.layer == 0 {
                let one = sweep.rows[1]
                expectClose(one.vertex.v12_12, 4 * q0 * q0 * (j2 / (2 * .pi) - (j1 / (2 * .pi)) * (j1 / (2 * .pi))), .spec, context + " V(12)(12)")
            }
            sum += j2 / (2 * .pi) - 0.25
            c = j1 / .pi
        }
    }

    /// Identical inputs (c0 = 1) stay identical: c = 1 and c_sd = 0 at every layer (g is orthogonal
    /// to a vertex whose six components all equal the single-input V); the (11)(11) component is
    /// the single-input recursion's vertex.
    @Test func identicalInputsDoNotDecorrelate() {
        let a = activation("tanh"), weights = GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1)
        let pair = FiniteWidth.twoInputSweep(a, q0: 1, c0: 1, weights: weights, layers: 6, width: 100)
        let single = FiniteWidth.sweep(a, q0: 1, weights: weights, layers: 6, width: 100)
        #expect(pair.rows.count == 7)
        for (p, s) in zip(pair.rows, single.rows) {
            #expect(p.correlation == 1)
            expectClose(p.correlationStandardDeviation, 0, .absolute(1e-7), "layer \(p.layer)")
            expectClose(p.vertex.v11_11, s.vertex, .spec, "layer \(p.layer)")
            expectClose(p.vertex.v12_12, s.vertex, .spec, "layer \(p.layer)")
            expectClose(p.vertex.v11_22, s.vertex, .spec, "layer \(p.layer)")
        }
    }

    /// Against the committed mpmath references (24 digits) for tanh, elu, selu (c0 < 0), gelu and relu.
    @Test func matchesHighPrecisionReferences() {
        let groups = Dictionary(grouping: twoInputReferences) { "\($0.activation) \($0.sigmaW2) \($0.sigmaB2) \($0.q0) \($0.c0)" }
        #expect(groups.count == 5)
        for (_, references) in groups {
            let first = references[0]
            let layers = references.map(\.layer).max() ?? 0
            let sweep = FiniteWidth.twoInputSweep(activation(first.activation), q0: first.q0, c0: first.c0,
                                                  weights: GaussianWeights(sigmaW2: first.sigmaW2, sigmaB2: first.sigmaB2),
                                                  layers: layers, width: 100)
            #expect(sweep.maximumRelativeErrorEstimate < 1e-12, "\(first.activation): \(sweep.maximumRelativeErrorEstimate)")
            #expect(sweep.rows.count == layers + 1)
            for ref in references where ref.layer < sweep.rows.count {
                let r = sweep.rows[ref.layer], context = "\(ref.activation) layer \(ref.layer)"
                expectClose(r.kernel11, ref.kernel11, .spec, context + " K11")
                expectClose(r.kernel12, ref.kernel12, .spec, context + " K12")
                expectClose(r.correlation, ref.correlation, .spec, context + " c")
                expectClose(r.vertex.v11_11, ref.v11_11, .spec, context + " V(11)(11)")
                expectClose(r.vertex.v11_22, ref.v11_22, .spec, context + " V(11)(22)")
                expectClose(r.vertex.v11_12, ref.v11_12, .spec, context + " V(11)(12)")
                expectClose(r.vertex.v22_12, ref.v22_12, .spec, context + " V(22)(12)")
                expectClose(r.vertex.v12_12, ref.v12_12, .spec, context + " V(12)(12)")
                expectClose(r.correlationVarianceCoefficient, ref.correlationVarianceCoefficient, .spec, context + " n Var c")
            }
        }
    }

    /// Monte Carlo: tanh at (1.5, 0.1), c0 = 0.5, layer 3, widths 32, 64, 128, 256 (12 000 networks
    /// each, implicit sampling). n·Var(ĉ), n Cov(Ĝ_11, Ĝ_22) and n Var(Ĝ_12) are the predictions
    /// + O(1/n): the weighted fit A + B/n through the four widths has A within 4 SE of the
    /// prediction (the gap to the 1/n prediction shrinks as 1/n² while the fluctuation is 1/n), and
    /// the vertex part gᵀVg of n·Var(ĉ) is resolved (the intercept is many SE from the Wishart-only (1 − c²)²).
    @Test func correlationFluctuationMatchesPrediction() throws {
        let a = activation("tanh"), weights = GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1), layer = 3, c0 = 0.5
        let prediction = FiniteWidth.twoInputSweep(a, q0: 1, c0: c0, weights: weights, layers: layer, width: 1).rows[layer]
        var variance: [(n: Int, y: Double, se: Double)] = [], v1122: [(n: Int, y: Double, se: Double)] = []
        var v1212: [(n: Int, y: Double, se: Double)] = []
        for (index, n) in [32, 64, 128, 256].enumerated() {
            let settings = SimulationSettings(width: n, layers: layer, trials: 12_000, seed: 31 + UInt64(index))
            let result = try Simulation.twoInputFluctuations(a, q0: 1, c0: c0, weights: weights, settings: settings, sampling: .implicit)
            let row = result.layers[layer - 1], sd = row.correlationStandardDeviation
            variance.append((n, Double(n) * sd.estimate * sd.estimate, Double(n) * 2 * sd.estimate * sd.standardError))
            v1122.append((n, row.vertex11_22.estimate, row.vertex11_22.standardError))
            v1212.append((n, row.vertex12_12.estimate, row.vertex12_12.standardError))
        }
        let wishart = (1 - prediction.correlation * prediction.correlation) * (1 - prediction.correlation * prediction.correlation)
        for (name, points, predicted) in [("n Var c", variance, prediction.correlationVarianceCoefficient),
                                          ("V(11)(22)", v1122, prediction.vertex.v11_22), ("V(12)(12)", v1212, prediction.vertex.v12_12)] {
            let fit = FluctuationTests.interceptFit(points)
            #expect(abs(fit.intercept - predicted) < 4 * fit.standardError,
                    "\(name): intercept \(fit.intercept) ± \(fit.standardError), predicted \(predicted); points \(points)")
            #expect(fit.standardError < 0.1 * abs(predicted), "\(name): SE \(fit.standardError) vs \(predicted)")
            if name == "n Var c" {
                #expect(abs(fit.intercept - wishart) > 6 * fit.standardError, "the vertex part is resolved: \(fit.intercept) vs \(wishart)")
            }
        }
    }
}
