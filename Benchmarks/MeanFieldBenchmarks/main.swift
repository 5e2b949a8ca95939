@testable import MeanField
let a = try! Activation(spec: "relu")
for (q1, q2) in [(0.01, 0.01), (1e-6, 2e-6)] {
    let q12 = 1.0 * (q1 * q2).squareRoot()
    let s1 = q1.squareRoot(), s2 = q2.squareRoot()
    print("c =", q12 / (s1 * s2))
    let e = Gaussian.expectation2D(.first, .first, a, variance1: q1, covariance: q12, variance2: q2, strategy: .quadrature)
    print(e)
}
let e2 = Gaussian.expectation2D(.value, .value, a, variance1: 1e4, covariance: -0.999 * (2e8).squareRoot(), variance2: 2e4, strategy: .quadrature)
print(e2, Gaussian.expectation2D(.value, .value, a, variance1: 1e4, covariance: -0.999 * (2e8).squareRoot(), variance2: 2e4))
