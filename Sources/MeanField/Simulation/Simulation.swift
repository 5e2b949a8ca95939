#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An empirical statistic over independent trials beside its mean-field prediction.
public struct SimulatedStatistic: Sendable, Hashable {
    /// The mean-field value.
    public let predicted: Double
    /// The mean over trials of the per-network statistic (over the trials where it is defined;
    /// NaN when fewer than 2 are).
    public let mean: Double
    /// The standard error of that mean: the trials' sample standard deviation / √T (NaN when
    /// fewer than 2 trials define the statistic).
    public let standardError: Double
    /// Trials where the statistic is undefined (a correlation when all of a layer's
    /// pre-activations of one input are zero: 0/0); they are left out of ``mean``.
    public let undefinedTrials: Int
    /// `(mean − predicted)/standardError`; nil when the standard error is 0 or undefined.
    public var deviation: Double? { standardError > 0 ? (mean - predicted) / standardError : nil }

    /// Aggregates per-trial values (T ≥ 2); NaN samples are undefined trials.
    init(predicted: Double, samples: [Double]) {
        let defined = samples.filter { !$0.isNaN }
        let t = Double(defined.count)
        let mean = defined.count >= 2 ? defined.reduce(0, +) / t : .nan
        let variance = defined.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1)
        self.predicted = predicted
        self.mean = mean
        standardError = defined.count >= 2 ? (variance / t).squareRoot() : .nan
        undefinedTrials = samples.count - defined.count
    }
}

/// One layer of a simulation: two statistics (Model B: q and c; Model A: mean and variance).
public struct SimulatedLayer: Sendable, Hashable {
    /// The layer l ≥ 1.
    public let layer: Int
    /// Model B: q; Model A: the activations' mean.
    public let first: SimulatedStatistic
    /// Model B: c; Model A: the activations' variance.
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
    /// Trial t draws from a GSL mt19937 seeded (all 64 bits, by `init_by_array`) with
    /// SplitMix64(SplitMix64(seed) + t) (distinct seeds
    /// give unrelated sets of trial streams, not shifted copies): the output depends on
    /// the seed only, not on how trials are spread over cores.
    public var seed: UInt64
    /// A run of `trials` networks of `width` units and `layers` layers from `seed`.
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
    /// `sampling: .implicit` draws each layer's pre-activations from their exact law given the
    /// previous layer instead of materializing `Wˡ`: the rows of a fresh Gaussian `Wˡ` are
    /// independent, so `(Wˡa₁, Wˡa₂)ᵢ ~ N(0, (σw²/N)·[[a₁·a₁, a₁·a₂], [a₁·a₂, a₂·a₂]])` independently
    /// over i — the same distribution of every statistic as `.dense`, in O(N) per layer instead of
    /// O(N²) Gaussian draws and a matrix product (not the same draws: the outputs differ by sampling
    /// noise, not in law).
    ///
    /// [Poole et al. 2016]: https://arxiv.org/abs/1606.05340
    public static func gaussian(_ activation: Activation, q0: Double, c0: Double, weights: GaussianWeights,
                                settings: SimulationSettings, sampling: WeightSampling = .dense) throws(GSLError)
    -> (layers: [SimulatedLayer], firstNonFiniteLayer: Int?) {
        let prediction = SignalPropagation.depthSweep(activation, q0: q0, c0: c0, weights: weights, layers: settings.layers)
        let grams = try empiricalKernels(activation, inputKernel: [q0, c0 * q0, c0 * q0, q0], count: 2, weights: weights,
                                         settings: settings, sampling: sampling)
        // From each network's 2 × 2 kernel (1/N)HᵀH: q = (K₁₁ + K₂₂)/2, c = K₁₂/√(K₁₁K₂₂).
        let trials = grams.map { layers in layers.map { k in ((k[0] + k[3]) / 2, k[1] / (k[0] * k[3]).squareRoot()) } }
        return aggregate(trials, prediction: prediction.rows.map { ($0.q, $0.c) }, layers: settings.layers)
    }

    /// One entry (i, j) of a simulated layer's NNGP kernel.
    public struct KernelEntry: Sendable, Hashable {
        /// The entry's row and column (0-based input indices, i ≤ j).
        public let i: Int, j: Int
        /// `Σˡᵢⱼ` (mean field) beside the networks' `(1/N) hᵢ·hⱼ`.
        public let value: SimulatedStatistic
    }

    /// Model B with a batch of B inputs whose layer-0 pre-activation kernel is `inputKernel`
    /// (row-major B × B, positive semi-definite): `H⁰ = √N·Q·Lᵀ` with Q an N × B random matrix with
    /// orthonormal columns and `LLᵀ = Σ⁰`, so `(1/N)H⁰ᵀH⁰ = Σ⁰` exactly (B ≤ N); then as
    /// ``gaussian(_:q0:c0:weights:settings:sampling:)``. Per layer, every entry i ≤ j of the
    /// networks' kernel `(1/N) hᵢ·hⱼ` beside the NNGP `Σˡᵢⱼ` of ``NeuralTangents/gram(_:inputKernel:count:weights:layers:every:strategy:)``.
    /// Throws ``KernelError`` when `inputKernel` is not a covariance matrix, ``GSLError`` when GSL fails.
    public static func gaussianBatch(_ activation: Activation, inputKernel: [Double], count b: Int, weights: GaussianWeights,
                                     settings: SimulationSettings, sampling: WeightSampling = .dense) throws
    -> (layers: [[KernelEntry]], firstNonFiniteLayer: Int?) {
        // The prediction checks that Σ⁰ is a covariance matrix (KernelError) before any network is
        // built: Cholesky would otherwise zero a negative pivot and start from another kernel.
        let prediction = try NeuralTangents.gram(activation, inputKernel: inputKernel, count: b, weights: weights, layers: settings.layers)
        let grams = try empiricalKernels(activation, inputKernel: inputKernel, count: b, weights: weights, settings: settings, sampling: sampling)
        let reached = min(grams.map(\.count).min() ?? 0, prediction.layers.count)
        let pairs = (0..<b).flatMap { i in (i..<b).map { (i, $0) } }
        let layers = (0..<reached).map { l in
            pairs.map { i, j in
                KernelEntry(i: i, j: j, value: SimulatedStatistic(predicted: prediction.layers[l].nngp[i * b + j],
                                                                  samples: grams.map { $0[l][i * b + j] }))
            }
        }
        return (layers, reached < settings.layers ? reached + 1 : nil)
    }

    /// Per network (trial) and layer, the B × B kernel `(1/N) HᵀH` of the pre-activations, up to the
    /// first layer with a non-finite entry.
    static func empiricalKernels(_ activation: Activation, inputKernel: [Double], count b: Int, weights: GaussianWeights,
                                 settings: SimulationSettings, sampling: WeightSampling) throws(GSLError) -> [[[Double]]] {
        let n = settings.width
        // Not reachable from the command line: `simulate` refuses --width outside 2...5000, --trials
        // outside 2...100000 and --layers outside 1...100000 (Simulate.validate), and a --gram file
        // of no rows or of more inputs than --width (NumericCSV.read, Simulate.makeTable); the
        // kernel is B × B by construction (InputKernelFile.read).
        precondition(settings.trials >= 2 && n >= 2 && b >= 1 && b <= n && settings.layers >= 1 && inputKernel.count == b * b)
        let inputFactor = choleskyFactor(inputKernel, count: b)
        let results = concurrentMap(Array(0..<settings.trials), progress: WorkProgress.current) { trial -> Result<[[Double]], GSLError> in
            let rng: GSL.RandomGenerator
            do throws(GSLError) { rng = try GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial))) } catch { return .failure(error) }
            var h = initialPreactivations(width: n, factor: inputFactor, count: b, rng: rng)
            var a = [Double](repeating: 0, count: n * b)
            var w = [Double](repeating: 0, count: sampling == .dense ? n * n : 0)
            var z = [Double](repeating: 0, count: b)
            var out: [[Double]] = []
            let weightSD = (weights.sigmaW2 / Double(n)).squareRoot(), biasSD = weights.sigmaB2.squareRoot()
            for _ in 1...settings.layers {
                for i in 0..<(n * b) { a[i] = activation(h[i]) }
                switch sampling {
                case .dense:
                    w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                    do throws(GSLError) {
                        try multiply(w, a, into: &h, m: n, k: n, n: b)
                    } catch { return .failure(error) }
                case .implicit:
                    // Each row of Wˡa is N(0, (σw²/N)·aᵀa): h_row = L z with LLᵀ = (σw²/N)·aᵀa.
                    let factor = choleskyFactor(gram(a, width: n, count: b).map { $0 * weights.sigmaW2 }, count: b)
                    for i in 0..<n {
                        for k in 0..<b { z[k] = rng.gaussian(sd: 1) }
                        for r in 0..<b {
                            var sum = 0.0
                            for k in 0...r { sum += factor[r * b + k] * z[k] }
                            h[i * b + r] = sum
                        }
                    }
                }
                if biasSD > 0 {
                    for i in 0..<n {
                        let bias = rng.gaussian(sd: biasSD)
                        for r in 0..<b { h[i * b + r] += bias }
                    }
                }
                let kernel = gram(h, width: n, count: b)
                guard kernel.allSatisfy(\.isFinite) else { break }
                out.append(kernel)
            }
            return .success(out)
        }
        return try results.map { result throws(GSLError) in try result.get() }
    }

    /// `(1/N) XᵀX` for row-major X (N × B).
    static func gram(_ x: [Double], width n: Int, count b: Int) -> [Double] {
        var k = [Double](repeating: 0, count: b * b)
        for i in 0..<n {
            for r in 0..<b {
                let xr = x[i * b + r]
                for c in r..<b { k[r * b + c] += xr * x[i * b + c] }
            }
        }
        for r in 0..<b {
            for c in r..<b {
                k[r * b + c] /= Double(n)
                k[c * b + r] = k[r * b + c]
            }
        }
        return k
    }

    /// Lower-triangular L (row-major) with `LLᵀ = m` for a positive semi-definite m: a pivot at or
    /// below 1e-14 of its diagonal entry (a dependent column) gives a zero column.
    static func choleskyFactor(_ m: [Double], count b: Int) -> [Double] {
        var l = [Double](repeating: 0, count: b * b)
        for j in 0..<b {
            var pivot = m[j * b + j]
            for k in 0..<j { pivot -= l[j * b + k] * l[j * b + k] }
            guard pivot > 1e-14 * m[j * b + j], pivot > 0 else { continue }
            let root = pivot.squareRoot()
            l[j * b + j] = root
            for i in (j + 1)..<max(j + 1, b) {
                var sum = m[i * b + j]
                for k in 0..<j { sum -= l[i * b + k] * l[j * b + k] }
                l[i * b + j] = sum / root
            }
        }
        return l
    }

    /// `H⁰ = √N·Q·Lᵀ` (row-major N × B): Q from Gram–Schmidt on B Gaussian N-vectors.
    static func initialPreactivations(width n: Int, factor l: [Double], count b: Int, rng: GSL.RandomGenerator) -> [Double] {
        var q = [Double](repeating: 0, count: n * b)
        q.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
        for c in 0..<b {
            for previous in 0..<c {
                var projection = 0.0
                for i in 0..<n { projection += q[i * b + previous] * q[i * b + c] }
                for i in 0..<n { q[i * b + c] -= projection * q[i * b + previous] }
            }
            var norm = 0.0
            for i in 0..<n { norm += q[i * b + c] * q[i * b + c] }
            norm = norm.squareRoot()
            for i in 0..<n { q[i * b + c] /= norm }
        }
        let scale = Double(n).squareRoot()
        var h = [Double](repeating: 0, count: n * b)
        for i in 0..<n {
            for r in 0..<b {
                var sum = 0.0
                for k in 0...r { sum += q[i * b + k] * l[r * b + k] }
                h[i * b + r] = scale * sum
            }
        }
        return h
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
        // Not reachable from the command line: Simulate.validate refuses --width, --trials and
        // --layers out of range and --tau < omega^2/N by this same expression.
        precondition(settings.trials >= 2 && n >= 2 && settings.layers >= 1 && weights.tau >= weights.omega * weights.omega / Double(n))
        let prediction = SelfNormalizing.depthSweep(activation, from: start, weights: weights, layers: settings.layers)
        let results = concurrentMap(Array(0..<settings.trials), progress: WorkProgress.current) { trial -> Result<[(first: Double, second: Double)], GSLError> in
            let rng: GSL.RandomGenerator
            do throws(GSLError) { rng = try GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial))) } catch { return .failure(error) }
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
        return aggregate(trials, prediction: prediction.rows.map { ($0.mean, $0.variance) }, layers: settings.layers)
    }

    /// Per-layer statistics over the trials, up to the first layer that some trial (or the
    /// prediction) could not reach with finite values.
    private static func aggregate(_ trials: [[(first: Double, second: Double)]], prediction: [(Double, Double)],
                                  layers: Int) -> (layers: [SimulatedLayer], firstNonFiniteLayer: Int?) {
        // prediction[l] is layer l (row 0 is the input).
        let reached = max(0, min(trials.map(\.count).min() ?? 0, prediction.count - 1))
        let rows = (0..<reached).map { index in
            SimulatedLayer(layer: index + 1,
                           first: SimulatedStatistic(predicted: prediction[index + 1].0, samples: trials.map { $0[index].first }),
                           second: SimulatedStatistic(predicted: prediction[index + 1].1, samples: trials.map { $0[index].second }))
        }
        return (rows, reached < layers ? reached + 1 : nil)
    }

    /// Row-major `C = A·B` through GSL's BLAS.
    static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], m: Int, k: Int, n: Int) throws(GSLError) {
        try a.withUnsafeBufferPointer { a throws(GSLError) in
            try b.withUnsafeBufferPointer { b throws(GSLError) in
                try c.withUnsafeMutableBufferPointer { c throws(GSLError) in
                    try GSL.matrixProduct(a, b, into: c, m: m, k: k, n: n)
                }
            }
        }
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
