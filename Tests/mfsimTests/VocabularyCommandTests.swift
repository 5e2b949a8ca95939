import Foundation
import Testing

/// Issue #13: one vocabulary (one name for the Gram input, a repeated single-valued option is an
/// error) and a memory bound stated in bytes (defect 9).
@Suite("Vocabulary and memory bound")
struct VocabularyCommandTests {
    @Test(arguments: [["simulate", "--c0", "0.1", "--c0", "0.2"], ["simulate", "--c0=0.1", "--c0", "0.2"], ["gain", "-o", "a.csv", "-o", "b.csv"],
                      ["ntk", "--layers", "2", "--layers", "3"], ["phase", "--q0", "1", "--q0=2"], ["simulate", "--fluctuations", "--fluctuations"]])
    func aSingleValuedOptionGivenTwiceIsAnError(arguments: [String]) throws {
        let dir = try temporaryDirectory()
        let r = try MFSimProcess.run(arguments, in: dir)
        #expect(r.status == 64 && r.stderr.hasPrefix("mfsim: error: ") && r.stderr.contains("is given twice"), "\(arguments): \(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func repeatableOptionsStayRepeatable() throws {
        let r = try MFSimProcess.run(["ntk", "--activation", "relu", "--activation", "erf", "--layers", "1", "--c0", "0.5", "--c0", "-0.5"])
        #expect(r.status == 0 && csvRows(r.stdout).count == 4, "\(r)")
        let phase = try MFSimProcess.run(["phase", "--sigma-w2", "1", "--sigma-w2", "2", "--sigma-b2", "0.1"])
        #expect(phase.status == 0 && csvRows(phase.stdout).count == 2, "\(phase)")
    }

    @Test func ntkAndSimulateTakeTheSameGramOptionsAndPrintTheSameTriangle() throws {
        let dir = try temporaryDirectory()
        let vectors = dir.appendingPathComponent("x.csv")
        try "1,0.5\n-0.3,1.2\n0.8,-0.9\n".write(to: vectors, atomically: true, encoding: .utf8)
        let ntk = try MFSimProcess.run(["ntk", "--activation", "relu", "--gram", vectors.path, "--layers", "2"])
        let ntkAlias = try MFSimProcess.run(["ntk", "--activation", "relu", "--inputs", vectors.path, "--inputs-kind", "vectors", "--layers", "2"])
        let sim = try MFSimProcess.run(["simulate", "--activation", "relu", "--gram", vectors.path, "--gram-input", "vectors", "--width", "8",
                                        "--layers", "2", "--trials", "2"])
        let simAlias = try MFSimProcess.run(["simulate", "--activation", "relu", "--inputs", vectors.path, "--width", "8", "--layers", "2", "--trials", "2"])
        #expect(ntk.status == 0 && sim.status == 0, "\(ntk) \(sim)")
        #expect(ntk.stdout == ntkAlias.stdout && sim.stdout == simAlias.stdout)
        let ntkPairs = csvRows(ntk.stdout).map { "\($0["i"]!),\($0["j"]!)" }
        let simPairs = csvRows(sim.stdout).filter { $0["layer"] == "2" }.map { "\($0["i"]!),\($0["j"]!)" }
        #expect(ntkPairs == ["0,0", "0,1", "0,2", "1,1", "1,2", "2,2"] && simPairs == ntkPairs)
        // The NNGP simulate predicts is ntk's, entry for entry.
        let predicted = csvRows(sim.stdout).filter { $0["layer"] == "2" }.map { $0["nngp_predicted"]! }
        #expect(predicted == csvRows(ntk.stdout).map { $0["nngp"]! })
        let both = try MFSimProcess.run(["ntk", "--gram", vectors.path, "--inputs", vectors.path])
        #expect(both.status == 64 && both.stderr.hasPrefix("mfsim: error: --inputs is another name for --gram"))
        // The help names one pair only.
        let help = try MFSimProcess.run(["simulate", "--help"])
        #expect(help.stdout.contains("--gram <FILE>") && !help.stdout.contains("--inputs <") && !help.stdout.contains("--inputs-kind <"))
    }

    @Test func memoryIsBoundedInBytesBeforeAnyWork() throws {
        let start = Date()
        let ntk = try MFSimProcess.run(["ntk", "--c0", "-1:1:250", "--layers", "200000", "--every", "1"])
        #expect(ntk.status == 64 && ntk.stderr.hasPrefix("mfsim: error: ntk: 3 activations × 250 correlations × 200000 reported layers"), "\(ntk.stderr)")
        #expect(ntk.stderr.contains("the limit is 4 GiB"))
        let one = try MFSimProcess.run(["ntk", "--activation", "relu", "--c0", "-1:1:250", "--layers", "200000", "--every", "1"])
        #expect(one.status == 64 && one.stderr.contains("1 activations × 250 correlations"))
        #expect(Date().timeIntervalSince(start) < 10)
        // A Gram of 2000 inputs: the last layer is allowed (~1.1 GB), 10 reported layers are not (~8.6 GB).
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("x.csv")
        var rng = SystemRandomNumberGenerator()
        try (0..<2000).map { _ in (0..<3).map { _ in String(Double.random(in: -1...1, using: &rng)) }.joined(separator: ",") }
            .joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let all = try MFSimProcess.run(["ntk", "--activation", "relu", "--gram", file.path, "--layers", "10", "--every", "1"])
        #expect(all.status == 64 && all.stderr.hasPrefix("mfsim: error: ntk --gram: 2000 inputs × 10 reported layers"), "\(all.stderr)")
        let last = try MFSimProcess.run(["ntk", "--activation", "relu", "--gram", file.path, "--layers", "3", "--columns", "i,j,ntk", "-o", dir.appendingPathComponent("out.csv").path])
        #expect(last.status == 0, "\(last.stderr)")
        let help = try MFSimProcess.run(["ntk", "--help"])
        #expect(help.stdout.contains("exceed 4 GiB"))
    }

    @Test func rnnGainIsTheLibrarysRow() throws {
        let r = try MFSimProcess.run(["rnn-gain", "--activation", "leaky_relu:slope=0.2", "--norm", "1.5"])
        #expect(r.status == 0)
        let row = try #require(csvRows(r.stdout).first)
        // s = (1 + slope)/2 = 0.6 exactly for leaky_relu at any q; gain = 1.5 · 0.6.
        #expect(row["expected_slope"] == "0.6" && row["gain"] == String(1.5 * 0.6))
    }

    @Test func sigmaW2EdgeIsTheEdgeOfChaos() throws {
        let edge = try MFSimProcess.run(["edge", "--activation", "elu", "--sigma-b2", "0.1"])
        let w2 = try #require(csvRows(edge.stdout).first?["sigma_w2"])
        #expect(w2 == "1.6067435579442473")
        let sweep = try MFSimProcess.run(["depth-sweep", "--model", "gaussian", "--activation", "elu", "--sigma-w2", "edge", "--sigma-b2", "0.1", "--layers", "2"])
        let given = try MFSimProcess.run(["depth-sweep", "--model", "gaussian", "--activation", "elu", "--sigma-w2", w2, "--sigma-b2", "0.1", "--layers", "2"])
        #expect(sweep.status == 0 && sweep.stdout == given.stdout, "\(sweep)")
        let ntk = try MFSimProcess.run(["ntk", "--activation", "tanh", "--sigma-w2", "edge", "--sigma-b2", "0.1", "--layers", "1", "--c0", "0.5"])
        let tanhEdge = try MFSimProcess.run(["edge", "--activation", "tanh", "--sigma-b2", "0.1"])
        #expect(csvRows(ntk.stdout).first?["sigma_w2"] == csvRows(tanhEdge.stdout).first?["sigma_w2"])
        // relu has no edge of chaos at sigma_b2 > 0: an error, not a number.
        let relu = try MFSimProcess.run(["ntk", "--activation", "relu", "--sigma-w2", "edge", "--sigma-b2", "0.1"])
        #expect(relu.status == 65 && relu.stderr.hasPrefix("mfsim: error: --sigma-w2 edge: relu:"), "\(relu.stderr)")
        let bad = try MFSimProcess.run(["ntk", "--sigma-w2", "edges"])
        #expect(bad.status == 64)
        let help = try MFSimProcess.run(["ntk", "--help"])
        #expect(help.stdout.contains("variance-preserving") && !help.stdout.contains("critical initialization"))
    }

    @Test func fixedpointTargetsSayTheyAreTargets() throws {
        let new = try MFSimProcess.run(["fixedpoint", "--target-mean", "-0.1", "--target-variance", "2", "--omega", "1"])
        let old = try MFSimProcess.run(["fixedpoint", "--mean", "-0.1", "--variance", "2", "--omega", "1"])
        #expect(new.status == 0 && new.stdout == old.stdout && csvRows(new.stdout).first?["target_mean"] == "-0.1")
        let bad = try MFSimProcess.run(["fixedpoint", "--target-variance", "-1"])
        #expect(bad.status == 64 && bad.stderr.hasPrefix("mfsim: error: --target-variance must be > 0"))
    }

    @Test func metaListsAreJSONArrays() throws {
        let r = try MFSimProcess.run(["ntk", "--activation", "relu", "--activation", "erf", "--c0", "-0.5", "--c0", "0.5", "--layers", "1", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let meta = try #require(object?["meta"] as? [String: Any])
        #expect(meta["activation"] as? [String] == ["relu", "erf"])
        #expect(meta["c0"] as? [Double] == [-0.5, 0.5])
        #expect(meta["layers"] as? Int == 1)
        let phase = try MFSimProcess.run(["phase", "--sigma-w2", "1:2:2", "--sigma-b2", "0.1", "--format", "json"])
        let phaseMeta = try #require((try JSONSerialization.jsonObject(with: Data(phase.stdout.utf8)) as? [String: Any])?["meta"] as? [String: Any])
        #expect(phaseMeta["sigma_w2"] as? [Double] == [1, 2] && phaseMeta["sigma_b2"] as? [Double] == [0.1])
    }
}
