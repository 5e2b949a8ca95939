import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Model B's weight and bias variances: `W_ij ~ N(0, σw²/N)`, `b_i ~ N(0, σb²)`.
public struct GaussianWeights: Sendable, Hashable {
    /// σw²
    public var sigmaW2: Double
    /// σb²
    public var sigmaB2: Double
    public init(sigmaW2: Double, sigmaB2: Double) {
        self.sigmaW2 = sigmaW2
        self.sigmaB2 = sigmaB2
    }
}

/// One layer of a two-input sweep through Model B.
public struct SignalPropagationRow: Sendable, Hashable {
    /// The layer l (0 is the input).
    public let layer: Int
    /// `q_l`, the pre-activation variance of either input.
    public let q: Double
    /// `q12_l`, their covariance.
    public let q12: Double
    /// `c_l = q12_l/q_l`, clamped to [−1, 1].
    public let c: Double
    /// `E[φ(u)]`, u ~ N(0, q_l).
    public let activationMean: Double
    /// `Var[φ(u)]`.
    public let activationVariance: Double
    /// `χ₁ = σw² E[φ'(u)²]` at q_l.
    public let chi1: Double
    /// `χ_c = σw² E[φ'(u1)φ'(u2)]` at (q_l, c_l).
    public let chiC: Double
}

/// Ordered, chaotic, critical, or unbounded (no finite stable q*).
public enum Phase: String, Sendable, Hashable {
    case ordered, chaotic, critical, unbounded
}

/// The fixed points and depth scales at one (σw², σb²).
public struct PhasePoint: Sendable, Hashable {
    /// q*, the stable fixed point of the length map (0 when the signal dies out; +∞ when no
    /// finite stable fixed point exists).
    public let qStar: Double
    /// χ₁(q*); nil when q* is infinite.
    public let chi1: Double?
    /// c*, the stable fixed point of the correlation map at q* (1 when χ₁ ≤ 1).
    public let cStar: Double?
    /// ξ_q = −1/log(χ₁ + σw² E[φ''φ]) at q*; +∞ when the argument is ≥ 1.
    public let xiQ: Double?
    /// ξ_c = −1/log χ_c(q*, c*); +∞ at criticality.
    public let xiC: Double?
    public let phase: Phase
    /// The unstable fixed point of the length map bounding q*'s basin (seen from the starting
    /// q0), nil where there is none: starting beyond it the variance goes elsewhere.
    public var qUnstable: Double? = nil
}

/// Why a Model B solver has no answer.
public enum SignalPropagationError: Error, Sendable, CustomStringConvertible {
    case noEdge(String)
    case notConverged(String)
    public var description: String {
        switch self { case let .noEdge(m), let .notConverged(m): return m }
    }
}

/// Model B: signal propagation through deep random networks with Gaussian weights
/// ([Poole et al. 2016]; [Schoenholz et al. 2017]).
///
/// ```
/// q_l   = σw² E[φ(√q_{l−1} z)²] + σb²                                  (Poole et al., length map)
/// q12_l = σw² E[φ(u1) φ(u2)] + σb²,  (u1, u2) ~ N(0, [[q, q12], [q12, q]])_{l−1}   (Poole et al., covariance map)
/// c_l   = q12_l / q_l
/// χ₁    = σw² E[φ'(√q z)²],  χ_c = σw² E[φ'(u1) φ'(u2)]                 (Poole et al.; Schoenholz et al.)
/// ξ_q   = −1/log(χ₁ + σw² E[φ''φ]),  ξ_c = −1/log χ_c(q*, c*)           (Schoenholz et al., depth scales)
/// ```
///
/// [Poole et al. 2016]: https://arxiv.org/abs/1606.05340
/// [Schoenholz et al. 2017]: https://arxiv.org/abs/1611.01232
public enum SignalPropagation {
    /// The length map `σw² E_q[φ²] + σb²` (Poole et al. 2016, §2).
    public static func lengthMap(_ activation: Activation, variance q: Double, weights: GaussianWeights) -> Double {
        weights.sigmaW2 * Gaussian.expectation(of: .secondMoment, activation, variance: q).value + weights.sigmaB2
    }

    /// `χ₁(q) = σw² E_q[φ'²]` (Poole et al. 2016, §2).
    public static func chi1(_ activation: Activation, variance q: Double, sigmaW2: Double) -> Double {
        sigmaW2 * Gaussian.expectation(of: .slopeSquared, activation, variance: q).value
    }

    /// Two inputs of variance `q0` and correlation `c0` through `layers` layers. Row 0 is the input.
    /// Stops before the first non-finite layer and reports it.
    public static func depthSweep(_ activation: Activation, q0: Double, c0: Double, weights: GaussianWeights,
                                  layers: Int) -> (rows: [SignalPropagationRow], firstNonFiniteLayer: Int?) {
        var rows: [SignalPropagationRow] = []
        rows.reserveCapacity(layers + 1)
        var q = q0, c = max(-1, min(1, c0)), q12 = c * q0
        var kernels = CorrelationKernels(activation, variance: q)
        // Both off-diagonal kernels of a row from one evaluation (this row's χ_c, the next layer's q12).
        var pair = kernels.pair(c)
        for layer in 0...layers {
            if layer > 0 {
                // The previous row's kernels drive this layer's maps.
                let nextQ = weights.sigmaW2 * kernels.kernel(1) + weights.sigmaB2
                let nextQ12 = c == 1 ? nextQ : weights.sigmaW2 * pair.kernel + weights.sigmaB2
                q = nextQ
                q12 = nextQ12
                c = q == 0 ? 1 : max(-1, min(1, q12 / q))
                guard q.isFinite, q12.isFinite else { return (rows, layer) }
                kernels = CorrelationKernels(activation, variance: q)
                pair = kernels.pair(c)
            }
            let mean = Gaussian.expectation(of: .mean, activation, variance: q).value
            let row = SignalPropagationRow(
                layer: layer, q: q, q12: q12, c: c, activationMean: mean,
                activationVariance: max(0, kernels.kernel(1) - mean * mean),
                chi1: weights.sigmaW2 * kernels.derivativeKernel(1),
                chiC: weights.sigmaW2 * pair.derivative)
            guard row.activationMean.isFinite, row.activationVariance.isFinite, row.chi1.isFinite, row.chiC.isFinite else {
                return (rows, layer)
            }
            rows.append(row)
        }
        return (rows, nil)
    }

    /// q*, the stable fixed point of the length map, by Brent's method on `F(q) = L(q) − q`
    /// (a stable crossing has F going from + to −).
    ///
    /// A few map iterations from q = max(q0, σb²) locate the basin of the fixed point reached from
    /// q0; the bracket then grows geometrically around it. Returns 0 when the signal dies out (σb² = 0 and F < 0 down to
    /// 1e-300) and +∞ when F stays positive up to 1e300 (no finite stable fixed point).
    public static func lengthFixedPoint(_ activation: Activation, weights: GaussianWeights, from q0: Double = 1) throws(SignalPropagationError) -> Double {
        let search = KernelEvaluator.secondMomentSearch(activation)
        func f(_ q: Double) -> Double { weights.sigmaW2 * search(q) + weights.sigmaB2 - q }
        // σb² = 0, φ(0) = 0: q = 0 is a fixed point, stable when L(q)/q → σw²(φ'(0⁺)² + φ'(0⁻)²)/2 ≤ 1
        // (decided analytically: near 0 the sign of L(q) − q = O(q²) is below rounding). It is the
        // one reached from q0 unless the map pushes q0 upwards (a bistable map: gelu, silu).
        if weights.sigmaB2 == 0, activation(0) == 0, weights.sigmaW2 * originGain(activation) <= 1, !(f(q0) > saturation(q0)) { return 0 }
        var lower: Double, upper: Double
        if let bound = activation.bound {
            // Bounded activations (|φ| ≤ B): q* lies in [σb², σw² B² + σb²]; bracket it there directly.
            upper = weights.sigmaW2 * (bound * bound) + weights.sigmaB2
            // With σb² = 0 the origin is unstable here (checked above), so F > 0 just above 0.
            lower = weights.sigmaB2 > 0 ? weights.sigmaB2 : 1e-9 * upper
            while f(lower) <= 0 && weights.sigmaB2 == 0 && lower > 1e-300 { lower *= 1e-3 }
            if f(lower) == 0 { return verified(lower) }
            if f(upper) == 0 { return verified(upper) }
        } else {
            // A few map iterations from q0 locate the basin; the bracket then grows geometrically around it.
            var q = max(q0, weights.sigmaB2)
            for _ in 0..<6 {
                let next = weights.sigmaW2 * search(q) + weights.sigmaB2
                guard next.isFinite, next < 1e300 else { return .infinity }
                if next < 1e-300 { return weights.sigmaB2 == 0 ? 0 : next }
                if abs(next - q) <= 1e-3 * q { q = next; break }
                q = next
            }
            lower = q
            upper = q
            let fq = f(q)
            if fq == 0 { return verified(q) }
            if fq > 0 {
                // Growing q: a crossing only counts where F is negative beyond rounding; once F is
                // lost in rounding (q + F(q) == q to ~1e-13: elu at σw² = 2 grows by O(1) a layer,
                // relu at (2, σb²) by σb²) there is no finite fixed point.
                var fu: Double
                repeat {
                    lower = upper
                    upper *= 2
                    fu = f(upper)
                    guard upper < 1e300, fu.isFinite, abs(fu) > saturation(upper) else { return .infinity }
                } while fu > 0
            } else {
                repeat {
                    upper = lower
                    lower /= 2
                    if lower < 1e-300 { return weights.sigmaB2 == 0 ? 0 : lower }
                } while f(lower) < 0
            }
        }
        do {
            return verified(try GSL.brentRoot(bracket: lower, upper, absoluteTolerance: 0, relativeTolerance: 1e-15, f).root)
        } catch {
            throw .notConverged("q*: \(error)")
        }

        // The search may have used the Gauss–Hermite rule: check the root against the exact map and
        // re-solve with it in a tight bracket if the check fails.
        func verified(_ root: Double) -> Double {
            func exact(_ q: Double) -> Double { lengthMap(activation, variance: q, weights: weights) - q }
            if abs(exact(root)) <= 1e-14 * root { return root }
            var lo = root * (1 - 1e-9), hi = root * (1 + 1e-9)
            while exact(lo) < 0 { lo *= 0.5 }
            while exact(hi) > 0 { hi *= 2 }
            return (try? GSL.brentRoot(bracket: lo, hi, absoluteTolerance: 0, relativeTolerance: 1e-15, exact).root) ?? root
        }
    }

    /// The size below which `L(q) − q` is lost in the rounding of `L(q)` (~1e-13 q): a
    /// float-saturated iterate (q + F(q) == q) is never taken for a fixed point.
    static func saturation(_ q: Double) -> Double { 1e-13 * q }

    /// The unstable fixed point of the length map bounding the basin of `stable`, the fixed point
    /// reached from `q0` (nil when there is none): below q0 when q grows without bound from q0
    /// (`stable` = +∞: the largest crossing F: − → + under q0), else above `stable` (the smallest
    /// crossing F: − → + over it, F = L(q) − q). E.g. silu at (σw², σb²) = (2.8, 0.04) is bistable:
    /// from q0 = 1 the variance grows without bound, and from below the unstable fixed point
    /// 0.7384… it falls to q* = 0.18583…. Found by halving / quadrupling on the map (crossings
    /// closer than that factor can be missed), then Brent's method on the exact map to 1e-15 relative.
    public static func lengthBasinBoundary(_ activation: Activation, weights: GaussianWeights, from q0: Double = 1,
                                           stable: Double) -> Double? {
        let search = KernelEvaluator.secondMomentSearch(activation)
        func f(_ q: Double) -> Double { weights.sigmaW2 * search(q) + weights.sigmaB2 - q }
        let bounded = [.tanh, .erf, .sigmoid].contains(activation.family)
        let start = stable.isInfinite ? q0 : (stable > 0 ? stable * 1.01 : q0)
        let f0 = f(start)
        guard f0.isFinite, abs(f0) > saturation(start), (f0 > 0) == stable.isInfinite else { return nil }
        var near = start, far = start
        if stable.isInfinite {
            // F > 0 below σb² (L ≥ σb²): look down to there (or to 1e-12 q0).
            let floor = max(weights.sigmaB2, 1e-12 * q0)
            repeat {
                near = far
                far /= 2
                guard far > floor else { return nil }
            } while !(f(far) < -saturation(far))
        } else {
            // Bounded activations: F < 0 above σw² + σb².
            let ceiling = bounded ? weights.sigmaW2 + weights.sigmaB2 : 1e300
            while true {
                near = far
                far *= 4
                let value = f(far)
                guard far < ceiling, value.isFinite else { return nil }
                if value > saturation(far) { break }
            }
        }
        func exact(_ q: Double) -> Double { lengthMap(activation, variance: q, weights: weights) - q }
        let (lo, hi) = (min(near, far), max(near, far))
        guard exact(lo) * exact(hi) < 0 else { return nil }
        return try? GSL.brentRoot(bracket: lo, hi, absoluteTolerance: 0, relativeTolerance: 1e-15, exact).root
    }

    /// c*, the stable fixed point of the correlation map `ρ(c) = (σw² K(c) + σb²)/q*` below 1,
    /// given the kernels at q* and χ₁(q*) > 1 (else c* = 1).
    ///
    /// `G(c) = ρ(c) − c` has G(−1) ≥ 0 (Cauchy–Schwarz) and `G ≈ (χ₁ − 1)(c − 1) < 0` just
    /// below 1; a scan from −1 upwards (steps of 1/8, then 1 − 2⁻ʲ) finds the first + → − sign
    /// change, and Brent's method refines it.
    ///
    /// Since `q* = σw² K(1) + σb²` at the fixed point, G is evaluated as
    /// ```
    /// G(c) = (1 − c) − σw² (K(1) − K(c)) / q*
    /// ```
    /// for c ≥ 1/2, with the deficit `K(1) − K(c)` free of cancellation
    /// (``CorrelationKernels/kernelDeficit(_:)``); below 1/2 directly (so an odd φ without bias keeps
    /// c* = 0 exactly).
    /// Near the edge of chaos G'(c*) = χ_c − 1 → 0, so an absolute error ε in G moves c* by
    /// ε/(1 − χ_c): this form keeps ε relative to 1 − c instead of to K.
    public static func correlationFixedPoint(_ kernels: CorrelationKernels, qStar: Double, chi1: Double,
                                             weights: GaussianWeights) throws(SignalPropagationError) -> Double {
        guard chi1 > 1, qStar > 0 else { return 1 }
        func g(_ c: Double) -> Double {
            c >= 0.5 ? (1 - c) - weights.sigmaW2 * kernels.kernelDeficit(c) / qStar
                     : (weights.sigmaW2 * kernels.kernel(c) + weights.sigmaB2) / qStar - c
        }
        let grid = stride(from: -1.0, to: 1.0, by: 0.125).map { $0 } + (4...52).map { 1 - pow(2, -Double($0)) }
        var previous = (c: grid[0], g: g(grid[0]))
        for c in grid.dropFirst() {
            let value = g(c)
            if value == 0 && previous.g > 0 { return c }
            if previous.g > 0 && value < 0 {
                do {
                    return try GSL.brentRoot(bracket: previous.c, c, absoluteTolerance: 1e-16, relativeTolerance: 1e-15, g).root
                } catch {
                    throw .notConverged("c*: \(error)")
                }
            }
            previous = (c, value)
        }
        // No crossing resolvable below 1 − 2⁻⁵²: c* is 1 to double precision (χ₁ barely above 1).
        return 1
    }

    /// `lim_{q→0⁺} E[φ(√q z)²]/q = (φ'(0⁺)² + φ'(0⁻)²)/2` for φ(0) = 0: the length map's slope at
    /// the origin per unit σw².
    static func originGain(_ activation: Activation) -> Double {
        let right = activation.evaluate(0, .first), left = activation.evaluate(-Double.leastNonzeroMagnitude, .first)
        return 0.5 * (right * right + left * left)
    }

    /// The variance at which to evaluate statistics "at q*": q* itself, or for q* = 0 the limit
    /// q → 0⁺ — the point mass for a smooth φ, but for a kinked one E_q[φ'²] = (φ'(0⁺)² + φ'(0⁻)²)/2
    /// for every small q > 0 (not φ'(0)²): there it is taken at q = 1e-300, in closed form.
    static func evaluationVariance(_ qStar: Double, _ activation: Activation) -> Double {
        qStar == 0 && !activation.kinks.isEmpty ? 1e-300 : qStar
    }

    /// q*, χ₁, c*, ξ_q, ξ_c and the phase at one (σw², σb²) (Schoenholz et al. 2017, §3).
    /// `q0` (default 1) is where the length map starts: q* is the fixed point reached from it, and
    /// ``PhasePoint/qUnstable`` the unstable fixed point bounding its basin (``lengthBasinBoundary(_:weights:from:)``).
    public static func phasePoint(_ activation: Activation, weights: GaussianWeights, q0: Double = 1) throws(SignalPropagationError) -> PhasePoint {
        let qStar = try lengthFixedPoint(activation, weights: weights, from: q0)
        let unstable = lengthBasinBoundary(activation, weights: weights, from: q0, stable: qStar)
        guard qStar.isFinite else {
            return PhasePoint(qStar: .infinity, chi1: nil, cStar: nil, xiQ: nil, xiC: nil, phase: .unbounded, qUnstable: unstable)
        }
        let q = evaluationVariance(qStar, activation)
        func moment(_ m: Moment) -> Double { KernelEvaluator.moment(m, activation, variance: q) }
        let slopeSquared = moment(.slopeSquared)
        let chi1 = weights.sigmaW2 * slopeSquared
        var cStar = 1.0, chiC = chi1
        if chi1 > 1, qStar > 0 {
            // Only the chaotic phase needs the off-diagonal kernels.
            let kernels = CorrelationKernels(activation, variance: q, secondMoment: (qStar - weights.sigmaB2) / weights.sigmaW2,
                                             slopeSquared: slopeSquared)
            cStar = try correlationFixedPoint(kernels, qStar: qStar, chi1: chi1, weights: weights)
            chiC = weights.sigmaW2 * kernels.derivativeKernel(cStar)
        }
        let chiQ = chi1 + weights.sigmaW2 * moment(.curvatureTimesValue)
        func depth(_ chi: Double) -> Double { chi < 1 ? -1 / log(chi) : .infinity }
        let phase: Phase = chi1 < 1 ? .ordered : (chi1 > 1 ? .chaotic : .critical)
        return PhasePoint(qStar: qStar, chi1: chi1, cStar: cStar, xiQ: depth(chiQ), xiC: depth(chiC), phase: phase, qUnstable: unstable)
    }

    /// The edge of chaos: the σw² with χ₁(q*(σw², σb²)) = 1 for the given σb², and q* there
    /// (Schoenholz et al. 2017, Fig. 1), by Brent's method to 1e-14 relative.
    ///
    /// Positively homogeneous activations (relu, leaky_relu, linear, abs) have χ₁ = σw² E[φ'²]
    /// independent of q: their edge is σw² = 1/E[φ'²] at σb² = 0 only (where every q is a fixed
    /// point: q* is nil), since for σb² > 0 the length map has no finite fixed point there.
    ///
    /// `q0` (default 1) is where the length map starts, as in ``phasePoint(_:weights:q0:)``: q* at each
    /// trial σw² is the fixed point reached from it (``lengthFixedPoint(_:weights:from:)``), so a
    /// bistable map (silu at σb² = 0.04) can have its edge on the branch below its unstable fixed point.
    public static func edgeOfChaos(_ activation: Activation, sigmaB2: Double, q0: Double = 1) throws(SignalPropagationError) -> (sigmaW2: Double, qStar: Double?) {
        if activation.isPositivelyHomogeneous {
            let sigmaW2 = 1 / Gaussian.expectation(of: .slopeSquared, activation, variance: 1).value
            guard sigmaB2 == 0 else {
                throw .noEdge("\(activation.spec) has no edge of chaos at sigma_b2 = \(formatNumber(sigmaB2)): its only critical point is (sigma_w2, sigma_b2) = (\(formatNumber(sigmaW2)), 0)")
            }
            return (sigmaW2, nil)
        }
        // σb² = 0, φ(0) = 0: at the origin χ₁ = σw²(φ'(0⁺)² + φ'(0⁻)²)/2 exactly, and on the branch
        // q* > 0 that bifurcates from it χ₁ − 1 is only second order in σw² − σ²_c, too flat for a
        // root finder. When that branch is not ordered, the edge is the origin's critical point.
        if sigmaB2 == 0, activation(0) == 0 {
            let critical = 1 / originGain(activation)
            let above = GaussianWeights(sigmaW2: critical * (1 + 1e-3), sigmaB2: 0)
            if let q = try? lengthFixedPoint(activation, weights: above, from: q0), q.isFinite,
               chi1(activation, variance: evaluationVariance(q, activation), sigmaW2: above.sigmaW2) >= 1 - 1e-9 {
                return (critical, 0)
            }
        }
        var failure: SignalPropagationError?
        func h(_ sigmaW2: Double) -> Double {
            let weights = GaussianWeights(sigmaW2: sigmaW2, sigmaB2: sigmaB2)
            do {
                let qStar = try lengthFixedPoint(activation, weights: weights, from: q0)
                // An unbounded length map lies on the chaotic side (q grows, χ₁ → σw² E[φ'²] at
                // large q ≥ 1 there); a jump found instead of a crossing is refused below.
                guard qStar.isFinite else { return 1 }
                return chi1(activation, variance: evaluationVariance(qStar, activation), sigmaW2: sigmaW2) - 1
            } catch {
                failure = error
                return .nan
            }
        }
        var lower = 0.5, upper = 1.0
        while h(lower) > 0 { lower /= 2; guard lower > 1e-8 else { break } }
        while h(upper) < 0 {
            upper *= 2
            guard upper < 1e6 else {
                throw .noEdge("no edge of chaos for \(activation.spec) at sigma_b2 = \(formatNumber(sigmaB2)) with sigma_w2 below 1e6")
            }
        }
        guard h(lower) < 0, h(upper).isFinite else {
            throw failure ?? .noEdge("no edge of chaos for \(activation.spec) at sigma_b2 = \(formatNumber(sigmaB2)) (chi1(q*) does not cross 1)")
        }
        let root: Double
        do {
            root = try GSL.brentRoot(bracket: lower, upper, absoluteTolerance: 0, relativeTolerance: 1e-14, h).root
        } catch {
            throw .notConverged("edge of chaos: \(error)")
        }
        if let failure { throw failure }
        guard abs(h(root)) <= 1e-8 else {
            throw .noEdge("no edge of chaos for \(activation.spec) at sigma_b2 = \(formatNumber(sigmaB2)): chi1(q*) jumps past 1 where q* stops being finite")
        }
        return (root, try lengthFixedPoint(activation, weights: GaussianWeights(sigmaW2: root, sigmaB2: sigmaB2), from: q0))
    }

    /// ``phasePoint(_:weights:)`` over a grid, rows σw²-major (`sigmaW2s[i]`, `sigmaB2s[j]` at index
    /// `i·sigmaB2s.count + j`), computed on every core; `progress(done, total)` is called from worker
    /// threads as points finish.
    public static func phaseDiagram(_ activation: Activation, sigmaW2s: [Double], sigmaB2s: [Double], q0: Double = 1,
                                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws(SignalPropagationError) -> [PhasePoint] {
        let total = sigmaW2s.count * sigmaB2s.count
        let results: [Result<PhasePoint, SignalPropagationError>] = concurrentMap(Array(0..<total), progress: progress) { index in
            let weights = GaussianWeights(sigmaW2: sigmaW2s[index / sigmaB2s.count], sigmaB2: sigmaB2s[index % sigmaB2s.count])
            do throws(SignalPropagationError) { return .success(try phasePoint(activation, weights: weights, q0: q0)) } catch { return .failure(error) }
        }
        var points: [PhasePoint] = []
        points.reserveCapacity(total)
        for result in results {
            switch result {
            case let .success(point): points.append(point)
            case let .failure(error): throw error
            }
        }
        return points
    }
}

