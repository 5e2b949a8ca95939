import Foundation
import Testing
@testable import MeanField

@Suite("Model A: SNN mean/variance map and fixed point")
struct SelfNormalizingTests {
    /// λ01, α01 (Klambauer et al. 2017, §3; the 32-digit values of SPEC §1.1).
    @Test func defaultTargetGivesLambda01Alpha01() throws {
        let fp = try SelfNormalizing.snnFixedPoint()
        expectClose(fp.lambda, 1.0507009873554804934193349852946, .relative(1e-13))
        expectClose(fp.alpha, 1.6732632423543772848170429916717, .relative(1e-13))
        #expect(fp.residual <= 1e-15)
    }

    /// Jacobian at (0, 1), ω = 0, τ = 1 (issue #3; Klambauer et al. 2017, §3:
    /// J = [[0, 0.0888], [0, 0.7826]], spectral norm 0.7877).
    @Test func jacobianAtTheFixedPoint() throws {
        let fp = try SelfNormalizing.snnFixedPoint()
        let j = fp.jacobian.entries
        #expect(j[0][0] == 0 && j[1][0] == 0)
        expectClose(j[0][1], 0.08883475510689, .relative(1e-12))
        expectClose(j[1][1], 0.78264788319681, .relative(1e-12))
        #expect(abs(fp.jacobian.spectralNorm - 0.7877) < 5e-5)
        #expect(fp.stable)
        let eig = fp.jacobian.eigenvalues
        expectClose(eig[0].re, j[1][1], .relative(1e-15))
        #expect(eig[0].im == 0 && eig[1].re == 0 && eig[1].im == 0)
    }

    /// bioinf-jku/SNNs, getSELUparameters notebook: target mean −0.1, variance 2 with its implicit
    /// ω = 1, τ = 1 gives alpha = 1.9769021954242014, lambda = 1.073851239616046 (issue #3).
    @Test func snnRepositoryNotebookExample() throws {
        let fp = try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: -0.1, variance: 2),
                                                   weights: WeightMoments(omega: 1, tau: 1))
        expectClose(fp.alpha, 1.9769021954242014, .relative(1e-13))
        expectClose(fp.lambda, 1.073851239616046, .relative(1e-13))
    }

    /// The exact Jacobian (with the kink's Dirac term) against central differences of the map,
    /// for selu and for elu (whose φ' jumps at 0 when alpha ≠ 1) at points off the fixed point.
    @Test(arguments: ["selu", "elu:alpha=2", "relu", "tanh", "celu:alpha=0.5"],
          [(0.3, 1.2, 0.7, 1.1), (-0.2, 0.5, -1.0, 2.0)])
    func jacobianMatchesFiniteDifferences(spec: String, point: (Double, Double, Double, Double)) {
        let a = activation(spec)
        let (mu, nu, omega, tau) = point
        let w = WeightMoments(omega: omega, tau: tau)
        let j = SelfNormalizing.jacobian(a, at: MeanVariance(mean: mu, variance: nu), weights: w).entries
        func g(_ m: Double, _ v: Double) -> [Double] {
            let r = SelfNormalizing.meanVarianceMap(a, MeanVariance(mean: m, variance: v), weights: w)
            return [r.mean, r.variance]
        }
        let h = 1e-5
        for row in 0..<2 {
            let dMu = (g(mu + h, nu)[row] - g(mu - h, nu)[row]) / (2 * h)
            let dNu = (g(mu, nu + h)[row] - g(mu, nu - h)[row]) / (2 * h)
            expectClose(j[row][0], dMu, Tolerance(relative: 1e-7, absolute: 1e-9, absoluteBelow: 1e-2), "\(spec) J\(row)0")
            expectClose(j[row][1], dNu, Tolerance(relative: 1e-7, absolute: 1e-9, absoluteBelow: 1e-2), "\(spec) J\(row)1")
        }
    }

    /// A SELU sweep started in the paper's basin converges to (0, 1) to 1e-12 within 200 layers;
    /// one started at (0, 1) stays there to 1e-14 at every layer (issue #3).
    @Test(arguments: [(0.0, 1.0), (0.1, 1.5), (-0.1, 0.8), (0.1, 0.8), (-0.1, 1.5)])
    func seluSweepConvergesToZeroOne(start: (Double, Double)) {
        let sweep = SelfNormalizing.depthSweep(activation("selu"), from: MeanVariance(mean: start.0, variance: start.1),
                                               weights: WeightMoments(omega: 0, tau: 1), layers: 200)
        #expect(sweep.rows.count == 201 && sweep.firstNonFiniteLayer == nil)
        let last = sweep.rows.last!
        #expect(abs(last.mean) <= 1e-12 && abs(last.variance - 1) <= 1e-12)
        if start == (0, 1) {
            for row in sweep.rows { #expect(abs(row.mean) <= 1e-14 && abs(row.variance - 1) <= 1e-14) }
        }
    }

    /// With ω ≠ 0 the map depends on the mean too: a SELU network with ω = 0.05, τ = 1.02 from the
    /// corner of the box still converges, to the fixed point the map has there.
    @Test func seluSweepWithUnnormalizedWeights() {
        let w = WeightMoments(omega: 0.05, tau: 1.02)
        let sweep = SelfNormalizing.depthSweep(activation("selu"), from: MeanVariance(mean: 0.1, variance: 1.5), weights: w, layers: 200)
        let last = sweep.rows.last!, next = SelfNormalizing.meanVarianceMap(activation("selu"), last, weights: w)
        #expect(abs(next.mean - last.mean) < 1e-14 && abs(next.variance - last.variance) < 1e-14)
    }

    /// relu with ω = 0: mean √(q/2π) and variance q(1/2 − 1/(2π)) in closed form at every layer.
    @Test func reluSweepMatchesClosedForm() {
        let sweep = SelfNormalizing.depthSweep(activation("relu"), from: MeanVariance(mean: 0, variance: 1), layers: 200)
        var q = 1.0
        for row in sweep.rows.dropFirst() {
            expectClose(row.mean, (q / (2 * Double.pi)).squareRoot(), .relative(1e-14))
            expectClose(row.variance, q * (0.5 - 1 / (2 * Double.pi)), .relative(1e-14))
            q = row.variance
        }
    }

    @Test func overflowingSweepStopsAtFirstNonFiniteLayer() {
        // A linear unit with τ = 10 multiplies the variance by 10 per layer: 1e308 overflows at layer 309.
        let sweep = SelfNormalizing.depthSweep(activation("linear"), from: MeanVariance(mean: 0, variance: 1),
                                               weights: WeightMoments(omega: 0, tau: 10), layers: 400)
        #expect(sweep.firstNonFiniteLayer == 309)
        #expect(sweep.rows.count == 309 && sweep.rows.allSatisfy { $0.variance.isFinite })
    }

    @Test func unreachableTargetsAreErrorsNotNumbers() {
        #expect(throws: FixedPointError.self) { try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: 5, variance: 0.1)) }
        #expect(throws: FixedPointError.self) { try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: 0, variance: -1)) }
        #expect(throws: FixedPointError.self) { try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: .nan, variance: 1)) }
        #expect(throws: FixedPointError.self) {
            try SelfNormalizing.snnFixedPoint(weights: WeightMoments(omega: 0, tau: 0))
        }
    }

    /// Every reachable target the solver returns is a fixed point (residual ≤ 1e-12·max(1, ν)).
    @Test(arguments: [(-0.3, 0.5), (0.2, 1.7), (0.0, 4.0), (0.4, 1.0), (-0.05, 0.01)])
    func otherTargetsAreFixedPoints(target: (Double, Double)) throws {
        let fp = try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: target.0, variance: target.1))
        let mapped = SelfNormalizing.meanVarianceMap(fp.activation, fp.target, weights: fp.weights)
        #expect(abs(mapped.mean - target.0) <= 1e-13 * max(1, target.1))
        #expect(abs(mapped.variance - target.1) <= 1e-13 * max(1, target.1))
    }

    /// Alpha dropout (Klambauer et al. 2017; SNNs repository's alpha_dropout): for (0, 1) the
    /// paper's a = (p + α'²p(1 − p))^(−1/2), b = −a(1 − p)α', and the affine-corrected dropped
    /// unit has mean 0 and variance 1.
    @Test(arguments: [0.5, 0.9, 0.95, 1.0])
    func alphaDropoutRestoresTheMoments(p: Double) throws {
        let fp = try SelfNormalizing.snnFixedPoint()
        let d = AlphaDropout(lambda: fp.lambda, alpha: fp.alpha, fixedPoint: fp.target, keepProbability: p)
        expectClose(d.alphaPrime, -selfNormalizingLambda01 * selfNormalizingAlpha01, .relative(1e-13))
        let aPaper = 1 / (p + d.alphaPrime * d.alphaPrime * p * (1 - p)).squareRoot()
        expectClose(d.a, aPaper, .relative(1e-15))
        expectClose(d.b, -aPaper * (1 - p) * d.alphaPrime, Tolerance(relative: 1e-15, absolute: 1e-16, absoluteBelow: 1e-2))
        // x kept with probability p (mean 0, variance 1), else α': moments of a·x_dropped + b.
        let mean = d.a * ((1 - p) * d.alphaPrime) + d.b
        let second = d.a * d.a * (p * 1 + (1 - p) * d.alphaPrime * d.alphaPrime)
        let variance = second - (mean - d.b) * (mean - d.b)
        expectClose(mean, 0, .absolute(1e-15))
        expectClose(variance, 1, .relative(1e-14))
    }

    /// Theorem 1 (Klambauer et al. 2017): on μ, ω ∈ [−0.1, 0.1], ν ∈ [0.8, 1.5], τ ∈ [0.95, 1.1]
    /// the Jacobian's spectral norm is below 1 and g maps into μ̃ ∈ [−0.03106, 0.06773],
    /// ν̃ ∈ [0.80009, 1.48617]. The mean range is attained (at the box corners) and matches to 5
    /// decimals; the paper's variance interval is a bound (it subtracts the extreme μ̃² from the
    /// extreme second moments), so the exact range lies inside it.
    @Test func theoremOneDomain() throws {
        let fp = try SelfNormalizing.snnFixedPoint()
        let check = SelfNormalizing.domainCheck(activation: fp.activation)
        #expect(check.maximumSpectralNorm < 1)
        #expect(check.maximumSpectralNorm > 0.78)   // at least the value at the fixed point
        #expect(abs(check.mappedMean.lowerBound - -0.03106) < 5e-6)
        #expect(abs(check.mappedMean.upperBound - 0.06773) < 5e-6)
        #expect(check.mappedVariance.lowerBound >= 0.80009 && check.mappedVariance.upperBound <= 1.48617)
    }

    @Test func matrixHelpers() {
        let rotation = Matrix2([[0, -2], [2, 0]])
        #expect(rotation.eigenvalues.map(\.re) == [0, 0] && rotation.eigenvalues.map(\.im) == [2, -2])
        expectClose(rotation.spectralNorm, 2, .relative(1e-15))
        let m = Matrix2([[3, 1], [0, 2]])
        expectClose(m.eigenvalues[0].re, 3, .relative(1e-15))
        expectClose(m.eigenvalues[1].re, 2, .relative(1e-15))
        // σ_max of [[3, 1], [0, 2]]: √((14 + √(14² − 4·36))/2) = √(7 + √13).
        expectClose(m.spectralNorm, (7 + 13.0.squareRoot()).squareRoot(), .relative(1e-15))
    }
}
