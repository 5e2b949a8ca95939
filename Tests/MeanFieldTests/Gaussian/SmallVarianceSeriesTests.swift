import Foundation
import Testing
@testable import MeanField

/// The exponential family's 1D moments at mean 0 and small variance (k√q < 0.2, issue #15 W2):
/// the power series that replaced the adaptive quadrature where the erfc closed form cancels,
/// against 40-digit mpmath references, against the quadrature it replaced, and against the erfc
/// closed form where both are valid.
@Suite("Exponential family: small-variance power series")
struct SmallVarianceSeriesTests {
    static let moments: [Moment] = [.mean, .secondMoment, .valueTimesSlope, .curvatureTimesValue]
    static let specs = ["elu", "elu:alpha=0.5", "selu", "celu:alpha=2", "celu:alpha=0.3"]

    /// 80 mpmath references (Tests/Generators/small-variance-series): within 1e-15 relative, and
    /// the route is the series (a closed form: nothing recorded in the ledger).
    @Test func againstMpmath() {
        #expect(smallVarianceSeriesReferences.count == 80)
        for r in smallVarianceSeriesReferences {
            let a = activation(r.spec)
            #expect(a.smallVarianceSeriesExpectation(r.moment, mean: 0, variance: r.variance) != nil, "\(r.spec) \(r.moment) q \(r.variance)")
            let (e, accuracy) = AccuracyLedger.recording { Gaussian.expectation(of: r.moment, a, variance: r.variance) }
            #expect(e.method == .closedForm && accuracy.quadratures == 0)
            expectClose(e.value, r.value, .relative(1e-15), "\(r.spec) \(r.moment) q \(r.variance)")
        }
    }

    /// The previous route, kink-aware adaptive quadrature, on a log-uniform grid of 40 variances
    /// from 1e-6 up to k√q = 0.2 for each family and moment: the same numbers to 1e-13 relative, or
    /// 1e-15·√q absolute. The absolute part is the quadrature's own rounding where an odd-looking
    /// integrand of size ~√q cancels to a value of size ~q (E[φ], E[φφ']): e.g. celu:alpha=2's E[φ]
    /// at q = 1.5883666692603535e-5 is 1.9833557766716798e-6 by the series, 1.9833557766719013e-6
    /// by the quadrature and 1.983355776671678875e-6 by mpmath (40 digits): the series is the exact one.
    @Test func againstTheQuadratureItReplaced() {
        var compared = 0
        for spec in Self.specs {
            let a = activation(spec)
            guard let form = a.basePiecewiseForm, case let .exponential(_, k) = form.negative else {
                Issue.record("\(spec) is not exponential"); continue
            }
            let top = 0.2 / k * (0.2 / k) * (1 - 1e-9)
            for index in 0..<40 {
                let q = exp(log(1e-6) + (log(top) - log(1e-6)) * Double(index) / 39)
                for m in Self.moments {
                    guard let series = a.smallVarianceSeriesExpectation(m, mean: 0, variance: q) else {
                        Issue.record("\(spec) \(m) q \(q): no series"); continue
                    }
                    let quadrature = Gaussian.expectation(of: m, a, variance: q, strategy: .quadrature)
                    let tolerance = Tolerance(relative: 1e-13, absolute: 1e-15 * q.squareRoot(), absoluteBelow: .infinity)
                    expectClose(series, quadrature.value, tolerance, "\(spec) \(m) q \(q)")
                    compared += 1
                }
            }
        }
        #expect(compared == 5 * 40 * 4)
    }

    /// Where the erfc form is still well conditioned (0.2 ≤ k√q ≤ 0.5, losing at most ~(k√q)⁻²
    /// ulps), the series and it agree to 1e-13; the series is only taken below 0.2.
    @Test func againstTheClosedFormAboveTheSwitch() throws {
        for spec in Self.specs {
            let a = activation(spec)
            let form = try #require(a.basePiecewiseForm)
            guard case let .exponential(_, k) = form.negative else { continue }
            for ks in stride(from: 0.2, through: 0.5, by: 0.05) {
                let q = (ks / k) * (ks / k)
                for m in Self.moments {
                    let series = try #require(form.smallVarianceSeries(m.first, m.second, variance: q))
                    let closed = try #require(a.closedFormExpectation(m.first, m.second, mean: 0, variance: q))
                    expectClose(series, closed, .relative(1e-13), "\(spec) \(m) k√q \(ks)")
                    // Above the switch the automatic route is the erfc closed form itself.
                    #expect(a.smallVarianceSeriesExpectation(m, mean: 0, variance: q * 1.0001) == nil)
                }
            }
        }
    }

    /// Not taken off mean 0, with an affine transformation, beyond k√q = 0.5, or below q = 1e-300.
    @Test func declinedOutsideItsRange() throws {
        let elu = activation("elu")
        #expect(elu.smallVarianceSeriesExpectation(.secondMoment, mean: 1e-3, variance: 1e-4) == nil)
        #expect(activation("elu:in_shift=0.1").smallVarianceSeriesExpectation(.secondMoment, mean: 0, variance: 1e-4) == nil)
        let form = try #require(elu.basePiecewiseForm)
        #expect(form.smallVarianceSeries(.value, .value, variance: 0.26) == nil)
        #expect(form.smallVarianceSeries(.value, .value, variance: 1e-301) == nil)
        #expect(try #require(form.smallVarianceSeries(.value, .value, variance: 1e-300)) > 0)
        // Derivative-only moments keep their (well-conditioned) closed form.
        #expect(elu.smallVarianceSeriesExpectation(.slopeSquared, mean: 0, variance: 1e-4) == nil)
    }
}
