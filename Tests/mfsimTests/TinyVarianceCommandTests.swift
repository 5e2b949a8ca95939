import Foundation
import Testing

/// Issue #13, defect 3's leftover through the real executable: subnormal variances in `gain`.
@Suite("Tiny variances through the executable")
struct TinyVarianceCommandTests {
    /// linear, leaky_relu and tanh at q = 5e-324 print exact rows: E[φ²] = 5e-324 (leaky_relu's
    /// (1 + 1e-4)/2·q rounds up to it) and k, γ from the moments at a normal scale.
    @Test func gainAtTheSmallestVarianceIsExact() throws {
        let r = try MFSimProcess.run(["gain", "--variance", "5e-324", "--activation", "linear", "--activation", "leaky_relu",
                                      "--activation", "tanh"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(whereSeparator: \.isNewline) == [
            "activation,variance,second_moment,weight_variance_factor,std_gain,nf_gamma",
            "linear,5e-324,5e-324,1.0,1.0,1.0",
            "leaky_relu:slope=0.01,5e-324,5e-324,1.9998000199980002,1.4141428569978354,1.7048316271773367",
            "tanh,5e-324,5e-324,1.0,1.0,1.0",
        ], "\(r.stdout)")
    }

    /// Where E[φ²] truly cannot be printed (relu's q/2 = 2.5e-324 and gelu's q/4 round to 0) the
    /// refusal names that value and its row, not a k = inf derived from it.
    @Test(arguments: [(["gain", "--variance", "5e-324"], "activation=relu"),
                      (["gain", "--variance", "5e-324", "--activation", "gelu"], "activation=gelu")])
    func anUnderflowingSecondMomentIsRefusedByName(arguments: [String], row: String) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("mfsim: error: gain: second_moment underflows double precision (E[phi^2] > 0 is below 5e-324) at row ")
                && r.stderr.contains("(\(row), variance=5e-324)"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
