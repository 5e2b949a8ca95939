import Foundation

/// What a shaped plain network achieves, measured from φ̂ itself (not from the solver's algebra):
/// the network's C map `C_net = C^{∘D}` at q = 1 (every layer keeps q = 1 because Q(1) = 1),
/// `C(c) = E[φ̂(u) φ̂(v)] / Q(1)` for unit-variance `(u, v)` of correlation c — the NNGP recursion
/// of `dense(sigma_w2=1) φ̂` repeated D times.
///
/// ```
/// C_net(0)   = C^{∘D}(0)                        (D bivariate Gaussian expectations)
/// C_net'(1)  = C'(1)^D
/// C_net''(1) = b_D,  b_1 = C''(1),  b_n = C''(1) C'(1)^(2(n−1)) + C'(1) b_(n−1)
/// ```
/// (C(1) = 1, so the chain rule at 1 needs only the local C'(1) and C''(1)).
public struct NetworkCheck: Sendable, Hashable {
    /// `C_net(0)` (DKS: 0; TAT leaky_relu: η).
    public let cZero: Double
    /// `C_net'(1)` (DKS: ζ; TAT: 1).
    public let cSlope: Double
    /// `C_net''(1)` (TAT smooth: τ); infinite for a C⁰ kink.
    public let cCurvature: Double

    /// Measures φ̂ in a plain network of the given depth.
    public init(_ shaped: ShapedActivation, network: PlainNetwork) {
        let maps = shaped.localMaps
        cZero = network.composedAtZero { shaped.cMap($0, qValue: maps.qValue) }
        cSlope = network.maximalSlope(maps.cSlope)
        var b = maps.cCurvature
        if network.depth > 1 {
            for n in 2...network.depth { b = maps.cCurvature * pow(maps.cSlope, Double(2 * (n - 1))) + maps.cSlope * b }
        }
        cCurvature = b
    }
}
