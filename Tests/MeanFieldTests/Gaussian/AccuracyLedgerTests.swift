import Foundation
import Testing
@testable import MeanField

/// Issue #13, defect 7: the quadratures' own error estimates and convergence flags reach the
/// result (``AccuracyLedger``), and the library refuses an input kernel that is not a covariance.
@Suite("Accuracy ledger and input-kernel checks")
struct AccuracyLedgerTests {
    @Test func quadraturesRecordTheirErrorEstimates() {
        // softplus has no closed-form moments: its quadrature must be recorded.
        let e = activation("softplus")
        let (value, accuracy) = AccuracyLedger.recording {
            Gaussian.expectation(of: .secondMoment, e, variance: 0.3)
        }
        #expect(value.method == .quadrature)
        #expect(accuracy.quadratures == 1 && accuracy.unconverged == 0)
        // SPEC §2's scale: estimate / max(|value|, 1e-2).
        #expect(accuracy.largestRelativeError == value.errorEstimate / max(abs(value.value), 1e-2))
        #expect(accuracy.largestRelativeError <= AccuracyLedger.tolerance && !accuracy.isOutOfTolerance)
        #expect(accuracy.varianceRange == 0.3...0.3 && !accuracy.leftValidatedRange)
    }

    @Test func closedFormsRecordNothingAndNothingIsRecordedUnbound() {
        let (_, accuracy) = AccuracyLedger.recording {
            Gaussian.expectation(of: .secondMoment, activation("relu"), variance: 1e8)
        }
        #expect(accuracy.quadratures == 0 && accuracy.varianceRange == nil && accuracy.largestRelativeError == 0)
        #expect(AccuracyLedger.current == nil)
    }

    @Test func anUnconvergedQuadratureIsCounted() {
        // A jump integrated with a budget of two panels cannot meet 1e-13.
        let (result, accuracy) = AccuracyLedger.recording {
            AdaptiveQuadrature.integrate({ $0 < 0.3 ? 0 : 1 }, mesh: [0, 1], maximumPanels: 2)
        }
        #expect(!result.converged)
        #expect(accuracy.unconverged == 1 && accuracy.isOutOfTolerance)
        #expect(accuracy.worstUnconverged?.value == result.value)
    }

    /// A warning names the unconverged quadrature, not the one with the largest estimate when that
    /// one converged (issue #13 defect 7: "an unconverged value warns naming it").
    @Test func theUnconvergedQuadratureIsNamedNotTheLargestEstimate() {
        let (_, accuracy) = AccuracyLedger.recording {
            AccuracyLedger.about("unconverged", variance: 1) {
                AccuracyLedger.current?.record(Expectation(value: 2, errorEstimate: 1e-12, evaluations: 10, method: .quadrature, converged: false))
            }
            AccuracyLedger.about("converged", variance: 3) {
                AccuracyLedger.current?.record(Expectation(value: 1, errorEstimate: 1e-9, evaluations: 10, method: .quadrature, converged: true))
            }
        }
        #expect(accuracy.unconverged == 1 && accuracy.quadratures == 2)
        #expect(accuracy.worst?.value == 1 && accuracy.worstSubject?.activation == "converged")
        #expect(accuracy.worstUnconverged?.value == 2 && accuracy.worstUnconverged?.errorEstimate == 1e-12)
        #expect(accuracy.worstUnconvergedSubject?.activation == "unconverged" && accuracy.worstUnconvergedSubject?.variance == 1)
    }

    @Test func workerThreadsRecordIntoTheCallersLedger() {
        let a = activation("softplus")
        let (_, accuracy) = AccuracyLedger.recording {
            concurrentMap([0.1, 1, 2e4, 3]) { q in Gaussian.expectation(of: .secondMoment, a, variance: q).value }
        }
        #expect(accuracy.quadratures == 4)
        #expect(accuracy.varianceRange == 0.1...2e4 && accuracy.leftValidatedRange)
    }

    @Test func firstUnvalidatedLayerFindsWhereTheLengthMapLeavesTheRange() {
        let silu = activation("silu")
        let w = GaussianWeights(sigmaW2: Slopes.initializationGain(silu).weightVarianceFactor, sigmaB2: 0.108)
        let stop = NeuralTangents.firstUnvalidatedLayer(silu, inputVariances: [1], weights: w, layers: 200)
        // q_34 is the first variance above 1e4 (q_33 < 1e4): layer 35 is the first it drives.
        var q = 1.0
        for _ in 0..<34 { #expect(q <= 1e4); q = SignalPropagation.lengthMap(silu, variance: q, weights: w) }
        #expect(q > 1e4)
        #expect(stop?.layer == 35 && stop?.variance == q)
        // relu has closed-form kernels at every variance: it never stops.
        #expect(NeuralTangents.firstUnvalidatedLayer(activation("relu"), inputVariances: [1], weights: GaussianWeights(sigmaW2: 3, sigmaB2: 0),
                                                     layers: 200) == nil)
    }

    static let indefinite: [Double] = [1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1]

    @Test func gramRefusesAKernelThatIsNotACovariance() {
        let a = activation("relu"), w = GaussianWeights(sigmaW2: 2, sigmaB2: 0)
        #expect(throws: KernelError.self) { try NeuralTangents.gram(a, inputKernel: Self.indefinite, count: 3, weights: w, layers: 2) }
        #expect(throws: KernelError.self) { try NeuralTangents.gram(a, inputKernel: [1, 0.5, 0.5, 1], count: 2, weights: w, layers: 0) }
        #expect(throws: KernelError.self) { try NeuralTangents.gram(a, inputKernel: [1, 0.5, 0.5], count: 2, weights: w, layers: 1) }
    }

    @Test func simulationRefusesAKernelThatIsNotACovariance() {
        let settings = SimulationSettings(width: 8, layers: 2, trials: 2, seed: 1)
        #expect(throws: KernelError.self) {
            try Simulation.gaussianBatch(activation("tanh"), inputKernel: Self.indefinite, count: 3,
                                         weights: GaussianWeights(sigmaW2: 1, sigmaB2: 0), settings: settings)
        }
    }
}
