import Testing
@testable import MeanField

/// DKS of the relu-limit families (elu, selu, celu, softshrink) and tanhshrink where the plain
/// depth is small: refused with the reason where the conditions have no solution
/// (``DKSObstruction``, numerically established by
/// `Tests/Generators/shaping/dks_relu_limit_reference.py`), and otherwise solved, against that
/// script's 32-digit mpmath roots (DKSReluLimitReferences.swift).
@Suite("Shaping: DKS of the relu-limit families at small depth")
struct DKSReluLimitTests {
    /// ζ^(1/D) ≥ π/(π − 1) is refused at once for elu (alpha ≤ 1.8), selu, celu and softshrink:
    /// depth 1 with the default ζ = 1.5, and ζ = 1.4669422069243 just above the bound.
    @Test(arguments: ["elu", "elu:alpha=0.5", "elu:alpha=1.8", "selu", "selu:lambda=2", "celu", "celu:alpha=3",
                      "softshrink", "softshrink:lambda=2", "elu:in_scale=2,out_shift=1"])
    func reluLimitRefusals(spec: String) throws {
        for (depth, zeta) in [(1, 1.5), (1, 1.4669422069243), (2, 2.25), (1, 40.0)] {
            do {
                _ = try Shaping.dks(activation(spec), network: PlainNetwork(depth: depth), zeta: zeta)
                Issue.record("\(spec) D=\(depth) zeta=\(zeta): expected a refusal")
            } catch {
                guard case .unreachableTarget(let message) = error else { Issue.record("\(spec): \(error)"); continue }
                #expect(message.contains("stays below pi/(pi-1) = 1.46694220692426"), "\(message)")
                #expect(message.contains("zeta < 1.46694220692426^depth"), "\(message)")
            }
        }
    }

    /// tanhshrink: C'(1) on Q'(1) = 1 is at most 1.1463…, so depths 1 and 2 at ζ = 1.5 are refused;
    /// the Swift constant is the generator's 45-digit maximum.
    @Test func tanhshrinkRefusals() throws {
        #expect(DKSObstruction.tanhshrinkMaximalSlope == tanhshrinkMaximalCSlope)
        for (depth, zeta) in [(1, 1.5), (2, 1.5), (1, tanhshrinkMaximalCSlope * (1 + 1e-9))] {
            do {
                _ = try Shaping.dks(activation("tanhshrink"), network: PlainNetwork(depth: depth), zeta: zeta)
                Issue.record("tanhshrink D=\(depth) zeta=\(zeta): expected a refusal")
            } catch {
                guard case .unreachableTarget(let message) = error else { Issue.record("tanhshrink: \(error)"); continue }
                #expect(message.contains("at most 1.146"), "\(message)")
            }
        }
        // Just below the maximum there are roots (two, on either side of the maximising input_scale).
        let near = try Shaping.dks(activation("tanhshrink"), network: PlainNetwork(depth: 1), zeta: 1.145)
        expectClose(near.shaped.localMaps.cSlope, 1.145, .relative(1e-12), "tanhshrink zeta 1.145")
        let three = try Shaping.dks(activation("tanhshrink"), network: PlainNetwork(depth: 3))
        expectClose(PlainNetwork(depth: 3).maximalSlope(three.shaped.localMaps.cSlope), 1.5, .relative(1e-12), "tanhshrink depth 3")
    }

    /// The refusal is not broader than the evidence: elu with alpha = 3 exceeds π/(π − 1) and is solved
    /// at depth 1, ζ = 1.5 (the default depth-10 cases are unchanged).
    @Test func notRefusedOutsideTheEvidence() throws {
        let r = try Shaping.dks(activation("elu:alpha=3"), network: PlainNetwork(depth: 1))
        let maps = r.shaped.localMaps
        expectClose(maps.qSlope, 1, .relative(1e-12), "elu:alpha=3 Q'(1)")
        expectClose(maps.cSlope, 1.5, .relative(1e-12), "elu:alpha=3 C'(1)")
        for spec in ["elu", "selu", "celu", "softshrink", "tanhshrink"] {
            let deep = try Shaping.dks(activation(spec), network: PlainNetwork(depth: 10))
            expectClose(deep.shaped.localMaps.cSlope, PlainNetwork(depth: 10).localSlopeTarget(networkSlope: 1.5), .relative(1e-12), spec)
        }
    }

    /// Where solvable: every parameter within 1e-11 of the 30-digit root, and the defining conditions
    /// Q(1) = 1, Q'(1) = 1, C(0) = 0, C'(1) = ζ^(1/D) measured from φ̂ itself (its kinks as breakpoints)
    /// and through the network's kernel recursion: 1e-12.
    @Test(arguments: dksReluLimitReferences.indices)
    func solvableCases(index: Int) throws {
        let r = dksReluLimitReferences[index]
        let network = PlainNetwork(depth: r.depth)
        let result = try Shaping.dks(activation(r.spec), network: network, zeta: r.zeta)
        let s = result.shaped
        let label = "\(r.spec) D=\(r.depth) zeta=\(r.zeta)"
        for (name, actual, expected) in [("input_scale", s.inputScale, r.inputScale), ("input_shift", s.inputShift, r.inputShift),
                                         ("output_shift", s.outputShift, r.outputShift), ("output_scale", s.outputScale, r.outputScale)] {
            expectClose(actual, expected, Tolerance(relative: 1e-11, absolute: 1e-11, absoluteBelow: 1e-3), "\(label) \(name)")
        }
        let maps = s.localMaps
        expectClose(maps.qValue, 1, .relative(1e-12), "\(label) Q(1)")
        expectClose(maps.qSlope, 1, .relative(1e-12), "\(label) Q'(1)")
        expectClose(maps.cZero, 0, .absolute(1e-14), "\(label) C(0)")
        expectClose(network.maximalSlope(maps.cSlope), r.zeta, .relative(1e-12), "\(label) network C'(1)")
        let check = try NetworkCheck(s, network: network)
        expectClose(check.cSlope, r.zeta, .relative(1e-12), "\(label) network C'(1) through the recursion")
    }
}
