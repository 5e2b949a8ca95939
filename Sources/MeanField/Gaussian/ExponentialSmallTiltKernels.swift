#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` of the exponential family at small tilts, with an error bound.
struct ExponentialSmallTiltPair: Sendable, Equatable {
    /// `E[φ(u)φ(v)]`.
    let kernel: Double
    /// `E[φ'(u)φ'(v)]`.
    let derivative: Double
    /// Bound on the absolute error of ``kernel`` (rounding of every term plus the truncated tail).
    let kernelError: Double
    /// Bound on the absolute error of ``derivative``.
    let derivativeError: Double
}

extension PiecewiseForm {
    /// The largest `k√q` (of either input) the small-tilt series serves: at 0.5 its terms of total
    /// degree D fall like `(2k√q)^D / D!!`, so ~30 degrees reach 1e-17 of the kernels' scale.
    static let smallTiltSeriesLimit = 0.5
    /// The series serves only pairs with `k·min(√q1, √q2)` below this, where the Φ₂ pair
    /// (``exponentialKernelPair(variance1:covariance:variance2:smallTilts:largeTilts:)``) declines.
    static let smallTiltSeriesBelow = PiecewiseForm.pairPriceBelow
    /// The highest total degree summed (the sum declines if it has not converged by then).
    static let smallTiltSeriesMaximumDegree = 58
    /// The route takes the series only where its error bound is at most this on SPEC §2's scale
    /// (`error / max(|value|, 1e-2)`); measured bounds are ~1e-17.
    static let smallTiltSeriesTolerance = 1e-14

    /// ``exponentialSmallTiltSeries(variance1:covariance:variance2:)`` where it applies and its error
    /// bound is within ``smallTiltSeriesTolerance`` (SPEC §2's scale), as the kernel pair; nil otherwise.
    /// Serves the pairs with `k·min(√q1, √q2) < 0.2` (where the Φ₂ pair and the tilted-orthant closed form
    /// decline: their exponential side cancels) and `k·max(√q1, √q2) ≤ 0.5`.
    func exponentialSmallTiltKernelPair(variance1 q1: Double, covariance q12: Double,
                                        variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard case let .exponential(_, k) = negative, k > 0, q1 > 0, q2 > 0,
              k * min(q1, q2).squareRoot() < Self.smallTiltSeriesBelow,
              let series = exponentialSmallTiltSeries(variance1: q1, covariance: q12, variance2: q2),
              series.kernelError <= Self.smallTiltSeriesTolerance * max(abs(series.kernel), 1e-2),
              series.derivativeError <= Self.smallTiltSeriesTolerance * max(abs(series.derivative), 1e-2)
        else { return nil }
        return (series.kernel, series.derivative)
    }

    /// `E[φ(u)φ(v)]` and `E[φ'(u)φ'(v)]` for the exponential family (elu, selu, celu: `φ = λx` for x > 0,
    /// `A(e^(kx) − 1)` for x ≤ 0), zero-mean (u, v) with covariance `[[q1, q12], [q12, q2]]`, at small
    /// tilts `tᵢ = k√qᵢ ≤ 0.5`, by the power series of the exponential side: free of the cancellation
    /// `A(e^(kx) − 1) ≈ Akx` that costs the tilted-orthant closed forms a factor `(k√q)⁻²` there
    /// (they decline below k√q = 0.2, where the exact 2D quadrature took over at ~1 ms per value).
    ///
    /// With `b = Ak` (the slope of the negative side at 0), `δ = λ − b`, `u = s₁x`, `v = s₂y` (x, y standard,
    /// correlation c) φ splits into a leaky-linear part and the exponential side's curvature,
    /// ```
    /// φ(u)  = s₁ (b x + δ x 1{x>0}) + A g(t₁x) 1{x<0},   g(z) = eᶻ − 1 − z = Σ_{n≥2} zⁿ/n!
    /// φ'(u) =    (b   + δ   1{x>0}) + b h(t₁x) 1{x<0},   h(z) = eᶻ − 1     = Σ_{n≥1} zⁿ/n!
    /// ```
    /// so that, with the orthant moments `Mₘₙ(ρ) = E[xᵐ yⁿ 1{x>0, y>0}]` at correlation ρ (reflections
    /// give the other quadrants: `E[xᵐ yⁿ 1{x<0, y<0}] = (−1)^(m+n) Mₘₙ(c)`, `E[x yⁿ 1{x>0, y<0}] = (−1)ⁿ M₁ₙ(−c)`)
    /// and the half-line moments `hₙ = E[zⁿ 1{z>0}]`,
    /// ```
    /// E[φφ]   = s₁s₂ (δ² M₁₁(c) + λbc)
    ///         + A s₁ Σ_{n≥2} t₂ⁿ/n! (bc (−1)^(n+1) hₙ₊₁ + δ (−1)ⁿ M₁ₙ(−c))   (+ the mirrored sum, s₂, t₁, Mₙ₁)
    ///         + A² Σ_{m,n≥2} t₁ᵐ t₂ⁿ/(m! n!) (−1)^(m+n) Mₘₙ(c)
    /// E[φ'φ'] = δ² M₀₀(c) + λb
    ///         + b Σ_{n≥1} t₂ⁿ/n! (−1)ⁿ (b hₙ + δ M₀ₙ(−c))                      (+ the mirrored sum)
    ///         + b² Σ_{m,n≥1} t₁ᵐ t₂ⁿ/(m! n!) (−1)^(m+n) Mₘₙ(c)
    /// ```
    /// (for elu and celu δ = 0: E[φφ] at c = 0 is then (E[φ])² without the leading terms cancelling).
    /// The orthant moments follow from Stein's identity on the orthant (the Dirac terms at its edges give
    /// the conditional half-line moments, `y | x = 0 ~ N(0, r²)`, r = √(1 − ρ²), φ₀ = 1/√(2π)):
    /// ```
    /// M₀₀ = arccos(−ρ)/(2π)
    /// Mₘₙ = (m−1) Mₘ₋₂,ₙ + ρ n Mₘ₋₁,ₙ₋₁ + [m = 1] φ₀ rⁿ hₙ + ρ [n = 0] φ₀ r^(m−1) hₘ₋₁     (m ≥ 1)
    /// M₀ₙ = (n−1) M₀,ₙ₋₂ + [n = 1] φ₀ h₀ + ρ φ₀ r^(n−1) hₙ₋₁
    /// ```
    /// (degree m + n from degree m + n − 2 alone; M₁₁ = (sin φ − φ cos φ)/(2π), φ = arccos(−ρ), is taken
    /// from ``sineMinusPhiCosine(_:)``, exact as ρ → −1). The sum runs by total degree and stops when two
    /// consecutive degrees add less than 1e-17 of the sum of absolute values of the terms (nil if not by
    /// degree ``smallTiltSeriesMaximumDegree``, or outside `k·max(√q1, √q2) ≤ 0.5`, q ≥ 1e-300).
    ///
    /// Error bound: `(2D + 6)ε` times the sum of |terms| with every moment replaced by its value at |ρ|
    /// (the recursion at ρ ≥ 0 adds positive terms only, and at ρ < 0 its rounding errors are bounded by
    /// those magnitudes), plus twice the last two degrees' contributions for the truncated tail.
    /// Checked against 30-digit mpmath (Tests/Generators/small-tilt-kernels).
    func exponentialSmallTiltSeries(variance1 q1: Double, covariance q12: Double,
                                    variance2 q2: Double) -> ExponentialSmallTiltPair? {
        guard case let .exponential(amplitude, k) = negative, k > 0, q1 >= 1e-300, q2 >= 1e-300,
              q1.isFinite, q2.isFinite, q12.isFinite else { return nil }
        let s1 = q1.squareRoot(), s2 = q2.squareRoot()
        let t1 = k * s1, t2 = k * s2
        guard max(t1, t2) <= Self.smallTiltSeriesLimit else { return nil }
        let c = max(-1, min(1, q12 / geometricMean(q1, q2)))
        let a = amplitude, lambda = positiveSlope, b = a * k, delta = lambda - b
        let h = Self.halfLineMoments
        let maximumDegree = min(Self.smallTiltSeriesMaximumDegree, h.count - 2)
        let phi0 = 0.398942280401432677939946059934   // 1/√(2π)
        let r = ((1 - c) * (1 + c)).squareRoot()
        let twoPi = 2 * Double.pi
        let eps = Double.ulpOfOne

        // Orthant-moment rows by degree for ρ = c (same) and ρ = −c (opposite): row[m] = M_{m, D−m}.
        // The recursion reads degree D − 2 only, so three rows per correlation suffice.
        var same = (older: [Double](), old: [Double](), row: [Double]())
        var opposite = (older: [Double](), old: [Double](), row: [Double]())
        var rPower = [1.0]   // rⁿ
        for _ in 0...maximumDegree { rPower.append(rPower[rPower.count - 1] * r) }
        func nextRow(_ older: [Double], degree d: Int, rho: Double) -> [Double] {
            var row = [Double](repeating: 0, count: d + 1)
            for m in 0...d {
                let n = d - m
                var value = 0.0
                if m == 0 {
                    if n >= 2 { value += Double(n - 1) * older[0] }
                    if n == 1 { value += phi0 * h[0] }
                    value += rho * phi0 * rPower[n - 1] * h[n - 1]
                } else {
                    if m >= 2 { value += Double(m - 1) * older[m - 2] }
                    if n >= 1 { value += rho * Double(n) * older[m - 1] }
                    if m == 1 { value += phi0 * rPower[n] * h[n] }
                    if n == 0 { value += rho * phi0 * rPower[m - 1] * h[m - 1] }
                }
                row[m] = value
            }
            return row
        }
        // Degree 1 (closed form) as the current row, degree 0 before it; degree 2 will take M₁₁ from
        // sin φ − φ cos φ.
        func start(_ rho: Double) -> (older: [Double], old: [Double], row: [Double]) {
            let m10 = phi0 * 0.5 * (1 + rho)
            return ([], [acos(-rho) / twoPi], [m10, m10])
        }
        same = start(c)
        opposite = start(-c)
        // |ρ|'s moments (the magnitudes the recursion adds): whichever of the two has ρ ≥ 0.
        func magnitude(_ sameValue: Double, _ oppositeValue: Double, sameTable: Bool) -> Double {
            (c >= 0) == sameTable ? abs(sameValue) : abs(oppositeValue)
        }

        // Inverse factorials and powers of t₁, t₂ (scaled by 1/n!).
        var p1 = [1.0], p2 = [1.0]
        for n in 1...maximumDegree + 1 {
            p1.append(p1[n - 1] * t1 / Double(n))
            p2.append(p2[n - 1] * t2 / Double(n))
        }

        // Degree-independent pieces.
        let m00 = same.old[0], m11 = sineMinusPhiCosine(acos(-c)) / twoPi
        let leading = (kernel: s1 * s2 * (delta * delta * m11 + lambda * b * c), derivative: delta * delta * m00 + lambda * b)
        let leadingSize = (kernel: s1 * s2 * (delta * delta * m11 + abs(lambda * b * c)), derivative: delta * delta * m00 + abs(lambda * b))
        var kernel = leading.kernel, derivative = leading.derivative
        var kernelAbsolute = leadingSize.kernel, derivativeAbsolute = leadingSize.derivative
        var kernelRounding = 8 * eps * leadingSize.kernel, derivativeRounding = 8 * eps * leadingSize.derivative
        var previous = (kernel: Double.infinity, derivative: Double.infinity)
        var degree = 1
        while true {
            // Degree `degree` rows are `same.row`, `opposite.row` (row[m] = M_{m, degree − m}).
            let d = degree
            let sign: Double = d & 1 == 0 ? 1 : -1
            var kernelTerms = 0.0, derivativeTerms = 0.0, kernelMagnitude = 0.0, derivativeMagnitude = 0.0
            // Quadrant −−: A² Σ_{m,n≥2}, b² Σ_{m,n≥1} over m + n = d.
            if d >= 2 {
                for m in 1..<d {
                    let n = d - m
                    let weight = p1[m] * p2[n]
                    let value = sign * weight * same.row[m]
                    let size = weight * magnitude(same.row[m], opposite.row[m], sameTable: true)
                    derivativeTerms += b * b * value
                    derivativeMagnitude += b * b * size
                    if m >= 2, n >= 2 {
                        kernelTerms += a * a * value
                        kernelMagnitude += a * a * size
                    }
                }
            }
            // Cross sums of E[φ'φ']: n = d (M₀ₙ(−c), hₙ) and mirrored m = d (Mₘ₀(−c)).
            if d >= 1 {
                let second = sign * p2[d] * (b * h[d] + delta * opposite.row[0])
                let first = sign * p1[d] * (b * h[d] + delta * opposite.row[d])
                derivativeTerms += b * (second + first)
                derivativeMagnitude += abs(b) * (p2[d] * (abs(b) * h[d] + abs(delta) * magnitude(same.row[0], opposite.row[0], sameTable: false))
                                                 + p1[d] * (abs(b) * h[d] + abs(delta) * magnitude(same.row[d], opposite.row[d], sameTable: false)))
            }
            // Cross sums of E[φφ]: n = d − 1 ≥ 2 (M₁ₙ(−c), hₙ₊₁) and mirrored.
            if d >= 3 {
                let n = d - 1
                let nSign: Double = n & 1 == 0 ? 1 : -1
                let second = p2[n] * (-nSign * b * c * h[n + 1] + nSign * delta * opposite.row[1])
                let first = p1[n] * (-nSign * b * c * h[n + 1] + nSign * delta * opposite.row[n])
                kernelTerms += a * (s1 * second + s2 * first)
                kernelMagnitude += abs(a) * (s1 * p2[n] * (abs(b * c) * h[n + 1] + abs(delta) * magnitude(same.row[1], opposite.row[1], sameTable: false))
                                             + s2 * p1[n] * (abs(b * c) * h[n + 1] + abs(delta) * magnitude(same.row[n], opposite.row[n], sameTable: false)))
            }
            kernel += kernelTerms
            derivative += derivativeTerms
            kernelAbsolute += kernelMagnitude
            derivativeAbsolute += derivativeMagnitude
            kernelRounding += Double(2 * d + 6) * eps * kernelMagnitude
            derivativeRounding += Double(2 * d + 6) * eps * derivativeMagnitude
            let current = (kernel: kernelMagnitude, derivative: derivativeMagnitude)
            if d >= 4, current.kernel <= 1e-17 * kernelAbsolute, previous.kernel <= 1e-17 * kernelAbsolute,
               current.derivative <= 1e-17 * derivativeAbsolute, previous.derivative <= 1e-17 * derivativeAbsolute {
                let tail = (kernel: 2 * (current.kernel + previous.kernel), derivative: 2 * (current.derivative + previous.derivative))
                let kernelError = kernelRounding + tail.kernel, derivativeError = derivativeRounding + tail.derivative
                guard kernel.isFinite, derivative.isFinite else { return nil }
                return ExponentialSmallTiltPair(kernel: kernel, derivative: derivative,
                                                kernelError: kernelError, derivativeError: derivativeError)
            }
            previous = current
            degree += 1
            guard degree <= maximumDegree else { return nil }
            var nextSame = nextRow(same.old, degree: degree, rho: c)
            var nextOpposite = nextRow(opposite.old, degree: degree, rho: -c)
            if degree == 2 {
                nextSame[1] = m11
                nextOpposite[1] = sineMinusPhiCosine(acos(c)) / twoPi
            }
            same = (same.old, same.row, nextSame)
            opposite = (opposite.old, opposite.row, nextOpposite)
        }
    }
}
