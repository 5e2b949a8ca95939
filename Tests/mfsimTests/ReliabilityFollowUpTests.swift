import Foundation
import Testing
@testable import mfsim
import MeanField

/// Issue #13, the follow-up items through the real executable: huge value lists refused before
/// any work (counted from the parsed arguments, ranges made only after the count is checked),
/// finite-width's two-input error estimate in the accuracy ledger like every table's, and the
/// accuracy warning for an unconverged quadrature naming its value, activation and row.
@Suite("Reliability follow-up: early refusals, one accuracy path")
struct ReliabilityFollowUpTests {
    static func repeated(_ option: String, _ value: String, _ count: Int) -> [String] {
        Array(repeating: [option, value], count: count).flatMap { $0 }
    }

    static func meta(_ json: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return try #require(object?["meta"] as? [String: Any])
    }

    static func expectRefusedAtOnce(_ arguments: [String], containing text: String) throws {
        let start = Date()
        let r = try MFSimProcess.run(arguments)
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 15, "\(arguments.prefix(4)): refused after \(seconds) s")
        #expect(r.status == 64, "\(arguments.prefix(4)): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("mfsim: error: ") && r.stderr.contains(text), "\(arguments.prefix(4)): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    // MARK: Huge lists refused before the work

    /// 12 million variances (12 × 12 activations' rows, 50.8 GB): refused by the memory budget at
    /// once (it took 233 s when the repeated-option check printed every value of the parsed lists).
    @Test(arguments: ["rnn-gain", "gain"])
    func twelveMillionVariancesAreRefusedAtOnce(subcommand: String) throws {
        try Self.expectRefusedAtOnce([subcommand] + Self.repeated("--variance", "0.1:1:1000000", 12),
                                     containing: "12 activations × 12000000 variances would hold about 50.8 GB in memory; the limit is 4 GiB")
    }

    /// 2000 ranges of 10⁶ points (2·10⁹ values, 16 GB as doubles alone): counted from the ranges'
    /// COUNTs and refused before a single point is made (it filled the memory while parsing).
    @Test(arguments: [["rnn-gain"], ["gain"], ["slopes", "--activation", "relu"], ["activations"], ["ntk", "--layers", "1"]])
    func billionsOfValuesAreCountedNotMade(prefix: [String]) throws {
        let option = ["ntk": "--c0", "slopes": "--mean", "activations": "--at"][prefix[0]] ?? "--variance"
        let range = option == "--c0" ? "-1:1:1000000" : "0.1:1:1000000"
        try Self.expectRefusedAtOnce(prefix + Self.repeated(option, range, 2000),
                                     containing: "\(option): 2000000000 values would hold about 208.0 GB in memory; the limit is 4 GiB")
    }

    /// Lists whose product is what exceeds the budget: refused from the counts, before any row.
    @Test(arguments: [
        (["phase", "--activation", "tanh", "--sigma-w2", "0.5:4:1000000", "--sigma-b2", "0:1:1000000"], "the grid has 1000000000000 points; at most 4000000"),
        (["edge", "--activation", "tanh"] + ReliabilityFollowUpTests.repeated("--sigma-b2", "0:1:1000000", 30), "in memory; the limit is 4 GiB"),
        (["slopes", "--activation", "tanh", "--mean", "0:1:100000", "--variance", "0.1:1:100000"], "in memory; the limit is 4 GiB"),
        (["ntk", "--activation", "tanh", "--c0", "-1:1:1000000", "--layers", "100000", "--every", "1"], "in memory; the limit is 4 GiB"),
    ])
    func listProductsAreRefusedAtOnce(arguments: [String], text: String) throws {
        try Self.expectRefusedAtOnce(arguments, containing: text)
    }

    /// swift-argument-parser's cost grows with the square of a repeated option's occurrences
    /// (40 000 arguments: two minutes): a command line above 4096 arguments is refused unparsed.
    @Test func overlongCommandLinesAreRefusedUnparsed() throws {
        try Self.expectRefusedAtOnce(["gain"] + Self.repeated("--variance", "1", 20_000),
                                     containing: "40001 command-line arguments; mfsim reads at most 4096")
        // The limit leaves room: 2000 occurrences of a value run.
        let r = try MFSimProcess.run(["gain", "--activation", "relu"] + Self.repeated("--variance", "2", 2000) + ["--columns", "std_gain"])
        #expect(r.status == 0 && csvRows(r.stdout).count == 2000, "\(r.stderr)")
    }

    /// Ranges are kept as their three numbers: the values made from them are the ones the eager
    /// parse made (endpoints exact, interior points start + (stop − start)·i/(count − 1)).
    @Test func rangesGiveTheSameValues() throws {
        let argument = NumberListArgument(argument: "-1:1:5")
        #expect(try NumberListArgument.values([argument, NumberListArgument(argument: "0.3")], default: [], option: "--c0", requirement: "") { _ in true }
                == [-1, -0.5, 0, 0.5, 1, 0.3])
        #expect(NumberListArgument.count([argument, NumberListArgument(argument: "0:1:1000000"), NumberListArgument(argument: "x")]) == 1_000_005)
        let r = try MFSimProcess.run(["gain", "--activation", "relu", "--variance", "0.1:0.3:3", "--columns", "variance"])
        #expect(r.stdout == "variance\r\n0.1\r\n0.2\r\n0.3\r\n", "\(r.stdout)")
    }

    // MARK: finite-width's estimate in the ledger

    /// The two-input sweep's own estimate (each bivariate integral's difference from a once-refined
    /// mesh, relative to its natural scale) is what the ledger records and meta reports as
    /// max_error_estimate, like every table's: no second key, no second warning path.
    @Test func finiteWidthTwoInputEstimateIsTheLedgers() throws {
        let arguments = ["finite-width", "--activation", "tanh", "--c0", "0.6", "--layers", "3", "--sigma-w2", "1.5", "--sigma-b2", "0.1", "--q0", "0.8"]
        let r = try MFSimProcess.run(arguments + ["--format", "json"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let meta = try Self.meta(r.stdout)
        #expect(meta["max_relative_error_estimate"] == nil, "\(meta)")
        let reported = try #require(meta["max_error_estimate"] as? Double)
        let tanh = try Activation(spec: "tanh"), weights = GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1)
        let (sweeps, accuracy) = AccuracyLedger.recording {
            (FiniteWidth.sweep(tanh, q0: 0.8, weights: weights, layers: 3, width: 128),
             FiniteWidth.twoInputSweep(tanh, q0: 0.8, c0: 0.6, weights: weights, layers: 3, width: 128))
        }
        let own = max(sweeps.0.maximumRelativeErrorEstimate, sweeps.1.maximumRelativeErrorEstimate)
        #expect(own > 0 && own < 1e-12)
        #expect(accuracy.largestRelativeError == own, "ledger \(accuracy.largestRelativeError), sweeps \(own)")
        #expect(abs(reported / own - 1) < 1e-12, "meta \(reported), sweeps \(own)")
        #expect(meta["unconverged_quadratures"] as? Int == 0)
        #expect((meta["quadrature_variance_min"] as? Double ?? 0) > 0)
    }

    /// A record with its own reference is measured against it (finite-width's natural scales),
    /// and is out of tolerance above 1e-10 like any other.
    @Test func aRecordedEstimateIsMeasuredAgainstItsReference() throws {
        let (_, accuracy) = AccuracyLedger.recording {
            AccuracyLedger.about("tanh", variance: 0.8, correlation: 0.6) {
                AccuracyLedger.current?.record(Expectation(value: 0.25, errorEstimate: 1e-9, method: .quadrature), reference: 0.5)
            }
        }
        #expect(accuracy.largestRelativeError == 2e-9 && accuracy.isOutOfTolerance && !accuracy.isUntrusted)
    }

    // MARK: The accuracy warning through the executable

    /// tanh at q = 1e-6 (inside the validated range): its one unconverged quadrature was log_slope,
    /// whose integrand log sech² x cancelled to ~1e-16 absolute near 0 (6e-11 relative error, the
    /// panel limit reached honestly). With the cancellation-free log sech² every quadrature converges:
    /// no warning, meta counts none, log_slope is mpmath's. No real command line is left that
    /// reaches the panel limit (docs/ISSUE13_AUDIT.md); an unconverged quadrature is still counted
    /// and flagged (AccuracyLedgerTests.anUnconvergedQuadratureIsCounted,
    /// TinyVarianceTests.aNoisyIntegrandStillSaysItDidNotConverge).
    @Test func anUnconvergedQuadratureWarnsNamingItsRow() throws {
        let r = try MFSimProcess.run(["slopes", "--activation", "tanh", "--variance", "1e-6", "--format", "json"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(try Self.meta(r.stdout)["unconverged_quadratures"] as? Int == 0)
        #expect(r.stdout.contains("\"log_slope\": -9.999995000006667e-07"), "\(r.stdout)")
        let quiet = try MFSimProcess.run(["slopes", "--activation", "tanh", "--variance", "1e-4", "--format", "json"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(try Self.meta(quiet.stdout)["unconverged_quadratures"] as? Int == 0)
    }

    // MARK: Audit gaps (docs/ISSUE13_AUDIT.md)

    /// Defect 8: a table's place taken by a directory fails at once, before the ~45 s of tables,
    /// with the error as the only line (no warning of the work first), and leaves the folder as it was.
    @Test func exportChecksItsFilesBeforeTheWork() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("phase_elu.csv"), withIntermediateDirectories: false)
        let start = Date()
        let r = try MFSimProcess.run(["export", "--dir", dir.path])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == 73 && r.stderr == "mfsim: error: cannot write '\(dir.path)/phase_elu.csv': it is a directory\n", "\(r.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(r.stdout.isEmpty && left == ["phase_elu.csv"], "\(left)")
    }

    /// Defect 3: `slopes --mean 0:1e308:3`: the row at mean 5e307 cannot be printed (E[φ²] = 2.5e615
    /// for linear): refused with one line saying double precision, nothing on stdout.
    @Test func slopesAtAHugeMeanAreRefused() throws {
        let r = try MFSimProcess.run(["slopes", "--mean", "0:1e308:3"])
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("mfsim: error: slopes: ") && lines[0].contains("double precision")
                && lines[0].contains("at row 2 (activation=linear, mean=5e+307"), "\(r.stderr)")
    }

    /// Defect 6 through the executable: seeds s and s + 2³² give different simulations, and one
    /// seed gives the same one twice.
    @Test func seedsDifferAboveThirtyTwoBits() throws {
        let base = ["simulate", "--activation", "tanh", "--width", "8", "--layers", "2", "--trials", "3", "--columns", "q_empirical,c_empirical"]
        let a = try MFSimProcess.run(base + ["--seed", "1"]), again = try MFSimProcess.run(base + ["--seed", "1"])
        let b = try MFSimProcess.run(base + ["--seed", "4294967297"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(a.stdout == again.stdout && a.stdout != b.stdout, "\(a.stdout) \(b.stdout)")
    }

    /// Structure: rnn-gain maps no error itself; a neutral-flow solve without a solution is the
    /// library's SlopeError, turned into one line and exit 65 by ExitStatus like every other.
    @Test func rnnGainWithoutSolutionIsOneErrorLine() throws {
        let r = try MFSimProcess.run(["rnn-gain", "--activation", "elu", "--solve-for", "alpha", "--norm", "10"])
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("mfsim: error: "), "\(r.stderr)")
    }

    /// Consistency: `--columns` selects and orders on every table command (the last and the first
    /// column here), the selected cells equal to the full table's.
    @Test(arguments: [["activations", "--activation", "elu"], ["fixedpoint"], ["depth-sweep", "--layers", "2"], ["phase", "--sigma-w2", "1", "--sigma-b2", "0.1"],
                      ["edge", "--sigma-b2", "0.1", "--activation", "tanh"], ["slopes"], ["rnn-gain"], ["gain"], ["ntk", "--layers", "1", "--c0", "0.5"],
                      ["simulate", "--width", "4", "--layers", "1", "--trials", "2"], ["finite-width", "--layers", "1"],
                      ["shape", "--activation", "tanh", "--depth", "2"]])
    func everyTableCommandSelectsColumns(arguments: [String]) throws {
        let full = try MFSimProcess.run(arguments)
        #expect(full.status == 0, "\(arguments): \(full.stderr)")
        let records = csvRecords(full.stdout)
        let header = try #require(records.first)
        let picked = [header[header.count - 1], header[0]]
        let r = try MFSimProcess.run(arguments + ["--columns", picked.joined(separator: ",")])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        let selected = csvRecords(r.stdout)
        #expect(selected.first == picked && selected.count == records.count, "\(arguments): \(selected.prefix(2))")
        for (row, original) in zip(selected.dropFirst(), records.dropFirst()) {
            #expect(row == [original[original.count - 1], original[0]], "\(arguments): \(row) vs \(original)")
        }
    }

    /// Consistency: `make test` and `make build`/`export`/`figures` share one configuration
    /// (switching never rebuilds everything): figures needs export, export needs build, and build
    /// and test both use TEST_FLAGS.
    @Test func makeTestAndMakeFiguresShareOneBuild() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let makefile = try String(contentsOf: root.appendingPathComponent("Makefile"), encoding: .utf8)
        func recipe(_ target: String) -> [Substring] {
            let lines = makefile.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.hasPrefix("\(target):") }) else { return [] }
            return [lines[start]] + lines[(start + 1)...].prefix { $0.hasPrefix("\t") }
        }
        #expect(recipe("figures").first?.contains("export") == true && recipe("export").first?.contains("build") == true)
        #expect(recipe("build").contains { $0.contains("$(SWIFT) build $(TEST_FLAGS)") }, "\(recipe("build"))")
        #expect(recipe("test").contains { $0.contains("$(SWIFT) build --build-tests $(TEST_FLAGS)") })
        #expect(makefile.contains("TEST_FLAGS := -c release -Xswiftc -enable-testing"))
    }

    /// Consistency: the README links nothing outside the repository but the papers it cites, and
    /// every link inside it resolves.
    @Test func readmeLinksStayInTheRepository() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var targets: [String] = []
        var rest = readme[...]
        while let open = rest.range(of: "](") {
            let tail = rest[open.upperBound...]
            guard let close = tail.firstIndex(of: ")") else { break }
            targets.append(String(tail[..<close]))
            rest = tail[close...]
        }
        #expect(!targets.isEmpty)
        for target in targets {
            if target.hasPrefix("http") {
                #expect(target.hasPrefix("https://arxiv.org/abs/") || target.hasPrefix("https://openreview.net/forum?id="), "\(target)")
            } else {
                #expect(!target.hasPrefix("/") && !target.contains(".."), "\(target)")
                #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(String(target.prefix { $0 != "#" })).path), "\(target)")
            }
        }
    }
}
