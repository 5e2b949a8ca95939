import Foundation
import Testing
@testable import MeanField

/// Issue #13 (defect 7, tanh at q = 1e-6): E[log φ'] at small variances converges to mpmath's
/// value, and a quadrature that cannot meet its tolerance still says so.
@Suite("log_slope at small variances")
struct SmallVarianceLogSlopeTests {

    /// E[log φ'] at small variances against mpmath (Tests/Generators/tiny-variances/log_slope_reference.py,
    /// 40 digits): within 1e-13 relative, by a quadrature that converges. tanh's log sech² used to cancel
    /// to ~1e-16 absolute near 0 (value ~x²): 6e-11 relative at q = 1e-6, and its quadrature hit the
    /// panel limit.
    @Test(arguments: [
        ("tanh", 0, 1e-6, -0.0000009999995000006666199981612), ("tanh", 0, 1e-5, -0.000009999950000666653318435677),
        ("tanh", 0.001, 1e-6, -0.000001999998333336711097184726), ("tanh", -0.002, 1e-5, -0.00001399990733490947048524187),
        ("sigmoid", 0, 1e-6, -1.38629461111985936884487), ("sigmoid", 0, 1e-5, -1.38629686111676562925128),
        ("sigmoid", 0.001, 1e-6, -1.386294861119786452220574), ("sigmoid", -0.002, 1e-5, -1.386297861114098976795659),
        ("erf", 0, 1e-6, 0.1207812376352452223455637), ("erf", 0, 1e-5, 0.1207722376352452223447004),
        ("erf", 0.001, 1e-6, 0.1207802376352452223455221), ("erf", -0.002, 1e-5, 0.1207682376352452223445339),
    ] as [(String, Double, Double, Double)])
    func logSlopeAtSmallVariances(spec: String, mean: Double, variance: Double, reference: Double) throws {
        let e = try #require(Slopes.logSlope(try Activation(spec: spec), mean: mean, variance: variance))
        #expect(abs(e.value - reference) <= 1e-13 * abs(reference), "\(spec) m \(mean) q \(variance): \(e.value) vs \(reference)")
        #expect(e.converged, "\(spec) m \(mean) q \(variance): \(e)")
    }

    /// The stopping rule still refuses what does not meet it: the old log sech² formula, which
    /// cancels to ~1e-16 absolute near 0, cannot be integrated to 1e-13 relative at q = 1e-6 (panel
    /// limit, converged = false), while the cancellation-free one converges to mpmath's value.
    @Test func aNoisyIntegrandStillSaysItDidNotConverge() throws {
        let tanh = try Activation(spec: "tanh")
        let noisy = KinkedFunction(featureScale: tanh.featureScale) { x in let a = abs(x); return 2 * (log(2.0) - a - log1p(exp(-2 * a))) }
        let e = Gaussian.expectation(noisy, variance: 1e-6)
        #expect(!e.converged, "\(e)")
        let clean = Gaussian.expectation(KinkedFunction(featureScale: tanh.featureScale) { tanh.logDerivative($0) }, variance: 1e-6)
        #expect(clean.converged && abs(clean.value - -0.0000009999995000006666199981612) <= 1e-13 * 1e-6, "\(clean)")
    }
}
