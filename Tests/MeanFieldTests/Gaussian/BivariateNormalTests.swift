import Foundation
import Testing
@testable import MeanField

@Suite("Bivariate normal CDF and the exponential family's exact kernels")
struct BivariateNormalTests {
    /// 24-digit mpmath references (conditional-form integral), tails down to 1e-300 and
    /// ρ = ±(1 − 1e-12): SPEC §2's relative accuracy with no absolute floor.
    @Test func bivariateCDFAgainstMpmath() {
        #expect(bivariateCDFReferences.count >= 150)
        for r in bivariateCDFReferences {
            // Including ρ = 1 − 1e-12 with both limits ≤ −20 (once ~2e-11 off: sin ψ was taken as
            // sin(π − ε − t), carrying π − ε's rounding into a sine of size ε).
            let value = bivariateNormalCDF(r.h, r.k, correlation: r.rho)
            expectClose(value, r.value, .relative(1e-12), "Φ₂(\(r.h), \(r.k); \(r.rho))")
            // Symmetric in (h, k).
            let swapped = bivariateNormalCDF(r.k, r.h, correlation: r.rho)
            expectClose(swapped, r.value, .relative(1e-12), "Φ₂(\(r.k), \(r.h); \(r.rho))")
        }
    }

    /// Closed forms: Φ₂(h, k; 0) = Φ(h)Φ(k), Φ₂(0, 0; ρ) = 1/4 + arcsin(ρ)/(2π), and the limits ρ = ±1.
    @Test(arguments: [-30.0, -8, -1.5, 0, 0.7, 4])
    func bivariateCDFClosedForms(h: Double) {
        for k in [-25.0, -3, 0, 2.5] {
            expectClose(bivariateNormalCDF(h, k, correlation: 0), standardNormalCDF(h) * standardNormalCDF(k), .relative(1e-13), "h \(h) k \(k)")
            expectClose(bivariateNormalCDF(h, k, correlation: 1), standardNormalCDF(min(h, k)), .relative(1e-12), "ρ = 1, h \(h) k \(k)")
            let lower = max(0, standardNormalCDF(h) - standardNormalCDF(-k))
            expectClose(bivariateNormalCDF(h, k, correlation: -1), lower, Tolerance(relative: 1e-13, absolute: 1e-300, absoluteBelow: 1e-300), "ρ = −1")
        }
        for rho in [-0.999, -0.5, 0.2, 0.9] {
            expectClose(bivariateNormalCDF(0, 0, correlation: rho), 0.25 + asin(rho) / (2 * Double.pi), .relative(1e-14), "ρ \(rho)")
        }
    }

    @Test func bivariateCDFEdgeCases() {
        #expect(bivariateNormalCDF(-.infinity, 1, correlation: 0.3) == 0)
        #expect(bivariateNormalCDF(.infinity, 1, correlation: 0.3) == standardNormalCDF(1))
        #expect(bivariateNormalCDF(.nan, 1, correlation: 0.3).isNaN)
        // Deep tail far below the smallest double: 0, not NaN.
        #expect(bivariateNormalCDF(-60, -60, correlation: -0.5) == 0)
    }

    /// elu, selu, celu: the closed form (where it is used: k·min(√q1, √q2) ≥ 0.2 when φ itself is
    /// a factor) and `Gaussian.expectation2D` (which falls back to the semi-closed quadrature below
    /// that) against 24-digit mpmath references for q ∈ [1e-6, 1e4], q1 ≠ q2, c up to ±(1 − 1e-12).
    @Test func exponentialKernelsAgainstMpmath() {
        #expect(exponentialKernelReferences.count >= 300)
        var closedFormCount = 0
        for r in exponentialKernelReferences {
            let a = activation(r.spec)
            let context = "\(r.spec) \(r.orders) q=(\(r.variance1), \(r.variance2)) c=\(r.correlation)"
            if let closed = a.closedFormBivariate(r.orders.0, r.orders.1, variance1: r.variance1, covariance: r.covariance, variance2: r.variance2) {
                closedFormCount += 1
                expectClose(closed, r.value, .spec, context + " closed form")
            }
            let e = Gaussian.expectation2D(r.orders.0, r.orders.1, a, variance1: r.variance1, covariance: r.covariance, variance2: r.variance2)
            expectClose(e.value, r.value, .spec, context)
        }
        #expect(closedFormCount >= 250)
    }

    /// The closed form against the nested kink-aware quadrature (`.quadrature`), every order pair,
    /// unequal variances, both signs of c.
    @Test(arguments: ["elu", "elu:alpha=0.5", "selu", "celu:alpha=0.5", "celu:alpha=2"])
    func exponentialKernelsAgainstQuadrature(spec: String) {
        let a = activation(spec)
        let orders: [(DerivativeOrder, DerivativeOrder)] = [(.value, .value), (.first, .first), (.value, .first), (.first, .value),
                                                            (.second, .value), (.second, .second)]
        for (q1, q2) in [(0.7, 2.3), (9.0, 0.5)] {
            for c in [-0.8, -0.1, 0.35, 0.95] {
                let q12 = c * (q1 * q2).squareRoot()
                for (i, j) in orders {
                    guard let closed = a.closedFormBivariate(i, j, variance1: q1, covariance: q12, variance2: q2) else {
                        Issue.record("\(spec) (\(i),\(j)) has no closed form at q = (\(q1), \(q2))")
                        continue
                    }
                    let nested = Gaussian.expectation2D(i, j, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
                    expectClose(closed, nested.value, .spec, "\(spec) (\(i),\(j)) q=(\(q1),\(q2)) c=\(c)")
                }
            }
        }
    }

    /// Symmetry E[f(u)g(v)] = E[g(v)f(u)] with the variances swapped, and c = 0 factorising into 1D moments.
    @Test func exponentialKernelsSymmetryAndFactorisation() {
        let a = activation("celu:alpha=0.7")
        for (q1, q2) in [(0.3, 50.0), (1e4, 2.0)] {
            let q12 = -0.4 * (q1 * q2).squareRoot()
            let forward = a.closedFormBivariate(.value, .first, variance1: q1, covariance: q12, variance2: q2)
            let backward = a.closedFormBivariate(.first, .value, variance1: q2, covariance: q12, variance2: q1)
            #expect(forward != nil && backward != nil)
            if let forward, let backward { expectClose(forward, backward, .relative(1e-13)) }
            for (i, j) in [(DerivativeOrder.value, DerivativeOrder.value), (.first, .first), (.value, .second)] {
                let product = Gaussian.expectation(of: Moment(i), a, variance: q1).value * Gaussian.expectation(of: Moment(j), a, variance: q2).value
                if let independent = a.closedFormBivariate(i, j, variance1: q1, covariance: 0, variance2: q2) {
                    expectClose(independent, product, .spec, "c = 0 (\(i),\(j)) q=(\(q1),\(q2))")
                } else {
                    Issue.record("no closed form at c = 0")
                }
            }
        }
    }
}
