import Testing
@testable import MeanField

/// Mirror images of DKS/TAT roots (``MirrorRoots``): every image of a parameter set has the same
/// local maps and C map (which checks each family's centre of symmetry), all images normalize to
/// one canonical representative, and the solvers report it.
@Suite("Shaping: one canonical root per mirror pair")
struct MirrorRootsTests {
    /// The images `(α, β, δ)` of a parameter set under the symmetries of φ.
    static func images(_ phi: Activation, _ a: Double, _ b: Double, _ d: Double) -> [(Double, Double, Double)] {
        var result = [(a, b, d), (-a, b, d)]
        switch MirrorRoots.symmetry(phi) {
        case let .point(u0, v0)?: result += [(a, 2 * u0 - b, -d - 2 * v0), (-a, 2 * u0 - b, -d - 2 * v0)]
        case let .even(u0)?: result += [(a, 2 * u0 - b, d)]
        case .sine?:
            result += [(a, -b, -d), (a, Double.pi - b, d), (a, b + 2 * Double.pi, d), (a, b - 4 * Double.pi, d),
                       (-a, Double.pi + b, -d), (a, -Double.pi - b, d)]
        case nil: break
        }
        return result
    }

    static let symmetric = ["tanh", "erf", "sigmoid", "softsign", "sin", "tanhshrink", "softshrink", "hardtanh",
                            "hardtanh:min=-2,max=0.5", "relu6", "hardsigmoid", "abs", "tanh:in_shift=0.3,out_shift=0.2,in_scale=2",
                            "sin:in_shift=1"]

    /// Each image has the maps of the original (Q(1), Q'(1), C(0), C'(1), C''(1) and C(0.3)) to 1e-12,
    /// and normalizes to the same canonical (α, β, δ) with α > 0 and β on the documented side.
    @Test(arguments: symmetric)
    func imagesShareMapsAndCanonicalForm(spec: String) throws {
        let phi = activation(spec)
        let symmetry = try #require(MirrorRoots.symmetry(phi), "\(spec) has a symmetry")
        for (a, b, d) in [(0.7, -0.4, 0.3), (1.3, 2.2, -0.5), (0.45, 0.05, 0.1)] {
            let original = ShapedActivation(phi, inputScale: a, inputShift: b, outputShift: d, outputScale: 1.7)
            let reference = original.localMaps
            let referenceCMap = original.cMap(0.3, qValue: reference.qValue)
            var canonicalForms: [(Double, Double, Double)] = []
            for (ia, ib, id) in Self.images(phi, a, b, d) {
                let image = ShapedActivation(phi, inputScale: ia, inputShift: ib, outputShift: id, outputScale: 1.7)
                let maps = image.localMaps
                let label = "\(spec) image (\(ia), \(ib), \(id)) of (\(a), \(b), \(d))"
                expectClose(maps.qValue, reference.qValue, .relative(1e-12), "\(label) Q(1)")
                expectClose(maps.qSlope, reference.qSlope, .relative(1e-12), "\(label) Q'(1)")
                expectClose(maps.cZero, reference.cZero, .spec, "\(label) C(0)")
                expectClose(maps.cSlope, reference.cSlope, .relative(1e-12), "\(label) C'(1)")
                if reference.cCurvature.isFinite { expectClose(maps.cCurvature, reference.cCurvature, .spec, "\(label) C''(1)") }
                expectClose(image.cMap(0.3, qValue: maps.qValue), referenceCMap, .spec, "\(label) C(0.3)")
                canonicalForms.append(MirrorRoots.canonical(phi, inputScale: ia, inputShift: ib, outputShift: id))
            }
            let first = canonicalForms[0]
            #expect(first.0 > 0)
            switch symmetry {
            case let .point(u0, _), let .even(u0): #expect(first.1 >= u0, "\(spec): \(first)")
            case .sine: #expect(first.1 >= 0 && first.1 <= Double.pi / 2, "\(spec): \(first)")
            }
            for form in canonicalForms {
                expectClose(form.0, first.0, .relative(1e-15), "\(spec) canonical input_scale")
                expectClose(form.1, first.1, Tolerance(relative: 1e-14, absolute: 1e-14, absoluteBelow: 1), "\(spec) canonical input_shift")
                expectClose(form.2, first.2, Tolerance(relative: 1e-14, absolute: 1e-14, absoluteBelow: 1), "\(spec) canonical output_shift")
            }
        }
    }

    /// Families without a symmetry are left as solved (only α > 0).
    @Test func asymmetricFamiliesUntouched() {
        for spec in ["relu", "elu", "gelu", "softplus", "silu", "mish", "selu", "logsigmoid", "hardswish"] {
            #expect(MirrorRoots.symmetry(activation(spec)) == nil, "\(spec)")
            let c = MirrorRoots.canonical(activation(spec), inputScale: -0.5, inputShift: -0.3, outputShift: 0.2)
            #expect(c.inputScale == 0.5 && c.inputShift == -0.3 && c.outputShift == 0.2)
        }
    }

    /// The solvers report the canonical root: DKS (depth 1, ζ = 1.5 where solvable, and depth 10) and
    /// TAT (smooth families) of each point-symmetric family.
    @Test(arguments: ["tanh", "erf", "sigmoid", "softsign", "tanhshrink", "hardtanh", "relu6", "hardsigmoid", "softshrink"])
    func solversReportCanonicalRoots(spec: String) throws {
        let phi = activation(spec)
        var results: [ShapingResult] = []
        for depth in [1, 10] {
            if let r = try? Shaping.dks(phi, network: PlainNetwork(depth: depth)) { results.append(r) }
        }
        if ["tanh", "erf"].contains(spec) {   // (TAT of the others takes seconds)
            results.append(try Shaping.tat(phi, network: PlainNetwork(depth: 10)))
        }
        #expect(!results.isEmpty, "\(spec): nothing solved")
        for r in results {
            let s = r.shaped
            let c = MirrorRoots.canonical(phi, inputScale: s.inputScale, inputShift: s.inputShift, outputShift: s.outputShift)
            #expect(c.inputScale == s.inputScale && c.inputShift == s.inputShift && c.outputShift == s.outputShift,
                    "\(spec) \(r.method): (\(s.inputScale), \(s.inputShift), \(s.outputShift)) is not canonical")
        }
    }
}
