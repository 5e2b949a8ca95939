#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Gauss–Legendre rules on [−1, 1], computed once (Newton's iteration on the three-term recurrence
/// of the Legendre polynomials, to the last bit).
enum GaussLegendre {
    /// The n-point rule: nodes in descending order, weights.
    static func rule(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        func legendre(_ z: Double) -> (value: Double, derivative: Double) {
            var p0 = 1.0, p1 = z
            for k in 2...n {
                let p2 = (Double(2 * k - 1) * z * p1 - Double(k - 1) * p0) / Double(k)
                p0 = p1; p1 = p2
            }
            return (p1, Double(n) * (z * p1 - p0) / (z * z - 1))
        }
        for i in 0..<n {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            for _ in 0..<100 {
                let (p, dp) = legendre(z)
                let step = p / dp
                z -= step
                if abs(step) <= 1e-17 { break }
            }
            let dp = legendre(z).derivative
            nodes[i] = z
            weights[i] = 2 / ((1 - z * z) * dp * dp)
        }
        return (nodes, weights)
    }

    /// The 20-point rule (exact for polynomials of degree 39).
    static let twenty = rule(20)
}

extension TiltedOrthant {
    /// ``integrals(_:)`` by a fixed rule in the variable `t = √f`, where f is the exponent of the
    /// Plackett integrand itself; nil where the rule is not validated (a scale below 1e-12 of the
    /// range: c within ~1e-22 of 1).
    ///
    /// With `D = c − cos ψ` and `f = D(G + E·D)/sin²ψ` (``TiltedOrthant``), f runs from 0 (ψ = arccos c)
    /// to ∞ (ψ = π) and solves the quadratic `(E + f)D² + (G − 2cf)D − f r² = 0` (r² = 1 − c²), so that
    /// ```
    /// Δ = √((G − 2cf)² + 4 f r² (E + f)),   dψ/df = sin ψ / Δ,
    /// T      = (1/2π) ∫₀^∞ e^(−f) sin ψ / Δ df                         (plain terms)
    /// ∂T/∂λ  = −(λ s₁s₂/2π) ∫₀^∞ e^(−f) D (1 − c cos ψ) / (sin ψ · Δ) df   (linear terms)
    /// ```
    /// with `D` and `1 + c − D = 1 + cos ψ` each taken from the root of its own quadratic in the
    /// cancellation-free form, `sin²ψ = (1 − c + D)(1 + c − D)`, and `1 − c cos ψ = r² + cD` (c ≥ 0) or
    /// `(1 + c) − c(1 + cos ψ)` (c < 0): every quantity is a sum of positive terms, and each node
    /// costs one `exp` (shared by the terms) and two square roots per term (no trigonometry).
    /// In `t = √f` the integrand is `2t e^(−t²)` times a function whose only structure sits at the
    /// scales `G/(2√κ)` (κ = r²(d²/2 + λ₁λ₂s₁s₂), where Δ leaves G), `√(G/2c)` (where G − 2cf changes
    /// sign, next to ψ = arccos c as c → 1) and `r√E` (G = 0; `√E` at c = 1), each with a width comparable to its
    /// distance from 0: panels graded by factors of 4 from t = √45 (e^(−45) ≈ 3e-20) down to a quarter
    /// of the smallest scale (or 0.5), 20-point Gauss–Legendre on each. Validated against the adaptive
    /// ``adaptiveIntegrals(_:)`` (1.8e-14 relative at worst over 1.5·10⁵ random points with
    /// q ∈ [1e-6, 1e4], c up to ±(1 − 1e-12) and c = 1; a tenth of the scale gave the same, the
    /// whole scale 4e-13) and the mpmath references.
    func gradedIntegrals(_ terms: [Term]) -> SIMD4<Double>? {
        guard terms.count <= 4 else { return nil }
        if c <= -1 { return SIMD4(repeating: 0) }
        guard let all = Self.gradedIntegrals(s1: s1, s2: s2, terms.map { (min(1, c), $0) }) else { return nil }
        return SIMD4(all[0], all[1], all[2], all[3])
    }

    /// ``gradedIntegrals(_:)`` for up to eight (correlation, term) lanes at once, each correlation in
    /// (−1, 1], on one mesh (the finest any lane needs) sharing the `exp` of every node: the ++/−−
    /// quadrants (correlation c) and the +−/−+ ones (−c) of a kernel pair in one pass.
    static func gradedIntegrals(s1: Double, s2: Double, _ lanes: [(correlation: Double, term: Term)]) -> SIMD8<Double>? {
        guard lanes.count <= 8 else { return nil }
        var c = SIMD8<Double>(repeating: 0), g = c, e = c, prefactor = c
        var linear = SIMDMask<SIMD8<Int64>>(repeating: false)
        var active = SIMDMask<SIMD8<Int64>>(repeating: false)
        var smallest = Double.infinity
        for (index, lane) in lanes.enumerated() {
            let cl = lane.correlation
            guard cl > -1, cl <= 1 else { return nil }
            let r2l = (1 + cl) * (1 - cl)
            let (l1, l2): (Double, Double)
            switch lane.term {
            case let .plain(x, y): (l1, l2) = (x, y)
            case let .linearFirst(y): (l1, l2) = (0, y); prefactor[index] = -y * s1 * s2; linear[index] = true
            case let .linearSecond(x): (l1, l2) = (x, 0); prefactor[index] = -x * s1 * s2; linear[index] = true
            }
            let d = l1 * s1 - l2 * s2
            let p = l1 * l2 * s1 * s2
            c[index] = cl
            g[index] = p * r2l
            e[index] = 0.5 * (d * d + 2 * p * (1 + cl))
            active[index] = true
            if g[index] > 0 {
                let kappa = r2l * (0.5 * d * d + p)
                smallest = min(smallest, g[index] / (2 * kappa.squareRoot()))
                if cl > 0 { smallest = min(smallest, (g[index] / (2 * cl)).squareRoot()) }
            } else {
                // r√E where sin ψ leaves r (c < 1); √E at c = 1, where f = E·D/(1 + cos ψ) near ψ = 0.
                smallest = min(smallest, ((r2l > 0 ? r2l : 1) * e[index]).squareRoot())
            }
        }
        let top = gradedTop
        let low = min(0.25 * smallest, 0.5)
        guard low.isFinite, low >= 1e-12 * top else { return nil }
        let rule = GaussLegendre.twenty
        let a = 1 + c, b = 1 - c, r2 = a * b
        let positive = c .>= 0
        // Inactive lanes: harmless finite values (f > 0 at every node), zeroed at the end.
        e.replace(with: 1, where: .!active)
        let twoC: SIMD8<Double> = 2 * c
        let topNumerator: SIMD8<Double> = 2 * a * (g + e * a)
        let gPlusTwoEA: SIMD8<Double> = g + 2 * e * a
        var total = SIMD8<Double>(repeating: 0)
        var upper = top
        while upper > 0 {
            let lower = upper * 0.25 > low ? upper * 0.25 : 0
            let centre = 0.5 * (upper + lower), half = 0.5 * (upper - lower)
            var sum = SIMD8<Double>(repeating: 0)
            for i in 0..<rule.nodes.count {
                let t = centre + half * rule.nodes[i]
                let f = t * t
                let weight = rule.weights[i] * 2 * t * exp(-f)
                let fv = SIMD8<Double>(repeating: f)
                let m: SIMD8<Double> = g - twoC * fv
                let ef: SIMD8<Double> = e + fv
                let delta: SIMD8<Double> = (m * m + 4 * fv * r2 * ef).squareRoot()
                // 1 + cos ψ and D = c − cos ψ, each from its own root.
                let topDenominator: SIMD8<Double> = (gPlusTwoEA + 2 * fv) + delta
                let onePlusCos: SIMD8<Double> = topNumerator / topDenominator
                let useRatio = m .>= 0
                let numerator: SIMD8<Double> = (delta - m).replacing(with: 2 * fv * r2, where: useRatio)
                let denominator: SIMD8<Double> = (2 * ef).replacing(with: m + delta, where: useRatio)
                let dd: SIMD8<Double> = numerator / denominator
                let sine2: SIMD8<Double> = (b + dd) * onePlusCos
                let inverse: SIMD8<Double> = 1 / (sine2.squareRoot() * delta)
                let plain: SIMD8<Double> = sine2 * inverse
                let negativeC: SIMD8<Double> = a - c * onePlusCos
                let oneMinusCCos: SIMD8<Double> = negativeC.replacing(with: r2 + c * dd, where: positive)
                let derivative: SIMD8<Double> = prefactor * dd * oneMinusCCos * inverse
                sum += weight * plain.replacing(with: derivative, where: linear)
            }
            total += half * sum
            upper = lower
        }
        return (total / (2 * Double.pi)).replacing(with: 0, where: .!active)
    }

    /// The upper end √45 of the graded rule's variable t = √f (the integrand is below
    /// e^(−45) ≈ 3e-20 of its largest value beyond it).
    static let gradedTop = 45.0.squareRoot()
}
