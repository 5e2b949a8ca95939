import ArgumentParser
import Foundation
import MeanField

/// `mfsim depth-sweep`: moments through depth (SPEC §1.2, Model A).
struct DepthSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depth-sweep",
        abstract: "Iterate the mean/variance map of an SNN-style network through depth.",
        discussion: """
            --model snn (Klambauer et al. 2017, §3): row 0 is (mu0, nu0); row l is g(row l-1) with \
            z ~ N(mu*omega, nu*tau). The default is elu, selu and relu through 200 layers from (0, 1) with \
            omega = 0, tau = 1: selu holds (0, 1), the others drift. A sweep whose values overflow stops \
            at the first non-finite layer, keeps the rows before it and warns on stderr.
            """)

    enum Model: String, ExpressibleByArgument, CaseIterable { case snn }

    @Option(help: "Which model: snn (mean/variance map, Klambauer et al. 2017).")
    var model: Model = .snn
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec (repeatable; default: elu, selu, relu). See 'mfsim activations'.", valueName: "SPEC"))
    var activation: [String] = []
    @Option(help: "Number of layers L (1 to 1000000); rows 0..L.")
    var layers = 200
    @Option(parsing: .unconditional, help: "Mean mu0 of the input activations.")
    var mu0: Real = Real(0)
    @Option(parsing: .unconditional, help: "Variance nu0 of the input activations (>= 0).")
    var nu0: Real = Real(1)
    @Option(parsing: .unconditional, help: "Sum of a unit's incoming weights, omega.")
    var omega: Real = Real(0)
    @Option(parsing: .unconditional, help: "Sum of a unit's squared incoming weights, tau (>= 0).")
    var tau: Real = Real(1)

    @OptionGroup var output: OutputOptions

    static let defaultActivations = ["elu", "selu", "relu"]

    func validate() throws {
        guard (1...1_000_000).contains(layers) else { throw ValidationError("--layers must be 1 to 1000000 (got \(layers))") }
        guard nu0.value >= 0 else { throw ValidationError("--nu0 must be >= 0 (got \(nu0))") }
        guard tau.value >= 0 else { throw ValidationError("--tau must be >= 0 (got \(tau))") }
        try asUsageError { _ = try parseActivations(activation, default: Self.defaultActivations) }
    }

    func run() throws {
        let activations = try parseActivations(activation, default: Self.defaultActivations)
        var table = Table(columns: ["activation", "layer", "mean", "variance"],
                          meta: MeanFieldVersion.meta(subcommand: "depth-sweep", [
                              ("model", .text(model.rawValue)), ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("layers", .integer(layers)), ("mu0", .number(mu0.value)), ("nu0", .number(nu0.value)),
                              ("omega", .number(omega.value)), ("tau", .number(tau.value))]))
        for a in activations {
            let sweep = SelfNormalizing.depthSweep(a, from: MeanVariance(mean: mu0.value, variance: nu0.value),
                                                   weights: WeightMoments(omega: omega.value, tau: tau.value), layers: layers)
            for (layer, row) in sweep.rows.enumerated() {
                table.append([.text(a.spec), .integer(layer), .number(row.mean), .number(row.variance)])
            }
            if let bad = sweep.firstNonFiniteLayer {
                warn("\(a.spec): values overflow at layer \(bad); rows up to layer \(bad - 1) are kept")
            }
        }
        try output.emit(table)
    }
}

/// One warning line on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("mfsim: warning: \(message)\n".utf8))
}
