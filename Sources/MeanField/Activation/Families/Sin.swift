#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = sin(x)`, with closed forms for every Gaussian moment:
    ///
    /// ```
    /// E[sin X] = e^(−q/2) sin m,   E[cos X] = e^(−q/2) cos m                       X ~ N(m, q)
    /// E[sin² X] = sin² m − cos(2m)·expm1(−2q)/2,   E[cos² X] = cos² m + cos(2m)·expm1(−2q)/2,
    /// E[sin X cos X] = e^(−2q) sin(2m)/2
    /// E[sin u sin v] = e^(−(q1+q2)/2) sinh(q12),   E[cos u cos v] = e^(−(q1+q2)/2) cosh(q12),   E[sin u cos v] = 0
    /// ```
    /// (the last from E[e^(i(u ± v))] = e^(−(q1 + q2 ± 2q12)/2)).
    enum Sin: ActivationDefinition {
        static let formula = "sin(x)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            switch order {
            case .value: return Glibc.sin(x)
            case .first: return cos(x)
            case .second: return -Glibc.sin(x)
            }
        }
        static func bound(_ p: [Double]) -> Double? { 1 }
        /// `φ^(order)` as (is it a sine, sign): sin, cos, −sin.
        static func trig(_ order: DerivativeOrder) -> (sine: Bool, sign: Double) {
            switch order {
            case .value: return (true, 1)
            case .first: return (false, 1)
            case .second: return (true, -1)
            }
        }
        static func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double, _ p: [Double]) -> Double? {
            let a = trig(i)
            guard let j else {
                return a.sign * exp(-q / 2) * (a.sine ? Glibc.sin(m) : cos(m))
            }
            let b = trig(j)
            let sign = a.sign * b.sign
            switch (a.sine, b.sine) {
            case (true, true):
                let s = Glibc.sin(m)
                return sign * (s * s - cos(2 * m) * expm1(-2 * q) / 2)
            case (false, false):
                let c = cos(m)
                return sign * (c * c + cos(2 * m) * expm1(-2 * q) / 2)
            default:
                return sign * exp(-2 * q) * Glibc.sin(2 * m) / 2
            }
        }
        static func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder, variance1 q1: Double, covariance q12: Double,
                                        variance2 q2: Double, _ p: [Double]) -> Double? {
            let a = trig(i), b = trig(j)
            guard a.sine == b.sine else { return 0 }
            let s = 0.5 * q1 + 0.5 * q2
            let value: Double
            if a.sine {
                value = abs(q12) <= 1 ? exp(-s) * sinh(q12) : 0.5 * (exp(q12 - s) - exp(-q12 - s))
            } else {
                value = 0.5 * (exp(q12 - s) + exp(-q12 - s))
            }
            return a.sign * b.sign * value
        }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: all moments; 2D: all products (e^(-(q1+q2)/2) sinh/cosh q12)" }
    }
}
