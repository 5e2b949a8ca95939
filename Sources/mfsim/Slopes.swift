import ArgumentParser
import MeanField

/// `mfsim slopes`: expected slopes and related statistics (SPEC §1.5).
struct SlopesCommand: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "slopes",
        abstract: "Expected slope E[phi'], E[phi'^2], activation moments, dead fraction and log-slope at X ~ N(mean, variance).",
        discussion: """
            dead_fraction is P(phi'(X) = 0) (1/2 for relu at mean 0, Phi(-m/sqrt(q)) in general, 0 where \
            phi' > 0). log_slope is E[log phi'(X)], the per-unit log-determinant of an elementwise flow layer; \
            empty (null in JSON) where phi is not strictly increasing (relu, gelu, silu, leaky_relu with slope <= 0). \
            Rows: every activation x every mean x every variance.
            """)

    @OptionGroup var activations: ActivationOptions<WholeCatalogue>
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Variance q > 0 of the pre-activation: a number or START:STOP:COUNT, repeatable. (default: 1)", valueName: "Q"))
    var variance: [NumberListArgument] = []
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Mean m of the pre-activation: a number or START:STOP:COUNT, repeatable. (default: 0)", valueName: "M"))
    var mean: [NumberListArgument] = []
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try activations.check()
        _ = try lists()
    }

    func lists() throws -> (variances: [Double], means: [Double]) {
        (try NumberListArgument.values(variance, default: [1], option: "--variance", requirement: "> 0") { $0 > 0 },
         try NumberListArgument.values(mean, default: [0], option: "--mean", requirement: "finite") { $0.isFinite })
    }

    func makeTable() throws -> Table {
        let (variances, means) = try lists()
        let list = try activations.activations()
        try MemoryBudget.check(rows: MemoryBudget.times(MemoryBudget.times(list.count, means.count), variances.count), columns: 9,
                               doubles: MemoryBudget.times(means.count &+ variances.count, MemoryBudget.doublesPerListValue), "slopes: \(list.count) activations × \(means.count) means × \(variances.count) variances")
        var table = Table(columns: ["activation", "mean", "variance", "expected_slope", "slope_second_moment", "act_mean",
                                    "act_second_moment", "dead_fraction", "log_slope"],
                          meta: MeanFieldVersion.meta(subcommand: "slopes", [
                              ("activation", .text(list.map(\.spec).joined(separator: " "))),
                              ("mean", .text(means.map(formatNumber).joined(separator: " "))),
                              ("variance", .text(variances.map(formatNumber).joined(separator: " ")))]))
        for a in list {
            let name = Cell.text(a.spec)   // computed once, not per row
            for m in means {
                for q in variances {
                    // The row's activation and variance name every quadrature behind it (the log-slope's too).
                    let s = AccuracyLedger.about(a.spec, variance: q) { Slopes.statistics(a, mean: m, variance: q) }
                    table.append([name, .number(m), .number(q), .number(s.expectedSlope), .number(s.slopeSecondMoment),
                                  .number(s.activationMean), .number(s.activationSecondMoment), .number(s.deadFraction),
                                  s.logSlope.map { .number($0) } ?? .missing])
                }
            }
        }
        return table
    }
}
