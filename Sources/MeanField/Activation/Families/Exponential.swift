import Foundation

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
