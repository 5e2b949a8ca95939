import Foundation
import Testing
@testable import MeanField

/// DKS and TAT for composed networks (`shape --network`): ``ShapingNetwork``'s architecture
/// functions and ``NetworkCheck`` through the ntk kernel recursion.
@Suite("Kernel shaping of composed networks")
struct NetworkShapingTests {
    static func architecture(_ text: String) throws -> ShapingNetwork {
        try ShapingNetwork(try Network(spec: text))
    }

    static func solve(_ r: NetworkShapingReference) throws -> ShapingResult {
        let network = try architecture(r.network)
        let phi = try Activation(spec: r.activation)
        return r.method == "dks" ? try Shaping.dks(phi, network: network) : try Shaping.tat(phi, network: network, eta: 0.5)
    }

    /// Every parameter and local target within 1e-11 of the 45-digit mpmath solve
    /// (Tests/Generators/shaping/network_reference.py: a normalized ResNet, and a network with
    /// biases, layernorm and unnormalized residual sums).
    @Test(arguments: networkShapingReferences.indices)
    func matchesMpmath(index: Int) throws {
        let r = networkShapingReferences[index]
        let result = try Self.solve(r)
        let label = "\(r.method) \(r.network)"
        let s = result.shaped
        for (got, want, name) in [(s.inputScale, r.inputScale, "input_scale"), (s.inputShift, r.inputShift, "input_shift"),
                                  (s.outputShift, r.outputShift, "output_shift"), (s.outputScale, r.outputScale, "output_scale")] {
            expectClose(got, want, Tolerance(relative: 1e-11, absolute: 1e-14, absoluteBelow: 1e-2), "\(label) \(name)")
        }
        if let slope = r.negativeSlope { expectClose(try #require(result.negativeSlope), slope, .relative(1e-11), "\(label) negative_slope") }
        if let xi = r.localSlope { expectClose(result.localSlopeTarget, xi, .relative(1e-14), "\(label) local C'(1)") }
        if let tau = r.localCurvature { expectClose(try #require(result.localCurvatureTarget), tau, .relative(1e-14), "\(label) local C''(1)") }
    }

    /// The achieved network targets through the kernel recursion, to 1e-12: DKS C_net'(1) = ζ,
    /// TAT C_net''(1) = τ (smooth) or C_net(0) = η (leaky_relu); for these two networks the whole
    /// network is the maximizing subnetwork.
    @Test(arguments: networkShapingReferences.indices)
    func achievesTargets(index: Int) throws {
        let r = networkShapingReferences[index]
        let network = try Self.architecture(r.network)
        let result = try Self.solve(r)
        let check = try NetworkCheck(result.shaped, network: network)
        let label = "\(r.method) \(r.activation) \(r.network)"
        if r.method == "dks" {
            expectClose(check.cSlope, 1.5, .relative(1e-12), "\(label) C'(1)")
        } else if r.activation == "leaky_relu" {
            expectClose(check.cZero, 0.5, .relative(1e-12), "\(label) C(0)")
            #expect(check.cCurvature == .infinity)
        } else {
            expectClose(check.cCurvature, 0.3, .relative(1e-12), "\(label) C''(1)")
        }
    }

    /// A network spelled as the plain MLP gives the `--depth D` result bit for bit.
    @Test(arguments: [("tanh", "dks", 10), ("relu", "dks", 50), ("elu", "dks", 10), ("leaky_relu", "dks", 10),
                      ("gelu", "tat", 50), ("softplus", "tat", 10), ("leaky_relu", "tat", 50)])
    func plainNetworkAsNetwork(name: String, method: String, depth: Int) throws {
        let phi = try Activation(spec: name)
        let plain = PlainNetwork(depth: depth)
        let network = try Self.architecture("dense [\(name) dense]*\(depth)")
        let (a, b) = method == "dks" ? (try Shaping.dks(phi, network: plain), try Shaping.dks(phi, network: network))
                                     : (try Shaping.tat(phi, network: plain), try Shaping.tat(phi, network: network))
        #expect(a == b, "\(name) \(method) D=\(depth)")
        #expect(plain.localSlopeTarget(networkSlope: 1.5) == (try network.localSlopeTarget(networkSlope: 1.5)))
        #expect(network.curvatureMultiplier == Double(depth))
    }

    /// The architecture functions in closed form: a normalized ResNet of 4 blocks of two layers
    /// has μ(ξ) = (w + (1 − w) ξ²)⁴ and κ = 4 · 2(1 − w) τ, w = 0.36; a single block with a large
    /// skip is dominated by its branch alone (μ = ξ³, κ = 3τ: the subnetwork maximum).
    @Test func closedForms() throws {
        let resnet = try Self.architecture("dense residual(skip=0.6,branch=0.8)[tanh dense tanh dense]*4")
        let w = 0.36
        for xi in [1.05, 1.3, 2] {  // (below 1 the first dense layer alone, slope 1, is the maximum)
            expectClose(resnet.maximalSlope(xi), pow(w + (1 - w) * xi * xi, 4), .relative(1e-14), "ξ = \(xi)")
        }
        expectClose(resnet.curvatureMultiplier, 8 * (1 - w), .relative(1e-14))
        let xi = try resnet.localSlopeTarget(networkSlope: 1.5)
        expectClose(pow(w + (1 - w) * xi * xi, 4), 1.5, .relative(1e-15))
        let block = try Self.architecture("dense residual(skip=0.95,branch=0.31224989991991997)[tanh dense tanh dense tanh dense]")
        #expect(try block.localSlopeTarget(networkSlope: 1.5) == exp(log(1.5) / 3))
        #expect(block.curvatureMultiplier == 3)
        // M(0) of a relu branch alone beats the skip-dominated block.
        let branchOnly = PlainNetwork(depth: 3).leakyReluComposedAtZero(negativeSlope: 0.2)
        expectClose(block.leakyReluComposedAtZero(negativeSlope: 0.2), branchOnly, .relative(1e-15))
    }

    /// Networks shaping cannot take, with the reason.
    @Test(arguments: [
        ("dense(sigma_w2=2) tanh", "input variance is 2"),
        ("dense residual[tanh dense]*2", "input variance is 2"),
        ("dense layernorm", "no activation layer"),
        ("dense tanh residual[tanh dense]", "post-activation residual"),
    ])
    func refusals(text: String, reason: String) throws {
        do {
            _ = try Self.architecture(text)
            Issue.record("\(text) accepted")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    /// A layernorm restores variance 1 after a dense layer that changes it; bias-only parts bound
    /// η from below; an unreachable η names the largest reachable one.
    @Test func layernormAndEtaBounds() throws {
        _ = try Self.architecture("dense(sigma_w2=2,sigma_b2=0.5) layernorm tanh dense")
        let biased = try Self.architecture("dense(sigma_w2=0.5,sigma_b2=0.5) [leaky_relu dense]*3")
        #expect(throws: ShapingError.self) { try biased.leakyReluNegativeSlope(eta: 0.3) }
        let short = try Self.architecture("dense residual(skip=0.6,branch=0.8)[tanh dense]*2")
        do {
            _ = try short.leakyReluNegativeSlope(eta: 0.9)
            Issue.record("η = 0.9 reached")
        } catch {
            let reach = short.leakyReluComposedAtZero(negativeSlope: 0)
            #expect("\(error)".contains("--eta <= \(formatNumber(reach))"), "\(error)")
        }
    }
}
