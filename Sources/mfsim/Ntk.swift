import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// `mfsim ntk`: NNGP and NTK kernels through depth (SPEC §1.4).
struct Ntk: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "ntk",
        abstract: "NNGP and NTK kernels of a deep fully connected network, for two inputs or a Gram matrix.",
        discussion: """
            Jacot et al. 2018, Lee et al. 2019, neural-tangents' "ntk" parameterization. With (u, v) ~ N(0, Sigma^(l-1)): \
            Sigma^l = sigma_w2 E[phi(u) phi(v)] + sigma_b2; Theta^0 = Sigma^0, \
            Theta^l = Sigma^l + sigma_w2 E[phi'(u) phi'(v)] Theta^(l-1).

            Two inputs (default): both of variance q0, correlation c0 (a list or range: one trajectory each). Rows for \
            layers 1..L (or every K-th and the last), layer-major: every c0 of a layer, then the next layer. Columns: \
            activation, sigma_w2, sigma_b2, layer, c0, nngp_11, nngp_12, ntk_11, ntk_12.

            --network SPEC / --network-file FILE: a composed network (SPEC §5) instead of --activation, --sigma-w2, \
            --sigma-b2 and --layers, with neural-tangents' stax kernel rules: dense Sigma' = W Sigma + B, Theta' = W Theta + \
            Sigma'; activation Sigma' = E[phi(u) phi(v)], Theta' = E[phi'(u) phi'(v)] Theta; layernorm divides Sigma and \
            Theta by sqrt(Sigma_ii Sigma_jj); residual(skip=a,branch=b)[F] gives a^2 Sigma + b^2 Sigma_F (and the same for \
            Theta); the input's NTK is 0. One row per top-level item after expanding *COUNT (block 0, 1, ...; --every K keeps \
            every K-th and the last), columns block, item, c0, nngp_11, nngp_12, ntk_11, ntk_12 (with --gram: block, item, i, \
            j, nngp, ntk). The old options mean 'dense [phi dense(sigma_w2=W,sigma_b2=B)]*L' and give the same numbers bit for \
            bit (blocks 1..L are layers 1..L). What enters an activation, a layernorm or a residual sum must be Gaussian \
            (post-activation residuals, an activation of an activation and residual branches not ending in dense are refused, \
            exit 64).

            --gram FILE: the Gram matrices of N inputs read from a CSV file (an optional header row, then one row per \
            input vector, Sigma^0_ij = x_i.x_j/d; or, with --gram-input kernel, the N x N input kernel Sigma^0 itself). \
            Rows: activation, sigma_w2, sigma_b2, layer, i, j, nngp, ntk for every pair i <= j (the upper triangle, as \
            'simulate --gram' prints it), 0-based; only layer L unless --every is given. With --format npy (one --activation): a NumPy float64 array of shape \
            (R, 2, N, N) instead, R the reported layers in order, [r, 0] = nngp, [r, 1] = ntk (numpy.load reads it).

            Memory: a run is refused (exit 64) when the rows and kernels it would hold exceed 4 GiB (estimated as \
            rows x (64 + 40 x columns) bytes plus 8 bytes per matrix entry held; e.g. 2000 inputs x 1 reported layer \
            is ~1.1 GB, --c0 -1:1:250 --layers 200000 --every 1 is ~21 GB).

            Exact kernels (SPEC §2): arc-cosine (relu, leaky_relu) and arcsine (erf) closed forms; bivariate-normal \
            (Phi2) closed forms for the piecewise-linear hardtanh, relu6, hardsigmoid, softshrink; gelu's closed form (as neural-tangents' Gelu); for elu, \
            selu, celu the tilted-orthant closed forms (SPEC §8), or, when one variance is queried 512 times or more over \
            the sweep, a Chebyshev series in theta = arccos c built from them (held to 4e-15 of E[phi^2]); a certified \
            Hermite series for smooth activations; else a theta-series from exact kink-aware 2D quadrature when many \
            correlations share a variance, else the quadrature itself. A sweep whose values overflow stops at the first \
            non-finite layer and warns. A progress line (per layer of each activation) is drawn on stderr when it is a terminal.
            """)

    @OptionGroup var activations: ActivationOptions<EluSeluRelu>
    @OptionGroup var gaussianWeights: GaussianWeightOptions
    @Option(parsing: .unconditional, help: "Two inputs: variance q0 > 0 of both inputs. (default: 1)")
    var q0: Real?
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Two inputs: correlation c0 in [-1, 1], a number or START:STOP:COUNT, repeatable. (default: -1:1:21)", valueName: "C"))
    var c0: [NumberListArgument] = []
    @Option(name: .customLong("layers"), help: "Number of layers L (1 to 1000000). (default: 200)")
    var layersOption: Int?
    /// `--layers`, default 200.
    var layers: Int { layersOption ?? 200 }
    @Option(help: ArgumentHelp("Report every K-th layer and the last. (default: every layer for two inputs, only the last for --gram)", valueName: "K"))
    var every: Int?
    @Option(help: ArgumentHelp("Compute the Gram matrices of the inputs in this CSV file. (default: none, two inputs from --q0 and --c0)", valueName: "FILE"))
    var gram: String?
    @Option(name: .customLong("gram-input"), help: "What the --gram file holds: vectors (one input per row) or kernel (the N x N Sigma^0).")
    var gramInput: InputKernelFile.Kind = .vectors
    @OptionGroup var inputAliases: GramInputAliases

    @Flag(name: .customLong("unvalidated-variances"),
          help: "Compute every layer even where the length map's variance leaves the validated range [1e-6, 1e4] of SPEC §2 for an activation without closed-form kernels; without it the sweep stops before the first such layer, with a warning (the quadratures there are uncertified and can take minutes). (default: off)")
    var unvalidatedVariances = false

    @OptionGroup var networkOptions: NetworkOptions

    @OptionGroup var output: OutputOptions

    func correlations() throws -> [Double] {
        try NumberListArgument.values(c0, default: NumericList.range(-1, 1, 21), option: "--c0", requirement: "in [-1, 1]") { abs($0) <= 1 }
    }

    mutating func validate() throws {
        (gram, gramInput) = try inputAliases.merged(gram, gramInput)
        try networkOptions.check(replacing: [("--activation", activations.isGiven), ("--sigma-w2", gaussianWeights.sigmaW2 != nil),
                                             ("--sigma-b2", gaussianWeights.sigmaB2 != nil), ("--layers", layersOption != nil)])
        guard (1...1_000_000).contains(layers) else { throw ValidationError("--layers must be 1 to 1000000 (got \(layers))") }
        if let every, every < 1 { throw ValidationError("--every must be >= 1 (got \(every))") }
        try gaussianWeights.check()
        if gram != nil {
            if q0 != nil || !c0.isEmpty { throw ValidationError("--q0 and --c0 describe two inputs; with --gram the inputs come from the file") }
        } else {
            if let q0, q0.value <= 0 { throw ValidationError("--q0 must be > 0 (got \(q0))") }
            if !networkOptions.isGiven {
                let count = try correlations().count, activationCount = max(1, activations.isGiven ? activations.activation.count : EluSeluRelu.specs.count)
                let rows = MemoryBudget.times(activationCount * count, MemoryBudget.reportedLayers(layers, every: every ?? 1))
                try asUsageError {
                    try MemoryBudget.check(rows: rows, columns: 9, "ntk: \(activationCount) activations × \(count) correlations × "
                                           + "\(MemoryBudget.reportedLayers(layers, every: every ?? 1)) reported layers = \(rows) rows")
                }
            }
        }
        try activations.check()
    }

    func makeTable() throws -> Table {
        if networkOptions.isGiven { return try networkTable() }
        let activations = try self.activations.activations()
        let weights = try gaussianWeights.resolvedWeights(for: activations)
        var meta: [(String, Cell)] = [("activation", .text(activations.map(\.spec).joined(separator: " ")))]
            + gaussianWeights.meta(activations, weights) + [("layers", .integer(layers))]
        if let gram {
            let (kernel, n) = try InputKernelFile.read(gram, kind: gramInput, option: "--gram")
            let every = self.every ?? layers
            try Self.checkGramMemory(inputs: n, reportedLayers: MemoryBudget.reportedLayers(layers, every: every), activations: activations.count)
            meta += [("every", .integer(every)), ("gram", .text(gram)), ("gram_input", .text(gramInput.rawValue)), ("inputs", .integer(n))]
            return try gramTable(activations, weights, kernel, n, every, meta)
        } else {
            let q0 = self.q0?.value ?? 1, c0s = try correlations(), every = self.every ?? 1
            meta += [("every", .integer(every)), ("q0", .number(q0)), ("c0", .text(c0s.map(formatNumber).joined(separator: " ")))]
            var table = Table(columns: ["activation", "sigma_w2", "sigma_b2", "layer", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"],
                              meta: MeanFieldVersion.meta(subcommand: "ntk", meta))
            let bar = ProgressBar(label: "ntk", total: activations.count * layers)
            defer { bar?.finish() }
            for (index, (a, w)) in zip(activations, weights).enumerated() {
                bar?.step(index * layers, detail: a.spec)
                let name = Cell.text(a.spec)   // computed once, not per row
                let reached = try reachedLayers(a, w, [q0])
                let result = withProgress(bar, step: index, unit: layers) {
                    NeuralTangents.twoInputs(a, q0: q0, c0s: c0s, weights: w, layers: reached, every: every)
                }
                for r in result.rows {
                    table.append([name, .number(w.sigmaW2), .number(w.sigmaB2), .integer(r.layer), .number(r.c0),
                                  .number(r.nngp11), .number(r.nngp12), .number(r.ntk11), .number(r.ntk12)])
                }
                if let bad = result.firstNonFiniteLayer {
                    warnOverflow(a.spec, layer: bad)
                }
            }
            return table
        }
    }

    /// `--format npy`: the plain MLP's Gram matrices (`--gram`, one activation).
    var acceptsNumPy: Bool {
        gram != nil && !networkOptions.isGiven && (try? activations.activations())?.count == 1
    }

    /// The Gram matrices as one float64 array of shape (R, 2, N, N): R reported layers in order
    /// (`--every`; only layer L by default), [r, 0] = nngp Σˡ, [r, 1] = ntk Θˡ, each row-major N × N.
    /// A sweep that overflows keeps the layers before it (and warns), as the table does.
    func makeNumPyArray() throws -> NumPyArray {
        let activations = try self.activations.activations()
        guard let gram, let a = activations.first, activations.count == 1 else {
            throw CommandError.usage("--format npy needs --gram FILE and exactly one --activation")
        }
        let w = try gaussianWeights.resolvedWeights(for: activations)[0]
        let (kernel, n) = try InputKernelFile.read(gram, kind: gramInput, option: "--gram")
        let every = self.every ?? layers
        try Self.checkGramMemory(inputs: n, reportedLayers: MemoryBudget.reportedLayers(layers, every: every), activations: 1)
        let diagonal = (0..<n).map { kernel[$0 * n + $0] }
        let reached = try reachedLayers(a, w, [diagonal.min() ?? 1, diagonal.max() ?? 1])
        let result = try NeuralTangents.gram(a, inputKernel: kernel, count: n, weights: w, layers: reached, every: every)
        if let bad = result.firstNonFiniteLayer { warnOverflow(a.spec, layer: bad, kept: "matrices") }
        var values: [Double] = []
        values.reserveCapacity(result.layers.count * 2 * n * n)
        for layer in result.layers {
            values += layer.nngp
            values += layer.ntk
        }
        guard let array = NumPyArray(shape: [result.layers.count, 2, n, n], values: values) else {
            throw CommandError.noSolution("ntk: the Gram matrices do not have the shape (\(result.layers.count), 2, \(n), \(n))")
        }
        return array
    }

    /// The memory a Gram run holds: per activation the reported layers' NNGP and NTK (2 N² each), the
    /// recursion's working matrices (~8 N²), and N(N+1)/2 rows of 8 columns per reported layer (i ≤ j).
    static func checkGramMemory(inputs n: Int, reportedLayers: Int, activations: Int, columns: Int = 8) throws {
        let triangle = n * (n + 1) / 2
        let rows = MemoryBudget.times(MemoryBudget.times(triangle, reportedLayers), activations)
        let doubles = MemoryBudget.times(MemoryBudget.squared(n), 2 * reportedLayers + 8)
        try MemoryBudget.check(rows: rows, columns: columns, doubles: doubles,
                               "ntk --gram: \(n) inputs × \(reportedLayers) reported layers (\(rows) rows of i <= j, \(activations) activations)")
    }

    /// `--layers`, or the layers before the first whose variance leaves SPEC §2's validated range
    /// where `a` has no closed-form kernels (with a warning; `--unvalidated-variances` computes them all).
    func reachedLayers(_ a: Activation, _ w: GaussianWeights, _ inputVariances: [Double]) throws -> Int {
        guard !unvalidatedVariances,
              let stop = NeuralTangents.firstUnvalidatedLayer(a, inputVariances: inputVariances, weights: w, layers: layers) else { return layers }
        let bounds = AccuracyLedger.validatedVariances
        let range = "the validated range [\(formatNumber(bounds.lowerBound)), \(formatNumber(bounds.upperBound))] (SPEC §2)"
        guard stop.layer > 1 else {
            throw CommandError.noSolution("ntk: \(a.spec): the input variance \(formatNumber(stop.variance)) is outside \(range) and \(a.spec) has no "
                                          + "closed-form kernels; nothing computed (--unvalidated-variances computes it anyway)")
        }
        warn("\(a.spec): stopped before layer \(stop.layer): its input variance q_\(stop.layer - 1) = \(formatNumber(stop.variance)) leaves \(range); "
             + "rows up to layer \(stop.layer - 1) are kept (--unvalidated-variances computes the rest, uncertified and slowly)")
        return stop.layer - 1
    }

    func gramTable(_ activations: [Activation], _ weights: [GaussianWeights], _ kernel: [Double], _ n: Int, _ every: Int,
                   _ meta: [(String, Cell)]) throws -> Table {
        var table = Table(columns: ["activation", "sigma_w2", "sigma_b2", "layer", "i", "j", "nngp", "ntk"],
                          meta: MeanFieldVersion.meta(subcommand: "ntk", meta))
        let bar = ProgressBar(label: "ntk --gram", total: activations.count * layers)
        defer { bar?.finish() }
        for (index, (a, w)) in zip(activations, weights).enumerated() {
            bar?.step(index * layers, detail: a.spec)
            let name = Cell.text(a.spec)   // computed once, not per row
            let diagonal = (0..<n).map { kernel[$0 * n + $0] }
            let reached = try reachedLayers(a, w, [diagonal.min() ?? 1, diagonal.max() ?? 1])
            let result = try withProgress(bar, step: index, unit: layers) {
                try NeuralTangents.gram(a, inputKernel: kernel, count: n, weights: w, layers: reached, every: every)
            }
            for layer in result.layers {
                for i in 0..<n {
                    for j in i..<n {
                        table.append([name, .number(w.sigmaW2), .number(w.sigmaB2), .integer(layer.layer), .integer(i), .integer(j),
                                      .number(layer.nngp[i * n + j]), .number(layer.ntk[i * n + j])])
                    }
                }
            }
            if let bad = result.firstNonFiniteLayer {
                warnOverflow(a.spec, layer: bad, kept: "matrices")
            }
        }
        return table
    }
}
