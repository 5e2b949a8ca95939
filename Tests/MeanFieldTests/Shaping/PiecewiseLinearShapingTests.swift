import Foundation
import Testing
@testable import MeanField

/// DKS of the clip-type activations (hardtanh, relu6, hardsigmoid) and abs: 32-digit mpmath
/// parameters where a solution exists (PiecewiseLinearShapingReferences.swift, from
/// Tests/Generators/shaping/piecewise_linear_reference.py), the achieved targets, and the refusals
/// where the conditions have no solution (``DKSObstruction``).
@Suite("Shaping: DKS of piecewise-linear activations")
struct PiecewiseLinearShapingTests {
    static func solve(_ r: PiecewiseLinearShapingReference) throws -> ShapingResult {
        try Shaping.dks(activation(r.activation), network: PlainNetwork(depth: r.depth), zeta: r.zeta)
    }

    /// Every parameter within 1e-11 relative of the 30-digit solve.
    @Test(arguments: piecewiseLinearShapingReferences.indices)
    func matchesMpmath(index: Int) throws {
        let r = piecewiseLinearShapingReferences[index]
        let s = try Self.solve(r).shaped
        let label = "\(r.activation) D=\(r.depth) zeta=\(r.zeta)"
        for (name, actual, expected) in [("input_scale", s.inputScale, r.inputScale), ("input_shift", s.inputShift, r.inputShift),
                                         ("output_shift", s.outputShift, r.outputShift), ("output_scale", s.outputScale, r.outputScale)] {
            expectClose(actual, expected, Tolerance(relative: 1e-11, absolute: 1e-11, absoluteBelow: 1e-3), "\(label) \(name)")
        }
    }

    /// Q(1) = 1, Q'(1) = 1, C(0) = 0 and the network's C'(1) = ζ, measured from φ̂ itself (its own
    /// kinks as breakpoints) and through D layers of the NNGP recursion: 1e-12.
    @Test(arguments: piecewiseLinearShapingReferences.indices)
    func achievesTargets(index: Int) throws {
        let r = piecewiseLinearShapingReferences[index]
        let result = try Self.solve(r)
        let maps = result.shaped.localMaps
        let network = PlainNetwork(depth: r.depth)
        let label = "\(r.activation) D=\(r.depth) zeta=\(r.zeta)"
        expectClose(maps.qValue, 1, .relative(1e-13), "\(label) Q(1)")
        expectClose(maps.qSlope, 1, .relative(1e-12), "\(label) Q'(1)")
        expectClose(maps.cZero, 0, .absolute(1e-14), "\(label) C(0)")
        expectClose(network.maximalSlope(maps.cSlope), r.zeta, .relative(1e-12), "\(label) network C'(1)")
        let check = try NetworkCheck(result.shaped, network: network)
        expectClose(check.cSlope, r.zeta, .relative(1e-12), "\(label) network C'(1) through the recursion")
    }

    /// relu6 and hardsigmoid are affine images of hardtanh (relu6(u) = 3 + 3·hardtanh((u − 3)/3),
    /// hardsigmoid(u) = 1/2 + hardtanh(u/3)/2), so their DKS inputs u = αx + β map onto hardtanh's:
    /// the same (α/3, (β − 3)/3) resp. (α/3, β/3) up to hardtanh's mirror image (α, β) ↦ (α, −β).
    @Test func affineImagesOfHardtanh() throws {
        let network = PlainNetwork(depth: 1)
        let h = try Shaping.dks(activation("hardtanh"), network: network).shaped
        let r6 = try Shaping.dks(activation("relu6"), network: network).shaped
        let hs = try Shaping.dks(activation("hardsigmoid"), network: network).shaped
        expectClose(r6.inputScale / 3, h.inputScale, .relative(1e-11), "relu6 scale")
        expectClose(abs((r6.inputShift - 3) / 3), h.inputShift, .relative(1e-11), "relu6 shift")
        expectClose(hs.inputScale / 3, h.inputScale, .relative(1e-11), "hardsigmoid scale")
        expectClose(abs(hs.inputShift / 3), h.inputShift, .relative(1e-11), "hardsigmoid shift")
    }

    /// ζ^(1/D) ≤ π/(π − 1) is refused for every clip-type activation, with the reason, at once
    /// (the default depth 10: ξ = 1.0414; at depth 1, ζ = 1.46 just below the bound); so is
    /// abs unless ζ^(1/D) = π/(π − 2), where input_scale 1, input_shift 0 is the solution.
    @Test func refusals() throws {
        for spec in ["hardtanh", "hardtanh:min=-2,max=0.5", "relu6", "hardsigmoid"] {
            for (depth, zeta) in [(10, 1.5), (50, 1.5), (1, 1.46), (2, 2.15)] {
                do {
                    _ = try Shaping.dks(activation(spec), network: PlainNetwork(depth: depth), zeta: zeta)
                    Issue.record("\(spec) D=\(depth) zeta=\(zeta): expected a refusal")
                } catch {
                    guard case .unreachableTarget(let message) = error else { Issue.record("\(spec): \(error)"); continue }
                    #expect(message.contains("pi/(pi-1) = 1.46694220692426"), "\(message)")
                }
            }
        }
        for (depth, zeta) in [(10, 1.5), (1, 1.5), (1, 3.0)] {
            do {
                _ = try Shaping.dks(activation("abs"), network: PlainNetwork(depth: depth), zeta: zeta)
                Issue.record("abs D=\(depth) zeta=\(zeta): expected a refusal")
            } catch {
                guard case .unreachableTarget(let message) = error else { Issue.record("abs: \(error)"); continue }
                #expect(message.contains("positively homogeneous") && message.contains("pi/(pi-2)"), "\(message)")
            }
        }
        let exact = try Shaping.dks(activation("abs"), network: PlainNetwork(depth: 1), zeta: DKSObstruction.absSlope)
        #expect(exact.shaped.inputScale == 1 && exact.shaped.inputShift == 0)
        let maps = exact.shaped.localMaps
        expectClose(maps.qSlope, 1, .relative(1e-12), "abs Q'(1)")
        expectClose(maps.cSlope, Double.pi / (Double.pi - 2), .relative(1e-12), "abs C'(1)")
        // Just above the bound the solver finds the root near the relu limit.
        let near = try Shaping.dks(activation("hardtanh"), network: PlainNetwork(depth: 1), zeta: 1.47)
        expectClose(near.shaped.localMaps.cSlope, 1.47, .relative(1e-12), "hardtanh zeta 1.47")
    }

    /// The identity behind the refusal, Q'(1) − 1 = [(m − a)aΦ(a) − (b − m)bΦ(−b)]/V for
    /// ψ = clip(x, a, b), against mfsim's own local maps of φ̂ at solved and unsolved points.
    @Test func qSlopeIdentity() throws {
        for (a, b) in [(-1.0, 1.0), (-0.3, 2.0), (0.5, 3.0), (-3.0, -0.5), (0.1, 0.2)] {
            let psi = try Activation(spec: "hardtanh:min=\(a),max=\(b)")
            let m = Gaussian.expectation(KinkedFunction(kinks: [a, b], featureScale: nil) { psi.evaluate($0, .value) }, variance: 1).value
            let second = Gaussian.expectation(KinkedFunction(kinks: [a, b], featureScale: nil) { let v = psi.evaluate($0, .value); return v * v },
                                              variance: 1).value
            let v = second - m * m
            let identity = 1 + ((m - a) * a * Phi(a) - (b - m) * b * Phi(-b)) / v
            let maps = ShapedActivation(psi, outputShift: -m, outputScale: 1 / v.squareRoot()).localMaps
            expectClose(maps.qSlope, identity, Tolerance(relative: 1e-12, absolute: 1e-14, absoluteBelow: 1e-2), "a=\(a) b=\(b)")
        }
    }

    static func Phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
    func Phi(_ x: Double) -> Double { Self.Phi(x) }
}
