#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The symmetries of φ under which a DKS/TAT root `(α, β, δ, γ)` of
/// `φ̂(x) = γ(φ(αx + β) + δ)` has a mirror image with the same local maps (Q, C and all their
/// derivatives: they are expectations over `x ~ N(0, 1)`, invariant under `x ↦ −x`), and the one
/// canonical representative that ``Shaping`` reports, so that the same inputs print the same root
/// whichever starting point converged.
///
/// ```
/// every φ:                       x ↦ φ̂(−x)       (α, β, δ) ~ (−α, β, δ)              report α > 0
/// point-symmetric φ about (u₀, v₀), φ(2u₀ − u) = 2v₀ − φ(u):
///                                x ↦ −φ̂(−x)      (α, β, δ) ~ (α, 2u₀ − β, −δ − 2v₀)  report β ≥ u₀
/// even φ about u₀, φ(2u₀ − u) = φ(u):
///                                x ↦ φ̂(−x)       (α, β, δ) ~ (α, 2u₀ − β, δ)         report β ≥ u₀
/// sin (2π-periodic, odd, sin(π − u) = sin u):
///                                β ~ β + 2π, β ~ −β (δ ~ −δ), β ~ π − β (δ kept)      report β ∈ [0, π/2]
/// ```
/// The centres: tanh, erf, softsign, tanhshrink, softshrink, sin (0, 0); sigmoid (0, ½);
/// hardsigmoid (0, ½); hardtanh:min=a,max=b ((a+b)/2, (a+b)/2); relu6 (3, 3); abs even about 0.
/// An activation that carries its own affine transformation `s₀(φ(a₀y + b₀) + d₀)` has the centre
/// `((u₀ − b₀)/a₀, s₀(v₀ + d₀))`. A tie (β exactly at the centre) keeps δ as solved.
///
/// ([Martens et al. 2021](https://arxiv.org/abs/2110.01765), §4: the maps depend on φ̂ only through
/// Gaussian expectations.)
enum MirrorRoots {
    /// How φ is symmetric.
    enum Symmetry: Equatable {
        /// `φ(2u₀ − u) = 2v₀ − φ(u)`.
        case point(centre: Double, value: Double)
        /// `φ(2u₀ − u) = φ(u)`.
        case even(centre: Double)
        /// `sin` with the identity affine transformation: periodic, odd, and even about π/2.
        case sine
    }

    /// φ's symmetry in its own input (its own affine transformation included), or nil.
    static func symmetry(_ phi: Activation) -> Symmetry? {
        let base: Symmetry?
        switch phi.family {
        case .tanh, .erf, .softsign, .tanhshrink, .softshrink: base = .point(centre: 0, value: 0)
        case .sine: base = phi.affine.isIdentity ? .sine : .point(centre: 0, value: 0)
        case .sigmoid, .hardsigmoid: base = .point(centre: 0, value: 0.5)
        case .hardtanh:
            let m = 0.5 * (phi.parameterValues[0] + phi.parameterValues[1])
            base = .point(centre: m, value: m)
        case .relu6: base = .point(centre: 3, value: 3)
        case .absolute: base = .even(centre: 0)
        default: base = nil
        }
        let a = phi.affine
        guard let base, !a.isIdentity else { return base }
        switch base {
        case let .point(u0, v0): return .point(centre: (u0 - a.inShift) / a.inScale, value: a.outScale * (v0 + a.outShift))
        case let .even(u0): return .even(centre: (u0 - a.inShift) / a.inScale)
        case .sine: return .point(centre: -a.inShift / a.inScale, value: a.outScale * a.outShift)
        }
    }

    /// The canonical representative of `(α, β, δ)` (γ is unchanged by every symmetry).
    static func canonical(_ phi: Activation, inputScale: Double, inputShift: Double,
                          outputShift: Double) -> (inputScale: Double, inputShift: Double, outputShift: Double) {
        let alpha = abs(inputScale)
        var beta = inputShift, delta = outputShift
        switch symmetry(phi) {
        case let .point(u0, v0)?:
            if beta < u0 { beta = 2 * u0 - beta; delta = -delta - 2 * v0 }
        case let .even(u0)?:
            if beta < u0 { beta = 2 * u0 - beta }
        case .sine?:
            beta = remainder(beta, 2 * Double.pi)             // [−π, π], exact
            if beta < 0 { beta = -beta; delta = -delta }      // odd
            if beta > Double.pi / 2 { beta = Double.pi - beta } // sin(π − u) = sin u
        case nil:
            break
        }
        return (alpha, beta, delta)
    }
}
