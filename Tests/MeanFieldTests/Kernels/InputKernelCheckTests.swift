import Testing
@testable import MeanField

/// Issue #13, defect 5: an input kernel must be a covariance matrix.
@Suite("Input kernel check")
struct InputKernelCheckTests {
    @Test func indefiniteKernelReportsItsSmallestEigenvalue() {
        // Eigenvalues of [[1,.9,.9],[.9,1,-.9],[.9,-.9,1]]: 1.9, 1.9, -0.8 (exactly: 1 + 0.9, 1 + 0.9, 1 - 2·0.9).
        do {
            _ = try NeuralTangents.checkedInputKernel([1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1], count: 3)
            Issue.record("accepted an indefinite kernel")
        } catch let KernelError.notPositiveSemidefinite(smallest) {
            #expect(abs(smallest + 0.8) < 1e-12)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func singularButSemidefiniteKernelsPass() throws {
        // Rank 1 (two equal inputs and their negative) and rank 2 from three vectors in the plane.
        _ = try NeuralTangents.checkedInputKernel([1, 1, -1, 1, 1, -1, -1, -1, 1], count: 3)
        let k = NeuralTangents.inputKernel(vectors: [1, 0, 0.6, 0.8, -0.3, 2], count: 3, dimension: 2)
        _ = try NeuralTangents.checkedInputKernel(k, count: 3)
    }

    /// A dataset's Gram matrix with more inputs than dimensions is singular, and its rounding
    /// makes the trailing pivots ±1e-14: it must pass (the unpivoted check refused 200 inputs in
    /// 5 dimensions with "smallest eigenvalue -2.9e-14"), and a small indefinite perturbation of
    /// it must not.
    @Test func rankDeficientDatasetGramPasses() throws {
        var state: UInt64 = 20261201
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for (n, d) in [(200, 5), (60, 3), (40, 1)] {
            var vectors: [Double] = []
            for _ in 0..<n {
                let v = (0..<d).map { _ in uniform() * 2 - 1 }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot(), target = 0.3 + 2.7 * uniform()
                vectors += v.map { $0 * target / norm }
            }
            let k = NeuralTangents.inputKernel(vectors: vectors, count: n, dimension: d)
            _ = try NeuralTangents.checkedInputKernel(k, count: n)
            // Push one entry pair far off the rank-d manifold: a 2x2 minor turns negative.
            var bad = k
            let s = (k[0] * k[n + 1]).squareRoot()
            bad[1] = 1.01 * s; bad[n] = 1.01 * s
            #expect(throws: KernelError.self) { try NeuralTangents.checkedInputKernel(bad, count: n) }
        }
    }

    @Test func zeroPivotWithNonzeroColumnIsIndefinite() {
        // [[1,1,0],[1,1,1],[0,1,1]]: the second pivot is 0 but its column is not; det = -1.
        #expect(throws: KernelError.self) { try NeuralTangents.checkedInputKernel([1, 1, 0, 1, 1, 1, 0, 1, 1], count: 3) }
    }

    @Test func asymmetricAndNonPositiveDiagonalsAreRefused() {
        #expect(throws: KernelError.nonPositiveDiagonal(index: 1, value: 0)) { try NeuralTangents.checkedInputKernel([1, 0, 0, 0], count: 2) }
        #expect(throws: KernelError.notSymmetric(i: 1, j: 0, upper: 0.5, lower: 0.4)) {
            try NeuralTangents.checkedInputKernel([1, 0.5, 0.4, 1], count: 2)
        }
    }
}
