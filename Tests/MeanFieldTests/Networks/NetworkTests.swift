import Foundation
import Testing
@testable import MeanField

/// The `--network` grammar, SPEC §5's kernel rules and Gaussian rule, and mean-field gradients.
@Suite struct NetworkTests {
    func network(_ text: String) -> Network { try! Network(spec: text) }

    // MARK: Grammar

    @Test func parsesSpecExamplesAndPrintsCanonically() throws {
        let mlp = try Network(spec: "dense [elu dense(sigma_w2=2,sigma_b2=0.1)]*7")
        #expect(mlp == Network.multilayerPerceptron(activation("elu"), weights: GaussianWeights(sigmaW2: 2, sigmaB2: 0.1), layers: 7))
        #expect(mlp.items.count == 8 && mlp.layerCount == 15)
        #expect(mlp.spec == "dense(sigma_w2=1,sigma_b2=0) [elu:alpha=1 dense(sigma_w2=2,sigma_b2=0.1)]*7")
        let resnet = try Network(spec: "dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*8")
        #expect(resnet.items.count == 9)
        #expect(resnet.items[1].shortText == "residual")
        #expect(try Network(spec: resnet.spec) == resnet)
        let weighted = try Network(spec: "dense(sigma_b2=0.5) residual(skip=0.8,branch=0.6)[selu:lambda=1.05,alpha=1.6 dense]*2 layernorm")
        #expect(weighted.items[1] == .residual(skip: 0.8, branch: 0.6, Network([.activation(activation("selu:lambda=1.05,alpha=1.6")),
                                                                                   .dense(GaussianWeights(sigmaW2: 1, sigmaB2: 0))])))
        #expect(weighted.items[1].shortText == "residual(skip=0.8,branch=0.6)")
        #expect(try Network(spec: weighted.spec) == weighted)
    }

    /// A file's text: line breaks are whitespace, `#` starts a comment.
    @Test func commentsAndLineBreaks() throws {
        let text = """
            # a pre-activation ResNet
            dense            # the input layer
            residual[
              relu dense(sigma_w2=2)   # first half
              relu dense(sigma_w2=2)
            ]*8
            """
        #expect(try Network(spec: text) == network("dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*8"))
    }

    /// Each malformed text names the position and what is wrong there.
    @Test(arguments: [
        ("dense residual[relu dense", 26, "missing ']'"),
        ("dense(sigma_w3=2)", 7, "no parameter 'sigma_w3'"),
        ("dense(sigma_w2=0)", 1, "sigma_w2 must be > 0"),
        ("dense(sigma_b2=-1)", 1, "sigma_b2 must be >= 0"),
        ("dense(sigma_w2=abc)", 16, "not a finite number"),
        ("dense(sigma_w2=nan)", 16, "not a finite number"),
        ("dense [relu dense]*0", 20, "repeat count"),
        ("dense [relu dense]*", 20, "repeat count"),
        ("dense bogus", 7, "unknown activation 'bogus'"),
        ("dense elu:alpha=-1", 7, "outside its domain"),
        ("dense relu(slope=2)", 11, "not in parentheses"),
        ("dense []", 7, "empty group"),
        ("residual dense", 10, "branch in brackets"),
        ("dense ]", 7, "unexpected ']'"),
        ("", 1, "empty"),
        ("# only a comment", 1, "empty"),
        ("[[[dense]*1000]*1000]*1000", 1, "more than 1000000 layers"),
    ] as [(String, Int, String)])
    func syntaxErrors(text: String, position: Int, message: String) {
        do {
            _ = try Network(spec: text)
            Issue.record("'\(text)' parsed")
        } catch {
            guard case let .syntax(p, m) = error else { Issue.record("\(error)"); return }
            #expect(p == position, "'\(text)': \(error)")
            #expect(m.contains(message), "'\(text)': \(error)")
        }
    }

    /// SPEC §5's Gaussian rule: each non-Gaussian case is refused naming the item, its block and why.
    @Test(arguments: [
        ("dense relu residual[relu dense]", "residual", "block 2", "post-activation residual"),
        ("dense relu relu", "relu", "block 2", "activation of an activation"),
        ("dense [elu tanh dense]", "tanh", "block 1, item 2", "activation of an activation"),
        ("dense relu layernorm", "layernorm", "block 2", "layernorm needs Gaussian"),
        ("dense residual[relu]", "residual", "block 1", "must end in dense"),
        ("dense residual[relu dense relu]", "residual", "block 1", "must end in dense"),
        ("dense residual[dense residual[relu dense]]", "residual", "block 1", "must end in dense"),
        ("dense residual[relu dense(sigma_w2=2) relu relu dense]", "relu", "block 1, branch item 4", "activation of an activation"),
    ] as [(String, String, String, String)])
    func gaussianRuleRefusals(text: String, item: String, location: String, reason: String) {
        do {
            try network(text).checkGaussian()
            Issue.record("'\(text)' accepted")
        } catch {
            guard case let .refused(i, l, r) = error else { Issue.record("\(error)"); return }
            #expect(i == item && l == location && r.contains(reason), "'\(text)': \(error)")
        }
    }

    @Test(arguments: ["relu dense", "dense layernorm relu dense", "dense residual[layernorm relu dense] layernorm residual[dense] elu",
                      "dense residual[relu dense] residual[residual[relu dense] dense]"])
    func gaussianNetworksAreAccepted(text: String) throws {
        try network(text).checkGaussian()
    }

    // MARK: The MLP as a network, bit for bit

    /// `dense [φ dense(W,B)]*L` gives ``NeuralTangents/twoInputs`` bit for bit (blocks 1..L = layers
    /// 1..L) on every route: closed form (relu, erf), Hermite series (tanh), θ-Chebyshev series at a
    /// constant q (elu at its critical σw², many c0), the θ-family (elu, selu with q moving every layer).
    @Test(arguments: [
        ("relu", 2.0, 0.1, 1.7, 30, 21), ("erf", 1.5, 0.2, 0.6, 30, 21), ("tanh", 1.3, 0.05, 1.7, 20, 9),
        ("elu", 1.5505188080679272, 0, 1, 30, 101), ("elu", 2.0, 0.1, 1.3, 60, 101), ("selu", 1.2, 0.1, 1.7, 50, 80),
        ("leaky_relu:slope=0.2", 1.8, 0.3, 0.9, 10, 5), ("elu:alpha=0.5", 1.2, 0.1, 2.5, 8, 7),
    ] as [(String, Double, Double, Double, Int, Int)])
    func multilayerPerceptronIsBitwiseTheOldRecursion(spec: String, w2: Double, b2: Double, q0: Double, layers: Int, count: Int) throws {
        let a = activation(spec), weights = GaussianWeights(sigmaW2: w2, sigmaB2: b2)
        let c0s = (0..<count).map { count == 1 ? 0.5 : -1 + 2 * Double($0) / Double(count - 1) }
        let old = NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: weights, layers: layers)
        let new = try NetworkKernels.twoInputs(.multilayerPerceptron(a, weights: weights, layers: layers), q0: q0, c0s: c0s)
        #expect(old.firstNonFiniteLayer == nil && new.firstNonFiniteBlock == nil)
        let blocks = new.rows.filter { $0.block > 0 }
        #expect(blocks.count == old.rows.count)
        for (n, o) in zip(blocks, old.rows) {
            #expect(n.block == o.layer && n.c0 == o.c0)
            #expect(n.nngp11 == o.nngp11 && n.nngp12 == o.nngp12 && n.ntk11 == o.ntk11 && n.ntk12 == o.ntk12,
                    "\(spec) layer \(o.layer) c0 \(o.c0): \(n) vs \(o)")
        }
        // Block 0 is the input kernel itself (Θ = Σ_in after the first dense layer).
        for (row, c0) in zip(new.rows.prefix(c0s.count), c0s) {
            #expect(row.block == 0 && row.nngp11 == q0 && row.nngp12 == c0 * q0 && row.ntk11 == q0 && row.ntk12 == c0 * q0)
        }
    }

    /// The same for Gram matrices: inputs of unequal norms (crossed Hermite series for tanh, direct 2D for elu).
    @Test(arguments: ["tanh", "elu", "relu"])
    func multilayerPerceptronGramIsBitwiseTheOldRecursion(spec: String) throws {
        let a = activation(spec), weights = GaussianWeights(sigmaW2: 1.6, sigmaB2: 0.1)
        let kernel = NeuralTangents.inputKernel(vectors: NeuralTangentsNetworkReferences.inputs, count: 4, dimension: 3)
        let old = try NeuralTangents.gram(a, inputKernel: kernel, count: 4, weights: weights, layers: 5, every: 1)
        let new = try NetworkKernels.gram(.multilayerPerceptron(a, weights: weights, layers: 5), inputKernel: kernel, count: 4)
        #expect(new.blocks.count == 6 && old.layers.count == 5)
        #expect(new.blocks[0].nngp == kernel && new.blocks[0].ntk == kernel)
        for (n, o) in zip(new.blocks.dropFirst(), old.layers) {
            #expect(n.block == o.layer && n.nngp == o.nngp && n.ntk == o.ntk, "\(spec) layer \(o.layer)")
        }
    }

    // MARK: References

    /// neural-tangents' stax (float64) and an independent 50-digit mpmath recursion of the same
    /// architectures, plus weighted skips stax cannot express (Tests/Generators/networks/make_network_references.py):
    /// every output NNGP and NTK entry within 1e-12 relative of the exact values (on the kernel's
    /// scale √(K_ii K_jj) for off-diagonal entries), and within 1e-11 of stax's own float64 output
    /// (stax itself is off the exact values by up to 1.0e-12 through layernorm and erf: the generator prints it).
    @Test func neuralTangentsParity() throws {
        let kernel = NeuralTangents.inputKernel(vectors: NeuralTangentsNetworkReferences.inputs, count: 4, dimension: 3)
        #expect(NeuralTangentsNetworkReferences.references.count >= 8)
        for reference in NeuralTangentsNetworkReferences.references {
            let result = try NetworkKernels.gram(network(reference.network), inputKernel: kernel, count: 4, every: 1000)
            #expect(result.firstNonFiniteBlock == nil)
            guard let output = result.blocks.last else { Issue.record("no output"); continue }
            for (name, actual, expected, tolerance) in [("nngp", output.nngp, reference.nngp, 1e-12), ("ntk", output.ntk, reference.ntk, 1e-12),
                                                        ("stax nngp", output.nngp, reference.staxNngp, 1e-11),
                                                        ("stax ntk", output.ntk, reference.staxNtk, 1e-11)] {
                for i in 0..<4 {
                    for j in 0..<4 {
                        let scale = (expected[i * 4 + i] * expected[j * 4 + j]).squareRoot()
                        expectClose(actual[i * 4 + j], expected[i * 4 + j], i == j ? .relative(tolerance) : .absolute(tolerance * scale),
                                    "\(reference.network) \(name)[\(i),\(j)] (\(reference.source))")
                    }
                }
            }
            // Two equal-norm inputs: the two-input path agrees with the Gram path.
            let pair = try NetworkKernels.twoInputs(network(reference.network), q0: 1.3, c0s: [0.4])
            let gram = try NetworkKernels.gram(network(reference.network), inputKernel: [1.3, 0.52, 0.52, 1.3], count: 2)
            if let p = pair.rows.last, let g = gram.blocks.last {
                expectClose(p.nngp11, g.nngp[0], .relative(1e-13), "\(reference.network) pair nngp11")
                expectClose(p.nngp12, g.nngp[1], .absolute(1e-13 * g.nngp[0]), "\(reference.network) pair nngp12")
                expectClose(p.ntk11, g.ntk[0], .relative(1e-13), "\(reference.network) pair ntk11")
                expectClose(p.ntk12, g.ntk[1], .absolute(1e-13 * g.ntk[0]), "\(reference.network) pair ntk12")
            }
        }
    }

    /// elu / selu / tanh networks (no closed form in neural-tangents) against nested mpmath
    /// quadrature (Tests/Generators/networks/make_quadrature_references.py): within 1e-12.
    @Test func nestedQuadratureReferences() throws {
        #expect(QuadratureNetworkReferences.references.count >= 4)
        for reference in QuadratureNetworkReferences.references {
            let result = try NetworkKernels.twoInputs(network(reference.network), q0: reference.q0, c0s: [reference.c0])
            guard let r = result.rows.last else { Issue.record("no output"); continue }
            let v = reference.values
            expectClose(r.nngp11, v[0], .relative(1e-12), "\(reference.network) nngp11")
            expectClose(r.nngp12, v[1], .absolute(1e-12 * v[0]), "\(reference.network) nngp12")
            expectClose(r.ntk11, v[2], .relative(1e-12), "\(reference.network) ntk11")
            expectClose(r.ntk12, v[3], .absolute(1e-12 * v[2]), "\(reference.network) ntk12")
        }
    }

    // MARK: Closed forms

    /// A relu pre-activation ResNet `dense residual(skip=a,branch=b)[relu dense(W1,B1) relu dense(W2,B2)]*L`:
    /// E_q[relu²] = q/2 and E_q[relu'²] = 1/2 for every q, so each block maps
    /// ```
    /// q ↦ a² q + b² (W2 (W1 q/2 + B1)/2 + B2)            (adds (a² − 1 + b² W1 W2/4) q + b² (W2 B1/2 + B2))
    /// backward factor a² + b² · (1/2 · W1 · 1/2 · W2) = a² + b² W1 W2 / 4
    /// ```
    /// With B1 = B2 = 0: q_l = m^l q0 and grad_ratio_l = m^(L−l), m = a² + b² W1W2/4 (W = 2, a = b = 1: m = 2).
    @Test(arguments: [(1.0, 1.0, 2.0, 0.0, 2.0, 0.0), (0.8, 0.6, 2.0, 0.1, 1.5, 0.2), (1.0, 0.3, 2.5, 0.05, 2.0, 0.0)]
          as [(Double, Double, Double, Double, Double, Double)])
    func reluResNetClosedForm(a: Double, b: Double, w1: Double, b1: Double, w2: Double, b2: Double) throws {
        let blocks = 12, q0 = 1.4
        let net = network("dense residual(skip=\(a),branch=\(b))[relu dense(sigma_w2=\(w1),sigma_b2=\(b1)) relu dense(sigma_w2=\(w2),sigma_b2=\(b2))]*\(blocks)")
        let sweep = try NetworkGradients.depthSweep(net, q0: q0, c0: 0.3)
        var q = q0
        var expectedQ = [q0]
        for _ in 0..<blocks { q = a * a * q + b * b * (w2 * (w1 * q / 2 + b1) / 2 + b2); expectedQ.append(q) }
        let m = a * a + b * b * w1 * w2 / 4
        #expect(sweep.rows.count == blocks + 1)
        for row in sweep.rows {
            expectClose(row.q, expectedQ[row.block], .relative(1e-13), "q block \(row.block)")
            expectClose(row.gradientRatio ?? .nan, pow(m, Double(blocks - row.block)), .relative(1e-13), "grad_ratio block \(row.block)")
        }
        if b1 == 0, b2 == 0 {
            for row in sweep.rows { expectClose(row.q, pow(m, Double(row.block)) * q0, .relative(1e-13), "q = m^l q0") }
        }
    }

    /// For the MLP, grad_ratio at layer l is ∏_{k=l}^{L−1} χ1(q_k) ([Schoenholz et al. 2017] eq. 14),
    /// with χ1 from ``SignalPropagation/depthSweep`` (a separate code path).
    @Test(arguments: [("tanh", 1.3, 0.05), ("elu", 1.5505188080679272, 0.0), ("relu", 2.2, 0.1), ("selu", 1.0, 0.0), ("erf", 0.9, 0.2)]
          as [(String, Double, Double)])
    func multilayerPerceptronGradientRatioIsProductOfChi1(spec: String, w2: Double, b2: Double) throws {
        let a = activation(spec), weights = GaussianWeights(sigmaW2: w2, sigmaB2: b2), layers = 25
        let sweep = SignalPropagation.depthSweep(a, q0: 1.2, c0: 0.5, weights: weights, layers: layers)
        let ratios = try NetworkGradients.gradientRatios(.multilayerPerceptron(a, weights: weights, layers: layers), q0: 1.2)
        #expect(ratios.count == layers + 1)
        for l in 0...layers {
            let product = sweep.rows[l..<layers].reduce(1.0) { $0 * $1.chi1 }
            expectClose(ratios[l], product, .relative(1e-12), "\(spec) layer \(l)")
        }
    }

    /// layernorm: Σ' has unit diagonal and Σ'₁₂ = c; its backward factor is 1/q.
    @Test func layernormRules() throws {
        let result = try NetworkKernels.twoInputs(network("dense(sigma_w2=3,sigma_b2=0.5) layernorm"), q0: 2, c0s: [0.25])
        let r = result.rows[1]
        #expect(r.nngp11 == 1)
        expectClose(r.nngp12, (3 * 0.5 + 0.5) / 6.5, .relative(1e-15))
        expectClose(r.ntk11, 6.5 / 6.5, .relative(1e-15))
        expectClose(r.ntk12, 2 / 6.5, .relative(1e-15))
        let factors = try NetworkGradients.gradientFactors(network("dense(sigma_w2=3,sigma_b2=0.5) layernorm"), q0: 2)
        #expect(factors == [3, 1 / 6.5])
    }

    /// A sweep that overflows stops before the first non-finite block and reports it.
    @Test func overflowStopsAtTheFirstNonFiniteBlock() throws {
        let result = try NetworkKernels.twoInputs(network("dense residual[relu dense(sigma_w2=1e300)]*5"), q0: 1, c0s: [0.5])
        #expect(result.firstNonFiniteBlock != nil)
        #expect(result.rows.allSatisfy { $0.nngp11.isFinite && $0.ntk11.isFinite })
        let sweep = try NetworkGradients.depthSweep(network("dense residual[relu dense(sigma_w2=1e300)]*5"), q0: 1, c0: 0.5)
        #expect(sweep.rows.allSatisfy { $0.gradientRatio == nil })
    }
}
