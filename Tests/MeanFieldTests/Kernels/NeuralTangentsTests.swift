import Foundation
import Testing
@testable import MeanField

/// The NNGP/NTK recursion of SPEC §1.4.
@Suite struct NeuralTangentsTests {
    /// The kernels' own scale: |Σ₁₂| ≤ Σ₁₁ and |Θ₁₂| ≤ Θ₁₁ (Cauchy–Schwarz), so off-diagonal
    /// entries are compared at 1e-12 of the diagonal (SPEC §2's relative accuracy, taken on the
    /// kernel's scale where an entry passes through 0).
    static func expectRowsClose(_ actual: [NeuralTangentRow], _ expected: [NeuralTangentRow], relative: Double,
                                _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            let where_ = "\(context) layer \(e.layer) c0 \(e.c0)"
            expectClose(a.nngp11, e.nngp11, .relative(relative), where_ + " nngp11", sourceLocation: sourceLocation)
            expectClose(a.ntk11, e.ntk11, .relative(relative), where_ + " ntk11", sourceLocation: sourceLocation)
            expectClose(a.nngp12, e.nngp12, .absolute(relative * e.nngp11), where_ + " nngp12", sourceLocation: sourceLocation)
            expectClose(a.ntk12, e.ntk12, .absolute(relative * e.ntk11), where_ + " ntk12", sourceLocation: sourceLocation)
        }
    }

    /// relu's derivative kernel is the degree-0 arc-cosine kernel (Cho & Saul 2009):
    /// E[φ'(u)φ'(v)] = P(u > 0, v > 0) = (π − θ)/(2π), θ = arccos c, for every variance —
    /// by the closed form and by the kink-aware nested quadrature.
    @Test(arguments: [0.5, 3.0], [-1.0, -0.8, -0.3, 0, 0.2, 0.6, 0.95, 0.999999, 1])
    func reluDerivativeKernelIsArcCosine(q: Double, c: Double) {
        let expected = (Double.pi - acos(c)) / (2 * Double.pi)
        for strategy in [Gaussian.Strategy.automatic, .quadrature] {
            let value = Gaussian.expectation2D(.first, .first, activation("relu"), variance1: q, covariance: c * q, variance2: q,
                                               strategy: strategy).value
            expectClose(value, expected, .spec, "q=\(q) c=\(c) \(strategy)")
        }
    }

    /// One layer of relu with σw² = 2, σb² = 0 from q0 = 1, c0 = 1/2 (θ = π/3), by hand:
    /// ```
    /// Σ¹₁₁ = 2 E[relu(u)²] = 2 · 1/2 = 1
    /// Σ¹₁₂ = 2 · (1/2π)(sin θ + (π − θ) cos θ) = (1/π)(√3/2 + π/3) = √3/(2π) + 1/3
    /// Θ¹₁₁ = Σ¹₁₁ + 2 E[relu'(u)²] Θ⁰₁₁ = 1 + 2 · 1/2 · 1 = 2
    /// Θ¹₁₂ = Σ¹₁₂ + 2 · (π − π/3)/(2π) · Θ⁰₁₂ = √3/(2π) + 1/3 + 2 · 1/3 · 1/2 = √3/(2π) + 2/3
    /// ```
    @Test func oneReluLayerByHand() {
        let result = NeuralTangents.twoInputs(activation("relu"), q0: 1, c0s: [0.5], weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0), layers: 1)
        let row = result.rows[0]
        expectClose(row.nngp11, 1, .relative(1e-15))
        expectClose(row.nngp12, 3.0.squareRoot() / (2 * Double.pi) + 1.0 / 3, .relative(1e-15))
        expectClose(row.ntk11, 2, .relative(1e-15))
        expectClose(row.ntk12, 3.0.squareRoot() / (2 * Double.pi) + 2.0 / 3, .relative(1e-15))
        #expect(result.routes == [.closedForm])
    }

    /// relu, leaky_relu and erf: the closed forms (arc-cosine, arcsine) against the kink-aware
    /// nested quadrature, through 6 layers.
    @Test(arguments: ["relu", "leaky_relu:slope=0.2", "erf"])
    func closedFormsAgreeWithQuadrature(spec: String) {
        let a = activation(spec)
        let weights = GaussianWeights(sigmaW2: 1.7, sigmaB2: 0.05)
        let c0s = [-0.95, -0.4, 0, 0.5, 0.99]
        let closed = NeuralTangents.twoInputs(a, q0: 1.3, c0s: c0s, weights: weights, layers: 6)
        let numeric = NeuralTangents.twoInputs(a, q0: 1.3, c0s: c0s, weights: weights, layers: 6, strategy: .quadrature)
        #expect(closed.routes == [.closedForm] && numeric.routes == [.direct])
        Self.expectRowsClose(closed.rows, numeric.rows, relative: 1e-12, spec)
    }

    /// The diagonal is the length map: nngp_11 at layer l is Model B's q_l, bit for bit.
    @Test(arguments: ["elu", "selu", "tanh", "relu", "softplus"])
    func diagonalIsTheLengthMap(spec: String) {
        let a = activation(spec)
        let weights = GaussianWeights(sigmaW2: 1.9, sigmaB2: 0.1)
        let ntk = NeuralTangents.twoInputs(a, q0: 0.7, c0s: [0.3], weights: weights, layers: 25)
        let sweep = SignalPropagation.depthSweep(a, q0: 0.7, c0: 0.3, weights: weights, layers: 25)
        for row in ntk.rows {
            #expect(row.nngp11 == sweep.rows[row.layer].q, "\(spec) layer \(row.layer)")
            var q = 0.7
            for _ in 0..<row.layer { q = SignalPropagation.lengthMap(a, variance: q, weights: weights) }
            #expect(row.nngp11 == q, "\(spec) layer \(row.layer)")
        }
    }

    /// Identical inputs stay identical: c0 = 1 gives Σ₁₂ = Σ₁₁ and Θ₁₂ = Θ₁₁ exactly, on every route.
    @Test(arguments: ["elu", "relu", "tanh", "erf", "celu:alpha=0.5"])
    func identicalInputsStayIdentical(spec: String) {
        // 80 correlations (the θ-Chebyshev route for tanh; closed forms for the others).
        let c0s = (0..<80).map { -1 + 2 * Double($0) / 79 }
        let result = NeuralTangents.twoInputs(activation(spec), q0: 1, c0s: c0s, weights: GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.2), layers: 8)
        #expect(result.rows.count == 8 * 80)
        for row in result.rows where row.c0 == 1 {
            #expect(row.nngp12 == row.nngp11 && row.ntk12 == row.ntk11, "\(spec) layer \(row.layer)")
        }
        for row in result.rows { #expect(abs(row.nngp12) <= row.nngp11 * (1 + 1e-15) && abs(row.ntk12) <= row.ntk11 * (1 + 1e-15)) }
    }

    /// The θ-Chebyshev route (used for many correlations at one variance where there is no closed
    /// form: softsign; elu and celu below k√q = 0.2 until their small-tilt series, issue #15 item 3) against
    /// one exact 2D expectation per value, with q_l changing every layer (σb² > 0): every value within
    /// 1e-12 of the kernel's scale.
    @Test(arguments: [("softsign", 0.004), ("softsign", 0.05)])
    func angularRouteMatchesDirect(spec: String, q0: Double) {
        let a = activation(spec)
        let c0s = (0..<101).map { -1 + 2 * Double($0) / 100 }
        let weights = GaussianWeights(sigmaW2: 1, sigmaB2: 0.001)
        let fast = NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: weights, layers: 12, every: 1, interpolate: true, strategy: .automatic)
        let exact = NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: weights, layers: 12, every: 1, interpolate: false, strategy: .automatic)
        #expect(fast.routes == [.angularChebyshev] && exact.routes == [.direct])
        Self.expectRowsClose(fast.rows, exact.rows, relative: 1e-12, spec)
    }

    /// elu and celu below k√q = 0.2 (where the θ-Chebyshev route of quadrature samples served them before
    /// issue #15 item 3) take the small-tilt series as their closed form, with q_l changing every layer:
    /// every value within 1e-12 of the kernel's scale of the nested kink-aware quadrature.
    @Test(arguments: [("elu", 0.004), ("celu:alpha=2", 0.05), ("elu", 2e-6)])
    func smallTiltSeriesRouteMatchesQuadrature(spec: String, q0: Double) {
        let a = activation(spec)
        let c0s = (0..<21).map { -1 + 2 * Double($0) / 20 }
        let weights = GaussianWeights(sigmaW2: 1, sigmaB2: 0.001 * q0)
        let fast = NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: weights, layers: 4, every: 1, interpolate: true, strategy: .automatic)
        let exact = NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: weights, layers: 4, every: 1, interpolate: false, strategy: .quadrature)
        #expect(fast.routes == [.closedForm] && exact.routes == [.direct])
        Self.expectRowsClose(fast.rows, exact.rows, relative: 1e-12, spec)
    }

    /// At the critical σw² = 1/E₁[φ²], σb² = 0, q0 = 1 the variance stays 1: elu takes its
    /// bivariate closed form (SPEC §8), and its values match the nested kink-aware quadrature.
    @Test func criticalEluTakesTheClosedForm() {
        let elu = activation("elu")
        let weights = GaussianWeights(sigmaW2: Slopes.initializationGain(elu).weightVarianceFactor, sigmaB2: 0)
        let c0s = (0..<10).map { -0.9 + 0.2 * Double($0) }
        let fast = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 8)
        let exact = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 8, strategy: .quadrature)
        #expect(fast.routes == [.closedForm] && exact.routes == [.direct])
        Self.expectRowsClose(fast.rows, exact.rows, relative: 1e-12, "elu critical")
    }

    /// A sweep whose variance changes every layer (chaotic elu/selu, σb² > 0, q from 0.4 up to ~100
    /// for selu) takes the closed form at every layer; every value within 1e-12 of the kernel's
    /// scale of the nested kink-aware quadrature.
    @Test(arguments: [("elu", 2.0), ("selu", 1.8)])
    func closedFormSweepMatchesQuadrature(spec: String, sigmaW2: Double) {
        let a = activation(spec)
        let c0s = [-1, -0.6, -0.2, 0.2, 0.6, 1.0]
        let weights = GaussianWeights(sigmaW2: sigmaW2, sigmaB2: 0.1)
        let fast = NeuralTangents.twoInputs(a, q0: 0.4, c0s: c0s, weights: weights, layers: 20, every: 2)
        let exact = NeuralTangents.twoInputs(a, q0: 0.4, c0s: c0s, weights: weights, layers: 20, every: 2, strategy: .quadrature)
        #expect(fast.routes == [.closedForm] && exact.routes == [.direct])
        Self.expectRowsClose(fast.rows, exact.rows, relative: 1e-12, spec)
    }

    @Test func everyKeepsMultiplesAndTheLastLayer() {
        let result = NeuralTangents.twoInputs(activation("relu"), q0: 1, c0s: [0.1, 0.2], weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0), layers: 10, every: 3)
        #expect(result.rows.map(\.layer) == [3, 3, 6, 6, 9, 9, 10, 10])
    }

    /// relu with σw² = 3 explodes (q grows by 3/2 per layer, Θ faster): rows stop before the
    /// first non-finite layer, which is reported.
    @Test func explodingRegimeStops() {
        let result = NeuralTangents.twoInputs(activation("relu"), q0: 1, c0s: [0.5], weights: GaussianWeights(sigmaW2: 3, sigmaB2: 0), layers: 5000)
        let bad = try! #require(result.firstNonFiniteLayer)
        #expect(bad > 100 && bad < 5000 && result.rows.count == bad - 1)
        #expect(result.rows.allSatisfy { $0.ntk11.isFinite && $0.nngp11.isFinite })
    }

    // MARK: Gram matrices

    /// Deterministic pseudo-random inputs in [−1, 1) (the library's SplitMix64 over a counter).
    static func inputs(count n: Int, dimension d: Int, seed: UInt64, equalNorms: Bool) -> [Double] {
        var state = seed
        func next() -> Double {
            defer { state &+= 0x9E37_79B9_7F4A_7C15 }
            return Double(Simulation.splitMix64(state) >> 11) / Double(1 << 53) * 2 - 1
        }
        var x = (0..<(n * d)).map { _ in next() }
        if equalNorms {
            for i in 0..<n {
                let norm = (0..<d).reduce(0.0) { $0 + x[i * d + $1] * x[i * d + $1] }.squareRoot()
                for k in 0..<d { x[i * d + k] *= Double(d).squareRoot() / norm }
            }
        }
        return x
    }

    /// The Gram matrices are symmetric and positive semi-definite (smallest eigenvalue by GSL's
    /// `gsl_eigen_symm` ≥ −1e-12 of the largest), with inputs of equal and of unequal norms.
    @Test(arguments: ["relu", "elu", "tanh", "selu"], [false, true])
    func gramIsSymmetricPositiveSemidefinite(spec: String, equalNorms: Bool) throws {
        let n = 9, d = 4
        let x = Self.inputs(count: n, dimension: d, seed: 7, equalNorms: equalNorms)
        let sigma0 = NeuralTangents.inputKernel(vectors: x, count: n, dimension: d)
        let result = try NeuralTangents.gram(activation(spec), inputKernel: sigma0, count: n,
                                         weights: GaussianWeights(sigmaW2: 1.8, sigmaB2: 0.1), layers: 6, every: 3)
        #expect(result.layers.map(\.layer) == [3, 6] && result.firstNonFiniteLayer == nil)
        for layer in result.layers {
            for matrix in [layer.nngp, layer.ntk] {
                for i in 0..<n { for j in 0..<n { #expect(matrix[i * n + j] == matrix[j * n + i]) } }
                let eigenvalues = try GSL.symmetricEigenvalues(matrix, count: n)
                #expect(eigenvalues[0] >= -1e-12 * eigenvalues[n - 1], "\(spec) layer \(layer.layer) λmin \(eigenvalues[0])")
            }
        }
    }

    /// With inputs of one norm, every Gram entry is the two-input recursion at (q0, c0) of that pair.
    @Test(arguments: ["elu", "tanh", "relu"])
    func gramMatchesTwoInputs(spec: String) throws {
        let n = 6, d = 3
        let a = activation(spec)
        let weights = GaussianWeights(sigmaW2: 1.4, sigmaB2: 0.2)
        let x = Self.inputs(count: n, dimension: d, seed: 11, equalNorms: true)
        let sigma0 = NeuralTangents.inputKernel(vectors: x, count: n, dimension: d)
        let gram = try NeuralTangents.gram(a, inputKernel: sigma0, count: n, weights: weights, layers: 4).layers.last!
        for i in 0..<n {
            for j in 0..<n {
                let q0 = sigma0[i * n + i]
                let pair = NeuralTangents.twoInputs(a, q0: q0, c0s: [sigma0[i * n + j] / q0], weights: weights, layers: 4).rows.last!
                expectClose(gram.nngp[i * n + j], pair.nngp12, .absolute(1e-13 * pair.nngp11), "\(spec) nngp \(i),\(j)")
                expectClose(gram.ntk[i * n + j], pair.ntk12, .absolute(1e-13 * pair.ntk11), "\(spec) ntk \(i),\(j)")
            }
        }
    }

    /// Two variances' Hermite series crossed (Mehler with different scalings) against the exact 2D
    /// engine with unequal variances, and, for equal variances, against the series' own kernel.
    @Test(arguments: ["tanh", "silu", "sigmoid"], [(0.5, 2.0, 0.3), (1.0, 1.7, -0.8), (0.2, 0.9, 0.999)])
    func crossedSeriesMatchTheEngine(spec: String, case c: (Double, Double, Double)) throws {
        let a = activation(spec)
        let (q1, q2, rho) = c
        let first = try #require(DualKernel(a, variance: q1)), second = try #require(DualKernel(a, variance: q2))
        let cross = DualKernel.crossKernels(first, second, correlation: rho)
        let q12 = rho * (q1 * q2).squareRoot()
        let k = Gaussian.expectation2D(.value, .value, a, variance1: q1, covariance: q12, variance2: q2).value
        let d = Gaussian.expectation2D(.first, .first, a, variance1: q1, covariance: q12, variance2: q2).value
        let kScale = (Gaussian.expectation(of: .secondMoment, a, variance: q1).value * Gaussian.expectation(of: .secondMoment, a, variance: q2).value).squareRoot()
        let dScale = (Gaussian.expectation(of: .slopeSquared, a, variance: q1).value * Gaussian.expectation(of: .slopeSquared, a, variance: q2).value).squareRoot()
        expectClose(cross.kernel, k, .absolute(1e-13 * kScale), "\(spec) \(c) kernel")
        expectClose(cross.derivative, d, .absolute(1e-13 * dScale), "\(spec) \(c) derivative")
        // The certified bound is tight when both series have the same length; with different tiers
        // (tanh at q = 0.5: 200 terms, at q = 2: 400) it is √(rounding floor × the longer tail) and
        // may exceed 1e-13, and the Gram path then evaluates that pair exactly instead.
        if first.hermiteCoefficients.count == second.hermiteCoefficients.count {
            #expect(cross.kernelBound <= 1e-13 * kScale && cross.derivativeBound <= 1e-13 * dScale)
        }
        let same = DualKernel.crossKernels(first, first, correlation: rho)
        expectClose(same.kernel, first.kernel(rho), .relative(1e-14))
        expectClose(same.derivative, first.derivativeKernel(rho), .relative(1e-14))
    }

    /// A Gram matrix of inputs with different norms, smooth activation: the crossed series against
    /// nested quadrature for every entry (5 inputs, 3 layers).
    @Test func gramWithUnequalNormsMatchesQuadrature() throws {
        let n = 5, d = 3
        let x = Self.inputs(count: n, dimension: d, seed: 3, equalNorms: false)
        let sigma0 = NeuralTangents.inputKernel(vectors: x, count: n, dimension: d)
        let a = activation("tanh"), weights = GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1)
        let fast = try NeuralTangents.gram(a, inputKernel: sigma0, count: n, weights: weights, layers: 3).layers.last!
        let exact = try NeuralTangents.gram(a, inputKernel: sigma0, count: n, weights: weights, layers: 3, strategy: .quadrature).layers.last!
        for i in 0..<n {
            for j in 0..<n {
                let nngpScale = (exact.nngp[i * n + i] * exact.nngp[j * n + j]).squareRoot()
                let ntkScale = (exact.ntk[i * n + i] * exact.ntk[j * n + j]).squareRoot()
                expectClose(fast.nngp[i * n + j], exact.nngp[i * n + j], .absolute(1e-12 * nngpScale), "nngp \(i),\(j)")
                expectClose(fast.ntk[i * n + j], exact.ntk[i * n + j], .absolute(1e-12 * ntkScale), "ntk \(i),\(j)")
            }
        }
    }

    /// One layer of the Gram recursion the plain way (every pair listed, equal variances through the
    /// correlation map at that variance, unequal ones through ``KernelEvaluator/unequalPairs(_:_:diagonal:strategy:)``,
    /// the lower triangle copied entry by entry): the reference of the row-segmented concurrent engine.
    static func referenceGramLayer(_ a: Activation, sigma: [Double], theta: [Double], count n: Int,
                                   weights: GaussianWeights) -> (sigma: [Double], theta: [Double]) {
        let (w2, b2) = (weights.sigmaW2, weights.sigmaB2)
        let variances = (0..<n).map { sigma[$0 * n + $0] }
        var diagonal: [Double: (second: Double, slopeSquared: Double)] = [:]
        for v in variances { diagonal[v] = NeuralTangents.diagonalMoments(a, variance: v, strategy: .automatic) }
        var nextSigma = [Double](repeating: .nan, count: n * n), nextTheta = nextSigma
        var unequal: [Int] = [], byVariance: [Double: [Int]] = [:]
        for i in 0..<n {
            for j in i + 1..<n {
                if variances[i] == variances[j] { byVariance[variances[i], default: []].append(i * n + j) } else { unequal.append(i * n + j) }
            }
        }
        func store(_ ij: Int, _ k: (Double, Double)) {
            nextSigma[ij] = w2 * k.0 + b2
            nextTheta[ij] = nextSigma[ij] + w2 * k.1 * theta[ij]
        }
        var cache = AngularCache()
        for (v, offsets) in byVariance {
            let kernels = KernelEvaluator.correlationKernels(a, variance: v, correlations: offsets.map { max(-1, min(1, sigma[$0] / v)) },
                                                             diagonal: diagonal[v]!, cache: &cache).values
            for (ij, k) in zip(offsets, kernels) { store(ij, k) }
        }
        let direct = KernelEvaluator.unequalPairs(a, unequal.map { (variances[$0 / n], sigma[$0], variances[$0 % n]) }, diagonal: diagonal)
        for (ij, k) in zip(unequal, direct) { store(ij, k) }
        for i in 0..<n {
            let d = diagonal[variances[i]]!
            nextSigma[i * n + i] = w2 * d.second + b2
            nextTheta[i * n + i] = nextSigma[i * n + i] + w2 * d.slopeSquared * theta[i * n + i]
            for j in 0..<i { (nextSigma[i * n + j], nextTheta[i * n + j]) = (nextSigma[j * n + i], nextTheta[j * n + i]) }
        }
        return (nextSigma, nextTheta)
    }

    /// The Gram engine (rows cut into segments evaluated concurrently into the matrices, equal-variance groups
    /// through the correlation map, the lower triangle mirrored tile by tile on every core) is bit for bit the
    /// plain recursion, for N = 300 inputs (tiles cross the matrix edge) of which groups share a norm.
    @Test(arguments: ["elu", "relu", "tanh"])
    func gramIsBitwiseThePlainRecursion(spec: String) throws {
        let n = 300, d = 4
        var x = Self.inputs(count: n, dimension: d, seed: 5, equalNorms: false)
        // Input 3m + 1 (m < 40) is input 3m with some coordinates negated (the same squared norm to the bit): 40 pairs
        // of equal variance; inputs 121, 124, … (20 of them) are input 120 with sign patterns: one group of 21.
        for m in 0..<60 {
            let (i, j, pattern) = m < 40 ? (3 * m, 3 * m + 1, 1 + m % 15) : (120, 121 + 3 * (m - 40), 1 + (m - 40) % 15)
            for k in 0..<d { x[j * d + k] = (pattern >> k) & 1 == 1 ? -x[i * d + k] : x[i * d + k] }
        }
        let a = activation(spec), weights = GaussianWeights(sigmaW2: 1.6, sigmaB2: 0.05)
        let sigma0 = NeuralTangents.inputKernel(vectors: x, count: n, dimension: d)
        #expect(Set((0..<n).map { sigma0[$0 * n + $0] }).count == n - 60)
        let result = try NeuralTangents.gram(a, inputKernel: sigma0, count: n, weights: weights, layers: 3, every: 1)
        #expect(result.layers.count == 3 && result.firstNonFiniteLayer == nil)
        var (sigma, theta) = (try NeuralTangents.checkedInputKernel(sigma0, count: n), try NeuralTangents.checkedInputKernel(sigma0, count: n))
        for layer in result.layers {
            (sigma, theta) = Self.referenceGramLayer(a, sigma: sigma, theta: theta, count: n, weights: weights)
            let nngpDifferent = zip(layer.nngp, sigma).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            let ntkDifferent = zip(layer.ntk, theta).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            #expect(nngpDifferent == 0 && ntkDifferent == 0, "\(spec) layer \(layer.layer): \(nngpDifferent) nngp, \(ntkDifferent) ntk entries differ")
        }
    }

    /// A layer that overflows stops the Gram recursion there, whichever route (concurrent segments, equal-variance
    /// map, diagonal) produced the non-finite entry.
    @Test func gramStopsAtTheFirstNonFiniteLayer() throws {
        let n = 40, d = 3
        let x = Self.inputs(count: n, dimension: d, seed: 9, equalNorms: false)
        let sigma0 = NeuralTangents.inputKernel(vectors: x, count: n, dimension: d)
        let result = try NeuralTangents.gram(activation("relu"), inputKernel: sigma0, count: n,
                                             weights: GaussianWeights(sigmaW2: 3, sigmaB2: 0), layers: 5000, every: 1000)
        let bad = try #require(result.firstNonFiniteLayer)
        #expect(bad > 100 && bad < 5000 && result.layers.count == (bad - 1) / 1000)
        #expect(result.layers.allSatisfy { $0.nngp.allSatisfy(\.isFinite) && $0.ntk.allSatisfy(\.isFinite) })
    }
}
