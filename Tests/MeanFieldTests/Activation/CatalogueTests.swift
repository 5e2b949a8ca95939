import Foundation
import Testing
@testable import MeanField

/// The families added for issue #14 and the affine spec parameters (issue #17 item 2).
@Suite("Activation catalogue: new families and affine parameters")
struct CatalogueTests {
    @Test func canonicalSpecs() throws {
        #expect(try Activation(spec: "hardtanh").spec == "hardtanh:min=-1,max=1")
        #expect(try Activation(spec: "hardtanh:min_val=-2,max_val=0.5").spec == "hardtanh:min=-2,max=0.5")
        #expect(try Activation(spec: "softplus").spec == "softplus:beta=1")
        #expect(try Activation(spec: "softshrink").spec == "softshrink:lambda=0.5")
        #expect(try Activation(spec: "softshrink:lambd=0.25").spec == "softshrink:lambda=0.25")
        #expect(try Activation(spec: "prelu").spec == "leaky_relu:slope=0.25")
        #expect(try Activation(spec: "prelu:slope=0.1").spec == "leaky_relu:slope=0.1")
        #expect(try Activation(spec: "leaky_relu:negative_slope=0.2").spec == "leaky_relu:slope=0.2")
        #expect(try Activation(spec: "relu6").spec == "relu6")
        #expect(try Activation(spec: "gelu_tanh").spec == "gelu_tanh")
        #expect(try Activation(spec: "tanh:in_scale=0.2,out_scale=4.9").spec == "tanh:in_scale=0.2,out_scale=4.9")
        #expect(try Activation(spec: "tanh:out_scale=4.9,in_scale=0.2,in_shift=0,out_shift=0").spec == "tanh:in_scale=0.2,out_scale=4.9")
        #expect(try Activation(spec: "elu:out_shift=-0.5").spec == "elu:alpha=1,out_shift=-0.5")
        #expect(try Activation(spec: "elu:in_scale=1,out_scale=1") == Activation(spec: "elu"))
        for family in Activation.Family.allCases {
            let a = try Activation(family, ["in_scale": -0.5, "in_shift": 0.25, "out_shift": 1.5, "out_scale": 3])
            #expect(try Activation(spec: a.spec) == a, "\(a.spec) round-trips")
        }
    }

    @Test(arguments: [
        ("hardshrink", "Dirac"), ("threshold", "Dirac"),
        ("hardtanh:min=1,max=1", "must be below"), ("hardtanh:min=2", "must be below"),
        ("softshrink:lambda=-1", "lambda >= 0"), ("softplus:beta=0", "beta > 0"),
        ("tanh:in_scale=0", "in_scale finite and nonzero"), ("tanh:out_scale=0", "out_scale finite and nonzero"),
        ("tanh:in_shift=inf", "in_shift"), ("leaky_relu:slope=0.1,negative_slope=0.2", "twice"),
        ("relu:in_scal=2", "in_scale, in_shift, out_shift, out_scale"),
    ])
    func refusals(spec: String, message: String) {
        do {
            _ = try Activation(spec: spec)
            Issue.record("\(spec) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(spec): \(error.description)")
        }
    }

    @Test func kinks() {
        func locations(_ spec: String) -> [Double] { activation(spec).kinks.map(\.location) }
        #expect(locations("hardtanh") == [-1, 1])
        #expect(locations("relu6") == [0, 6])
        #expect(locations("hardsigmoid") == [-3, 3])
        #expect(locations("hardswish") == [-3, 3])
        #expect(locations("softshrink") == [-0.5, 0.5])
        #expect(locations("softshrink:lambda=0").isEmpty)
        #expect(locations("abs") == [0])
        #expect(activation("softsign").kinks == [Kink(location: 0, smoothness: .c1, derivativeJump: 0)])
        #expect(activation("hardtanh").kinks.map(\.derivativeJump) == [1, -1])
        #expect(activation("hardswish").kinks.map(\.derivativeJump) == [-0.5, -0.5])
        for name in ["gelu_tanh", "mish", "logsigmoid", "tanhshrink", "sin", "softplus:beta=3"] {
            #expect(activation(name).kinks.isEmpty && activation(name).smoothness == "C∞", "\(name)")
        }
        // Affine: kinks move to (k − in_shift)/in_scale, the jump scales by out_scale·|in_scale|.
        let moved = activation("relu6:in_scale=2,in_shift=1,out_scale=3")
        #expect(moved.kinks == [Kink(location: -0.5, smoothness: .c0, derivativeJump: 6), Kink(location: 2.5, smoothness: .c0, derivativeJump: -6)])
        let mirrored = activation("relu:in_scale=-2,in_shift=0.5")
        #expect(mirrored.kinks == [Kink(location: 0.25, smoothness: .c0, derivativeJump: 2)])
        // Right-hand derivative of the mirrored relu at its kink: φ̂(x) = relu(0.5 − 2x) has slope 0 to the right.
        #expect(mirrored.evaluate(0.25, .first) == 0 && mirrored.evaluate(0.2, .first) == -2)
        #expect(activation("hardtanh").evaluate(-1, .first) == 1 && activation("hardtanh").evaluate(1, .first) == 0)
        #expect(activation("softshrink").evaluate(0.5, .first) == 1 && activation("softshrink").evaluate(-0.5, .first) == 0)
    }

    @Test func affineValues() {
        let a = activation("tanh:in_scale=0.5,in_shift=0.3,out_shift=-0.1,out_scale=2")
        for x in [-2.0, -0.3, 0.0, 0.7, 3.1] {
            let y = 0.5 * x + 0.3
            #expect(a.evaluate(x, .value) == 2 * (Foundation.tanh(y) + -0.1) || abs(a.evaluate(x, .value) - 2 * (Foundation.tanh(y) - 0.1)) < 1e-15)
            expectClose(a.evaluate(x, .first), 2 * 0.5 * activation("tanh").evaluate(y, .first), .relative(1e-15))
            expectClose(a.evaluate(x, .second), 2 * 0.25 * activation("tanh").evaluate(y, .second), .relative(1e-15))
        }
        #expect(activation("tanh:in_scale=0.5,out_scale=2").bound == 2)
        #expect(activation("sigmoid:out_shift=-0.5,out_scale=4").bound == 6)
        #expect(activation("tanh:in_scale=0.25").poleDistance == 2 * Double.pi)
        #expect(activation("abs").isPositivelyHomogeneous && !activation("abs:in_shift=1").isPositivelyHomogeneous)
        #expect(activation("elu:out_scale=-1").isStrictlyIncreasing == false)
    }

    /// E[φ̂^(i)(X)] through the affine closed-form route equals the base family's expectation at
    /// mean in_scale·m + in_shift and variance in_scale²·q (an independent path: the base's own).
    @Test(arguments: ["elu:in_scale=1.5,in_shift=-0.4,out_shift=0.2,out_scale=0.7", "relu:in_scale=-2,in_shift=0.5",
                      "erf:in_scale=0.3,in_shift=1", "sin:in_scale=2,in_shift=0.25,out_shift=1", "hardtanh:in_scale=3,in_shift=-1,out_scale=-2"])
    func affineExpectations(spec: String) throws {
        let a = activation(spec), b = a.base, t = a.affine
        for (m, q) in [(0.0, 1.0), (0.4, 0.01), (-1.1, 9.0)] {
            let (my, qy) = (t.inScale * m + t.inShift, t.inScale * t.inScale * q)
            let mean = Gaussian.expectation(of: .mean, a, mean: m, variance: q).value
            let baseMean = Gaussian.expectation(of: .mean, b, mean: my, variance: qy).value
            expectClose(mean, t.outScale * (baseMean + t.outShift), .spec, "\(spec) E[φ̂] at (\(m), \(q))")
            let slope = Gaussian.expectation(of: .slope, a, mean: m, variance: q).value
            expectClose(slope, t.outScale * t.inScale * Gaussian.expectation(of: .slope, b, mean: my, variance: qy).value, .spec, "\(spec) E[φ̂']")
            // Closed-form route against the quadrature of φ̂ itself.
            for moment in [Moment.mean, .secondMoment, .slope, .slopeSquared] {
                let automatic = Gaussian.expectation(of: moment, a, mean: m, variance: q)
                let quadrature = Gaussian.expectation(of: moment, a, mean: m, variance: q, strategy: .quadrature)
                expectClose(automatic.value, quadrature.value, .spec, "\(spec) \(moment) at (\(m), \(q)) \(automatic.method)")
            }
        }
    }
}
