#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Which kernel-shaping transformation.
public enum ShapingMethod: String, Sendable, Hashable, CaseIterable {
    /// Deep Kernel Shaping ([Martens et al. 2021](https://arxiv.org/abs/2110.01765)).
    case dks
    /// Tailored Activation Transformations ([Zhang et al. 2022](https://openreview.net/forum?id=U0k7XNTiFEq)).
    case tat
}

/// Why an activation could not be shaped.
public enum ShapingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A target outside its domain (ζ ≤ 1, τ ≤ 0, η outside [0, 1), depth < 1).
    case invalidTarget(String)
    /// The method does not apply to this activation (TAT of a C⁰ kink, a linear φ).
    case notApplicable(String)
    /// The architecture cannot reach the target (TAT leaky_relu with η too large for the depth).
    case unreachableTarget(String)
    /// No starting point led to a solution.
    case noSolution(String)

    public var description: String {
        switch self {
        case let .invalidTarget(m), let .notApplicable(m), let .unreachableTarget(m), let .noSolution(m): return m
        }
    }
}

/// A solved DKS or TAT transformation.
public struct ShapingResult: Sendable, Hashable {
    /// DKS or TAT.
    public let method: ShapingMethod
    /// The transformed activation φ̂ (for leaky_relu, `activation`'s slope is the solved one).
    public let shaped: ShapedActivation
    /// The solved negative slope (leaky_relu), else nil.
    public let negativeSlope: Double?
    /// The local targets the architecture functions gave: C'(1) (DKS: ζ^(1/D); TAT: 1),
    /// C''(1) (TAT smooth: τ/D), and C(0) of the network (TAT leaky_relu: η).
    public let localSlopeTarget: Double
    public let localCurvatureTarget: Double?
    /// The starting point (in the order of `unknowns`) from which the solution was found.
    public let startingPoint: [Double]
    /// The names of the solved unknowns, in `dks`' order.
    public let unknowns: [String]
    /// Hybrid-solver iterations, then Newton polishing steps.
    public let iterations: Int
    /// The largest residual of the solved conditions, from the solver's algebra.
    public let residual: Double
}

/// Exact DKS and TAT transformations, `φ̂(x) = γ(φ(αx + β) + δ)`, with the conditions and
/// unknowns of the deepmind `dks` package (`dks/base/activation_transform.py`) on exact Gaussian
/// expectations (see ``ShapingSystem``) instead of a 100 000-node Gauss–Legendre rule:
///
/// ```
/// DKS, smooth or kinked φ:  Q'(1) = q_slope, C(0) = 0, C'(1) = ξ, maxslope(ξ) = ζ
///                           unknowns (α, β); δ = −E[φ(αx + β)], γ from Q(1) = 1
/// DKS, relu:                C'(1) = ξ; β = +1 if ξ < π/(π−1) else −1; unknown α (Q'(1) free)
/// DKS, leaky_relu:          Q'(1) = q_slope, C(0) = 0, C'(1) = ξ; unknowns (s, β), α = 1
/// TAT, smooth φ:            Q'(1) = 1, C'(1) = 1, C''(1) = τ_loc, maxcurv(τ_loc) = τ
///                           unknowns (α, β, δ), γ from Q(1) = 1; solutions with αγ ≥ 2 rejected
/// TAT, leaky_relu:          M(0) = C^{∘D}(0) = η for s; γ = √(2/(1 + s²))
/// ```
/// Several parameter sets can meet the conditions; as in `dks`, the starting points are tried in
/// the order α ∈ (1, 0.1) × β ∈ (0, 1, −1) × δ ∈ (0, 1, −1) (leaky_relu: s ∈ (0, 0.5) × β), and
/// the first accepted solution is returned. From each start: Newton's method with the exact
/// Jacobian and backtracking on ‖F‖², then, if it stalls, Powell's hybrid method (GSL
/// `hybridsj`, the algorithm of MINPACK's `hybrj`; `dks` runs its `hybrd` sibling through
/// `scipy.optimize.root`); then Newton polishing to full precision. On dks' 32 test cases (depths
/// 10 and 50) this lands on dks' root from dks' starting point, up to the mirror images below.
/// Unlike `dks`, no random starting points follow a complete
/// failure: the result is ``ShapingError/noSolution(_:)``. Where the DKS conditions provably (or,
/// for one inequality, numerically) have no solution — clip-type activations (hardtanh, relu6,
/// hardsigmoid) with ζ^(1/D) ≤ π/(π − 1), abs except at ζ^(1/D) = π/(π − 2), both with q_slope 1 —
/// the result is ``ShapingError/unreachableTarget(_:)`` with the reason, before any solve
/// (see ``DKSObstruction``).
///
/// Equivalent solutions: `x ↦ φ̂(−x)` has the same maps, so `input_scale > 0` is reported; for a
/// point-symmetric φ (tanh, erf, sigmoid: `φ(−u) = 2φ(0) − φ(u)`), `x ↦ −φ̂(−x)`, i.e.
/// `(α, −β, −δ − 2φ(0), γ)`, has them too, and the one with `input_shift ≥ 0` is reported. At
/// dks' symmetric starting point (β = 0) the Jacobian of such a φ is singular, and which mirror
/// image `dks` lands on is decided by rounding in its finite-difference Jacobian (dks 0.1.2: the
/// negative shift for sigmoid DKS and TAT tanh at depth 10, the positive one otherwise).
public enum Shaping {
    /// The DKS transformation of `activation` for an architecture (``PlainNetwork``, ``ShapingNetwork``).
    /// - Parameters:
    ///   - zeta: ζ > 1, the network's maximal C'(1) (`c_slope_1_target`, default 1.5).
    ///   - qSlope: the local Q'(1) (`local_q_slope_target`, default 1).
    public static func dks(_ activation: Activation, network: some ShapingArchitecture, zeta: Double = 1.5,
                           qSlope: Double = 1) throws(ShapingError) -> ShapingResult {
        try network.validate()
        guard zeta > 1, zeta.isFinite else { throw .invalidTarget("DKS needs zeta > 1 (got \(formatNumber(zeta)))") }
        guard qSlope.isFinite, qSlope > 0 else { throw .invalidTarget("DKS needs q_slope > 0 (got \(formatNumber(qSlope)))") }
        try refuseLinear(activation, .dks)
        let xi = try network.localSlopeTarget(networkSlope: zeta)
        switch activation.family {
        case .relu:
            let shift = xi < Double.pi / (Double.pi - 1) ? 1.0 : -1.0
            let system = ShapingSystem(activation: activation, unknowns: [.inputScale], fixedInputScale: 1,
                                       fixedInputShift: shift, outputShiftRule: .zeroMean, needsCurvature: false)
            return try solve(.dks, system, starts: [[1], [0.1]], localSlope: xi, localCurvature: nil, conditions: [(.cSlope, xi)])
        case .leakyRelu:
            let system = ShapingSystem(activation: activation, unknowns: [.negativeSlope, .inputShift], fixedInputScale: 1,
                                       fixedInputShift: 0, outputShiftRule: .zeroMean, needsCurvature: false)
            return try solve(.dks, system, starts: product([[0, 0.5], [0, 1, -1]]), localSlope: xi, localCurvature: nil,
                             conditions: [(.qSlope, qSlope), (.cSlope, xi)])
        default:
            if let reason = DKSObstruction.reason(activation, localSlope: xi, qSlope: qSlope) { throw .unreachableTarget(reason) }
            let system = ShapingSystem(activation: activation, unknowns: [.inputScale, .inputShift], fixedInputScale: 1,
                                       fixedInputShift: 0, outputShiftRule: .zeroMean, needsCurvature: false)
            return try solve(.dks, system, starts: product([[1, 0.1], [0, 1, -1]]), localSlope: xi, localCurvature: nil,
                             conditions: [(.qSlope, qSlope), (.cSlope, xi)])
        }
    }

    /// The TAT transformation of `activation` for an architecture (``PlainNetwork``, ``ShapingNetwork``).
    /// - Parameters:
    ///   - tau: τ > 0, the network's maximal C''(1) (`c_curve_target`, default 0.3), smooth φ.
    ///   - eta: η ∈ [0, 1), the network's maximal C(0) (`c_val_0_target`, default 0.9), leaky_relu.
    /// - Throws: ``ShapingError/notApplicable(_:)`` for an activation whose φ' jumps (relu, selu,
    ///   elu with alpha ≠ 1: C''(1) is infinite), except leaky_relu, which has its own rule.
    public static func tat(_ activation: Activation, network: some ShapingArchitecture, tau: Double = 0.3,
                           eta: Double = 0.9) throws(ShapingError) -> ShapingResult {
        try network.validate()
        try refuseLinear(activation, .tat)
        if activation.family == .leakyRelu {
            let s = try network.leakyReluNegativeSlope(eta: eta)
            guard let phi = try? Activation(.leakyRelu, ["slope": s]) else { throw .noSolution("TAT leaky_relu: slope \(s) refused") }
            let shaped = ShapedActivation(phi, outputScale: (2 / (1 + s * s)).squareRoot())
            let achieved = network.leakyReluComposedAtZero(negativeSlope: s)
            return ShapingResult(method: .tat, shaped: shaped, negativeSlope: s, localSlopeTarget: 1, localCurvatureTarget: nil,
                                 startingPoint: [], unknowns: [ShapingUnknown.negativeSlope.rawValue], iterations: 0,
                                 residual: abs(achieved - eta))
        }
        if let kink = activation.kinks.first(where: { $0.smoothness == .c0 }) {
            throw .notApplicable("TAT is undefined for \(activation.spec): its derivative jumps by \(formatNumber(kink.derivativeJump)) "
                                 + "at \(formatNumber(kink.location)) (a C0 kink), so C''(1) is infinite; use leaky_relu, a smooth activation, or --method dks")
        }
        guard tau > 0, tau.isFinite else { throw .invalidTarget("TAT needs tau > 0 (got \(formatNumber(tau)))") }
        let curvature = try network.localCurvatureTarget(networkCurvature: tau)
        let system = ShapingSystem(activation: activation, unknowns: [.inputScale, .inputShift, .outputShift], fixedInputScale: 1,
                                   fixedInputShift: 0, outputShiftRule: .unknown, needsCurvature: true)
        return try solve(.tat, system, starts: product([[1, 0.1], [0, 1, -1], [0, 1, -1]]), localSlope: 1, localCurvature: curvature,
                         reject: { $0.inputScale * $0.outputScale >= 2 },
                         conditions: [(.qSlope, 1), (.cSlope, 1), (.cCurvature, curvature)])
    }

    // MARK: Solver

    private static func refuseLinear(_ activation: Activation, _ method: ShapingMethod) throws(ShapingError) {
        if activation.family == .linear {
            throw .notApplicable("\(method.rawValue.uppercased()) cannot shape \(activation.spec): every affine transformation of it has the identity C map (C'(1) = 1, C''(1) = 0)")
        }
    }

    /// Every combination, the first list varying slowest (Python's `itertools.product`).
    static func product(_ lists: [[Double]]) -> [[Double]] {
        lists.reduce([[]]) { partial, list in partial.flatMap { prefix in list.map { prefix + [$0] } } }
    }

    /// One solved condition: a local map of φ̂ equals a target.
    enum Condition { case qSlope, cSlope, cCurvature }

    private static func solve(_ method: ShapingMethod, _ system: ShapingSystem, starts: [[Double]], localSlope: Double,
                              localCurvature: Double?, reject: ((ShapedActivation) -> Bool)? = nil,
                              conditions: [(Condition, Double)]) throws(ShapingError) -> ShapingResult {
        // The residuals (map − target) and their exact Jacobian from the Dual algebra.
        // Trial iterates are not recorded in the accuracy ledger (they may stray where a quadrature
        // is poor and are discarded); the final iterate is re-evaluated below, recorded.
        func residualsAndJacobian(_ p: [Double]) -> (values: [Double], jacobian: [[Double]]) {
            AccuracyLedger.unrecorded { trialResidualsAndJacobian(p) }
        }
        func trialResidualsAndJacobian(_ p: [Double]) -> (values: [Double], jacobian: [[Double]]) {
            let n = p.count
            guard let r = system.evaluate(p) else {
                return (Array(repeating: .nan, count: n), Array(repeating: Array(repeating: .nan, count: n), count: n))
            }
            let maps: [Dual] = conditions.map { condition, _ in
                switch condition {
                case .qSlope: return r.qSlope
                case .cSlope: return r.cSlope
                case .cCurvature: return r.cCurvature ?? Dual(.nan, Array(repeating: .nan, count: n))
                }
            }
            return (zip(maps, conditions).map { $0.value - $1.1 }, maps.map(\.gradient))
        }
        var failures: [String] = []
        for start in starts {
            var p: [Double]
            var iterations: Int
            if let newton = dampedNewton(start: start, residualsAndJacobian) {
                (p, iterations) = newton
            } else {
                do {
                    let root = try GSL.multiroot(start: start, residualTolerance: 1e-10, maximumIterations: 200, residualsAndJacobian)
                    p = root.root
                    iterations = root.iterations
                } catch {
                    failures.append("start \(start.map(formatNumber)): \(error.reason)")
                    continue
                }
            }
            // Newton polishing to full precision.
            var best = residualsAndJacobian(p)
            var bestNorm = best.values.map(abs).max() ?? .nan
            for _ in 0..<8 {
                guard let step = solveLinear(best.jacobian, best.values.map { -$0 }) else { break }
                let candidate = zip(p, step).map { $0 + $1 }
                let next = residualsAndJacobian(candidate)
                let norm = next.values.map(abs).max() ?? .nan
                guard norm.isFinite, norm <= bestNorm else { break }
                p = candidate; best = next; bestNorm = norm; iterations += 1
                if zip(step, p).allSatisfy({ abs($0) <= 4e-16 * max(1, abs($1)) }) { break }
            }
            guard bestNorm.isFinite, bestNorm <= 1e-12, let evaluated = system.evaluate(p) else {
                failures.append("start \(start.map(formatNumber)): residual \(formatNumber(bestNorm))")
                continue
            }
            let parameters = system.parameters(p)
            var phi = system.activation
            if let s = parameters.negativeSlope, phi.family == .leakyRelu {
                guard let withSlope = try? Activation(.leakyRelu, ["slope": s]) else { continue }
                phi = withSlope
            }
            // Equivalent solutions, one reported: x ↦ φ̂(−x) has the same maps (α > 0 reported), and
            // for a point-symmetric φ, φ(−u) = 2φ(0) − φ(u), so does x ↦ −φ̂(−x), which is
            // (α, −β, −δ − 2φ(0), γ) (input_shift ≥ 0 reported).
            var inputScale = parameters.inputScale, inputShift = parameters.inputShift, outputShift = evaluated.outputShift
            if inputScale < 0 { inputScale = -inputScale }
            if let centre = pointSymmetryValue(phi), inputShift < 0 {
                inputShift = -inputShift
                outputShift = -outputShift - 2 * centre
            }
            let shaped = ShapedActivation(phi, inputScale: inputScale, inputShift: inputShift,
                                          outputShift: outputShift, outputScale: evaluated.outputScale)
            if let reject, reject(shaped) {
                failures.append("start \(start.map(formatNumber)): rejected (input_scale * output_scale = \(formatNumber(shaped.inputScale * shaped.outputScale)) >= 2)")
                continue
            }
            return ShapingResult(method: method, shaped: shaped, negativeSlope: parameters.negativeSlope,
                                 localSlopeTarget: localSlope, localCurvatureTarget: localCurvature, startingPoint: start,
                                 unknowns: system.unknowns.map(\.rawValue), iterations: iterations, residual: bestNorm)
        }
        throw .noSolution("\(method.rawValue.uppercased()) found no parameters for \(system.activation.spec) "
                          + "(unknowns \(system.unknowns.map(\.rawValue).joined(separator: ", ")); \(failures.joined(separator: "; ")))")
    }

    /// Newton's method with backtracking on `½‖F‖²` (Armijo), from `start`: the solution (to a
    /// residual of 1e-10, before polishing) and the iterations, or nil when it stalls at a
    /// non-root or leaves the domain.
    static func dampedNewton(start: [Double], maximumIterations: Int = 100,
                             _ system: ([Double]) -> (values: [Double], jacobian: [[Double]])) -> ([Double], Int)? {
        var p = start
        var current = system(p)
        func merit(_ f: [Double]) -> Double { 0.5 * f.reduce(0) { $0 + $1 * $1 } }
        var m = merit(current.values)
        guard m.isFinite else { return nil }
        for iteration in 0..<maximumIterations {
            if current.values.allSatisfy({ abs($0) <= 1e-10 }) { return (p, iteration) }
            guard let step = solveLinear(current.jacobian, current.values.map { -$0 }) else { return nil }
            var t = 1.0
            var accepted = false
            for _ in 0..<40 {
                let candidate = zip(p, step).map { $0 + t * $1 }
                let next = system(candidate)
                let mn = merit(next.values)
                // Armijo with slope −2m along the Newton direction.
                if mn.isFinite, mn <= (1 - 1e-4 * t) * m {
                    p = candidate; current = next; m = mn; accepted = true
                    break
                }
                t *= 0.5
            }
            guard accepted else { return nil }
        }
        return nil
    }

    /// `φ(0)` for the activations with `φ(−u) = 2φ(0) − φ(u)` (tanh, erf, sigmoid), else nil.
    static func pointSymmetryValue(_ phi: Activation) -> Double? {
        switch phi.family {
        case .tanh, .erf: return 0
        case .sigmoid: return 0.5
        default: return nil
        }
    }

    /// Solves `A x = b` (n ≤ 3) by Gaussian elimination with partial pivoting; nil when singular.
    static func solveLinear(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, v = b
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), m[pivot][col] != 0,
                  m[pivot][col].isFinite else { return nil }
            m.swapAt(col, pivot); v.swapAt(col, pivot)
            for row in (col + 1)..<max(col + 1, n) {
                let f = m[row][col] / m[col][col]
                for k in col..<n { m[row][k] -= f * m[col][k] }
                v[row] -= f * v[col]
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = v[row]
            for k in (row + 1)..<max(row + 1, n) { s -= m[row][k] * x[k] }
            x[row] = s / m[row][row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
