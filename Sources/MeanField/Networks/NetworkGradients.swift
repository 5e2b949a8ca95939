#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One top-level item of a two-input signal-propagation sweep through a network.
public struct NetworkSignalRow: Sendable, Hashable {
    /// The top-level item's index, 0-based.
    public let block: Int
    /// The variance `Σ₁₁` of the item's output (both inputs).
    public let q: Double
    /// The covariance `Σ₁₂`.
    public let q12: Double
    /// The correlation `Σ₁₂/Σ₁₁` (1 for a zero signal).
    public let c: Double
    /// `E|∂ℓ/∂x_b|² / E|∂ℓ/∂x_out|²`: the expected squared gradient norm at this item's output
    /// relative to the network's output (``NetworkGradients/gradientRatios(_:q0:)``); nil when
    /// the output is not reached with finite values.
    public let gradientRatio: Double?
}

/// Mean-field backpropagation through a composed network ([Schoenholz et al. 2017], §"Back-
/// propagation of gradients"): with the gradient independence assumption (the backward weights
/// behave as fresh copies of the forward ones), the expected squared norm of the gradient
/// `g = ∂ℓ/∂x` at a layer's input is the one at its output times the layer's backward factor:
/// ```
/// dense(W, B):                  W                     (E|Wᵀg|² = N·(W/N)·|g|²)
/// activation φ at input var. q: E_q[φ'(u)²]           (g ⊙ φ'(u))
/// layernorm at input var. q:    1/q
/// residual(skip=a,branch=b)[F]: a² + b² · ∏ factors of F   (the cross term averages to 0: F ends in a fresh dense)
/// ```
/// For `dense [φ dense(W, B)]*L` block l's factor is `W·E_{q_{l−1}}[φ'²] = χ1(q_{l−1})`, so the
/// ratio at block l is `∏_{k=l+1}^{L} χ1(q_{k−1})` ([Schoenholz et al. 2017] eq. 14).
///
/// Layer normalization `y = x·√N/|x|` has Jacobian `J = (√N/|x|)(I − y yᵀ/N)`; for a gradient
/// g independent of x, `E|Jᵀg|² = (N/|x|²)(|g|² − (y·g)²/N) = |g|²/q · (1 − O(1/N))` with
/// `q = |x|²/N`: the factor is `1/q` at infinite width (the same Jacobian as in [Xiong et al.
/// 2020], §3, whose gradient bound scales as √d/|x|).
///
/// [Schoenholz et al. 2017]: https://arxiv.org/abs/1611.01232
/// [Xiong et al. 2020]: https://arxiv.org/abs/2002.04745
public enum NetworkGradients {
    /// Each top-level item's backward factor for inputs of variance `q0`, up to the first item
    /// whose input variance is not finite.
    public static func gradientFactors(_ network: Network, q0: Double) throws(NetworkError) -> [Double] {
        try network.checkGaussian()
        var adapter = NetworkKernelAdapter()
        var q = q0
        var factors: [Double] = []
        for item in network.items {
            guard q.isFinite else { break }
            factors.append(factor(item, &q, &adapter))
        }
        return factors
    }

    /// `E|∂ℓ/∂x_b|² / E|∂ℓ/∂x_out|²` for each top-level item b: the product of the backward
    /// factors of the items after it (1 for the last); empty when the output variance is not finite.
    public static func gradientRatios(_ network: Network, q0: Double) throws(NetworkError) -> [Double] {
        let factors = try gradientFactors(network, q0: q0)
        guard factors.count == network.items.count else { return [] }
        var ratios = [Double](repeating: 1, count: factors.count)
        var product = 1.0
        for b in stride(from: factors.count - 1, through: 0, by: -1) {
            ratios[b] = product
            product *= factors[b]
        }
        return ratios
    }

    /// Two inputs of variance `q0` and correlation `c0` through the network: per top-level item,
    /// q, q12, c (``NetworkKernels/twoInputs(_:q0:c0s:every:)``) and the gradient ratio.
    public static func depthSweep(_ network: Network, q0: Double, c0: Double) throws(NetworkError)
    -> (rows: [NetworkSignalRow], firstNonFiniteBlock: Int?) {
        let kernels = try NetworkKernels.twoInputs(network, q0: q0, c0s: [c0])
        let ratios = kernels.firstNonFiniteBlock == nil ? try gradientRatios(network, q0: q0) : []
        let rows = kernels.rows.map { r in
            NetworkSignalRow(block: r.block, q: r.nngp11, q12: r.nngp12, c: r.nngp11 == 0 ? 1 : max(-1, min(1, r.nngp12 / r.nngp11)),
                             gradientRatio: r.block < ratios.count && ratios[r.block].isFinite ? ratios[r.block] : nil)
        }
        return (rows, kernels.firstNonFiniteBlock)
    }

    /// The item's backward factor; advances q to its output variance.
    static func factor(_ item: NetworkLayer, _ q: inout Double, _ adapter: inout NetworkKernelAdapter) -> Double {
        switch item {
        case let .dense(w):
            q = w.sigmaW2 * q + w.sigmaB2
            return w.sigmaW2
        case let .activation(a):
            guard q.isFinite else { return .nan }
            let d = adapter.diagonal(a, variance: q)
            q = d.second
            return d.slopeSquared
        case .layernorm:
            let f = 1 / q
            q = 1
            return f
        case let .residual(skip, branch, f):
            var inner = q
            var product = 1.0
            for layer in f.items { product *= factor(layer, &inner, &adapter) }
            q = skip * skip * q + branch * branch * inner
            return skip * skip + branch * branch * product
        case let .group(f):
            var product = 1.0
            for layer in f.items { product *= factor(layer, &q, &adapter) }
            return product
        }
    }
}
