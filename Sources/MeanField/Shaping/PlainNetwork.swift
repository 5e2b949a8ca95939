#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The architecture functions of DKS and TAT for a plain MLP of `depth` nonlinear layers (no
/// skip connections, no normalization), in closed form ([Martens et al. 2021], §5; [Zhang et al.
/// 2022], Appendix):
///
/// ```
/// maximal slope function       μ(ξ)  = ξ^D          → local C'(1) target ξ = ζ^(1/D)
/// maximal curvature function   μ(τ)  = D · τ        → local C''(1) target τ = τ_net / D
/// subnetwork maximizing value  M(0)  = C^{∘D}(0)    (leaky_relu: the closed-form C map)
/// ```
/// The `dks` package inverts these by a 1e-8 binary search; here the first two are exact and the
/// third is a bracketed root (Brent) to full precision.
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
/// [Zhang et al. 2022]: https://openreview.net/forum?id=U0k7XNTiFEq
public struct PlainNetwork: Sendable, Hashable {
    /// The number of nonlinear layers D ≥ 1.
    public let depth: Int

    public init(depth: Int) { self.depth = depth }

    /// `ξ^D`, the network's C'(1) when every layer's local C map has slope ξ at 1.
    public func maximalSlope(_ localSlope: Double) -> Double { pow(localSlope, Double(depth)) }

    /// `D · τ`, the network's C''(1) when every layer has C'(1) = 1 and C''(1) = τ.
    public func maximalCurvature(_ localCurvature: Double) -> Double { Double(depth) * localCurvature }

    /// The local C'(1) whose maximal slope is ζ: `ζ^(1/D)`.
    public func localSlopeTarget(networkSlope zeta: Double) -> Double { exp(log(zeta) / Double(depth)) }

    /// The local C''(1) whose maximal curvature is τ: `τ / D`.
    public func localCurvatureTarget(networkCurvature tau: Double) -> Double { tau / Double(depth) }

    /// `C^{∘D}(0)` for a local C map.
    public func composedAtZero(_ cMap: (Double) -> Double) -> Double { composed(0, cMap) }

    /// `C^{∘D}(c)`: the network's C map at input correlation c.
    public func composed(_ c: Double, _ cMap: (Double) -> Double) -> Double {
        var c = c
        for _ in 0..<depth { c = cMap(c) }
        return c
    }

    /// The local C map of the normalized leaky relu `√(2/(1+s²)) · leaky_relu_s` ([Zhang et al. 2022], eq. 8):
    ///
    /// ```
    /// C(c) = [ (1 − s)² (√(1 − c²) + (π − arccos c) c) / π + 2 s c ] / (1 + s²)
    /// ```
    public static func leakyReluCMap(_ c: Double, negativeSlope s: Double) -> Double {
        let cc = max(-1, min(1, c))
        let r = ((1 - cc) * (1 + cc)).squareRoot()
        return ((1 - s) * (1 - s) * (r + (Double.pi - acos(cc)) * cc) / Double.pi + 2 * s * cc) / (1 + s * s)
    }

    /// `M(0) = C^{∘D}(0)` of the normalized leaky relu with negative slope s.
    public func leakyReluComposedAtZero(negativeSlope s: Double) -> Double {
        composedAtZero { PlainNetwork.leakyReluCMap($0, negativeSlope: s) }
    }

    /// The negative slope s ∈ [0, 1] with `C^{∘D}(0) = η` (M(0) decreases from its relu value at
    /// s = 0 to 0 at s = 1). Throws ``ShapingError/unreachableTarget(_:)`` when η exceeds the relu
    /// value — a network this shallow cannot be made that nonlinear — naming the largest η at this
    /// depth and the smallest depth for this η.
    public func leakyReluNegativeSlope(eta: Double) throws(ShapingError) -> Double {
        guard eta >= 0, eta < 1 else { throw .invalidTarget("eta must be in [0, 1) (got \(formatNumber(eta)))") }
        if eta == 0 { return 1 }
        let reluValue = leakyReluComposedAtZero(negativeSlope: 0)
        if eta == reluValue { return 0 }
        guard eta < reluValue else {
            throw .unreachableTarget("TAT leaky_relu: C(0) = eta = \(formatNumber(eta)) cannot be reached by a plain network of depth \(depth) "
                                     + "(at most \(formatNumber(reluValue)), with negative slope 0); "
                                     + "use --eta <= \(formatNumber(reluValue)) or --depth >= \(PlainNetwork.minimumDepth(eta: eta))")
        }
        do {
            let root = try GSL.brentRoot(bracket: 0, 1, absoluteTolerance: 1e-17, relativeTolerance: 2e-16) { s in
                self.leakyReluComposedAtZero(negativeSlope: s) - eta
            }
            return root.root
        } catch {
            throw .noSolution("TAT leaky_relu: the negative-slope solve failed: \(error)")
        }
    }

    /// The smallest depth whose relu network reaches `C^{∘D}(0) ≥ η` (η < 1).
    static func minimumDepth(eta: Double) -> Int {
        var c = 0.0, depth = 0
        while c < eta && depth < 100_000_000 {
            c = leakyReluCMap(c, negativeSlope: 0)
            depth += 1
        }
        return depth
    }
}
