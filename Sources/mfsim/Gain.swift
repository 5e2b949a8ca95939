import ArgumentParser
import MeanField

/// `mfsim gain`: initialization gains (SPEC §1.5).
struct Gain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Initialization gains: E_q[phi^2], the variance factor k (Var[w] = k/fan_in), std_gain = sqrt(k), the NFNets gamma.",
        discussion: """
            For inputs of variance q: second_moment = E[phi(sqrt(q) z)^2]; weight_variance_factor k = q/second_moment \
            keeps the pre-activation variance at q (at q = 1, k = 1/E[phi(z)^2]: relu 2, elu 1.5505188080679272); \
            std_gain = sqrt(k) is what PyTorch's calculate_gain means; nf_gamma = sqrt(q/Var[phi(sqrt(q) z)]) is the \
            NFNets constant (1/std(phi(z)) at q = 1). For elu, second_moment/q tends to 1 as q -> 0 and to 1/2 as q -> inf.
            """)

    @OptionGroup var activations: CatalogueActivationOptions
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Variance q > 0 of the inputs: a number or START:STOP:COUNT (repeatable; default 1).", valueName: "Q"))
    var variance: [String] = []
    @OptionGroup var output: OutputOptions

    func validate() throws { _ = try parseNumbers(variance, default: [1], option: "--variance", requirement: "> 0") { $0 > 0 } }

    func run() throws {
        let variances = try parseNumbers(variance, default: [1], option: "--variance", requirement: "> 0") { $0 > 0 }
        let list = try activations.activations()
        var table = Table(columns: ["activation", "variance", "second_moment", "weight_variance_factor", "std_gain", "nf_gamma"],
                          meta: MeanFieldVersion.meta(subcommand: "gain", [
                              ("activation", .text(list.map(\.spec).joined(separator: " "))),
                              ("variance", .text(variances.map(formatNumber).joined(separator: " ")))]))
        for a in list {
            for q in variances {
                let g = Slopes.initializationGain(a, variance: q)
                table.append([.text(a.spec), .number(q), .number(g.secondMoment), .number(g.weightVarianceFactor),
                              .number(g.standardDeviationGain), .number(g.nfGamma)])
            }
        }
        try output.emit(table)
    }
}
