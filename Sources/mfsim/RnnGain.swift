import ArgumentParser
import MeanField

/// `mfsim rnn-gain`: the RNN gradient gain ρ·E[φ'(√q z)] and neutral-flow parameters (SPEC §1.5).
struct RnnGain: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "rnn-gain",
        abstract: "RNN gradient gain rho * E[phi'(sqrt(q) z)] for a recurrent matrix of norm rho; solve a parameter for neutral flow.",
        discussion: """
            Neutral flow is gain = 1. With --solve-for PARAM, that scalar parameter of each activation is solved \
            for gain 1 (leaky_relu slope = 2/rho - 1 exactly; elu/celu/selu alpha, selu lambda by a bracketing \
            root finder) and the row reports the solved activation; it is an error when no value in the \
            parameter's domain gives gain 1.
            """)

    @OptionGroup var activations: ActivationOptions<WholeCatalogue>
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Variance q > 0 of the pre-activation: a number or START:STOP:COUNT, repeatable. (default: 1)", valueName: "Q"))
    var variance: [NumberListArgument] = []
    @Option(parsing: .unconditional, help: "Norm rho > 0 of the recurrent matrix.")
    var norm: Real = Real(1)
    @Option(name: .customLong("solve-for"), help: ArgumentHelp("Solve this parameter (slope, alpha, lambda) for gain 1. (default: none, no solve)", valueName: "PARAM"))
    var solveFor: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try activations.check()
        guard norm.value > 0 else { throw ValidationError("--norm must be > 0 (got \(norm))") }
        _ = try variances()
        if let name = solveFor {
            for a in try activations.activations() where a.parameter(name) == nil {
                throw ValidationError("--solve-for \(name): activation '\(a.spec)' has no parameter '\(name)'")
            }
        }
    }

    /// `--variance` (parsed when read, checked in `validate()`).
    func variances() throws -> [Double] {
        try NumberListArgument.values(variance, default: [1], option: "--variance", requirement: "> 0") { $0 > 0 }
    }

    func makeTable() throws -> Table {
        let list = try activations.activations(), variances = try variances()
        try MemoryBudget.check(rows: MemoryBudget.times(list.count, variances.count), columns: 7, doubles: MemoryBudget.times(variances.count, MemoryBudget.doublesPerListValue), "rnn-gain: \(list.count) activations × \(variances.count) variances")
        var columns = ["activation", "variance", "norm", "expected_slope", "gain"]
        if solveFor != nil { columns += ["solved_param", "solved_value"] }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "rnn-gain", [
            ("activation", .text(list.map(\.spec).joined(separator: " "))),
            ("variance", .text(variances.map(formatNumber).joined(separator: " "))),
            ("norm", .number(norm.value)), ("solve_for", solveFor.map { .text($0) } ?? .missing)]))
        let rho = norm.value
        for a in list {
            for q in variances {
                var activation = a
                var solved: [Cell] = []
                if let name = solveFor {
                    // No solution is a SlopeError: ExitStatus maps it (exit 65), as every library error.
                    let result = try Slopes.neutralParameter(a, parameter: name, variance: q, norm: rho)
                    activation = result.activation
                    solved = [.text(name), .number(result.value)]
                }
                let row = Slopes.recurrentGain(activation, variance: q, norm: rho)
                table.append([.text(activation.spec), .number(q), .number(rho), .number(row.expectedSlope), .number(row.gain)] + solved)
            }
        }
        return table
    }
}
