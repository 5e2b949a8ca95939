import Foundation

/// An empirical statistic over independent trials beside its mean-field prediction.
public struct SimulatedStatistic: Sendable, Hashable {
    /// The mean-field value.
    public let predicted: Double
    /// The mean over trials of the per-network statistic.
    public let mean: Double
    /// The standard error of that mean: the trials' sample standard deviation / √T.
    public let standardError: Double
    /// `(mean − predicted)/standardError`; nil when the standard error is 0.
    public var deviation: Double? { standardError > 0 ? (mean - predicted) / standardError : nil }

    /// Aggregates per-trial values (T ≥ 2).
    init(predicted: Double, samples: [Double]) {
        let t = Double(samples.count)
        let mean = samples.reduce(0, +) / t
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1)
        self.predicted = predicted
        self.mean = mean
        standardError = (variance / t).squareRoot()
    }
}

/// One layer of a simulation: two statistics (Model B: q and c; Model A: mean and variance).
public struct SimulatedLayer: Sendable, Hashable {
    public let layer: Int
    public let first: SimulatedStatistic
    public let second: SimulatedStatistic
}

/// How a simulation draws each layer's `Wˡ·a` (see ``Simulation/gaussian(_:q0:c0:weights:settings:sampling:)``).
public enum WeightSampling: String, Sendable, Hashable, CaseIterable {
    /// Materialize the N × N matrix (N² Gaussian draws) and multiply by GSL's BLAS.
    case dense
    /// Draw the product from its exact conditional law (2N draws).
    case implicit
}

/// The size and randomness of a Monte Carlo run.
public struct SimulationSettings: Sendable, Hashable {
    /// Units per layer N (the weight matrices are N × N).
    public var width: Int
    /// Layers L.
    public var layers: Int
    /// Independent networks T ≥ 2.
    public var trials: Int
    /// Trial t draws from a GSL mt19937 seeded with SplitMix64(SplitMix64(seed) + t) (distinct seeds
    /// give unrelated sets of trial streams, not shifted copies): the output depends on
    /// the seed only, not on how trials are spread over cores.
    public var seed: UInt64
    public init(width: Int, layers: Int, trials: Int, seed: UInt64) {
        self.width = width
        self.layers = layers
        self.trials = trials
        self.seed = seed
    }
}

/// Finite-width random networks beside the mean-field prediction: mean-field theory describes the
/// N → ∞ limit; these are real networks of width N, with dense N × N weight matrices drawn from GSL's
/// generator and multiplied by GSL's BLAS (`gsl_blas_dgemm`), T of them on every core.
///
/// The per-network statistics fluctuate by O(1/√N) around the prediction (and are biased by
/// O(1/N)), so their mean over T networks is within a few standard errors ~1/√(N·T) of it.
public enum Simulation {
    /// Model B ([Poole et al. 2016]): weights `W_ij ~ N(0, σw²/N)`, biases `b_i ~ N(0, σb²)` (one
    /// bias vector per layer, shared by both inputs), two inputs whose layer-0 pre-activations
    /// `h⁰₁, h⁰₂ ∈ ℝᴺ` have exactly `|h|²/N = q0` and correlation c0 (a random orthonormal pair
    /// scaled), then `hˡ = Wˡ φ(hˡ⁻¹) + bˡ`. Per layer and network:
    /// ```
    /// q = (|h₁|² + |h₂|²)/(2N),   c = h₁·h₂ / (|h₁| |h₂|)
    /// ```
    /// beside the length and correlation maps' q_l and c_l. Stops before the first layer where a
    /// network's values are not finite, and reports it.
    ///
    /// [Poole et al. 2016]: https://arxiv.org/abs/1606.05340
    ///
    /// `sampling: .implicit` draws each layer's pre-activations from their exact law given the
    /// previous layer instead of materializing `Wˡ`: the rows of a fresh Gaussian `Wˡ` are
    /// independent, so `(Wˡa₁, Wˡa₂)ᵢ ~ N(0, (σw²/N)·[[a₁·a₁, a₁·a₂], [a₁·a₂, a₂·a₂]])` independently
    /// over i — the same distribution of every statistic as `.dense`, in O(N) per layer instead of
    /// O(N²) Gaussian draws and a matrix product (not the same draws: the outputs differ by sampling
    /// noise, not in law).
    public static func gaussian(_ activation: Activation, q0: Double, c0: Double, weights: GaussianWeights,
                                settings: SimulationSettings, sampling: WeightSampling = .dense) throws(GSLError)
    -> (layers: [SimulatedLayer], firstNonFiniteLayer: Int?) {
        precondition(settings.trials >= 2 && settings.width >= 2 && settings.layers >= 1)
        let prediction = SignalPropagation.depthSweep(activation, q0: q0, c0: c0, weights: weights, layers: settings.layers)
        let n = settings.width
        let results = concurrentMap(Array(0..<settings.trials)) { trial -> Result<[(first: Double, second: Double)], GSLError> in
            let rng = GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial)))
            var h = inputPair(width: n, q0: q0, c0: c0, rng: rng)
            var a = [Double](repeating: 0, count: 2 * n)
            var w = [Double](repeating: 0, count: sampling == .dense ? n * n : 0)
            var out: [(first: Double, second: Double)] = []
            let weightSD = (weights.sigmaW2 / Double(n)).squareRoot(), biasSD = weights.sigmaB2.squareRoot()
            for _ in 1...settings.layers {
                for i in 0..<(2 * n) { a[i] = activation(h[i]) }
                switch sampling {
                case .dense:
                    w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                    do throws(GSLError) {
                        try multiply(w, a, into: &h, m: n, k: n, n: 2)
                    } catch { return .failure(error) }
                case .implicit:
                    // Cholesky factor of (σw²/N)·aᵀa: h₁ = l11 z₁, h₂ = l21 z₁ + l22 z₂.
                    var g11 = 0.0, g12 = 0.0, g22 = 0.0
                    for i in 0..<n {
                        g11 += a[2 * i] * a[2 * i]
                        g12 += a[2 * i] * a[2 * i + 1]
                        g22 += a[2 * i + 1] * a[2 * i + 1]
                    }
                    let scale = weights.sigmaW2 / Double(n)
                    let l11 = (scale * g11).squareRoot()
                    let l21 = l11 > 0 ? scale * g12 / l11 : 0
                    let l22 = max(0, scale * g22 - l21 * l21).squareRoot()
                    for i in 0..<n {
                        let z1 = rng.gaussian(sd: 1), z2 = rng.gaussian(sd: 1)
                        h[2 * i] = l11 * z1
                        h[2 * i + 1] = l21 * z1 + l22 * z2
                    }
                }
                var s11 = 0.0, s22 = 0.0, s12 = 0.0
                for i in 0..<n {
                    let b = biasSD > 0 ? rng.gaussian(sd: biasSD) : 0
                    h[2 * i] += b
                    h[2 * i + 1] += b
                    s11 += h[2 * i] * h[2 * i]
                    s22 += h[2 * i + 1] * h[2 * i + 1]
                    s12 += h[2 * i] * h[2 * i + 1]
                }
                let q = (s11 + s22) / (2 * Double(n)), c = s12 / (s11 * s22).squareRoot()
                guard q.isFinite, c.isFinite else { break }
                out.append((q, c))
            }
            return .success(out)
        }
        let trials = try results.map { result throws(GSLError) in try result.get() }
        return aggregate(trials, prediction: prediction.rows.map { ($0.q, $0.c) }, layers: settings.layers,
                         predictionStop: prediction.firstNonFiniteLayer)
    }

    /// Model A ([Klambauer et al. 2017], §3): every unit's incoming weights are normalized to
    /// `Σⱼ wᵢⱼ = ω`, `Σⱼ wᵢⱼ² = τ` (a Gaussian row, centred and scaled: needs τ ≥ ω²/N), the input
    /// activations `x⁰ ∈ ℝᴺ` have exactly mean μ0 and variance ν0 across units, and
    /// `xˡ = φ(Wˡ xˡ⁻¹)`. Per layer and network, the mean and (population) variance of `xˡ`
    /// across units, beside the mean/variance map's (μ_l, ν_l).
    ///
    /// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
    public static func selfNormalizing(_ activation: Activation, start: MeanVariance, weights: WeightMoments,
                                       settings: SimulationSettings) throws(GSLError) -> (layers: [SimulatedLayer], firstNonFiniteLayer: Int?) {
        let n = settings.width
        precondition(settings.trials >= 2 && n >= 2 && settings.layers >= 1 && weights.tau >= weights.omega * weights.omega / Double(n))
        let prediction = SelfNormalizing.depthSweep(activation, from: start, weights: weights, layers: settings.layers)
        let results = concurrentMap(Array(0..<settings.trials)) { trial -> Result<[(first: Double, second: Double)], GSLError> in
            let rng = GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial)))
            var x = [Double](repeating: 0, count: n)
            x.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
            standardize(&x, mean: start.mean, variance: start.variance)
            var w = [Double](repeating: 0, count: n * n)
            var z = [Double](repeating: 0, count: n)
            var out: [(first: Double, second: Double)] = []
            let spread = (weights.tau - weights.omega * weights.omega / Double(n)).squareRoot()
            for _ in 1...settings.layers {
                w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
                for i in 0..<n {
                    // Row i: ω/N + (g − ḡ)·√(τ − ω²/N)/|g − ḡ|  ⇒  Σ w = ω, Σ w² = ω²/N + (τ − ω²/N) = τ.
                    var mean = 0.0
                    for j in 0..<n { mean += w[i * n + j] }
                    mean /= Double(n)
                    var squares = 0.0
                    for j in 0..<n { let d = w[i * n + j] - mean; squares += d * d }
                    let scale = squares > 0 ? spread / squares.squareRoot() : 0
                    for j in 0..<n { w[i * n + j] = weights.omega / Double(n) + (w[i * n + j] - mean) * scale }
                }
                do throws(GSLError) {
                    try multiply(w, x, into: &z, m: n, k: n, n: 1)
                } catch { return .failure(error) }
                var sum = 0.0
                for i in 0..<n { x[i] = activation(z[i]); sum += x[i] }
                let mean = sum / Double(n)
                var squares = 0.0
                for i in 0..<n { squares += (x[i] - mean) * (x[i] - mean) }
                let variance = squares / Double(n)
                guard mean.isFinite, variance.isFinite else { break }
                out.append((mean, variance))
            }
            return .success(out)
        }
        let trials = try results.map { result throws(GSLError) in try result.get() }
        return aggregate(trials, prediction: prediction.rows.map { ($0.mean, $0.variance) }, layers: settings.layers,
                         predictionStop: prediction.firstNonFiniteLayer)
    }

    /// Per-layer statistics over the trials, up to the first layer that some trial (or the
    /// prediction) could not reach with finite values.
    private static func aggregate(_ trials: [[(first: Double, second: Double)]], prediction: [(Double, Double)], layers: Int,
                                  predictionStop: Int?) -> (layers: [SimulatedLayer], firstNonFiniteLayer: Int?) {
        // prediction[l] is layer l (row 0 is the input).
        let reached = min(trials.map(\.count).min() ?? 0, prediction.count - 1)
        let rows = (0..<reached).map { index in
            SimulatedLayer(layer: index + 1,
                           first: SimulatedStatistic(predicted: prediction[index + 1].0, samples: trials.map { $0[index].first }),
                           second: SimulatedStatistic(predicted: prediction[index + 1].1, samples: trials.map { $0[index].second }))
        }
        return (rows, reached < layers ? reached + 1 : nil)
    }

    /// Row-major `C = A·B` through GSL's BLAS.
    private static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], m: Int, k: Int, n: Int) throws(GSLError) {
        try a.withUnsafeBufferPointer { a throws(GSLError) in
            try b.withUnsafeBufferPointer { b throws(GSLError) in
                try c.withUnsafeMutableBufferPointer { c throws(GSLError) in
                    try GSL.matrixProduct(a, b, into: c, m: m, k: k, n: n)
                }
            }
        }
    }

    /// Two pre-activation vectors (interleaved: h[2i], h[2i+1]) with `|h|²/N = q0` and
    /// correlation c0 exactly: Gram–Schmidt on two Gaussian vectors, scaled.
    private static func inputPair(width n: Int, q0: Double, c0: Double, rng: GSL.RandomGenerator) -> [Double] {
        var g = [Double](repeating: 0, count: 2 * n)
        g.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
        var e1 = (0..<n).map { g[2 * $0] }, e2 = (0..<n).map { g[2 * $0 + 1] }
        let norm1 = e1.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<n { e1[i] /= norm1 }
        let projection = zip(e1, e2).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<n { e2[i] -= projection * e1[i] }
        let norm2 = e2.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<n { e2[i] /= norm2 }
        let scale = (q0 * Double(n)).squareRoot(), s = ((1 - c0) * (1 + c0)).squareRoot()
        var h = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            h[2 * i] = scale * e1[i]
            h[2 * i + 1] = scale * (c0 * e1[i] + s * e2[i])
        }
        return h
    }

    /// Shifts and scales `x` to mean `mean` and population variance `variance` exactly.
    private static func standardize(_ x: inout [Double], mean: Double, variance: Double) {
        let n = Double(x.count)
        let m = x.reduce(0, +) / n
        let sd = (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
        for i in x.indices { x[i] = mean + (x[i] - m) / sd * variance.squareRoot() }
    }

    /// SplitMix64's output function (Steele et al. 2014): distinct, well-mixed seeds for the trials.
    static func splitMix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
