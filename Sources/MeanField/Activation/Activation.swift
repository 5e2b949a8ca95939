#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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

/// A catalogued activation with its parameters, e.g. `elu:alpha=0.5` (SPEC §1.1), optionally
/// transformed as `φ̂(x) = out_scale·(φ(in_scale·x + in_shift) + out_shift)` (``AffineTransform``).
///
/// Each activation knows its value and first two derivatives, its kinks and its smoothness
/// there, and the data its closed-form Gaussian moments need; all of it comes from the family's
/// one definition in `Families/` (see `ActivationDefinition`).
///
/// ```
/// linear      x
/// relu        max(0, x)
/// leaky_relu  x (x ≥ 0), slope·x (x < 0)                 slope = 0.01     (alias prelu: slope = 0.25)
/// elu         x (x > 0), alpha·(eˣ − 1) (x ≤ 0)            alpha = 1       [Clevert et al. 2015]
/// selu        lambda·elu_alpha(x)                          λ01, α01        [Klambauer et al. 2017]
/// celu        x (x > 0), alpha·(e^(x/alpha) − 1) (x ≤ 0)    alpha = 1       [Barron 2017]
/// gelu        x·Φ(x)                                                       [Hendrycks & Gimpel 2016]
/// gelu_tanh   x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))                       (PyTorch approximate='tanh')
/// silu        x / (1 + e^(−x))
/// mish        x·tanh(softplus(x))                                          [Misra 2019]
/// softplus    log(1 + e^(beta·x))/beta                      beta = 1
/// tanh, erf   tanh(x), erf(x)
/// sigmoid     1 / (1 + e^(−x))
/// hardtanh    min(max(x, min), max)                        min = −1, max = 1
/// relu6       min(max(x, 0), 6)
/// hardsigmoid relu6(x + 3)/6
/// hardswish   x·relu6(x + 3)/6                                              [Howard et al. 2019]
/// softsign    x / (1 + |x|)
/// logsigmoid  log σ(x)
/// tanhshrink  x − tanh(x)
/// softshrink  x − lambda (x > lambda), x + lambda (x < −lambda), 0 else    lambda = 0.5
/// abs, sin    |x|, sin(x)
/// ```
///
/// [Clevert et al. 2015]: https://arxiv.org/abs/1511.07289
/// [Klambauer et al. 2017]: https://arxiv.org/abs/1706.02515
/// [Barron 2017]: https://arxiv.org/abs/1704.07483
/// [Hendrycks & Gimpel 2016]: https://arxiv.org/abs/1606.08415
/// [Misra 2019]: https://arxiv.org/abs/1908.08681
/// [Howard et al. 2019]: https://arxiv.org/abs/1905.02244
public struct Activation: Sendable, Hashable, CustomStringConvertible {
    /// One named parameter of a family, with its default and its domain.
    public struct Parameter: Sendable, Hashable {
        public let name: String
        public let defaultValue: Double
        /// Human-readable domain, e.g. `alpha > 0`.
        public let domain: String
        let requiresPositive: Bool
        let requiresNonNegative: Bool
        /// Other names accepted in a spec (PyTorch's argument names, e.g. `negative_slope`).
        let aliases: [String]

        init(name: String, defaultValue: Double, domain: String, requiresPositive: Bool = false,
             requiresNonNegative: Bool = false, aliases: [String] = []) {
            self.name = name
            self.defaultValue = defaultValue
            self.domain = domain
            self.requiresPositive = requiresPositive
            self.requiresNonNegative = requiresNonNegative
            self.aliases = aliases
        }

        func validate(_ value: Double) throws(ActivationError) {
            guard value.isFinite else { throw .parameterOutOfDomain(name: name, value: value, domain: domain) }
            if requiresPositive && !(value > 0) || requiresNonNegative && !(value >= 0) {
                throw .parameterOutOfDomain(name: name, value: value, domain: domain)
            }
        }
    }

    /// Which family (relu, elu, ...).
    public let family: Family
    /// Parameter values in the order of `family.parameters`.
    public let parameterValues: [Double]
    /// The input/output transformation (identity unless the spec names `in_scale`, ...).
    public let affine: AffineTransform

    /// The activation with the given parameters; missing ones take their defaults. The affine
    /// parameters `in_scale`, `in_shift`, `out_shift`, `out_scale` are accepted for every family.
    /// - Throws: ``ActivationError`` for unknown parameter names or values outside the domain.
    public init(_ family: Family, _ parameters: [String: Double] = [:]) throws(ActivationError) {
        let declared = family.parameters
        var resolved: [String: Double] = [:]
        for name in parameters.keys.sorted() {
            let canonical = declared.first { $0.name == name || $0.aliases.contains(name) }?.name
                ?? (AffineTransform.names.contains(name) ? name : nil)
            guard let canonical else {
                throw .unknownParameter(activation: family.rawValue, name: name, known: declared.map(\.name))
            }
            guard resolved[canonical] == nil else { throw .duplicateParameter(name: canonical) }
            resolved[canonical] = parameters[name]
        }
        var values: [Double] = []
        for parameter in declared {
            let value = resolved[parameter.name] ?? parameter.defaultValue
            try parameter.validate(value)
            values.append(value)
        }
        try family.definition.validate(values)
        var affineValues = AffineTransform.defaults
        for (k, name) in AffineTransform.names.enumerated() {
            if let value = resolved[name] {
                try AffineTransform.validate(name, value)
                affineValues[k] = value
            }
        }
        self.family = family
        self.parameterValues = values
        self.affine = AffineTransform(inScale: affineValues[0], inShift: affineValues[1],
                                      outShift: affineValues[2], outScale: affineValues[3])
    }

    /// Parses a spec `NAME` or `NAME:PARAM=VALUE[,PARAM=VALUE]`, e.g. `selu:lambda=1.05,alpha=1.6`
    /// or `tanh:in_scale=0.2,out_scale=4.9`.
    public init(spec: String) throws(ActivationError) {
        let trimmed = spec.trimmingWhitespace()
        let (name, rest): (Substring, Substring?) = {
            guard let colon = trimmed.firstIndex(of: ":") else { return (Substring(trimmed), nil) }
            return (trimmed[..<colon], trimmed[trimmed.index(after: colon)...])
        }()
        if let reason = Activation.refused[String(name)] {
            throw .unsupportedActivation(name: String(name), reason: reason)
        }
        let alias = Activation.aliases[String(name)]
        guard let family = alias?.family ?? Family(rawValue: String(name)) else {
            throw .unknownActivation(name: String(name))
        }
        var parameters: [String: Double] = [:]
        if let rest {
            for assignment in rest.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingWhitespace()
                guard parts.count == 2, !key.isEmpty else { throw .malformedSpec(spec: spec) }
                let text = parts[1].trimmingWhitespace()
                guard let value = Double(text) else {
                    throw .malformedParameterValue(name: key, text: text)
                }
                guard parameters[key] == nil else { throw .malformedSpec(spec: spec) }
                parameters[key] = value
            }
        }
        if let alias {
            let declared = family.parameters
            for (name, value) in alias.defaults where !parameters.keys.contains(where: { key in
                declared.contains { $0.name == name && ($0.name == key || $0.aliases.contains(key)) } }) {
                parameters[name] = value
            }
        }
        try self.init(family, parameters)
    }

    /// The value of the named parameter (the family's or an affine one), or nil when there is none.
    public func parameter(_ name: String) -> Double? {
        if let k = AffineTransform.names.firstIndex(of: name) { return affine.values[k] }
        return family.parameters.firstIndex { $0.name == name }.map { parameterValues[$0] }
    }

    /// The same activation with one parameter (the family's or an affine one) changed (used by
    /// solvers, e.g. for neutral flow).
    public func with(_ name: String, _ value: Double) throws(ActivationError) -> Activation {
        var parameters: [String: Double] = [:]
        for (parameter, current) in zip(family.parameters, parameterValues) { parameters[parameter.name] = current }
        for (affineName, current) in zip(AffineTransform.names, affine.values) { parameters[affineName] = current }
        guard parameters[name] != nil else {
            throw .unknownParameter(activation: family.rawValue, name: name, known: family.parameters.map(\.name))
        }
        parameters[name] = value
        return try Activation(family, parameters)
    }

    /// The same family and parameters with another affine transformation.
    public func with(affine transform: AffineTransform) throws(ActivationError) -> Activation {
        var parameters: [String: Double] = [:]
        for (parameter, current) in zip(family.parameters, parameterValues) { parameters[parameter.name] = current }
        for (affineName, value) in zip(AffineTransform.names, transform.values) { parameters[affineName] = value }
        return try Activation(family, parameters)
    }

    /// The activation without its affine transformation.
    public var base: Activation {
        affine.isIdentity ? self : (try? with(affine: .identity)) ?? self
    }

    /// Canonical spec with every family parameter and the affine ones that are not at their
    /// defaults, e.g. `elu:alpha=1`, `tanh:in_scale=0.2,out_scale=4.9` (shortest round-trip numbers).
    public var spec: String {
        let assignments = zip(family.parameters, parameterValues).map { "\($0.name)=\(formatSpecNumber($1))" }
            + affine.specAssignments
        guard !assignments.isEmpty else { return family.rawValue }
        return family.rawValue + ":" + assignments.joined(separator: ",")
    }

    public var description: String { spec }

    // MARK: Values and derivatives

    /// `φ(x)`.
    @inline(__always)
    public func callAsFunction(_ x: Double) -> Double { evaluate(x, .value) }

    /// `φ(x)`, `φ'(x)` or `φ''(x)` (right-hand values at a kink; `φ''` without Dirac masses).
    @inline(__always)
    public func evaluate(_ x: Double, _ order: DerivativeOrder) -> Double {
        if affine.isIdentity { return baseEvaluate(x, order) }
        return transformedEvaluate(x, order)
    }

    private func transformedEvaluate(_ x: Double, _ order: DerivativeOrder) -> Double {
        var y = affine.inScale * x + affine.inShift
        // Mirrored (in_scale < 0): the right-hand derivative of φ̂ is the left-hand one of φ.
        if order != .value, affine.inScale < 0, baseKinks.contains(where: { $0.location == y }) { y = y.nextDown }
        return affine.factor(order) * (baseEvaluate(y, order) + affine.shift(order))
    }

    // MARK: Kinks and smoothness

    /// The kinks of the family itself (before the affine transformation).
    var baseKinks: [Kink] { family.definition.kinks(parameterValues) }

    /// The kinks of this activation, sorted, with their smoothness.
    ///
    /// A kink whose one-sided derivatives and second derivatives agree (leaky_relu with slope 1)
    /// is no kink and is not listed.
    public var kinks: [Kink] {
        let kinks = baseKinks
        if affine.isIdentity { return kinks }
        let a = affine
        return kinks.map { k in
            Kink(location: (k.location - a.inShift) / a.inScale, smoothness: k.smoothness,
                 derivativeJump: a.outScale * abs(a.inScale) * k.derivativeJump)
        }.sorted { $0.location < $1.location }
    }

    /// `C0`, `C1` or `C∞`: the smoothness of the activation as a whole.
    public var smoothness: String { kinks.map(\.smoothness.rawValue).min() ?? "C∞" }

    /// The scale, in pre-activation units, on which the activation's curvature lives around
    /// ``featureCentre`` (nil for piecewise linear ones). Quadrature grades its panels down to this scale.
    var featureScale: Double? {
        family.definition.featureScale(parameterValues).map { affine.isIdentity ? $0 : $0 / abs(affine.inScale) }
    }

    /// Where the activation's curvature is centred: 0, moved to `−in_shift/in_scale`.
    var featureCentre: Double { affine.inShift == 0 ? 0 : -affine.inShift / affine.inScale }

    /// Distance from the real axis of the nearest complex singularity of φ (tanh: poles at ±iπ/2;
    /// sigmoid, silu, softplus: ±iπ); nil for entire functions and kinked ones. The Hermite
    /// coefficients of φ(√q z) decay at a rate set by this distance over √q.
    var poleDistance: Double? {
        family.definition.poleDistance(parameterValues).map { affine.isIdentity ? $0 : $0 / abs(affine.inScale) }
    }

    /// `sup |φ|` when φ is bounded (tanh, erf, sigmoid: 1; hardtanh: max(|min|, |max|); ...), else nil.
    public var bound: Double? {
        family.definition.bound(parameterValues).map { affine.isIdentity ? $0 : abs(affine.outScale) * ($0 + abs(affine.outShift)) }
    }

    /// `φ(λx) = λφ(x)` for every λ > 0 (linear, relu, leaky_relu, abs, without shifts): then
    /// `E_q[φ'²]` does not depend on q.
    public var isPositivelyHomogeneous: Bool {
        family.definition.isPositivelyHomogeneous(parameterValues) && affine.inShift == 0 && affine.outShift == 0
    }

    /// `φ(x) = a·x` for x > 0 and `b·x` or `A(e^(kx) − 1)` for x ≤ 0: the families whose
    /// Gaussian moments have closed forms via erfc (nil when an affine transformation is applied:
    /// see ``basePiecewiseForm``).
    var piecewiseForm: PiecewiseForm? { affine.isIdentity ? basePiecewiseForm : nil }

    /// The family's own ``PiecewiseForm`` (before the affine transformation).
    var basePiecewiseForm: PiecewiseForm? { family.definition.piecewiseForm(parameterValues) }

    /// The family's own ``PiecewisePolynomial`` (before the affine transformation).
    var basePiecewisePolynomial: PiecewisePolynomial? { family.definition.piecewisePolynomial(parameterValues) }
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

/// A bad activation spec or parameter.
public enum ActivationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownActivation(name: String)
    case unknownParameter(activation: String, name: String, known: [String])
    case malformedSpec(spec: String)
    case malformedParameterValue(name: String, text: String)
    case parameterOutOfDomain(name: String, value: Double, domain: String)
    /// Two parameters that must be ordered are not (hardtanh's `min < max`).
    case inconsistentParameters(activation: String, reason: String)
    /// A parameter given twice under two of its names (`slope` and `negative_slope`).
    case duplicateParameter(name: String)
    /// An activation mfsim knows and refuses (hardshrink, threshold), with the reason.
    case unsupportedActivation(name: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownActivation(name):
            return "unknown activation '\(name)' (known: \((Activation.Family.allCases.map(\.rawValue) + Activation.aliases.keys.sorted()).joined(separator: ", ")))"
        case let .unknownParameter(activation, name, known):
            let list = known.isEmpty ? "it takes no parameters" : "it takes \(known.joined(separator: ", "))"
            return "unknown parameter '\(name)' for activation '\(activation)' (\(list); every activation also takes \(AffineTransform.names.joined(separator: ", ")))"
        case let .malformedSpec(spec):
            return "malformed activation spec '\(spec)' (expected NAME or NAME:PARAM=VALUE[,PARAM=VALUE])"
        case let .malformedParameterValue(name, text):
            return "parameter '\(name)' has value '\(text)', which is not a number"
        case let .parameterOutOfDomain(name, value, domain):
            return "parameter '\(name)' = \(formatSpecNumber(value)) is outside its domain (\(domain))"
        case let .inconsistentParameters(activation, reason):
            return "inconsistent parameters for activation '\(activation)': \(reason)"
        case let .duplicateParameter(name):
            return "parameter '\(name)' is given twice"
        case let .unsupportedActivation(name, reason):
            return "activation '\(name)' is not supported: \(reason)"
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
