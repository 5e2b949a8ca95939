/// The kernel evaluator's route for the piecewise-polynomial families (hardtanh, relu6, hardsigmoid,
/// softshrink, hardswish, any affine transformation): `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for
/// `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`, ρ = q12/√(q1 q2):
/// ```
/// |ρ| ≤ 1/8    Mehler's series Σ ρⁿ aₙ bₙ (PiecewisePolynomialHermiteSeries), relatively accurate as ρ → 0
/// otherwise    the Φ₂ rectangles (PiecewiseLinearKernels, PiecewisePolynomialKernels: both kernels from
///              one set of orthants; an affine piecewise-linear φ̂ kernel by kernel)
/// hardswish              first, where a finite piece is narrower than 1σ (q > 36), and next,
///                        where the rectangles decline: PiecewisePolynomialConditionalKernels (relu + a
///                        compact remainder, fixed Gauss–Legendre rules over the remainder's support)
/// either one declines    the other (the series only for |ρ| ≤ 0.9), else nil (the 2D engine)
/// ```
/// The Φ₂ closed forms are a signed sum of O(1) orthant probabilities: as ρ → 0 the kernel of an odd
/// φ is O(ρ), and their rounding bound (~1e-15) exceeds both 1e-13 of the value and 1e-14 of the
/// scale, so they decline (issue #15 item 3: hardtanh at q = 10 with σw² = 12, chaotic, c_l → c* = 0,
/// took 1.2 M 2D quadratures in 40 layers, some unconverged). Between, where they are accepted by
/// their absolute floor, they are accurate only to 1e-14 of the scale (1e-10 relative at ρ = 1e-6,
/// hardtanh, q = 100); the series is relatively accurate there and cheaper (≤ 20 terms at |ρ| ≤ 1/8).
enum PiecewisePolynomialKernelRoute {
    /// At or below this |ρ| the series is tried first.
    static let seriesCorrelation = 0.125

    /// A piecewise polynomial of degree ≥ 2 with a finite piece narrower than this (in σ) goes to
    /// PiecewisePolynomialConditionalKernels before the Φ₂ rectangles.
    static let conditionalWidth = 1.0

    /// Above this |ρ| the series is not tried where the Φ₂ forms decline: its ``PiecewisePolynomialHermiteSeries/maximumTerms``
    /// do not meet its tail bound there (0.98¹²⁰⁰ ≈ 3e-11), and the attempt would only add cost (hardswish at q = 100,
    /// c* ≈ 0.98, before PiecewisePolynomialConditionalKernels answered there).
    static let fallbackCorrelation = 0.9

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` by the route above, or nil where none applies (|ρ| > 0.9 with
    /// the Φ₂ forms declining, a non-finite input): the caller then integrates.
    static func pair(_ activation: Activation, variance1 q1: Double, covariance q12: Double,
                     variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard q1 > 0, q2 > 0, q1.isFinite, q2.isFinite, q12.isFinite else { return nil }
        let small = abs(q12) <= seriesCorrelation * geometricMean(q1, q2)
        if small, let series = activation.piecewiseHermiteKernelPair(variance1: q1, covariance: q12, variance2: q2) {
            return series
        }
        // hardswish where the central cell is narrower than 1σ (q > 36): the Φ₂ rectangles integrate it
        // adaptively (q > 144, ~0.3 ms a pair) or decline near c = 1 (q = 100 at c* ≈ 0.98); the split
        // into relu + a compact remainder integrated by fixed rules is ~10× cheaper.
        let narrow = !small && activation.piecewisePolynomialHasNarrowPiece(narrowerThan: conditionalWidth, variance1: q1, variance2: q2)
        if narrow, let split = activation.piecewiseConditionalKernelPair(variance1: q1, covariance: q12, variance2: q2) {
            return split
        }
        if let both = activation.piecewiseKernelPair(variance1: q1, covariance: q12, variance2: q2) { return both }
        // hardswish where the rectangles decline at q ≤ 36.
        if !small, !narrow, let split = activation.piecewiseConditionalKernelPair(variance1: q1, covariance: q12, variance2: q2) {
            return split
        }
        // An affine piecewise-linear φ̂ (which piecewiseKernelPair leaves out): kernel by kernel.
        if activation.piecewiseLinear != nil, !activation.affine.isIdentity,
           let kernel = activation.closedFormBivariate(.value, .value, variance1: q1, covariance: q12, variance2: q2),
           let derivative = activation.closedFormBivariate(.first, .first, variance1: q1, covariance: q12, variance2: q2) {
            return (kernel, derivative)
        }
        guard !small, abs(q12) <= fallbackCorrelation * geometricMean(q1, q2) else { return nil }
        return activation.piecewiseHermiteKernelPair(variance1: q1, covariance: q12, variance2: q2)
    }
}
