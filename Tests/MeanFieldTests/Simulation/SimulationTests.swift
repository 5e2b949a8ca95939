import Foundation
import Testing
@testable import MeanField

/// Finite-width networks against the mean-field prediction (issue #7).
@Suite struct SimulationTests {
    static func weights(_ a: Activation) -> GaussianWeights {
        GaussianWeights(sigmaW2: Slopes.initializationGain(a).weightVarianceFactor, sigmaB2: 0.05)
    }

    /// Width 2000, 20 layers: the empirical q and c agree with the length and correlation maps
    /// within 4 standard errors at every layer. Implicit sampling (the exact law of Wˡa; O(N) per
    /// layer) with 50 networks for the four activations, and dense N × N matrices through GSL's
    /// BLAS with 10 networks for two of them. (With T networks the deviation is t-distributed with
    /// T − 1 degrees of freedom: P(|t₉| > 4) = 3e-3 per comparison, P(|t₄₉| > 4) = 2e-4; and q's
    /// multiplicative layer-to-layer noise makes it right-skewed, so few trials underestimate both
    /// its mean and its SE.)
    @Test(arguments: [("relu", WeightSampling.implicit, 50), ("elu", .implicit, 50), ("selu", .implicit, 50), ("tanh", .implicit, 50),
                      ("relu", .dense, 10), ("tanh", .dense, 10)])
    func agreesWithinFourStandardErrors(spec: String, sampling: WeightSampling, trials: Int) throws {
        let a = activation(spec)
        let settings = SimulationSettings(width: 2000, layers: 20, trials: trials, seed: 7)
        let result = try Simulation.gaussian(a, q0: 1, c0: 0.5, weights: Self.weights(a), settings: settings, sampling: sampling)
        #expect(result.layers.count == 20 && result.firstNonFiniteLayer == nil)
        for layer in result.layers {
            for (name, s) in [("q", layer.first), ("c", layer.second)] {
                let deviation = try #require(s.deviation)
                #expect(abs(deviation) < 4, "\(spec) \(sampling) layer \(layer.layer) \(name): \(s.mean) vs \(s.predicted), SE \(s.standardError)")
            }
        }
    }

    /// Model A with normalized weights (ω = 0, τ = 1): SELU's activations keep mean 0 and
    /// variance 1 within 4 SE (width 1000, 10 layers, 10 networks).
    @Test func seluNetworkSelfNormalizes() throws {
        let settings = SimulationSettings(width: 1000, layers: 10, trials: 10, seed: 3)
        let result = try Simulation.selfNormalizing(activation("selu"), start: MeanVariance(mean: 0, variance: 1),
                                                    weights: WeightMoments(omega: 0, tau: 1), settings: settings)
        #expect(result.layers.count == 10)
        for layer in result.layers {
            expectClose(layer.first.predicted, 0, .absolute(1e-12))
            expectClose(layer.second.predicted, 1, .relative(1e-12))
            #expect(abs(layer.first.deviation!) < 4 && abs(layer.second.deviation!) < 4, "layer \(layer.layer)")
        }
    }

    /// The error of the mean over T networks of width N shrinks like 1/√(N·T): 4× the width or 4×
    /// the trials halves the standard errors (averaged over 20 layers: ratio within 25 % of 2).
    /// The RMS deviation from the prediction shrinks too when the width grows — faster than the SE
    /// can, since part of it is the O(1/N) finite-width bias — so only its direction is checked.
    @Test(arguments: ["tanh", "elu"])
    func errorShrinksLikeOneOverSquareRootOfWidthTimesTrials(spec: String) throws {
        let a = activation(spec)
        func run(width: Int, trials: Int) throws -> (se: Double, rms: Double) {
            let settings = SimulationSettings(width: width, layers: 20, trials: trials, seed: 11)
            let layers = try Simulation.gaussian(a, q0: 1, c0: 0.5, weights: Self.weights(a), settings: settings, sampling: .implicit).layers
            let se = layers.reduce(0) { $0 + $1.second.standardError } / Double(layers.count)
            let rms = (layers.reduce(0) { $0 + pow($1.second.mean - $1.second.predicted, 2) } / Double(layers.count)).squareRoot()
            return (se, rms)
        }
        let narrow = try run(width: 250, trials: 200), wide = try run(width: 1000, trials: 200), moreTrials = try run(width: 250, trials: 800)
        #expect(abs(narrow.se / wide.se - 2) < 0.5, "SE ratio over width \(narrow.se / wide.se)")
        #expect(abs(narrow.se / moreTrials.se - 2) < 0.5, "SE ratio over trials \(narrow.se / moreTrials.se)")
        #expect(narrow.rms / wide.rms > 1.3, "RMS ratio \(narrow.rms / wide.rms)")
    }

    /// The same seed gives identical numbers (trials spread over cores in any order); another
    /// seed gives other numbers.
    @Test(arguments: [WeightSampling.dense, .implicit])
    func sameSeedSameNumbers(sampling: WeightSampling) throws {
        let a = activation("elu")
        func run(_ seed: UInt64) throws -> [SimulatedLayer] {
            try Simulation.gaussian(a, q0: 1, c0: 0.3, weights: Self.weights(a),
                                    settings: SimulationSettings(width: 200, layers: 5, trials: 6, seed: seed), sampling: sampling).layers
        }
        #expect(try run(42) == run(42))
        #expect(try run(42) != run(43))
    }

    /// An exploding network (relu, σw² = 3: q grows by 3/2 per layer) stops before the first
    /// non-finite layer.
    @Test func explodingNetworkStops() throws {
        let settings = SimulationSettings(width: 50, layers: 3000, trials: 2, seed: 1)
        let result = try Simulation.gaussian(activation("relu"), q0: 1, c0: 0.5, weights: GaussianWeights(sigmaW2: 3, sigmaB2: 0),
                                             settings: settings, sampling: .implicit)
        let bad = try #require(result.firstNonFiniteLayer)
        #expect(result.layers.count == bad - 1 && bad > 500)
    }

    /// A batch of 4 inputs (Σ⁰ from input vectors, one pair nearly collinear): every entry of
    /// the networks' kernel (1/N)hᵢ·hⱼ agrees with the NNGP Σˡᵢⱼ within 4 SE over 10 layers
    /// (implicit, width 2000, 50 networks; dense, width 1000, 10 networks).
    @Test(arguments: [("tanh", WeightSampling.implicit, 2000, 50), ("relu", .implicit, 2000, 50), ("elu", .dense, 1000, 10)])
    func batchKernelAgreesWithNNGP(spec: String, sampling: WeightSampling, width: Int, trials: Int) throws {
        let x: [Double] = [1, 0.5, 0, -0.3, 1.2, 0.4, 0.8, -0.9, 0.1, 1, 0.52, 0.01]
        let kernel = NeuralTangents.inputKernel(vectors: x, count: 4, dimension: 3)
        let a = activation(spec)
        let result = try Simulation.gaussianBatch(a, inputKernel: kernel, count: 4, weights: Self.weights(a),
                                                  settings: SimulationSettings(width: width, layers: 10, trials: trials, seed: 5), sampling: sampling)
        #expect(result.layers.count == 10 && result.layers.allSatisfy { $0.count == 10 })
        for (index, entries) in result.layers.enumerated() {
            for e in entries {
                let deviation = try #require(e.value.deviation)
                #expect(abs(deviation) < 4, "\(spec) layer \(index + 1) (\(e.i), \(e.j)): \(e.value.mean) vs \(e.value.predicted) SE \(e.value.standardError)")
            }
        }
    }

    /// The Cholesky factor used for the inputs and for implicit sampling reproduces a positive
    /// semi-definite matrix, including a singular one (two identical inputs).
    @Test func choleskyOfSemidefiniteKernel() {
        let m: [Double] = [2, 1, 2, 1, 1, 1, 2, 1, 2]   // inputs 0 and 2 identical: rank 2
        let l = Simulation.choleskyFactor(m, count: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                let product = (0..<3).reduce(0.0) { $0 + l[i * 3 + $1] * l[j * 3 + $1] }
                expectClose(product, m[i * 3 + j], .absolute(1e-14))
            }
        }
    }
}
