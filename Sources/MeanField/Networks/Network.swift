#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One layer of a composed network (SPEC §5), in neural-tangents' `stax` conventions
/// (`parameterization='ntk'`, [Novak et al. 2020]).
///
/// ```
/// dense(sigma_w2=W,sigma_b2=B)   h = W_mat x + b,  W_mat_ij ~ N(0, W/N),  b_i ~ N(0, B)
/// φ (an activation spec)          h = φ(x) elementwise
/// layernorm                       h = x / sqrt(|x|²/N)          (no learned gain or bias)
/// residual(skip=a,branch=b)[F]    h = a x + b F(x)
/// [F]                             a group: F applied as one item (one row of a table)
/// ```
///
/// [Novak et al. 2020]: https://arxiv.org/abs/1912.02803
public indirect enum NetworkLayer: Sendable, Hashable {
    /// A fully connected layer with weight variance σw² (over fan-in) and bias variance σb².
    case dense(GaussianWeights)
    /// An elementwise activation.
    case activation(Activation)
    /// Layer normalization without a learned gain: each unit divided by the layer's root mean square.
    case layernorm
    /// `x ↦ skip·x + branch·F(x)`.
    case residual(skip: Double, branch: Double, Network)
    /// A bracketed sub-network, applied as one item.
    case group(Network)

    /// The item's canonical text, e.g. `dense(sigma_w2=2,sigma_b2=0.1)`,
    /// `residual(skip=1,branch=1)[relu dense(sigma_w2=2,sigma_b2=0)]`.
    public var spec: String {
        switch self {
        case let .dense(w): return "dense(sigma_w2=\(formatSpecNumber(w.sigmaW2)),sigma_b2=\(formatSpecNumber(w.sigmaB2)))"
        case let .activation(a): return a.spec
        case .layernorm: return "layernorm"
        case let .residual(skip, branch, f): return "residual(skip=\(formatSpecNumber(skip)),branch=\(formatSpecNumber(branch)))[\(f.spec)]"
        case let .group(f): return "[\(f.spec)]"
        }
    }

    /// A short text for a table's `item` column: `residual` (or `residual(skip=a,branch=b)` when
    /// not 1, 1) without its branch, a group as its items' short texts, any other layer as its spec.
    public var shortText: String {
        switch self {
        case let .residual(skip, branch, _):
            return skip == 1 && branch == 1 ? "residual" : "residual(skip=\(formatSpecNumber(skip)),branch=\(formatSpecNumber(branch)))"
        case let .group(f): return "[" + f.items.map(\.shortText).joined(separator: " ") + "]"
        default: return spec
        }
    }

    /// How many dense, activation and layernorm layers the item holds (a residual or group counts its contents).
    public var layerCount: Int {
        switch self {
        case .dense, .activation, .layernorm: return 1
        case let .residual(_, _, f), let .group(f): return f.layerCount
        }
    }
}

/// A network: its items applied left to right to the input kernel Σ_in, whose NTK is 0 (SPEC §5).
///
/// Parsed from the `--network` grammar (``init(spec:)``) or built in Swift, e.g. the plain MLP
/// of SPEC §1.4 (``multilayerPerceptron(_:weights:layers:)``) is
/// `dense [φ dense(sigma_w2=W,sigma_b2=B)]*L`. Repeats (`*COUNT`) are expanded: `items` holds one
/// entry per top-level item, which is one row of a table.
public struct Network: Sendable, Hashable, CustomStringConvertible {
    /// The top-level items, repeats expanded.
    public var items: [NetworkLayer]

    /// The network made of these items.
    public init(_ items: [NetworkLayer]) { self.items = items }

    /// Today's fully connected network of SPEC §1.4 as a composition: `dense [φ dense(sigma_w2=W,sigma_b2=B)]*L`
    /// (the first dense, σw² = 1 and σb² = 0, passes Σ⁰ through and sets Θ⁰ = Σ⁰).
    public static func multilayerPerceptron(_ activation: Activation, weights: GaussianWeights, layers: Int) -> Network {
        let block = NetworkLayer.group(Network([.activation(activation), .dense(weights)]))
        return Network([.dense(GaussianWeights(sigmaW2: 1, sigmaB2: 0))] + Array(repeating: block, count: layers))
    }

    /// Canonical text: every parameter spelled out, runs of equal items as `ITEM*COUNT`.
    public var spec: String {
        var parts: [String] = []
        var index = 0
        while index < items.count {
            var end = index + 1
            while end < items.count, items[end] == items[index] { end += 1 }
            let text = items[index].spec
            parts.append(end - index > 1 ? "\(text)*\(end - index)" : text)
            index = end
        }
        return parts.joined(separator: " ")
    }

    public var description: String { spec }

    /// Dense, activation and layernorm layers in all, nested ones included.
    public var layerCount: Int { items.reduce(0) { $0 + $1.layerCount } }
}

/// Why a network text or value cannot be used.
public enum NetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text does not follow the grammar: what was expected at a 1-based character position.
    case syntax(position: Int, message: String)
    /// A well-formed network the kernel recursion cannot take: the offending item, where it is
    /// (block and path), and why.
    case refused(item: String, location: String, reason: String)

    public var description: String {
        switch self {
        case let .syntax(position, message): return "at character \(position): \(message)"
        case let .refused(item, location, reason): return "'\(item)' (\(location)): \(reason)"
        }
    }
}

extension Network {
    /// Checks SPEC §5's Gaussian rule: what enters an activation, a `layernorm` or a residual sum
    /// is Gaussian in the infinite-width limit — the network input, the output of `dense`, or a
    /// residual sum or `layernorm` of Gaussians — and every residual branch ends in `dense` (so
    /// that the branch is Gaussian and, its last weights being fresh, uncorrelated with the skip).
    /// An activation's output is not Gaussian: a post-activation residual (`relu residual[...]`)
    /// or an activation of an activation is refused, naming the item, its block and the reason.
    /// (``NetworkSimulation`` runs such networks anyway: a finite network needs no Gaussian law.)
    public func checkGaussian() throws(NetworkError) {
        guard !items.isEmpty else { throw .refused(item: "", location: "the whole network", reason: "a network needs at least one item") }
        var gaussian = true
        for (block, item) in items.enumerated() {
            gaussian = try Self.check(item, inputGaussian: gaussian, location: "block \(block)")
        }
    }

    /// Whether the item's output is Gaussian, given whether its input is; throws on a violation.
    private static func check(_ item: NetworkLayer, inputGaussian: Bool, location: String) throws(NetworkError) -> Bool {
        let notGaussian = "its input is the output of an activation, which is not Gaussian in the infinite-width limit"
        switch item {
        case .dense:
            return true
        case .activation:
            guard inputGaussian else {
                throw .refused(item: item.spec, location: location,
                               reason: "an activation of an activation: \(notGaussian) (compose the two into one activation, or put a dense layer between them)")
            }
            return false
        case .layernorm:
            guard inputGaussian else {
                throw .refused(item: item.spec, location: location, reason: "layernorm needs Gaussian pre-activations: \(notGaussian)")
            }
            return true
        case let .residual(_, _, branch):
            guard inputGaussian else {
                throw .refused(item: item.shortText, location: location,
                               reason: "a post-activation residual: the residual sum's skip input must be Gaussian, but \(notGaussian) (use a pre-activation block 'residual[φ dense ...]' or a dense layer before it)")
            }
            guard case .dense? = lastLayer(of: branch) else {
                throw .refused(item: item.shortText, location: location,
                               reason: "a residual branch must end in dense (its output must be Gaussian and independent of the skip); it ends in '\(lastLayer(of: branch)?.spec ?? "nothing")'")
            }
            var gaussian = true
            for (index, inner) in branch.items.enumerated() {
                gaussian = try check(inner, inputGaussian: gaussian, location: "\(location), branch item \(index + 1)")
            }
            return true
        case let .group(inner):
            guard !inner.items.isEmpty else { throw .refused(item: "[]", location: location, reason: "an empty group") }
            var gaussian = inputGaussian
            for (index, layer) in inner.items.enumerated() {
                gaussian = try check(layer, inputGaussian: gaussian, location: "\(location), item \(index + 1)")
            }
            return gaussian
        }
    }

    /// The last dense, activation or layernorm layer a network applies (groups looked into), or
    /// the last residual.
    static func lastLayer(of network: Network) -> NetworkLayer? {
        guard let last = network.items.last else { return nil }
        if case let .group(inner) = last { return lastLayer(of: inner) }
        return last
    }
}
