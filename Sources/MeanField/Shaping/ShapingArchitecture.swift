#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The architecture a shaped activation φ̂ is placed in: what the DKS and TAT solvers need from
/// it ([Martens et al. 2021], §5; [Zhang et al. 2022], §4). Every nonlinear layer of the
/// architecture uses the same φ̂ at input variance 1 (Q(1) = 1 keeps it there), so the network's
/// C map is a function of φ̂'s local C map alone:
///
/// ```
/// maximal slope function       μ(ξ) : the network's C'(1) when the local C'(1) = ξ      → solve μ(ξ) = ζ
/// maximal curvature function   κ(τ) : the network's C''(1) when C'(1) = 1, C''(1) = τ  → solve κ(τ) = τ_net
/// subnetwork maximizing value  M(0) : the network's C(0) for a local C map (leaky relu) → solve M(0) = η
/// ```
/// Conforming types: ``PlainNetwork`` (a plain MLP of depth D, closed forms) and
/// ``ShapingNetwork`` (any `--network` of SPEC §5).
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
/// [Zhang et al. 2022]: https://openreview.net/forum?id=U0k7XNTiFEq
public protocol ShapingArchitecture: Sendable {
    /// Throws ``ShapingError/invalidTarget(_:)`` when the architecture itself is unusable (depth < 1).
    func validate() throws(ShapingError)
    /// The local C'(1) ξ whose maximal slope μ(ξ) is ζ.
    func localSlopeTarget(networkSlope zeta: Double) throws(ShapingError) -> Double
    /// The local C''(1) whose maximal curvature is τ (the local C'(1) being 1).
    func localCurvatureTarget(networkCurvature tau: Double) throws(ShapingError) -> Double
    /// The negative slope s of the normalized leaky relu `√(2/(1+s²)) · leaky_relu_s` with M(0) = η.
    func leakyReluNegativeSlope(eta: Double) throws(ShapingError) -> Double
    /// M(0) of the normalized leaky relu with negative slope s.
    func leakyReluComposedAtZero(negativeSlope s: Double) -> Double
    /// The network's C map at input correlation c, for a local C map (q = 1 throughout).
    func composed(_ c: Double, _ cMap: (Double) -> Double) -> Double
    /// The network with `activation` in every nonlinear layer, for the kernel recursion of
    /// ``NetworkKernels`` (what `mfsim ntk --network` runs).
    func kernelNetwork(_ activation: Activation) -> Network
}

extension PlainNetwork: ShapingArchitecture {
    public func validate() throws(ShapingError) {
        guard depth >= 1 else { throw .invalidTarget("depth must be >= 1 (got \(depth))") }
    }

    /// `dense [φ dense]*D` (σw² = 1, σb² = 0): the kernel recursion of `ntk --layers D`.
    public func kernelNetwork(_ activation: Activation) -> Network {
        Network.multilayerPerceptron(activation, weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0), layers: depth)
    }
}
