import Foundation

/// The one place where networks call the exact kernel routines of `Kernels/` (closed forms,
/// certified Hermite series, θ-Chebyshev series and families, direct kink-aware 2D quadrature):
/// an activation layer asks this adapter for `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` and the diagonal's
/// `(E_q[φ²], E_q[φ'²])`, and the adapter makes the same route choices as
/// ``NeuralTangents/twoInputs(_:q0:c0s:weights:layers:every:interpolate:strategy:)`` and
/// ``NeuralTangents/gram(_:inputKernel:count:weights:layers:every:strategy:)`` — so the plain
/// MLP written as a network gives the same numbers bit for bit.
///
/// Before a two-input pass, ``plan(variances:interiorCount:)`` is told every activation layer's
/// input variance (the diagonal depends on the diagonal only, so a first pass knows them all):
/// a variance that recurs is worth a θ-series built once, and many distinct variances of a kinked
/// activation without a closed form are one ``AngularKernelFamily`` over their range.
struct NetworkKernelAdapter {
    private var moments: [Activation: [Double: (second: Double, slopeSquared: Double)]] = [:]
    private var caches: [Activation: AngularCache] = [:]
    private var families: [Activation: AngularKernelFamily] = [:]
    private var recurrences: [Activation: [Double: Int]] = [:]
    private var interiorCount = 0

    /// `(E_q[φ²], E_q[φ'²])` at the input variance q of an activation layer (memoized).
    mutating func diagonal(_ activation: Activation, variance q: Double) -> (second: Double, slopeSquared: Double) {
        if let m = moments[activation]?[q] { return m }
        let m = NeuralTangents.diagonalMoments(activation, variance: q, strategy: .automatic)
        moments[activation, default: [:]][q] = m
        return m
    }

    /// Chooses the two-input routes from every activation layer's input variance (in order).
    mutating func plan(variances: [Activation: [Double]], interiorCount: Int) {
        self.interiorCount = interiorCount
        for (activation, list) in variances {
            var counts: [Double: Int] = [:]
            for v in list { counts[v, default: 0] += 1 }
            recurrences[activation] = counts
            if interiorCount >= NeuralTangents.angularThreshold, counts.count > NeuralTangents.familyThreshold,
               !activation.kinks.isEmpty,
               activation.closedFormBivariate(.value, .value, variance1: 1, covariance: 0, variance2: 1) == nil,
               let low = list.min(), let high = list.max(), low > 0 {
                families[activation] = AngularKernelFamily(activation, variances: low...high)
            }
        }
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for u, v of variance q at each correlation (c = 1 gives the
    /// diagonal's moments exactly).
    mutating func correlationKernels(_ activation: Activation, variance q: Double, correlations: [Double]) -> [(Double, Double)] {
        let d = diagonal(activation, variance: q)
        if let family = families[activation] {
            let series = family.coefficients(variance: q, secondMoment: d.second, slopeSquared: d.slopeSquared)
            return correlations.map { c in
                if c == 1 { return (d.second, d.slopeSquared) }
                let x = AngularKernels.chebyshevVariable(c)
                return (AngularKernels.clenshaw(series.kernel, x), AngularKernels.clenshaw(series.derivative, x))
            }
        }
        var cache = caches[activation] ?? AngularCache()
        let expected = interiorCount * (recurrences[activation]?[q] ?? 1)
        let values = NeuralTangents.correlationKernels(activation, variance: q, correlations: correlations, diagonal: d,
                                                       cache: &cache, expectedQueries: expected).values
        caches[activation] = cache
        return values
    }

    /// For a Gram matrix Σ (row-major n × n): the diagonal moments of each input and the kernel
    /// pair of each off-diagonal pair (i < j, in `pairs` order). Pairs of equal variance share
    /// the correlation map at that variance; unequal ones cross certified Hermite series (smooth
    /// activations) or are direct 2D expectations, on every core — as ``NeuralTangents/gram``.
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
            let kernels = NeuralTangents.correlationKernels(activation, variance: v, correlations: correlations, diagonal: d, cache: &cache).values
            for (index, k) in zip(indices, kernels) { values[index] = k }
        }
        caches[activation] = cache
        var duals: [Double: DualKernel] = [:]
        if activation.kinks.isEmpty, !unequal.isEmpty,
           activation.closedFormBivariate(.value, .value, variance1: 1, covariance: 0, variance2: 1) == nil {
            let distinct = Array(Set(unequal.flatMap { [variances[pairs[$0].0], variances[pairs[$0].1]] })).sorted()
            let built = concurrentMap(distinct) { [diagonal] v -> DualKernel? in
                guard v > 0, let d = diagonal[v] else { return nil }
                return DualKernel(activation, variance: v, relativeTolerance: 1e-13, secondMoment: d.second, slopeSquared: d.slopeSquared)
            }
            for (v, dual) in zip(distinct, built) { duals[v] = dual }
        }
        let direct = concurrentMap(unequal) { [sigma, duals, diagonal] index -> (Double, Double) in
            let (i, j) = pairs[index]
            let (qi, qj, qij) = (variances[i], variances[j], sigma[i * n + j])
            if let a = duals[qi], let b = duals[qj], let di = diagonal[qi], let dj = diagonal[qj] {
                let rho = max(-1, min(1, qij / (qi * qj).squareRoot()))
                let cross = DualKernel.crossKernels(a, b, correlation: rho)
                if cross.kernelBound <= 1e-13 * (di.second * dj.second).squareRoot(),
                   cross.derivativeBound <= 1e-13 * (di.slopeSquared * dj.slopeSquared).squareRoot() {
                    return (cross.kernel, cross.derivative)
                }
            }
            return NeuralTangents.directKernels(activation, variance1: qi, covariance: qij, variance2: qj)
        }
        for (index, v) in zip(unequal, direct) { values[index] = v }
        let perInput = variances.map { diagonal[$0] ?? NeuralTangents.diagonalMoments(activation, variance: $0, strategy: .automatic) }
        return (perInput, values)
    }
}
