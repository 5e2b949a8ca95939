#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One activation family as the library knows it: everything about φ in one place (in the style of
/// neural-tangents' `stax` layers, where each nonlinearity carries its own value and kernel maps).
///
/// A family is a caseless `enum` in `Families/` conforming to this protocol, plus one case of
/// ``Activation/Family`` and one line in each of the two dispatch tables of `Catalogue.swift`. Every
/// requirement takes the family's parameter values `p` in the order of ``parameters``. Defaults
/// (below) cover what most families do not have: no kinks, no poles, unbounded, no closed forms.
///
/// ```
/// value, φ', φ''        evaluate(x, order, p)      (right-hand values at a kink; φ'' without Dirac masses)
/// kinks                 kinks(p)                   location, smoothness (C0/C1), jump of φ'
/// parameters            parameters, validate(p)    names, defaults, domains, cross-parameter checks
/// quadrature hints      featureScale(p), poleDistance(p)
/// boundedness           bound(p) = sup |φ|         (brackets q* of the length map)
/// closed forms          piecewiseForm / piecewisePolynomial / closedFormExpectation / closedFormBivariate
/// monotonicity          isStrictlyIncreasing(p), logDerivative(x, p), isPositivelyHomogeneous(p)
/// ```
protocol ActivationDefinition {
    /// The formula, for the catalogue (plain text).
    static var formula: String { get }
    /// The parameters in canonical order, with defaults and domains.
    static var parameters: [Activation.Parameter] { get }
    /// Cross-parameter checks (e.g. hardtanh's `min < max`); single-parameter domains are in ``parameters``.
    static func validate(_ p: [Double]) throws(ActivationError)
    /// `φ(x)`, `φ'(x)` or `φ''(x)`.
    static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double
    /// The kinks, sorted by location, with their smoothness.
    static func kinks(_ p: [Double]) -> [Kink]
    /// Scale of φ's curvature around 0 (nil: piecewise linear/polynomial, nothing to grade towards).
    static func featureScale(_ p: [Double]) -> Double?
    /// Distance from the real axis of φ's nearest complex singularity (nil: entire, or kinked).
    static func poleDistance(_ p: [Double]) -> Double?
    /// `sup |φ|` when φ is bounded.
    static func bound(_ p: [Double]) -> Double?
    /// The relu/elu-type shape with erfc closed forms (and arc-cosine kernels when linear).
    static func piecewiseForm(_ p: [Double]) -> PiecewiseForm?
    /// Polynomial pieces between several kinks (hardtanh, relu6, hardswish, ...): closed forms in Φ, ϕ.
    static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial?
    /// A family-specific 1D closed form of `E[φ^(i)(X) φ^(j)(X)]`, `X ~ N(m, q)`, q > 0.
    static func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double, _ p: [Double]) -> Double?
    /// A family-specific 2D closed form of `E[φ^(i)(u) φ^(j)(v)]`, zero-mean `(u, v)`.
    static func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder, variance1 q1: Double, covariance q12: Double,
                                    variance2 q2: Double, _ p: [Double]) -> Double?
    /// Which expectations have closed forms (for the catalogue).
    static func closedFormSummary(_ p: [Double]) -> String
    /// φ' > 0 everywhere.
    static func isStrictlyIncreasing(_ p: [Double]) -> Bool
    /// `log φ'(x)` without overflow in the tails (only called when strictly increasing).
    static func logDerivative(_ x: Double, _ p: [Double]) -> Double
    /// `φ(λx) = λφ(x)` for λ > 0 (relu, leaky_relu, linear, abs): χ₁ does not depend on q.
    static func isPositivelyHomogeneous(_ p: [Double]) -> Bool
}

extension ActivationDefinition {
    static var parameters: [Activation.Parameter] { [] }
    static func validate(_ p: [Double]) throws(ActivationError) {}
    static func kinks(_ p: [Double]) -> [Kink] {
        piecewisePolynomial(p)?.kinks ?? []
    }
    static func featureScale(_ p: [Double]) -> Double? { 1 }
    static func poleDistance(_ p: [Double]) -> Double? { nil }
    static func bound(_ p: [Double]) -> Double? { nil }
    static func piecewiseForm(_ p: [Double]) -> PiecewiseForm? { nil }
    static func piecewisePolynomial(_ p: [Double]) -> PiecewisePolynomial? { nil }
    static func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double, _ p: [Double]) -> Double? { nil }
    static func closedFormBivariate(_ i: DerivativeOrder, _ j: DerivativeOrder, variance1 q1: Double, covariance q12: Double,
                                    variance2 q2: Double, _ p: [Double]) -> Double? { nil }
    static func closedFormSummary(_ p: [Double]) -> String {
        if piecewisePolynomial(p) != nil { return "1D: all moments (Phi, phi; quadrature where ill-conditioned)" }
        return "none (quadrature)"
    }
    static func isStrictlyIncreasing(_ p: [Double]) -> Bool { false }
    static func logDerivative(_ x: Double, _ p: [Double]) -> Double { log(evaluate(x, .first, p)) }
    static func isPositivelyHomogeneous(_ p: [Double]) -> Bool { false }
}

extension Kink {
    /// The kinks among `locations`, found from one-sided derivatives: left values at the next
    /// double below (−leastNonzeroMagnitude at 0), right values at the point. A location where
    /// φ' and φ'' agree on both sides is no kink and is not listed.
    static func detected(at locations: [Double], _ derivative: (Double, DerivativeOrder) -> Double) -> [Kink] {
        locations.compactMap { k in
            let left = k.nextDown
            let left1 = derivative(left, .first), right1 = derivative(k, .first)
            let left2 = derivative(left, .second), right2 = derivative(k, .second)
            if left1 != right1 { return Kink(location: k, smoothness: .c0, derivativeJump: right1 - left1) }
            if left2 != right2 { return Kink(location: k, smoothness: .c1, derivativeJump: 0) }
            return nil
        }
    }
}
