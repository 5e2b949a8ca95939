import Foundation
import Testing
@testable import mfsim
import MeanField

/// A small deterministic generator (SplitMix64), so every run feeds the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutated command lines and activation specs (issue #6): parsing never crashes; it
/// either succeeds or fails with a message and a usage exit code.
@Suite("Fuzzing the command line")
struct FuzzTests {
    static let subcommands = ["activations", "fixedpoint", "depth-sweep", "phase", "edge", "slopes", "rnn-gain", "gain", "ntk", "simulate", "bogus", ""]
    static let options = ["--activation", "--format", "--output", "-o", "--layers", "--mean", "--variance", "--omega", "--tau",
                          "--keep-prob", "--domain", "--box-mean", "--grid", "--model", "--mu0", "--nu0", "--sigma-w2",
                          "--sigma-b2", "--q0", "--c0", "--norm", "--solve-for", "--every", "--gram", "--gram-input", "--width",
                          "--trials", "--seed", "--weights", "--help", "--version", "--bogus", "-x", "--"]
    static let values = ["0", "1", "-1", "0.5", "-0.1", "1e-300", "1e308", "-1e308", "nan", "inf", "-inf", "NaN", "abc", "",
                         "1:0:5", "-1:1:201", "0:1:0", "a:b:c", "1:2", "1::3", ":", "::", "0x1p3", "3", "200", "-5",
                         "999999999999999999999", "elu", "elu:alpha=0.5", "selu:lambda=1.05,alpha=1.6", "csv", "json", "table",
                         "snn", "gaussian", "dense", "implicit", "vectors", "kernel", "alpha", "slope", "lambda", "relu:", "elu:alpha", "elu:=1", "tanh:alpha=1", "é", " "]
    static let specParts = ["elu", "selu", "relu", "leaky_relu", "celu", "gelu", "tanh", "bogus", "", ":", ",", "=", "alpha",
                            "lambda", "slope", "1", "-1", "0", "nan", "inf", "1e400", "0.5", " ", "alpha=", "=2", "ELU"]

    static func randomArguments(_ rng: inout SplitMix64) -> [String] {
        var args: [String] = []
        if Int.random(in: 0..<10, using: &rng) > 0 { args.append(subcommands.randomElement(using: &rng)!) }
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5: args += [options.randomElement(using: &rng)!, values.randomElement(using: &rng)!]
            case 5..<7: args.append(options.randomElement(using: &rng)!)
            case 7: args.append(options.randomElement(using: &rng)! + "=" + values.randomElement(using: &rng)!)
            default: args.append(values.randomElement(using: &rng)!)
            }
        }
        return args
    }

    static func randomSpec(_ rng: inout SplitMix64) -> String {
        (0..<Int.random(in: 1...6, using: &rng)).map { _ in specParts.randomElement(using: &rng)! }.joined()
    }

    @Test func activationSpecsNeverCrash() {
        var rng = SplitMix64(state: 20261123)
        var accepted = 0
        for _ in 0..<5000 {
            let spec = Self.randomSpec(&rng)
            do {
                let a = try Activation(spec: spec)
                accepted += 1
                #expect(try Activation(spec: a.spec) == a, "canonical spec of '\(spec)' round-trips")
            } catch {
                #expect(!error.description.isEmpty)   // ActivationError: Activation(spec:) throws only that
            }
        }
        #expect(accepted > 100)   // the generator does produce valid specs too
    }

    /// In process: parse (which runs every `validate()`), never run. Every failure maps to exit
    /// code 0 (help, version) or 64 with a non-empty message.
    @Test func argumentListsNeverCrashTheParser() {
        var rng = SplitMix64(state: 7)
        var parsed = 0
        for _ in 0..<5000 {
            let args = Self.randomArguments(&rng)
            do {
                _ = try MFSim.parseAsRoot(args)
                parsed += 1
            } catch {
                let code = MFSim.exitCode(for: error).rawValue
                #expect(code == 0 || code == 64, "\(args): exit \(code)")
                if code != 0 { #expect(!MFSim.message(for: error).isEmpty, "\(args)") }
            }
        }
        #expect(parsed > 50)
    }

    /// Through the real executable: exit 0 (with output), 64, 65, 66 or 73 with exactly one
    /// `mfsim: error:` line first; never a signal, a stack trace or a stray file.
    @Test func executableNeverCrashes() throws {
        var rng = SplitMix64(state: 99)
        let dir = try temporaryDirectory()
        for _ in 0..<150 {
            var args = Self.randomArguments(&rng)
            // Keep the work small: no huge grids or sweeps, no writing outside the temporary folder.
            args = args.map { ["200", "999999999999999999999", "-1:1:201", "1e308"].contains($0) ? "2" : $0 }
            args = args.enumerated().map { i, a in i > 0 && ["--output", "-o"].contains(args[i - 1]) ? dir.appendingPathComponent("out.csv").path : a }
            if args.contains("--output") || args.contains("-o") || args.contains(where: { $0.hasPrefix("--output=") }) {
                args = args.filter { !$0.hasPrefix("--output=") }
            }
            // simulate's default networks (width 1000 × 20 layers × 10 trials × 4 activations) take seconds.
            if args.first == "simulate" { args.insert(contentsOf: ["--width", "16", "--layers", "2"], at: 1) }
            let r = try MFSimProcess.run(args, in: dir)
            #expect([0, 64, 65, 66, 73].contains(r.status), "\(args): exit \(r.status) \(r.stderr)")
            if r.status != 0 {
                #expect(r.stderr.hasPrefix("mfsim: error: "), "\(args): \(r.stderr)")
                #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "out.csv" }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
