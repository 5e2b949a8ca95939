import Foundation
import Testing

/// `mfsim shape --network`, several cases in one process, and the errors of issue #17.
@Suite("mfsim shape --network and multi-case")
struct ShapeNetworkCommandTests {
    static let resnet = "dense residual(skip=0.6,branch=0.8)[tanh dense tanh dense]*4"

    /// The plain MLP written as a network gives the `--depth` row (the depth column aside).
    @Test func plainNetworkAsNetwork() throws {
        let plain = try ShapeCommandTests.table(["--activation", "elu", "--depth", "10", "--check"])
        let network = try ShapeCommandTests.table(["--activation", "elu", "--network", "dense [tanh dense]*10", "--check"])
        var a = try #require(plain.first), b = try #require(network.first)
        #expect(a["depth"] == "10" && b["depth"] == "")
        a["depth"] = nil; b["depth"] = nil
        #expect(a == b)
    }

    /// One process, 16 cases × 2 depths: rows carry method and depth, in depth-major order.
    @Test func manyCasesInOneProcess() throws {
        let dks = ["tanh", "softplus", "elu", "selu", "gelu", "silu", "erf", "sigmoid", "leaky_relu", "relu"]
        let tat = ["tanh", "softplus", "gelu", "silu", "elu", "leaky_relu"]
        let arguments = dks.flatMap { ["--case", "dks:\($0)"] } + tat.flatMap { ["--case", "tat:\($0)"] } + ["--depth", "10,50", "--eta", "0.8", "--check"]
        let rows = try ShapeCommandTests.table(arguments)
        #expect(rows.count == 32)
        #expect(rows.map { $0["method"] ?? "" } == Array(repeating: Array(repeating: "dks", count: 10) + Array(repeating: "tat", count: 6), count: 2).flatMap { $0 })
        #expect(rows.map { $0["depth"] ?? "" } == Array(repeating: "10", count: 16) + Array(repeating: "50", count: 16))
        for row in rows {
            if row["method"] == "dks" {
                #expect(abs(try #require(Double(row["network_c_slope"] ?? "")) - 1.5) <= 1.5e-12, "\(row)")
            } else if row["activation"]?.hasPrefix("leaky_relu") == true {
                #expect(abs(try #require(Double(row["network_c_zero"] ?? "")) - 0.8) <= 0.8e-12, "\(row)")
            } else {
                #expect(abs(try #require(Double(row["network_c_curvature"] ?? "")) - 0.3) <= 0.3e-12, "\(row)")
            }
        }
    }

    /// `--method dks,tat` is the product with every --activation; repeats work too.
    @Test func methodList() throws {
        let rows = try ShapeCommandTests.table(["--method", "dks,tat", "--activation", "tanh", "--activation", "gelu"])
        #expect(rows.map { "\($0["method"] ?? "") \($0["activation"] ?? "")" } == ["dks tanh", "dks gelu", "tat tanh", "tat gelu"])
        let repeated = try ShapeCommandTests.table(["--method", "tat", "--method", "dks"])
        #expect(repeated.map { $0["method"] ?? "" } == ["tat", "dks"])
    }

    /// --network: the achieved targets through the kernel recursion; --network-file reads the same.
    @Test func networkCheck() throws {
        let rows = try ShapeCommandTests.table(["--network", Self.resnet, "--method", "dks,tat", "--check"])
        #expect(rows.count == 2)
        #expect(abs(try #require(Double(rows[0]["network_c_slope"] ?? "")) - 1.5) <= 1.5e-12)
        #expect(abs(try #require(Double(rows[1]["network_c_curvature"] ?? "")) - 0.3) <= 0.3e-12)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("shape-network-\(getpid()).txt")
        try "# a ResNet\n\(Self.resnet)\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try ShapeCommandTests.table(["--network-file", file.path, "--method", "dks,tat", "--check"])
        #expect(fromFile == rows)
    }

    /// Clear errors: one `mfsim: error:` line, exit 64 for a bad command line, 65 when no solution exists.
    @Test(arguments: [
        (["--method", "tat", "--activation", "elu:alpha=0.5"], Int32(64), "C0 kink"),
        (["--method", "tat", "--activation", "relu"], Int32(64), "C''(1) is infinite"),
        (["--method", "tat", "--activation", "leaky_relu", "--depth", "10"], Int32(65), "use --eta <= 0.87153551602151"),
        (["--activation", "tanh", "--q-slope", "100"], Int32(65), "found no parameters"),
        (["--method", "tat", "--activation", "leaky_relu", "--network", "dense residual(skip=0.6,branch=0.8)[tanh dense]*2"], Int32(65), "--eta <= 0.3464888679443"),
        (["--network", "dense(sigma_w2=2) tanh"], Int32(64), "input variance is 2"),
        (["--network", "dense tanh dense relu"], Int32(64), "names 2 activations"),
        (["--network", "dense tanh", "--depth", "3"], Int32(64), "--depth does not apply"),
        (["--method", "dks,xyz"], Int32(64), "'xyz' is not a method"),
        (["--case", "tanh"], Int32(64), "METHOD:SPEC"),
        (["--depth", "10,0"], Int32(64), "--depth must be 1 to 1000000"),
    ])
    func errors(arguments: [String], status: Int32, message: String) throws {
        let result = try MFSimProcess.run(["shape"] + arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("mfsim: error:"), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
