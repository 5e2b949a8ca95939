#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = erf(x)`, with the closed forms of [Williams 1997]:
    ///
    /// ```
    /// E[erf(X)] = erf(m/√(1+2q))
    /// E[erf'(X)] = (2/√π) e^(−m²/(1+2q)) / √(1+2q)
    /// E[erf'(X)²] = (4/π) e^(−2m²/(1+4q)) / √(1+4q)
    /// E[erf(X)²] = (2/π) arcsin(2q/(1+2q))            (m = 0)
    /// E[erf(u) erf(v)]   = (2/π) arcsin(2 q12 / √((1 + 2 q1)(1 + 2 q2)))
    /// E[erf'(u) erf'(v)] = (4/π) / √((1 + 2 q1)(1 + 2 q2) − 4 q12²)
    /// ```
    ///
    /// [Williams 1997]: https://papers.nips.cc/paper/1197-computing-with-infinite-networks
    enum Erf: ActivationDefinition {
        static let formula = "erf(x)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let g = 2 / Double.pi.squareRoot() * exp(-x * x)
            switch order {
            case .value: return Glibc.erf(x)
            case .first: return g
            case .second: return -2 * x * g
            }
        }
        static func bound(_ p: [Double]) -> Double? { 1 }
        static func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double, _ p: [Double]) -> Double? {
            switch (i, j) {
            case (.value, nil):
                return Glibc.erf(m / (1 + 2 * q).squareRoot())
            case (.first, nil):
                return 2 / Double.pi.squareRoot() * exp(-m * m / (1 + 2 * q)) / (1 + 2 * q).squareRoot()
            case (.first, .first?):
                return 4 / Double.pi * exp(-2 * m * m / (1 + 4 * q)) / (1 + 4 * q).squareRoot()
            case (.value, .value?) where m == 0:
                return 2 / Double.pi * asin(2 * q / (1 + 2 * q))
            default:
                return nil
            }
        }
        static func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder, variance1 q1: Double, covariance q12: Double,
                                        variance2 q2: Double, _ p: [Double]) -> Double? {
            switch (i, j) {
            case (.value, .value):
                let ratio = 2 * q12 / geometricMean(1 + 2 * q1, 1 + 2 * q2)
                return 2 / Double.pi * asin(max(-1, min(1, ratio)))
            case (.first, .first):
                return 4 / Double.pi / ((1 + 2 * q1) * (1 + 2 * q2) - 4 * q12 * q12).squareRoot()
            default:
                return nil
            }
        }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: phi, phi', phi'*phi', phi*phi (m=0); 2D: phi*phi, phi'*phi' (arcsine)" }
        static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
        static func logDerivative(_ x: Double, _ p: [Double]) -> Double { log(2 / Double.pi.squareRoot()) - x * x }
    }
}
