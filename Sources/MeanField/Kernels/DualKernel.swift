#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The probabilists' Gauss–Hermite rule `E[g(z)] ≈ Σ Wᵢ g(zᵢ)`, z ~ N(0, 1), from GSL's
/// `gsl_integration_fixed_hermite` (zᵢ = √2 xᵢ, Wᵢ = wᵢ/√π).
struct HermiteRule: Sendable {
    let nodes: [Double]
    let weights: [Double]

    /// The rule, or no nodes at all when GSL cannot allocate it (``isAvailable`` is then false and
    /// every user falls back to the exact engine: a series built from no nodes never certifies).
    init(points: Int) {
        guard let rule = try? GSL.gaussHermite(points: points) else {
            nodes = []
            weights = []
            return
        }
        nodes = rule.nodes.map { $0 * 2.0.squareRoot() }
        weights = rule.weights.map { $0 / Double.pi.squareRoot() }
    }

    /// False when GSL could not build the rule.
    var isAvailable: Bool { !nodes.isEmpty }

    /// 400 points: exact for polynomials of degree ≤ 799; for a function analytic in the strip
    /// |Im z| < d the error decays like exp(−2d√(2M)) times a function-dependent constant (see
    /// ``smoothExpectation(_:_:variance:)`` for where it was calibrated to stay below 3e-14).
    static let standard = HermiteRule(points: 400)
    /// 800 points, for the second tier of ``DualKernel`` (tanh's poles at ±iπ/(2√q) come closer
    /// as q grows).
    static let fine = HermiteRule(points: 800)
    /// 1600 points, for the third tier.
    static let finest = HermiteRule(points: 1600)

    /// `E[φ^(i)(√q z) φ^(j)(√q z)]` by the 400-point rule where φ(√q z) is analytic in a strip wide
    /// enough: the error decays like `exp(−2d√(2M))` with d = pole distance/√q, and its constant was
    /// calibrated against the exact engine (tests): at q = 1.496 × (pole distance)² the error reaches
    /// 1e-13 … 6e-11 (derivative moments), at half that it stays below 3e-14 — so the range is
    /// q ≤ 0.748 × (pole distance)² (tanh: q ≤ 1.85; sigmoid, silu, softplus: q ≤ 7.38); nil outside
    /// it (use the exact engine).
    static func smoothExpectation(_ moment: Moment, _ activation: Activation, variance q: Double) -> Double? {
        // Calibrated for the twelve families of SPEC §1.1 without shifts only.
        guard Activation.Family.standard.contains(activation.family), activation.affine.inShift == 0, activation.affine.outShift == 0,
              let pole = activation.poleDistance, q > 0, q <= 0.748 * pole * pole, standard.isAvailable else { return nil }
        let s = q.squareRoot(), i = moment.first, j = moment.second
        return standard.expectation { z in
            let x = s * z
            return activation.evaluate(x, i) * (j.map { activation.evaluate(x, $0) } ?? 1)
        }
    }

    /// `Σ Wᵢ g(zᵢ)` over the nodes with Wᵢ ≥ 1e-40 (the others change an integrand that grows at
    /// most like z² by less than 1e-36 of it).
    func expectation(_ g: (Double) -> Double) -> Double {
        var sum = 0.0
        for (z, w) in zip(nodes, weights) where w >= 1e-40 { sum += w * g(z) }
        return sum
    }
}

/// The dual activation ([Daniely et al. 2016]) of an activation at variance q, as its Hermite
/// (Mehler) series: for `u = √q z₁`, `v = √q (c z₁ + √(1−c²) z₂)`,
/// ```
/// K(c) = E[φ(u) φ(v)] = Σₙ bₙ cⁿ,           bₙ = E[φ(√q z) hₙ(z)]²
/// E[φ'(u) φ'(v)] = K'(c)/q = Σₙ n bₙ cⁿ⁻¹ / q     (Price's theorem: ∂/∂q12 E[f(u)g(v)] = E[f'g'])
/// ```
/// with `hₙ = Heₙ/√n!` the orthonormal Hermite polynomials. Because every bₙ ≥ 0, the truncation
/// error at any |c| ≤ 1 is at most the Parseval residual `E[φ²] − Σ bₙ` (and `q E[φ'²] − Σ n bₙ`
/// for the derivative kernel), which is computed against the exact 1D expectations: the series is
/// only built when both residuals are below the tolerance, so every value it returns is certified.
/// Smooth activations only (a kink makes bₙ decay algebraically).
///
/// [Daniely et al. 2016]: https://arxiv.org/abs/1602.05897
public struct DualKernel: Sendable {
    /// The variance q both inputs have.
    public let variance: Double
    /// `bₙ`, n = 0…N.
    public let coefficients: [Double]
    /// `aₙ = E[φ(√q z) hₙ(z)]` (so bₙ = aₙ²): the signed Hermite coefficients, which also give the
    /// kernel of two inputs of different variances (``crossKernels(_:_:correlation:)``).
    public let hermiteCoefficients: [Double]
    /// The Parseval residuals `E[φ²] − Σ aₙ²` and `q E[φ'²] − Σ n aₙ²` (absolute values).
    let residuals: (kernel: Double, derivative: Double)
    /// Upper bound of the truncation error of ``kernel(_:)`` on [−1, 1] (absolute).
    public let kernelErrorBound: Double
    /// Upper bound of the truncation error of ``derivativeKernel(_:)`` on [−1, 1] (absolute).
    public let derivativeErrorBound: Double

    /// The certified series, or nil when none of 200, 400, 800 terms (with 400-, 800-, 1600-point
    /// rules) reaches `relativeTolerance` (or the activation is kinked). tanh needs the third tier
    /// from q ≈ 3 on (its poles at ±iπ/(2√q) slow the decay of bₙ).
    public init?(_ activation: Activation, variance q: Double, relativeTolerance: Double = 1e-13) {
        self.init(activation, variance: q, relativeTolerance: relativeTolerance,
                  secondMoment: Gaussian.expectation(of: .secondMoment, activation, variance: q).value,
                  slopeSquared: Gaussian.expectation(of: .slopeSquared, activation, variance: q).value)
    }

    /// As ``init(_:variance:relativeTolerance:)`` with the exact `E_q[φ²]` and `E_q[φ'²]` given.
    init?(_ activation: Activation, variance q: Double, relativeTolerance: Double, secondMoment second: Double, slopeSquared: Double) {
        guard activation.kinks.isEmpty, q > 0, q.isFinite else { return nil }
        // Start at the tier the analyticity strip predicts (d = pole distance/√q; measured: the
        // 200-term tier certifies down to d ≈ 1.3–1.6, 400 terms to d ≈ 1.0, 800 to d ≈ 0.64). A
        // wrong guess only costs time: a failing tier falls through to the next.
        let d = activation.poleDistance.map { $0 / q.squareRoot() } ?? .infinity
        // Below d = 0.5 not even the last tier certifies (none does at d = 0.5, 0.45, 0.4, 0.3 for any
        // activation with poles, DualKernelPoleBoundTests; it reaches d ≈ 0.64 at best, above):
        // building its 1600-point rule and 800 coefficients per variance would only cost time
        // (~0.8 ms per variance, ~80 ms for the rule, in a sweep whose variance changes every layer).
        guard d >= Self.minimumPoleDistance else { return nil }
        self.init(activation, variance: q, relativeTolerance: relativeTolerance, secondMoment: second, slopeSquared: slopeSquared,
                  firstTier: d >= 1.4 ? 0 : (d >= 0.95 ? 1 : 2))
    }

    /// The relative pole distance `d = (pole distance)/√q` below which no tier is tried.
    static let minimumPoleDistance = 0.5

    /// The tiers from `firstTier` on (0: 200 terms on 400 points, 1: 400 on 800, 2: 800 on 1600), without the
    /// pole-distance bound (tests check that the bound declines nothing the tiers would certify).
    init?(_ activation: Activation, variance q: Double, relativeTolerance: Double, secondMoment second: Double, slopeSquared: Double,
          firstTier first: Int) {
        guard activation.kinks.isEmpty, q > 0, q.isFinite, (0...2).contains(first) else { return nil }
        let tiers = [(HermiteRule.standard, 200), (HermiteRule.fine, 400), (HermiteRule.finest, 800)]
        var leading: [Double]?
        for (rule, terms) in tiers[first...] {
            var a = Self.hermiteCoefficients(activation, variance: q, rule: rule, terms: terms)
            // The rule's even sums vanish exactly when φ(−z) = −φ(z) to the last bit at every node.
            let odd = a[0] == 0 && a[2] == 0
            let exact = leading ?? Self.leadingCoefficients(activation, variance: q, odd: odd)
            leading = exact
            a.replaceSubrange(0..<exact.count, with: exact)
            let b = a.map { $0 * $0 }
            let kernelResidual = second - b.reduce(0, +)
            let derivativeResidual = q * slopeSquared - b.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
            // A residual slightly below 0 is rounding in the coefficients; its size still bounds the error.
            guard abs(kernelResidual) <= relativeTolerance * second,
                  abs(derivativeResidual) <= relativeTolerance * q * slopeSquared else { continue }
            variance = q
            coefficients = b
            hermiteCoefficients = a
            residuals = (abs(kernelResidual), abs(derivativeResidual))
            kernelErrorBound = abs(kernelResidual) + 4 * Double.ulpOfOne * second
            derivativeErrorBound = (abs(derivativeResidual) + 4 * Double.ulpOfOne * q * slopeSquared) / q
            return
        }
        return nil
    }

    /// `a₀, a₁, a₂` by the adaptive 1D engine instead of the rule, through Gaussian integration by parts
    /// (`E[f(z) Heₙ(z)] = E[f⁽ⁿ⁾(z)]`, `f(z) = φ(√q z)`):
    /// ```
    /// a₀ = E[φ(x)],   a₁ = √q E[φ'(x)],   a₂ = q E[φ''(x)] / √2,   x ~ N(0, q)
    /// ```
    /// They carry most of the kernel (`a₀² + a₁² c + a₂² c² + …`), and the rule's sums of `Wᵢ φ(√q zᵢ) hₙ(zᵢ)` over
    /// 200–800 nodes are off by a few ulps of `max |φ|` — for `16·(tanh(0.08x + 0.53) − 0.48)` (a TAT-shaped tanh)
    /// ~1e-15 in a₁, so 4e-15 in K(0.9), which a 50-layer composed C map amplifies to 1e-12
    /// (Tests/Generators/shape-c-map); with these three the kernel errors there are ~1e-16.
    /// For an `odd` φ (the rule's even sums exactly 0) a₀ = a₂ = 0 stay exact: integrating them would only
    /// add a quadrature whose value is 0 and whose error estimate is its floor.
    private static func leadingCoefficients(_ activation: Activation, variance q: Double, odd: Bool) -> [Double] {
        let a1 = q.squareRoot() * Gaussian.expectation(of: .slope, activation, variance: q).value
        if odd { return [0, a1, 0] }
        return [Gaussian.expectation(of: .mean, activation, variance: q).value, a1,
                q * Gaussian.expectation(of: .curvature, activation, variance: q).value / 2.0.squareRoot()]
    }

    /// `aₙ = Σᵢ Wᵢ φ(√q zᵢ) hₙ(zᵢ)` with `h₀ = 1, h₁ = z, h_{n+1} = (z hₙ − √n h_{n−1})/√(n+1)`.
    ///
    /// The rule is symmetric and hₙ(−z) = (−1)ⁿ hₙ(z), so each pair ±z contributes
    /// `W (φ(z) ± φ(−z)) hₙ(z)` (even part to even n, odd part to odd n). Nodes with W < 1e-40 are
    /// skipped: `W hₙ(z)² ≤ 1` (Christoffel), so one changes any aₙ by at most √W·|φ(±√q z)| < 1e-20·|φ|.
    private static func hermiteCoefficients(_ activation: Activation, variance q: Double, rule: HermiteRule, terms: Int) -> [Double] {
        let s = q.squareRoot()
        let root = (0...terms).map { Double($0).squareRoot() }
        let inverseRoot = root.map { 1 / $0 }
        var sums = [Double](repeating: 0, count: terms)
        sums.withUnsafeMutableBufferPointer { sums in
            for (z, w) in zip(rule.nodes, rule.weights) where z >= 0 && w >= 1e-40 {
                let plus = activation(s * z), minus = activation(-s * z)
                let pairWeight = z == 0 ? 0.5 * w : w
                let even = pairWeight * (plus + minus), odd = pairWeight * (plus - minus)
                var previous = 0.0, current = 1.0
                sums[0] += even
                for n in 1..<terms {
                    let next = (z * current - root[n - 1] * previous) * inverseRoot[n]
                    previous = current
                    current = next
                    sums[n] += (n & 1 == 0 ? even : odd) * current
                }
            }
        }
        return sums
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for `u = √q₁ z₁`, `v = √q₂ (ρ z₁ + √(1−ρ²) z₂)` with the series
    /// of the two variances (Mehler's formula with different scalings):
    /// ```
    /// E[φ(u)φ(v)]   = Σₙ aₙ(q₁) aₙ(q₂) ρⁿ
    /// E[φ'(u)φ'(v)] = Σₙ n aₙ(q₁) aₙ(q₂) ρⁿ⁻¹ / √(q₁q₂)      (Price: ∂/∂q₁₂, q₁₂ = ρ√(q₁q₂))
    /// ```
    /// The truncation error is at most `√(T₁T₂)` (Cauchy–Schwarz on the tails; T is the Parseval
    /// residual plus the longer series' terms beyond the shorter one), returned as the bounds.
    public static func crossKernels(_ first: DualKernel, _ second: DualKernel, correlation rho: Double)
    -> (kernel: Double, derivative: Double, kernelBound: Double, derivativeBound: Double) {
        let a = first.hermiteCoefficients, b = second.hermiteCoefficients
        let terms = min(a.count, b.count)
        var kernel = 0.0, derivative = 0.0
        for n in stride(from: terms - 1, through: 0, by: -1) {
            kernel = kernel * rho + a[n] * b[n]
            if n >= 1 { derivative = derivative * rho + Double(n) * a[n] * b[n] }
        }
        let scale = (first.variance * second.variance).squareRoot()
        // Tails beyond the shorter series: the residual plus the longer series' own terms from there.
        func tails(_ x: [Double], _ r: (kernel: Double, derivative: Double)) -> (Double, Double) {
            var kernel = r.kernel, derivative = r.derivative
            for n in terms..<max(terms, x.count) { kernel += x[n] * x[n]; derivative += Double(n) * x[n] * x[n] }
            return (kernel, derivative)
        }
        let (ta, tb) = (tails(a, first.residuals), tails(b, second.residuals))
        let kernelBound = (ta.0 * tb.0).squareRoot()
        let derivativeBound = (ta.1 * tb.1).squareRoot() / scale
        return (kernel, derivative / scale, kernelBound, derivativeBound)
    }

    /// `E[φ(u)φ(v)]` at correlation c (Horner).
    public func kernel(_ c: Double) -> Double {
        coefficients.reversed().reduce(0) { $0 * c + $1 }
    }

    /// `K(1) − K(c) = Σ bₙ (1 − cⁿ)` for 0 ≤ c ≤ 1, without the cancellation of subtracting two
    /// nearly equal kernels: `sₙ = 1 − cⁿ` obeys `sₙ = c·sₙ₋₁ + (1 − c)`, all terms positive.
    public func kernelDeficit(_ c: Double) -> Double {
        let delta = 1 - c
        var s = 0.0, sum = 0.0
        for n in 1..<coefficients.count {
            s = c * s + delta
            sum += coefficients[n] * s
        }
        return sum
    }

    /// `E[φ'(u)φ'(v)]` at correlation c.
    public func derivativeKernel(_ c: Double) -> Double {
        var sum = 0.0
        for n in stride(from: coefficients.count - 1, through: 1, by: -1) { sum = sum * c + Double(n) * coefficients[n] }
        return sum / variance
    }
}
