#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Gauss–Legendre and Gauss–Hermite rules computed once by Newton's iteration on the three-term
/// recurrences ([Golub & Welsch 1969] give the same nodes; the Newton form needs no eigen-solver):
///
/// ```
/// ∫_{−1}^{1} f(x) dx ≈ Σ w_i f(x_i)            (Legendre, exact to degree 2n − 1)
/// ∫ f(x) e^(−x²) dx ≈ Σ w_i f(x_i)             (Hermite, physicists' weight)
/// ```
///
/// [Golub & Welsch 1969]: https://doi.org/10.1090/S0025-5718-69-99647-1
enum GaussRules {
    /// The n-point Gauss–Legendre nodes and weights on [−1, 1], ascending.
    static func legendre(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for i in 0..<(n + 1) / 2 {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5)), dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in 2...max(2, n) where n >= 2 {
                    let p2 = ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                if n == 1 { p1 = x; p0 = 1 }
                dp = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / dp
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes[i] = -x; nodes[n - 1 - i] = x
            let w = 2 / ((1 - x * x) * dp * dp)
            weights[i] = w; weights[n - 1 - i] = w
        }
        return (nodes, weights)
    }

    /// The n-point Gauss–Hermite nodes and weights for the weight e^(−x²), ascending
    /// (orthonormal recurrence, so no overflow for n up to a few hundred).
    static func hermite(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        let pim4 = 0.7511255444649425           // π^(−1/4)
        var z = 0.0
        for i in 0..<(n + 1) / 2 {
            // Initial guesses (Numerical Recipes' gauher), then Newton.
            switch i {
            case 0: z = (2 * Double(n) + 1).squareRoot() - 1.85575 * pow(2 * Double(n) + 1, -0.16667)
            case 1: z -= 1.14 * pow(Double(n), 0.426) / z
            case 2: z = 1.86 * z - 0.86 * nodes[n - 1]
            case 3: z = 1.91 * z - 0.91 * nodes[n - 2]
            default: z = 2 * z - nodes[n - i + 1]
            }
            var pp = 0.0
            for _ in 0..<100 {
                var p1 = pim4, p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = z * (2 / Double(j)).squareRoot() * p2 - (Double(j - 1) / Double(j)).squareRoot() * p3
                }
                pp = (2 * Double(n)).squareRoot() * p2
                let step = p1 / pp
                z -= step
                if abs(step) < 1e-15 { break }
            }
            nodes[n - 1 - i] = z; nodes[i] = -z
            weights[i] = 2 / (pp * pp); weights[n - 1 - i] = weights[i]
        }
        return (nodes, weights)
    }
}
