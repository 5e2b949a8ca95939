import Testing
@testable import MeanField

/// For an odd φ and σb² = 0, two inputs with c0 = −1 (u = −v) stay antipodal at every layer, exactly:
/// `Σ₁₂ = −Σ₁₁` (E[φ(u)φ(−u)] = −E[φ²]) and `Θ₁₂ = −Θ₁₁` (φ' even: E[φ'(u)φ'(−u)] = E[φ'²];
/// ``KernelEvaluator/antipodalPair(_:variance:diagonal:)``), as c0 = 1 keeps `Σ₁₂ = Σ₁₁`. In the chaotic
/// phase c = −1 repels, so an ulp of disagreement between the c = −1 kernel and the diagonal grows without
/// bound (tanh at σw² = k, q0 = 3 reached c₂₀₀ = −0.73 when the Hermite route took c = −1 from an asymptote
/// split). The variances cover the Hermite series (q ≲ 2.5 for tanh), the sign split (q ≥ 1), the closed
/// forms (erf, sin) and the 2D engine.
@Suite("Antipodal inputs of an odd activation stay antipodal")
struct AntipodalTrajectoryTests {
    @Test(arguments: ["tanh", "erf", "softsign", "tanhshrink", "sin"], [0.5, 3.0, 30.0])
    func antipodalAtEveryLayer(spec: String, q0: Double) throws {
        let phi = activation(spec)
        let k = 1 / Gaussian.expectation(of: .secondMoment, phi, variance: 1).value
        for sigmaW2 in [k, 4 * k] {   // variance-preserving and deep in the chaotic phase
            let result = NeuralTangents.twoInputs(phi, q0: q0, c0s: [-1, -0.5], weights: GaussianWeights(sigmaW2: sigmaW2, sigmaB2: 0),
                                                  layers: 120)
            for row in result.rows where row.c0 == -1 {
                #expect(row.nngp12 == -row.nngp11 && row.ntk12 == -row.ntk11,
                        "\(spec) q0 \(q0) sigma_w2 \(sigmaW2) layer \(row.layer): nngp \(row.nngp11), \(row.nngp12); ntk \(row.ntk11), \(row.ntk12)")
            }
        }
    }
}
