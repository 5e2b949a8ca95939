import Foundation
import Testing
@testable import MeanField

@Suite("Activation catalogue")
struct ActivationTests {
    @Test("every family parses from its name and prints canonically with every parameter",
          arguments: Activation.Family.allCases)
    func canonicalSpec(family: Activation.Family) throws {
        let a = try Activation(spec: family.rawValue)
        #expect(a.family == family)
        #expect(try Activation(spec: a.spec) == a, "canonical spec round-trips")
        for p in family.parameters { #expect(a.spec.contains("\(p.name)=")) }
    }

    @Test func specExamples() throws {
        #expect(try Activation(spec: "elu").spec == "elu:alpha=1")
        #expect(try Activation(spec: "elu:alpha=0.5").spec == "elu:alpha=0.5")
        #expect(try Activation(spec: "leaky_relu:slope=0.2").spec == "leaky_relu:slope=0.2")
        let selu = try Activation(spec: "selu:lambda=1.05,alpha=1.6")
        #expect(selu.parameter("lambda") == 1.05 && selu.parameter("alpha") == 1.6)
        #expect(try Activation(spec: "selu").parameter("lambda") == selfNormalizingLambda01)
        #expect(try Activation(spec: "relu").spec == "relu")
    }

    @Test(arguments: [
        ("foo", ActivationError.unknownActivation(name: "foo")),
        ("elu:beta=1", .unknownParameter(activation: "elu", name: "beta", known: ["alpha"])),
        ("relu:slope=1", .unknownParameter(activation: "relu", name: "slope", known: [])),
        ("elu:alpha=0", .parameterOutOfDomain(name: "alpha", value: 0, domain: "alpha > 0")),
        ("elu:alpha=-1", .parameterOutOfDomain(name: "alpha", value: -1, domain: "alpha > 0")),
        ("selu:lambda=-2", .parameterOutOfDomain(name: "lambda", value: -2, domain: "lambda > 0")),
        ("elu:alpha=x", .malformedParameterValue(name: "alpha", text: "x")),
        ("elu:alpha", .malformedSpec(spec: "elu:alpha")),
        ("elu:alpha=1,alpha=2", .malformedSpec(spec: "elu:alpha=1,alpha=2")),
    ])
    func badSpecs(spec: String, expected: ActivationError) {
        #expect(throws: expected) { try Activation(spec: spec) }
    }

    @Test(arguments: ["elu:alpha=nan", "elu:alpha=inf", "leaky_relu:slope=-inf", "celu:alpha=nan"])
    func nonFiniteParametersAreRejected(spec: String) {
        #expect(throws: ActivationError.self) { try Activation(spec: spec) }
    }

    @Test func kinksAndSmoothness() {
        // elu is C¹ at 0 only for alpha = 1 (left derivative alpha·e⁰ = alpha, right 1); celu is C¹
        // for every alpha (left derivative e^(0/alpha) = 1); relu, leaky_relu, selu are C⁰.
        #expect(activation("elu").kinks == [Kink(location: 0, smoothness: .c1, derivativeJump: 0)])
        #expect(activation("elu:alpha=2").kinks == [Kink(location: 0, smoothness: .c0, derivativeJump: -1)])
        #expect(activation("celu:alpha=0.3").kinks.map(\.smoothness) == [.c1])
        #expect(activation("relu").kinks == [Kink(location: 0, smoothness: .c0, derivativeJump: 1)])
        #expect(activation("leaky_relu:slope=0.2").kinks.first?.derivativeJump == 0.8)
        #expect(activation("leaky_relu:slope=1").kinks.isEmpty)
        let selu = activation("selu")
        #expect(selu.kinks.first!.derivativeJump == selfNormalizingLambda01 - selfNormalizingLambda01 * selfNormalizingAlpha01)
        for name in ["linear", "gelu", "silu", "softplus", "tanh", "erf", "sigmoid"] {
            #expect(activation(name).kinks.isEmpty && activation(name).smoothness == "C∞")
        }
    }

    /// Derivatives against central differences away from kinks (h = 1e-5: error ~h² f''').
    @Test("derivatives match finite differences", arguments: Activation.Family.allCases)
    func derivatives(family: Activation.Family) throws {
        let a = try Activation(family)
        for x in [-3.0, -0.7, -0.1, 0.2, 1.3, 4.0] {
            let h = 1e-5
            // Points within 2h of a kink (hardsigmoid's and hardswish's at −3) straddle it: skipped.
            if a.kinks.contains(where: { abs($0.location - x) < 2 * h }) { continue }
            let d1 = (a(x + h) - a(x - h)) / (2 * h)
            let d2 = (a.evaluate(x + h, .first) - a.evaluate(x - h, .first)) / (2 * h)
            expectClose(a.evaluate(x, .first), d1, Tolerance(relative: 1e-8, absolute: 1e-9, absoluteBelow: 1), "\(a) φ' at \(x)")
            expectClose(a.evaluate(x, .second), d2, Tolerance(relative: 1e-8, absolute: 1e-9, absoluteBelow: 1), "\(a) φ'' at \(x)")
        }
    }

    @Test func rightHandDerivativeAtKink() {
        #expect(activation("relu").evaluate(0, .first) == 1)
        #expect(activation("leaky_relu:slope=0.2").evaluate(0, .first) == 1)
        #expect(activation("elu:alpha=2").evaluate(0, .first) == 1)
        #expect(activation("elu:alpha=2").evaluate(0, .second) == 0)
    }
}
