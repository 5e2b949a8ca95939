#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `c ↦ E[φ(u)φ(v)]` and `c ↦ E[φ'(u)φ'(v)]` at one variance q, as Chebyshev series in the angle
/// `θ = arccos c` — the fast c-map of the NNGP/NTK recursion for activations with neither a
/// bivariate closed form nor a certified ``DualKernel`` (tanh and the other smooth ones at large q;
/// elu, selu, celu at small q, below the threshold of their closed forms).
///
/// ```
/// K(θ) = E[φ(√q z₁) φ(√q (cos θ z₁ + sin θ z₂))]  ≈  Σₖ aₖ Tₖ(2θ/π − 1),   θ ∈ [0, π]
/// D(θ) = E[φ'(√q z₁) φ'(√q (cos θ z₁ + sin θ z₂))] ≈  Σₖ dₖ Tₖ(2θ/π − 1)
/// ```
/// Why θ and not c: a kink at 0 makes K singular at c = ±1 as a function of c (relu:
/// `(1 − c)^{3/2}`, and D like `(1 − c)^{1/2}`: the Hermite coefficients decay only algebraically),
/// but in polar coordinates `(z₁, z₂) = r(cos ψ, sin ψ)` the half-planes `{u > 0}`, `{v > 0}` are
/// sectors whose edges move linearly with θ, and the integrand is analytic in θ in each sector, so K
/// and D are analytic functions of θ on [0, π] for every activation of the catalogue with kinks at 0
/// (for relu they are the arc-cosine kernels, trigonometric polynomials in θ times (π − θ)). Their
/// Chebyshev series in θ converge geometrically ([Trefethen 2013], ch. 8).
///
/// The samples are the exact 2D expectations (``Gaussian/expectation2D(_:_:_:variance1:covariance:variance2:strategy:)``)
/// at the nested Chebyshev points `xⱼ = −cos(πj/n)` (θⱼ = (π/2)(1 + xⱼ)), n = 16, 32, …, 1024. A level n is accepted when its
/// interpolant, evaluated at the n new points of level 2n, agrees with the exact values there to
/// `tolerance × K(0)` (|K(c)| ≤ K(0) = E[φ²] by Cauchy–Schwarz; likewise for D); the level-2n
/// interpolant — which interpolates all of them — is then used, and the measured disagreement
/// of level n is kept as ``errorEstimate`` (a conservative one: level 2n is the better fit).
///
/// [Trefethen 2013]: https://people.maths.ox.ac.uk/trefethen/ATAP/
public struct AngularKernels: Sendable {
    /// The variance q both inputs have.
    public let variance: Double
    /// Chebyshev coefficients of K in `x = 2θ/π − 1`.
    public let kernelCoefficients: [Double]
    /// Chebyshev coefficients of D in `x = 2θ/π − 1`.
    public let derivativeCoefficients: [Double]
    /// Largest disagreement of the accepted coarse interpolants with the exact values at the
    /// check points, relative to `E[φ²]` (kernel) and `E[φ'²]` (derivative kernel).
    public let errorEstimate: (kernel: Double, derivative: Double)
    /// How many exact 2D expectations the build took (both kernels).
    public let evaluations: Int
    /// The exact values at c = 1 and c = −1, returned bit for bit there.
    let kernelEnds: (one: Double, minusOne: Double), derivativeEnds: (one: Double, minusOne: Double)

    /// Builds the series, or nil if 1024 intervals do not reach `tolerance` (the caller then
    /// evaluates every c exactly). The exact samples are taken on every core.
    ///
    /// `tolerance` is the exact engine's own (its adaptive quadrature stops at 1e-13 of ∫|f|;
    /// next to c = ±1, where D of a jump in φ' has slope ~(1 − c²)^{−1/2}, its values scatter by
    /// up to ~2e-13 of E[φ'²], so a tighter check would only measure that scatter). Measured
    /// levels: n = 32–64 for elu at q ≤ 1, 128 at q = 30–200; the exponential side of elu/selu
    /// varies on the angular scale ~1/√q, so from q ≈ 1e3 on even 1024 is not enough.
    public init?(_ activation: Activation, variance q: Double, tolerance: Double = 1e-13) {
        guard q > 0, q.isFinite else { return nil }
        let exact: @Sendable (Double) -> (Double, Double) = { theta in
            // cos(π/2) is 6e-17, not 0: take c = 0 exactly at the middle node.
            let c = theta == Double.pi / 2 ? 0 : cos(theta)
            if c == 1 {
                let diagonal = NeuralTangents.diagonalMoments(activation, variance: q, strategy: .automatic)
                return (diagonal.second, diagonal.slopeSquared)
            }
            return KernelEvaluator.pair(activation, variance1: q, covariance: c * q, variance2: q)
        }
        // Chebyshev points in x = 2θ/π − 1: xⱼ = −cos(πj/n), θⱼ = (π/2)(1 − cos(πj/n)); the points
        // of level n are the even-numbered points of level 2n.
        let angle: @Sendable (Int, Int) -> Double = { j, n in
            2 * j == n ? Double.pi / 2 : Double.pi / 2 * (1 - cos(Double.pi * Double(j) / Double(n)))
        }
        var intervals = 16
        var samples = concurrentMap(Array(0...intervals)) { [intervals] in exact(angle($0, intervals)) }
        var evaluations = 2 * samples.count
        let kernelScale = abs(samples[0].0), derivativeScale = abs(samples[0].1)
        while intervals <= 512 {
            let coarse = (Self.chebyshevCoefficients(samples.map(\.0)), Self.chebyshevCoefficients(samples.map(\.1)))
            // The new (odd-numbered) points of level 2n.
            let fresh = concurrentMap(Array(0..<intervals)) { [intervals] in exact(angle(2 * $0 + 1, 2 * intervals)) }
            evaluations += 2 * fresh.count
            var kernelError = 0.0, derivativeError = 0.0
            for (j, value) in fresh.enumerated() {
                let x = -cos(Double.pi * Double(2 * j + 1) / Double(2 * intervals))
                kernelError = max(kernelError, abs(Self.clenshaw(coarse.0, x) - value.0))
                derivativeError = max(derivativeError, abs(Self.clenshaw(coarse.1, x) - value.1))
            }
            var merged: [(Double, Double)] = []
            merged.reserveCapacity(samples.count + fresh.count)
            for j in 0..<intervals { merged.append(samples[j]); merged.append(fresh[j]) }
            merged.append(samples[intervals])
            samples = merged
            intervals *= 2
            let kernelRelative = kernelScale > 0 ? kernelError / kernelScale : kernelError
            let derivativeRelative = derivativeScale > 0 ? derivativeError / derivativeScale : derivativeError
            if kernelRelative <= tolerance && derivativeRelative <= tolerance {
                variance = q
                kernelCoefficients = Self.chebyshevCoefficients(samples.map(\.0))
                derivativeCoefficients = Self.chebyshevCoefficients(samples.map(\.1))
                errorEstimate = (kernelRelative, derivativeRelative)
                self.evaluations = evaluations
                kernelEnds = (samples[0].0, samples[intervals].0)
                derivativeEnds = (samples[0].1, samples[intervals].1)
                return
            }
        }
        return nil
    }

    /// `E[φ(u)φ(v)]` at correlation c.
    public func kernel(_ c: Double) -> Double {
        if c == 1 { return kernelEnds.one }
        if c == -1 { return kernelEnds.minusOne }
        return Self.clenshaw(kernelCoefficients, Self.chebyshevVariable(c))
    }

    /// `E[φ'(u)φ'(v)]` at correlation c.
    public func derivativeKernel(_ c: Double) -> Double {
        if c == 1 { return derivativeEnds.one }
        if c == -1 { return derivativeEnds.minusOne }
        return Self.clenshaw(derivativeCoefficients, Self.chebyshevVariable(c))
    }

    /// `x = 2 arccos(c)/π − 1 ∈ [−1, 1]`.
    static func chebyshevVariable(_ c: Double) -> Double {
        2 * acos(max(-1, min(1, c))) / Double.pi - 1
    }

    /// The coefficients of the interpolant through `values[j]` at `xⱼ = −cos(πj/n) = cos(π(n − j)/n)`
    /// (Chebyshev points of the second kind, in increasing order):
    /// ```
    /// aₖ = (2/n) Σ″ⱼ fⱼ Tₖ(xⱼ)        (Σ″: first and last terms halved; a₀, aₙ halved again)
    /// ```
    /// by the O(n²) sum (n ≤ 512; done once per variance).
    static func chebyshevCoefficients(_ values: [Double]) -> [Double] {
        let n = values.count - 1
        // Tₖ(xⱼ) = cos(kπ(n − j)/n), taken from a table of cos(πm/n).
        let table = (0..<(2 * n)).map { cos(Double.pi * Double($0) / Double(n)) }
        return (0...n).map { k in
            var sum = 0.0
            for j in 0...n {
                let weight = (j == 0 || j == n) ? 0.5 : 1
                sum += weight * values[j] * table[(k * (n - j)) % (2 * n)]
            }
            let scale = (k == 0 || k == n) ? 1 / Double(n) : 2 / Double(n)
            return scale * sum
        }
    }

    /// `Σₖ aₖ Tₖ(x)` by Clenshaw's recurrence.
    static func clenshaw(_ a: [Double], _ x: Double) -> Double {
        var b1 = 0.0, b2 = 0.0
        let twoX = 2 * x
        var k = a.count - 1
        while k >= 1 {
            let b0 = a[k] + twoX * b1 - b2
            b2 = b1
            b1 = b0
            k -= 1
        }
        return a[0] + x * b1 - b2
    }
}
