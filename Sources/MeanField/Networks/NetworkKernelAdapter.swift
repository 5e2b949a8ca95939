#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The one place where networks call the exact kernel routines of `Kernels/`: an activation layer
/// asks this adapter for `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` and the diagonal's `(E_q[φ²], E_q[φ'²])`,
/// and the adapter hands the route choice to the ``KernelEvaluator`` exactly as
/// ``NeuralTangents/twoInputs(_:q0:c0s:weights:layers:every:interpolate:strategy:)`` and
/// ``NeuralTangents/gram(_:inputKernel:count:weights:layers:every:strategy:)`` do — so the plain
/// MLP written as a network gives the same numbers bit for bit.
///
/// Before a two-input pass, ``plan(variances:interiorCount:)`` is told every activation layer's
/// input variance (the diagonal depends on the diagonal only, so a first pass knows them all):
/// a variance that recurs is worth a θ-series built once (the evaluator's `expectedQueries`).
struct NetworkKernelAdapter {
    private var moments: [Activation: [Double: (second: Double, slopeSquared: Double)]] = [:]
    private var caches: [Activation: AngularCache] = [:]
    private var recurrences: [Activation: [Double: Int]] = [:]
    private var interiorCount = 0

    /// `(E_q[φ²], E_q[φ'²])` at the input variance q of an activation layer (memoized).
    mutating func diagonal(_ activation: Activation, variance q: Double) -> (second: Double, slopeSquared: Double) {
        if let m = moments[activation]?[q] { return m }
        let m = NeuralTangents.diagonalMoments(activation, variance: q, strategy: .automatic)
        moments[activation, default: [:]][q] = m
        return m
    }

    /// Records every activation layer's input variance (in order), so that a recurring variance
    /// gets its θ-series built once.
    mutating func plan(variances: [Activation: [Double]], interiorCount: Int) {
        self.interiorCount = interiorCount
        for (activation, list) in variances {
            var counts: [Double: Int] = [:]
            for v in list { counts[v, default: 0] += 1 }
            recurrences[activation] = counts
        }
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for u, v of variance q at each correlation (c = 1 gives the
    /// diagonal's moments exactly).
    mutating func correlationKernels(_ activation: Activation, variance q: Double, correlations: [Double]) -> [(Double, Double)] {
        let d = diagonal(activation, variance: q)
        var cache = caches[activation] ?? AngularCache()
        let expected = interiorCount * (recurrences[activation]?[q] ?? 1)
        let values = KernelEvaluator.correlationKernels(activation, variance: q, correlations: correlations, diagonal: d,
                                                        cache: &cache, expectedQueries: expected).values
        caches[activation] = cache
        return values
    }

    /// For a Gram matrix Σ (row-major n × n): the diagonal moments of each input and the kernel
    /// pair of each off-diagonal pair (i < j, in `pairs` order). Pairs of equal variance share
    /// the correlation map at that variance; unequal ones go to
    /// ``KernelEvaluator/unequalPairs(_:_:diagonal:strategy:)`` — as ``NeuralTangents/gram``.
    mutating func gramKernels(_ activation: Activation, sigma: [Double], count n: Int, pairs: [(Int, Int)])
    -> (diagonal: [(second: Double, slopeSquared: Double)], pairs: [(Double, Double)]) {
        let variances = (0..<n).map { sigma[$0 * n + $0] }
        var diagonal: [Double: (second: Double, slopeSquared: Double)] = [:]
        for v in Set(variances) { diagonal[v] = NeuralTangents.diagonalMoments(activation, variance: v, strategy: .automatic) }
        var values = [(Double, Double)](repeating: (0, 0), count: pairs.count)
        var unequal: [Int] = []
        var byVariance: [Double: [Int]] = [:]
        for (index, (i, j)) in pairs.enumerated() {
            if variances[i] == variances[j] { byVariance[variances[i], default: []].append(index) } else { unequal.append(index) }
        }
        var cache = caches[activation] ?? AngularCache()
        for (v, indices) in byVariance.sorted(by: { $0.key < $1.key }) {
            let correlations = indices.map { index -> Double in
                let (i, j) = pairs[index]
                return v == 0 ? 1 : max(-1, min(1, sigma[i * n + j] / v))
            }
            let d = diagonal[v] ?? NeuralTangents.diagonalMoments(activation, variance: v, strategy: .automatic)
            let kernels = KernelEvaluator.correlationKernels(activation, variance: v, correlations: correlations, diagonal: d,
                                                             cache: &cache).values
            for (index, k) in zip(indices, kernels) { values[index] = k }
        }
        caches[activation] = cache
        let direct = KernelEvaluator.unequalPairs(activation, unequal.map { index in
            let (i, j) = pairs[index]
            return (variances[i], sigma[i * n + j], variances[j])
        }, diagonal: diagonal)
        for (index, v) in zip(unequal, direct) { values[index] = v }
        let perInput = variances.map { diagonal[$0] ?? NeuralTangents.diagonalMoments(activation, variance: $0, strategy: .automatic) }
        return (perInput, values)
    }
}
