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

/// `mfsim edge`: the edge of chaos (SPEC §1.3).
struct Edge: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "edge",
        abstract: "Edge of chaos: the sigma_w2 with chi1(q*) = 1 for each sigma_b2, and q* there.",
        discussion: """
            Schoenholz et al. 2017: chi1 = sigma_w2 E[phi'(sqrt(q*) z)^2] = 1 separates the ordered (chi1 < 1) \
            from the chaotic phase. Solved by Brent's method to 1e-14 relative. relu, leaky_relu and linear are \
            positively homogeneous: their edge is the single point (1/E[phi'^2], 0) (relu: (2, 0)), where every q \
            is a fixed point (q_star empty); for sigma_b2 > 0 they have none (sigma_w2 empty, with a warning). \
            As in 'mfsim phase', q* is the fixed point of the length map reached from --q0 at each sigma_w2 tried, and \
            q_unstable the unstable fixed point bounding its basin at the edge (empty where there is none): a bistable \
            map has its edge on the branch that q0 falls to (e.g. silu at sigma_b2 = 0.04 from --q0 0.1, below the \
            unstable fixed point, differs from the default q0 = 1).
            """)

    @OptionGroup var activations: ActivationOptions<TanhActivation>
    @Option(name: .customLong("sigma-b2"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Bias variance sigma_b2 >= 0: a number or START:STOP:COUNT, repeatable. (default: 0:0.5:11)", valueName: "B"))
    var sigmaB2: [NumberListArgument] = []
    @Option(parsing: .unconditional, help: "Variance q0 > 0 where the length map starts: q_star is the fixed point reached from it.")
    var q0: Real = Real(1)
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try biases()
        guard q0.value > 0 else { throw ValidationError("--q0 must be > 0 (got \(q0))") }
        try activations.check()
    }

    func biases() throws -> [Double] {
        try NumberListArgument.values(sigmaB2, default: NumericList.range(0, 0.5, 11), option: "--sigma-b2", requirement: ">= 0") { $0 >= 0 }
    }

    func makeTable() throws -> Table {
        let activations = try self.activations.activations(), biases = try biases()
        try MemoryBudget.check(rows: MemoryBudget.times(activations.count, biases.count), columns: 5,
                               doubles: MemoryBudget.times(MemoryBudget.times(activations.count, biases.count), 50) &+ MemoryBudget.times(biases.count, MemoryBudget.doublesPerListValue), "edge: \(activations.count) activations × \(biases.count) sigma_b2 values")
        var table = Table(columns: ["activation", "sigma_b2", "sigma_w2", "q_star", "q_unstable"],
                          meta: MeanFieldVersion.meta(subcommand: "edge", [
                              ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("sigma_b2", .text(biases.map(formatNumber).joined(separator: " "))), ("q0", .number(q0.value))]))
        let jobs = activations.flatMap { a in biases.map { (a, $0) } }
        let q0 = self.q0.value
        let edges = try edgesOfChaos(jobs, q0: q0)
        // The basin boundary of q* at each edge (none where every q is a fixed point: q_star empty).
        let boundaries = concurrentMap(Array(zip(jobs, edges))) { job, edge -> Double? in
            guard let edge, let qStar = edge.qStar else { return nil }
            return SignalPropagation.lengthBasinBoundary(job.0, weights: GaussianWeights(sigmaW2: edge.sigmaW2, sigmaB2: job.1), from: q0, stable: qStar)
        }
        for (((a, b), edge), unstable) in zip(zip(jobs, edges), boundaries) {
            table.append([.text(a.spec), .number(b), edge.map { .number($0.sigmaW2) } ?? .missing,
                          edge?.qStar.map { .number($0) } ?? .missing, unstable.map { .number($0) } ?? .missing])
        }
        return table
    }
}
