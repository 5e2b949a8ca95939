#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The local Q and C maps of a transformed activation φ̂ at q = 1, `x ~ N(0, 1)`, as the deepmind
/// `dks` package defines them ([Martens et al. 2021], §3–4):
///
/// ```
/// Q(1)   = E[φ̂(x)²]
/// Q'(1)  = E[φ̂(x) φ̂'(x) x]          (d/dq E[φ̂(√q x)²] at q = 1)
/// C(0)   = E[φ̂(x)]² / Q(1)
/// C'(1)  = E[φ̂'(x)²] / Q(1)
/// C''(1) = E[φ̂''(x)²] / Q(1)        (infinite when φ' jumps: a C⁰ kink)
/// ```
/// The shaping solvers choose `output_scale` so that `Q(1) = 1`; then the divisions are by 1.
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
public struct LocalMaps: Sendable, Hashable {
    /// `Q(1) = E[φ̂²]`.
    public let qValue: Double
    /// `Q'(1) = E[φ̂ φ̂' x]`.
    public let qSlope: Double
    /// `C(0) = E[φ̂]² / Q(1)`.
    public let cZero: Double
    /// `C'(1) = E[φ̂'²] / Q(1)`.
    public let cSlope: Double
    /// `C''(1) = E[φ̂''²] / Q(1)`; `.infinity` for an activation with a C⁰ kink.
    public let cCurvature: Double
}

/// A number with its gradient with respect to the shaping unknowns (forward-mode differentiation
/// of the algebra that turns raw Gaussian integrals into the local maps).
struct Dual {
    var value: Double
    var gradient: [Double]

    init(_ value: Double, _ gradient: [Double]) { self.value = value; self.gradient = gradient }
    static func constant(_ value: Double, count: Int) -> Dual { Dual(value, Array(repeating: 0, count: count)) }

    static func + (a: Dual, b: Dual) -> Dual { Dual(a.value + b.value, zip(a.gradient, b.gradient).map { $0 + $1 }) }
    static func - (a: Dual, b: Dual) -> Dual { Dual(a.value - b.value, zip(a.gradient, b.gradient).map { $0 - $1 }) }
    static func * (a: Dual, b: Dual) -> Dual {
        Dual(a.value * b.value, zip(a.gradient, b.gradient).map { a.value * $1 + b.value * $0 })
    }
    static func * (a: Double, b: Dual) -> Dual { Dual(a * b.value, b.gradient.map { a * $0 }) }
    static func / (a: Dual, b: Dual) -> Dual {
        let q = a.value / b.value
        return Dual(q, zip(a.gradient, b.gradient).map { ($0 - q * $1) / b.value })
    }
    static prefix func - (a: Dual) -> Dual { Dual(-a.value, a.gradient.map { -$0 }) }
}

/// The unknowns a shaping solve can have, in a fixed layout.
enum ShapingUnknown: String, Sendable, Hashable {
    case inputScale = "input_scale", inputShift = "input_shift", outputShift = "output_shift", negativeSlope = "negative_slope"
}

/// How `output_shift` is obtained in a shaping solve.
enum OutputShiftRule: Sendable, Hashable {
    /// Solved for as an unknown (TAT, smooth φ).
    case unknown
    /// `output_shift = −E[φ(u)]`, so that `C(0) = 0` (DKS).
    case zeroMean
    /// Fixed at this value (TAT, leaky_relu: 0).
    case fixed(Double)
}

/// The local maps of `φ̂ = γ(φ(αx + β) + δ)`, `γ = 1/√E[(φ(u) + δ)²]` (so Q(1) = 1), as
/// ``Dual``s: their derivatives with respect to the unknowns are exact.
///
/// Every raw expectation is one over `u = αx + β ~ N(β, α²)`, with φ's kinks as quadrature
/// breakpoints (they move to `x = −β/α` with the parameters). Parameter derivatives are the
/// Gaussian score identities, which need no derivative of the integrand (φ'² may jump):
/// ```
/// ∂/∂β E[f(u) w(x)] = E[f(u) (x w(x) − w'(x))] / α
/// ∂/∂α E[f(u) w(x)] = E[f(u) ((x² − 1) w(x) − x w'(x))] / α
/// ```
/// (equivalently `E[f'(u) w]` and `E[x f'(u) w]`, Stein's lemma). For leaky_relu's negative slope
/// s, `∂φ/∂s = min(u, 0)` and `∂φ'/∂s = 1[u < 0]` are integrated directly.
struct ShapingSystem: Sendable {
    /// φ (for leaky_relu its slope is overridden by the `negativeSlope` unknown).
    let activation: Activation
    /// The unknowns, in the order of the parameter vector.
    let unknowns: [ShapingUnknown]
    /// Values of the affine parameters that are not unknowns.
    let fixedInputScale: Double
    let fixedInputShift: Double
    let outputShiftRule: OutputShiftRule
    /// Whether C''(1) is needed (TAT) — it costs three more integrals.
    let needsCurvature: Bool

    /// The full parameter set for a vector of unknowns.
    func parameters(_ p: [Double]) -> (inputScale: Double, inputShift: Double, outputShift: Double?, negativeSlope: Double?) {
        func value(_ u: ShapingUnknown) -> Double? { unknowns.firstIndex(of: u).map { p[$0] } }
        let shift: Double? = {
            switch outputShiftRule {
            case .unknown: return value(.outputShift)
            case .zeroMean: return nil
            case .fixed(let d): return d
            }
        }()
        return (value(.inputScale) ?? fixedInputScale, value(.inputShift) ?? fixedInputShift, shift,
                value(.negativeSlope) ?? (activation.family == .leakyRelu ? activation.parameterValues[0] : nil))
    }

    /// The local maps and their gradients at the unknowns `p`, plus the derived output shift and
    /// scale. Nil when φ̂ is degenerate there (α = 0, a constant φ(u)).
    func evaluate(_ p: [Double]) -> (qSlope: Dual, cZero: Dual, cSlope: Dual, cCurvature: Dual?,
                                      outputShift: Double, outputScale: Double)? {
        let n = unknowns.count
        let (alphaValue, beta, givenShift, slope) = parameters(p)
        guard alphaValue != 0, alphaValue.isFinite, beta.isFinite, p.allSatisfy(\.isFinite) else { return nil }
        let phi = activation
        let isLeaky = phi.family == .leakyRelu
        let s = slope ?? 0
        // φ, φ', φ'' at u (leaky_relu with the current slope).
        let value: @Sendable (Double) -> Double
        let first: @Sendable (Double) -> Double
        if isLeaky {
            value = { u in u >= 0 ? u : s * u }
            first = { u in u >= 0 ? 1 : s }
        } else {
            value = { u in phi.evaluate(u, .value) }
            first = { u in phi.evaluate(u, .first) }
        }
        let second: @Sendable (Double) -> Double = { phi.evaluate($0, .second) }
        let kinks = isLeaky ? [0.0] : phi.kinks.map(\.location)
        let scale = phi.featureScale
        let variance = alphaValue * alphaValue

        func integral(_ f: @escaping @Sendable (Double) -> Double, _ weight: @escaping @Sendable (Double) -> Double) -> Double {
            let g = KinkedFunction(kinks: kinks, featureScale: scale) { u in
                let fu = f(u)
                return fu == 0 ? 0 : fu * weight((u - beta) / alphaValue)
            }
            return Gaussian.expectation(g, mean: beta, variance: variance).value
        }
        let one: @Sendable (Double) -> Double = { _ in 1 }
        let x1: @Sendable (Double) -> Double = { $0 }
        let he2: @Sendable (Double) -> Double = { $0 * $0 - 1 }
        let cubic: @Sendable (Double) -> Double = { $0 * ($0 * $0 - 2) }
        let indexOf = { (u: ShapingUnknown) in self.unknowns.firstIndex(of: u) }

        /// `E[f(u) w(x)]` with its gradient; `weightIsX` selects w = x (else w = 1); `ds` is ∂f/∂s.
        func moment(_ f: @escaping @Sendable (Double) -> Double, weightIsX: Bool,
                    ds: (@Sendable (Double) -> Double)?) -> Dual {
            let w = weightIsX ? x1 : one
            let v = integral(f, w)
            var gradient = Array(repeating: 0.0, count: n)
            let needsBeta = indexOf(.inputShift), needsAlpha = indexOf(.inputScale)
            if needsBeta != nil || needsAlpha != nil {
                let a = integral(f, weightIsX ? he2 : x1)   // x w − w'
                if let i = needsBeta { gradient[i] = a / alphaValue }
                if let i = needsAlpha { gradient[i] = integral(f, weightIsX ? cubic : he2) / alphaValue }
            }
            if let i = indexOf(.negativeSlope), let ds { gradient[i] = integral(ds, w) }
            return Dual(v, gradient)
        }

        // Centring constant c = E[φ(u)] (a plain number): the raw moments below are of φ − c, so
        // that the variance is not a difference of two large numbers.
        let c = integral(value, one)
        guard c.isFinite else { return nil }
        let negativePart: @Sendable (Double) -> Double = { u in u < 0 ? u : 0 }
        let negativeIndicator: @Sendable (Double) -> Double = { u in u < 0 ? 1 : 0 }
        typealias F = @Sendable (Double) -> Double
        let f1: F = { u in value(u) - c }
        let f2: F = { u in let d = value(u) - c; return d * d }
        let f3: F = { u in let d = first(u); return d * d }
        let f5: F = { u in (value(u) - c) * first(u) }
        let ds1: F? = isLeaky ? negativePart : nil
        let ds2: F? = isLeaky ? { u in 2 * (value(u) - c) * negativePart(u) } as F : nil
        let ds3: F? = isLeaky ? { u in 2 * first(u) * negativeIndicator(u) } as F : nil
        let ds5: F? = isLeaky ? { u in negativePart(u) * first(u) + (value(u) - c) * negativeIndicator(u) } as F : nil
        let ds6: F? = isLeaky ? negativeIndicator : nil
        let m1 = moment(f1, weightIsX: false, ds: ds1)
        let s2 = moment(f2, weightIsX: false, ds: ds2)
        let d1 = moment(f3, weightIsX: false, ds: ds3)
        let pm = moment(f5, weightIsX: true, ds: ds5)
        let rm = moment(first, weightIsX: true, ds: ds6)
        let f4: F = { u in let d = second(u); return d * d }
        let d2: Dual? = needsCurvature ? moment(f4, weightIsX: false, ds: nil) : nil

        // e = c + δ, the output shift measured from the centring constant.
        let e: Dual
        switch outputShiftRule {
        case .zeroMean: e = -m1
        case .fixed(let d): e = .constant(c + d, count: n)
        case .unknown:
            guard let i = indexOf(.outputShift) else { return nil }
            var g = Array(repeating: 0.0, count: n); g[i] = 1
            e = Dual(c + (givenShift ?? 0), g)
        }
        let alpha: Dual = {
            var g = Array(repeating: 0.0, count: n)
            if let i = indexOf(.inputScale) { g[i] = 1 }
            return Dual(alphaValue, g)
        }()
        let q = s2 + 2 * (e * m1) + e * e          // E[(φ + δ)²]
        guard q.value > 0, q.value.isFinite else { return nil }
        let qSlope = alpha * (pm + e * rm) / q
        let mean = m1 + e
        let cZero = mean * mean / q
        let cSlope = alpha * alpha * d1 / q
        let cCurvature = d2.map { alpha * alpha * alpha * alpha * $0 / q }
        return (qSlope, cZero, cSlope, cCurvature, e.value - c, 1 / q.value.squareRoot())
    }
}

extension ShapedActivation {
    /// The local maps of this φ̂ at q = 1, computed directly from φ̂ (its own kinks as
    /// breakpoints), independently of the solvers' algebra.
    public var localMaps: LocalMaps {
        let value = kinkedFunction(.value), first = kinkedFunction(.first), second = kinkedFunction(.second)
        let fx = value.evaluate, f1 = first.evaluate, f2 = second.evaluate
        let q = Gaussian.expectation(value.times(value), variance: 1).value
        let qs = Gaussian.expectation(KinkedFunction(kinks: value.kinks, featureScale: value.featureScale) { x in fx(x) * f1(x) * x },
                                      variance: 1).value
        let mean = Gaussian.expectation(value, variance: 1).value
        let slope = Gaussian.expectation(first.times(first), variance: 1).value
        let hasC0Kink = activation.kinks.contains { $0.smoothness == .c0 }
        let curvature = hasC0Kink ? Double.infinity
            : Gaussian.expectation(KinkedFunction(kinks: value.kinks, featureScale: value.featureScale) { x in let d = f2(x); return d * d },
                                   variance: 1).value / q
        return LocalMaps(qValue: q, qSlope: qs, cZero: mean * mean / q, cSlope: slope / q, cCurvature: curvature)
    }

    /// The local C map `C(c) = E[φ̂(u) φ̂(v)] / Q(1)`, `(u, v)` unit-variance Gaussians of
    /// correlation `c` (the NNGP recursion of one nonlinear layer at q = 1), by the kink-aware 2D
    /// engine on φ̂ itself: the definition, against which ``correlationMap(expectedQueries:)`` is tested.
    public func cMap(_ c: Double, qValue: Double) -> Double {
        let f = kinkedFunction(.value)
        return Gaussian.expectation2D(f, f, variance1: 1, covariance: c, variance2: 1).value / qValue
    }
}

extension ShapedActivation {
    /// The local C map of φ̂ through the ``KernelEvaluator``, prepared once for about `expectedQueries`
    /// correlations (what `mfsim shape --c-map` evaluates at every layer of the composed map):
    /// ```
    /// C(c) = K(c) / K(1),   K(c) = E[φ̂(u) φ̂(v)],   (u, v) ~ N(0, [[1, c], [c, 1]])
    /// ```
    /// φ̂ enters as the activation its canonical spec parses to (as in ``NetworkCheck``), so K takes
    /// the route `ntk` takes at q = 1 — a closed form, the certified Hermite series or the θ-series
    /// when `expectedQueries` makes it worth building, else the 2D engine — and `K(1) = E[φ̂²]` is the
    /// evaluator's diagonal moment, so `C(1) = 1` exactly. The returned function is pure (any thread).
    /// - Throws: ``ShapingError/noSolution(_:)`` when the spec does not parse or `E[φ̂²]` is not
    ///   positive and finite.
    public func correlationMap(expectedQueries: Int) throws(ShapingError) -> @Sendable (Double) -> Double {
        let phi: Activation
        do { phi = try Activation(spec: spec) } catch {
            throw .noSolution("the shaped activation '\(spec)' does not parse: \(error)")
        }
        let diagonal = NeuralTangents.diagonalMoments(phi, variance: 1, strategy: .automatic)
        let k1 = diagonal.second
        guard k1 > 0, k1.isFinite else { throw .noSolution("E[phi_hat^2] of \(spec) is \(k1), not positive and finite") }
        var cache = AngularCache()
        let prepared = KernelEvaluator.prepare(phi, variance: 1, interiorCount: 1, diagonal: diagonal, cache: &cache,
                                               expectedQueries: expectedQueries)
        return { c in c >= 1 ? 1 : prepared.interior(max(-1, c)).0 / k1 }
    }
}
