import ArgumentParser
import Foundation
import MeanField

/// `mfsim edge`: the edge of chaos (SPEC §1.3).
struct Edge: TableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edge of chaos: the sigma_w2 with chi1(q*) = 1 for each sigma_b2, and q* there.",
        discussion: """
            Schoenholz et al. 2017: chi1 = sigma_w2 E[phi'(sqrt(q*) z)^2] = 1 separates the ordered (chi1 < 1) \
            from the chaotic phase. Solved by Brent's method to 1e-14 relative. relu, leaky_relu and linear are \
            positively homogeneous: their edge is the single point (1/E[phi'^2], 0) (relu: (2, 0)), where every q \
            is a fixed point (q_star empty); for sigma_b2 > 0 they have none (sigma_w2 empty, with a warning).
            """)

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec (repeatable; default: tanh). See 'mfsim activations'.", valueName: "SPEC"))
    var activation: [String] = []
    @Option(name: .customLong("sigma-b2"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Bias variance sigma_b2 >= 0: a number or START:STOP:COUNT (repeatable; default 0:0.5:11).", valueName: "B"))
    var sigmaB2: [String] = []
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parseNumbers(sigmaB2, default: [], option: "--sigma-b2", requirement: ">= 0") { $0 >= 0 }
        try asUsageError { _ = try parseActivations(activation, default: ["tanh"]) }
    }

    func makeTable() throws -> Table {
        let activations = try parseActivations(activation, default: ["tanh"])
        let biases = try parseNumbers(sigmaB2, default: try NumericList.parse(["0:0.5:11"], option: "--sigma-b2"),
                                      option: "--sigma-b2", requirement: ">= 0") { $0 >= 0 }
        try MemoryBudget.check(rows: MemoryBudget.times(activations.count, biases.count), columns: 4,
                               doubles: MemoryBudget.times(MemoryBudget.times(activations.count, biases.count), 50) &+ MemoryBudget.times(biases.count, MemoryBudget.doublesPerListValue), "edge: \(activations.count) activations × \(biases.count) sigma_b2 values")
        var table = Table(columns: ["activation", "sigma_b2", "sigma_w2", "q_star"],
                          meta: MeanFieldVersion.meta(subcommand: "edge", [
                              ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("sigma_b2", .text(biases.map(formatNumber).joined(separator: " ")))]))
        let jobs = activations.flatMap { a in biases.map { (a, $0) } }
        for ((a, b), edge) in zip(jobs, try edgesOfChaos(jobs)) {
            table.append([.text(a.spec), .number(b), edge.map { .number($0.sigmaW2) } ?? .missing,
                          edge?.qStar.map { .number($0) } ?? .missing])
        }
        return table
    }
}
