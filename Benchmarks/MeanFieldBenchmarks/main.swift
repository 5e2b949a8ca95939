// Performance figures for MeanField (not part of `swift test`): `make bench`.
// Prints expectations per second for 1D and 2D Gaussian expectations per activation, with the
// achieved error against closed forms, and the Model A solver and sweep timings. Record the
// output in docs/BENCHMARKS.md with the machine and the date.
import Foundation
import Glibc
import MeanField

let clock = ContinuousClock()

/// Runs `body` repeatedly for at least `minimum` seconds; returns seconds per call.
func measure(minimum: Double = 0.3, _ body: () -> Void) -> Double {
    body()   // warm-up
    var calls = 0
    let start = clock.now
    var elapsed = 0.0
    repeat {
        body()
        calls += 1
        let d = clock.now - start
        elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    } while elapsed < minimum
    return elapsed / Double(calls)
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func sci(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.1e", x) }
func rate(_ seconds: Double) -> String { String(format: "%.0f", 1 / seconds) }

// `MeanFieldBenchmarks pairs`: the cost of one exponential-family pair evaluation
// (E[φφ] and E[φ'φ'] together, q1 ≠ q2) over a grid of variances and correlations.
if CommandLine.arguments.contains("pairs") {
    for spec in ["elu", "selu", "celu:alpha=0.5"] {
        let a = try! Activation(spec: spec)
        var grid: [(Double, Double, Double)] = []
        for q1 in [0.3, 1.0, 5.0, 40.0, 190.0] {
            for q2 in [0.5, 2.0, 20.0, 150.0] {
                for i in 0..<21 { let c = -1 + 2 * Double(i) / 20; grid.append((q1, c * (q1 * q2).squareRoot(), q2)) }
            }
        }
        var sink = 0.0
        // Process CPU time (the machine is shared: wall time would measure the load).
        let rounds = 20
        let start = Glibc.clock()
        for _ in 0..<rounds {
            for (q1, q12, q2) in grid { let (k, d) = KernelEvaluator.pair(a, variance1: q1, covariance: q12, variance2: q2); sink += k + d }
        }
        let seconds = Double(Glibc.clock() - start) / Double(CLOCKS_PER_SEC)
        print(spec, "pairs", grid.count, String(format: "%.2f µs of CPU per pair", seconds / Double(rounds * grid.count) * 1e6), sink > 0 ? "" : " ")
    }
    exit(0)
}

// `MeanFieldBenchmarks angular`: the θ-series of the exponential family's closed forms (route 0 of
// KernelEvaluator): build cost, samples, and the largest deviation from the closed form on 2001 correlations.
if CommandLine.arguments.contains("angular") {
    for spec in ["elu", "selu", "celu:alpha=0.5", "elu:alpha=2"] {
        let a = try! Activation(spec: spec)
        for q in [0.05, 0.3, 1.0, 10.0, 100.0, 1000.0, 3000.0] {
            let start = clock.now
            let series = AngularKernels(a, variance: q, tolerance: KernelEvaluator.closedFormSeriesTolerance)
            let d = clock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            guard let series else { print(spec, q, "no series", String(format: "%.3f s", seconds)); continue }
            var worstK = 0.0, worstD = 0.0, worstKrel = 0.0
            let e2 = Gaussian.expectation(of: .secondMoment, a, variance: q).value
            let d2 = Gaussian.expectation(of: .slopeSquared, a, variance: q).value
            for i in 0...2000 {
                let c = -1 + 2 * Double(i) / 2000
                let (k, dk) = KernelEvaluator.pair(a, variance1: q, covariance: c * q, variance2: q)
                worstK = max(worstK, abs(series.kernel(c) - k) / e2)
                worstD = max(worstD, abs(series.derivativeKernel(c) - dk) / d2)
                if abs(k) >= 1e-2 { worstKrel = max(worstKrel, abs(series.kernel(c) - k) / abs(k)) }
            }
            print(spec, q, "samples", series.evaluations / 2, String(format: "%.4f s", seconds),
                  "maxdev/E[phi2]", sci(worstK), "maxdev/E[phi'2]", sci(worstD), "rel(|K|>=1e-2)", sci(worstKrel), "E[phi2]", e2)
        }
    }
    exit(0)
}

let specs = ["relu", "leaky_relu:slope=0.2", "elu", "selu", "celu:alpha=0.5", "gelu", "silu", "softplus", "tanh", "erf", "sigmoid"]
let activations = specs.map { try! Activation(spec: $0) }

print("# 1D: E[phi(m + sqrt(q) z)^2], q = 1, m = 0.3")
print(pad("activation", 22), pad("closed/s", 12), pad("quadrature/s", 14), pad("evals", 7), "|quad - closed|/closed")
for a in activations {
    let closed = Gaussian.expectation(of: .secondMoment, a, mean: 0.3, variance: 1)
    let quad = Gaussian.expectation(of: .secondMoment, a, mean: 0.3, variance: 1, strategy: .quadrature)
    let tClosed = closed.method == .closedForm
        ? measure { _ = Gaussian.expectation(of: .secondMoment, a, mean: 0.3, variance: 1) } : .nan
    let tQuad = measure { _ = Gaussian.expectation(of: .secondMoment, a, mean: 0.3, variance: 1, strategy: .quadrature) }
    let error = closed.method == .closedForm ? sci(abs(quad.value - closed.value) / abs(closed.value)) : "(no closed form)"
    print(pad(a.spec.count > 20 ? String(a.spec.prefix(20)) : a.spec, 22), pad(tClosed.isNaN ? "-" : rate(tClosed), 12),
          pad(rate(tQuad), 14), pad(String(quad.evaluations), 7), error)
}

print("\n# 2D: E[phi(u) phi(v)], q1 = q2 = 1, c = 0.5 and c = 0.999")
print("# automatic: closed form, or semi-closed (closed-form inner, one quadrature); nested: fully numerical")
print(pad("activation", 22), pad("c", 7), pad("automatic/s", 12), pad("(how)", 12), pad("nested/s", 10), pad("evals", 9), "|nested - automatic|/automatic")
for a in activations {
    for c in [0.5, 0.999] {
        let automatic = Gaussian.expectation2D(.value, .value, a, variance1: 1, covariance: c, variance2: 1)
        let quad = Gaussian.expectation2D(.value, .value, a, variance1: 1, covariance: c, variance2: 1, strategy: .quadrature)
        let tAutomatic = measure { _ = Gaussian.expectation2D(.value, .value, a, variance1: 1, covariance: c, variance2: 1) }
        let tQuad = measure(minimum: 0.2) { _ = Gaussian.expectation2D(.value, .value, a, variance1: 1, covariance: c, variance2: 1, strategy: .quadrature) }
        let how = automatic.method == .closedForm ? "closed" : (automatic.evaluations < quad.evaluations / 10 ? "semi-closed" : "nested")
        print(pad(a.spec.count > 20 ? String(a.spec.prefix(20)) : a.spec, 22), pad(String(c), 7), pad(rate(tAutomatic), 12), pad(how, 12),
              pad(rate(tQuad), 10), pad(String(quad.evaluations), 9), sci(abs(quad.value - automatic.value) / abs(automatic.value)))
    }
}

print("\n# Model A (in process)")
let tFixed = measure { _ = try! SelfNormalizing.snnFixedPoint() }
print("snnFixedPoint (0, 1):", String(format: "%.1f us", tFixed * 1e6))
let tSweep = measure {
    for spec in ["elu", "selu", "relu"] { _ = SelfNormalizing.depthSweep(try! Activation(spec: spec), from: MeanVariance(mean: 0, variance: 1), layers: 200) }
}
print("depth-sweep elu+selu+relu, 200 layers:", String(format: "%.1f us", tSweep * 1e6))
let tDomain = measure(minimum: 0.5) { _ = SelfNormalizing.domainCheck(activation: try! Activation(spec: "selu")) }
print("Theorem-1 domain check (11^4 grid + refinement):", String(format: "%.1f ms", tDomain * 1e3))

print("\n# Model B (in process)")
let critical = ["elu", "selu", "relu"].map { try! Activation(spec: $0) }
let tGaussian = measure {
    for a in critical {
        _ = SignalPropagation.depthSweep(a, q0: 1, c0: 0.5, weights: GaussianWeights(sigmaW2: Slopes.initializationGain(a).weightVarianceFactor, sigmaB2: 0), layers: 200)
    }
}
print("gaussian depth sweep elu+selu+relu, 200 layers (one core):", String(format: "%.1f ms", tGaussian * 1e3))
let tanhActivation = try! Activation(spec: "tanh")
let tEdge = measure { _ = try! SignalPropagation.edgeOfChaos(tanhActivation, sigmaB2: 0.04) }
print("edge of chaos, tanh, sigma_b2 = 0.04:", String(format: "%.2f ms", tEdge * 1e3))
let tDual = measure { _ = DualKernel(tanhActivation, variance: 1) }
let tDual3 = measure { _ = DualKernel(tanhActivation, variance: 3.5) }
print("tanh dual kernel build: q = 1", String(format: "%.0f us", tDual * 1e6), "; q = 3.5", String(format: "%.0f us", tDual3 * 1e6))
let grid = (0..<200).map { 0.5 + 3.5 * Double($0) / 199 }, biases = (0..<200).map { 0.5 * Double($0) / 199 }
let tPhase = measure(minimum: 0.1) { _ = try! SignalPropagation.phaseDiagram(tanhActivation, sigmaW2s: grid, sigmaB2s: biases) }
print("phase diagram tanh 200 x 200 (both cores):", String(format: "%.2f s", tPhase))

print("\n# NNGP/NTK (in process, both cores)")
do {
    let elu = try! Activation(spec: "elu")
    let c0s = (0..<201).map { -1 + 2 * Double($0) / 200 }
    let critical = GaussianWeights(sigmaW2: Slopes.initializationGain(elu).weightVarianceFactor, sigmaB2: 0)
    let baselineWeights = GaussianWeights(sigmaW2: 2, sigmaB2: 0.1)
    for (label, weights) in [("elu, sigma_w2 = k, sigma_b2 = 0 (the default)", critical), ("elu, sigma_w2 = 2, sigma_b2 = 0.1 (the NumPy baseline's)", baselineWeights)] {
        var fast = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 200)
        let tFast = measure(minimum: 0.5) { fast = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 200) }
        let start = Date()
        let exact = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 200, interpolate: false)
        let tExact = Date().timeIntervalSince(start)
        // Deviation on the kernel's scale: |Σ₁₂ − exact|/Σ₁₁, |Θ₁₂ − exact|/Θ₁₁ (and relative where |exact| ≥ 1e-2 Σ₁₁).
        var scaled = 0.0, relative = 0.0, everywhere = 0.0
        for (f, e) in zip(fast.rows, exact.rows) {
            scaled = max(scaled, abs(f.nngp12 - e.nngp12) / e.nngp11, abs(f.ntk12 - e.ntk12) / e.ntk11)
            for (a, b) in [(f.nngp11, e.nngp11), (f.nngp12, e.nngp12), (f.ntk11, e.ntk11), (f.ntk12, e.ntk12)] where a != b {
                everywhere = max(everywhere, abs(a - b) / abs(b))
            }
            if abs(e.nngp12) >= 1e-2 * e.nngp11 { relative = max(relative, abs(f.nngp12 / e.nngp12 - 1)) }
            if abs(e.ntk12) >= 1e-2 * e.ntk11 { relative = max(relative, abs(f.ntk12 / e.ntk12 - 1)) }
        }
        print(label + ": 201 c0 x 200 layers", String(format: "%.1f ms", tFast * 1e3), "routes", fast.routes.map(\.rawValue).sorted(),
              "| direct 2D per value", String(format: "%.2f s", tExact), "| max deviation", sci(scaled), "of the diagonal,", sci(relative), "relative (|value| >= 1e-2 diagonal),", sci(everywhere), "relative, all values")
    }
}
