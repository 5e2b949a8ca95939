import Foundation
import Testing
@testable import MeanField

/// ``DualKernel``'s pole-distance bound (issue #15 item 3): below `d = (pole distance)/√q =`
/// ``DualKernel/minimumPoleDistance`` no tier is tried, so it must decline only variances where even the
/// last tier (800 terms on 1600 points) would not certify 1e-13.
@Suite("Hermite series: pole-distance bound")
struct DualKernelPoleBoundTests {
    static let specs = ["tanh", "sigmoid", "silu", "softplus", "softplus:beta=2", "mish", "tanhshrink", "logsigmoid", "gelu_tanh"]

    /// At d = 0.5, 0.45, 0.4, 0.3 the last tier does not certify for any activation with poles; and the bound
    /// declines exactly there (d = 0.5 − 1e-9 declined, the tiers' own answer kept above).
    @Test func lastTierFailsBelowTheBound() throws {
        for spec in Self.specs {
            let a = activation(spec)
            let pole = try #require(a.poleDistance, "\(spec)")
            for d in [DualKernel.minimumPoleDistance, 0.45, 0.4, 0.3] {
                let q = (pole / d) * (pole / d)
                let second = Gaussian.expectation(of: .secondMoment, a, variance: q).value
                let slope = Gaussian.expectation(of: .slopeSquared, a, variance: q).value
                #expect(DualKernel(a, variance: q, relativeTolerance: 1e-13, secondMoment: second, slopeSquared: slope, firstTier: 2) == nil,
                        "\(spec) certifies at d = \(d) (q = \(q))")
            }
            let below = (pole / (DualKernel.minimumPoleDistance - 1e-9)) * (pole / (DualKernel.minimumPoleDistance - 1e-9))
            #expect(DualKernel(a, variance: below, relativeTolerance: 1e-13) == nil)
        }
    }

    /// Where the last tier does certify (measured down to d ≈ 0.6), the bound lets it: d = 0.7 for tanh, softplus
    /// and logsigmoid gives a series, as before the bound.
    @Test func certifiedAboveTheBound() throws {
        for spec in ["tanh", "softplus", "logsigmoid"] {
            let a = activation(spec)
            let pole = try #require(a.poleDistance)
            let q = (pole / 0.7) * (pole / 0.7)
            let bounded = DualKernel(a, variance: q, relativeTolerance: 1e-13)
            let second = Gaussian.expectation(of: .secondMoment, a, variance: q).value
            let slope = Gaussian.expectation(of: .slopeSquared, a, variance: q).value
            let tiers = DualKernel(a, variance: q, relativeTolerance: 1e-13, secondMoment: second, slopeSquared: slope, firstTier: 2)
            #expect((bounded == nil) == (tiers == nil), "\(spec) at d = 0.7")
            #expect(bounded?.coefficients == tiers?.coefficients, "\(spec) at d = 0.7")
        }
    }
}
