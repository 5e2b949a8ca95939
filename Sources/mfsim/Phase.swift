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

/// `mfsim phase`: the phase diagram over (sigma_w2, sigma_b2) (SPEC §1.3).
struct PhaseCommand: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "phase",
        abstract: "Phase diagram: q*, chi1, c*, depth scales xi_q, xi_c and the phase over a sigma_w2 x sigma_b2 grid.",
        discussion: """
            Poole et al. 2016, Schoenholz et al. 2017. q* is the stable fixed point of the length map reached from \
            q0 (--q0); q_unstable is the unstable fixed point bounding its basin (empty where there is none: starting \
            beyond it, q goes elsewhere; e.g. silu at (2.8, 0.04) is bistable); c* that of the \
            correlation map at q* (1 when chi1 <= 1); xi_q = -1/log(chi1 + sigma_w2 E[phi'' phi]) and \
            xi_c = -1/log chi_c(q*, c*) are inf where their argument reaches 1 (criticality). phase is ordered \
            (chi1 < 1), chaotic (> 1), critical (= 1) or unbounded (q grows without bound from q0, also when it grows \
            by O(1) a layer: q_star inf, chi1 to xi_c empty; an iterate lost in rounding, q + 1 == q, is never taken for a fixed point). \
            Rows: activation-major, then sigma_w2, then sigma_b2; computed on every core, in a deterministic order, \
            with a progress bar on stderr when it is a terminal and the grid has 2000 points or more.
            """)

    @OptionGroup var activations: ActivationOptions<TanhActivation>
    @Option(name: .customLong("sigma-w2"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Weight variance sigma_w2 > 0: a number or START:STOP:COUNT, repeatable. (default: 0.5:4:8)", valueName: "W"))
    var sigmaW2: [NumberListArgument] = []
    @Option(name: .customLong("sigma-b2"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Bias variance sigma_b2 >= 0: a number or START:STOP:COUNT, repeatable. (default: 0:0.5:6)", valueName: "B"))
    var sigmaB2: [NumberListArgument] = []
    @Option(parsing: .unconditional, help: "Variance q0 > 0 where the length map starts: q_star is the fixed point reached from it.")
    var q0: Real = Real(1)
    @OptionGroup var output: OutputOptions

    /// The depth scales are infinite at criticality (SPEC §3); q_star is inf where the length map
    /// has no finite fixed point (phase unbounded).
    static let infiniteColumns: Set<String> = ["q_star", "xi_q", "xi_c"]
    /// The iteration runs to q* = 0 or to overflow on purpose; the reported q_star is checked instead.
    static let warnsOutsideValidatedVariances = false

    func grids() throws -> (weights: [Double], biases: [Double]) {
        (try NumberListArgument.values(sigmaW2, default: NumericList.range(0.5, 4, 8), option: "--sigma-w2", requirement: "> 0") { $0 > 0 },
         try NumberListArgument.values(sigmaB2, default: NumericList.range(0, 0.5, 6), option: "--sigma-b2", requirement: ">= 0") { $0 >= 0 })
    }

    func validate() throws {
        let (weights, biases) = try grids()
        guard weights.count * biases.count <= 4_000_000 else {
            throw ValidationError("the grid has \(weights.count * biases.count) points; at most 4000000")
        }
        let activationCount = max(1, activations.activation.count)
        try asUsageError {
            try MemoryBudget.check(rows: MemoryBudget.times(weights.count * biases.count, activationCount), columns: 10,
                                   "phase: \(activationCount) activations × \(weights.count * biases.count) grid points")
        }
        guard q0.value > 0 else { throw ValidationError("--q0 must be > 0 (got \(q0))") }
        try activations.check()
    }

    func makeTable() throws -> Table {
        let activations = try self.activations.activations()
        let (weights, biases) = try grids()
        var table = Table(columns: ["activation", "sigma_w2", "sigma_b2", "q_star", "q_unstable", "chi1", "c_star", "xi_q", "xi_c", "phase"],
                          meta: MeanFieldVersion.meta(subcommand: "phase", [
                              ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("sigma_w2", .text(weights.map(formatNumber).joined(separator: " "))),
                              ("sigma_b2", .text(biases.map(formatNumber).joined(separator: " "))), ("q0", .number(q0.value))]))
        for a in activations {
            let bar = ProgressBar(label: "phase \(a.spec)", total: weights.count * biases.count, minimum: 2000)
            let points: [PhasePoint]
            do {
                defer { bar?.finish() }
                points = try SignalPropagation.phaseDiagram(a, sigmaW2s: weights, sigmaB2s: biases, q0: q0.value, progress: bar?.update)
            } catch {
                throw CommandError.noSolution(error.description)
            }
            let name = Cell.text(a.spec)   // computed once, not per row
            let bounds = AccuracyLedger.validatedVariances
            if let p = points.enumerated().first(where: { $0.element.qStar.isFinite && $0.element.qStar != 0 && !bounds.contains($0.element.qStar) }) {
                warnUnvalidatedVariance("\(a.spec): q_star at (sigma_w2, sigma_b2) = (\(formatNumber(weights[p.offset / biases.count])), "
                                        + "\(formatNumber(biases[p.offset % biases.count])))", p.element.qStar)
            }
            for (index, p) in points.enumerated() {
                func cell(_ x: Double?) -> Cell { x.map { .number($0) } ?? .missing }
                table.append([name, .number(weights[index / biases.count]), .number(biases[index % biases.count]),
                              .number(p.qStar), cell(p.qUnstable), cell(p.chi1), cell(p.cStar), cell(p.xiQ), cell(p.xiC), .text(p.phase.rawValue)])
            }
        }
        return table
    }
}
