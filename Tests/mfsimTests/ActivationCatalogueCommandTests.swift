import Foundation
import Testing

/// `mfsim activations --at` and every subcommand with every family added for issue #14 (and an
/// affine-transformed spec), through the real executable.
@Suite("mfsim with the whole activation catalogue")
struct ActivationCatalogueCommandTests {
    /// The families added for issue #14 (non-default parameters where they have some), plus affine specs.
    static let newSpecs = ["hardtanh:min=-2,max=0.5", "relu6", "hardsigmoid", "hardswish", "gelu_tanh", "mish", "softsign",
                           "logsigmoid", "tanhshrink", "softshrink:lambda=0.5", "softplus:beta=2", "abs", "sin", "prelu",
                           "tanh:in_scale=0.2,out_scale=4.9", "relu:in_shift=0.5,out_shift=-0.3"]

    @Test func valuesAtPoints() throws {
        let r = try MFSimProcess.run(["activations", "--activation", "hardswish", "--activation", "relu6", "--at", "-3", "--at", "0:6:3"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = csvRows(r.stdout)
        #expect(csvRecords(r.stdout)[0] == ["activation", "x", "value", "derivative", "second_derivative"])
        #expect(rows.count == 8)
        // hardswish at its kink −3: value 0, right-hand φ' = (2x+3)/6 = −0.5, φ'' = 1/3.
        #expect(rows[0]["activation"] == "hardswish" && rows[0]["x"] == "-3.0" && rows[0]["derivative"] == "-0.5")
        #expect(Double(rows[0]["second_derivative"]!)! == 1.0 / 3)
        // relu6 at 0, 3, 6: right-hand derivatives 1, 1, 0.
        #expect(rows[5...].map { $0["derivative"]! } == ["1.0", "1.0", "0.0"])
        #expect(rows[7]["value"] == "6.0")
    }

    @Test func refusedAndBadSpecs() throws {
        let shrink = try MFSimProcess.run(["activations", "--activation", "hardshrink"])
        #expect(shrink.status == 64 && shrink.stderr.hasPrefix("mfsim: error:") && shrink.stderr.contains("Dirac"))
        let zero = try MFSimProcess.run(["slopes", "--activation", "tanh:in_scale=0"])
        #expect(zero.status == 64 && zero.stderr.hasPrefix("mfsim: error:") && zero.stderr.contains("in_scale"))
        let at = try MFSimProcess.run(["activations", "--at", "1:0:3"])
        #expect(at.status == 64 && at.stderr.hasPrefix("mfsim: error:"))
    }

    /// Each table subcommand that takes --activation, with each new spec: exit 0 and finite numbers,
    /// or (edge, where the activation has no edge of chaos) one `mfsim: error:` line.
    @Test(arguments: newSpecs)
    func everySubcommandRuns(spec: String) throws {
        let commands: [[String]] = [
            ["activations", "--activation", spec, "--at", "-4:4:9"],
            ["slopes", "--activation", spec, "--variance", "0.5", "--variance", "2", "--mean", "-0.3"],
            ["rnn-gain", "--activation", spec, "--variance", "1", "--norm", "1.2"],
            ["gain", "--activation", spec, "--variance", "1"],
            ["ntk", "--activation", spec, "--layers", "3", "--c0", "0.5", "--q0", "1", "--sigma-w2", "1.5", "--sigma-b2", "0.1"],
            ["depth-sweep", "--model", "gaussian", "--activation", spec, "--layers", "3", "--sigma-w2", "1.5", "--sigma-b2", "0.1"],
            ["depth-sweep", "--model", "snn", "--activation", spec, "--layers", "3"],
            ["phase", "--activation", spec, "--sigma-w2", "1.5", "--sigma-b2", "0.1"],
            ["simulate", "--activation", spec, "--layers", "2", "--width", "50", "--trials", "2", "--seed", "1"],
            ["edge", "--activation", spec, "--sigma-b2", "0.1"],
        ]
        for arguments in commands {
            let r = try MFSimProcess.run(arguments)
            let line = arguments.joined(separator: " ")
            if r.status == 0 {
                let rows = csvRows(r.stdout)
                #expect(!rows.isEmpty, "\(line): no rows")
                #expect(!r.stdout.contains("nan"), "\(line): nan in\n\(r.stdout)")
                #expect(rows.allSatisfy { $0["activation"].map { $0.hasPrefix(spec.split(separator: ":")[0]) || spec == "prelu" } ?? true },
                        "\(line): activation column")
            } else {
                #expect(arguments[0] == "edge" && r.stderr.hasPrefix("mfsim: error:") && r.stderr.split(separator: "\n").count == 1,
                        "\(line): exit \(r.status), \(r.stderr)")
            }
        }
    }
}
