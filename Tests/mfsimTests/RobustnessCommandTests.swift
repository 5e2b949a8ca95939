import Foundation
import Testing
@testable import mfsim
import MeanField

/// Issue #13, library robustness through the executable: the library's preconditions stay
/// unreachable (the command line refuses what would trip them, with one `mfsim: error:` line), a
/// run that would overflow at layer 0 keeps no rows instead of trapping, every command that
/// allocates by its input is refused (exit 64) before any work when its estimated memory exceeds
/// 4 GiB, and the accuracy warning names the activation and row of its worst value.
@Suite("Robustness: no trap, bounded memory, named worst values")
struct RobustnessCommandTests {
    static func expectOneErrorLine(_ r: MFSimProcess.Result, code: Int32, containing text: String, _ arguments: [String]) {
        #expect(r.status == code, "\(arguments): \(r.status) \(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("usage:") }
        #expect(lines.count == 1 && lines[0].hasPrefix("mfsim: error: ") && lines[0].contains(text), "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(arguments): \(r.stdout.prefix(200))")
    }

    /// The command-line checks that keep Simulation's, Fluctuations' and NetworkSimulation's
    /// preconditions (width, trials, layers, q0, c0, tau, batch size) unreachable.
    @Test(arguments: [
        (["simulate", "--width", "1"], "--width must be 2 to 5000"),
        (["simulate", "--trials", "1"], "--trials must be 2 to 100000"),
        (["simulate", "--layers", "0"], "--layers must be 1 to 100000"),
        (["simulate", "--fluctuations", "--q0", "0"], "--q0 must be > 0"),
        (["simulate", "--fluctuations", "--c0", "1.5"], "--c0 must be in [-1, 1]"),
        (["simulate", "--model", "snn", "--omega", "3", "--width", "4"], "--tau must be >= omega^2/N"),
        (["ntk", "--every", "0"], "--every must be >= 1"),
        (["ntk", "--network", "dense relu", "--every", "0"], "--every must be >= 1"),
        (["simulate", "--network", ""], "the network is empty"),
    ])
    func preconditionsStayBehindTheCommandLine(arguments: [String], message: String) throws {
        Self.expectOneErrorLine(try MFSimProcess.run(arguments), code: 64, containing: message, arguments)
    }

    @Test func aBatchLargerThanTheWidthIsRefused() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("three.csv")
        try Data("1,2\n3,4\n5,6\n".utf8).write(to: file)
        for arguments in [["simulate", "--width", "2", "--trials", "2", "--layers", "1", "--gram", file.path],
                          ["simulate", "--width", "2", "--trials", "2", "--gram", file.path, "--network", "dense relu"]] {
            Self.expectOneErrorLine(try MFSimProcess.run(arguments), code: 65, containing: "3 inputs need --width >= 3", arguments)
        }
    }

    /// `--q0 1e308` overflows before layer 1: the prediction has no row at all (it trapped on an
    /// empty range before); the table keeps no rows and warns.
    @Test func fluctuationsThatOverflowAtOnceKeepNoRows() throws {
        for extra in [[String](), ["--c0", "0.5"]] {
            let arguments = ["simulate", "--fluctuations", "--q0", "1e308", "--activation", "relu", "--width", "3", "--trials", "2", "--layers", "2"] + extra
            let r = try MFSimProcess.run(arguments)
            #expect(r.status == 0, "\(arguments): \(r.status) \(r.stderr)")
            #expect(r.stdout.split(separator: "\r\n").count == 1, "\(r.stdout)")
            #expect(r.stderr.hasPrefix("mfsim: warning: relu: values overflow at layer 1"), "\(r.stderr)")
        }
    }

    static func repeated(_ option: String, _ value: String, _ count: Int) -> [String] {
        var out: [String] = []
        for _ in 0..<count { out += [option, value] }
        return out
    }

    static let oversized: [[String]] = {
        var lines: [[String]] = []
        lines.append(["simulate", "--width", "100", "--trials", "100000", "--layers", "100000"])
        lines.append(["simulate", "--model", "snn", "--width", "100", "--trials", "100000", "--layers", "10000"])
        lines.append(["simulate", "--fluctuations", "--width", "100", "--trials", "100000", "--layers", "10000"])
        lines.append(["simulate", "--fluctuations", "--c0", "0.5", "--width", "100", "--trials", "100000", "--layers", "10000"])
        lines.append(["simulate", "--network", "dense relu dense relu *100000", "--width", "100", "--trials", "100000"])
        lines.append(["gain"] + repeated("--variance", "0.1:1:1000000", 12))
        lines.append(["slopes", "--activation", "relu", "--mean", "0:1:1000", "--variance", "0.1:1:100000"])
        lines.append(["edge", "--activation", "relu", "--activation", "tanh"] + repeated("--sigma-b2", "0:1:1000000", 4))
        lines.append(["depth-sweep", "--layers", "1000000"] + repeated("--activation", "relu", 20))
        lines.append(["finite-width", "--layers", "100000"] + repeated("--activation", "relu", 60))
        return lines
    }()

    /// Each of these would hold more than 4 GiB; each is refused at once, before any work.
    @Test(arguments: RobustnessCommandTests.oversized)
    func runsAboveTheMemoryLimitAreRefusedBeforeAnyWork(arguments: [String]) throws {
        let start = Date()
        let r = try MFSimProcess.run(arguments)
        #expect(Date().timeIntervalSince(start) < 20, "\(arguments.prefix(6))")
        Self.expectOneErrorLine(r, code: 64, containing: "in memory; the limit is 4 GiB", Array(arguments.prefix(6)))
    }

    @Test func theSimulationEstimateFollowsItsTerms() {
        // Dense width-5000 weights: 8 N² per running trial (200 MB) dominate one layer of two trials.
        let dense = SimulationMemory.bytes(width: 5000, layers: 1, trials: 2, inputs: 2, dense: true, keptPerLayer: 112, tableRows: 4, columns: 10)
        let implicit = SimulationMemory.bytes(width: 5000, layers: 1, trials: 2, inputs: 2, dense: false, keptPerLayer: 112, tableRows: 4, columns: 10)
        #expect(dense - implicit == min(2, SimulationMemory.concurrentTrials) * 8 * 5000 * 5000)
        #expect(SimulationMemory.bytes(width: 5000, layers: 1_000_000, trials: 100_000, inputs: 2, dense: true, keptPerLayer: .max,
                                       tableRows: 1, columns: 1) == .max)
    }

    /// The worst quadrature's activation and variance are recorded, and the report names the row
    /// that holds that variance.
    @Test func theAccuracyWarningNamesTheActivationAndRow() throws {
        let silu = try Activation(spec: "silu")
        let (_, accuracy) = AccuracyLedger.recording {
            for q in [0.5, 2.0] { _ = Gaussian.expectation(of: .secondMoment, silu, variance: q) }
        }
        let subject = try #require(accuracy.worstSubject)
        #expect(subject.activation == "silu" && [0.5, 2.0].contains(subject.variance) && subject.correlation == nil)
        let table = Table(columns: ["activation", "variance", "second_moment"],
                          rows: [[.text("relu"), .number(subject.variance), .number(1)], [.text("silu"), .number(7), .number(1)],
                                 [.text("silu"), .number(subject.variance), .number(1)]])
        let text = AccuracyReport.location(subject, in: table)
        #expect(text.contains("activation silu at variance \(formatNumber(subject.variance))"), "\(text)")
        #expect(text.contains("row 3 (activation=silu, variance=\(formatNumber(subject.variance)))"), "\(text)")
        // A 2D expectation records its correlation.
        let (_, pair) = AccuracyLedger.recording {
            _ = Gaussian.expectation2D(.value, .value, silu, variance1: 1, covariance: 0.3, variance2: 1, strategy: .quadrature)
        }
        #expect(pair.worstSubject?.activation == "silu" && pair.worstSubject?.correlation == 0.3, "\(String(describing: pair.worstSubject))")
    }
}
