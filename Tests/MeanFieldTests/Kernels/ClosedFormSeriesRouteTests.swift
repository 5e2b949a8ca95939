import Testing
@testable import MeanField

/// Route 0 of ``KernelEvaluator``: a variance queried at least `closedFormSeriesThreshold` times
/// takes a θ-Chebyshev series of the exponential family's (quadrature) closed form instead of one
/// closed form per value; fewer queries, or a series that does not converge, keep the closed form.
@Suite struct ClosedFormSeriesRouteTests {
    /// The workload shape (critical elu, q stays 1, 201 correlations): the θ-series route,
    /// against the closed form per value (`interpolate: false`) through 6 layers — within 2e-14 of the
    /// kernel's scale, and within SPEC §2's 1e-14 absolute where the value is below 1e-2.
    @Test(arguments: ["elu", "selu", "celu:alpha=0.5"])
    func manyCorrelationsAtOneVarianceTakeTheSeries(spec: String) {
        let a = activation(spec)
        let weights = GaussianWeights(sigmaW2: Slopes.initializationGain(a).weightVarianceFactor, sigmaB2: 0)
        let c0s = (0..<201).map { -1 + 2 * Double($0) / 200 }
        let fast = NeuralTangents.twoInputs(a, q0: 1, c0s: c0s, weights: weights, layers: 6)
        let closed = NeuralTangents.twoInputs(a, q0: 1, c0s: c0s, weights: weights, layers: 6, interpolate: false)
        #expect(fast.routes == [.angularChebyshev] && closed.routes == [.closedForm], "\(spec) \(fast.routes) \(closed.routes)")
        NeuralTangentsTests.expectRowsClose(fast.rows, closed.rows, relative: 2e-14, spec)
        for (f, c) in zip(fast.rows, closed.rows) {
            if abs(c.nngp12) < 1e-2 { expectClose(f.nngp12, c.nngp12, .absolute(1e-14), "\(spec) nngp12 layer \(c.layer) c0 \(c.c0)") }
            if abs(c.ntk12) < 1e-2 { expectClose(f.ntk12, c.ntk12, .absolute(1e-14), "\(spec) ntk12 layer \(c.layer) c0 \(c.c0)") }
        }
    }

    /// The threshold counts the queries over the whole sweep: 10 correlations × 8 layers at one
    /// variance stay below it (the closed form), 10 × 60 reach it (one series, built once).
    @Test func thresholdCountsQueriesOverTheSweep() {
        let elu = activation("elu")
        let weights = GaussianWeights(sigmaW2: Slopes.initializationGain(elu).weightVarianceFactor, sigmaB2: 0)
        let c0s = (0..<10).map { -0.9 + 0.2 * Double($0) }
        #expect(10 * 8 < KernelEvaluator.closedFormSeriesThreshold && 10 * 60 >= KernelEvaluator.closedFormSeriesThreshold)
        let few = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 8)
        let many = NeuralTangents.twoInputs(elu, q0: 1, c0s: c0s, weights: weights, layers: 60)
        #expect(few.routes == [.closedForm] && many.routes == [.angularChebyshev])
        NeuralTangentsTests.expectRowsClose(Array(many.rows.prefix(few.rows.count)), few.rows, relative: 2e-14, "elu")
    }

    /// Where the tight series does not converge (selu at q = 10: its φ' jumps, and 1024 intervals do
    /// not reach 4e-15), the evaluator falls back to the closed form and remembers the failure.
    @Test func unconvergedSeriesFallsBackToTheClosedForm() {
        let selu = activation("selu")
        let q = 10.0
        let correlations = (0..<600).map { -1 + 2 * Double($0) / 599 }
        let diagonal = NeuralTangents.diagonalMoments(selu, variance: q, strategy: .automatic)
        var cache = AngularCache()
        let result = KernelEvaluator.correlationKernels(selu, variance: q, correlations: correlations, diagonal: diagonal, cache: &cache)
        #expect(result.route == .closedForm && cache.failedFrom == q && cache.series.isEmpty)
        for (c, value) in zip(correlations, result.values) where c != 1 {
            let exact = KernelEvaluator.pair(selu, variance1: q, covariance: c * q, variance2: q)
            #expect(value.0 == exact.0 && value.1 == exact.1)
        }
    }
}
