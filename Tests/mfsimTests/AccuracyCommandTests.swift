import Foundation
import Testing

/// Issue #13, defect 7 through the executable: every table's meta holds its largest quadrature
/// error estimate; values outside the validated variance range warn, and ntk stops there.
@Suite("Accuracy in meta, validated variance range")
struct AccuracyCommandTests {
    static func meta(_ json: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return try #require(object?["meta"] as? [String: Any])
    }

    @Test(arguments: [["gain"], ["slopes"], ["rnn-gain"], ["depth-sweep", "--layers", "3"], ["depth-sweep", "--model", "gaussian", "--layers", "3"],
                      ["ntk", "--layers", "3", "--c0", "0.5"], ["phase", "--sigma-w2", "1:2:2", "--sigma-b2", "0.1"], ["edge", "--sigma-b2", "0.1"],
                      ["fixedpoint"], ["simulate", "--width", "4", "--layers", "2", "--trials", "2"], ["finite-width", "--layers", "3"]])
    func everyTableRecordsItsLargestErrorEstimate(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments + ["--format", "json"])
        #expect(r.status == 0, "\(r)")
        let meta = try Self.meta(r.stdout)
        let estimate = try #require(meta["max_error_estimate"] as? Double, "\(arguments): \(meta)")
        // finite-width's E[φ²(z² − K)] cancels to ~1e-16 with QUADPACK's floor estimate ~6e-14 absolute.
        #expect(estimate >= 0 && estimate <= (arguments[0] == "finite-width" ? 1e-10 : 1e-12), "\(arguments): \(estimate)")
        #expect(meta["unconverged_quadratures"] as? Int == 0)
        #expect(!r.stderr.contains("warning"), "\(r.stderr)")
    }

    @Test func aQuadratureThatDidNotConvergeWarns() throws {
        // At q = 1e-9 the slope's panels shrink below double resolution before meeting 1e-13.
        let r = try MFSimProcess.run(["slopes", "--activation", "softplus", "--variance", "1e-9", "--format", "json"])
        #expect(r.status == 0)
        let meta = try Self.meta(r.stdout)
        #expect((meta["unconverged_quadratures"] as? Int ?? 0) >= 0)
        #expect(r.stderr.contains("outside the validated range [1e-06, 10000.0]"), "\(r.stderr)")
        #expect(meta["quadrature_variance_min"] as? Double == 1e-9)
    }

    @Test func aVarianceOutsideTheValidatedRangeWarns() throws {
        let gelu = try MFSimProcess.run(["gain", "--activation", "gelu", "--variance", "1e6"])
        #expect(gelu.status == 0 && gelu.stderr.hasPrefix("mfsim: warning: gain: quadrature at variances 1000000.0 to 1000000.0, outside the validated range"),
                "\(gelu.stderr)")
        // Closed forms are exact at every variance: no warning.
        let relu = try MFSimProcess.run(["gain", "--activation", "relu", "--variance", "1e6"])
        #expect(relu.status == 0 && relu.stderr.isEmpty, "\(relu.stderr)")
        // phase iterates towards q* = 0 on purpose: only a reported q_star outside the range warns.
        let phase = try MFSimProcess.run(["phase", "--activation", "elu"])
        #expect(phase.status == 0 && phase.stderr.isEmpty, "\(phase.stderr)")
    }

    @Test func ntkStopsBeforeTheFirstUnvalidatedLayer() throws {
        let start = Date()
        let r = try MFSimProcess.run(["ntk", "--activation", "silu", "--sigma-b2", "0.108", "--c0", "0.5"])
        #expect(Date().timeIntervalSince(start) < 30)   // the uncapped run takes minutes
        #expect(r.status == 0)
        #expect(r.stderr.hasPrefix("mfsim: warning: silu: stopped before layer 35: its input variance q_34 = 11548.94331580796 leaves the validated range"),
                "\(r.stderr)")
        let last = try #require(r.stdout.split(separator: "\r\n").last)
        #expect(last.hasPrefix("silu,2.810761124074471,0.108,34,0.5,11548.94331580796,"))
        let refused = try MFSimProcess.run(["ntk", "--activation", "silu", "--q0", "2e4", "--c0", "0.5"])
        #expect(refused.status == 65 && refused.stderr.hasPrefix("mfsim: error: ntk: silu: the input variance 20000.0 is outside"), "\(refused)")
        let forced = try MFSimProcess.run(["ntk", "--activation", "silu", "--q0", "2e4", "--c0", "0.5", "--layers", "2", "--unvalidated-variances", "--format", "json"])
        #expect(forced.status == 0 && forced.stderr.contains("outside the validated range"), "\(forced)")
        #expect(try Self.meta(forced.stdout)["quadrature_variance_max"] as? Double ?? 0 > 1e4)
    }
}
