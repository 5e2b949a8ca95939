import Foundation
import Testing

/// `mfsim shape` at small depth through the real executable: the relu-limit families and
/// tanhshrink are refused with the reason where DKS has no solution (exit 65, one error line, at
/// once), solved where it has one, and mirror roots are printed canonically.
@Suite("mfsim shape: small depth and mirror roots")
struct ShapeSmallDepthCommandTests {
    @Test(arguments: [
        (["--activation", "elu", "--depth", "1"], "stays below pi/(pi-1) = 1.46694220692426"),
        (["--activation", "selu", "--depth", "1"], "stays below pi/(pi-1)"),
        (["--activation", "celu", "--depth", "1"], "stays below pi/(pi-1)"),
        (["--activation", "softshrink", "--depth", "1"], "stays below pi/(pi-1)"),
        (["--activation", "tanhshrink", "--depth", "1"], "at most 1.14623742169897"),
        (["--activation", "tanhshrink", "--depth", "2"], "at most 1.14623742169897"),
    ])
    func refusals(arguments: [String], message: String) throws {
        let result = try MFSimProcess.run(["shape"] + arguments)
        #expect(result.status == 65, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("mfsim: error: DKS cannot shape"), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Below the bound the same families are solved: C'(1) = ζ at depth 1.
    @Test func solvedBelowTheBound() throws {
        let rows = try ShapeCommandTests.table(["--activation", "elu", "--activation", "selu", "--activation", "softshrink",
                                                "--depth", "1", "--zeta", "1.4"])
        #expect(rows.count == 3)
        for row in rows {
            let slope = try #require(Double(row["c_slope"] ?? ""))
            #expect(abs(slope - 1.4) <= 1.4e-12, "\(row)")
        }
    }

    /// relu6 is point-symmetric about (3, 3): its root is printed with input_shift >= 3 (the image of
    /// hardtanh's, whose input_shift is >= 0).
    @Test func relu6CanonicalRoot() throws {
        let rows = try ShapeCommandTests.table(["--activation", "relu6", "--activation", "hardtanh", "--depth", "1"])
        let relu6 = try #require(Double(rows.first?["input_shift"] ?? ""))
        let hardtanh = try #require(Double(rows.last?["input_shift"] ?? ""))
        #expect(relu6 >= 3 && hardtanh >= 0)
        #expect(abs((relu6 - 3) / 3 - hardtanh) <= 1e-11 * hardtanh, "\(relu6) \(hardtanh)")
    }
}
