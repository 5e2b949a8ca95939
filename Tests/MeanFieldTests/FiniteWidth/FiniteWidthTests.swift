import Foundation
import Testing
@testable import MeanField

/// The 1/n recursions of Roberts, Yaida & Hanin, "The Principles of Deep Learning Theory"
/// (arXiv 2106.10165, ch. 4–5) and the exact finite-width laws of the scale-invariant class (issue #18).
@Suite struct FiniteWidthTests {
    /// Linear, σw² = 1 (the book §3 deep linear network): χ∥ = 1 and each layer adds 2K², so
    /// V_l = 2K²l exactly; G¹ = 0 (the map is linear in K); the tangent is the forward pass, grad_vertex = 2l.
    @Test func linearVertexIsTwoKSquaredL() {
        let q0 = 1.7
        let sweep = FiniteWidth.sweep(activation("linear"), q0: q0, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0), layers: 40, width: 64)
        #expect(sweep.rows.count == 41 && sweep.firstNonFiniteLayer == nil)
        for r in sweep.rows {
            let l = Double(r.layer)
            expectClose(r.kernel, q0, .relative(1e-13), "K at \(r.layer)")
            expectClose(r.vertex, 2 * q0 * q0 * l, .relative(1e-13), "V at \(r.layer)")
            expectClose(r.chiParallel, 1, .relative(1e-13))
            expectClose(r.kernelCorrection, 0, .absolute(1e-13 * q0 * max(1, l)), "G1 at \(r.layer)")
            expectClose(r.gradientVertex ?? .nan, 2 * l, .relative(1e-13), "grad_vertex at \(r.layer)")
            expectClose(r.fourthCumulant, 3 * r.vertex / 64, .relative(1e-15))
            expectClose(r.qStandardDeviation, ((2 * q0 * q0 + r.vertex) / 64).squareRoot(), .relative(1e-15))
        }
    }

    /// ReLU at (σw², σb²) = (2, 0): 4(⟨φ⁴⟩ − ⟨φ²⟩²) = 4(3/2 − 1/4)K² = 5K², χ∥ = 1, so V_l = 5K²l
    /// (the book, §5.4: relu's vertex grows linearly with coefficient 5); the tangent likewise, 5l.
    @Test func reluVertexIsFiveKSquaredL() {
        for q0 in [0.3, 1.0, 250.0] {
            let sweep = FiniteWidth.sweep(activation("relu"), q0: q0, weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0), layers: 40, width: 128)
            for r in sweep.rows {
                let l = Double(r.layer)
                expectClose(r.kernel, q0, .relative(1e-13), "K at \(r.layer)")
                expectClose(r.vertex, 5 * q0 * q0 * l, .relative(1e-13), "V at \(r.layer), q0 \(q0)")
                expectClose(r.kernelCorrection, 0, .absolute(1e-13 * q0 * max(1, l)))
                expectClose(r.gradientVertex ?? .nan, 5 * l, .relative(1e-13), "grad_vertex at \(r.layer)")
                expectClose(r.gradientRelativeVariance ?? .nan, (5 * l + 2) / 128, .relative(1e-13))
            }
        }
    }

    /// The exact law of the scale-invariant class against brute force: each layer's factor
    /// X = (σw²/n)(χ²_k + a²χ²_(n−k)) with k ~ Binomial(n, 1/2) active units (relu a = 0; Hanin &
    /// Nica 2020, §2), its first two moments by exact enumeration over k (E[χ²_k] = k,
    /// E[(χ²_k)²] = k² + 2k); then Var Ĝ_l = K₀²(E[X²]^l − E[X]^(2l)) and Var q_l = K₀²(E[X²]^l (1 + 2/n) − E[X]^(2l)).
    @Test(arguments: [("relu", 2.0), ("relu", 1.3), ("leaky_relu:slope=0.3", 2 / 1.09), ("leaky_relu:slope=-0.5", 0.7), ("linear", 1.0)])
    func exactMomentsMatchBinomialEnumeration(spec: String, sigmaW2: Double) throws {
        let a = activation(spec)
        let slope = spec == "relu" ? 0 : (spec == "linear" ? 1 : a.parameter("slope")!)
        let q0 = 0.8
        for n in [1, 3, 16, 128, 256] {
            // Binomial(n, 1/2) probabilities, iteratively: p_(k+1) = p_k (n − k)/(k + 1).
            var p = pow(0.5, Double(n)), m1 = 0.0, m2 = 0.0
            for k in 0...n {
                let kk = Double(k), rest = Double(n - k), s = sigmaW2 / Double(n), a2 = slope * slope
                m1 += p * s * (kk + a2 * rest)
                m2 += p * s * s * ((kk * kk + 2 * kk) + 2 * a2 * kk * rest + a2 * a2 * (rest * rest + 2 * rest))
                p *= rest / (kk + 1)
            }
            let sweep = FiniteWidth.sweep(a, q0: q0, weights: GaussianWeights(sigmaW2: sigmaW2, sigmaB2: 0), layers: 7, width: n)
            for r in sweep.rows {
                let exact = try #require(r.exact, "\(spec): the exact law applies")
                let l = Double(r.layer)
                let varianceOfKernel = q0 * q0 * (pow(m2, l) - pow(m1, 2 * l))
                let varianceOfQ = q0 * q0 * (pow(m2, l) * (1 + 2 / Double(n)) - pow(m1, 2 * l))
                let context = "\(spec) sigma_w2 \(sigmaW2) n \(n) layer \(r.layer)"
                expectClose(exact.vertex, Double(n) * varianceOfKernel, Tolerance(relative: 1e-12, absolute: 1e-15, absoluteBelow: 1e-300), context)
                expectClose(exact.fourthCumulant, 3 * varianceOfKernel, Tolerance(relative: 1e-12, absolute: 1e-15, absoluteBelow: 1e-300), context)
                expectClose(exact.qStandardDeviation, varianceOfQ.squareRoot(), .relative(1e-12), context)
                expectClose(exact.gradientRelativeVariance, pow(m2 / (m1 * m1), l) * (1 + 2 / Double(n)) - 1, .relative(1e-12), context)
                expectClose(r.kernel, q0 * pow(m1, l), .relative(1e-13), context)
            }
        }
    }

    /// Smooth or biased activations have no exact law: the exact columns are absent.
    @Test func exactLawOnlyForScaleInvariantClass() {
        #expect(FiniteWidth.sweep(activation("tanh"), q0: 1, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0), layers: 2, width: 8).rows
            .allSatisfy { $0.exact == nil })
        #expect(FiniteWidth.sweep(activation("relu"), q0: 1, weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0.1), layers: 2, width: 8).rows
            .allSatisfy { $0.exact == nil })
        #expect(FiniteWidth.sweep(activation("elu"), q0: 1, weights: GaussianWeights(sigmaW2: 1.5, sigmaB2: 0), layers: 2, width: 8).rows
            .allSatisfy { $0.exact == nil })
    }

    /// The book's universality class K* = 0 (ch. 5.3, tanh at σw² = 1, σb² = 0): K_l ~ 1/(2l) and
    /// V_l/(K_l² l) → 2/3, approached with O(log l/l) corrections.
    @Test func tanhCriticalVertexRatioTendsToTwoThirds() {
        let sweep = FiniteWidth.sweep(activation("tanh"), q0: 1, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0), layers: 4000, width: 100)
        #expect(sweep.rows.count == 4001)
        func ratio(_ l: Int) -> Double { let r = sweep.rows[l]; return r.vertex / (r.kernel * r.kernel * Double(l)) }
        let gaps = [250, 1000, 4000].map { abs(ratio($0) - 2.0 / 3) }
        #expect(gaps[0] > gaps[1] && gaps[1] > gaps[2], "\(gaps)")
        #expect(gaps[2] < 0.01, "V/(K^2 l) at l = 4000: \(ratio(4000))")
        // K_l · l → 1/2 (the book, eq. for the K* = 0 class with a1 = −2 for tanh).
        #expect(abs(sweep.rows[4000].kernel * 4000 - 0.5) < 0.01)
    }

    /// Against the committed mpmath references (Tests/Generators/finite_width/, 30 digits) for tanh,
    /// elu, selu and gelu at (near-)critical initializations with bias.
    @Test func matchesHighPrecisionReferences() {
        let groups = Dictionary(grouping: finiteWidthReferences) { "\($0.activation) \($0.sigmaW2) \($0.sigmaB2) \($0.q0)" }
        #expect(groups.count == 4)
        for (_, references) in groups {
            let first = references[0]
            let layers = references.map(\.layer).max()!
            let sweep = FiniteWidth.sweep(activation(first.activation), q0: first.q0,
                                          weights: GaussianWeights(sigmaW2: first.sigmaW2, sigmaB2: first.sigmaB2), layers: layers, width: 100)
            #expect(sweep.maximumRelativeErrorEstimate < 1e-12)
            for ref in references {
                let r = sweep.rows[ref.layer]
                let context = "\(ref.activation) layer \(ref.layer)"
                expectClose(r.kernel, ref.kernel, .spec, context + " kernel")
                expectClose(r.vertex, ref.vertex, .spec, context + " vertex")
                expectClose(r.chiParallel, ref.chiParallel, .spec, context + " chi_parallel")
                expectClose(r.kernelCorrection, ref.kernelCorrection, .spec, context + " kernel_correction")
                expectClose(r.chiPerpendicular, ref.chiPerpendicular, .spec, context + " chi_perp")
                expectClose(r.gradientVertex ?? .nan, ref.gradientVertex, .spec, context + " grad_vertex")
            }
        }
    }
}
