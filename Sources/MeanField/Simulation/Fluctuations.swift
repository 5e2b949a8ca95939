#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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
    /// The same statistic for the backward pass, `Y = |Jᵀ v|²/n` (J = ∂zˡ/∂z⁰ of the whole network,
    /// v ~ N(0, I) a random output direction): on the last layer only, where the one backward pass
    /// per network starts; nil on the other layers, with `--weights implicit` (no weight matrices
    /// exist to transpose), when `χ⊥ = 0`, or when the L weight matrices would not fit in memory
    /// (L·n² > 2²⁴ values).
    public let backwardGradientRelativeVariance: FluctuationStatistic?
}

/// One network of ``Simulation/fluctuations(_:q0:weights:settings:sampling:)``: per layer
/// `(q, Ĝ, Y)`, and the backward pass's `|Jᵀv|²/n` with the two inner products `v·(J u)` (forward)
/// and `(Jᵀ v)·u` (backward), equal up to rounding.
struct FluctuationTrial {
    var layers: [(q: Double, g: Double, y: Double)] = []
    var backward: (y: Double, forwardDot: Double, backwardDot: Double)?
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
    /// mean-field `1/√χ⊥` so that it neither over- nor underflows. With dense weights, one backward
    /// pass per trial from a random output direction `v ~ N(0, I)` at the last layer L,
    /// `g⁰ = Jᵀ v` with `J = ∂z^L/∂z⁰ = W^L D_(L−1) ⋯ W¹ D_0`, `D_k = diag(φ'(zᵏ))`, through the
    /// transposed weights (the same rescaling): given J, `|J u|²` and `|Jᵀ v|²` for Gaussian u, v have
    /// one law (the eigenvalues of JᵀJ and JJᵀ agree), so both estimate the same relative variance;
    /// and `v·(J u) = (Jᵀ v)·u` per network. Per layer and network:
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
        // Not reachable from the command line: Simulate.validate refuses --width, --trials and
        // --layers out of range and ModelOptions.check refuses --q0 <= 0.
        precondition(settings.trials >= 2 && n >= 2 && layers >= 1 && q0 > 0)
        let prediction = FiniteWidth.sweep(activation, q0: q0, weights: weights, layers: layers, width: n)
        let gains = prediction.rows.map { $0.chiPerpendicular }
        let traceGradient = gains.count > layers ? gains.dropLast().allSatisfy { $0 > 0 && $0.isFinite } : false
        let backward = traceGradient && sampling == .dense && layers * n * n <= 1 << 24
        let results = concurrentMap(Array(0..<settings.trials), progress: WorkProgress.current) { trial -> Result<FluctuationTrial, GSLError> in
            fluctuationTrial(activation, q0: q0, weights: weights, width: n, layers: layers,
                             gains: traceGradient ? Array(gains.prefix(layers)) : nil, backward: backward, sampling: sampling,
                             seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial)))
        }
        let runs = try results.map { result throws(GSLError) in try result.get() }
        let trials = runs.map(\.layers)
        // The prediction has no row at all when layer 0 already overflows (--q0 1e308).
        let reached = max(0, min(trials.map(\.count).min() ?? 0, prediction.rows.count - 1))
        let backwardSamples = runs.compactMap { $0.backward?.y }
        let rows = (0..<reached).map { index -> FluctuationLayer in
            let predicted = prediction.rows[index + 1]
            let q = trials.map { $0[index].q }, g = trials.map { $0[index].g }, y = trials.map { $0[index].y }
            let backwardStatistic = index + 1 == layers && backwardSamples.count == runs.count
                ? relativeVariance(backwardSamples, predicted: predicted.gradientRelativeVariance) : nil
            let gradient: FluctuationStatistic? = traceGradient ? relativeVariance(y, predicted: predicted.gradientRelativeVariance) : nil
            return FluctuationLayer(
                layer: index + 1, qStandardDeviation: standardDeviation(q, predicted: predicted.qStandardDeviation),
                vertex: scaledVariance(g, scale: Double(n), predicted: predicted.vertex),
                kernelCorrection: scaledMeanShift(g, scale: Double(n), centre: predicted.kernel, predicted: predicted.kernelCorrection),
                gradientRelativeVariance: gradient, backwardGradientRelativeVariance: backwardStatistic)
        }
        return (rows, reached < layers ? reached + 1 : nil)
    }

    /// One network: the forward pass (z and the tangent dz) and, when `backward`, the backward pass.
    /// `gains` are the mean-field χ⊥ of layers 0..<L (nil: no tangent).
    static func fluctuationTrial(_ activation: Activation, q0: Double, weights: GaussianWeights, width n: Int, layers: Int,
                                 gains: [Double]?, backward: Bool, sampling: WeightSampling, seed: UInt64) -> Result<FluctuationTrial, GSLError> {
        let rng: GSL.RandomGenerator
        do throws(GSLError) { rng = try GSL.RandomGenerator(seed: seed) } catch { return .failure(error) }
        // Row-major n × 2: column 0 the pre-activations, column 1 the tangent.
        var h = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            h[2 * i] = rng.gaussian(sd: q0.squareRoot())
            h[2 * i + 1] = rng.gaussian(sd: 1)
        }
        var a = [Double](repeating: 0, count: 2 * n)
        var w = [Double](repeating: 0, count: sampling == .dense ? n * n : 0)
        let weightSD = (weights.sigmaW2 / Double(n)).squareRoot(), biasSD = weights.sigmaB2.squareRoot()
        var out = FluctuationTrial()
        let initialTangent = (0..<n).map { h[2 * $0 + 1] }
        var storedWeights: [[Double]] = [], storedSlopes: [[Double]] = []
        for layer in 1...layers {
            let rescale = gains.map { 1 / $0[layer - 1].squareRoot() } ?? 0
            var activationSquares = 0.0
            for i in 0..<n {
                let x = h[2 * i], value = activation(x)
                a[2 * i] = value
                a[2 * i + 1] = activation.evaluate(x, .first) * h[2 * i + 1] * rescale
                activationSquares += value * value
            }
            if backward { storedSlopes.append((0..<n).map { activation.evaluate(h[2 * $0], .first) * rescale }) }
            let conditionalKernel = weights.sigmaW2 * activationSquares / Double(n) + weights.sigmaB2
            switch sampling {
            case .dense:
                w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                if backward { storedWeights.append(w) }
                do throws(GSLError) {
                    try multiply(w, a, into: &h, m: n, k: n, n: 2)
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
            out.layers.append(record)
        }
        guard backward, out.layers.count == layers else { return .success(out) }
        // The backward pass: g = v at layer L, then g ← D_(l−1) (Wˡ)ᵀ g down to layer 0.
        var v = [Double](repeating: 0, count: n)
        v.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: 1) }
        var g = v, next = [Double](repeating: 0, count: n)
        for layer in stride(from: layers, through: 1, by: -1) {
            do throws(GSLError) {
                try multiply(g, storedWeights[layer - 1], into: &next, m: 1, k: n, n: n)   // gᵀW = (Wᵀg)ᵀ
            } catch { return .failure(error) }
            let slopes = storedSlopes[layer - 1]
            for i in 0..<n { g[i] = next[i] * slopes[i] }
        }
        var forwardDot = 0.0, backwardDot = 0.0, squares = 0.0
        for i in 0..<n {
            forwardDot += v[i] * h[2 * i + 1]
            backwardDot += g[i] * initialTangent[i]
            squares += g[i] * g[i]
        }
        let y = squares / Double(n)
        if y.isFinite { out.backward = (y, forwardDot, backwardDot) }
        return .success(out)
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

/// One layer's across-network fluctuations of two inputs
/// (``Simulation/twoInputFluctuations(_:q0:c0:weights:settings:sampling:)``).
public struct TwoInputFluctuationLayer: Sendable, Hashable {
    /// The layer l ≥ 1.
    public let layer: Int
    /// The standard deviation of `ĉ = z1·z2/(|z1||z2|)` across networks (prediction:
    /// ``TwoInputFiniteWidthRow/correlationStandardDeviation``).
    public let correlationStandardDeviation: FluctuationStatistic
    /// `n Cov(Ĝ_11, Ĝ_22)` (prediction: ``TwoInputVertex/v11_22``).
    public let vertex11_22: FluctuationStatistic
    /// `n Cov(Ĝ_11, Ĝ_12)` (prediction: ``TwoInputVertex/v11_12``).
    public let vertex11_12: FluctuationStatistic
    /// `n Var(Ĝ_12)` (prediction: ``TwoInputVertex/v12_12``).
    public let vertex12_12: FluctuationStatistic
}

extension Simulation {
    /// Across-network fluctuations of two inputs through finite-width Model B networks, beside the
    /// 1/n predictions of ``FiniteWidth/twoInputSweep(_:q0:c0:weights:layers:width:)``.
    ///
    /// Each of T networks has a genuine Gaussian first layer: `(z⁰_i;1, z⁰_i;2)` iid over the units
    /// i, `N(0, [[q0, c0 q0], [c0 q0, q0]])` (the pre-activations `W⁰x_α + b⁰` of two fixed inputs),
    /// then `zˡ_α = Wˡ φ(zˡ⁻¹_α) + bˡ` with the same `Wˡ`, `bˡ` for both inputs. Per layer and network:
    /// ```
    /// ĉ = zˡ_1·zˡ_2 / (|zˡ_1| |zˡ_2|),   Ĝ_αβ = σw² φ(zˡ⁻¹_α)·φ(zˡ⁻¹_β)/n + σb²
    /// ```
    /// Estimates across networks: `sd(ĉ)`; `n Cov(Ĝ_11, Ĝ_22)`, `n Cov(Ĝ_11, Ĝ_12)`, `n Var(Ĝ_12)`,
    /// which are the vertex components exactly (given layer l − 1 the unit pairs are iid
    /// `N(0, Ĝ)`); standard errors by the delta method.
    public static func twoInputFluctuations(_ activation: Activation, q0: Double, c0: Double, weights: GaussianWeights,
                                            settings: SimulationSettings, sampling: WeightSampling = .dense) throws(GSLError)
    -> (layers: [TwoInputFluctuationLayer], firstNonFiniteLayer: Int?) {
        let n = settings.width, layers = settings.layers
        // Not reachable from the command line: Simulate.validate refuses --width, --trials and
        // --layers out of range and ModelOptions.check refuses --q0 <= 0 and |--c0| > 1.
        precondition(settings.trials >= 2 && n >= 2 && layers >= 1 && q0 > 0 && abs(c0) <= 1)
        let prediction = FiniteWidth.twoInputSweep(activation, q0: q0, c0: c0, weights: weights, layers: layers, width: n)
        typealias Record = (c: Double, g11: Double, g22: Double, g12: Double)
        let results = concurrentMap(Array(0..<settings.trials), progress: WorkProgress.current) { trial -> Result<[Record], GSLError> in
            let rng: GSL.RandomGenerator
            do throws(GSLError) { rng = try GSL.RandomGenerator(seed: splitMix64(splitMix64(settings.seed) &+ UInt64(trial))) } catch { return .failure(error) }
            // Row-major n × 2: column α the pre-activations of input α.
            var h = [Double](repeating: 0, count: 2 * n)
            let s0 = q0.squareRoot(), r0 = ((1 - c0) * (1 + c0)).squareRoot()
            for i in 0..<n {
                let g1 = rng.gaussian(sd: 1), g2 = rng.gaussian(sd: 1)
                h[2 * i] = s0 * g1
                h[2 * i + 1] = s0 * (c0 * g1 + r0 * g2)
            }
            var a = [Double](repeating: 0, count: 2 * n)
            var w = [Double](repeating: 0, count: sampling == .dense ? n * n : 0)
            let weightSD = (weights.sigmaW2 / Double(n)).squareRoot(), biasSD = weights.sigmaB2.squareRoot()
            var out: [Record] = []
            for _ in 1...layers {
                var s11 = 0.0, s22 = 0.0, s12 = 0.0
                for i in 0..<n {
                    let p = activation(h[2 * i]), q = activation(h[2 * i + 1])
                    a[2 * i] = p
                    a[2 * i + 1] = q
                    s11 += p * p; s22 += q * q; s12 += p * q
                }
                let scale = weights.sigmaW2 / Double(n)
                let g11 = scale * s11 + weights.sigmaB2, g22 = scale * s22 + weights.sigmaB2, g12 = scale * s12 + weights.sigmaB2
                switch sampling {
                case .dense:
                    w.withUnsafeMutableBufferPointer { rng.fillGaussian($0, sd: weightSD) }
                    do throws(GSLError) {
                        try multiply(w, a, into: &h, m: n, k: n, n: 2)
                    } catch { return .failure(error) }
                case .implicit:
                    // Rows of Wˡ·[φ1, φ2] are iid N(0, (σw²/n)·AᵀA).
                    let factor = choleskyFactor([s11, s12, s12, s22].map { $0 * scale }, count: 2)
                    for i in 0..<n {
                        let z0 = rng.gaussian(sd: 1), z1 = rng.gaussian(sd: 1)
                        h[2 * i] = factor[0] * z0
                        h[2 * i + 1] = factor[2] * z0 + factor[3] * z1
                    }
                }
                var x11 = 0.0, x22 = 0.0, x12 = 0.0
                for i in 0..<n {
                    if biasSD > 0 {
                        let bias = rng.gaussian(sd: biasSD)
                        h[2 * i] += bias
                        h[2 * i + 1] += bias
                    }
                    x11 += h[2 * i] * h[2 * i]; x22 += h[2 * i + 1] * h[2 * i + 1]; x12 += h[2 * i] * h[2 * i + 1]
                }
                let record = (c: x12 / (x11 * x22).squareRoot(), g11: g11, g22: g22, g12: g12)
                guard record.c.isFinite, g11.isFinite, g22.isFinite, g12.isFinite else { break }
                out.append(record)
            }
            return .success(out)
        }
        let trials = try results.map { result throws(GSLError) in try result.get() }
        // The prediction has no row at all when layer 0 already overflows (--q0 1e308).
        let reached = max(0, min(trials.map(\.count).min() ?? 0, prediction.rows.count - 1))
        let scale = Double(n)
        let rows = (0..<reached).map { index -> TwoInputFluctuationLayer in
            let predicted = prediction.rows[index + 1]
            let c = trials.map { $0[index].c }, g11 = trials.map { $0[index].g11 }
            let g22 = trials.map { $0[index].g22 }, g12 = trials.map { $0[index].g12 }
            return TwoInputFluctuationLayer(
                layer: index + 1,
                correlationStandardDeviation: standardDeviation(c, predicted: predicted.correlationStandardDeviation),
                vertex11_22: scaledCovariance(g11, g22, scale: scale, predicted: predicted.vertex.v11_22),
                vertex11_12: scaledCovariance(g11, g12, scale: scale, predicted: predicted.vertex.v11_12),
                vertex12_12: scaledVariance(g12, scale: scale, predicted: predicted.vertex.v12_12))
        }
        return (rows, reached < layers ? reached + 1 : nil)
    }

    /// `c·cov(x, y)`, influence `c·((x − m_x)(y − m_y) − cov)`.
    static func scaledCovariance(_ x: [Double], _ y: [Double], scale c: Double, predicted: Double?) -> FluctuationStatistic {
        let t = Double(x.count)
        let mx = x.reduce(0, +) / t, my = y.reduce(0, +) / t
        let products = zip(x, y).map { ($0 - mx) * ($1 - my) }
        let covariance = products.reduce(0, +) / (t - 1)
        return FluctuationStatistic(predicted: predicted, estimate: c * covariance, influence: products.map { c * ($0 - covariance) })
    }
}
