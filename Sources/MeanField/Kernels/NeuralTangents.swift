#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One layer of the two-input NNGP/NTK recursion.
public struct NeuralTangentRow: Sendable, Hashable {
    /// The layer l ≥ 1.
    public let layer: Int
    /// The input correlation c0 this trajectory started from.
    public let c0: Double
    /// `Σˡ₁₁` (= `Σˡ₂₂`): the length map's q_l.
    public let nngp11: Double
    /// `Σˡ₁₂`.
    public let nngp12: Double
    /// `Θˡ₁₁` (= `Θˡ₂₂`).
    public let ntk11: Double
    /// `Θˡ₁₂`.
    public let ntk12: Double
}

/// One layer of the NNGP and NTK Gram matrices of N inputs (row-major N × N, symmetric).
public struct GramLayer: Sendable, Hashable {
    /// The layer l ≥ 1.
    public let layer: Int
    /// `Σˡ`, row-major N × N.
    public let nngp: [Double]
    /// `Θˡ`, row-major N × N.
    public let ntk: [Double]
}

/// How the per-layer kernels were evaluated (for benchmarks and tests).
public enum KernelRoute: String, Sendable, Hashable {
    /// A bivariate closed form (relu, leaky_relu, linear: arc-cosine; erf: arcsine; elu, selu,
    /// celu: tilted orthants).
    case closedForm
    /// A certified Hermite series of the dual activation (``DualKernel``).
    case hermiteSeries
    /// A Chebyshev series in θ = arccos c built from exact samples (``AngularKernels``).
    case angularChebyshev
    /// One exact 2D expectation per correlation.
    case direct
}

/// The θ-Chebyshev series built so far (per variance), and the smallest variance at which a
/// build failed.
struct AngularCache {
    var series: [Double: AngularKernels] = [:]
    var failedFrom = Double.infinity
}

/// The NNGP and NTK of a deep fully connected network in neural-tangents' "ntk" parameterization
/// ([Jacot et al. 2018]; [Lee et al. 2019]), SPEC §1.4. With `Σ⁰` the input kernel and, for
/// l ≥ 1, expectations over `(u, v) ~ N(0, Σ^{l−1})`:
/// ```
/// Σˡ = σw² E[φ(u) φ(v)] + σb²
/// Θ⁰ = Σ⁰,   Θˡ = Σˡ + σw² E[φ'(u) φ'(v)] Θ^{l−1}
/// ```
/// entry by entry (the diagonal entries use u = v).
///
/// [Jacot et al. 2018]: https://arxiv.org/abs/1806.07572
/// [Lee et al. 2019]: https://arxiv.org/abs/1902.06720
public enum NeuralTangents {
    /// `(E_q[φ²], E_q[φ'²])`, with q = 0 taken as the q → 0⁺ limit.
    static func diagonalMoments(_ activation: Activation, variance q: Double, strategy: Gaussian.Strategy) -> (second: Double, slopeSquared: Double) {
        let q = max(q, Double.leastNormalMagnitude)
        return (Gaussian.expectation(of: .secondMoment, activation, variance: q, strategy: strategy).value,
                Gaussian.expectation(of: .slopeSquared, activation, variance: q, strategy: strategy).value)
    }

    /// Two inputs of variance `q0` with correlations `c0s` (one trajectory each) through `layers`
    /// layers; rows for the layers l with `l % every == 0` and for l = L, layer-major (every c0
    /// of layer l, in the given order, then layer l + 1). Stops before the first layer where any
    /// value is not finite and reports it.
    ///
    /// All trajectories share q_l (both inputs have the same variance), so each layer needs the
    /// kernels at one variance for many correlations: the ``KernelEvaluator`` takes the fastest
    /// exact route for the whole set.
    ///
    /// `interpolate: false` evaluates every correlation by one exact 2D expectation (the
    /// cross-check of the θ-Chebyshev route); `strategy: .quadrature` also bypasses the closed
    /// forms and Hermite series (nested kink-aware quadrature throughout).
    public static func twoInputs(_ activation: Activation, q0: Double, c0s: [Double], weights: GaussianWeights,
                                 layers: Int, every: Int = 1, interpolate: Bool = true, strategy: Gaussian.Strategy = .automatic)
    -> (rows: [NeuralTangentRow], firstNonFiniteLayer: Int?, routes: Set<KernelRoute>) {
        // Not reachable from the command line: Ntk.validate refuses --layers outside 1...1000000 and
        // --every < 1, and reachedLayers returns at least 1 (it throws when layer 1 is unvalidated).
        precondition(layers >= 1 && every >= 1)
        let (w2, b2) = (weights.sigmaW2, weights.sigmaB2)
        var theta11 = q0
        var q12 = c0s.map { $0 * q0 }, theta12 = q12
        var correlations = c0s.map { max(-1, min(1, $0)) }
        var cache = AngularCache()
        var rows: [NeuralTangentRow] = []
        var routes: Set<KernelRoute> = []
        // The diagonal does not depend on c: the length map's q_0 … q_L (up to the first non-finite
        // one) and the 1D moments at the variances the kernels are evaluated at are known first, so
        // each correlation map knows how often its variance recurs.
        var variances = [q0], moments: [(second: Double, slopeSquared: Double)] = []
        while variances.count <= layers, let last = variances.last, last.isFinite {
            let m = diagonalMoments(activation, variance: last, strategy: strategy)
            moments.append(m)
            variances.append(w2 * m.second + b2)
        }
        let evaluated = variances[..<moments.count]
        let interior = correlations.reduce(0) { $0 + ($1 == 1 ? 0 : 1) }
        var recurrences: [Double: Int] = [:]
        for v in evaluated { recurrences[v, default: 0] += 1 }
        for layer in 1...layers {
            // q_{l−1} drives this layer; q_l is its diagonal (moments[l − 1] exists: the loop
            // returns at the first non-finite q_l, the last entry of `variances`).
            let (previousQ, q, diagonal) = (variances[layer - 1], variances[layer], moments[layer - 1])
            let (kernels, route) = KernelEvaluator.correlationKernels(
                activation, variance: previousQ, correlations: correlations, diagonal: diagonal, cache: &cache,
                interpolate: interpolate, expectedQueries: interior * recurrences[previousQ, default: 1], strategy: strategy)
            routes.insert(route)
            theta11 = q + w2 * diagonal.slopeSquared * theta11
            for index in correlations.indices {
                let (k, d) = kernels[index]
                // c = 1 uses the same two moments as the diagonal, so these are bitwise Σ₁₁, Θ₁₁.
                q12[index] = w2 * k + b2
                theta12[index] = q12[index] + w2 * d * theta12[index]
                correlations[index] = q == 0 ? 1 : max(-1, min(1, q12[index] / q))
            }
            guard q.isFinite, theta11.isFinite, q12.allSatisfy(\.isFinite), theta12.allSatisfy(\.isFinite) else {
                return (rows, layer, routes)
            }
            WorkProgress.current?(layer, layers)
            if layer % every == 0 || layer == layers {
                for index in c0s.indices {
                    rows.append(NeuralTangentRow(layer: layer, c0: c0s[index], nngp11: q, nngp12: q12[index],
                                                 ntk11: theta11, ntk12: theta12[index]))
                }
            }
        }
        return (rows, nil, routes)
    }

    /// The NNGP and NTK Gram matrices of N inputs whose input kernel `Σ⁰` is `inputKernel`
    /// (row-major N × N, symmetric, positive diagonal), for the layers l with `l % every == 0`
    /// and l = L. Stops before the first non-finite layer and reports it. Throws when `inputKernel`
    /// is not a covariance matrix (``checkedInputKernel(_:count:)``: not N × N, not finite, not
    /// symmetric, a diagonal entry ≤ 0, not positive semi-definite) or `layers`/`every` < 1.
    ///
    /// Pairs with the same diagonal variance share one correlation map of the ``KernelEvaluator`` (when every input has
    /// the same norm, one call per layer); pairs of unequal variances cross the two variances'
    /// certified Hermite series for smooth activations (``DualKernel/crossKernels(_:_:correlation:)``)
    /// and are exact 2D expectations otherwise, on every core.
    public static func gram(_ activation: Activation, inputKernel: [Double], count n: Int, weights: GaussianWeights,
                            layers: Int, every: Int = 1, strategy: Gaussian.Strategy = .automatic) throws(KernelError)
    -> (layers: [GramLayer], firstNonFiniteLayer: Int?) {
        guard layers >= 1, every >= 1 else { throw .malformed("layers (\(layers)) and every (\(every)) must be >= 1") }
        let inputKernel = try checkedInputKernel(inputKernel, count: n)
        let (w2, b2) = (weights.sigmaW2, weights.sigmaB2)
        var sigma = inputKernel, theta = inputKernel
        var cache = AngularCache()
        var result: [GramLayer] = []
        // Working storage allocated once and reused by every layer (at N = 2000 each N² array is 32 MB:
        // allocated per layer, their fresh pages cost more system time than the layer's own loops).
        // Pairs i < j are addressed by their upper-triangle offset i·n + j, in memory order.
        var nextSigma = [Double](repeating: 0, count: n * n), nextTheta = nextSigma
        for layer in 1...layers {
            let variances = (0..<n).map { sigma[$0 * n + $0] }
            let distinct = Array(Set(variances)).sorted()
            let moments = distinct.count >= 64
                ? concurrentMap(distinct) { diagonalMoments(activation, variance: $0, strategy: strategy) }
                : distinct.map { diagonalMoments(activation, variance: $0, strategy: strategy) }
            let diagonal = Dictionary(uniqueKeysWithValues: zip(distinct, moments))
            // The next layer's entry of pair (k, d) = (E[φφ], E[φ'φ']) at offset ij; whether it is finite.
            let (previousSigma, previousTheta) = (sigma, theta)
            @Sendable @inline(__always) func next(_ ij: Int, _ kernels: (Double, Double)) -> (sigma: Double, theta: Double) {
                let s = w2 * kernels.0 + b2
                return (s, s + w2 * kernels.1 * previousTheta[ij])
            }
            var finite = true
            // Pairs of equal variance: the correlation map at that variance, per variance (inputs listed in order,
            // so each variance's pairs are in memory order).
            var members: [Double: [Int]] = [:]
            if distinct.count < n { for i in 0..<n { members[variances[i], default: []].append(i) } }
            for (v, inputs) in members.sorted(by: { $0.key < $1.key }) where inputs.count > 1 {
                var offsets: [Int] = []
                offsets.reserveCapacity(inputs.count * (inputs.count - 1) / 2)
                for (position, i) in inputs.enumerated() { for j in inputs[(position + 1)...] { offsets.append(i * n + j) } }
                let correlations = offsets.map { ij -> Double in v == 0 ? 1 : max(-1, min(1, previousSigma[ij] / v)) }
                let kernels = KernelEvaluator.correlationKernels(activation, variance: v, correlations: correlations,
                                                                 diagonal: diagonal[v] ?? diagonalMoments(activation, variance: v, strategy: strategy), cache: &cache, strategy: strategy).values
                for (ij, k) in zip(offsets, kernels) {
                    (nextSigma[ij], nextTheta[ij]) = next(ij, k)
                    finite = finite && nextSigma[ij].isFinite && nextTheta[ij].isFinite
                }
            }
            // Pairs of unequal variances: rows cut into segments of a few hundred pairs, evaluated on every core
            // straight into the upper triangles (each entry written by one task), each task reporting whether its
            // entries are finite.
            if distinct.count > 1 {
                let kernels = UnequalPairKernels(activation, variances: distinct, diagonal: diagonal, strategy: strategy)
                let inputs = variances.map { kernels.input(variance: $0) }
                let width = kernels.pairsPerTask(of: n * (n - 1) / 2)
                var segments: [(row: Int, columns: Range<Int>)] = []
                for i in 0..<n { for start in stride(from: i + 1, to: n, by: width) { segments.append((i, start..<min(start + width, n))) } }
                let segmentsFinite = nextSigma.withUnsafeMutableBufferPointer { sigmaOut in
                    nextTheta.withUnsafeMutableBufferPointer { thetaOut in
                        let out = DisjointWrites(sigma: sigmaOut.baseAddress!, theta: thetaOut.baseAddress!)
                        return concurrentMap(segments) { segment -> Bool in
                            let i = segment.row, vi = variances[i], a = inputs[i]
                            var allFinite = true
                            for j in segment.columns where variances[j] != vi {
                                let ij = i * n + j
                                let (s, t) = next(ij, kernels(a, covariance: previousSigma[ij], inputs[j]))
                                out.sigma[ij] = s
                                out.theta[ij] = t
                                allFinite = allFinite && s.isFinite && t.isFinite
                            }
                            return allFinite
                        }
                    }
                }
                finite = finite && !segmentsFinite.contains(false)
            }
            for i in 0..<n {
                let d = diagonal[variances[i]] ?? diagonalMoments(activation, variance: variances[i], strategy: strategy)
                nextSigma[i * n + i] = w2 * d.second + b2
                nextTheta[i * n + i] = nextSigma[i * n + i] + w2 * d.slopeSquared * theta[i * n + i]
                finite = finite && nextSigma[i * n + i].isFinite && nextTheta[i * n + i].isFinite
            }
            // The upper triangle is written; the lower one mirrors it.
            mirrorUpperTriangles(&nextSigma, &nextTheta, count: n)
            // The previous layer's matrices become the next layer's storage (copied on write only when
            // they were reported).
            swap(&sigma, &nextSigma)
            swap(&theta, &nextTheta)
            // Every entry of the new matrices is an upper-triangle or diagonal entry checked above.
            guard finite else { return (result, layer) }
            WorkProgress.current?(layer, layers)
            if layer % every == 0 || layer == layers { result.append(GramLayer(layer: layer, nngp: sigma, ntk: theta)) }
        }
        return (result, nil)
    }

    /// Copies the strict upper triangles of the row-major n × n matrices `a` and `b` onto their lower
    /// triangles, in 64 × 64 tiles (a column-order write of a 32 MB matrix misses the cache at every entry),
    /// the tiles on every core.
    static func mirrorUpperTriangles(_ a: inout [Double], _ b: inout [Double], count n: Int) {
        let tile = 64
        var tiles: [(rows: Int, columns: Int)] = []
        for rowStart in stride(from: 0, to: n, by: tile) {
            for columnStart in stride(from: rowStart, to: n, by: tile) { tiles.append((rowStart, columnStart)) }
        }
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                let out = DisjointWrites(sigma: a.baseAddress!, theta: b.baseAddress!)
                @Sendable func mirror(_ m: UnsafeMutablePointer<Double>, _ rowStart: Int, _ columnStart: Int) {
                    for i in rowStart..<min(rowStart + tile, n) {
                        let first = max(columnStart, i + 1), end = min(columnStart + tile, n)
                        guard first < end else { continue }
                        for j in first..<end { m[j * n + i] = m[i * n + j] }
                    }
                }
                // A task's tile reads its upper entries and writes their mirror images, which no other tile touches.
                let run: @Sendable ((rows: Int, columns: Int)) -> Void = { t in
                    mirror(out.sigma, t.rows, t.columns)
                    mirror(out.theta, t.rows, t.columns)
                }
                if n >= 256 { _ = concurrentMap(tiles, run) } else { tiles.forEach(run) }
            }
        }
    }

    /// The input kernel of N input vectors of dimension d (row-major N × d):
    /// `Σ⁰ᵢⱼ = xᵢ·xⱼ / d`, the pre-activation covariance of a first layer with σw² = 1, σb² = 0
    /// (neural-tangents' normalization by fan-in).
    public static func inputKernel(vectors: [Double], count n: Int, dimension d: Int) -> [Double] {
        // Not reachable from the command line: NumericCSV.read returns rows of equally many
        // numbers, at least one row of at least one field (an all-empty line is skipped).
        precondition(vectors.count == n * d && d >= 1)
        var kernel = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<d { sum += vectors[i * d + k] * vectors[j * d + k] }
                kernel[i * n + j] = sum / Double(d)
                kernel[j * n + i] = sum / Double(d)
            }
        }
        return kernel
    }
}

/// Two matrices written by concurrent tasks at disjoint entries (each entry by exactly one task, read by
/// none of the others until the tasks are done).
struct DisjointWrites: @unchecked Sendable {
    let sigma: UnsafeMutablePointer<Double>, theta: UnsafeMutablePointer<Double>
}
