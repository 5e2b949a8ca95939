import Foundation
import Testing

/// `mfsim shape` through the real executable.
@Suite("mfsim shape")
struct ShapeCommandTests {
    static func table(_ arguments: [String]) throws -> [[String: String]] {
        let result = try MFSimProcess.run(["shape"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let records = csvRecords(result.stdout)
        guard let header = records.first else { return [] }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// Columns of SPEC §6 plus spec; --check adds the network's achieved values (ζ = 1.5 to 1e-12).
    @Test func columnsAndCheck() throws {
        let rows = try Self.table(["--activation", "tanh", "--activation", "leaky_relu", "--depth", "10", "--check"])
        #expect(rows.count == 2)
        let tanh = try #require(rows.first)
        #expect(Array(tanh.keys).sorted() == ["activation", "c_curvature", "c_slope", "c_zero", "depth", "input_scale", "input_shift", "method",
                                              "negative_slope", "network_c_curvature", "network_c_slope", "network_c_zero",
                                              "output_scale", "output_shift", "q_slope", "spec"])
        #expect(tanh["negative_slope"] == "")
        #expect(tanh["spec"]?.hasPrefix("tanh:in_scale=0.29665009941") == true, "\(tanh["spec"] ?? "")")
        for row in rows {
            let slope = try #require(Double(row["network_c_slope"] ?? ""))
            #expect(abs(slope - 1.5) <= 1.5e-12, "\(row)")
        }
        #expect(rows[1]["network_c_curvature"] == "inf")
        #expect(rows[1]["spec"]?.hasPrefix("leaky_relu:slope=0.58980667") == true)
    }

    /// TAT of a leaky relu deep enough; the network check reaches η.
    @Test func tatLeakyRelu() throws {
        let rows = try Self.table(["--method", "tat", "--activation", "leaky_relu", "--depth", "50", "--check"])
        let row = try #require(rows.first)
        #expect(abs(try #require(Double(row["network_c_zero"] ?? "")) - 0.9) <= 1e-12)
        let s = try #require(Double(row["negative_slope"] ?? ""))
        #expect(abs(try #require(Double(row["output_scale"] ?? "")) - (2 / (1 + s * s)).squareRoot()) <= 1e-15)
    }

    /// Clear errors: one `mfsim: error:` line and the documented exit codes.
    @Test(arguments: [
        (["--method", "tat", "--activation", "relu"], Int32(64), "C0 kink"),
        (["--method", "tat", "--activation", "selu"], Int32(64), "C''(1) is infinite"),
        (["--method", "tat", "--activation", "leaky_relu", "--depth", "10"], Int32(65), "--depth >= 13"),
        (["--zeta", "1"], Int32(64), "--zeta must be > 1"),
        (["--q-slope", "-1"], Int32(64), "--q-slope must be > 0"),
        (["--eta", "1"], Int32(64), "--eta must be in [0, 1)"),
        (["--depth", "0"], Int32(64), "--depth"),
        (["--activation", "linear"], Int32(64), "identity C map"),
        (["--tau", "nan"], Int32(64), "--tau"),
    ])
    func errors(arguments: [String], status: Int32, message: String) throws {
        let result = try MFSimProcess.run(["shape"] + arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("mfsim: error:"), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}

@Suite("mfsim shape help")
struct ShapeHelpTests {
    @Test func helpExplainsEveryOption() throws {
        let r = try MFSimProcess.run(["shape", "--help"])
        #expect(r.status == 0)
        for option in ["--method", "--activation", "--depth", "--zeta", "--q-slope", "--tau", "--eta", "--check", "--format", "--output"] {
            #expect(r.stdout.contains(option), "\(option)")
        }
        #expect(try MFSimProcess.run(["--help"]).stdout.contains("shape"))
    }
}

@Suite("mfsim shape --c-map")
struct ShapeCMapTests {
    /// The DKS network's C map fixes 0 (C(0) = 0) and 1, and has slope ζ = 1.5 at 1; TAT's fixes 1.
    @Test func fixedPoints() throws {
        let rows = try ShapeCommandTests.table(["--activation", "tanh", "--depth", "5", "--c-map", "5"])
        #expect(rows.map { $0["c_in"] } == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
        let out = rows.compactMap { Double($0["c_out"] ?? "") }
        #expect(abs(out[2]) <= 1e-14 && abs(out[4] - 1) <= 1e-13, "\(out)")
        #expect(out[3] < 0.5, "DKS contracts towards 0 away from c = 1: \(out)")
        let result = try MFSimProcess.run(["shape", "--c-map", "1"])
        #expect(result.status == 64 && result.stderr.hasPrefix("mfsim: error: --c-map"))
    }
}
