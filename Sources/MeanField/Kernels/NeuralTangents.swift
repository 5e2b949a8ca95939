import Foundation

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
    /// A bivariate closed form (relu, leaky_relu, linear: arc-cosine; erf: arcsine).
    case closedForm
    /// A certified Hermite series of the dual activation (``DualKernel``).
    case hermiteSeries
    /// A Chebyshev series in θ = arccos c built from exact samples (``AngularKernels``).
    case angularChebyshev
    /// θ-series interpolated in log q between series at Chebyshev points (``AngularKernelFamily``),
    /// for sweeps whose variance changes every layer.
    case angularFamily
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
    /// Above this many distinct correlations at one variance, the θ-Chebyshev series
    /// (~130–260 exact samples for elu, selu, celu) is cheaper than direct evaluation (2 per c).
    static let angularThreshold = 64
    /// Above this many distinct variances in a sweep, one ``AngularKernelFamily`` (17–65 series)
    /// is cheaper than a series per layer.
    static let familyThreshold = 40

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for u, v of variance q at each correlation in `correlations`,
    /// by the fastest exact route (``KernelRoute``); c = 1 gives exactly the 1D moments
    /// `(E_q[φ²], E_q[φ'²])` that the length map uses, so a trajectory with c0 = 1 keeps
    /// `Σ₁₂ = Σ₁₁` and `Θ₁₂ = Θ₁₁` bit for bit.
    ///
    /// `cache` keeps the θ-Chebyshev series per variance: a sweep whose q_l has converged (or is
    /// constant, as at σw² = 1/E₁[φ²], σb² = 0, q0 = 1) builds it once; `expectedQueries` is how
    /// many correlations will be asked at this variance over the whole sweep. `interpolate: false` and
    /// `strategy: .quadrature` force the direct and the nested-quadrature evaluation (cross-checks).
    static func correlationKernels(_ activation: Activation, variance q: Double, correlations: [Double],
                                   diagonal: (second: Double, slopeSquared: Double),
                                   cache: inout AngularCache, interpolate: Bool = true, expectedQueries: Int? = nil,
                                   strategy: Gaussian.Strategy = .automatic) -> (values: [(Double, Double)], route: KernelRoute) {
        // q = 0 (an underflowed, dying signal): both inputs sit at 0; the q → 0⁺ limit, as elsewhere.
        let q = max(q, Double.leastNormalMagnitude)
        let interiorCount = correlations.reduce(0) { $0 + ($1 == 1 ? 0 : 1) }
        // The cheap routes evaluate every entry; c = 1 is always the diagonal's two 1D moments.
        func each(_ route: KernelRoute, _ kernels: (Double) -> (Double, Double)) -> (values: [(Double, Double)], route: KernelRoute) {
            (correlations.map { $0 == 1 ? (diagonal.second, diagonal.slopeSquared) : kernels($0) }, route)
        }
        if strategy == .automatic,
           activation.closedFormBivariate(.value, .value, variance1: q, covariance: 0, variance2: q) != nil {
            return each(.closedForm) { c in
                (activation.closedFormBivariate(.value, .value, variance1: q, covariance: c * q, variance2: q)!,
                 activation.closedFormBivariate(.first, .first, variance1: q, covariance: c * q, variance2: q)!)
            }
        }
        if strategy == .automatic, activation.kinks.isEmpty, interiorCount > 0,
           let dual = DualKernel(activation, variance: q, relativeTolerance: 1e-13,
                                 secondMoment: diagonal.second, slopeSquared: diagonal.slopeSquared) {
            return each(.hermiteSeries) { c in
                // c = −1 is a 1D integral done exactly (an odd φ's −E[φ²]).
                c == -1 ? directKernels(activation, variance1: q, covariance: c * q, variance2: q, strategy: strategy) : (dual.kernel(c), dual.derivativeKernel(c))
            }
        }
        // Worth building when this variance will be queried often enough: here, or over all the
        // layers that share it (`expectedQueries`, e.g. 19 correlations × 200 layers at a constant q).
        let wantsSeries = strategy == .automatic && interpolate && interiorCount > 0
            && max(interiorCount, expectedQueries ?? 0) >= angularThreshold && q < cache.failedFrom
        if wantsSeries, let angular = cache.series[q] ?? AngularKernels(activation, variance: q) {
            cache.series[q] = angular
            return each(.angularChebyshev) { c in (angular.kernel(c), angular.derivativeKernel(c)) }
        }
        // A series that failed at this q will fail at larger q too (the needed degree grows like √q).
        if wantsSeries { cache.failedFrom = q }
        // Direct: one exact 2D expectation pair per distinct correlation, on every core.
        let interior = Array(Set(correlations.filter { $0 != 1 })).sorted()
        let values = concurrentMap(interior) { c in directKernels(activation, variance1: q, covariance: c * q, variance2: q, strategy: strategy) }
        let table = Dictionary(uniqueKeysWithValues: zip(interior, values))
        return each(.direct) { table[$0]! }
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for `(u, v) ~ N(0, [[q1, q12], [q12, q2]])` by the exact 2D engine.
    static func directKernels(_ activation: Activation, variance1 q1: Double, covariance q12: Double, variance2 q2: Double,
                              strategy: Gaussian.Strategy = .automatic) -> (Double, Double) {
        (Gaussian.expectation2D(.value, .value, activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy).value,
         Gaussian.expectation2D(.first, .first, activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy).value)
    }

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
    /// kernels at one variance for many correlations: ``correlationKernels`` takes the fastest
    /// exact route for the whole set.
    ///
    /// `interpolate: false` evaluates every correlation by one exact 2D expectation (the
    /// cross-check of the θ-Chebyshev route); `strategy: .quadrature` also bypasses the closed
    /// forms and Hermite series (nested kink-aware quadrature throughout).
    public static func twoInputs(_ activation: Activation, q0: Double, c0s: [Double], weights: GaussianWeights,
                                 layers: Int, every: Int = 1, interpolate: Bool = true, strategy: Gaussian.Strategy = .automatic)
    -> (rows: [NeuralTangentRow], firstNonFiniteLayer: Int?, routes: Set<KernelRoute>) {
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
        // Many distinct variances (a sweep away from the critical line) and many correlations: one
        // family of θ-series interpolated in log q (17–65 series) instead of a series per layer.
        var family: AngularKernelFamily?
        if strategy == .automatic, interpolate, interior >= angularThreshold, recurrences.count > familyThreshold,
           !activation.kinks.isEmpty,
           activation.closedFormBivariate(.value, .value, variance1: 1, covariance: 0, variance2: 1) == nil,
           let low = evaluated.min(), let high = evaluated.max(), low > 0 {
            family = AngularKernelFamily(activation, variances: low...high)
        }
        for layer in 1...layers {
            // q_{l−1} drives this layer; q_l is its diagonal (moments[l − 1] exists: the loop
            // returns at the first non-finite q_l, the last entry of `variances`).
            let (previousQ, q, diagonal) = (variances[layer - 1], variances[layer], moments[layer - 1])
            let (kernels, route): ([(Double, Double)], KernelRoute)
            if let family {
                let series = family.coefficients(variance: previousQ, secondMoment: diagonal.second, slopeSquared: diagonal.slopeSquared)
                kernels = correlations.map { c in
                    if c == 1 { return (diagonal.second, diagonal.slopeSquared) }
                    let x = AngularKernels.chebyshevVariable(c)
                    return (AngularKernels.clenshaw(series.kernel, x), AngularKernels.clenshaw(series.derivative, x))
                }
                route = .angularFamily
            } else {
                (kernels, route) = correlationKernels(activation, variance: previousQ, correlations: correlations, diagonal: diagonal,
                                                      cache: &cache, interpolate: interpolate,
                                                      expectedQueries: interior * recurrences[previousQ, default: 1], strategy: strategy)
            }
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
    /// and l = L. Stops before the first non-finite layer and reports it.
    ///
    /// Pairs with the same diagonal variance share ``correlationKernels`` (when every input has
    /// the same norm, one call per layer); pairs of unequal variances cross the two variances'
    /// certified Hermite series for smooth activations (``DualKernel/crossKernels(_:_:correlation:)``)
    /// and are exact 2D expectations otherwise, on every core.
    public static func gram(_ activation: Activation, inputKernel: [Double], count n: Int, weights: GaussianWeights,
                            layers: Int, every: Int = 1, strategy: Gaussian.Strategy = .automatic)
    -> (layers: [GramLayer], firstNonFiniteLayer: Int?) {
        precondition(inputKernel.count == n * n && layers >= 1 && every >= 1)
        let (w2, b2) = (weights.sigmaW2, weights.sigmaB2)
        var sigma = inputKernel, theta = inputKernel
        var cache = AngularCache()
        var result: [GramLayer] = []
        let pairs = (0..<n).flatMap { i in (i + 1..<n).map { (i, $0) } }
        for layer in 1...layers {
            let variances = (0..<n).map { sigma[$0 * n + $0] }
            let diagonal = Dictionary(uniqueKeysWithValues: Set(variances).map { v in
                (v, diagonalMoments(activation, variance: v, strategy: strategy))
            })
            // Pairs of equal variance: correlation maps at that variance; the rest: direct 2D.
            var values = [(Double, Double)](repeating: (0, 0), count: pairs.count)
            var unequal: [Int] = []
            var byVariance: [Double: [Int]] = [:]
            for (index, (i, j)) in pairs.enumerated() {
                if variances[i] == variances[j] { byVariance[variances[i], default: []].append(index) } else { unequal.append(index) }
            }
            for (v, indices) in byVariance.sorted(by: { $0.key < $1.key }) {
                let correlations = indices.map { index -> Double in
                    let (i, j) = pairs[index]
                    return v == 0 ? 1 : max(-1, min(1, sigma[i * n + j] / v))
                }
                let kernels = correlationKernels(activation, variance: v, correlations: correlations, diagonal: diagonal[v]!,
                                                 cache: &cache, strategy: strategy).values
                for (index, k) in zip(indices, kernels) { values[index] = k }
            }
            // Smooth activations: certified Hermite series per variance, crossed for each pair
            // (DualKernel.crossKernels), where both series exist and the tail bound is ≤ 1e-13.
            var duals: [Double: DualKernel] = [:]
            if strategy == .automatic, activation.kinks.isEmpty, !unequal.isEmpty,
               activation.closedFormBivariate(.value, .value, variance1: 1, covariance: 0, variance2: 1) == nil {
                let distinct = Array(Set(unequal.flatMap { [variances[pairs[$0].0], variances[pairs[$0].1]] })).sorted()
                let built = concurrentMap(distinct) { v in
                    v > 0 ? DualKernel(activation, variance: v, relativeTolerance: 1e-13,
                                       secondMoment: diagonal[v]!.second, slopeSquared: diagonal[v]!.slopeSquared) : nil
                }
                for (v, dual) in zip(distinct, built) { duals[v] = dual }
            }
            let direct = concurrentMap(unequal) { [sigma, duals] index -> (Double, Double) in
                let (i, j) = pairs[index]
                let (qi, qj, qij) = (variances[i], variances[j], sigma[i * n + j])
                if let a = duals[qi], let b = duals[qj] {
                    let rho = max(-1, min(1, qij / (qi * qj).squareRoot()))
                    let cross = DualKernel.crossKernels(a, b, correlation: rho)
                    let (di, dj) = (diagonal[qi]!, diagonal[qj]!)
                    if cross.kernelBound <= 1e-13 * (di.second * dj.second).squareRoot(),
                       cross.derivativeBound <= 1e-13 * (di.slopeSquared * dj.slopeSquared).squareRoot() {
                        return (cross.kernel, cross.derivative)
                    }
                }
                return directKernels(activation, variance1: qi, covariance: qij, variance2: qj, strategy: strategy)
            }
            for (index, v) in zip(unequal, direct) { values[index] = v }
            var nextSigma = sigma, nextTheta = theta
            for i in 0..<n {
                let d = diagonal[variances[i]]!
                nextSigma[i * n + i] = w2 * d.second + b2
                nextTheta[i * n + i] = nextSigma[i * n + i] + w2 * d.slopeSquared * theta[i * n + i]
            }
            for (index, (i, j)) in pairs.enumerated() {
                let (k, d) = values[index]
                let s = w2 * k + b2
                let t = s + w2 * d * theta[i * n + j]
                nextSigma[i * n + j] = s; nextSigma[j * n + i] = s
                nextTheta[i * n + j] = t; nextTheta[j * n + i] = t
            }
            sigma = nextSigma
            theta = nextTheta
            guard sigma.allSatisfy(\.isFinite), theta.allSatisfy(\.isFinite) else { return (result, layer) }
            if layer % every == 0 || layer == layers { result.append(GramLayer(layer: layer, nngp: sigma, ntk: theta)) }
        }
        return (result, nil)
    }

    /// The input kernel of N input vectors of dimension d (row-major N × d):
    /// `Σ⁰ᵢⱼ = xᵢ·xⱼ / d`, the pre-activation covariance of a first layer with σw² = 1, σb² = 0
    /// (neural-tangents' normalization by fan-in).
    public static func inputKernel(vectors: [Double], count n: Int, dimension d: Int) -> [Double] {
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
