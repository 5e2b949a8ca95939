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

extension WeightSampling: ExpressibleByArgument {}

/// `mfsim simulate`: finite-width random networks beside the mean-field prediction.
struct Simulate: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Monte Carlo of finite-width random networks beside the mean-field prediction.",
        discussion: """
            Builds --trials random fully connected networks of width N = --width and depth --layers (dense N x N \
            weight matrices from GSL's mt19937 generator, products by GSL's BLAS), on every core, and reports per \
            layer the mean over networks of a per-network statistic, its standard error (sample sd / sqrt(T)), the \
            mean-field prediction and the deviation (empirical - predicted)/SE.

            --model gaussian (Poole et al. 2016): W_ij ~ N(0, sigma_w2/N), b_i ~ N(0, sigma_b2); two inputs whose \
            layer-0 pre-activations have exactly |h|^2/N = q0 and correlation c0. Statistics: q = (|h1|^2 + |h2|^2)/(2N) \
            and c = h1.h2/(|h1||h2|) of the pre-activations. Columns: activation, layer, q_predicted, q_empirical, \
            q_se, q_deviation, c_predicted, c_empirical, c_se, c_deviation.

            --model snn (Klambauer et al. 2017): each unit's weights normalized to sum omega and sum of squares tau, \
            input activations with mean mu0 and variance nu0 across units. Statistics: the mean and variance of the \
            activations across units. Columns: activation, layer, mean_predicted, mean_empirical, mean_se, \
            mean_deviation, variance_predicted, variance_empirical, variance_se, variance_deviation.

            --gram FILE (alias --inputs; --gram-input alias --inputs-kind): a batch of B inputs (B <= N) whose layer-0 kernel is exactly Sigma^0; rows: activation, \
            layer, i, j, nngp_predicted, nngp_empirical, nngp_se, nngp_deviation for every entry i <= j of \
            (1/N) h_i.h_j, beside the NNGP Sigma^l of 'mfsim ntk --gram'.

            --network SPEC / --network-file FILE (SPEC §5, see 'mfsim ntk --help'), instead of --activation, --sigma-w2, --sigma-b2 \
            and --layers: real networks of that architecture \
            (every dense layer an N x N matrix, activations elementwise, layernorm dividing each input's units by their root \
            mean square, residual sums a x + b F(x)). Post-activation residual blocks such as 'dense relu [residual[dense relu \
            dense] relu]*8', which the kernel recursions refuse, run here; their predicted and deviation cells are empty. Rows: \
            one per top-level item; columns block, item, q_*, c_* (or, with --gram, i, j, nngp_*) and grad_ratio_*: the \
            squared norm of the gradient at the item's output relative to the output's, for the first input, one backward pass \
            per network from a random output direction, beside the mean-field ratio of 'mfsim depth-sweep --model gaussian \
            --network'. The k-th dense layer of trial t draws from its own generator (seed SplitMix64(trial seed + k)).

            --fluctuations (gaussian, one input): a genuine Gaussian first layer (z^0 iid N(0, q0), not the fixed-norm \
            input above) and, per network, one forward tangent pass dz^l = W^l (phi'(z^(l-1)) * dz^(l-1)) along an input \
            direction orthogonal to the input (dz^0 iid N(0, 1)). Columns: activation, layer, and for each of q_sd (the sd \
            of q = |z|^2/N across networks), vertex (N Cov(z_i^2, z_j^2), estimated as N Var(G) with G = sigma_w2 \
            |phi(z^(l-1))|^2/N + sigma_b2, which equals it exactly and is far less noisy), kernel_correction \
            (N (E[z^2] - K_l), from the mean of G) and grad_rel_var (Var[Y]/E[Y]^2 of Y = |dz^l|^2/N): _predicted (the \
            1/n value of 'mfsim finite-width'), _empirical, _se (delta method) and _deviation ((empirical - predicted)/SE). \
            With --weights dense (the default), one backward pass per network from a random output direction v ~ N(0, I) at \
            the last layer L through the transposed weights gives g = J^T v, J = dz^L/dz^0; grad_rel_var_backward (last row \
            only; empty above) is Var[Y]/E[Y]^2 of Y = |J^T v|^2/N, beside the same prediction as grad_rel_var (for Gaussian \
            u and v, |J u|^2 and |J^T v|^2 have the same law given J). With --c0 C, a second set of networks carries two inputs (first-layer pre-activations iid N(0, [[q0, C q0], \
            [C q0, q0]]) over the units, the same weights and biases for both) and adds, with the same four suffixes: c_sd \
            (the sd of c = z1.z2/(|z1||z2|) across networks), vertex_11_22 (N Cov(G_11, G_22)), vertex_11_12 (N Cov(G_11, \
            G_12)) and vertex_12_12 (N Var(G_12)), G_ab = sigma_w2 phi(z_a^(l-1)).phi(z_b^(l-1))/N + sigma_b2, beside \
            'mfsim finite-width --c0'. The 1/n predictions carry O(1/n^2) errors, visible at depth/width of order 1.

            The same --seed gives byte-identical output (trial t uses seed SplitMix64(SplitMix64(seed) + t), whatever the number \
            of cores). Deviations of a few SE are expected; they grow with depth only through the O(1/N) finite-width \
            bias. A progress line (per finished trial of each activation) is drawn on stderr when it is a terminal.
            """)

    @Option(help: "Which model: gaussian (Poole et al. 2016) or snn (normalized weights, Klambauer et al. 2017).")
    var model: NetworkModel = .gaussian
    @OptionGroup var activations: ActivationOptions<ReluEluSeluTanh>
    @Option(help: "Width N of every layer (2 to 5000).")
    var width = 1000
    @Option(name: .customLong("layers"), help: "Number of layers L (1 to 100000). (default: 20)")
    var layersOption: Int?
    /// `--layers`, default 20.
    var layers: Int { layersOption ?? 20 }
    @Option(help: "Number of independent networks T (2 to 100000).")
    var trials = 10
    @Option(help: "gaussian: dense (materialize every N x N weight matrix, products by GSL's BLAS) or implicit (draw W a from its exact Gaussian law given a: the same distribution, O(N) per layer instead of O(N^2)).")
    var weights: WeightSampling = .dense
    @Option(parsing: .unconditional, help: "Random seed (an unsigned 64-bit integer).")
    var seed: UInt64 = 2017
    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .customLong("gram"),
            help: ArgumentHelp("gaussian: a batch of inputs from a CSV file (one input vector per row, Sigma^0 = X X^T/d; or the B x B kernel with --gram-input kernel) instead of --q0/--c0, as 'mfsim ntk --gram'; rows are then every kernel entry i <= j. (default: none, two inputs from --q0 and --c0)", valueName: "FILE"))
    var inputs: String?
    @Option(name: .customLong("gram-input"), help: "What the --gram file holds: vectors or kernel.")
    var inputsKind: InputKernelFile.Kind = .vectors
    @OptionGroup var inputAliases: GramInputAliases
    @OptionGroup var networkOptions: NetworkOptions
    @Flag(help: "gaussian: across-network fluctuations beside the 1/n predictions of 'mfsim finite-width' (sd of q, n Cov(z_i^2, z_j^2), n (E[z^2] - K), relative variance of the squared Jacobian-vector product) instead of the means; with --c0 also the sd of the correlation c and the two-input vertices. See the discussion. (default: off)")
    var fluctuations = false

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        (inputs, inputsKind) = try inputAliases.merged(inputs, inputsKind)
        if networkOptions.isGiven {
            if model != .gaussian { throw ValidationError("--network applies to --model gaussian, not --model \(model.rawValue)") }
            if weights != .dense { throw ValidationError("--weights implicit does not apply with --network (every dense layer is a dense matrix)") }
            if fluctuations { throw ValidationError("--fluctuations does not apply with --network (it follows the plain MLP)") }
        }
        try networkOptions.check(replacing: [("--activation", activations.isGiven), ("--sigma-w2", modelOptions.gaussianWeights.sigmaW2 != nil),
                                             ("--sigma-b2", modelOptions.gaussianWeights.sigmaB2 != nil), ("--layers", layersOption != nil)])
        guard (2...5000).contains(width) else { throw ValidationError("--width must be 2 to 5000 (got \(width))") }
        guard (1...100_000).contains(layers) else { throw ValidationError("--layers must be 1 to 100000 (got \(layers))") }
        guard (2...100_000).contains(trials) else { throw ValidationError("--trials must be 2 to 100000 (got \(trials))") }
        if inputs != nil {
            if model == .snn { throw ValidationError("--gram applies to --model gaussian, not --model snn") }
            if modelOptions.q0 != nil || modelOptions.c0 != nil {
                throw ValidationError("--q0 and --c0 describe two inputs; with --gram the inputs come from the file")
            }
        }
        if fluctuations {
            if model == .snn { throw ValidationError("--fluctuations applies to --model gaussian, not --model snn") }
            if inputs != nil { throw ValidationError("--fluctuations follows one input (--q0); it does not take --gram") }
        }
        if model == .snn, weights != .dense { throw ValidationError("--weights implicit applies to --model gaussian (normalized snn rows are not Gaussian)") }
        try modelOptions.check(model: model)
        // Beyond the shared domains: a network needs ν0 > 0, and normalized rows need τ ≥ ω²/N.
        if let nu0 = modelOptions.nu0, nu0.value <= 0 { throw ValidationError("--nu0 must be > 0 (got \(nu0))") }
        let (omega, tau) = (modelOptions.weightMoments.omega, modelOptions.weightMoments.tau)
        if tau < omega * omega / Double(width) {
            throw ValidationError("--tau must be >= omega^2/N = \(formatNumber(omega * omega / Double(width))) (got \(formatNumber(tau)))")
        }
        try activations.check()
    }

    func makeTable() throws -> Table {
        if networkOptions.isGiven { return try networkTable() }
        let activations = try self.activations.activations()
        if inputs == nil { try checkMemory(activations: activations.count) }
        let settings = SimulationSettings(width: width, layers: layers, trials: trials, seed: seed)
        var meta: [(String, Cell)] = [("model", .text(model.rawValue)), ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                                      ("width", .integer(width)), ("layers", .integer(layers)), ("trials", .integer(trials)),
                                      ("seed", .text(String(seed)))]
        let prefixes = model == .gaussian ? ("q", "c") : ("mean", "variance")
        var results: [(Activation, [SimulatedLayer], Int?)] = []
        switch model {
        case .gaussian:
            let q0 = modelOptions.inputVariance, c0 = modelOptions.inputCorrelation
            let sampling = self.weights
            let weightOptions = modelOptions.gaussianWeights
            let weights = try weightOptions.resolvedWeights(for: activations)
            meta += weightOptions.meta(activations, weights) + [("q0", .number(q0)), ("c0", .number(c0)), ("weights", .text(sampling.rawValue))]
            if fluctuations {
                let pairCorrelation = modelOptions.c0?.value
                return try fluctuationTable(activations, weights, q0, pairCorrelation, settings, sampling,
                                            meta.filter { $0.0 != "c0" || pairCorrelation != nil } + [("fluctuations", .bool(true))])
            }
            if let inputs {
                let (kernel, count) = try InputKernelFile.read(inputs, kind: inputsKind, option: "--gram")
                guard count <= width else { throw CommandError.badInput("--gram: \(count) inputs need --width >= \(count) (got \(width))") }
                // Every trial's B x B kernel at every layer, beside the NNGP, and one row per entry i <= j.
                let entries = count * (count + 1) / 2
                try MemoryBudget.check(rows: MemoryBudget.times(MemoryBudget.times(entries, layers), activations.count), columns: 8,
                                       doubles: MemoryBudget.times(MemoryBudget.times(MemoryBudget.squared(count), layers), trials + 2),
                                       "simulate --gram: \(count) inputs × \(layers) layers × \(trials) trials")
                meta = meta.filter { $0.0 != "q0" && $0.0 != "c0" } + [("gram", .text(inputs)), ("gram_input", .text(inputsKind.rawValue)),
                                                                      ("inputs", .integer(count))]
                return try batchTable(activations, weights, kernel, count, settings, sampling, meta)
            }
            let bar = ProgressBar(label: "simulate", total: activations.count * trials)
            defer { bar?.finish() }
            for (index, (a, w)) in zip(activations, weights).enumerated() {
                bar?.step(index * trials, detail: a.spec)
                let r = try withProgress(bar, step: index, unit: trials) {
                    try gslFailure { () throws(GSLError) in try Simulation.gaussian(a, q0: q0, c0: c0, weights: w, settings: settings, sampling: sampling) }
                }
                results.append((a, r.layers, r.firstNonFiniteLayer))
            }
        case .snn:
            let start = modelOptions.start, weights = modelOptions.weightMoments
            meta += [("mu0", .number(start.mean)), ("nu0", .number(start.variance)), ("omega", .number(weights.omega)), ("tau", .number(weights.tau))]
            let bar = ProgressBar(label: "simulate", total: activations.count * trials)
            defer { bar?.finish() }
            for (index, a) in activations.enumerated() {
                bar?.step(index * trials, detail: a.spec)
                let r = try withProgress(bar, step: index, unit: trials) {
                    try gslFailure { () throws(GSLError) in try Simulation.selfNormalizing(a, start: start, weights: weights, settings: settings) }
                }
                results.append((a, r.layers, r.firstNonFiniteLayer))
            }
        }
        let columns = ["activation", "layer"] + [prefixes.0, prefixes.1].flatMap { p in
            ["\(p)_predicted", "\(p)_empirical", "\(p)_se", "\(p)_deviation"]
        }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
        var undefinedSamples = 0
        for (a, layers, bad) in results {
            let name = Cell.text(a.spec)
            func defined(_ x: Double) -> Cell { x.isNaN ? .missing : .number(x) }
            for layer in layers {
                table.append([name, .integer(layer.layer)] + [layer.first, layer.second].flatMap { s -> [Cell] in
                    [.number(s.predicted), defined(s.mean), defined(s.standardError), s.deviation.map { .number($0) } ?? .missing]
                })
            }
            let undefined = layers.filter { $0.second.undefinedTrials > 0 }
            if let first = undefined.first, let worst = undefined.map(\.second.undefinedTrials).max() {
                undefinedSamples += undefined.reduce(0) { $0 + $1.second.undefinedTrials }
                warn("\(a.spec): \(prefixes.1) is undefined (all pre-activations of an input are zero, 0/0) in up to \(worst) of \(trials) trials "
                     + "at \(undefined.count) layers from layer \(first.layer); \(prefixes.1)_empirical averages the other trials (empty where fewer than 2 remain)")
            }
            if let bad { warnOverflow(a.spec, layer: bad) }
        }
        table.meta.append(Table.Meta("undefined_samples", .integer(undefinedSamples)))
        return table
    }

    /// `--gram`: every entry i <= j of the networks' kernel (1/N) h_i.h_j beside the NNGP.
    func batchTable(_ activations: [Activation], _ weights: [GaussianWeights], _ kernel: [Double], _ count: Int,
                    _ settings: SimulationSettings, _ sampling: WeightSampling, _ meta: [(String, Cell)]) throws -> Table {
        var table = Table(columns: ["activation", "layer", "i", "j", "nngp_predicted", "nngp_empirical", "nngp_se", "nngp_deviation"],
                          meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
        let bar = ProgressBar(label: "simulate --gram", total: activations.count * settings.trials)
        defer { bar?.finish() }
        for (index, (a, w)) in zip(activations, weights).enumerated() {
            bar?.step(index * settings.trials, detail: a.spec)
            let r: (layers: [[Simulation.KernelEntry]], firstNonFiniteLayer: Int?)
            do {
                r = try withProgress(bar, step: index, unit: settings.trials) {
                    try Simulation.gaussianBatch(a, inputKernel: kernel, count: count, weights: w, settings: settings, sampling: sampling)
                }
            } catch let error as GSLError {
                throw CommandError.noSolution("simulate: \(error)")
            }
            let name = Cell.text(a.spec)
            for (index, entries) in r.layers.enumerated() {
                for e in entries {
                    table.append([name, .integer(index + 1), .integer(e.i), .integer(e.j), .number(e.value.predicted), .number(e.value.mean),
                                  .number(e.value.standardError), e.value.deviation.map { .number($0) } ?? .missing])
                }
            }
            if let bad = r.firstNonFiniteLayer { warnOverflow(a.spec, layer: bad) }
        }
        return table
    }

    func gslFailure<R>(_ body: () throws(GSLError) -> R) throws -> R {
        do { return try body() } catch { throw CommandError.noSolution("simulate: \(error)") }
    }
}
