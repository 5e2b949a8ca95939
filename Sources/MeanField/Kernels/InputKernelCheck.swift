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
    /// positive semi-definite: pivoted Cholesky, every pivot > 1e-12 max K_ii until the Schur
    /// complement left is within 1e-12 max K_ii of 0 entrywise (rank-deficient kernels pass),
    /// else the kernel is indefinite.
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
        // The lower triangle against the upper in 64 × 64 tiles (entry by entry in row order, a 32 MB kernel's
        // column reads miss the cache at every entry); where an entry fails, the row-order scan names the first.
        var symmetric = kernel
        if !symmetric.withUnsafeMutableBufferPointer({ copyUpperWhereSymmetric(kernel, into: $0, count: n) }) {
            for i in 0..<n {
                for j in 0..<i {
                    let (lower, upper) = (kernel[i * n + j], kernel[j * n + i])
                    let scale = (kernel[i * n + i] * kernel[j * n + j]).squareRoot()
                    guard abs(lower - upper) <= 1e-12 * scale else { throw .notSymmetric(i: i, j: j, upper: upper, lower: lower) }
                }
            }
        }
        if !isPositiveSemidefinite(symmetric, count: n) {
            // try? flattens the throwing call and the optional `first` into one Double?.
            let smallest = (try? GSL.symmetricEigenvalues(symmetric, count: n).first) ?? -.infinity
            throw .notPositiveSemidefinite(smallestEigenvalue: smallest)
        }
        return symmetric
    }

    /// Whether every lower entry of the row-major n × n `kernel` is within 1e-12·√(Kᵢᵢ Kⱼⱼ) of its upper
    /// mirror image; where it is, `symmetric`'s lower entry becomes the upper one (64 × 64 tiles).
    static func copyUpperWhereSymmetric(_ kernel: [Double], into symmetric: UnsafeMutableBufferPointer<Double>, count n: Int) -> Bool {
        let tile = 64
        for rowStart in stride(from: 0, to: n, by: tile) {
            for columnStart in stride(from: 0, to: rowStart + 1, by: tile) {
                for i in rowStart..<min(rowStart + tile, n) {
                    for j in columnStart..<min(columnStart + tile, i) {
                        let (lower, upper) = (kernel[i * n + j], kernel[j * n + i])
                        let scale = (kernel[i * n + i] * kernel[j * n + j]).squareRoot()
                        guard abs(lower - upper) <= 1e-12 * scale else { return false }
                        symmetric[i * n + j] = upper
                    }
                }
            }
        }
        return true
    }

    /// Pivoted Cholesky on the symmetric `m` (Higham, *Accuracy and Stability of Numerical
    /// Algorithms*, 2nd ed., §10.3), which detects the rank of a semi-definite kernel stably:
    ///
    /// ```
    /// tol = tolerance · max_i K_ii
    /// step k: pivot = the largest diagonal entry of the Schur complement S
    ///         pivot > tol: eliminate it (S ← S − l lᵀ, l = S[:, p] / √pivot)
    ///         pivot ≤ tol: semi-definite iff every entry of S is within tol of 0
    /// ```
    ///
    /// Without pivoting, a Gram matrix of N inputs in d < N dimensions (rank d) is refused: its
    /// rounding-level pivots past the d-th (|d_j| ~ 1e-14 K_jj from an ill-conditioned elimination)
    /// pass the tolerance or not by chance and, taken as pivots, amplify the rounding. A rank-r
    /// kernel costs O(N² r).
    static func isPositiveSemidefinite(_ m: [Double], count n: Int, tolerance: Double = 1e-12) -> Bool {
        guard n > 0 else { return true }
        var schur = m
        var order = Array(0..<n)
        let tol = tolerance * (0..<n).reduce(0) { max($0, m[$1 * n + $1]) }
        var column = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var best = k
            for t in (k + 1)..<max(k + 1, n) where schur[order[t] * n + order[t]] > schur[order[best] * n + order[best]] { best = t }
            let pivot = schur[order[best] * n + order[best]]
            if pivot <= tol {
                // What remains must vanish (a negative diagonal or a large off-diagonal entry
                // means an indefinite kernel).
                for a in k..<n {
                    for b in k..<n where abs(schur[order[a] * n + order[b]]) > tol { return false }
                }
                return true
            }
            order.swapAt(k, best)
            let p = order[k], root = pivot.squareRoot()
            for t in (k + 1)..<max(k + 1, n) { column[t] = schur[order[t] * n + p] / root }
            for a in (k + 1)..<max(k + 1, n) where column[a] != 0 {
                let (row, la) = (order[a] * n, column[a])
                for b in (k + 1)..<n { schur[row + order[b]] -= la * column[b] }
            }
        }
        return true
    }
}
