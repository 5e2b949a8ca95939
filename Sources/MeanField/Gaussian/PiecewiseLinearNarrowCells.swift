#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The cells of ``PiecewiseLinearKernels`` with a narrow side, integrated along that side.
///
/// At large variance the breakpoints of hardtanh, relu6, hardsigmoid crowd zero in units of
/// `σ = √q` (±1/√q, 0 and 6/√q, ±3/√q): a cell `[α, β)` with `β − α = w ≪ 1` has probability
/// `O(w)`, while its half-line decomposition `1 − 1{x < α} − 1{x > β}` (or `1{x > α} − 1{x > β}`)
/// is a difference of `O(1)` orthants, and its Stein boundary terms `ϕ(α) I(α) − ϕ(β) I(β)` are
/// differences of nearly equal numbers: the cell loses a factor ~`1/w` (and `1/w²` for the central
/// square of `E[φ'(u) φ'(v)]`, e.g. 6.4e-5 at hardtanh, q = 1e4, from nine orthants of size ~1/4).
/// Such a cell is instead
/// ```
/// E[(a + b x)(a' + b' y) 1_R] = ∫_α^β (a + b x) ϕ(x) (a' P(x) + b' M(x)) dx
/// P(x) = P(α₂ ≤ y < β₂ | x),   M(x) = E[y 1{α₂ ≤ y < β₂} | x],   y | x ~ N(ρx, 1 − ρ²)
/// ```
/// with the conditional probability and mean in closed form (the difference of two tails on the
/// side of the smaller one, ``normalIntervalProbability(_:_:)``, and `ρx P + r (ϕ(A) − ϕ(B))`).
/// The x-interval is split at 0 and the y-interval at 0, so that each of the four integrals
/// `∫ϕP, ∫xϕP, ∫ϕM, ∫xϕM` of a part is single-signed; they are integrated together by the adaptive
/// Gauss–Kronrod rule of ``PositiveQuadrature`` to 1e-15 relative, on panels split and graded
/// (factor 4, down to `r/|ρ|/4`) at the points `x = α₂/ρ, β₂/ρ` where the conditional steps on
/// the scale `r/|ρ|` (|ρ| → 1). Nothing is subtracted but the signed combination of the four
/// integrals, which is the cell's own value. The error bound of each integral is the quadrature's
/// tolerance plus 32 ε of its size (the conditionals are relatively accurate to a few ulps where they
/// carry weight; validated against 30-digit mpmath references in `PiecewiseLinearLargeVarianceTests`).
extension PiecewiseLinearKernels {
    /// A side `[α, β)` of a cell narrower than this (in units of σ) is integrated along.
    static let narrowWidth = 0.5

    /// The relative error bound of one integrated component (quadrature tolerance + rounding).
    static let integratedRelativeError = 1e-15 + 32 * Double.ulpOfOne

    /// `E[(a + b x)(a2 + b2 y) 1{x ∈ [α₁, β₁), y ∈ [α₂, β₂)}]` by integration over x ∈ [α₁, β₁)
    /// (finite), with its error bound (infinite when the quadrature did not converge).
    static func narrowCell(a: Double, b: Double, _ alpha1: Double, _ beta1: Double,
                           a2: Double, b2: Double, _ alpha2: Double, _ beta2: Double, rho: Double, r: Double) -> Tracked {
        narrowCell([a, b], alpha1, beta1, [a2, b2], alpha2, beta2, rho: rho, r: r)
    }

    /// `E[f(x) g(y) 1{x ∈ [α₁, β₁), y ∈ [α₂, β₂)}]` for polynomials `f = Σ fₖ xᵏ`, `g = Σ gⱼ yʲ`
    /// (coefficients in ascending powers), by integration over the finite x-interval:
    /// `Σₖⱼ fₖ gⱼ ∫ xᵏ ϕ(x) Cⱼ(x) dx` with `Cⱼ(x) = E[yʲ 1{y ∈ [α₂, β₂)} | x]`
    /// (``conditionalMoments(_:_:at:rho:r:degree:)``), each integral single-signed on its part.
    static func narrowCell(_ f: [Double], _ alpha1: Double, _ beta1: Double,
                           _ g: [Double], _ alpha2: Double, _ beta2: Double, rho: Double, r: Double) -> Tracked {
        // The (k, j) with a non-zero coefficient, four per quadrature.
        var lanes: [(Int, Int)] = []
        for (k, fk) in f.enumerated() where fk != 0 { for (j, gj) in g.enumerated() where gj != 0 { lanes.append((k, j)) } }
        if lanes.isEmpty { return .zero }
        let degree = lanes.map(\.1).max() ?? 0
        // x-parts of one sign, y-parts of one sign.
        let xParts: [(Double, Double)] = alpha1 < 0 && beta1 > 0 ? [(alpha1, 0), (0, beta1)] : [(alpha1, beta1)]
        let yParts: [(Double, Double)] = alpha2 < 0 && beta2 > 0 ? [(alpha2, 0), (0, beta2)] : [(alpha2, beta2)]
        // The steps of the conditional, in x.
        var steps: [Double] = []
        if rho != 0 {
            for t in [alpha2, beta2] + (yParts.count == 2 ? [0] : []) where t.isFinite { steps.append(t / rho) }
        }
        let width = r / abs(rho)
        var total = Tracked.zero
        for (lo, hi) in xParts where hi > lo {
            // Panels: split at the steps inside, graded towards every step within reach.
            var points: Set<Double> = [lo, hi]
            for s in steps {
                if s > lo && s < hi { points.insert(s) }
                guard width.isFinite, width > 0 else { continue }
                var d = 0.25 * width
                while d < hi - lo {
                    for p in [s - d, s + d] where p > lo && p < hi { points.insert(p) }
                    d *= 4
                }
            }
            let sorted = points.sorted()
            let panels = zip(sorted, sorted.dropFirst()).map { (0, $0, $1) }
            for (ylo, yhi) in yParts {
                for start in stride(from: 0, to: lanes.count, by: 4) {
                    let group = Array(lanes[start..<min(start + 4, lanes.count)])
                    let result = PositiveQuadrature.integrate({ _, x in
                        let density = standardNormalDensity(x)
                        if density == 0 { return SIMD4(repeating: 0) }
                        let moments = conditionalMoments(ylo, yhi, at: x, rho: rho, r: r, degree: degree)
                        var out = SIMD4<Double>(repeating: 0)
                        for (lane, (k, j)) in group.enumerated() {
                            var power = 1.0
                            for _ in 0..<k { power *= x }
                            out[lane] = power * density * moments[j].value
                        }
                        return out
                    }, panels: panels)
                    guard result.converged else { return Tracked(value: .nan, error: .infinity) }
                    for (lane, (k, j)) in group.enumerated() {
                        let v = result.value[lane]
                        total = total + (f[k] * g[j]) * Tracked(value: v, error: abs(v) * integratedRelativeError)
                    }
                }
            }
        }
        return total
    }

    /// `E[wʲ 1{w ∈ [α, β)} | other = a]`, j = 0…degree, for w | a ~ N(ρa, r²):
    /// ```
    /// Cⱼ = Σₖ C(j, k) μ^(j−k) rᵏ Tₖ,   μ = ρa,   A = (α − μ)/r,  B = (β − μ)/r
    /// T₀ = Φ(B) − Φ(A),  T₁ = ϕ(A) − ϕ(B),  Tₖ = (k − 1) Tₖ₋₂ + A^(k−1) ϕ(A) − B^(k−1) ϕ(B)
    /// ```
    /// (the truncated moments of the standard normal, as in ``PiecewisePolynomial``), each with its
    /// rounding-error bound; `α − μ` keeps its digits as |ρ| → 1 (``offset(_:_:rho:)``).
    static func conditionalMoments(_ alpha: Double, _ beta: Double, at a: Double, rho: Double, r: Double,
                                   degree: Int) -> [Tracked] {
        let (lo, kappaLo) = offset(alpha, a, rho: rho), (hi, kappaHi) = offset(beta, a, rho: rho)
        let (zlo, zhi) = (lo / r, hi / r)
        let (klo, khi) = (kappaLo + 3, kappaHi + 3)
        let value = normalIntervalProbability(zlo, zhi)
        var t: [Tracked] = [Tracked(value: value, error: 4 * Double.ulpOfOne * value + argumentError(zlo, klo) + argumentError(zhi, khi))]
        let dlo = density(zlo, klo), dhi = density(zhi, khi)
        if degree >= 1 { t.append(dlo - dhi) }
        if degree >= 2 {
            var powerLo = 1.0, powerHi = 1.0
            for k in 2...degree {
                powerLo *= zlo.isFinite ? zlo : 0
                powerHi *= zhi.isFinite ? zhi : 0
                t.append(Double(k - 1) * t[k - 2] + powerLo * dlo - powerHi * dhi)
            }
        }
        let mu = rho * a
        var muPowers = [1.0], rPowers = [1.0]
        for n in 0..<degree { muPowers.append(muPowers[n] * mu); rPowers.append(rPowers[n] * r) }
        var out: [Tracked] = []
        for j in 0...degree {
            var sum = Tracked.zero, binomial = 1.0
            for k in 0...j {
                sum = sum + (binomial * muPowers[j - k] * rPowers[k]) * t[k]
                binomial = binomial * Double(j - k) / Double(k + 1)
            }
            out.append(sum)
        }
        return out
    }
}
