#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// The exponential-linear shape shared by elu, selu and celu: `a·x` for x ≥ 0 and
    /// `A·(e^(kx) − 1)` for x < 0 (``PiecewiseForm``), evaluated from its form.
    @inline(__always)
    static func exponentialLinear(_ x: Double, _ order: DerivativeOrder, _ form: PiecewiseForm) -> Double {
        guard case let .exponential(amplitude, rate) = form.negative else { return .nan }
        if x >= 0 {
            switch order {
            case .value: return form.positiveSlope * x
            case .first: return form.positiveSlope
            case .second: return 0
            }
        }
        switch order {
        case .value: return amplitude * expm1(rate * x)
        case .first: return amplitude * rate * exp(rate * x)
        case .second: return amplitude * rate * rate * exp(rate * x)
        }
    }

    /// `log φ'` of the exponential-linear shape: `log a` (x ≥ 0), `log(Ak) + kx` (x < 0).
    static func exponentialLinearLogDerivative(_ x: Double, _ form: PiecewiseForm) -> Double {
        guard case let .exponential(a, k) = form.negative else { return .nan }
        return x >= 0 ? log(form.positiveSlope) : log(a * k) + k * x
    }
}

/// The exponential-linear families (elu, selu, celu): a linear positive side and an exponential
/// negative side, with one kink at 0. Everything but the parameters, formula and feature scale
/// follows from their ``PiecewiseForm``:
/// ```
/// φ(x) = s·x                 (x > 0)
/// φ(x) = A·(e^(r·x) − 1)      (x ≤ 0)
/// ```
protocol ExponentialLinearDefinition: ActivationDefinition {
    /// `(s, A, r)` of the family at parameters p.
    static func form(_ p: [Double]) -> PiecewiseForm
}

extension ExponentialLinearDefinition {
    static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double { Families.exponentialLinear(x, order, form(p)) }
    static func kinks(_ p: [Double]) -> [Kink] { Kink.detected(at: [0]) { evaluate($0, $1, p) } }
    static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { form(p) }
    static func closedFormSummary(_ p: [Double]) -> String {
        "1D: all moments (erfc); 2D: every product of phi, phi', phi'' (tilted orthants, Phi2; with a factor phi where r*sqrt(q) >= 0.2, r the exponent rate)"
    }
    static func isStrictlyIncreasing(_ p: [Double]) -> Bool { true }
    static func logDerivative(_ x: Double, _ p: [Double]) -> Double { Families.exponentialLinearLogDerivative(x, form(p)) }
}
