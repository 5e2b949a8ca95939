#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension NeuralTangents {
    /// The first layer whose kernels would be evaluated by quadrature or series at a variance
    /// outside SPEC §2's validated range (``AccuracyLedger/validatedVariances``), with that variance;
    /// nil when every layer 1…`layers` stays inside it (or is served by a closed form there).
    ///
    /// Layer l is driven by the length map's `q_{l−1}` (Poole et al. 2016):
    /// ```
    /// q_0 = input variance,   q_l = σw² E_{q_{l−1}}[φ²] + σb²
    /// ```
    /// Every input variance in `inputVariances` is followed (for a Gram matrix, its smallest and
    /// largest diagonal entries are enough in practice). The walk stops at the first non-finite q
    /// (the recursion itself stops there). Outside the validated range the exact 2D engines are not
    /// certified and grow slow (silu at σb² = 0.108 reaches q ≈ 4e28 in 200 layers: minutes of
    /// quadrature); closed-form kernels (relu, erf, …) are exact at every variance and never stop.
    ///
    /// [Poole et al. 2016]: https://arxiv.org/abs/1606.05340
    public static func firstUnvalidatedLayer(_ activation: Activation, inputVariances: [Double], weights: GaussianWeights,
                                             layers: Int) -> (layer: Int, variance: Double)? {
        let bounds = AccuracyLedger.validatedVariances
        var first: (layer: Int, variance: Double)?
        for q0 in Set(inputVariances) {
            var q = q0
            for layer in 1...max(1, layers) {
                guard q.isFinite, layer < first?.layer ?? Int.max else { break }
                // hardswish's Φ₂/Stein closed form (PiecewisePolynomialKernels) still declines to
                // quadrature at many correlations for q ≳ 30, so it does not extend the range.
                let quadratic = activation.piecewiseLinear == nil && activation.transformedPiecewisePolynomial != nil
                if !bounds.contains(q),
                   quadratic || KernelEvaluator.closedFormPair(activation, variance1: q, covariance: 0, variance2: q) == nil {
                    first = (layer, q)
                    break
                }
                q = SignalPropagation.lengthMap(activation, variance: q, weights: weights)
            }
        }
        return first
    }
}
