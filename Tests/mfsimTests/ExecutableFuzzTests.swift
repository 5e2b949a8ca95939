import Foundation
import Testing

/// Issue #13's fuzzer: 2000 seeded command lines through the real executable, run concurrently,
/// against odd input files, symbolic links, private device nodes, directories and impossible
/// paths. Every run must exit normally (no signal) with a documented code; a failure's first stderr
/// line is `mfsim: error:`; a success prints no NaN and inf only where SPEC allows it; no
/// temporary or partial file is left and no link or device is replaced.
@Suite("Fuzzing the executable")
struct ExecutableFuzzTests {
    /// 2000 command lines from seed 20261201 in CI; `MFSIM_FUZZ_LINES` and `MFSIM_FUZZ_SEED` run
    /// more, or others, locally (e.g. `MFSIM_FUZZ_SEED=7 MFSIM_FUZZ_LINES=6000 swift test --filter Fuzzing`).
    static let commandLines = ProcessInfo.processInfo.environment["MFSIM_FUZZ_LINES"].flatMap { Int($0) } ?? 2000
    static let seed = ProcessInfo.processInfo.environment["MFSIM_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20261201

    /// Cheap base command lines (small grids, few layers, narrow networks).
    static let bases: [[String]] = [
        ["gain"], ["gain", "--sigma-b2", "0.1"], ["slopes", "--variance", "0.5:2:3"], ["rnn-gain", "--norm", "1.2"],
        ["rnn-gain", "--activation", "elu", "--solve-for", "alpha"], ["activations"], ["fixedpoint"], ["fixedpoint", "--keep-prob", "0.9"],
        ["fixedpoint", "--domain", "--grid", "2"], ["depth-sweep", "--layers", "5"], ["depth-sweep", "--model", "gaussian", "--layers", "5"],
        ["phase", "--sigma-w2", "0.5:3:3", "--sigma-b2", "0:0.2:2"], ["edge", "--sigma-b2", "0:0.1:2"],
        ["ntk", "--layers", "3", "--c0", "0:1:3"], ["ntk", "--layers", "2", "--gram", "VECTORS"], ["ntk", "--layers", "2", "--gram", "KERNEL", "--gram-input", "kernel"],
        ["simulate", "--width", "4", "--layers", "2", "--trials", "2"], ["simulate", "--model", "snn", "--width", "4", "--layers", "2", "--trials", "2"],
        ["simulate", "--width", "4", "--layers", "2", "--trials", "2", "--inputs", "VECTORS"], ["bogus"], [],
        ["shape", "--activation", "tanh"], ["shape", "--activation", "relu"], ["finite-width", "--layers", "3", "--width", "10"],
        // The library-robustness paths: memory refusals, overflow at layer 0, two-input fluctuations, networks.
        ["simulate", "--width", "100", "--trials", "100000", "--layers", "100000"],
        ["simulate", "--fluctuations", "--width", "3", "--layers", "2", "--trials", "2", "--q0", "1e308"],
        ["simulate", "--fluctuations", "--c0", "0.5", "--width", "3", "--layers", "2", "--trials", "2"],
        ["simulate", "--network", "dense relu dense tanh", "--width", "3", "--trials", "2"],
        ["simulate", "--width", "3", "--layers", "2", "--trials", "2", "--gram", "KERNEL", "--gram-input", "kernel"],
        ["finite-width", "--layers", "3", "--width", "10", "--c0", "0.5"],
        ["depth-sweep", "--layers", "10000000", "--activation", "relu", "--activation", "elu", "--activation", "tanh", "--activation", "relu",
         "--activation", "elu", "--activation", "tanh", "--activation", "relu", "--activation", "elu", "--activation", "tanh", "--activation", "relu"],
    ]
    static let options = ["--activation", "--format", "--variance", "--mean", "--sigma-w2", "--sigma-b2", "--q0", "--c0", "--layers",
                          "--every", "--omega", "--tau", "--mu0", "--nu0", "--norm", "--solve-for", "--seed", "--width", "--trials",
                          "--gram", "--inputs", "--columns", "--keep-prob", "--box-omega", "--weights", "--bogus", "-x"]
    static let numbers = ["0", "1", "-1", "0.5", "2", "1e-300", "5e-324", "1e308", "-1e308", "1.7976931348623157e308", "nan", "inf",
                          "-inf", "abc", "", "1:0:5", "0:1:0", "a:b:c", "1:2", "1::3", ":", "0:1e308:3", "-1e308:1e308", "0x1p3",
                          "999999999999999999999", "3", "-5", "1e-7", "1e5"]
    static let specs = ["elu", "selu:lambda=1e200,alpha=1e200", "elu:alpha=1e308", "relu", "tanh", "gelu", "silu", "softplus", "erf",
                        "leaky_relu:slope=-1", "celu:alpha=1e-300", "bogus", "elu:alpha", "elu:=1", "relu:", "selu:lambda=0", "sigmoid"]
    static let words = ["csv", "json", "table", "snn", "gaussian", "dense", "implicit", "vectors", "kernel", "alpha", "slope", "lambda",
                        "activation,variance", "bogus_column", ",", "q_star,phase"]

    struct Fixtures {
        let dir: URL
        /// Input files, by role.
        let inputs: [String]
        /// `-o` targets.
        let outputs: [String]
    }

    /// Input files (good, empty, malformed, non-UTF-8, indefinite, a folder, missing) and output
    /// targets (a new name, a regular file, links, devices, a folder, impossible paths).
    static func makeFixtures() throws -> Fixtures {
        let dir = try temporaryDirectory()
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        let vectors = try file("vectors.csv", Array("x,y\n1,0\n0.6,0.8\n-0.3,2\n".utf8))
        let kernel = try file("kernel.csv", Array("1,0.5\n0.5,2\n".utf8))
        let inputs = [vectors, kernel,
                      try file("indefinite.csv", Array("1,.9,.9\n.9,1,-.9\n.9,-.9,1\n".utf8)),
                      try file("empty.csv", []), try file("header.csv", Array("a,b\n".utf8)),
                      try file("nan.csv", Array("1,nan\n2,3\n".utf8)), try file("ragged.csv", Array("1,2\n3\n".utf8)),
                      try file("binary.csv", [0xFF, 0xFE, 0x00, 0x31, 0x0A]), try file("zero.csv", Array("0,0\n1,1\n".utf8)),
                      dir.path, dir.appendingPathComponent("missing.csv").path]
        let regular = try file("regular.csv", Array("old\n".utf8))
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("link.csv").path, withDestinationPath: "regular.csv")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("dangling.csv").path, withDestinationPath: "made-by-link.csv")
        try fm.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: false)
        var outputs = [dir.appendingPathComponent("new.csv").path, regular, dir.appendingPathComponent("link.csv").path,
                       dir.appendingPathComponent("dangling.csv").path, dir.appendingPathComponent("folder").path,
                       regular + "/below-a-file.csv", dir.appendingPathComponent("no/such/dir.csv").path, "-", "/proc/self/fd/1"]
        if getuid() == 0 {
            for (name, minor) in [("null", 3), ("full", 7)] {
                let path = dir.appendingPathComponent(name).path
                if mknod(path, S_IFCHR | 0o666, makedev(1, UInt32(minor))) == 0 { outputs.append(path) }
            }
        }
        return Fixtures(dir: dir, inputs: inputs, outputs: outputs)
    }

    static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        dev_t((UInt64(major) << 8) | UInt64(minor))
    }

    static func commandLine(_ rng: inout SplitMix64, _ fixtures: Fixtures) -> [String] {
        var args = bases.randomElement(using: &rng) ?? []
        args = args.map { $0 == "VECTORS" ? fixtures.inputs[0] : $0 == "KERNEL" ? fixtures.inputs[1] : $0 }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let option = options.randomElement(using: &rng) ?? "--bogus"
            let value: String
            switch option {
            case "--activation": value = specs.randomElement(using: &rng) ?? "elu"
            case "--gram", "--inputs": value = fixtures.inputs.randomElement(using: &rng) ?? ""
            case "--format", "--weights", "--solve-for", "--columns": value = words.randomElement(using: &rng) ?? ""
            case "--layers", "--width", "--trials", "--every":
                value = ["1", "2", "3", "0", "-1", "abc", "1e3", "99999999999999999999"].randomElement(using: &rng) ?? "1"
            default: value = (Int.random(in: 0..<4, using: &rng) == 0 ? words : numbers).randomElement(using: &rng) ?? "0"
            }
            if Int.random(in: 0..<5, using: &rng) == 0 { args.append("\(option)=\(value)") } else { args += [option, value] }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 { args += ["-o", fixtures.outputs.randomElement(using: &rng) ?? "-"] }
        return args
    }

    struct Outcome { let arguments: [String], signalled: Bool, status: Int32, stdout: String, stderr: String }

    static func run(_ arguments: [String], in dir: URL) -> Outcome {
        let process = Process()
        // A hang would be a defect too: timeout(1) kills it (exit 137 is then reported).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", "60", MFSimProcess.executable.path] + arguments
        process.currentDirectoryURL = dir
        do {
            let r = try MFSimProcess.collect(process)
            return Outcome(arguments: arguments, signalled: process.terminationReason == .uncaughtSignal || r.status > 128,
                           status: r.status, stdout: r.stdout, stderr: r.stderr)
        } catch {
            return Outcome(arguments: arguments, signalled: true, status: -1, stdout: "", stderr: "\(error)")
        }
    }

    /// Columns where SPEC allows inf (phase: q_star of an unbounded map, the depth scales).
    static let infiniteColumns: Set<String> = ["q_star", "xi_q", "xi_c", "c_curvature", "network_c_curvature"]

    /// The non-numbers of a CSV text outside the allowed columns.
    static func forbiddenNonNumbers(_ csv: String) -> [String] {
        let records = csvRecords(csv)
        guard let header = records.first else { return [] }
        var bad: [String] = []
        for record in records.dropFirst() {
            for (column, field) in zip(header, record) {
                let lower = field.lowercased()
                if lower == "nan" || lower == "-nan" { bad.append("\(column)=\(field)") }
                if (lower == "inf" || lower == "-inf") && !infiniteColumns.contains(column) { bad.append("\(column)=\(field)") }
            }
        }
        return bad
    }

    @Test func executableSurvivesTwoThousandCommandLines() throws {
        let fixtures = try Self.makeFixtures()
        var rng = SplitMix64(state: Self.seed)
        let lines = (0..<Self.commandLines).map { _ in Self.commandLine(&rng, fixtures) }
        let inputsBefore = fixtures.inputs.map { FileManager.default.contents(atPath: $0) }
        let results = OutcomeBox(count: lines.count)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in stride(from: worker, to: lines.count, by: 4) {
                results.set(index, Self.run(lines[index], in: fixtures.dir))
            }
        }
        var failures = 0
        for outcome in results.all {
            let args = outcome.arguments
            #expect(!outcome.signalled, "\(args): signal/exit \(outcome.status) \(outcome.stderr.prefix(300))")
            #expect([0, 64, 65, 66, 73, 74].contains(outcome.status), "\(args): exit \(outcome.status) \(outcome.stderr.prefix(300))")
            if outcome.status != 0 {
                failures += 1
                #expect(outcome.stderr.hasPrefix("mfsim: error: "), "\(args): \(outcome.stderr.prefix(300))")
            } else {
                let tokens = outcome.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }).map { $0.lowercased() }
                if args.contains("json") || args.contains("--format=json") || args.contains("table") || args.contains("--format=table") {
                    #expect(!tokens.contains("nan") && !tokens.contains("-nan") && !outcome.stdout.contains(": nan"), "\(args)")
                } else {
                    #expect(Self.forbiddenNonNumbers(outcome.stdout).isEmpty, "\(args): \(Self.forbiddenNonNumbers(outcome.stdout).prefix(3))")
                }
            }
        }
        // Both kinds were exercised.
        #expect(failures > 200 && failures < Self.commandLines - 200, "failures \(failures)")
        // No temporary, partial or replaced file; links and devices intact; inputs untouched.
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: fixtures.dir.path)
        #expect(!names.contains { $0.contains(".tmp") || $0.hasPrefix(".") }, "\(names)")
        #expect(try fm.destinationOfSymbolicLink(atPath: fixtures.dir.appendingPathComponent("link.csv").path) == "regular.csv")
        #expect(try fm.destinationOfSymbolicLink(atPath: fixtures.dir.appendingPathComponent("dangling.csv").path) == "made-by-link.csv")
        for device in ["null", "full"] where names.contains(device) {
            var info = stat()
            #expect(lstat(fixtures.dir.appendingPathComponent(device).path, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "\(device) replaced")
        }
        for name in ["regular.csv", "new.csv", "made-by-link.csv"] where names.contains(name) {
            let text = try String(contentsOf: fixtures.dir.appendingPathComponent(name), encoding: .utf8)
            #expect(text == "old\n" || text.utf8.last == 0x0A, "\(name) is partial: \(text.prefix(200)) ... \(text.suffix(100))")
        }
        #expect(fixtures.inputs.map { fm.contents(atPath: $0) } == inputsBefore)
    }
}

/// Results written by index from worker threads.
final class OutcomeBox: @unchecked Sendable {
    private var outcomes: [ExecutableFuzzTests.Outcome?]
    private let lock = NSLock()
    init(count: Int) { outcomes = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ outcome: ExecutableFuzzTests.Outcome) { lock.lock(); outcomes[index] = outcome; lock.unlock() }
    var all: [ExecutableFuzzTests.Outcome] { lock.lock(); defer { lock.unlock() }; return outcomes.compactMap { $0 } }
}
