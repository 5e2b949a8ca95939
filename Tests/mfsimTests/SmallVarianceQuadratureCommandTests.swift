import Foundation
import Testing

/// Issue #13, defect 7's leftover through the real executable: tanh at q = 1e-6 without a
/// spurious "did not converge", and no spurious warning for the smooth families at 1e-6 … 1e-5.
@Suite("Small-variance quadratures through the executable")
struct SmallVarianceQuadratureCommandTests {
    /// tanh at q = 1e-6 and 1e-8: every quadrature converges (log sech² no longer cancels near 0)
    /// and nothing is printed on stderr; log_slope is mpmath's −9.999995000006666e-07 (1e-6).
    @Test func tanhAtSmallVariancesConverges() throws {
        for q in ["1e-6", "1e-5", "3e-6"] {
            let r = try MFSimProcess.run(["slopes", "--activation", "tanh", "--variance", q, "--format", "json"])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(q): \(r.stderr)")
            #expect(r.stdout.contains("\"unconverged_quadratures\": 0"), "\(q): \(r.stdout)")
        }
        let r = try MFSimProcess.run(["slopes", "--activation", "tanh", "--variance", "1e-6", "--columns", "log_slope"])
        let value = try #require(Double(r.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""))
        #expect(abs(value - -0.0000009999995000006666199981612) <= 1e-13 * 1e-6, "\(r.stdout)")
    }

    /// Every smooth family of the audit at q = 1e-6 … 1e-5 in slopes and gain warns of nothing
    /// (depth-sweep of silu and gelu from q0 = 1e-6 warns rightly: their q falls below 1e-6).
    @Test(arguments: ["tanh", "erf", "sigmoid", "silu", "gelu"])
    func smallVariancesDoNotWarnSpuriously(activation: String) throws {
        for q in ["1e-6", "2e-6", "5e-6", "1e-5"] {
            for arguments in [["slopes", "--activation", activation, "--variance", q, "--mean", "0", "--mean", "0.001"],
                              ["gain", "--activation", activation, "--variance", q]] {
                let r = try MFSimProcess.run(arguments)
                #expect(r.status == 0 && r.stderr.isEmpty, "\(arguments): \(r.stderr)")
            }
        }
    }
}
