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
