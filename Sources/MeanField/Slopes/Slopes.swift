#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Gaussian statistics of an activation's slope at pre-activations `X ~ N(m, q)` (SPEC §1.5).
public struct SlopeStatistics: Sendable, Hashable {
    /// `s(q, m) = E[φ'(X)]`, the expected slope.
    public let expectedSlope: Double
    /// `E[φ'(X)²]` (σ_w² times it is χ₁ of Poole et al. 2016).
    public let slopeSecondMoment: Double
    /// `E[φ(X)]`.
    public let activationMean: Double
    /// `E[φ(X)²]`.
    public let activationSecondMoment: Double
    /// `P(φ'(X) = 0)`: the dying-ReLU measure, `Φ(−m/√q)` for relu, 0 where φ' > 0.
    public let deadFraction: Double
    /// `E[log φ'(X)]`, the per-unit log-determinant of an elementwise flow layer; nil where φ is
    /// not strictly increasing (relu, gelu, silu, leaky_relu with slope ≤ 0).
    public let logSlope: Double?
}

/// The initialization constants people confuse, for inputs of variance q (SPEC §1.5).
public struct InitializationGain: Sendable, Hashable {
    /// `E_q[φ²] = E[φ(√q z)²]`.
    public let secondMoment: Double
    /// `k = q / E_q[φ²]`: `Var[w] = k / fan_in` keeps the pre-activation variance at q
    /// (He et al. 2015 for relu: k = 2; at q = 1, `k = 1/E[φ(z)²]`).
    public let weightVarianceFactor: Double
    /// `√k`: the number PyTorch's `torch.nn.init.calculate_gain` stands for.
    public let standardDeviationGain: Double
    /// `γ = √(q / Var[φ(√q z)])`: the NFNets constant (Brock et al. 2021) that rescales φ to the
    /// input's variance; at q = 1, `1/std(φ(z))`. The NFNets code estimates it by sampling.
    public let nfGamma: Double
}

/// Why a neutral-flow parameter could not be solved for.
public enum SlopeError: Error, Sendable, CustomStringConvertible {
    case noSolution(String)
    case notConverged(String)
    public var description: String {
        switch self { case let .noSolution(m), let .notConverged(m): return m }
    }
}

/// Expected slopes, dead fractions, RNN gradient gain and initialization gains (SPEC §1.5).
public enum Slopes {
    /// All of ``SlopeStatistics`` at `X ~ N(m, q)`; closed forms for the piecewise families.
    public static func statistics(_ activation: Activation, mean m: Double = 0, variance q: Double) -> SlopeStatistics {
        func e(_ moment: Moment) -> Double { Gaussian.expectation(of: moment, activation, mean: m, variance: q).value }
        return SlopeStatistics(expectedSlope: e(.slope), slopeSecondMoment: e(.slopeSquared), activationMean: e(.mean),
                               activationSecondMoment: e(.secondMoment), deadFraction: deadFraction(activation, mean: m, variance: q),
                               logSlope: logSlope(activation, mean: m, variance: q)?.value)
    }

    /// `P(φ'(X) = 0)`, `X ~ N(m, q)`. φ' vanishes on a set of positive measure only on a flat side
    /// of a piecewise linear activation (relu's x < 0): there it is `Φ(−m/√q)`.
    ///
    /// Several flat pieces (relu6: x < 0 and x > 6; hardtanh: |x| > 1; softshrink: |x| < λ) add up
    /// their probabilities. With an affine transformation, at `Y = in_scale·X + in_shift`.
    public static func deadFraction(_ activation: Activation, mean m: Double = 0, variance q: Double) -> Double {
        let (my, qy) = activation.affine.isIdentity ? (m, q) : activation.affine.inner(mean: m, variance: q)
        if let polynomial = activation.basePiecewisePolynomial { return polynomial.deadFraction(mean: my, variance: qy) }
        guard let form = activation.basePiecewiseForm, case let .linear(slope) = form.negative, slope == 0 else { return 0 }
        if qy == 0 { return my < 0 ? 1 : 0 }
        return standardNormalCDF(-my / qy.squareRoot())
    }

    /// `E[log φ'(X)]`, `X ~ N(m, q)`, or nil when φ is not strictly increasing.
    ///
    /// Piecewise families in closed form: `log φ' = log a` for x > 0 and `log b` or
    /// `log(Ak) + kx` for x ≤ 0, so
    /// ```
    /// E[log φ'] = P₊ log a + P₋ log b                    (leaky_relu, linear)
    /// E[log φ'] = P₊ log a + P₋ log(Ak) + k·E[X 1{X<0}]   (elu, selu, celu)
    /// ```
    /// Smooth families by quadrature of an overflow-free `log φ'` (e.g. `log sech² x =
    /// 2(log 2 − |x| − log1p(e^(−2|x|)))`). With an affine transformation,
    /// `E[log φ̂'(X)] = log(out_scale·in_scale) + E[log φ'(Y)]`, `Y = in_scale·X + in_shift`.
    public static func logSlope(_ activation: Activation, mean m: Double = 0, variance q: Double) -> Expectation? {
        guard activation.isStrictlyIncreasing else { return nil }
        if !activation.affine.isIdentity {
            let (my, qy) = activation.affine.inner(mean: m, variance: q)
            guard let base = logSlope(activation.base, mean: my, variance: qy) else { return nil }
            let offset = log(activation.affine.outScale * activation.affine.inScale)
            return Expectation(value: base.value + offset, errorEstimate: base.errorEstimate, evaluations: base.evaluations,
                               method: base.method, converged: base.converged)
        }
        if q == 0 { return Expectation(value: activation.logDerivative(m), evaluations: 1, method: .pointMass) }
        if let form = activation.piecewiseForm {
            let h = HalfLineMoments(mean: m, variance: q)
            let positive = h.positiveProbability * log(form.positiveSlope)
            switch form.negative {
            case let .linear(b):
                return .closedForm(positive + h.negativeProbability * log(b))
            case let .exponential(a, k):
                return .closedForm(positive + h.negativeProbability * log(a * k) + k * h.firstNegative)
            }
        }
        let logDerivative = KinkedFunction(kinks: activation.kinks.map(\.location), featureScale: activation.featureScale,
                                           featureCentre: activation.featureCentre) {
            [activation] x in activation.logDerivative(x)
        }
        return Gaussian.expectation(logDerivative, mean: m, variance: q)
    }

    /// RNN gradient gain `ρ · s(q)` for a recurrent matrix of norm ρ and pre-activations of
    /// variance q (mean 0): neutral flow is gain 1 (SPEC §1.5).
    public static func rnnGain(_ activation: Activation, variance q: Double, norm rho: Double) -> Double {
        recurrentGain(activation, variance: q, norm: rho).gain
    }

    /// The expected slope `s(q) = E[φ'(√q z)]` and the RNN gradient gain `ρ · s(q)` (SPEC §1.5), the
    /// row of `mfsim rnn-gain`.
    public static func recurrentGain(_ activation: Activation, variance q: Double, norm rho: Double)
    -> (expectedSlope: Double, gain: Double) {
        let slope = Gaussian.expectation(of: .slope, activation, variance: q).value
        return (slope, rho * slope)
    }

    /// Solves one scalar parameter of the activation for neutral flow, `ρ · E[φ'(√q z)] = 1`.
    ///
    /// leaky_relu's slope exactly: `s = (1 + slope)/2`, so `slope = 2/ρ − 1`. Any other parameter
    /// by Brent's method (GSL) on a bracket found by scanning the parameter's domain (log-spaced
    /// over 1e-8 … 1e8 for positive parameters).
    ///
    /// - Returns: the activation with the solved parameter and the parameter's value.
    /// - Throws: ``ActivationError`` for an unknown parameter; ``SlopeError`` when no value in the
    ///   domain gives gain 1.
    public static func neutralParameter(_ activation: Activation, parameter name: String, variance q: Double,
                                        norm rho: Double) throws -> (activation: Activation, value: Double) {
        guard activation.parameter(name) != nil else {
            throw ActivationError.unknownParameter(activation: activation.family.rawValue, name: name,
                                                   known: activation.family.parameters.map(\.name))
        }
        if activation.family == .leakyRelu, activation.affine.isIdentity, name == "slope" {
            let slope = (2 - rho) / rho   // = 2/ρ − 1, correctly rounded (1/3 exactly at ρ = 1.5)
            return (try activation.with("slope", slope), slope)
        }
        func gainMinusOne(_ value: Double) -> Double {
            guard let candidate = try? activation.with(name, value) else { return .nan }
            return rnnGain(candidate, variance: q, norm: rho) - 1
        }
        // Scan log-spaced values for a sign change.
        let grid = (0...64).map { pow(10.0, -8 + 16 * Double($0) / 64) }
        let values = grid.map(gainMinusOne)
        guard let i = values.indices.dropLast().first(where: { values[$0] * values[$0 + 1] <= 0 }) else {
            let finite = values.filter(\.isFinite)
            throw SlopeError.noSolution("no \(name) in (1e-8, 1e8) gives gain 1 for \(activation.family.rawValue) at variance \(formatNumber(q)), norm \(formatNumber(rho)): the gain ranges over [\(formatNumber((finite.min() ?? .nan) + 1)), \(formatNumber((finite.max() ?? .nan) + 1))]")
        }
        let root: Double
        if values[i] == 0 {
            root = grid[i]
        } else if values[i + 1] == 0 {
            root = grid[i + 1]
        } else {
            do {
                root = try GSL.brentRoot(bracket: grid[i], grid[i + 1], absoluteTolerance: 0, relativeTolerance: 1e-15, gainMinusOne).root
            } catch {
                throw SlopeError.notConverged("neutral \(name): \(error)")
            }
        }
        return (try activation.with(name, root), root)
    }

    /// ``InitializationGain`` for inputs of variance q (default 1).
    ///
    /// At q below 2^-1000, where E_q[φ²] ~ q is subnormal (or underflows to 0) and `q/E_q[φ²]` would
    /// carry its lost digits, k and γ are ratios of the moments at a normal scale
    /// (``Gaussian/scaledExpectation(of:_:mean:variance:scale:)``): `k = (q/σ²) / E[(φ/σ)²]`.
    public static func initializationGain(_ activation: Activation, variance q: Double = 1) -> InitializationGain {
        if let σ = Gaussian.tinyValueScale(variance: q),
           let second = Gaussian.scaledExpectation(of: .secondMoment, activation, mean: 0, variance: q, scale: σ)?.value,
           let mean = Gaussian.scaledExpectation(of: .mean, activation, mean: 0, variance: q, scale: σ)?.value {
            let scaledVariance = q / σ / σ
            let k = scaledVariance / second
            return InitializationGain(secondMoment: second * σ * σ, weightVarianceFactor: k, standardDeviationGain: k.squareRoot(),
                                      nfGamma: (scaledVariance / (second - mean * mean)).squareRoot())
        }
        let second = Gaussian.expectation(of: .secondMoment, activation, variance: q).value
        let mean = Gaussian.expectation(of: .mean, activation, variance: q).value
        let k = q / second
        return InitializationGain(secondMoment: second, weightVarianceFactor: k, standardDeviationGain: k.squareRoot(),
                                  nfGamma: (q / (second - mean * mean)).squareRoot())
    }
}

extension Activation {
    /// True when φ' > 0 everywhere, so `log φ'` exists: not relu, gelu, silu (negative slopes
    /// below −0.75 and −1.28), nor leaky_relu with slope ≤ 0, nor anything with a flat piece
    /// (hardtanh, relu6, ...); with an affine transformation also `out_scale·in_scale > 0`.
    public var isStrictlyIncreasing: Bool {
        family.definition.isStrictlyIncreasing(parameterValues) && affine.outScale * affine.inScale > 0
    }

    /// `log φ'(x)` without overflow or underflow in the tails (for strictly increasing φ).
    public func logDerivative(_ x: Double) -> Double {
        if affine.isIdentity { return family.definition.logDerivative(x, parameterValues) }
        return log(affine.outScale * affine.inScale) + family.definition.logDerivative(affine.inScale * x + affine.inShift, parameterValues)
    }
}
