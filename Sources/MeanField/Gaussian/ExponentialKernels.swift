#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension PiecewiseForm {
    /// `E[φ^(i)(u) φ^(j)(v)]` in closed form for the exponential family (elu, selu, celu, any
    /// parameters), zero-mean `(u, v)` with covariance `[[q1, q12], [q12, q2]]`, every correlation
    /// and every pair of orders i, j ∈ {φ, φ', φ''} (SPEC §8).
    ///
    /// The plane is split at the kinks u = 0, v = 0. On a side φ^(i) is a combination of 1, x and
    /// `e^(kx)` (``coefficients(_:positive:)``), so each quadrant contributes moments
    /// ```
    /// E[u^p v^r e^(λ₁u + λ₂v) 1{σ₁u > 0, σ₂v > 0}],   p, r ∈ {0, 1},  λᵢ ∈ {0, k} (λᵢ = k only where σᵢ = −1)
    /// ```
    /// Reflecting u → −σ₁u, v → −σ₂v (correlation σ₁σ₂c) turns every quadrant into the lower orthant.
    /// Without a tilt (λ = 0) these are the orthant moments of the arc-cosine kernels
    /// ([Cho & Saul 2009]):
    /// ```
    /// P = arccos(−c)/(2π),  E[u 1] = −s₁(1 + c)/(2√(2π)),  E[uv 1] = s₁s₂ (sin φ − φ cos φ)/(2π),  φ = arccos(−c)
    /// ```
    /// With a tilt they are `e^(λᵀΣλ/2) Φ₂(shifted orthant)` and, for the factor u, its derivative in
    /// λ₁ (Stein's identity), each computed as one single-signed integral (``TiltedOrthant``) so
    /// that `e^(big)·Φ₂(very negative)` neither overflows nor cancels.
    ///
    /// Where a factor is φ itself, the exponential side `A(e^(kx) − 1)` cancels to `Akx` for small
    /// `k√q`, costing a factor `(k√q)⁻²` of relative accuracy (as in 1D,
    /// ``Activation/closedFormIsWellConditioned(_:mean:variance:)``): below `k·min(s₁, s₂) = 0.2`
    /// this returns nil (the semi-closed quadrature takes over). Nil also for the piecewise linear
    /// members (their arc-cosine forms are ``bivariateExpectation(_:_:variance1:covariance:variance2:)``)
    /// and when an integral does not converge.
    ///
    /// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
    func exponentialBivariateExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder,
                                         variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> Double? {
        exponentialBivariateExpectations([(i, j)], variance1: q1, covariance: q12, variance2: q2)?[0]
    }

    /// ``exponentialBivariateExpectation(_:_:variance1:covariance:variance2:)`` for several order
    /// pairs at once, sharing the tilted-orthant integrals (E[φφ] and E[φ'φ'] together cost one
    /// integration per reflected correlation).
    func exponentialBivariateExpectations(_ orders: [(DerivativeOrder, DerivativeOrder)],
                                          variance1 q1: Double, covariance q12: Double, variance2 q2: Double) -> [Double]? {
        guard case let .exponential(_, k) = negative, q1 > 0, q2 > 0, q1.isFinite, q2.isFinite else { return nil }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        if orders.contains(where: { $0.0 == .value || $0.1 == .value }), k * min(s1, s2) < 0.2 { return nil }
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        // Requests per reflected correlation: group 0 is c (quadrants ++ and −−), group 1 is −c.
        var requests: [[TiltedOrthant.Term]] = [[], []]
        struct Piece { let order: Int; let coefficient: Double; let group: Int; let term: TiltedOrthant.Term?; let closed: Double }
        var pieces: [Piece] = []
        let invSqrt2Pi = 0.398942280401432677939946059934
        for (orderIndex, (i, j)) in orders.enumerated() {
        for sigma1 in [1.0, -1.0] {
            for sigma2 in [1.0, -1.0] {
                let cu = coefficients(i, positive: sigma1 > 0), cv = coefficients(j, positive: sigma2 > 0)
                let group = sigma1 == sigma2 ? 0 : 1
                let cr = sigma1 * sigma2 * c
                // (coefficient, power p, tilt λ) for each basis function on this side.
                let uTerms = [(cu.one, 0, 0.0), (cu.x, 1, 0.0), (cu.exp, 0, k)].filter { $0.0 != 0 }
                let vTerms = [(cv.one, 0, 0.0), (cv.x, 1, 0.0), (cv.exp, 0, k)].filter { $0.0 != 0 }
                for (a, p1, l1) in uTerms {
                    for (b, p2, l2) in vTerms {
                        // Reflection: u^p = (−σ₁)^p ũ^p.
                        var coefficient = a * b
                        if p1 == 1 { coefficient *= -sigma1 }
                        if p2 == 1 { coefficient *= -sigma2 }
                        if l1 == 0 && l2 == 0 {
                            let phi = acos(-cr)
                            let closed: Double
                            switch (p1, p2) {
                            case (0, 0): closed = phi / (2 * .pi)
                            case (1, 0): closed = -s1 * (1 + cr) * 0.5 * invSqrt2Pi
                            case (0, 1): closed = -s2 * (1 + cr) * 0.5 * invSqrt2Pi
                            default: closed = s1 * s2 * sineMinusPhiCosine(phi) / (2 * .pi)
                            }
                            pieces.append(Piece(order: orderIndex, coefficient: coefficient, group: group, term: nil, closed: closed))
                            continue
                        }
                        var term: TiltedOrthant.Term = p1 == 1 ? .linearFirst(l2) : (p2 == 1 ? .linearSecond(l1) : .plain(l1, l2))
                        // Equal variances: (u, v) is exchangeable, so the mirrored terms are one integral.
                        if q1 == q2 {
                            switch term {
                            case let .plain(x, y) where x < y: term = .plain(y, x)
                            case let .linearSecond(x): term = .linearFirst(x)
                            default: break
                            }
                        }
                        if !requests[group].contains(term) { requests[group].append(term) }
                        pieces.append(Piece(order: orderIndex, coefficient: coefficient, group: group, term: term, closed: 0))
                    }
                }
            }
        }
        }
        var values: [[Double]] = [[], []]
        // Both reflected correlations on one graded mesh (a correlation of −1 has an empty orthant).
        let correlations = [c, -c]
        var lanes: [(correlation: Double, term: TiltedOrthant.Term)] = []
        for group in 0..<2 where correlations[group] > -1 { lanes += requests[group].map { (correlations[group], $0) } }
        // Where φ itself is a factor, its exponential side cancels by ~7/(k·min(s₁, s₂))² (150× at
        // k·s = 0.2): below k·s = 0.5 the adaptive integrals (held to 1e-15, ~1e-16 in practice) keep
        // the result within 1e-13 of them; the graded rule's ~1e-16 would grow to ~1e-13 there
        // (measured: 1.1e-13 relative on an elu Gram entry Θ³ = 0.0171 at k·s = 0.21).
        let cancels = orders.contains(where: { $0.0 == .value || $0.1 == .value }) && k * min(s1, s2) < 0.5
        if lanes.count <= 8, !cancels, let all = TiltedOrthant.gradedIntegrals(s1: s1, s2: s2, lanes) {
            var lane = 0
            for group in 0..<2 {
                guard correlations[group] > -1 else { values[group] = requests[group].map { _ in 0 }; continue }
                values[group] = (lane..<lane + requests[group].count).map { all[$0] }
                lane += requests[group].count
            }
        } else {
            for group in 0..<2 where !requests[group].isEmpty {
                let orthant = TiltedOrthant(s1: s1, s2: s2, c: correlations[group])
                guard requests[group].count <= 4 else { return nil }
                let result = cancels ? orthant.adaptiveIntegrals(requests[group]) : orthant.integrals(requests[group])
                guard let result else { return nil }
                values[group] = (0..<requests[group].count).map { result[$0] }
            }
        }
        var totals = [Double](repeating: 0, count: orders.count)
        for piece in pieces {
            if let term = piece.term, let index = requests[piece.group].firstIndex(of: term) {
                totals[piece.order] += piece.coefficient * values[piece.group][index]
            } else {
                totals[piece.order] += piece.coefficient * piece.closed
            }
        }
        return totals
    }
}
