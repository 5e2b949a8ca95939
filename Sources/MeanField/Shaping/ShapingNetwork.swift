#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The DKS/TAT architecture functions of a composed network (SPEC §5), derived from its
/// structure by the chain rule ([Martens et al. 2021], §5 and Appendix; [Zhang et al. 2022], §4).
///
/// Every activation layer of the network holds the shaped φ̂, whose local C map at q = 1 is
/// `C(c) = E[φ̂(u)φ̂(v)]` (Q(1) = 1). With unit-variance inputs, the network maps the input
/// correlation c to its output correlation through these per-item correlation maps (SPEC §5's
/// kernel rules divided by the variances, which do not depend on φ̂ beyond Q(1) = 1):
/// ```
/// dense(W, B) at variance q:     c ↦ r c + (1 − r),          r = W q / (W q + B)
/// activation (needs q = 1):      c ↦ C(c)                    (variance 1 after it)
/// layernorm:                     c ↦ c                       (variance 1 after it)
/// residual(skip=a,branch=b)[F]:  c ↦ w c + (1 − w) C_F(c),   w = a² q / (a² q + b² q_F)
/// ```
/// (the normalized sum `w²c + (1 − w²)C(c)` of DKS when `a² + b² = 1` at q = 1). At c = 1 every
/// map fixes 1, so the chain rule gives the network's C'(1) and C''(1) from the local ones:
/// ```
/// composition g then f:    (f∘g)'(1) = f'(1) g'(1),   (f∘g)''(1) = f''(1) g'(1)² + f'(1) g''(1)
/// residual:                S' = w S + (1 − w) S_F S,  K' = w K + (1 − w)(K_F S² + S_F K)
/// ```
/// The three functions are maxima over the network's subnetworks, as the `dks` package's
/// `subnet_max_func` (Martens et al., §5.5: no part of the network may be more nonlinear than the
/// target): the subnetworks here are the network cut after each of its top-level items (the whole
/// network among them) and, recursively, every residual branch on its own, cut the same way.
/// ```
/// maximal slope        μ(ξ)  = max_S C_S'(1)    with local C'(1) = ξ         (a polynomial in ξ)
/// maximal curvature    κ(τ)  = τ · max_S K_S    with local C'(1) = 1, C''(1) = 1
/// M(0)                       = max_S C_S(0)     for the local C map
/// ```
/// `μ(ξ) = ζ` is solved exactly: `ξ = (ζ/R)^(1/n)` for a chain without residuals (R the product
/// of the dense layers' r, n the number of activations; a plain MLP gives `ζ^(1/D)` as
/// ``PlainNetwork``), else Newton's method on the exact derivative dμ/dξ, safeguarded by a
/// bracket; `κ` is linear (τ_loc = τ / max K_S); M(0) = η is Brent's method on [0, 1] as for
/// ``PlainNetwork``. `dense [φ dense]*D` gives ``PlainNetwork``'s numbers bit for bit.
///
/// Refused (``ShapingError/notApplicable(_:)``, naming the item): a network that breaks SPEC §5's
/// Gaussian rule, has no activation, or feeds an activation a variance other than 1 (φ̂ is shaped
/// at q = 1: use `dense(sigma_w2=1,sigma_b2=0)` or `sigma_w2 + sigma_b2 = 1`, residual sums with
/// `skip² + branch² = 1`, or a `layernorm` before the activation).
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
/// [Zhang et al. 2022]: https://openreview.net/forum?id=U0k7XNTiFEq
public struct ShapingNetwork: ShapingArchitecture {
    /// The network as given (its activation layers mark where φ̂ goes).
    public let network: Network
    /// The distinct activations the network names, in order of appearance.
    public let activations: [Activation]
    /// The number of activation layers.
    public let nonlinearLayerCount: Int
    let nodes: [CorrelationNode]
    let subnetworks: [[CorrelationNode]]

    /// Analyses `network`; throws ``ShapingError/notApplicable(_:)`` with the reason when it
    /// cannot be shaped.
    public init(_ network: Network) throws(ShapingError) {
        do { try network.checkGaussian() } catch {
            throw .notApplicable("the network cannot be shaped: \(error)")
        }
        var builder = CorrelationBuilder()
        var q = 1.0
        nodes = try builder.build(network.items, variance: &q) { "block \($0)" }
        guard builder.activationCount > 0 else {
            throw .notApplicable("the network '\(network.spec)' has no activation layer: there is nothing to shape")
        }
        self.network = network
        activations = builder.activations
        nonlinearLayerCount = builder.activationCount
        subnetworks = builder.subnetworks
    }

    public func validate() throws(ShapingError) {}

    /// `ζ`-inverse of the maximal slope function: the smallest ξ at which some subnetwork's C'(1) reaches ζ.
    public func localSlopeTarget(networkSlope zeta: Double) throws(ShapingError) -> Double {
        var best: Double?
        for sub in subnetworks {
            guard let xi = Self.inverseSlope(sub, zeta) else { continue }
            best = min(best ?? xi, xi)
        }
        guard let best else {
            throw .unreachableTarget("no part of the network reaches C'(1) = zeta = \(formatNumber(zeta)) for any local C'(1)")
        }
        return best
    }

    /// The maximal slope function μ(ξ) (the largest C'(1) over the subnetworks).
    public func maximalSlope(_ localSlope: Double) -> Double {
        subnetworks.map { Self.slope($0, localSlope).value }.max() ?? .nan
    }

    /// `τ / max_S K_S`.
    public func localCurvatureTarget(networkCurvature tau: Double) throws(ShapingError) -> Double {
        let m = curvatureMultiplier
        guard m > 0, m.isFinite else { throw .notApplicable("the network's C''(1) does not depend on its activations' C''(1)") }
        return tau / m
    }

    /// `max_S K_S`: the maximal curvature per unit of local C''(1) (a plain MLP: D).
    public var curvatureMultiplier: Double {
        subnetworks.map { Self.curvature($0).curvature }.max() ?? 0
    }

    /// The whole network's C map (not the subnetwork maximum).
    public func composed(_ c: Double, _ cMap: (Double) -> Double) -> Double { Self.cMap(nodes, c, cMap) }

    public func leakyReluComposedAtZero(negativeSlope s: Double) -> Double {
        subnetworks.map { Self.cMap($0, 0) { PlainNetwork.leakyReluCMap($0, negativeSlope: s) } }.max() ?? .nan
    }

    /// The negative slope s with M(0) = η: the largest of the subnetworks' roots (M decreases in s).
    public func leakyReluNegativeSlope(eta: Double) throws(ShapingError) -> Double {
        guard eta >= 0, eta < 1 else { throw .invalidTarget("eta must be in [0, 1) (got \(formatNumber(eta)))") }
        func value(_ sub: [CorrelationNode], _ s: Double) -> Double {
            Self.cMap(sub, 0) { PlainNetwork.leakyReluCMap($0, negativeSlope: s) }
        }
        let linearValue = subnetworks.map { value($0, 1) }.max() ?? 0
        if eta == 0 && linearValue == 0 { return 1 }
        guard linearValue <= eta else {
            throw .unreachableTarget("TAT leaky_relu: C(0) = eta = \(formatNumber(eta)) is below what this network's biases alone give "
                                     + "(C(0) >= \(formatNumber(linearValue)) even with negative slope 1); use --eta >= \(formatNumber(linearValue))")
        }
        var best: Double?
        var reluValue = 0.0
        for sub in subnetworks {
            let top = value(sub, 0)
            reluValue = max(reluValue, top)
            let root: Double
            if eta == top {
                root = 0
            } else if eta < top {
                do {
                    root = try GSL.brentRoot(bracket: 0, 1, absoluteTolerance: 1e-17, relativeTolerance: 2e-16) { s in value(sub, s) - eta }.root
                } catch {
                    throw .noSolution("TAT leaky_relu: the negative-slope solve failed: \(error)")
                }
            } else {
                continue
            }
            best = max(best ?? root, root)
        }
        guard let best else {
            throw .unreachableTarget("TAT leaky_relu: C(0) = eta = \(formatNumber(eta)) cannot be reached by this network of "
                                     + "\(nonlinearLayerCount) nonlinear layers (at most \(formatNumber(reluValue)), with negative slope 0); "
                                     + "use --eta <= \(formatNumber(reluValue)) or more nonlinear layers (repeat its blocks)")
        }
        return best
    }

    /// The network with every activation layer replaced by `activation`.
    public func kernelNetwork(_ activation: Activation) -> Network { Self.substitute(network, activation) }

    static func substitute(_ network: Network, _ activation: Activation) -> Network {
        Network(network.items.map { item in
            switch item {
            case .activation: return .activation(activation)
            case let .residual(skip, branch, f): return .residual(skip: skip, branch: branch, substitute(f, activation))
            case let .group(f): return .group(substitute(f, activation))
            case .dense, .layernorm: return item
            }
        })
    }

    // MARK: The correlation maps

    /// `C_S'(1)` and `d C_S'(1)/dξ` for local C'(1) = ξ (forward-mode chain rule).
    static func slope(_ nodes: [CorrelationNode], _ xi: Double) -> (value: Double, derivative: Double) {
        var s = 1.0, ds = 0.0
        for node in nodes {
            switch node {
            case let .affine(r):
                s *= r; ds *= r
            case .activation:
                (s, ds) = (s * xi, ds * xi + s)
            case let .residual(w, v, branch):
                let (sf, dsf) = slope(branch, xi)
                let factor = w + v * sf
                (s, ds) = (factor * s, factor * ds + v * dsf * s)
            }
        }
        return (s, ds)
    }

    /// `(C_S'(1), C_S''(1))` with local C'(1) = 1 and C''(1) = 1.
    static func curvature(_ nodes: [CorrelationNode]) -> (slope: Double, curvature: Double) {
        var s = 1.0, k = 0.0
        for node in nodes {
            switch node {
            case let .affine(r):
                s *= r; k *= r
            case .activation:
                k += s * s
            case let .residual(w, v, branch):
                let (sf, kf) = curvature(branch)
                k = w * k + v * (kf * s * s + sf * k)
                s = w * s + v * sf * s
            }
        }
        return (s, k)
    }

    /// The subnetwork's C map at c.
    static func cMap(_ nodes: [CorrelationNode], _ c: Double, _ local: (Double) -> Double) -> Double {
        var c = c
        for node in nodes {
            switch node {
            case let .affine(r): c = r * c + (1 - r)
            case .activation: c = local(c)
            case let .residual(w, v, branch): c = w * c + v * cMap(branch, c, local)
            }
        }
        return c
    }

    /// (R, n) when the nodes are a chain without residuals: C'(1) = R ξⁿ.
    static func chain(_ nodes: [CorrelationNode]) -> (product: Double, count: Int)? {
        var product = 1.0, count = 0
        for node in nodes {
            switch node {
            case let .affine(r): product *= r
            case .activation: count += 1
            case .residual: return nil
            }
        }
        return (product, count)
    }

    /// The ξ > 0 with `C_S'(1) = ζ`, or nil when no ξ reaches it. C_S'(1) is a polynomial in ξ
    /// with nonnegative coefficients (increasing and convex on ξ > 0); Newton's method from a
    /// point above the root descends monotonically, and a bracket guards against rounding.
    static func inverseSlope(_ nodes: [CorrelationNode], _ zeta: Double) -> Double? {
        if let (product, count) = chain(nodes) {
            guard count > 0, product > 0 else { return nil }
            return exp(log(zeta / product) / Double(count))
        }
        var lo = 0.0, hi = 1.0
        var doublings = 0
        while slope(nodes, hi).value < zeta {
            lo = hi; hi *= 2; doublings += 1
            if doublings > 1000 || !hi.isFinite { return nil }
        }
        var xi = hi
        for _ in 0..<200 {
            let (value, derivative) = slope(nodes, xi)
            let residual = value - zeta
            if residual == 0 { return xi }
            if residual > 0 { hi = min(hi, xi) } else { lo = max(lo, xi) }
            var next = derivative > 0 ? xi - residual / derivative : .nan
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - xi) <= 2 * Double.ulpOfOne * xi || next == lo || next == hi { return next }
            xi = next
        }
        return xi
    }
}

/// One item's correlation map at unit variance (see ``ShapingNetwork``).
indirect enum CorrelationNode: Sendable, Hashable {
    /// `c ↦ r c + (1 − r)` (a dense layer with bias).
    case affine(Double)
    /// `c ↦ C(c)`, the shaped activation.
    case activation
    /// `c ↦ w c + v C_F(c)`, w + v = 1.
    case residual(skip: Double, branch: Double, [CorrelationNode])
}

/// Walks a network's items with their input variance, building the correlation maps and the
/// list of subnetworks, refusing what shaping cannot take.
struct CorrelationBuilder {
    var activations: [Activation] = []
    var activationCount = 0
    var subnetworks: [[CorrelationNode]] = []

    /// The items' maps; every prefix (cut after an item) is recorded as a subnetwork.
    mutating func build(_ items: [NetworkLayer], variance q: inout Double,
                        location: (Int) -> String) throws(ShapingError) -> [CorrelationNode] {
        var nodes: [CorrelationNode] = []
        for (index, item) in items.enumerated() {
            try append(item, to: &nodes, variance: &q, location: location(index))
            subnetworks.append(nodes)
        }
        return nodes
    }

    private mutating func append(_ item: NetworkLayer, to nodes: inout [CorrelationNode], variance q: inout Double,
                                 location: String) throws(ShapingError) {
        switch item {
        case let .dense(w):
            let out = w.sigmaW2 * q + w.sigmaB2
            guard out > 0, out.isFinite else {
                throw .notApplicable("'\(item.spec)' (\(location)): its output variance is \(formatNumber(out)); shaping needs a positive variance")
            }
            nodes.append(.affine(w.sigmaW2 * q / out))
            q = out
        case let .activation(a):
            guard abs(q - 1) <= 1e-12 else {
                throw .notApplicable("'\(a.spec)' (\(location)): its input variance is \(formatNumber(q)), not 1; a shaped activation is "
                                     + "fixed at q = 1 (Q(1) = 1), so every activation's input must have variance 1: use "
                                     + "dense(sigma_w2=1,sigma_b2=0) (or sigma_w2 + sigma_b2 = 1), residual sums with skip^2 + branch^2 = 1, "
                                     + "or a layernorm before it")
            }
            if !activations.contains(a) { activations.append(a) }
            activationCount += 1
            nodes.append(.activation)
            q = 1
        case .layernorm:
            q = 1
        case let .residual(skip, branch, f):
            var inner = q
            let branchNodes = try build(f.items, variance: &inner) { "\(location), branch item \($0 + 1)" }
            let total = skip * skip * q + branch * branch * inner
            guard total > 0, total.isFinite else {
                throw .notApplicable("'\(item.shortText)' (\(location)): the residual sum has variance \(formatNumber(total))")
            }
            let w = skip * skip * q / total
            nodes.append(.residual(skip: w, branch: branch * branch * inner / total, branchNodes))
            q = total
        case let .group(f):
            for (index, layer) in f.items.enumerated() {
                try append(layer, to: &nodes, variance: &q, location: "\(location), item \(index + 1)")
            }
        }
    }
}
