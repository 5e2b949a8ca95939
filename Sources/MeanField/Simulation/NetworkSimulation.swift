#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One top-level item of a simulated network: the networks' kernel entries and gradient ratio
/// beside the mean-field values.
public struct NetworkSimulatedBlock: Sendable, Hashable {
    /// The top-level item's index, 0-based.
    public let block: Int
    /// Every entry i ≤ j of `(1/N) xᵢ·xⱼ` at the item's output. `predicted` is NaN where the
    /// network has no Gaussian recursion (``Network/checkGaussian()`` refuses it).
    public let entries: [Simulation.KernelEntry]
    /// `|g_b|² / |g_out|²` for input 0, one backward pass per network from a random output
    /// direction, beside ``NetworkGradients/gradientRatios(_:q0:)``; nil when some network did not
    /// reach the output with finite values.
    public let gradientRatio: SimulatedStatistic?
}

/// One top-level item of a simulated network with two inputs.
public struct NetworkSimulatedTwoInputs: Sendable, Hashable {
    /// The top-level item's index, 0-based.
    public let block: Int
    /// `(|x₁|² + |x₂|²)/(2N)` beside the mean-field `Σ₁₁` (NaN where there is no Gaussian recursion).
    public let q: SimulatedStatistic
    /// `x₁·x₂/(|x₁||x₂|)` beside the mean-field c.
    public let c: SimulatedStatistic
    /// `|g_b|²/|g_out|²` (input 1) beside the mean-field ratio; nil when some network did not reach the output.
    public let gradientRatio: SimulatedStatistic?
}

/// Finite-width random networks of a composed architecture (SPEC §5): every dense layer an N × N
/// matrix `W_ij ~ N(0, σw²/N)` (GSL's mt19937, products by GSL's BLAS) and biases `b_i ~ N(0, σb²)`,
/// activations elementwise, `layernorm` dividing each input's units by their root mean square
/// `√(|x|²/N)`, residual sums `a·x + b·F(x)`. The inputs' layer-0 vectors have exactly the
/// input kernel Σ_in as `(1/N) HᵀH` (as ``Simulation/gaussianBatch(_:inputKernel:count:weights:settings:sampling:)``).
///
/// Per network and top-level item: the kernel `(1/N) XᵀX` of the item's output, and — one
/// backward pass from a random output direction `v ~ N(0, I)`, `g_out = v`, through the
/// transposed weights, `φ'`, the layernorm Jacobian `(1/r)(I − y yᵀ/N)` and `a·g + b·(branch)` —
/// the ratio `|g_b|²/|g_out|²` for input 0. Networks the kernel recursion refuses (a
/// post-activation residual `x ↦ φ(x + F(x))`) run all the same; their predictions are NaN.
///
/// Each dense layer draws from its own generator, seeded with SplitMix64(trial seed + k) for the
/// k-th dense layer met, so the backward pass regenerates `W` instead of storing it.
public enum NetworkSimulation {
    /// A batch of B inputs with input kernel `inputKernel` (row-major B × B, positive
    /// semi-definite, B ≤ N): per top-level item, every kernel entry i ≤ j beside the NNGP of
    /// ``NetworkKernels/gram(_:inputKernel:count:every:)``, and the gradient ratio of input 0.
    /// `width`, `trials` and `seed` come from `settings` (its `layers` is unused: the network says it).
    public static func batch(_ network: Network, inputKernel: [Double], count b: Int, settings: SimulationSettings) throws(GSLError)
    -> (blocks: [NetworkSimulatedBlock], firstNonFiniteBlock: Int?) {
        var predictedKernels: [[Double]]?
        if (try? network.checkGaussian()) != nil, let kernels = try? NetworkKernels.gram(network, inputKernel: inputKernel, count: b) {
            predictedKernels = kernels.blocks.map(\.nngp)
        }
        let (trials, reached) = try run(network, inputKernel: inputKernel, count: b, settings: settings)
        let ratios = gradientStatistics(network, trials, reached: reached, q0: inputKernel[0])
        let pairs = (0..<b).flatMap { i in (i..<b).map { (i, $0) } }
        let blocks = (0..<reached).map { block in
            NetworkSimulatedBlock(block: block, entries: pairs.map { i, j in
                Simulation.KernelEntry(i: i, j: j, value: SimulatedStatistic(
                    predicted: predictedKernels.flatMap { block < $0.count ? $0[block][i * b + j] : nil } ?? .nan,
                    samples: trials.map { $0.kernels[block][i * b + j] }))
            }, gradientRatio: ratios?[block])
        }
        return (blocks, reached < network.items.count ? reached : nil)
    }

    /// Two inputs whose layer-0 vectors have exactly `|h|²/N = q0` and correlation c0: per
    /// top-level item, `q = (|x₁|² + |x₂|²)/(2N)` and `c = x₁·x₂/(|x₁||x₂|)` beside
    /// ``NetworkGradients/depthSweep(_:q0:c0:)``'s q and c, and the gradient ratio of input 1.
    public static func twoInputs(_ network: Network, q0: Double, c0: Double, settings: SimulationSettings) throws(GSLError)
    -> (blocks: [NetworkSimulatedTwoInputs], firstNonFiniteBlock: Int?) {
        var predicted: [NetworkSignalRow]?
        if (try? network.checkGaussian()) != nil, let sweep = try? NetworkGradients.depthSweep(network, q0: q0, c0: c0) {
            predicted = sweep.rows
        }
        let (trials, reached) = try run(network, inputKernel: [q0, c0 * q0, c0 * q0, q0], count: 2, settings: settings)
        let ratios = gradientStatistics(network, trials, reached: reached, q0: q0)
        let blocks = (0..<reached).map { block in
            let row = predicted.flatMap { block < $0.count ? $0[block] : nil }
            return NetworkSimulatedTwoInputs(
                block: block,
                q: SimulatedStatistic(predicted: row?.q ?? .nan, samples: trials.map { ($0.kernels[block][0] + $0.kernels[block][3]) / 2 }),
                c: SimulatedStatistic(predicted: row?.c ?? .nan,
                                      samples: trials.map { $0.kernels[block][1] / ($0.kernels[block][0] * $0.kernels[block][3]).squareRoot() }),
                gradientRatio: ratios?[block])
        }
        return (blocks, reached < network.items.count ? reached : nil)
    }

    /// The per-trial kernels and gradient norms, and how many blocks every trial reached.
    static func run(_ network: Network, inputKernel: [Double], count b: Int, settings: SimulationSettings) throws(GSLError)
    -> (trials: [Trial], reached: Int) {
        let n = settings.width
        // Not reachable from the command line: Simulate.validate refuses --width and --trials out of
        // range, the network grammar refuses an empty network, and a --gram file has at least one
        // row and no more inputs than --width (NumericCSV.read, Simulate.networkTable).
        precondition(settings.trials >= 2 && n >= 2 && b >= 1 && b <= n && inputKernel.count == b * b && !network.items.isEmpty)
        let factor = Simulation.choleskyFactor(inputKernel, count: b)
        let results = concurrentMap(Array(0..<settings.trials), progress: WorkProgress.current) { trial -> Result<Trial, GSLError> in
            do throws(GSLError) {
                return .success(try simulate(network, factor: factor, count: b, width: n,
                                             seed: Simulation.splitMix64(Simulation.splitMix64(settings.seed) &+ UInt64(trial))))
            } catch { return .failure(error) }
        }
        let trials = try results.map { result throws(GSLError) in try result.get() }
        return (trials, trials.map(\.kernels.count).min() ?? 0)
    }

    /// `|g_b|²/|g_out|²` over the trials beside the mean-field ratio, when every trial reached the
    /// output with finite gradients.
    static func gradientStatistics(_ network: Network, _ trials: [Trial], reached: Int, q0: Double) -> [SimulatedStatistic]? {
        let count = network.items.count
        guard reached == count, trials.allSatisfy({ $0.gradientNorms.count == count }) else { return nil }
        let predicted: [Double]? = (try? network.checkGaussian()) != nil ? (try? NetworkGradients.gradientRatios(network, q0: q0)) : nil
        var statistics: [SimulatedStatistic] = []
        for block in 0..<count {
            let samples = trials.map { $0.gradientNorms[block] / $0.gradientNorms[count - 1] }
            guard samples.allSatisfy(\.isFinite) else { return nil }
            statistics.append(SimulatedStatistic(predicted: predicted.flatMap { block < $0.count ? $0[block] : nil } ?? .nan, samples: samples))
        }
        return statistics
    }

    /// One network's per-block kernels and squared gradient norms (input 0).
    struct Trial: Sendable {
        var kernels: [[Double]] = []
        var gradientNorms: [Double] = []
    }

    /// What the backward pass needs of one layer.
    indirect enum TapeEntry {
        case dense(seed: UInt64, weightSD: Double)
        case activation(Activation, input: [Double])
        case layernorm(output: [Double], rms: Double)
        case residual(skip: Double, branch: Double, [TapeEntry])
    }

    /// Forward through every item, recording the tape; then backward from a random direction.
    static func simulate(_ network: Network, factor: [Double], count b: Int, width n: Int, seed: UInt64) throws(GSLError) -> Trial {
        let rng = try GSL.RandomGenerator(seed: seed)
        var x = Simulation.initialPreactivations(width: n, factor: factor, count: b, rng: rng)
        var denseCount: UInt64 = 0
        var trial = Trial()
        var tapes: [[TapeEntry]] = []
        for item in network.items {
            var tape: [TapeEntry] = []
            try forward(item, &x, count: b, width: n, seed: seed, denseCount: &denseCount, tape: &tape)
            let kernel = Simulation.gram(x, width: n, count: b)
            guard kernel.allSatisfy(\.isFinite) else { return trial }
            trial.kernels.append(kernel)
            tapes.append(tape)
        }
        var g = [Double](repeating: 0, count: n)
        g.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
        var norms = [Double](repeating: 0, count: tapes.count)
        for block in stride(from: tapes.count - 1, through: 0, by: -1) {
            norms[block] = g.reduce(0) { $0 + $1 * $1 }
            if block > 0 { try backward(tapes[block], &g, width: n) }
        }
        trial.gradientNorms = norms
        return trial
    }

    /// Applies one item to x (row-major N × B), appending what the backward pass needs.
    static func forward(_ layer: NetworkLayer, _ x: inout [Double], count b: Int, width n: Int, seed: UInt64,
                        denseCount: inout UInt64, tape: inout [TapeEntry]) throws(GSLError) {
        switch layer {
        case let .dense(w):
            denseCount += 1
            let layerSeed = Simulation.splitMix64(seed &+ denseCount)
            let weightSD = (w.sigmaW2 / Double(n)).squareRoot()
            let rng = try GSL.RandomGenerator(seed: layerSeed)
            var matrix = [Double](repeating: 0, count: n * n)
            matrix.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
            var h = [Double](repeating: 0, count: n * b)
            try Simulation.multiply(matrix, x, into: &h, m: n, k: n, n: b)
            let biasSD = w.sigmaB2.squareRoot()
            if biasSD > 0 {
                for i in 0..<n {
                    let bias = rng.gaussian(sd: biasSD)
                    for r in 0..<b { h[i * b + r] += bias }
                }
            }
            x = h
            tape.append(.dense(seed: layerSeed, weightSD: weightSD))
        case let .activation(a):
            tape.append(.activation(a, input: (0..<n).map { x[$0 * b] }))
            for i in x.indices { x[i] = a(x[i]) }
        case .layernorm:
            var rms = [Double](repeating: 0, count: b)
            for i in 0..<n { for r in 0..<b { rms[r] += x[i * b + r] * x[i * b + r] } }
            rms = rms.map { ($0 / Double(n)).squareRoot() }
            for i in 0..<n { for r in 0..<b { x[i * b + r] /= rms[r] } }
            tape.append(.layernorm(output: (0..<n).map { x[$0 * b] }, rms: rms[0]))
        case let .residual(skip, branch, f):
            var inner = x
            var branchTape: [TapeEntry] = []
            for item in f.items { try forward(item, &inner, count: b, width: n, seed: seed, denseCount: &denseCount, tape: &branchTape) }
            for i in x.indices { x[i] = skip * x[i] + branch * inner[i] }
            tape.append(.residual(skip: skip, branch: branch, branchTape))
        case let .group(f):
            for item in f.items { try forward(item, &x, count: b, width: n, seed: seed, denseCount: &denseCount, tape: &tape) }
        }
    }

    /// g (the gradient at the tape's output, N values) becomes the gradient at its input.
    static func backward(_ tape: [TapeEntry], _ g: inout [Double], width n: Int) throws(GSLError) {
        for entry in tape.reversed() {
            switch entry {
            case let .dense(seed, weightSD):
                let rng = try GSL.RandomGenerator(seed: seed)
                var matrix = [Double](repeating: 0, count: n * n)
                matrix.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                var out = [Double](repeating: 0, count: n)
                try Simulation.multiply(g, matrix, into: &out, m: 1, k: n, n: n)   // gᵀW = (Wᵀg)ᵀ
                g = out
            case let .activation(a, input):
                for i in 0..<n { g[i] *= a.evaluate(input[i], .first) }
            case let .layernorm(y, rms):
                var dot = 0.0
                for i in 0..<n { dot += y[i] * g[i] }
                dot /= Double(n)
                for i in 0..<n { g[i] = (g[i] - y[i] * dot) / rms }
            case let .residual(skip, branch, inner):
                var through = g
                try backward(inner, &through, width: n)
                for i in 0..<n { g[i] = skip * g[i] + branch * through[i] }
            }
        }
    }
}
