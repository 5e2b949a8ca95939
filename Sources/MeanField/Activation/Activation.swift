import Foundation

/// λ01 of [Klambauer et al. 2017] (§3): the SELU scale that makes (0, 1) a fixed point.
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public let selfNormalizingLambda01 = 1.0507009873554804934193349852946
/// α01 of [Klambauer et al. 2017] (§3): the SELU saturation that makes (0, 1) a fixed point.
///
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
public let selfNormalizingAlpha01 = 1.6732632423543772848170429916717

/// Which derivative of an activation: `φ`, `φ'` or `φ''`.
///
/// At a kink the derivative takes its right-hand value (SPEC §1.1); `φ''` is the absolutely
/// continuous part (the Dirac mass a jump of `φ'` carries is ``Kink/derivativeJump``).
public enum DerivativeOrder: Int, Sendable, Hashable, CaseIterable {
    case value = 0, first = 1, second = 2
}

/// How smooth an activation is at a kink.
public enum Smoothness: String, Sendable, Hashable {
    /// Continuous, first derivative jumps (relu, leaky_relu, elu with alpha ≠ 1).
    case c0 = "C0"
    /// Continuously differentiable, second derivative jumps (celu, elu with alpha = 1).
    case c1 = "C1"
}

/// A point where an activation is not infinitely differentiable.
public struct Kink: Sendable, Hashable {
    /// Where, in pre-activation units.
    public let location: Double
    /// C⁰ or C¹ there.
    public let smoothness: Smoothness
    /// `φ'(x⁺) − φ'(x⁻)`: the weight of the Dirac mass in the distributional `φ''`.
    public let derivativeJump: Double
}

/// A catalogued activation with its parameters, e.g. `elu:alpha=0.5` (SPEC §1.1).
///
/// Each activation knows its value and first two derivatives, its kinks and its smoothness
/// there, and — for the piecewise linear/exponential families — the data its closed-form
/// Gaussian moments need.
///
/// ```
/// linear      x
/// relu        max(0, x)
/// leaky_relu  x (x ≥ 0), slope·x (x < 0)                 slope = 0.01
/// elu         x (x > 0), alpha·(eˣ − 1) (x ≤ 0)            alpha = 1       [Clevert et al. 2015]
/// selu        lambda·elu_alpha(x)                          λ01, α01        [Klambauer et al. 2017]
/// celu        x (x > 0), alpha·(e^(x/alpha) − 1) (x ≤ 0)    alpha = 1       [Barron 2017]
/// gelu        x·Φ(x)                                                       [Hendrycks & Gimpel 2016]
/// silu        x / (1 + e^(−x))
/// softplus    log(1 + eˣ)
/// tanh, erf   tanh(x), erf(x)
/// sigmoid     1 / (1 + e^(−x))
/// ```
///
/// [Clevert et al. 2015]: https://arxiv.org/abs/1511.07289
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
/// [Barron 2017]: https://arxiv.org/abs/1704.07483
/// [Hendrycks & Gimpel 2016]: https://arxiv.org/abs/1606.08415
public struct Activation: Sendable, Hashable, CustomStringConvertible {
    /// The activation families of SPEC §1.1.
    public enum Family: String, Sendable, Hashable, CaseIterable {
        case linear, relu, leakyRelu = "leaky_relu", elu, selu, celu, gelu, silu, softplus, tanh, erf, sigmoid
    }

    /// One named parameter of a family, with its default and its domain.
    public struct Parameter: Sendable, Hashable {
        public let name: String
        public let defaultValue: Double
        /// Human-readable domain, e.g. `alpha > 0`.
        public let domain: String
        let requiresPositive: Bool

        func validate(_ value: Double) throws(ActivationError) {
            guard value.isFinite else { throw .parameterOutOfDomain(name: name, value: value, domain: domain) }
            if requiresPositive && !(value > 0) {
                throw .parameterOutOfDomain(name: name, value: value, domain: domain)
            }
        }
    }

    /// Which family (relu, elu, ...).
    public let family: Family
    /// Parameter values in the order of `family.parameters`.
    public let parameterValues: [Double]

    /// The activation with the given parameters; missing ones take their defaults.
    /// - Throws: ``ActivationError`` for unknown parameter names or values outside the domain.
    public init(_ family: Family, _ parameters: [String: Double] = [:]) throws(ActivationError) {
        let declared = family.parameters
        for name in parameters.keys.sorted() where !declared.contains(where: { $0.name == name }) {
            throw .unknownParameter(activation: family.rawValue, name: name,
                                    known: declared.map(\.name))
        }
        var values: [Double] = []
        for parameter in declared {
            let value = parameters[parameter.name] ?? parameter.defaultValue
            try parameter.validate(value)
            values.append(value)
        }
        self.family = family
        self.parameterValues = values
    }

    /// Parses a spec `NAME` or `NAME:PARAM=VALUE[,PARAM=VALUE]`, e.g. `selu:lambda=1.05,alpha=1.6`.
    public init(spec: String) throws(ActivationError) {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        let (name, rest): (Substring, Substring?) = {
            guard let colon = trimmed.firstIndex(of: ":") else { return (Substring(trimmed), nil) }
            return (trimmed[..<colon], trimmed[trimmed.index(after: colon)...])
        }()
        guard let family = Family(rawValue: String(name)) else {
            throw .unknownActivation(name: String(name))
        }
        var parameters: [String: Double] = [:]
        if let rest {
            for assignment in rest.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                guard parts.count == 2, !key.isEmpty else { throw .malformedSpec(spec: spec) }
                let text = parts[1].trimmingCharacters(in: .whitespaces)
                guard let value = Double(text) else {
                    throw .malformedParameterValue(name: key, text: text)
                }
                guard parameters[key] == nil else { throw .malformedSpec(spec: spec) }
                parameters[key] = value
            }
        }
        try self.init(family, parameters)
    }

    /// The value of the named parameter, or nil when the family has no such parameter.
    public func parameter(_ name: String) -> Double? {
        family.parameters.firstIndex { $0.name == name }.map { parameterValues[$0] }
    }

    /// The same activation with one parameter changed (used by solvers, e.g. for neutral flow).
    public func with(_ name: String, _ value: Double) throws(ActivationError) -> Activation {
        var parameters: [String: Double] = [:]
        for (parameter, current) in zip(family.parameters, parameterValues) { parameters[parameter.name] = current }
        guard parameters[name] != nil else {
            throw .unknownParameter(activation: family.rawValue, name: name, known: family.parameters.map(\.name))
        }
        parameters[name] = value
        return try Activation(family, parameters)
    }

    /// Canonical spec with every parameter, e.g. `elu:alpha=1` (shortest round-trip numbers).
    public var spec: String {
        guard !parameterValues.isEmpty else { return family.rawValue }
        let assignments = zip(family.parameters, parameterValues).map { "\($0.name)=\(formatSpecNumber($1))" }
        return family.rawValue + ":" + assignments.joined(separator: ",")
    }

    public var description: String { spec }

    // MARK: Values and derivatives

    /// `φ(x)`.
    @inline(__always)
    public func callAsFunction(_ x: Double) -> Double { evaluate(x, .value) }

    /// `φ(x)`, `φ'(x)` or `φ''(x)` (right-hand values at a kink; `φ''` without Dirac masses).
    public func evaluate(_ x: Double, _ order: DerivativeOrder) -> Double {
        let p = parameterValues
        switch family {
        case .linear:
            return order == .value ? x : (order == .first ? 1 : 0)
        case .relu, .leakyRelu:
            let slope = family == .relu ? 0 : p[0]
            switch order {
            case .value: return x >= 0 ? x : slope * x
            case .first: return x >= 0 ? 1 : slope
            case .second: return 0
            }
        case .elu, .selu, .celu:
            // elu: A = alpha, k = 1; selu: scale lambda, A = lambda·alpha, k = 1; celu: A = alpha, k = 1/alpha.
            let form = piecewiseForm!
            guard case let .exponential(amplitude, rate) = form.negative else { fatalError("unreachable") }
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
        case .gelu:
            // φ = xΦ(x), φ' = Φ(x) + xϕ(x), φ'' = ϕ(x)(2 − x²), ϕ the standard normal density.
            let density = standardNormalDensity(x)
            switch order {
            case .value: return x * standardNormalCDF(x)
            case .first: return standardNormalCDF(x) + x * density
            case .second: return density * (2 - x * x)
            }
        case .silu:
            // φ = xσ, φ' = σ + xσ', φ'' = σ'(2 + x(1 − 2σ)) with σ' = σ(1 − σ), 1 − 2σ = −tanh(x/2).
            let s = logistic(x), ds = logisticDerivative(x)
            switch order {
            case .value: return x * s
            case .first: return s + x * ds
            case .second: return ds * (2 - x * Foundation.tanh(x / 2))
            }
        case .softplus:
            switch order {
            case .value: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
            case .first: return logistic(x)
            case .second: return logisticDerivative(x)
            }
        case .tanh:
            // From e = e^(−2|x|): tanh = ±(1 − e)/(1 + e), sech² = 4e/(1 + e)² — one exp, and
            // relatively accurate in the tails (1 − tanh² is not).
            let e = exp(-2 * abs(x))
            let t = (x < 0 ? -1.0 : 1.0) * (1 - e) / (1 + e)
            let sech2 = 4 * e / ((1 + e) * (1 + e))
            switch order {
            case .value: return abs(x) < 0.5 ? Foundation.tanh(x) : t   // no cancellation in 1 − e near 0
            case .first: return sech2
            case .second: return -2 * (abs(x) < 0.5 ? Foundation.tanh(x) : t) * sech2
            }
        case .erf:
            let g = 2 / Double.pi.squareRoot() * exp(-x * x)
            switch order {
            case .value: return Foundation.erf(x)
            case .first: return g
            case .second: return -2 * x * g
            }
        case .sigmoid:
            switch order {
            case .value: return logistic(x)
            case .first: return logisticDerivative(x)
            case .second: return -logisticDerivative(x) * Foundation.tanh(x / 2)
            }
        }
    }

    // MARK: Kinks and smoothness

    /// The kinks of this activation (all at 0 in the catalogue), with their smoothness.
    ///
    /// A kink whose one-sided derivatives and second derivatives agree (leaky_relu with slope 1)
    /// is no kink and is not listed.
    public var kinks: [Kink] {
        switch family {
        case .relu, .leakyRelu, .elu, .selu, .celu:
            let left1 = evaluate(-Double.leastNonzeroMagnitude, .first), right1 = evaluate(0, .first)
            let left2 = evaluate(-Double.leastNonzeroMagnitude, .second), right2 = evaluate(0, .second)
            if left1 != right1 { return [Kink(location: 0, smoothness: .c0, derivativeJump: right1 - left1)] }
            if left2 != right2 { return [Kink(location: 0, smoothness: .c1, derivativeJump: 0)] }
            return []
        default:
            return []
        }
    }

    /// `C0`, `C1` or `C∞`: the smoothness of the activation as a whole.
    public var smoothness: String { kinks.map(\.smoothness.rawValue).min() ?? "C∞" }

    /// The scale, in pre-activation units, on which the activation's curvature lives around 0
    /// (nil for piecewise linear ones). Quadrature grades its panels down to this scale.
    var featureScale: Double? {
        switch family {
        case .linear, .relu, .leakyRelu: return nil
        case .celu: return parameterValues[0]
        default: return 1
        }
    }

    /// Distance from the real axis of the nearest complex singularity of φ (tanh: poles at ±iπ/2;
    /// sigmoid, silu, softplus: ±iπ); nil for entire functions and kinked ones. The Hermite
    /// coefficients of φ(√q z) decay at a rate set by this distance over √q.
    var poleDistance: Double? {
        switch family {
        case .tanh: return Double.pi / 2
        case .sigmoid, .silu, .softplus: return Double.pi
        default: return nil
        }
    }

    /// `φ(x) = a·x` for x > 0 and `b·x` or `A(e^(kx) − 1)` for x ≤ 0: the families whose
    /// Gaussian moments have closed forms via erfc.
    var piecewiseForm: PiecewiseForm? {
        let p = parameterValues
        switch family {
        case .linear: return PiecewiseForm(positiveSlope: 1, negative: .linear(slope: 1))
        case .relu: return PiecewiseForm(positiveSlope: 1, negative: .linear(slope: 0))
        case .leakyRelu: return PiecewiseForm(positiveSlope: 1, negative: .linear(slope: p[0]))
        case .elu: return PiecewiseForm(positiveSlope: 1, negative: .exponential(amplitude: p[0], rate: 1))
        case .selu: return PiecewiseForm(positiveSlope: p[0], negative: .exponential(amplitude: p[0] * p[1], rate: 1))
        case .celu: return PiecewiseForm(positiveSlope: 1, negative: .exponential(amplitude: p[0], rate: 1 / p[0]))
        default: return nil
        }
    }
}

/// The closed-form-capable shape of the piecewise activations (see ``Activation/piecewiseForm``).
struct PiecewiseForm: Sendable, Hashable {
    enum Negative: Sendable, Hashable {
        /// `b·x` for x ≤ 0.
        case linear(slope: Double)
        /// `A·(e^(k x) − 1)` for x ≤ 0.
        case exponential(amplitude: Double, rate: Double)
    }
    let positiveSlope: Double
    let negative: Negative
}

extension Activation.Family {
    /// The parameters of this family, in canonical order, with defaults and domains.
    public var parameters: [Activation.Parameter] {
        switch self {
        case .leakyRelu:
            return [.init(name: "slope", defaultValue: 0.01, domain: "a finite number", requiresPositive: false)]
        case .elu, .celu:
            return [.init(name: "alpha", defaultValue: 1, domain: "alpha > 0", requiresPositive: true)]
        case .selu:
            return [.init(name: "lambda", defaultValue: selfNormalizingLambda01, domain: "lambda > 0", requiresPositive: true),
                    .init(name: "alpha", defaultValue: selfNormalizingAlpha01, domain: "alpha > 0", requiresPositive: true)]
        default:
            return []
        }
    }

    /// The formula, for the catalogue.
    public var formula: String {
        switch self {
        case .linear: return "x"
        case .relu: return "max(0, x)"
        case .leakyRelu: return "x if x >= 0, slope*x if x < 0"
        case .elu: return "x if x > 0, alpha*(exp(x) - 1) if x <= 0"
        case .selu: return "lambda*elu_alpha(x)"
        case .celu: return "x if x > 0, alpha*(exp(x/alpha) - 1) if x <= 0"
        case .gelu: return "x*Phi(x)"
        case .silu: return "x / (1 + exp(-x))"
        case .softplus: return "log(1 + exp(x))"
        case .tanh: return "tanh(x)"
        case .erf: return "erf(x)"
        case .sigmoid: return "1 / (1 + exp(-x))"
        }
    }
}

/// A bad activation spec or parameter.
public enum ActivationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownActivation(name: String)
    case unknownParameter(activation: String, name: String, known: [String])
    case malformedSpec(spec: String)
    case malformedParameterValue(name: String, text: String)
    case parameterOutOfDomain(name: String, value: Double, domain: String)

    public var description: String {
        switch self {
        case let .unknownActivation(name):
            return "unknown activation '\(name)' (known: \(Activation.Family.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .unknownParameter(activation, name, known):
            let list = known.isEmpty ? "it takes no parameters" : "it takes \(known.joined(separator: ", "))"
            return "unknown parameter '\(name)' for activation '\(activation)' (\(list))"
        case let .malformedSpec(spec):
            return "malformed activation spec '\(spec)' (expected NAME or NAME:PARAM=VALUE[,PARAM=VALUE])"
        case let .malformedParameterValue(name, text):
            return "parameter '\(name)' has value '\(text)', which is not a number"
        case let .parameterOutOfDomain(name, value, domain):
            return "parameter '\(name)' = \(formatSpecNumber(value)) is outside its domain (\(domain))"
        }
    }
}

/// A number as a spec or message shows it: integers without `.0` (`alpha=1`), anything else in
/// shortest round-trip form, so that the spec parses back to the same value.
public func formatSpecNumber(_ x: Double) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return formatNumber(x)
}

/// Shortest round-trip decimal form (`Double.description`), with `inf`/`-inf`/`nan`.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    return x.description
}

// MARK: Scalar helpers

/// Standard normal density `ϕ(x) = e^(−x²/2)/√(2π)`.
@inline(__always)
func standardNormalDensity(_ x: Double) -> Double { exp(-0.5 * x * x) * 0.398942280401432677939946059934 }

/// Standard normal CDF `Φ(x) = erfc(−x/√2)/2`, relatively accurate in both tails' small side.
@inline(__always)
func standardNormalCDF(_ x: Double) -> Double { 0.5 * erfc(-x * 0.707106781186547524400844362105) }

/// Logistic `σ(x)`, stable for either sign.
@inline(__always)
func logistic(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}

/// `σ'(x) = e^(−|x|)/(1 + e^(−|x|))²`, relatively accurate in the tails.
@inline(__always)
func logisticDerivative(_ x: Double) -> Double {
    let e = exp(-abs(x))
    return e / ((1 + e) * (1 + e))
}
