import Foundation
import Testing

/// Runs the real `mfsim` executable, built beside the test bundle.
struct MFSimProcess {
    static let executable: URL = {
        // The test runner (…/mfsimPackageTests.xctest) and `mfsim` are built into the same folder.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("mfsim").path) {
            folder = Bundle.main.bundleURL
        }
        return folder.appendingPathComponent("mfsim")
    }()

    struct Result { let status: Int32, stdout: String, stderr: String }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        return try collect(process)
    }

    /// Runs `process` with stdout and stderr sent to temporary files (not pipes: reading one pipe
    /// to its end first deadlocks once the child fills the other's 64 KiB buffer), then reads both.
    static func collect(_ process: Process) throws -> Result {
        let folder = FileManager.default.temporaryDirectory
        let outURL = folder.appendingPathComponent("mfsim-out-\(UUID().uuidString)")
        let errURL = folder.appendingPathComponent("mfsim-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = (try? Data(contentsOf: outURL)) ?? Data()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mfsim-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
func csvRecords(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = ""
    var inQuotes = false
    var characters = Array(text)[...]
    while let ch = characters.popFirst() {
        if inQuotes {
            if ch == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { inQuotes = false }
            } else { field.append(ch) }
        } else if ch == "\"" {
            inQuotes = true
        } else if ch == "," {
            record.append(field); field = ""
        } else if ch == "\r\n" || ch == "\n" {
            record.append(field); records.append(record); record = []; field = ""
        } else { field.append(ch) }
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}

/// CSV rows as dictionaries keyed by the header.
func csvRows(_ text: String) -> [[String: String]] {
    let records = csvRecords(text)
    return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(records[0], $0)) }
}

@Suite("mfsim command line")
struct CommandLineTests {
    @Test func rootHelpListsSubcommands() throws {
        let r = try MFSimProcess.run(["--help"])
        #expect(r.status == 0)
        for sub in ["activations", "fixedpoint", "depth-sweep", "phase", "edge", "slopes", "rnn-gain", "gain", "ntk", "simulate"] { #expect(r.stdout.contains(sub)) }
    }

    @Test(arguments: ["activations", "fixedpoint", "depth-sweep", "phase", "edge", "slopes", "rnn-gain", "gain", "ntk", "simulate"])
    func subcommandHelpExplainsEveryOption(sub: String) throws {
        let r = try MFSimProcess.run([sub, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--format") && r.stdout.contains("--output"))
    }

    @Test func activationsListsTheCatalogue() throws {
        let r = try MFSimProcess.run(["activations"])
        #expect(r.status == 0)
        let records = csvRecords(r.stdout)
        #expect(records.count == 25 && records.allSatisfy { $0.count == 7 })   // 24 families + header
        #expect(records[0] == ["name", "spec", "parameters", "formula", "kinks", "smoothness", "closed_form_moments"])
        #expect(r.stdout.contains("elu,elu:alpha=1,"))
        let crook = try MFSimProcess.run(["activations", "--activation", "elu:alpha=2", "--activation", "elu:alpha=1"])
        #expect(crook.stdout.contains("0 (C0),C0") && crook.stdout.contains("0 (C1),C1"))
    }

    @Test func fixedPointDefaultsAreLambda01Alpha01() throws {
        let r = try MFSimProcess.run(["fixedpoint"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("target_mean,target_variance,omega,tau,lambda,alpha,residual,j11,j12,j21,j22,eig1_re,eig1_im,eig2_re,eig2_im,spectral_norm,stable\r\n"))
        let row = csvRows(r.stdout)[0]
        #expect(abs(Double(row["lambda"]!)! / 1.0507009873554804934193349852946 - 1) < 1e-13)
        #expect(abs(Double(row["alpha"]!)! / 1.6732632423543772848170429916717 - 1) < 1e-13)
        #expect(row["stable"] == "true")
    }

    /// Negative values with a space and with `=` (swift-argument-parser needs `.unconditional`).
    @Test func negativeValuesParse() throws {
        let spaced = try MFSimProcess.run(["fixedpoint", "--mean", "-0.1", "--variance", "2", "--omega", "1"])
        let equals = try MFSimProcess.run(["fixedpoint", "--mean=-0.1", "--variance=2", "--omega=1"])
        #expect(spaced.status == 0 && equals.status == 0 && spaced.stdout == equals.stdout)
        let row = csvRows(spaced.stdout)[0]
        #expect(abs(Double(row["alpha"]!)! / 1.9769021954242014 - 1) < 1e-13)
        let sweep = try MFSimProcess.run(["depth-sweep", "--mu0", "-0.1", "--layers", "2", "--activation", "selu", "--omega", "-0.05"])
        #expect(sweep.status == 0)
        #expect(csvRows(sweep.stdout)[0]["mean"] == "-0.1")
    }

    @Test func keepProbAddsAlphaDropoutColumns() throws {
        let r = try MFSimProcess.run(["fixedpoint", "--keep-prob", "0.9"])
        #expect(r.status == 0)
        let row = csvRows(r.stdout)[0]
        #expect(row["keep_prob"] == "0.9" && row["alpha_prime"] != nil && row["dropout_a"] != nil && row["dropout_b"] != nil)
    }

    @Test func domainCheck() throws {
        let r = try MFSimProcess.run(["fixedpoint", "--domain", "--grid", "5", "--format", "json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let row = (json["rows"] as! [[String: Any]])[0]
        #expect((row["max_spectral_norm"] as! Double) < 1)
        let meta = json["meta"] as! [String: Any]
        #expect(meta["box_tau"] as? String == "0.95:1.1" && meta["grid"] as? Int == 5)
    }

    /// The default sweep: elu, selu, relu through 200 layers from (0, 1); selu holds (0, 1).
    @Test func depthSweepDefault() throws {
        let r = try MFSimProcess.run(["depth-sweep", "--layers", "200"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let rows = csvRows(r.stdout)
        #expect(rows.count == 3 * 201)
        #expect(Set(rows.map { $0["activation"]! }) == ["elu:alpha=1", "relu", "selu:lambda=1.0507009873554805,alpha=1.6732632423543772"])
        for row in rows where row["activation"]!.hasPrefix("selu") {
            #expect(abs(Double(row["mean"]!)!) <= 1e-14 && abs(Double(row["variance"]!)! - 1) <= 1e-14)
        }
        let lastRelu = rows.last { $0["activation"] == "relu" }!
        #expect(lastRelu["layer"] == "200" && Double(lastRelu["variance"]!)! < 1e-80)
    }

    @Test func formatsAgree() throws {
        let csv = try MFSimProcess.run(["depth-sweep", "--layers", "3", "--activation", "elu"])
        let json = try MFSimProcess.run(["depth-sweep", "--layers", "3", "--activation", "elu", "--format", "json"])
        let table = try MFSimProcess.run(["depth-sweep", "--layers", "3", "--activation", "elu", "--format", "table"])
        #expect(csv.status == 0 && json.status == 0 && table.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let jsonRows = object["rows"] as! [[String: Any]]
        let csvParsed = csvRows(csv.stdout)
        #expect(jsonRows.count == csvParsed.count)
        // The same shortest round-trip token in both (compared as text: Foundation's JSON parser on
        // Linux is not correctly rounded).
        for c in csvParsed {
            #expect(json.stdout.contains("\"layer\": \(c["layer"]!), \"mean\": \(c["mean"]!), \"variance\": \(c["variance"]!)}"))
        }
        let meta = object["meta"] as! [String: Any]
        #expect(meta["subcommand"] as? String == "depth-sweep" && meta["layers"] as? Int == 3 && meta["mfsim_version"] != nil)
        #expect(table.stdout.split(separator: "\n").count == 5)
    }

    @Test func outputFileIsWrittenAtomically() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("fp.csv")
        let r = try MFSimProcess.run(["fixedpoint", "-o", file.path])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let stdout = try MFSimProcess.run(["fixedpoint"]).stdout
        #expect(try String(contentsOf: file, encoding: .utf8) == stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["fp.csv"], "no temporary file left")
    }

    /// SPEC §4: one `mfsim: error:` line naming the value, the exit code, no stack trace, no
    /// partial file, and an existing output file left untouched.
    @Test(arguments: [
        (["activations", "--activation", "foo"], "foo", Int32(64)),
        (["depth-sweep", "--activation", "elu:alpha=-1"], "-1", 64),
        (["depth-sweep", "--activation", "elu:beta=2"], "beta", 64),
        (["depth-sweep", "--activation", "elu:alpha=nan"], "nan", 64),
        (["depth-sweep", "--layers", "0"], "0", 64),
        (["depth-sweep", "--layers", "abc"], "abc", 64),
        (["depth-sweep", "--nu0", "-1"], "-1", 64),
        (["depth-sweep", "--mu0", "inf"], "inf", 64),
        (["fixedpoint", "--variance", "-1"], "-1", 64),
        (["fixedpoint", "--mean", "nan"], "nan", 64),
        (["fixedpoint", "--keep-prob", "1.5"], "1.5", 64),
        (["fixedpoint", "--domain", "--box-tau", "1.1:0.9"], "1.1:0.9", 64),
        (["fixedpoint", "--mean", "5", "--variance", "0.1"], "mean 5", 65),
        (["fixedpoint", "--bogus"], "--bogus", 64),
        (["depth-sweep", "--model", "gaussian", "--c0", "1.5"], "1.5", 64),
        (["depth-sweep", "--model", "gaussian", "--c0", "-2"], "-2", 64),
        (["depth-sweep", "--model", "gaussian", "--q0", "-1"], "-1", 64),
        (["depth-sweep", "--model", "gaussian", "--sigma-w2", "0"], "0", 64),
        (["depth-sweep", "--model", "gaussian", "--mu0", "1"], "--mu0", 64),
        (["depth-sweep", "--c0", "0.5"], "--c0", 64),
        (["depth-sweep", "--model", "bogus"], "bogus", 64),
        (["phase", "--sigma-w2", "0:2:5"], "0", 64),
        (["phase", "--sigma-b2", "-0.1"], "-0.1", 64),
        (["phase", "--sigma-w2", "1:0:3"], "1:0:3", 64),
        (["edge", "--sigma-b2", "nan"], "nan", 64),
        (["slopes", "--variance", "0"], "0", 64),
        (["slopes", "--variance", "-1"], "-1", 64),
        (["slopes", "--variance", "1:0:5"], "1:0:5", 64),
        (["slopes", "--variance", "a:b:c"], "a:b:c", 64),
        (["slopes", "--variance", "0:1:0"], "0:1:0", 64),
        (["slopes", "--variance", "0.1:1"], "0.1:1", 64),
        (["slopes", "--mean", "nan"], "nan", 64),
        (["gain", "--variance", "inf"], "inf", 64),
        (["gain", "--activation", "tanh:alpha=1"], "alpha", 64),
        (["rnn-gain", "--norm", "-1"], "-1", 64),
        (["gain", "--sigma-b2", "-1"], "-1", 64),
        (["rnn-gain", "--activation", "relu", "--solve-for", "alpha"], "alpha", 64),
        (["rnn-gain", "--activation", "celu", "--norm", "3", "--solve-for", "alpha"], "alpha", 65),
        (["ntk", "--c0", "1.5"], "1.5", 64),
        (["depth-sweep", "--layers", "99999999999"], "99999999999", 64),
        (["ntk", "--layers", "2000000"], "2000000", 64),
        (["ntk", "--c0", "-1:1:0"], "-1:1:0", 64),
        (["ntk", "--q0", "0"], "0", 64),
        (["ntk", "--sigma-w2", "-2"], "-2", 64),
        (["ntk", "--sigma-b2", "nan"], "nan", 64),
        (["ntk", "--layers", "0"], "0", 64),
        (["ntk", "--every", "0"], "0", 64),
        (["ntk", "--activation", "elu:alpha=0"], "0", 64),
        (["ntk", "--gram", "/nonexistent/inputs.csv"], "/nonexistent/inputs.csv", 66),
        (["ntk", "--gram", "x.csv", "--c0", "0.5"], "--c0", 64),
        (["ntk", "--gram-input", "matrix"], "matrix", 64),
        (["simulate", "--width", "1"], "1", 64),
        (["simulate", "--width", "100000"], "100000", 64),
        (["simulate", "--trials", "1"], "1", 64),
        (["simulate", "--seed", "-3"], "-3", 64),
        (["simulate", "--c0", "2"], "2", 64),
        (["simulate", "--model", "snn", "--c0", "0.5"], "--c0", 64),
        (["simulate", "--model", "snn", "--weights", "implicit"], "implicit", 64),
        (["simulate", "--model", "snn", "--omega", "10", "--width", "10"], "--tau", 64),
        (["simulate", "--weights", "sparse"], "sparse", 64),
        (["simulate", "--inputs", "x.csv", "--q0", "2"], "--q0", 64),
        (["simulate", "--model", "snn", "--inputs", "x.csv"], "--gram", 64),
        (["simulate", "--inputs", "/nonexistent/x.csv"], "/nonexistent/x.csv", 66),
    ])
    func badInputIsOneCleanErrorLine(arguments: [String], named: String, code: Int32) throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("old.csv")
        try "old contents\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try MFSimProcess.run(arguments + ["--output", file.path])
        #expect(r.status == code, "\(arguments): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("mfsim: error: ") == true, "\(r.stderr)")
        #expect(lines.first?.contains(named) == true, "\(r.stderr) should name \(named)")
        #expect(!r.stderr.contains("Error:") && !r.stderr.contains("Fatal") && lines.count <= 2)
        #expect(r.stdout.isEmpty)
        #expect(try String(contentsOf: file, encoding: .utf8) == "old contents\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["old.csv"])
    }

    /// Gains for the whole catalogue by default: relu k = 2, elu k = 1.5505188080679272 (1 ulp).
    @Test func gainCatalogue() throws {
        let r = try MFSimProcess.run(["gain"])
        #expect(r.status == 0)
        let rows = csvRows(r.stdout)
        #expect(rows.count == 12)
        #expect(rows.first { $0["activation"] == "relu" }?["weight_variance_factor"] == "2.0")
        let elu = Double(rows.first { $0["activation"] == "elu:alpha=1" }!["weight_variance_factor"]!)!
        #expect(abs(elu / 1.550518808067927210923345 - 1) < 4e-16)
    }

    /// gain --sigma-b2: the edge-of-chaos σw² beside the gains (tanh at σb² = 0.04: 1.3041458²).
    @Test func gainWithCriticalSigmaW2() throws {
        let r = try MFSimProcess.run(["gain", "--activation", "tanh", "--activation", "relu", "--sigma-b2", "0.04"])
        #expect(r.status == 0 && r.stderr.hasPrefix("mfsim: warning: relu has no edge of chaos"))
        let rows = csvRows(r.stdout)
        #expect(abs(Double(rows[0]["critical_sigma_w2"]!)!.squareRoot() - 1.3041458) < 5e-8)
        #expect(rows[1]["critical_sigma_w2"] == "")
        let relu0 = try MFSimProcess.run(["gain", "--activation", "relu", "--sigma-b2", "0"])
        #expect(csvRows(relu0.stdout)[0]["critical_sigma_w2"] == "2.0")
    }

    @Test func slopesOverARangeWithNegativeMean() throws {
        let r = try MFSimProcess.run(["slopes", "--activation", "relu", "--activation", "elu", "--mean", "-0.5", "--variance", "0.5:2:4"])
        #expect(r.status == 0)
        let rows = csvRows(r.stdout)
        #expect(rows.count == 8)
        #expect(rows.map { $0["variance"]! }.prefix(4) == ["0.5", "1.0", "1.5", "2.0"])
        let relu = rows[0]
        #expect(relu["log_slope"] == "" && Double(relu["dead_fraction"]!)! > 0.5)
        #expect(rows[4]["dead_fraction"] == "0.0" && Double(rows[4]["log_slope"]!) != nil)
        let json = try MFSimProcess.run(["slopes", "--activation", "relu", "--format", "json"])
        #expect(json.stdout.contains("\"dead_fraction\": 0.5, \"log_slope\": null}"))
    }

    @Test func neutralLeakFromTheCommandLine() throws {
        let r = try MFSimProcess.run(["rnn-gain", "--activation", "leaky_relu", "--norm", "1.5", "--solve-for", "slope"])
        #expect(r.status == 0)
        let row = csvRows(r.stdout)[0]
        #expect(row["solved_value"] == "0.3333333333333333" && row["gain"] == "1.0")
        #expect(row["activation"] == "leaky_relu:slope=0.3333333333333333")
        let plain = try MFSimProcess.run(["rnn-gain", "--activation", "relu", "--norm", "2", "--variance", "3"])
        #expect(csvRows(plain.stdout)[0]["gain"] == "1.0" && csvRows(plain.stdout)[0]["solved_param"] == nil)
    }

    /// The critical-initialization sweep: σw² = k per activation, σb² = 0, (q0, c0) = (1, 0.5).
    @Test func gaussianSweepDefaults() throws {
        let r = try MFSimProcess.run(["depth-sweep", "--model", "gaussian", "--layers", "200"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let rows = csvRows(r.stdout)
        #expect(rows.count == 3 * 201)
        #expect(csvRecords(r.stdout)[0] == ["activation", "layer", "q", "q12", "c", "act_mean", "act_var", "chi1", "chi_c"])
        for row in rows { #expect(abs(Double(row["q"]!)! - 1) < 1e-14) }   // k preserves q0 = 1
        let relu = rows.filter { $0["activation"] == "relu" }
        #expect(relu.allSatisfy { $0["q"] == "1.0" && $0["chi1"] == "1.0" })
        #expect(relu.first?["c"] == "0.5" && Double(relu.last!["c"]!)! > 0.99)
    }

    @Test func edgeAndPhase() throws {
        let edge = try MFSimProcess.run(["edge", "--sigma-b2", "0.04"])
        #expect(edge.status == 0)
        let e = csvRows(edge.stdout)[0]
        #expect(e["activation"] == "tanh" && abs(Double(e["sigma_w2"]!)!.squareRoot() - 1.3041458) < 5e-8)
        let relu = try MFSimProcess.run(["edge", "--activation", "relu", "--sigma-b2", "0", "--sigma-b2", "0.1"])
        #expect(relu.status == 0 && relu.stderr.hasPrefix("mfsim: warning: relu has no edge of chaos at sigma_b2 = 0.1"))
        #expect(csvRows(relu.stdout).map { $0["sigma_w2"]! } == ["2.0", ""] && csvRows(relu.stdout)[0]["q_star"] == "")
        // relu at (2, 0) is critical: depth scales are inf in CSV and null in JSON, not huge numbers.
        let phase = try MFSimProcess.run(["phase", "--activation", "relu", "--sigma-w2", "2", "--sigma-b2", "0", "--format", "json"])
        #expect(phase.status == 0)
        #expect(phase.stdout.contains("\"xi_c\": null, \"phase\": \"critical\""))
        let csv = try MFSimProcess.run(["phase", "--activation", "relu", "--activation", "tanh", "--sigma-w2", "2", "--sigma-w2", "3",
                                        "--sigma-b2", "0:0.2:2"])
        let rows = csvRows(csv.stdout)
        #expect(rows.count == 8 && rows[0]["xi_c"] == "inf" && rows[0]["phase"] == "critical")
        #expect(rows[2]["phase"] == "unbounded" && rows[2]["q_star"] == "inf" && rows[2]["chi1"] == "")
        #expect(rows[6]["activation"] == "tanh" && rows[6]["sigma_w2"] == "3.0" && rows[6]["phase"] == "chaotic")
    }

    @Test func unknownSubcommand() throws {
        let r = try MFSimProcess.run(["nosuchcommand"])
        #expect(r.status == 64 && r.stderr.hasPrefix("mfsim: error: ") && r.stderr.contains("nosuchcommand"))
    }

    @Test func unwritableOutputIsAnError() throws {
        let r = try MFSimProcess.run(["fixedpoint", "-o", "/nonexistent-dir/x.csv"])
        #expect(r.status == 73)
        #expect(r.stderr.hasPrefix("mfsim: error: cannot write '/nonexistent-dir/x.csv'"))
    }

    @Test func overflowingSweepKeepsRowsAndWarns() throws {
        let r = try MFSimProcess.run(["depth-sweep", "--activation", "linear", "--tau", "10", "--layers", "400"])
        #expect(r.status == 0)
        #expect(r.stderr == "mfsim: warning: linear: values overflow at layer 309; rows up to layer 308 are kept\n")
        #expect(csvRows(r.stdout).count == 309)
    }

    // MARK: ntk

    /// The kernels of `ntk` against the library's hand-checked relu layer (σw² = 2, q0 = 1,
    /// c0 = 1/2: Σ¹₁₂ = √3/(2π) + 1/3, Θ¹₁₂ = √3/(2π) + 2/3), negative c0 with a space, `--every`.
    @Test func ntkTwoInputs() throws {
        let r = try MFSimProcess.run(["ntk", "--activation", "relu", "--sigma-w2", "2", "--c0", "-0.5", "--c0", "0.5", "--layers", "4", "--every", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = csvRows(r.stdout)
        #expect(csvRecords(r.stdout)[0] == ["activation", "sigma_w2", "sigma_b2", "layer", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"])
        #expect(rows.map { $0["layer"]! } == ["3", "3", "4", "4"] && rows.map { $0["c0"]! } == ["-0.5", "0.5", "-0.5", "0.5"])
        let one = try MFSimProcess.run(["ntk", "--activation", "relu", "--sigma-w2", "2", "--c0", "0.5", "--layers", "1"])
        let row = csvRows(one.stdout)[0]
        #expect(abs(Double(row["nngp_12"]!)! - (3.0.squareRoot() / (2 * Double.pi) + 1.0 / 3)) < 1e-15)
        #expect(abs(Double(row["ntk_12"]!)! - (3.0.squareRoot() / (2 * Double.pi) + 2.0 / 3)) < 1e-15)
        #expect(row["nngp_11"] == "1.0" && row["ntk_11"] == "2.0")
    }

    /// The issue's workload: elu, 201 correlations, 200 layers, every row finite, c0 = 1 stays
    /// identical to the diagonal.
    @Test func ntkIssueWorkload() throws {
        let r = try MFSimProcess.run(["ntk", "--activation", "elu", "--c0", "-1:1:201", "--layers", "200"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let rows = csvRows(r.stdout)
        #expect(rows.count == 201 * 200)
        for row in rows where row["c0"] == "1.0" { #expect(row["nngp_12"] == row["nngp_11"] && row["ntk_12"] == row["ntk_11"]) }
    }

    /// `--gram`: vectors and kernel input give the same matrices; header rows are skipped;
    /// the output holds every entry i <= j of the last layer (as `simulate --gram` prints it).
    @Test func ntkGram() throws {
        let dir = try temporaryDirectory()
        let vectors = dir.appendingPathComponent("x.csv"), kernel = dir.appendingPathComponent("k.csv")
        let x: [[Double]] = [[1, 0.5], [-0.3, 1.2], [0.8, -0.9]]
        try ("x1,x2\r\n" + x.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n")
            .write(to: vectors, atomically: true, encoding: .utf8)
        let k = x.map { a in x.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / 2 } }
        try k.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n").write(to: kernel, atomically: true, encoding: .utf8)
        let fromVectors = try MFSimProcess.run(["ntk", "--activation", "tanh", "--gram", vectors.path, "--layers", "5"])
        let fromKernel = try MFSimProcess.run(["ntk", "--activation", "tanh", "--gram", kernel.path, "--gram-input", "kernel", "--layers", "5"])
        #expect(fromVectors.status == 0 && fromKernel.status == 0, "\(fromVectors.stderr) \(fromKernel.stderr)")
        let a = csvRows(fromVectors.stdout), b = csvRows(fromKernel.stdout)
        #expect(a.count == 6 && a.allSatisfy { $0["layer"] == "5" })   // the triangle i <= j
        for (ra, rb) in zip(a, b) {
            #expect(abs(Double(ra["ntk"]!)! - Double(rb["ntk"]!)!) <= 1e-14 * abs(Double(rb["ntk"]!)!) + 1e-15)
        }
        #expect(a.map { "\($0["i"]!),\($0["j"]!)" } == ["0,0", "0,1", "0,2", "1,1", "1,2", "2,2"])
    }

    @Test(arguments: [
        ("1,2\n3\n", "expected 2"),
        ("1,2\n1,abc\n", "'abc' is not a finite number"),
        ("a,b\n", "no rows of numbers"),
        ("0,0\n1,1\n", "zero vector"),
    ])
    func ntkGramBadFiles(contents: String, named: String) throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("bad.csv")
        try contents.write(to: file, atomically: true, encoding: .utf8)
        let r = try MFSimProcess.run(["ntk", "--gram", file.path, "--layers", "2"])
        #expect(r.status == 65 && r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("mfsim: error: --gram: ") && r.stderr.contains(named), "\(r.stderr)")
    }

    @Test func ntkGramKernelMustBeAKernel() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("k.csv")
        try "1,0.5\n0.4,1\n".write(to: file, atomically: true, encoding: .utf8)
        let asymmetric = try MFSimProcess.run(["ntk", "--gram", file.path, "--gram-input", "kernel"])
        #expect(asymmetric.status == 65 && asymmetric.stderr.contains("not symmetric"))
        try "1,2\n2,1\n".write(to: file, atomically: true, encoding: .utf8)
        let overCorrelated = try MFSimProcess.run(["ntk", "--gram", file.path, "--gram-input", "kernel"])
        #expect(overCorrelated.status == 65 && overCorrelated.stderr.contains("correlation outside"))
    }

    /// Issue #6's exploding regime: relu with σw² = 3 over 5000 layers in the gaussian sweep
    /// (q grows by 3/2 per layer and overflows after layer 1750).
    @Test func explodingGaussianSweepKeepsRowsAndWarns() throws {
        let r = try MFSimProcess.run(["depth-sweep", "--model", "gaussian", "--activation", "relu", "--sigma-w2", "3", "--layers", "5000"])
        #expect(r.status == 0)
        #expect(r.stderr == "mfsim: warning: relu: values overflow at layer 1751; rows up to layer 1750 are kept\n")
        let rows = csvRows(r.stdout)
        #expect(rows.count == 1751 && rows.last?["layer"] == "1750" && rows.allSatisfy { Double($0["q"]!)!.isFinite })
    }

    /// SPEC §4's exploding regime for ntk: relu, σw² = 3, 5000 layers.
    @Test func ntkOverflowKeepsRowsAndWarns() throws {
        let r = try MFSimProcess.run(["ntk", "--activation", "relu", "--sigma-w2", "3", "--c0", "0.5", "--layers", "5000"])
        #expect(r.status == 0)
        let warning = try #require(r.stderr.split(separator: "\n").first)
        #expect(warning.hasPrefix("mfsim: warning: relu: values overflow at layer "))
        let bad = Int(warning.split(separator: " ")[7].dropLast())!
        #expect(csvRows(r.stdout).count == bad - 1)
    }

    // MARK: simulate

    /// The same seed gives byte-identical output through the executable; the columns are SPEC's.
    @Test func simulateIsReproducible() throws {
        let arguments = ["simulate", "--activation", "tanh", "--width", "300", "--layers", "4", "--trials", "4", "--seed", "99"]
        let first = try MFSimProcess.run(arguments), second = try MFSimProcess.run(arguments)
        #expect(first.status == 0 && first.stdout == second.stdout && !first.stdout.isEmpty)
        #expect(csvRecords(first.stdout)[0] == ["activation", "layer", "q_predicted", "q_empirical", "q_se", "q_deviation",
                                                "c_predicted", "c_empirical", "c_se", "c_deviation"])
        #expect(csvRows(first.stdout).map { $0["layer"]! } == ["1", "2", "3", "4"])
        let other = try MFSimProcess.run(["simulate", "--activation", "tanh", "--width", "300", "--layers", "4", "--trials", "4", "--seed", "100"])
        #expect(other.stdout != first.stdout)
        let dir = try temporaryDirectory()
        let inputs = dir.appendingPathComponent("x.csv")
        try "1,0.5\n-0.3,1.2\n0.8,-0.9\n".write(to: inputs, atomically: true, encoding: .utf8)
        let batch = try MFSimProcess.run(["simulate", "--activation", "relu", "--inputs", inputs.path, "--width", "100", "--layers", "2", "--trials", "3"])
        #expect(batch.status == 0 && csvRecords(batch.stdout)[0] == ["activation", "layer", "i", "j", "nngp_predicted", "nngp_empirical", "nngp_se", "nngp_deviation"])
        #expect(csvRows(batch.stdout).count == 2 * 6)
        let tooNarrow = try MFSimProcess.run(["simulate", "--inputs", inputs.path, "--width", "2"])
        #expect(tooNarrow.status == 65 && tooNarrow.stderr.contains("--width >= 3"))
        let snn = try MFSimProcess.run(["simulate", "--model", "snn", "--activation", "selu", "--width", "200", "--layers", "3", "--trials", "3", "--format", "json"])
        #expect(snn.status == 0 && snn.stdout.contains("\"variance_empirical\": ") && snn.stdout.contains("\"omega\": 0.0"))
    }

    // MARK: export

    /// The committed tables in notebooks-output/ are what `mfsim export` writes now. The manifest
    /// (file names, command lines, row counts, version) must match byte for byte; in the CSV files
    /// every text cell must match and every number must agree to 1e-9 relative (1e-12 absolute),
    /// so that the last-bit differences another CPU's libm may give (glibc picks FMA or non-FMA
    /// kernels at run time) do not count as stale, but any change of a parameter, a column, a row
    /// or an algorithm's result does. Regenerate with `make export`.
    @Test func committedTablesAreNotStale() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = repository.appendingPathComponent("notebooks-output")
        let dir = try temporaryDirectory()
        let r = try MFSimProcess.run(["export", "--dir", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest == (try String(contentsOf: committed.appendingPathComponent("manifest.json"), encoding: .utf8)),
                "notebooks-output/manifest.json is stale: run make export")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".csv") }.sorted()
        // Every committed table is exported, and nothing else (the same file names).
        let committedFiles = try FileManager.default.contentsOfDirectory(atPath: committed.path).filter { $0.hasSuffix(".csv") }.sorted()
        #expect(files == committedFiles && files.count >= 10, "exported \(files) vs committed \(committedFiles)")
        for file in files {
            let fresh = csvRecords(try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8))
            let old = csvRecords(try String(contentsOf: committed.appendingPathComponent(file), encoding: .utf8))
            #expect(fresh.count == old.count && fresh.first == old.first, "notebooks-output/\(file) is stale (shape): run make export")
            var mismatches = 0
            for (a, b) in zip(fresh, old) where a != b {
                guard a.count == b.count else { mismatches += 1; continue }
                for (x, y) in zip(a, b) where x != y {
                    if let u = Double(x), let v = Double(y), abs(u - v) <= 1e-9 * max(abs(u), abs(v)) || abs(u - v) <= 1e-12 { continue }
                    mismatches += 1
                }
            }
            #expect(mismatches == 0, "notebooks-output/\(file) is stale (\(mismatches) cells): run make export")
        }
    }

    /// Two exports write the same bytes. The second runs on a terminal (a pseudo-terminal from
    /// util-linux `script`, as in ProgressTests.barOnATerminal), so the same run also shows that the
    /// bar is drawn on stderr, reaches every table and is erased, and that it changes no byte.
    @Test func exportIsDeterministic() throws {
        let first = try temporaryDirectory(), second = try temporaryDirectory()
        #expect(try MFSimProcess.run(["export", "--dir", first.path]).status == 0)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            let command = [MFSimProcess.executable.path, "export", "--dir", second.path].map { "'\($0)'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            let r = try MFSimProcess.collect(process)
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            // The tables in export's order, from the first run's manifest.
            let manifest = try String(contentsOf: first.appendingPathComponent("manifest.json"), encoding: .utf8)
            let tables = manifest.components(separatedBy: "{\"file\": \"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
            let count = tables.count
            #expect(count >= 10)
            for line in ["export [..............................] 0% (0/\(count)) \(tables.first ?? "")",
                         "% (\(count - 1)/\(count)) \(tables.last ?? "")"] {
                #expect(r.stdout.contains(line), "\(line): \(r.stdout.debugDescription)")
            }
            // Erased before the report of the written files (which goes to stdout, also the terminal here).
            #expect(r.stdout.contains("\r\u{1B}[Kwrote \(second.path)/fixedpoint.csv"), "\(r.stdout.debugDescription)")
        } else {
            #expect(try MFSimProcess.run(["export", "--dir", second.path]).status == 0)
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: first.path) {
            #expect(FileManager.default.contents(atPath: first.appendingPathComponent(file).path)
                    == FileManager.default.contents(atPath: second.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func exportIntoAnUncreatableFolderFails() throws {
        let r = try MFSimProcess.run(["export", "--dir", "/proc/mfsim-export"])
        #expect(r.status == 73 && r.stderr.hasPrefix("mfsim: error: cannot create '/proc/mfsim-export'"), "\(r.stderr)")
    }
}
