import ArgumentParser
import Foundation
import MeanField

/// `mfsim depth-sweep`: moments through depth (SPEC §1.2, Model A).
struct DepthSweep: TableCommand {
    static let configuration = CommandConfiguration(
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
            the critical-initialization sweep.

            A sweep whose values overflow stops at the first non-finite layer, keeps the rows before it and \
            warns on stderr.
            """)

    enum Model: String, ExpressibleByArgument, CaseIterable { case snn, gaussian }

    @Option(help: "Which model: snn (mean/variance map, Klambauer et al. 2017) or gaussian (Poole et al. 2016).")
    var model: Model = .snn
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec (repeatable; default: elu, selu, relu). See 'mfsim activations'.", valueName: "SPEC"))
    var activation: [String] = []
    @Option(help: "Number of layers L (1 to 1000000); rows 0..L.")
    var layers = 200
    @Option(parsing: .unconditional, help: "snn: mean mu0 of the input activations (default 0).")
    var mu0: Real?
    @Option(parsing: .unconditional, help: "snn: variance nu0 of the input activations, >= 0 (default 1).")
    var nu0: Real?
    @Option(parsing: .unconditional, help: "snn: sum of a unit's incoming weights, omega (default 0).")
    var omega: Real?
    @Option(parsing: .unconditional, help: "snn: sum of a unit's squared incoming weights, tau >= 0 (default 1).")
    var tau: Real?
    @Option(name: .customLong("sigma-w2"), parsing: .unconditional,
            help: "gaussian: weight variance sigma_w2 > 0 (default: each activation's k = 1/E[phi(z)^2]).")
    var sigmaW2: Real?
    @Option(name: .customLong("sigma-b2"), parsing: .unconditional, help: "gaussian: bias variance sigma_b2 >= 0 (default 0).")
    var sigmaB2: Real?
    @Option(parsing: .unconditional, help: "gaussian: variance q0 > 0 of both inputs (default 1).")
    var q0: Real?
    @Option(parsing: .unconditional, help: "gaussian: correlation c0 in [-1, 1] of the two inputs (default 0.5).")
    var c0: Real?

    @OptionGroup var output: OutputOptions

    static let defaultActivations = ["elu", "selu", "relu"]

    func validate() throws {
        guard (1...1_000_000).contains(layers) else { throw ValidationError("--layers must be 1 to 1000000 (got \(layers))") }
        let snnOptions = [("--mu0", mu0), ("--nu0", nu0), ("--omega", omega), ("--tau", tau)]
        let gaussianOptions = [("--sigma-w2", sigmaW2), ("--sigma-b2", sigmaB2), ("--q0", q0), ("--c0", c0)]
        for (name, value) in model == .snn ? gaussianOptions : snnOptions where value != nil {
            throw ValidationError("\(name) applies to --model \(model == .snn ? "gaussian" : "snn"), not --model \(model.rawValue)")
        }
        if let nu0, nu0.value < 0 { throw ValidationError("--nu0 must be >= 0 (got \(nu0))") }
        if let tau, tau.value < 0 { throw ValidationError("--tau must be >= 0 (got \(tau))") }
        if let sigmaW2, sigmaW2.value <= 0 { throw ValidationError("--sigma-w2 must be > 0 (got \(sigmaW2))") }
        if let sigmaB2, sigmaB2.value < 0 { throw ValidationError("--sigma-b2 must be >= 0 (got \(sigmaB2))") }
        if let q0, q0.value <= 0 { throw ValidationError("--q0 must be > 0 (got \(q0))") }
        if let c0, abs(c0.value) > 1 { throw ValidationError("--c0 must be in [-1, 1] (got \(c0))") }
        try asUsageError { _ = try parseActivations(activation, default: Self.defaultActivations) }
    }

    func makeTable() throws -> Table {
        let activations = try parseActivations(activation, default: Self.defaultActivations)
        switch model {
        case .snn: return snnTable(activations)
        case .gaussian: return gaussianTable(activations)
        }
    }

    func snnTable(_ activations: [Activation]) -> Table {
        let start = MeanVariance(mean: mu0?.value ?? 0, variance: nu0?.value ?? 1)
        let weights = WeightMoments(omega: omega?.value ?? 0, tau: tau?.value ?? 1)
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
                warn("\(a.spec): values overflow at layer \(bad); rows up to layer \(bad - 1) are kept")
            }
        }
        return table
    }

    func gaussianTable(_ activations: [Activation]) -> Table {
        let sigmaB2 = self.sigmaB2?.value ?? 0, q0 = self.q0?.value ?? 1, c0 = self.c0?.value ?? 0.5
        let weights = activations.map { a in
            GaussianWeights(sigmaW2: sigmaW2?.value ?? Slopes.initializationGain(a).weightVarianceFactor, sigmaB2: sigmaB2)
        }
        var table = Table(columns: ["activation", "layer", "q", "q12", "c", "act_mean", "act_var", "chi1", "chi_c"],
                          meta: MeanFieldVersion.meta(subcommand: "depth-sweep", [
                              ("model", .text(model.rawValue)), ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("layers", .integer(layers)),
                              ("sigma_w2", .text(zip(activations, weights).map { "\($0.spec)=\(formatNumber($1.sigmaW2))" }.joined(separator: " "))),
                              ("sigma_b2", .number(sigmaB2)), ("q0", .number(q0)), ("c0", .number(c0))]))
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
                warn("\(a.spec): values overflow at layer \(bad); rows up to layer \(bad - 1) are kept")
            }
        }
        return table
    }
}

/// One warning line on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("mfsim: warning: \(message)\n".utf8))
}
