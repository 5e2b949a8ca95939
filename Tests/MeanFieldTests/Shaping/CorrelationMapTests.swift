import Testing
@testable import MeanField

/// ``ShapedActivation/correlationMap(expectedQueries:)`` (the kernel evaluator's route at q = 1, what
/// `mfsim shape --c-map` composes) against the definition ``ShapedActivation/cMap(_:qValue:)`` (the
/// kink-aware 2D engine on φ̂ itself), for DKS and TAT solutions and hand-picked affine images, at
/// correlations across [−1, 1]; few and many expected queries, so both the per-value routes and the
/// θ-series are checked.
@Suite("Shaping: the C map through the kernel evaluator")
struct CorrelationMapTests {
    static let correlations = [-1, -0.999, -0.7, -0.2, 0, 1e-3, 0.35, 0.8, 0.99, 0.999999]

    static func expectMatchesDefinition(_ shaped: ShapedActivation, expectedQueries: Int) throws {
        let local = try shaped.correlationMap(expectedQueries: expectedQueries)
        let q = shaped.localMaps.qValue
        for c in correlations {
            expectClose(local(c), shaped.cMap(c, qValue: q), .spec, "\(shaped.spec) C(\(c)), \(expectedQueries) queries")
        }
        #expect(local(1) == 1)
    }

    @Test(arguments: ["tanh", "elu", "selu", "softplus", "gelu", "silu", "sin"])
    func dksAndTatSolutions(spec: String) throws {
        let network = PlainNetwork(depth: 10)
        var solved = [try Shaping.dks(activation(spec), network: network)]
        if let tat = try? Shaping.tat(activation(spec), network: network) { solved.append(tat) }
        for result in solved {
            for queries in [1, 10_000] { try Self.expectMatchesDefinition(result.shaped, expectedQueries: queries) }
        }
    }

    @Test(arguments: ["relu", "leaky_relu:slope=0.2", "hardtanh", "softsign", "erf", "celu:alpha=0.5"])
    func affineImages(spec: String) throws {
        let shaped = ShapedActivation(activation(spec), inputScale: 0.8, inputShift: 0.3, outputShift: -0.2, outputScale: 1.4)
        for queries in [1, 10_000] { try Self.expectMatchesDefinition(shaped, expectedQueries: queries) }
    }

    /// `mfsim shape --method tat --activation tanh --depth 50 --c-map 21` (the exported table): the 50-layer
    /// composition of the evaluator's local map against Tests/Generators/shape-c-map (Mehler's series at 50
    /// digits), to 1e-13 relative or 2e-14 absolute — tighter than SPEC §2, because the Hermite series with
    /// rule-summed a₀…a₂ was 1.0e-12 off here (1.9e-13 absolute after 50 layers), within SPEC but
    /// less exact than the 2D engine it replaced.
    @Test func tatTanhFiftyLayersAgainstMpmath() throws {
        let shaped = ShapedActivation(activation("tanh"), inputScale: 0.08165523587395113, inputShift: 0.5258489448021326,
                                      outputShift: -0.48318895503034004, outputScale: 15.941633503335332)
        let network = PlainNetwork(depth: 50)
        let local = try shaped.correlationMap(expectedQueries: 21 * 50)
        for (c, expected) in Self.tatTanhReference {
            expectClose(network.composed(c, local), expected, Tolerance(relative: 1e-13, absolute: 2e-14, absoluteBelow: 1),
                        "C^50(\(c))")
        }
    }

    /// (c_in, C^50(c_in)) from Tests/Generators/shape-c-map/reference.txt (30 digits printed).
    static let tatTanhReference: [(Double, Double)] = [
        (-1.0, -0.537323322411933320349383704856),
        (-0.9, -0.477598775947316600936073715576),
        (-0.8, -0.416450537786462260436926012597),
        (-0.7, -0.353827925648195982604480734532),
        (-0.6, -0.289677828912083302015702485192),
        (-0.5, -0.223944561504072609655204560052),
        (-0.4, -0.156569703951382359385868682955),
        (-0.30000000000000004, -0.0874919336638506925769609197131),
        (-0.19999999999999996, -0.0166468424038633371265076848864),
        (-0.09999999999999998, 0.0560332601990770527060775456999),
        (0.0, 0.130619558351501735490038314452),
        (0.10000000000000009, 0.207186958411626943651046385009),
        (0.19999999999999996, 0.285814335360572890999706849979),
        (0.30000000000000004, 0.366584799138514201094622083881),
        (0.3999999999999999, 0.449585982741893150577050476142),
        (0.5, 0.534910354187933754408949943886),
        (0.6000000000000001, 0.622655554689397068665677297775),
        (0.7, 0.71292476564966430075743046488),
        (0.8, 0.805827107390206068769504371407),
        (0.8999999999999999, 0.90147807286445191617922268857),
        (1.0, 1.0)
    ]
}
