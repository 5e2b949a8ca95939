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

/// `mfsim depth-sweep`: moments through depth (SPEC §1.2, Model A).
struct DepthSweep: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "depth-sweep",
        abstract: "Iterate the mean/variance map of an SNN-style network through depth.",
        discussion: """
            --model snn (Klambauer et al. 2017, §3): row 0 is (mu0, nu0); row l is g(row l-1) with \
            z ~ N(mu*omega, nu*tau). The default is elu, selu and relu through 200 layers from (0, 1) with \
            omega = 0, tau = 1: selu holds (0, 1), the others drift. Columns: activation, layer, mean, variance.

            --model gaussian (Poole et al. 2016, Schoenholz et al. 2017): two inputs of variance q0 and \
            correlation c0 through the length map q_l = sigma_w2 E[phi^2] + sigma_b2 and the covariance map; \
            row l reports q, q12, c, the activations' mean and variance, chi1 and chi_c at that row. \
            --sigma-w2 defaults to each activation's variance-preserving k = 1/E[phi(z)^2] and --sigma-b2 to 0: \
            the variance-preserving sweep (q = 1 stays a fixed point; chi1 = 1 only for relu-like activations).

            --network SPEC / --network-file FILE (with --model gaussian): a composed network (SPEC §5, see 'mfsim ntk \
            --help') instead of --activation, --sigma-w2, --sigma-b2 and --layers. One row per top-level item after \
            expanding *COUNT: block, item, q, q12, c after the item, and grad_ratio, the expected squared gradient norm at the \
            item's output relative to the network's output (mean-field backpropagation, Schoenholz et al. 2017): the product of \
            the later items' backward factors, dense sigma_w2, activation E_q[phi'(u)^2] at its input variance q, layernorm \
            1/q, residual(skip=a,branch=b) a^2 + b^2 (branch's factor). For the plain MLP it is the product of chi1 over the \
            later layers.

            A sweep whose values overflow stops at the first non-finite layer, keeps the rows before it and \
            warns on stderr.
            """)

    @Option(help: "Which model: snn (mean/variance map, Klambauer et al. 2017) or gaussian (Poole et al. 2016).")
    var model: NetworkModel = .snn
    @OptionGroup var activations: ActivationOptions<EluSeluRelu>
    @Option(name: .customLong("layers"), help: "Number of layers L (1 to 1000000); rows 0..L. (default: 200)")
    var layersOption: Int?
    /// `--layers`, default 200.
    var layers: Int { layersOption ?? 200 }
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var networkOptions: NetworkOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if networkOptions.isGiven, model != .gaussian { throw ValidationError("--network applies to --model gaussian, not --model \(model.rawValue)") }
        try networkOptions.check(replacing: [("--activation", activations.isGiven), ("--sigma-w2", modelOptions.gaussianWeights.sigmaW2 != nil),
                                             ("--sigma-b2", modelOptions.gaussianWeights.sigmaB2 != nil), ("--layers", layersOption != nil)])
        guard (1...1_000_000).contains(layers) else { throw ValidationError("--layers must be 1 to 1000000 (got \(layers))") }
        try modelOptions.check(model: model)
        try activations.check()
    }

    func makeTable() throws -> Table {
        if networkOptions.isGiven { return try networkTable() }
        let activations = try self.activations.activations()
        try MemoryBudget.check(rows: MemoryBudget.times(activations.count, layers + 1), columns: model == .snn ? 4 : 9,
                               doubles: MemoryBudget.times(activations.count, (model == .snn ? 8 : 16) * (layers + 1)),
                               "depth-sweep: \(activations.count) activations × \(layers + 1) rows")
        switch model {
        case .snn: return snnTable(activations)
        case .gaussian: return try gaussianTable(activations)
        }
    }

    func snnTable(_ activations: [Activation]) -> Table {
        let start = modelOptions.start, weights = modelOptions.weightMoments
        var table = Table(columns: ["activation", "layer", "mean", "variance"],
                          meta: MeanFieldVersion.meta(subcommand: "depth-sweep", [
                              ("model", .text(model.rawValue)), ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("layers", .integer(layers)), ("mu0", .number(start.mean)), ("nu0", .number(start.variance)),
                              ("omega", .number(weights.omega)), ("tau", .number(weights.tau))]))
        let sweeps = concurrentMap(activations) { SelfNormalizing.depthSweep($0, from: start, weights: weights, layers: layers) }
        for (a, sweep) in zip(activations, sweeps) {
            let name = Cell.text(a.spec)   // computed once, not per row
            for (layer, row) in sweep.rows.enumerated() {
                table.append([name, .integer(layer), .number(row.mean), .number(row.variance)])
            }
            if let bad = sweep.firstNonFiniteLayer {
                warnOverflow(a.spec, layer: bad)
            }
        }
        return table
    }

    func gaussianTable(_ activations: [Activation]) throws -> Table {
        let q0 = modelOptions.inputVariance, c0 = modelOptions.inputCorrelation
        let weightOptions = modelOptions.gaussianWeights
        let weights = try weightOptions.resolvedWeights(for: activations)
        var table = Table(columns: ["activation", "layer", "q", "q12", "c", "act_mean", "act_var", "chi1", "chi_c"],
                          meta: MeanFieldVersion.meta(subcommand: "depth-sweep", [
                              ("model", .text(model.rawValue)), ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("layers", .integer(layers))]
                              + weightOptions.meta(activations, weights) + [("q0", .number(q0)), ("c0", .number(c0))]))
        let sweeps = concurrentMap(Array(zip(activations, weights))) { a, w in
            SignalPropagation.depthSweep(a, q0: q0, c0: c0, weights: w, layers: layers)
        }
        for (a, sweep) in zip(activations, sweeps) {
            let name = Cell.text(a.spec)   // computed once, not per row
            for r in sweep.rows {
                table.append([name, .integer(r.layer), .number(r.q), .number(r.q12), .number(r.c), .number(r.activationMean),
                              .number(r.activationVariance), .number(r.chi1), .number(r.chiC)])
            }
            if let bad = sweep.firstNonFiniteLayer {
                warnOverflow(a.spec, layer: bad)
            }
        }
        return table
    }
}

extension DepthSweep {
    /// `--network`: q, q12, c and the gradient ratio per top-level item.
    func networkTable() throws -> Table {
        let network = try networkOptions.network(requireGaussian: true)
        let q0 = modelOptions.inputVariance, c0 = modelOptions.inputCorrelation
        var table = Table(columns: ["block", "item", "q", "q12", "c", "grad_ratio"],
                          meta: MeanFieldVersion.meta(subcommand: "depth-sweep", [
                              ("model", .text(model.rawValue)), NetworkOptions.meta(network), ("blocks", .integer(network.items.count)),
                              ("q0", .number(q0)), ("c0", .number(c0))]))
        let sweep = try NetworkGradients.depthSweep(network, q0: q0, c0: c0)
        for r in sweep.rows {
            table.append([.integer(r.block), .text(network.items[r.block].shortText), .number(r.q), .number(r.q12), .number(r.c),
                          r.gradientRatio.map { .number($0) } ?? .missing])
        }
        if let bad = sweep.firstNonFiniteBlock {
            warn("network: values overflow at block \(bad); rows up to block \(bad - 1) are kept (grad_ratio needs the output: left empty)")
        }
        return table
    }
}
