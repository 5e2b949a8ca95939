import Foundation
import Testing

/// Issue #13: `edge --q0` (default 1), as `phase --q0`: q* at each trial sigma_w2 is the fixed point
/// of the length map reached from q0, and q_unstable bounds its basin at the edge.
@Suite("mfsim edge --q0")
struct EdgeStartTests {
    static func rows(_ arguments: [String]) throws -> (rows: [[String: String]], stderr: String) {
        let r = try MFSimProcess.run(["edge"] + arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return (csvRows(r.stdout), r.stderr)
    }

    /// silu at sigma_b2 = 0.04 is bistable (phase: from q0 = 1 unbounded at sigma_w2 = 2.8, from 0.1
    /// ordered at q* = 0.18583…). Neither branch reaches chi1 = 1: the stable branch below the
    /// unstable fixed point is ordered (chi1 = 0.81 at 2.8) until q0 leaves its basin, and beyond it q
    /// grows without bound. So from either start there is no edge: empty cells and a warning that
    /// chi1 jumps past 1, never the jump's sigma_w2 passed off as an edge.
    @Test(arguments: ["1", "0.1"])
    func bistableSiluHasNoEdgeFromEitherBasin(q0: String) throws {
        let (rows, stderr) = try Self.rows(["--activation", "silu", "--sigma-b2", "0.04", "--q0", q0])
        #expect(rows.count == 1)
        #expect(rows.first?["sigma_w2"] == "" && rows.first?["q_star"] == "" && rows.first?["q_unstable"] == "", "\(rows)")
        #expect(stderr.contains("mfsim: warning: no edge of chaos for silu at sigma_b2 = 0.04: chi1(q*) jumps past 1"), "\(stderr)")
        // Mirror of the phase test: the two starts lie in different basins at sigma_w2 = 2.8.
        let phase = try MFSimProcess.run(["phase", "--activation", "silu", "--sigma-w2", "2.8", "--sigma-b2", "0.04", "--q0", q0])
        #expect(csvRows(phase.stdout).first?["phase"] == (q0 == "1" ? "unbounded" : "ordered"))
    }

    /// Where the edge exists, q* at it is the fixed point reached from q0, and phase agrees there:
    /// chi1(q*) = 1 at (edge sigma_w2, sigma_b2) from the same q0, with the same q*.
    @Test(arguments: [("gelu", "0.3", "0.01"), ("gelu", "0.3", "100"), ("tanh", "0.1", "0.5"), ("elu", "0.1", "3")])
    func edgeAgreesWithPhaseFromTheSameStart(activation: String, sigmaB2: String, q0: String) throws {
        let (rows, _) = try Self.rows(["--activation", activation, "--sigma-b2", sigmaB2, "--q0", q0])
        let w2 = try #require(rows.first?["sigma_w2"], "\(rows)"), qStar = try #require(Double(rows.first?["q_star"] ?? ""))
        #expect(rows.first?["q_unstable"] == "", "no unstable fixed point above q* here: \(rows)")
        let phase = csvRows(try MFSimProcess.run(["phase", "--activation", activation, "--sigma-w2", w2, "--sigma-b2", sigmaB2, "--q0", q0]).stdout)
        let chi1 = try #require(Double(phase.first?["chi1"] ?? ""))
        #expect(abs(chi1 - 1) < 1e-9, "\(activation): chi1 = \(chi1)")
        #expect(abs(Double(phase.first?["q_star"] ?? "")! / qStar - 1) < 1e-12, "\(phase) vs \(qStar)")
        // The same edge as from the default q0 = 1 (one basin here).
        let (defaults, _) = try Self.rows(["--activation", activation, "--sigma-b2", sigmaB2])
        #expect(abs(Double(defaults[0]["sigma_w2"]!)! / Double(w2)! - 1) < 1e-12)
    }

    @Test func defaultIsQ0One() throws {
        let plain = try MFSimProcess.run(["edge", "--activation", "elu", "--sigma-b2", "0:0.2:3", "--format", "json"])
        let explicit = try MFSimProcess.run(["edge", "--activation", "elu", "--sigma-b2", "0:0.2:3", "--format", "json", "--q0", "1"])
        #expect(plain.status == 0 && plain.stdout == explicit.stdout)
        #expect(plain.stdout.contains("\"q0\": 1.0"), "\(plain.stdout)")
        let bad = try MFSimProcess.run(["edge", "--q0", "0"])
        #expect(bad.status == 64 && bad.stderr.hasPrefix("mfsim: error: --q0 must be > 0 (got 0.0)"), "\(bad.stderr)")
    }
}
