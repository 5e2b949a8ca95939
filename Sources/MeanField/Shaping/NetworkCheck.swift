#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What a shaped network achieves, measured through the kernel recursion that `mfsim ntk` and
/// `mfsim depth-sweep --model gaussian` run (``NetworkKernels``, ``NetworkKernelAdapter`` and
/// the ``KernelEvaluator`` routes behind it), not through the shaping solver's own algebra: φ̂
/// enters as the activation its canonical spec parses to (`tanh:in_scale=…,out_scale=…`), placed
/// in every nonlinear layer of the architecture (``ShapingArchitecture/kernelNetwork(_:)``), with
/// two unit-variance inputs.
///
/// ```
/// C_net(0)   = Σ₁₂/Σ₁₁ of the output for input correlation 0     (NetworkKernels.twoInputs)
/// C_net'(1)  = D₁/Σ₁₁,   C_net''(1) = D₂/Σ₁₁,   Dₖ = dᵏΣ₁₂/dc₀ᵏ at c₀ = 1
/// ```
/// The derivatives are exact, by the chain rule through the same layers (Price's theorem:
/// `∂E[φ(u)φ(v)]/∂Σ₁₂ = E[φ'(u)φ'(v)]`, `∂²/∂Σ₁₂² = E[φ''(u)φ''(v)]`, at c = 1 the diagonal
/// moments `E_q[φ'²]`, `E_q[φ''²]`):
/// ```
/// dense(W, B):         D₁ ← W D₁,                   D₂ ← W D₂
/// activation φ at q:   D₂ ← E_q[φ''²] D₁² + E_q[φ'²] D₂,   D₁ ← E_q[φ'²] D₁
/// layernorm at q:      Dₖ ← Dₖ / q
/// residual(a, b)[F]:   Dₖ ← a² Dₖ + b² Dₖ(F)
/// ```
/// `E_q[φ'²]` is the kernel evaluator's NTK slope entry at c = 1 (``NetworkKernelAdapter/diagonal(_:variance:)``,
/// the Θ diagonal of `ntk`); the evaluator has no φ''φ'' entry, so `E_q[φ''²]` is the Gaussian
/// expectation of the parsed activation's φ''² between its kinks (infinite for a C⁰ kink, whose
/// φ'' has a Dirac mass).
public struct NetworkCheck: Sendable, Hashable {
    /// `C_net(0)` (DKS: 0; TAT leaky_relu: η).
    public let cZero: Double
    /// `C_net'(1)` (DKS: ζ; TAT: 1).
    public let cSlope: Double
    /// `C_net''(1)` (TAT smooth: τ); infinite for a C⁰ kink.
    public let cCurvature: Double

    /// Measures φ̂ in `network`.
    /// - Throws: ``ShapingError/noSolution(_:)`` when the recursion meets a non-finite value.
    public init(_ shaped: ShapedActivation, network architecture: some ShapingArchitecture) throws(ShapingError) {
        let phi: Activation
        do { phi = try Activation(spec: shaped.spec) } catch {
            throw .noSolution("--check: the shaped activation '\(shaped.spec)' does not parse: \(error)")
        }
        let network = architecture.kernelNetwork(phi)
        let kernels: (rows: [NetworkKernelRow], firstNonFiniteBlock: Int?)
        do { kernels = try NetworkKernels.twoInputs(network, q0: 1, c0s: [0]) } catch {
            throw .notApplicable("--check: \(error)")
        }
        guard kernels.firstNonFiniteBlock == nil, let last = kernels.rows.last, last.nngp11 > 0 else {
            throw .noSolution("--check: the kernel recursion of \(shaped.spec) is not finite at block \(kernels.firstNonFiniteBlock ?? 0)")
        }
        cZero = last.nngp12 / last.nngp11
        var adapter = NetworkKernelAdapter()
        var state = Derivatives(variance: 1, first: 1, second: 0)
        for item in network.items { Self.propagate(item, &state, &adapter) }
        cSlope = state.first / state.variance
        cCurvature = state.second / state.variance
    }

    /// The output variance Σ₁₁ and `D₁`, `D₂`.
    struct Derivatives {
        var variance: Double
        var first: Double
        var second: Double
    }

    static func propagate(_ item: NetworkLayer, _ state: inout Derivatives, _ adapter: inout NetworkKernelAdapter) {
        switch item {
        case let .dense(w):
            state.variance = w.sigmaW2 * state.variance + w.sigmaB2
            state.first *= w.sigmaW2
            state.second *= w.sigmaW2
        case let .activation(a):
            let d = adapter.diagonal(a, variance: state.variance)
            let curvature = secondDerivativeMoment(a, variance: state.variance)
            state.second = curvature * state.first * state.first + d.slopeSquared * state.second
            state.first *= d.slopeSquared
            state.variance = d.second
        case .layernorm:
            state.first /= state.variance
            state.second /= state.variance
            state.variance = 1
        case let .residual(skip, branch, f):
            var inner = state
            for layer in f.items { propagate(layer, &inner, &adapter) }
            let (a2, b2) = (skip * skip, branch * branch)
            state = Derivatives(variance: a2 * state.variance + b2 * inner.variance, first: a2 * state.first + b2 * inner.first,
                                second: a2 * state.second + b2 * inner.second)
        case let .group(f):
            for layer in f.items { propagate(layer, &state, &adapter) }
        }
    }

    /// `E_q[φ''²]` between φ's kinks; infinite when φ' jumps (a Dirac mass in φ'').
    static func secondDerivativeMoment(_ a: Activation, variance q: Double) -> Double {
        if a.kinks.contains(where: { $0.smoothness == .c0 }) { return .infinity }
        return Gaussian.expectation(of: Moment(.second, .second), a, variance: q).value
    }
}
