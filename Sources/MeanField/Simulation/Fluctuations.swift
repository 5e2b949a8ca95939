import Foundation

/// An across-network statistic (a standard deviation, a variance, a mean shift) estimated from T
/// independent networks, beside its leading-1/n prediction.
public struct FluctuationStatistic: Sendable, Hashable {
    /// The prediction of ``FiniteWidth`` (nil where it does not apply).
    public let predicted: Double?
    /// The estimate from the T networks.
    public let estimate: Double
    /// Its standard error: the sample standard deviation of the estimator's influence function / √T
    /// (the delta method; for a mean, the usual sd/√T).
    public let standardError: Double
    /// `(estimate − predicted)/standardError`; nil when either is missing or the SE is 0.
    public var deviation: Double? {
        guard let predicted, standardError > 0 else { return nil }
        return (estimate - predicted) / standardError
    }

    /// From per-network influence values ψ_t (mean 0 up to rounding) around `estimate`.
    init(predicted: Double?, estimate: Double, influence: [Double]) {
        let t = Double(influence.count)
        let mean = influence.reduce(0, +) / t
        let variance = influence.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1)
        self.predicted = predicted
        self.estimate = estimate
        standardError = (variance / t).squareRoot()
    }
}

/// One layer's across-network fluctuations (``Simulation/fluctuations(_:q0:weights:settings:sampling:)``).
public struct FluctuationLayer: Sendable, Hashable {
    /// The layer l ≥ 1.
    public let layer: Int
    /// The standard deviation of `q = |z|²/n` across networks (prediction: ``FiniteWidthRow/qStandardDeviation``).
    public let qStandardDeviation: FluctuationStatistic
    /// `n·Cov(z_i², z_j²)` (i ≠ j) (prediction: ``FiniteWidthRow/vertex``).
    public let vertex: FluctuationStatistic
    /// `n·(E[z²] − K)` (prediction: ``FiniteWidthRow/kernelCorrection``).
    public let kernelCorrection: FluctuationStatistic
    /// `Var[Y]/E[Y]²` of `Y = |J u|²/n` (prediction: ``FiniteWidthRow/gradientRelativeVariance``);
    /// nil when `χ⊥ = 0`.
    public let gradientRelativeVariance: FluctuationStatistic?
}

extension Simulation {
    /// Across-network fluctuations of finite-width Model B networks beside the 1/n predictions of
    /// ``FiniteWidth/sweep(_:q0:weights:layers:width:)`` ([Roberts, Yaida & Hanin 2022], ch. 4–5).
    ///
    /// Each of T networks has a genuine Gaussian first layer: `z⁰` iid N(0, q0) (the pre-activations
    /// `W⁰x + b⁰` of a fixed input; unlike ``gaussian(_:q0:c0:weights:settings:sampling:)``, whose
    /// `|h⁰|²/N` is exactly q0), then `zˡ = Wˡ φ(zˡ⁻¹) + bˡ`, and beside it the Jacobian-vector
    /// product `dzˡ = Wˡ (φ'(zˡ⁻¹) ⊙ dzˡ⁻¹)` along an input direction u ⊥ x (`dz⁰` iid N(0, 1),
    /// independent of z⁰), one forward tangent pass per trial, rescaled every layer by the
    /// mean-field `1/√χ⊥` so that it neither over- nor underflows. Per layer and network:
    /// ```
    /// q = |zˡ|²/n,   Ĝ = σw² |φ(zˡ⁻¹)|²/n + σb²,   Y = |dzˡ|²/n
    /// ```
    /// Estimates across networks: `sd(q)`; `n·Var(Ĝ)`, which equals `n·Cov(z_i², z_j²)` exactly
    /// (given layer l − 1 the z_i are iid N(0, Ĝ), so `E[z_i² z_j²] = E[Ĝ²]`, `E[z_i²] = E[Ĝ]`) and
    /// has a far smaller variance than the pair average; `n·(mean(Ĝ) − K)`; `Var[Y]/E[Y]²`. Standard
    /// errors by the delta method.
    ///
    /// [Roberts, Yaida & Hanin 2022]: https://arxiv.org/abs/2106.10165
    public static func fluctuations(_ activation: Activation, q0: Double, weights: GaussianWeights,
                                    settings: SimulationSettings, sampling: WeightSampling = .dense) throws(GSLError)
    -> (layers: [FluctuationLayer], firstNonFiniteLayer: Int?) {
        let n = settings.width, layers = settings.layers
        precondition(settings.trials >= 2 && n >= 2 && layers >= 1 && q0 > 0)
        let prediction = FiniteWidth.sweep(activation, q0: q0, weights: weights, layers: layers, width: n)
        let gains = prediction.rows.map { $0.chiPerpendicular }
        let traceGradient = gains.count > layers ? gains.dropLast().allSatisfy { $0 > 0 && $0.isFinite } : false
        let results = concurrentMap(Array(0..<settings.trials)) { trial -> Result<[(q: Double, g: Double, y: Double)], GSLError> in
            let rng = GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial)))
            // Row-major n × 2: column 0 the pre-activations, column 1 the tangent.
            var h = [Double](repeating: 0, count: 2 * n)
            for i in 0..<n {
                h[2 * i] = rng.gaussian(sd: q0.squareRoot())
                h[2 * i + 1] = rng.gaussian(sd: 1)
            }
            var a = [Double](repeating: 0, count: 2 * n)
            var w = [Double](repeating: 0, count: sampling == .dense ? n * n : 0)
            let weightSD = (weights.sigmaW2 / Double(n)).squareRoot(), biasSD = weights.sigmaB2.squareRoot()
            var out: [(q: Double, g: Double, y: Double)] = []
            for layer in 1...layers {
                let rescale = traceGradient ? 1 / gains[layer - 1].squareRoot() : 0
                var activationSquares = 0.0
                for i in 0..<n {
                    let x = h[2 * i], value = activation(x)
                    a[2 * i] = value
                    a[2 * i + 1] = activation.evaluate(x, .first) * h[2 * i + 1] * rescale
                    activationSquares += value * value
                }
                let conditionalKernel = weights.sigmaW2 * activationSquares / Double(n) + weights.sigmaB2
                switch sampling {
                case .dense:
                    w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                    do throws(GSLError) {
                        try a.withUnsafeBufferPointer { a throws(GSLError) in
                            try w.withUnsafeBufferPointer { w throws(GSLError) in
                                try h.withUnsafeMutableBufferPointer { h throws(GSLError) in
                                    try GSL.matrixProduct(w, a, into: h, m: n, k: n, n: 2)
                                }
                            }
                        }
                    } catch { return .failure(error) }
                case .implicit:
                    // Rows of Wˡ·[φ, φ'dz] are iid N(0, (σw²/n)·AᵀA).
                    var s00 = 0.0, s01 = 0.0, s11 = 0.0
                    for i in 0..<n {
                        s00 += a[2 * i] * a[2 * i]; s01 += a[2 * i] * a[2 * i + 1]; s11 += a[2 * i + 1] * a[2 * i + 1]
                    }
                    let factor = choleskyFactor([s00, s01, s01, s11].map { $0 * weights.sigmaW2 / Double(n) }, count: 2)
                    for i in 0..<n {
                        let z0 = rng.gaussian(sd: 1), z1 = rng.gaussian(sd: 1)
                        h[2 * i] = factor[0] * z0
                        h[2 * i + 1] = factor[2] * z0 + factor[3] * z1
                    }
                }
                var squares = 0.0, tangentSquares = 0.0
                for i in 0..<n {
                    if biasSD > 0 { h[2 * i] += rng.gaussian(sd: biasSD) }
                    squares += h[2 * i] * h[2 * i]
                    tangentSquares += h[2 * i + 1] * h[2 * i + 1]
                }
                let record = (q: squares / Double(n), g: conditionalKernel, y: tangentSquares / Double(n))
                guard record.q.isFinite, record.g.isFinite, record.y.isFinite else { break }
                out.append(record)
            }
            return .success(out)
        }
        let trials = try results.map { result throws(GSLError) in try result.get() }
        let reached = min(trials.map(\.count).min() ?? 0, prediction.rows.count - 1)
        let rows = (0..<reached).map { index -> FluctuationLayer in
            let predicted = prediction.rows[index + 1]
            let q = trials.map { $0[index].q }, g = trials.map { $0[index].g }, y = trials.map { $0[index].y }
            let gradient: FluctuationStatistic? = traceGradient ? relativeVariance(y, predicted: predicted.gradientRelativeVariance) : nil
            return FluctuationLayer(
                layer: index + 1, qStandardDeviation: standardDeviation(q, predicted: predicted.qStandardDeviation),
                vertex: scaledVariance(g, scale: Double(n), predicted: predicted.vertex),
                kernelCorrection: scaledMeanShift(g, scale: Double(n), centre: predicted.kernel, predicted: predicted.kernelCorrection),
                gradientRelativeVariance: gradient)
        }
        return (rows, reached < layers ? reached + 1 : nil)
    }

    private static func meanAndVariance(_ x: [Double]) -> (mean: Double, variance: Double) {
        let t = Double(x.count)
        let mean = x.reduce(0, +) / t
        return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1))
    }

    /// `s = √v`, influence `((x − m)² − v)/(2s)`.
    static func standardDeviation(_ x: [Double], predicted: Double?) -> FluctuationStatistic {
        let (m, v) = meanAndVariance(x)
        let s = v.squareRoot()
        return FluctuationStatistic(predicted: predicted, estimate: s,
                                    influence: x.map { s > 0 ? (($0 - m) * ($0 - m) - v) / (2 * s) : 0 })
    }

    /// `c·v`, influence `c·((x − m)² − v)`.
    static func scaledVariance(_ x: [Double], scale c: Double, predicted: Double?) -> FluctuationStatistic {
        let (m, v) = meanAndVariance(x)
        return FluctuationStatistic(predicted: predicted, estimate: c * v, influence: x.map { c * (($0 - m) * ($0 - m) - v) })
    }

    /// `c·(m − centre)`, influence `c·(x − m)`.
    static func scaledMeanShift(_ x: [Double], scale c: Double, centre: Double, predicted: Double?) -> FluctuationStatistic {
        let (m, _) = meanAndVariance(x)
        return FluctuationStatistic(predicted: predicted, estimate: c * (m - centre), influence: x.map { c * ($0 - m) })
    }

    /// `r = v/m²`, influence `((x − m)² − v)/m² − 2v(x − m)/m³`.
    static func relativeVariance(_ x: [Double], predicted: Double?) -> FluctuationStatistic {
        let (m, v) = meanAndVariance(x)
        let m2 = m * m, m3 = m2 * m
        return FluctuationStatistic(predicted: predicted, estimate: v / m2,
                                    influence: x.map { (($0 - m) * ($0 - m) - v) / m2 - 2 * v * ($0 - m) / m3 })
    }
}
