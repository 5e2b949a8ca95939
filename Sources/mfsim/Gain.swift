import ArgumentParser
import MeanField

/// `mfsim gain`: initialization gains (SPEC §1.5).
struct Gain: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "gain",
        abstract: "Initialization gains: E_q[phi^2], the variance factor k (Var[w] = k/fan_in), std_gain = sqrt(k), the NFNets gamma.",
        discussion: """
            For inputs of variance q: second_moment = E[phi(sqrt(q) z)^2]; weight_variance_factor k = q/second_moment \
            keeps the pre-activation variance at q (at q = 1, k = 1/E[phi(z)^2]: relu 2, elu 1.5505188080679272); \
            std_gain = sqrt(k) is what PyTorch's calculate_gain means; nf_gamma = sqrt(q/Var[phi(sqrt(q) z)]) is the \
            NFNets constant (1/std(phi(z)) at q = 1). For elu, second_moment/q tends to 1 as q -> 0 and to 1/2 as q -> inf. \
            With --sigma-b2, also critical_sigma_w2: the edge-of-chaos weight variance for that bias variance \
            (see 'mfsim edge'; empty, with a warning, where there is none).
            """)

    @OptionGroup var activations: ActivationOptions<WholeCatalogue>
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Variance q > 0 of the inputs: a number or START:STOP:COUNT, repeatable. (default: 1)", valueName: "Q"))
    var variance: [NumberListArgument] = []
    @Option(name: .customLong("sigma-b2"), parsing: .unconditional,
            help: "Bias variance sigma_b2 >= 0: adds critical_sigma_w2, the edge-of-chaos sigma_w2 (Schoenholz et al. 2017). (default: none, no critical_sigma_w2 column)")
    var sigmaB2: Real?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try activations.check()
        _ = try variances()
        if let sigmaB2, sigmaB2.value < 0 { throw ValidationError("--sigma-b2 must be >= 0 (got \(sigmaB2))") }
    }

    func variances() throws -> [Double] {
        try NumberListArgument.values(variance, default: [1], option: "--variance", requirement: "> 0") { $0 > 0 }
    }

    func makeTable() throws -> Table {
        let variances = try variances()
        let list = try activations.activations()
        try MemoryBudget.check(rows: MemoryBudget.times(list.count, variances.count), columns: 7, doubles: MemoryBudget.times(variances.count, MemoryBudget.doublesPerListValue), "gain: \(list.count) activations × \(variances.count) variances")
        var columns = ["activation", "variance", "second_moment", "weight_variance_factor", "std_gain", "nf_gamma"]
        if sigmaB2 != nil { columns.append("critical_sigma_w2") }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "gain", [
            ("activation", .text(list.map(\.spec).joined(separator: " "))),
            ("variance", .text(variances.map(formatNumber).joined(separator: " "))),
            ("sigma_b2", sigmaB2.map { .number($0.value) } ?? .missing)]))
        let critical: [Cell] = try sigmaB2.map { b in
            try edgesOfChaos(list.map { ($0, b.value) }).map { $0.map { .number($0.sigmaW2) } ?? .missing }
        } ?? []
        for (index, a) in list.enumerated() {
            for q in variances {
                let g = Slopes.initializationGain(a, variance: q)
                // E_q[φ²] > 0 for every activation; 0 is a value below the smallest double (relu at
                // q = 5e-324: 2.5e-324), which cannot be printed.
                if g.secondMoment == 0 {
                    throw CommandError.noSolution("gain: second_moment underflows double precision (E[phi^2] > 0 is below 5e-324) at row \(table.rows.count + 1) (activation=\(a.spec), variance=\(formatNumber(q)))")
                }
                table.append([.text(a.spec), .number(q), .number(g.secondMoment), .number(g.weightVarianceFactor),
                              .number(g.standardDeviationGain), .number(g.nfGamma)] + (critical.isEmpty ? [] : [critical[index]]))
            }
        }
        return table
    }
}
