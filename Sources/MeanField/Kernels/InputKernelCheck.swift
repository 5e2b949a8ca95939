#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Why an input kernel Σ⁰ is not a covariance matrix.
public enum KernelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not N × N, or an entry that is NaN or infinite.
    case malformed(String)
    /// A diagonal entry that is not > 0.
    case nonPositiveDiagonal(index: Int, value: Double)
    /// `K_ij ≠ K_ji` beyond rounding.
    case notSymmetric(i: Int, j: Int, upper: Double, lower: Double)
    /// Not positive semi-definite: the smallest eigenvalue is negative.
    case notPositiveSemidefinite(smallestEigenvalue: Double)

    public var description: String {
        switch self {
        case let .malformed(message): return message
        case let .nonPositiveDiagonal(index, value):
            return "kernel diagonal entry (\(index), \(index)) is \(formatNumber(value)); it must be > 0"
        case let .notSymmetric(i, j, upper, lower):
            return "kernel is not symmetric at (\(i), \(j)): \(formatNumber(lower)) vs \(formatNumber(upper))"
        case let .notPositiveSemidefinite(smallest):
            return "kernel is not positive semi-definite (smallest eigenvalue \(formatNumber(smallest))): it is not the covariance of any inputs"
        }
    }
}

extension NeuralTangents {
    /// Checks that `kernel` (row-major N × N) is a covariance matrix and returns it exactly
    /// symmetric (the upper triangle wins).
    ///
    /// ```
    /// finite, K_ii > 0, |K_ij − K_ji| ≤ 1e-12 √(K_ii K_jj),
    /// positive semi-definite: the LDLᵀ pivots d_j ≥ −1e-12 K_jj; a pivot within 1e-12 K_jj of 0
    /// must leave its column zero (to the same tolerance), else the kernel is indefinite.
    /// ```
    /// When the factorization fails, the smallest eigenvalue (GSL's `gsl_eigen_symm`) is reported.
    /// A kernel that is not a covariance would make the recursions of Jacot et al. 2018 return
    /// numbers for inputs that do not exist, and a simulation silently start from another kernel.
    public static func checkedInputKernel(_ kernel: [Double], count n: Int) throws(KernelError) -> [Double] {
        guard n >= 1, kernel.count == n * n else {
            throw .malformed("kernel has \(kernel.count) entries; an N x N kernel has N^2")
        }
        if let bad = kernel.firstIndex(where: { !$0.isFinite }) {
            throw .malformed("kernel entry (\(bad / n), \(bad % n)) is \(formatNumber(kernel[bad])); it must be finite")
        }
        for i in 0..<n where !(kernel[i * n + i] > 0) {
            throw .nonPositiveDiagonal(index: i, value: kernel[i * n + i])
        }
        var symmetric = kernel
        for i in 0..<n {
            for j in 0..<i {
                let (lower, upper) = (kernel[i * n + j], kernel[j * n + i])
                let scale = (kernel[i * n + i] * kernel[j * n + j]).squareRoot()
                guard abs(lower - upper) <= 1e-12 * scale else { throw .notSymmetric(i: i, j: j, upper: upper, lower: lower) }
                symmetric[i * n + j] = upper
            }
        }
        if !isPositiveSemidefinite(symmetric, count: n) {
            let smallest = (try? GSL.symmetricEigenvalues(symmetric, count: n).first) ?? -.infinity
            throw .notPositiveSemidefinite(smallestEigenvalue: smallest ?? -.infinity)
        }
        return symmetric
    }

    /// Cholesky–Crout on the symmetric `m`, tolerant of dependent columns (see
    /// ``checkedInputKernel(_:count:)``).
    static func isPositiveSemidefinite(_ m: [Double], count n: Int, tolerance: Double = 1e-12) -> Bool {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let diagonal = m[j * n + j]
            var pivot = diagonal
            for k in 0..<j { pivot -= l[j * n + k] * l[j * n + k] }
            if pivot < -tolerance * diagonal { return false }
            if pivot <= tolerance * diagonal {
                // A dependent column: what remains of it must vanish too.
                for i in (j + 1)..<max(j + 1, n) {
                    var sum = m[i * n + j]
                    for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                    if abs(sum) > tolerance.squareRoot() * (diagonal * m[i * n + i]).squareRoot() { return false }
                }
                continue
            }
            let root = pivot.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var sum = m[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = sum / root
            }
        }
        return true
    }
}
