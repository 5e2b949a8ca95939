#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Bivariate kernels of softsign, `φ(x) = x/(1 + |x|)`, `φ' = 1/(1 + |x|)²`, in polar coordinates, for
/// every variance of SPEC §2's range (q from 1e-6 to 1e4) and every correlation.
///
/// With `u = s₁ z₁`, `v = s₂ (cos α z₁ + sin α z₂)`, `α = arccos ρ`, and `(z₁, z₂) = r (cos θ, sin θ)`,
/// `u = s₁ r cos θ` and `v = s₂ r cos(θ − α)`. The kinks of φ and φ' (at u = 0, v = 0) are the rays
/// `cos θ = 0` and `cos(θ − α) = 0`; both integrands are π-periodic in θ (φ odd, φ' even), and on
/// each of the two arcs between those rays, of lengths α (P) and π − α (Q), they are rational in r:
///
/// ```
/// A = s₁ |cos θ|,   B = s₂ |cos(θ − α)|,   σ = −1 on P, +1 on Q
/// E[φ(u)φ(v)]   = (1/π) Σ_arcs σ ∫ dθ ∫₀^∞ r e^(−r²/2) · AB r² / ((1 + Ar)(1 + Br)) dr
/// E[φ'(u)φ'(v)] = (1/π) Σ_arcs   ∫ dθ ∫₀^∞ r e^(−r²/2) · 1 / ((1 + Ar)(1 + Br))² dr
/// ```
///
/// The radial integral is a fixed composite Gauss–Legendre rule (12 nodes per panel) on [0, 10]
/// (`r e^(−r²/2)` is below 2e-21 beyond), with panels graded geometrically (ratio 2) from
/// `0.5/max(s₁, s₂)` up to 1 — the poles at `r = −1/A`, `−1/B` are then at least 3 half-lengths
/// from every panel (Gauss–Legendre error ~5.8^(−2n) ≈ 5e-19) — and then of widths 1–2 where only
/// the Gaussian varies. The same rule serves every θ: the weights `w r e^(−r²/2)` are computed once
/// per call and each node costs one division. As a function of θ the radial sum has poles only just
/// beyond the arcs' ends (where `A r_j = −1`, at angular distance ≥ `0.1/max(s₁, s₂)` for r_j ≤ 10),
/// so the θ-panels (12 nodes each) are graded geometrically from each end with a first width of
/// `0.1/max(s₁, s₂)`, the same 3-half-length separation. Each node's offsets from both ends of its
/// arc are carried exactly (the graded one as computed, the other by subtraction where it is the
/// large one), and `|cos|` is `sin` of the smaller distance to a ray, so A and B keep their relative
/// accuracy next to the rays and as α → 0 or π (c → ±1).
///
/// Cost: ~100 × 180 nodes at q ~ 1 to ~550 × 180 at q = 1e4 — a few to ~150 µs per pair, against
/// ~1–5 ms for the kink-aware nested quadrature (`Gaussian.expectation2D`). Agreement with that
/// quadrature and with 30-digit mpmath references (`Tests/Generators/softsign-kernels/`): see
/// `SoftsignKernelsTests`.
enum SoftsignKernels {
    /// The Gauss–Legendre rule of every panel (radial and angular).
    static let rule = GaussRules.legendre(12)
    /// The radial integrals stop here: `r e^(−r²/2)` is 1.9e-21 at 10.
    static let radialReach = 10.0
    /// The first angular panel's width times max(s₁, s₂).
    static let angularStart = 0.1

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for softsign, `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`, or nil
    /// where the route does not apply (another activation, an affine transformation, a variance that
    /// is not positive and finite, ρ = ±1: the 1D expectation of the 2D engine).
    static func pair(_ activation: Activation, variance1 q1: Double, covariance q12: Double, variance2 q2: Double)
        -> (kernel: Double, derivative: Double)? {
        guard activation.family == .softsign, activation.affine.isIdentity,
              q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return nil }
        // At ρ = ±1 exactly the 2D engine's expectation is one-dimensional and keeps K(−1) = −E[φ²] bit for bit
        // (the diagonal's value): a trajectory at c0 = −1 of this odd φ then stays at c = −1, as it must,
        // instead of drifting away from that repelling fixed point by the route's last-bit differences.
        let rho = max(-1, min(1, q12 / geometricMean(q1, q2)))
        guard abs(rho) < 1 else { return nil }
        return kernels(variance1: q1, covariance: q12, variance2: q2)
    }

    /// The radial nodes and the weights `w r e^(−r²/2)` for the largest scale s (see the type's documentation).
    static func radialRule(maximumScale s: Double) -> (nodes: [Double], weights: [Double]) {
        var breaks: [Double] = [0]
        var r = 0.5 / s
        while r < 1 { breaks.append(r); r *= 2 }
        for p in [1.0, 2.0, 3.0, 4.5, 6.0, 8.0, radialReach] where p > breaks[breaks.count - 1] { breaks.append(p) }
        var nodes: [Double] = [], weights: [Double] = []
        nodes.reserveCapacity((breaks.count - 1) * rule.nodes.count)
        weights.reserveCapacity((breaks.count - 1) * rule.nodes.count)
        for (a, b) in zip(breaks, breaks.dropFirst()) {
            let half = 0.5 * (b - a), centre = 0.5 * (a + b)
            for (x, w) in zip(rule.nodes, rule.weights) {
                let node = centre + half * x
                nodes.append(node)
                weights.append(half * w * node * exp(-0.5 * node * node))
            }
        }
        return (nodes, weights)
    }

    /// The kernels by the polar rule.
    static func kernels(variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> (kernel: Double, derivative: Double) {
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let rho = max(-1, min(1, q12 / geometricMean(q1, q2)))    // as the 2D engine rounds it
        let alpha = acos(rho), beta = acos(-rho)        // the arcs P and Q; α + β = π
        let scale = max(s1, s2)
        let radial = radialRule(maximumScale: scale)
        let start = min(angularStart / scale, 1)
        var kernel = 0.0, derivative = 0.0
        radial.nodes.withUnsafeBufferPointer { r in
            radial.weights.withUnsafeBufferPointer { w in
                // Arc P (length α, sign −1): A from the offset to its left ray, B to its right one; arc Q
                // (length β, sign +1) the other way round.
                for (length, complement, sign, isP) in [(alpha, beta, -1.0, true), (beta, alpha, 1.0, false)] where length > 0 {
                    var k = 0.0, d = 0.0
                    forEachAngularNode(length: length, start: start) { left, right, weight in
                        let x = sin(min(left, complement + right)), y = sin(min(right, complement + left))
                        let (a, b) = isP ? (s1 * x, s2 * y) : (s1 * y, s2 * x)
                        var kr = 0.0, dr = 0.0
                        for j in 0..<r.count {
                            let ar = a * r[j], br = b * r[j]
                            let inverse = 1 / ((1 + ar) * (1 + br))
                            kr += w[j] * (ar * br * inverse)
                            dr += w[j] * (inverse * inverse)
                        }
                        k += weight * kr
                        d += weight * dr
                    }
                    kernel += sign * k
                    derivative += d
                }
            }
        }
        return (kernel / Double.pi, derivative / Double.pi)
    }

    /// Calls `body(left, right, weight)` for the Gauss–Legendre nodes of an arc of the given length,
    /// graded geometrically (ratio 2, first width `start`) from both ends; `left` and `right` are the
    /// node's distances to the two ends, the one to the nearer end computed directly.
    @inline(__always)
    static func forEachAngularNode(length: Double, start: Double, _ body: (Double, Double, Double) -> Void) {
        var offsets: [Double] = [0]
        var d = start
        while d < 0.5 * length { offsets.append(d); d *= 2 }
        // A node at `a + half (1 + x)` from its panel's end of the arc; its distance to the other end is
        // the arc length minus that (the larger of the two for the graded panels).
        func panel(_ a: Double, _ b: Double, fromRight: Bool) {
            let half = 0.5 * (b - a)
            for (x, w) in zip(rule.nodes, rule.weights) {
                let t = a + half * (1 + x)
                if fromRight { body(length - t, t, half * w) } else { body(t, length - t, half * w) }
            }
        }
        for (a, b) in zip(offsets, offsets.dropFirst()) {
            panel(a, b, fromRight: false)
            panel(a, b, fromRight: true)
        }
        // The middle panel: both distances are at least `last`, each formed from its own end.
        let last = offsets[offsets.count - 1], half = 0.5 * (length - 2 * last)
        if half > 0 {
            for (x, w) in zip(rule.nodes, rule.weights) {
                body(last + half * (1 + x), last + half * (1 - x), half * w)
            }
        }
    }
}
