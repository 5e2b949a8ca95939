import Foundation
import Testing
@testable import MeanField

/// Issue #13: moments at tiny and subnormal variances are the doubles nearest the exact values (TinyVarianceReferences.swift, from
/// Tests/Generators/tiny-variances/tiny_variance_reference.py). At q = 5e-324 the closed form's
/// halving q·P₊ used to round to 0: linear's E[X²] came out 0 instead of 5e-324.
@Suite("Tiny and subnormal variances")
struct TinyVarianceTests {
    /// A value within 1e-13 relative of the nearest double (the closed forms' own conditioning: at
    /// m/√q = −2 relu's E[X²; X > 0] cancels 20-fold at any scale): near 5e-324 (spacing 5e-324)
    /// that double exactly, near 1e-310 within one subnormal spacing.
    static func expectNearest(_ x: Double, _ reference: Double, _ what: String) {
        #expect(abs(x - reference) <= 1e-13 * abs(reference), "\(what): \(x) vs \(reference)")
    }

    @Test(arguments: TinyVarianceReferences.rows.indices)
    func momentsAreTheNearestDoubles(index: Int) throws {
        let row = TinyVarianceReferences.rows[index]
        let a = try Activation(spec: row.activation)
        let label = "\(row.activation) at mean \(row.mean), variance \(row.variance)"
        for (moment, reference, name) in [(Moment.mean, row.expectedMean, "E[phi]"), (.secondMoment, row.secondMoment, "E[phi^2]"),
                                          (.slope, row.slope, "E[phi']"), (.slopeSquared, row.slopeSquared, "E[phi'^2]")] {
            Self.expectNearest(Gaussian.expectation(of: moment, a, mean: row.mean, variance: row.variance).value, reference, "\(name) of \(label)")
        }
        let s = Slopes.statistics(a, mean: row.mean, variance: row.variance)
        Self.expectNearest(s.activationSecondMoment, row.secondMoment, "slopes act_second_moment of \(label)")
        Self.expectNearest(s.expectedSlope, row.slope, "slopes expected_slope of \(label)")
    }

    /// k and γ of a homogeneous φ do not depend on q: exact even where E_q[φ²] is subnormal or 0.
    @Test(arguments: TinyVarianceReferences.rows.filter { $0.weightVarianceFactor != nil }.indices)
    func gainsAreExactAtEveryVariance(index: Int) throws {
        let row = TinyVarianceReferences.rows.filter { $0.weightVarianceFactor != nil }[index]
        let g = Slopes.initializationGain(try Activation(spec: row.activation), variance: row.variance)
        let label = "\(row.activation) at variance \(row.variance)"
        Self.expectNearest(g.secondMoment, row.secondMoment, "second_moment of \(label)")
        Self.expectNearest(g.weightVarianceFactor, row.weightVarianceFactor ?? .nan, "k of \(label)")
        Self.expectNearest(g.nfGamma, row.nfGamma ?? .nan, "nf_gamma of \(label)")
        Self.expectNearest(g.standardDeviationGain, (row.weightVarianceFactor ?? .nan).squareRoot(), "std_gain of \(label)")
    }

    /// Smooth activations at mean 0 (quadrature of φ/σ, σ ≈ √q): E_q[φ²] the nearest double (gelu's
    /// q/4 at q = 5e-324 underflows to 0), k and γ exact.
    @Test(arguments: TinyVarianceReferences.smooth.indices)
    func smoothActivationsAtTinyVariances(index: Int) throws {
        let row = TinyVarianceReferences.smooth[index]
        let a = try Activation(spec: row.activation)
        let label = "\(row.activation) at variance \(row.variance)"
        Self.expectNearest(Gaussian.expectation(of: .secondMoment, a, variance: row.variance).value, row.secondMoment, "E[phi^2] of \(label)")
        let g = Slopes.initializationGain(a, variance: row.variance)
        Self.expectNearest(g.secondMoment, row.secondMoment, "second_moment of \(label)")
        Self.expectNearest(g.weightVarianceFactor, row.weightVarianceFactor, "k of \(label)")
        Self.expectNearest(g.nfGamma, row.nfGamma, "nf_gamma of \(label)")
    }

    /// linear's E[X²] = m² + q exactly at the smallest subnormal variances.
    @Test func linearSecondMomentAtTheSmallestVariances() throws {
        let a = try Activation(spec: "linear")
        #expect(Gaussian.expectation(of: .secondMoment, a, variance: 0x1p-1074).value == 0x1p-1074)
        #expect(Gaussian.expectation(of: .secondMoment, a, variance: 0x1p-1073).value == 0x1p-1073)
        #expect(Gaussian.expectation(of: .secondMoment, a, mean: 0x1p-537, variance: 0x1p-1074).value == 0x1p-1073)
    }
}
