#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One top-level item of a network's two-input NNGP/NTK recursion.
public struct NetworkKernelRow: Sendable, Hashable {
    /// The top-level item's index, 0-based, after expanding `*COUNT`.
    public let block: Int
    /// The input correlation c0 this trajectory started from.
    public let c0: Double
    /// `Σ₁₁` (= `Σ₂₂`) after the item.
    public let nngp11: Double
    /// `Σ₁₂` after the item.
    public let nngp12: Double
    /// `Θ₁₁` (= `Θ₂₂`) after the item.
    public let ntk11: Double
    /// `Θ₁₂` after the item.
    public let ntk12: Double
}

/// The NNGP and NTK Gram matrices after one top-level item (row-major N × N, symmetric).
public struct NetworkGramBlock: Sendable, Hashable {
    /// The top-level item's index, 0-based.
    public let block: Int
    /// `Σ`, row-major N × N.
    public let nngp: [Double]
    /// `Θ`, row-major N × N.
    public let ntk: [Double]
}

/// The infinite-width NNGP and NTK of a composed network (SPEC §5), neural-tangents' `stax`
/// kernel rules with `parameterization='ntk'` ([Novak et al. 2020]; [Jacot et al. 2018];
/// [Lee et al. 2019]). The input kernel Σ_in has NTK 0; with (u, v) ~ N(0, Σ):
/// ```
/// dense(W, B):                 Σ' = W Σ + B,                Θ' = W Θ + Σ'
/// activation φ:                Σ' = E[φ(u) φ(v)],           Θ' = E[φ'(u) φ'(v)] · Θ
/// layernorm:                   Σ'ᵢⱼ = Σᵢⱼ / √(Σᵢᵢ Σⱼⱼ),     Θ'ᵢⱼ = Θᵢⱼ / √(Σᵢᵢ Σⱼⱼ)
/// residual(skip=a,branch=b)[F]: Σ' = a² Σ + b² Σ_F,          Θ' = a² Θ + b² Θ_F
/// ```
/// entry by entry. The network must pass ``Network/checkGaussian()`` (SPEC §5's Gaussian rule).
///
/// The exact kernels come through one adapter (``NetworkKernelAdapter``) with the routes of
/// ``NeuralTangents``: `dense [φ dense(sigma_w2=W,sigma_b2=B)]*L` gives the numbers of
/// ``NeuralTangents/twoInputs(_:q0:c0s:weights:layers:every:interpolate:strategy:)`` and
/// ``NeuralTangents/gram(_:inputKernel:count:weights:layers:every:strategy:)`` bit for bit (an
/// activation's slope factor is kept pending and multiplied into the next dense layer's σw²
/// first, `(W·E[φ'φ'])·Θ`, as those recursions do).
///
/// [Novak et al. 2020]: https://arxiv.org/abs/1912.02803
/// [Jacot et al. 2018]: https://arxiv.org/abs/1806.07572
/// [Lee et al. 2019]: https://arxiv.org/abs/1902.06720
public enum NetworkKernels {
    /// Two inputs of variance `q0` with correlations `c0s` (one trajectory each): rows for the
    /// blocks b with `b % every == 0` and the last, block-major (every c0 of block b, in the
    /// given order, then block b + 1). Stops before the first block with a non-finite value and
    /// reports it.
    public static func twoInputs(_ network: Network, q0: Double, c0s: [Double], every: Int = 1) throws(NetworkError)
    -> (rows: [NetworkKernelRow], firstNonFiniteBlock: Int?) {
        try network.checkGaussian()
        // Not reachable from the command line: Ntk.validate refuses --every < 1.
        precondition(every >= 1)
        var adapter = NetworkKernelAdapter()
        // Pass 1, the diagonal only: every activation layer's input variance, for the route plan.
        var recorder = KernelRecursion(mode: .twoInputs, pairs: [], adapter: adapter)
        var planning = KernelState(diagonal: [q0], offDiagonal: [], correlations: [])
        for item in network.items {
            recorder.apply(item, to: &planning)
            if planning.failed { break }
        }
        let interior = c0s.reduce(0) { $0 + ($1 == 1 ? 0 : 1) }
        adapter = recorder.adapter
        adapter.plan(variances: recorder.variances, interiorCount: interior)
        // Pass 2: every trajectory.
        var recursion = KernelRecursion(mode: .twoInputs, pairs: Array(repeating: (0, 0), count: c0s.count), adapter: adapter)
        var state = KernelState(diagonal: [q0], offDiagonal: c0s.map { $0 * q0 }, correlations: c0s.map { max(-1, min(1, $0)) })
        var rows: [NetworkKernelRow] = []
        let last = network.items.count - 1
        for (block, item) in network.items.enumerated() {
            recursion.apply(item, to: &state)
            let (sigma, theta) = state.materialized()
            guard !state.failed, sigma.isFinite, theta.isFinite else {
                return (rows, block)
            }
            if block % every == 0 || block == last {
                for index in c0s.indices {
                    rows.append(NetworkKernelRow(block: block, c0: c0s[index], nngp11: sigma.diagonal[0], nngp12: sigma.offDiagonal[index],
                                                 ntk11: theta.diagonal[0], ntk12: theta.offDiagonal[index]))
                }
            }
        }
        return (rows, nil)
    }

    /// The Gram matrices of N inputs whose input kernel is `inputKernel` (row-major N × N,
    /// symmetric, positive diagonal), after the blocks b with `b % every == 0` and the last. Stops
    /// before the first block with a non-finite entry and reports it.
    public static func gram(_ network: Network, inputKernel: [Double], count n: Int, every: Int = 1) throws(NetworkError)
    -> (blocks: [NetworkGramBlock], firstNonFiniteBlock: Int?) {
        try network.checkGaussian()
        // Not reachable from the command line: Ntk.validate refuses --every < 1 and
        // InputKernelFile.read returns an N × N kernel of N >= 1 inputs.
        precondition(inputKernel.count == n * n && n >= 1 && every >= 1)
        let pairs = (0..<n).flatMap { i in (i + 1..<n).map { (i, $0) } }
        var recursion = KernelRecursion(mode: .gram(n), pairs: pairs, adapter: NetworkKernelAdapter())
        var state = KernelState(diagonal: (0..<n).map { inputKernel[$0 * n + $0] }, offDiagonal: pairs.map { inputKernel[$0.0 * n + $0.1] },
                                correlations: nil)
        var blocks: [NetworkGramBlock] = []
        let last = network.items.count - 1
        for (block, item) in network.items.enumerated() {
            recursion.apply(item, to: &state)
            let (sigma, theta) = state.materialized()
            guard !state.failed, sigma.isFinite, theta.isFinite else {
                return (blocks, block)
            }
            if block % every == 0 || block == last {
                blocks.append(NetworkGramBlock(block: block, nngp: sigma.matrix(count: n, pairs: pairs),
                                               ntk: theta.matrix(count: n, pairs: pairs)))
            }
        }
        return (blocks, nil)
    }
}

/// Diagonal and off-diagonal entries of a kernel (two inputs: one shared variance and one entry
/// per trajectory; a Gram matrix: N variances and the pairs i < j).
struct KernelEntries {
    var diagonal: [Double]
    var offDiagonal: [Double]

    /// Every entry is finite.
    var isFinite: Bool { diagonal.allSatisfy(\.isFinite) && offDiagonal.allSatisfy(\.isFinite) }

    func matrix(count n: Int, pairs: [(Int, Int)]) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = diagonal[i] }
        for (index, (i, j)) in pairs.enumerated() { m[i * n + j] = offDiagonal[index]; m[j * n + i] = offDiagonal[index] }
        return m
    }
}

/// The recursion's state: Σ and Θ, with an activation's slope factors `E[φ'φ']` pending until the
/// next dense layer (Θ_true = slope · Θ), and (two inputs) the correlations the next activation uses.
struct KernelState {
    var sigma: KernelEntries
    var theta: KernelEntries
    var slope: KernelEntries?
    /// Two inputs: `Σ₁₂/Σ₁₁` clamped to [−1, 1], as of the last change of Σ (nil for a Gram matrix).
    var correlations: [Double]?
    var correlationsFresh = true
    /// A non-finite variance was met: later layers are skipped.
    var failed = false

    /// Σ_in with NTK 0.
    init(diagonal: [Double], offDiagonal: [Double], correlations: [Double]?) {
        sigma = KernelEntries(diagonal: diagonal, offDiagonal: offDiagonal)
        theta = KernelEntries(diagonal: diagonal.map { _ in 0 }, offDiagonal: offDiagonal.map { _ in 0 })
        self.correlations = correlations
    }

    /// (Σ, Θ) with any pending slope multiplied in.
    func materialized() -> (sigma: KernelEntries, theta: KernelEntries) {
        guard let slope else { return (sigma, theta) }
        return (sigma, KernelEntries(diagonal: zip(slope.diagonal, theta.diagonal).map { $0 * $1 },
                                     offDiagonal: zip(slope.offDiagonal, theta.offDiagonal).map { $0 * $1 }))
    }

    /// Multiplies a pending slope into Θ.
    mutating func settle() {
        theta = materialized().theta
        slope = nil
    }
}

/// Applies layers to a ``KernelState`` (SPEC §5's kernel rules); records each activation
/// layer's input variance (for the two-input route plan).
struct KernelRecursion {
    enum Mode { case twoInputs, gram(Int) }
    let mode: Mode
    /// Two inputs: every pair is (0, 0) (both inputs share the variance); Gram: (i, j), i < j.
    let pairs: [(Int, Int)]
    var adapter: NetworkKernelAdapter
    /// Each activation's input variances, in the order met.
    var variances: [Activation: [Double]] = [:]

    init(mode: Mode, pairs: [(Int, Int)], adapter: NetworkKernelAdapter) {
        self.mode = mode
        self.pairs = pairs
        self.adapter = adapter
    }

    mutating func apply(_ layer: NetworkLayer, to state: inout KernelState) {
        guard !state.failed else { return }
        switch layer {
        case let .dense(w):
            dense(w, &state)
        case let .activation(a):
            activation(a, &state)
        case .layernorm:
            state.settle()
            layernorm(&state)
        case let .residual(skip, branch, f):
            state.settle()
            var inner = state
            for item in f.items { apply(item, to: &inner) }
            inner.settle()
            if inner.failed { state.failed = true; return }
            let (a2, b2) = (skip * skip, branch * branch)
            func combine(_ x: KernelEntries, _ y: KernelEntries) -> KernelEntries {
                KernelEntries(diagonal: zip(x.diagonal, y.diagonal).map { a2 * $0 + b2 * $1 },
                              offDiagonal: zip(x.offDiagonal, y.offDiagonal).map { a2 * $0 + b2 * $1 })
            }
            state.sigma = combine(state.sigma, inner.sigma)
            state.theta = combine(state.theta, inner.theta)
            refreshCorrelations(&state)
        case let .group(f):
            for item in f.items { apply(item, to: &state) }
        }
        if !state.sigma.diagonal.allSatisfy(\.isFinite) { state.failed = true }
    }

    /// Σ' = W Σ + B, Θ' = W Θ + Σ' (with a pending slope s: (W·s) Θ + Σ').
    private func dense(_ w: GaussianWeights, _ state: inout KernelState) {
        let (w2, b2) = (w.sigmaW2, w.sigmaB2)
        let identity = w2 == 1 && b2 == 0 && state.slope == nil && state.correlationsFresh
        state.sigma.diagonal = state.sigma.diagonal.map { w2 * $0 + b2 }
        state.sigma.offDiagonal = state.sigma.offDiagonal.map { w2 * $0 + b2 }
        if let slope = state.slope {
            state.theta.diagonal = state.theta.diagonal.indices.map { state.sigma.diagonal[$0] + w2 * slope.diagonal[$0] * state.theta.diagonal[$0] }
            state.theta.offDiagonal = state.theta.offDiagonal.indices.map {
                state.sigma.offDiagonal[$0] + w2 * slope.offDiagonal[$0] * state.theta.offDiagonal[$0]
            }
            state.slope = nil
        } else {
            state.theta.diagonal = state.theta.diagonal.indices.map { state.sigma.diagonal[$0] + w2 * state.theta.diagonal[$0] }
            state.theta.offDiagonal = state.theta.offDiagonal.indices.map { state.sigma.offDiagonal[$0] + w2 * state.theta.offDiagonal[$0] }
        }
        // dense(1, 0) leaves Σ bit for bit as it was, and so its correlations.
        if !identity { refreshCorrelations(&state) }
    }

    /// Two inputs: c = Σ₁₂/Σ₁₁ clamped to [−1, 1] (1 for a zero signal).
    private func refreshCorrelations(_ state: inout KernelState) {
        guard state.correlations != nil else { return }
        let q = state.sigma.diagonal[0]
        state.correlations = state.sigma.offDiagonal.map { q == 0 ? 1 : max(-1, min(1, $0 / q)) }
        state.correlationsFresh = true
    }

    /// Σ' = E[φ(u)φ(v)]; the slope E[φ'(u)φ'(v)] is kept pending for Θ.
    private mutating func activation(_ a: Activation, _ state: inout KernelState) {
        state.settle()
        guard state.sigma.diagonal.allSatisfy(\.isFinite), state.sigma.offDiagonal.allSatisfy(\.isFinite) else { state.failed = true; return }
        switch mode {
        case .twoInputs:
            let q = state.sigma.diagonal[0]
            variances[a, default: []].append(q)
            let d = adapter.diagonal(a, variance: q)
            let kernels = pairs.isEmpty ? [] : adapter.correlationKernels(a, variance: q, correlations: state.correlations ?? [])
            state.sigma = KernelEntries(diagonal: [d.second], offDiagonal: kernels.map(\.0))
            state.slope = KernelEntries(diagonal: [d.slopeSquared], offDiagonal: kernels.map(\.1))
        case let .gram(n):
            let full = state.sigma.matrix(count: n, pairs: pairs)
            let (diagonal, kernels) = adapter.gramKernels(a, sigma: full, count: n, pairs: pairs)
            state.sigma = KernelEntries(diagonal: diagonal.map(\.second), offDiagonal: kernels.map(\.0))
            state.slope = KernelEntries(diagonal: diagonal.map(\.slopeSquared), offDiagonal: kernels.map(\.1))
        }
        state.correlationsFresh = false
    }

    /// Σ'ᵢⱼ = Σᵢⱼ/√(ΣᵢᵢΣⱼⱼ), Θ'ᵢⱼ = Θᵢⱼ/√(ΣᵢᵢΣⱼⱼ) (Σ'ᵢᵢ = 1 exactly).
    private func layernorm(_ state: inout KernelState) {
        let d = state.sigma.diagonal
        guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else { state.failed = true; return }
        func scale(_ index: Int) -> Double {
            let (i, j) = pairs[index]
            return i == j ? d[i] : (d[i] * d[j]).squareRoot()
        }
        state.theta.diagonal = state.theta.diagonal.indices.map { state.theta.diagonal[$0] / d[$0] }
        state.theta.offDiagonal = state.theta.offDiagonal.indices.map { state.theta.offDiagonal[$0] / scale($0) }
        state.sigma.offDiagonal = state.sigma.offDiagonal.indices.map { state.sigma.offDiagonal[$0] / scale($0) }
        state.sigma.diagonal = d.map { _ in 1 }
        refreshCorrelations(&state)
    }
}
