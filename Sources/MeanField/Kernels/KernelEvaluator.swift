#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The one place that decides how the bivariate kernels `E[φ(u)φ(v)]` and `E[φ'(u)φ'(v)]` of an
/// activation are evaluated, for given variances — every recursion (NNGP/NTK two-input sweeps and
/// Gram matrices, the correlation map of signal propagation, the phase diagram's c*) asks here.
///
/// Routes, in order of preference, with their thresholds:
/// 0. **θ-series of a quadrature closed form**: the tilted-orthant forms of elu, selu, celu cost one
///    1D integral (a fixed graded 20-point rule, ~10–20 µs of CPU per pair). Where one variance will be queried at least
///    ``closedFormSeriesThreshold`` times (this call's interior correlations, or `expectedQueries` over a
///    sweep whose layers share q), a θ-Chebyshev series (``AngularKernels``) is built from those closed
///    forms at the tight tolerance ``closedFormSeriesTolerance`` (65–513 closed-form pairs), cached per
///    variance, and used for every value (~0.1 µs each); if it does not converge, route 1;
/// 1. **closed form** (``closedFormPair(_:variance1:covariance:variance2:)``): the arc-cosine
///    kernels (relu, leaky_relu, linear; [Cho & Saul 2009]), the arcsine kernels (erf;
///    [Williams 1997]), gelu's (neural-tangents' `stax.Gelu`, declining where its terms cancel) and
///    the tilted-orthant forms of elu, selu, celu (SPEC §8, for `k·min(√q1, √q2) ≥ 0.2`): five Φ₂ by
///    Drezner–Wesolowsky/Genz (``PiecewiseForm/exponentialKernelPair(variance1:covariance:variance2:smallTilts:)``,
///    ~1 µs, for |c| ≤ 1 − 1e-12 and k√q ≤ 4; above k√q = 4, up to 1000, five positive tilted-tail
///    integrals on tabulated Gauss rules, ``PiecewiseForm/exponentialKernelPairLargeTilt(s1:s2:correlation:)``),
///    below `k·min(√q1, √q2)` = 0.2 (up to k√q = 0.5) the power series of the exponential side
///    (`ExponentialSmallTiltKernels.swift`), else the tilted-orthant integrals
///    (``PiecewiseForm/exponentialBivariateExpectations(_:variance1:covariance:variance2:)``), for any
///    (q1, q12, q2); a Gram matrix's unequal pairs take the Φ₂ pair down to k√q = 0.001; the
///    piecewise polynomials (hardtanh, relu6, hardsigmoid, hardswish, softshrink and their affine
///    images) Mehler's series with closed-form Hermite coefficients at |ρ| ≤ 1/8, else (hardswish
///    with its central piece narrower than 1σ, q > 36) the split relu + compact remainder integrated
///    by fixed Gauss–Legendre rules (`PiecewisePolynomialConditionalKernels.swift`), else their Φ₂
///    rectangles, else the series where those decline (|ρ| ≤ 0.9; `PiecewisePolynomialKernelRoute.swift`);
/// 2. **certified Hermite series** (``DualKernel``) for smooth activations, per variance, when
///    its Parseval residual certifies 1e-13 (crossed between two variances for unequal pairs);
/// 3. **θ-Chebyshev series** (``AngularKernels``) at one variance, when at least
///    ``angularThreshold`` correlations will be asked there (this sweep, or the layers sharing q);
/// 4. **direct**: the exact 2D engine, one semi-closed or nested kink-aware quadrature per value —
///    for silu, softplus, mish, gelu_tanh and logsigmoid at q ≥ 1 the asymptote split
///    (``ReluAsymptoteKernels``: relu's arc-cosine kernel plus residual integrals on a fixed window),
///    for tanh and tanhshrink at q ≥ 1 the sign split (``SignAsymptoteKernels``: the arcsine kernel of
///    sgn plus residual integrals; tanhshrink from tanh by Stein's identity).
///
/// Route table (who asks, what they get; every threshold is a constant of this type or of the route's file):
/// ```
/// caller                                   entry point                       routes, in order
/// ntk two-input sweeps, network kernels    correlationKernels (one q, many c) 0 (exp. family, ≥ 512 queries) → 1 → 2 → 3 → 4
/// ntk --gram, equal-variance pairs          correlationKernels                 same
/// shape --c-map (φ̂ at q = 1, composed)      prepare (one q, c asked one by one) same, chosen once for the expected queries
/// c = −1 in correlationKernels              antipodalPair                      sameVariancePair, snapped to ∓ the diagonal
/// ntk --gram, unequal pairs                 UnequalPairKernels (unequalPairs)  Φ₂ pair down to k√q = 0.001 (exp. family) → 1 → crossed series 2 → 4
/// depth sweep, c*, phase diagram            CorrelationKernels → sameVariancePair / sameVarianceKernel
///                                                                              2 (per q) → 1 → asymptote splits → 2D engine
/// θ-series samples (AngularKernels)         pair                               1 → asymptote splits → 2D engine
/// 1D moments: length-map search, χ₁, ξ_q    secondMomentSearch, moment         Gauss–Hermite (calibrated range) → exact engine
/// ```
/// Outside this type no code picks among closed form, series and quadrature: ``CorrelationKernels``
/// (Model B) holds only its variance's Hermite series and asks here for everything else. Removed by
/// issue #15 item 2: the depth sweep's own shared-pair route (`SignalPropagation.sharedKernelPair`, which
/// took the tilted-orthant integrals where this type takes the five-Φ₂ pair: 32-digit mpmath found the
/// Φ₂ pair as exact at the sweep's points, Tests/Generators/depth-sweep-pair), ``CorrelationKernels``'
/// own fallback to `Gaussian.expectation2D` (which knew neither the Φ₂ pair nor the asymptote splits),
/// and `SignalPropagation`'s private 1D-moment choices (now ``moment(_:_:variance:)``,
/// ``secondMomentSearch(_:)``).
///
/// [Cho & Saul 2009]: https://papers.nips.cc/paper/3628-kernel-methods-for-deep-learning
/// [Williams 1997]: https://papers.nips.cc/paper/1197-computing-with-infinite-networks
public enum KernelEvaluator {
    /// Above this many distinct correlations at one variance, the θ-Chebyshev series
    /// (~130–260 exact samples) is cheaper than direct evaluation (2 per c).
    static let angularThreshold = 64

    /// At or above this many queries at one variance, a θ-series built from a quadrature closed form
    /// (route 0: 65–513 closed-form pairs once, then ~0.1 µs per value) is cheaper than the closed form
    /// per value: the break-even is the sample count, whatever one pair costs.
    static let closedFormSeriesThreshold = 512

    /// The acceptance tolerance (relative to `E[φ²]`, `E[φ'²]`) of a θ-series built from closed-form
    /// samples. The samples are exact to a few ulps, so the series can be held to 4e-15 of the kernel's
    /// scale (against 1e-13 for quadrature samples): within SPEC §2's 1e-14 absolute for values below
    /// 1e-2 wherever `E_q[φ²]` ≲ 2.
    public static let closedFormSeriesTolerance = 4e-15

    /// Whether the activation's bivariate closed form is itself an adaptive 1D integral (the
    /// exponential family's tilted orthants) rather than a few elementary functions.
    static func closedFormIsQuadrature(_ activation: Activation) -> Bool {
        if let form = activation.piecewiseForm, case .exponential = form.negative { return true }
        return false
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` in closed form for `(u, v) ~ N(0, [[q1, q12], [q12, q2]])`,
    /// or nil where the activation has none (or it would not be accurate there).
    public static func closedFormPair(_ activation: Activation, variance1 q1: Double, covariance q12: Double,
                                      variance2 q2: Double) -> (kernel: Double, derivative: Double)? {
        guard q1 > 0, q2 > 0 else { return nil }
        if let form = activation.piecewiseForm, case .exponential = form.negative {
            // Five Φ₂ by Drezner–Wesolowsky inside its validated box (~1 µs), tilted-tail integrals above it
            // (k√q > 4, ~0.5 µs), else the tilted-orthant integrals.
            if let pair = form.exponentialKernelPair(variance1: q1, covariance: q12, variance2: q2, largeTilts: true) { return pair }
            // Below k·min(√q1, √q2) = 0.2 (up to k√q = 0.5): the power series of the exponential side (~1 µs;
            // ExponentialSmallTiltKernels.swift), where the forms above cancel and the 2D quadrature took ~1 ms.
            if let pair = form.exponentialSmallTiltKernelPair(variance1: q1, covariance: q12, variance2: q2) { return pair }
            return form.exponentialBivariateExpectations([(.value, .value), (.first, .first)], variance1: q1, covariance: q12,
                                                         variance2: q2).map { ($0[0], $0[1]) }
        }
        // Piecewise polynomials: Mehler's series at |ρ| ≤ 1/8, else (hardswish at q > 36) relu + a compact
        // remainder, else Φ₂ rectangles (both kernels from one set of orthants), else the series where those
        // decline (PiecewisePolynomialKernelRoute.swift).
        if activation.basePiecewisePolynomial != nil {
            return PiecewisePolynomialKernelRoute.pair(activation, variance1: q1, covariance: q12, variance2: q2)
        }
        // Arc-cosine kernels (relu, leaky_relu, linear): closedFormBivariate's first answer for them,
        // without building the activation's PiecewiseLinearFunction per call.
        if let form = activation.piecewiseForm, case .linear = form.negative,
           let kernel = form.bivariateExpectation(.value, .value, variance1: q1, covariance: q12, variance2: q2),
           let derivative = form.bivariateExpectation(.first, .first, variance1: q1, covariance: q12, variance2: q2) {
            return (kernel, derivative)
        }
        guard let kernel = activation.closedFormBivariate(.value, .value, variance1: q1, covariance: q12, variance2: q2),
              let derivative = activation.closedFormBivariate(.first, .first, variance1: q1, covariance: q12, variance2: q2)
        else { return nil }
        return (kernel, derivative)
    }

    /// Whether ``closedFormPair(_:variance1:covariance:variance2:)`` serves these variances.
    static func hasClosedForm(_ activation: Activation, variance1 q1: Double, variance2 q2: Double) -> Bool {
        closedFormPair(activation, variance1: q1, covariance: 0, variance2: q2) != nil
    }

    /// Whether a bivariate closed form makes the certified Hermite series unnecessary at q: yes for the
    /// arcsine (erf) and trigonometric (sin) forms; not for gelu's, whose terms cancel near c = −1 at
    /// large q and which gives no cancellation-free deficit K(1) − K(c) (``DualKernel/kernelDeficit(_:)``):
    /// ``CorrelationKernels`` (depth sweeps, c*, the phase diagram) keeps gelu's series.
    static func closedFormReplacesSeries(_ activation: Activation, variance q: Double) -> Bool {
        activation.family != .gelu && hasClosedForm(activation, variance1: q, variance2: q)
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for one covariance: the closed form where there is one, else
    /// the exact 2D engine (`strategy: .quadrature` forces nested quadrature throughout).
    public static func pair(_ activation: Activation, variance1 q1: Double, covariance q12: Double, variance2 q2: Double,
                            strategy: Gaussian.Strategy = .automatic) -> (Double, Double) {
        if strategy == .automatic, let both = closedFormOrSplit(activation, variance1: q1, covariance: q12, variance2: q2) {
            return both
        }
        // softsign at every variance: polar coordinates, a fixed radial rule per call (SoftsignKernels).
        if strategy == .automatic, let polar = SoftsignKernels.pair(activation, variance1: q1, covariance: q12, variance2: q2) {
            return polar
        }
        return (Gaussian.expectation2D(.value, .value, activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy).value,
                Gaussian.expectation2D(.first, .first, activation, variance1: q1, covariance: q12, variance2: q2, strategy: strategy).value)
    }

    /// Both kernels from the routes that compute them together: the closed form
    /// (``closedFormPair(_:variance1:covariance:variance2:)``), else the asymptote splits for smooth
    /// activations at q ≥ 1; nil where neither applies (the exact 2D engine then takes each kernel).
    static func closedFormOrSplit(_ activation: Activation, variance1 q1: Double, covariance q12: Double,
                                  variance2 q2: Double) -> (Double, Double)? {
        if let closed = closedFormPair(activation, variance1: q1, covariance: q12, variance2: q2) { return closed }
        // Smooth activations with a relu asymptote at q ≥ 1: asymptote in closed form + residual integrals.
        if let split = ReluAsymptoteKernels.pair(activation, variance1: q1, covariance: q12, variance2: q2) { return split }
        // tanh and tanhshrink at q ≥ 1: tanh's sign asymptote in closed form (arcsine) + residual integrals.
        if let split = SignAsymptoteKernels.pair(activation, variance1: q1, covariance: q12, variance2: q2) { return split }
        return nil
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for u, v of variance q > 0 and correlation c < 1, as
    /// ``pair(_:variance1:covariance:variance2:strategy:)`` but at c = −1 (u = −v) the closed form or
    /// else the 1D integral on one mesh (exactly −E[φ²] for an odd φ, which keeps c = −1 a fixed point
    /// of the correlation map), not an asymptote split: ``CorrelationKernels``' route past its series.
    static func sameVariancePair(_ activation: Activation, variance q: Double, correlation c: Double) -> (kernel: Double, derivative: Double) {
        if c == -1 {
            return closedFormPair(activation, variance1: q, covariance: -q, variance2: q)
                ?? (Gaussian.expectation2D(.value, .value, activation, variance1: q, covariance: -q, variance2: q).value,
                    Gaussian.expectation2D(.first, .first, activation, variance1: q, covariance: -q, variance2: q).value)
        }
        return pair(activation, variance1: q, covariance: c * q, variance2: q)
    }

    /// One kernel of ``sameVariancePair(_:variance:correlation:)`` (`.value`: E[φφ], `.first`: E[φ'φ']):
    /// the same route, but where that is the exact 2D engine only the kernel asked is integrated.
    static func sameVarianceKernel(_ order: DerivativeOrder, _ activation: Activation, variance q: Double, correlation c: Double) -> Double {
        let both = c == -1 ? closedFormPair(activation, variance1: q, covariance: -q, variance2: q)
                           : closedFormOrSplit(activation, variance1: q, covariance: c * q, variance2: q)
        if let both { return order == .value ? both.0 : both.1 }
        return Gaussian.expectation2D(order, order, activation, variance1: q, covariance: c * q, variance2: q).value
    }

    /// The certified Hermite series at variance q for a smooth activation without a closed form
    /// (nil otherwise, or when 800 terms do not certify 1e-13).
    static func hermiteSeries(_ activation: Activation, variance q: Double, secondMoment: Double, slopeSquared: Double) -> DualKernel? {
        guard activation.kinks.isEmpty, q > 0, !closedFormReplacesSeries(activation, variance: q) else { return nil }
        return DualKernel(activation, variance: q, relativeTolerance: 1e-13, secondMoment: secondMoment, slopeSquared: slopeSquared)
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for u, v of variance q at each correlation in `correlations`,
    /// by the fastest exact route (``KernelRoute``); c = 1 gives exactly the 1D moments
    /// `(E_q[φ²], E_q[φ'²])` that the length map uses, so a trajectory with c0 = 1 keeps
    /// `Σ₁₂ = Σ₁₁` and `Θ₁₂ = Θ₁₁` bit for bit.
    ///
    /// `cache` keeps the θ-Chebyshev series per variance: a sweep whose q_l has converged (or is
    /// constant, as at σw² = 1/E₁[φ²], σb² = 0, q0 = 1) builds it once; `expectedQueries` is how
    /// many correlations will be asked at this variance over the whole sweep. `interpolate: false` and
    /// `strategy: .quadrature` force the direct and the nested-quadrature evaluation (cross-checks;
    /// a closed form is always taken under `.automatic`).
    static func correlationKernels(_ activation: Activation, variance q: Double, correlations: [Double],
                                   diagonal: (second: Double, slopeSquared: Double),
                                   cache: inout AngularCache, interpolate: Bool = true, expectedQueries: Int? = nil,
                                   strategy: Gaussian.Strategy = .automatic) -> (values: [(Double, Double)], route: KernelRoute) {
        let interiorCount = correlations.reduce(0) { $0 + ($1 == 1 ? 0 : 1) }
        let prepared = prepare(activation, variance: q, interiorCount: interiorCount, diagonal: diagonal, cache: &cache,
                               interpolate: interpolate, expectedQueries: expectedQueries, strategy: strategy)
        let antipodal = strategy == .automatic && correlations.contains(-1)
            ? antipodalPair(activation, variance: q, diagonal: diagonal) : nil
        // The cheap routes evaluate every entry; c = 1 is always the diagonal's two 1D moments, c = −1 the
        // antipodal pair.
        func each(_ kernels: (Double) -> (Double, Double)) -> [(Double, Double)] {
            correlations.map { c in c == 1 ? (diagonal.second, diagonal.slopeSquared) : (c == -1 ? antipodal ?? kernels(c) : kernels(c)) }
        }
        guard prepared.isCostly else { return (each(prepared.interior), prepared.route) }
        // Distinct interior correlations, on every core when the work pays for waking a worker (~10–20 µs a
        // dispatch): the first value is timed, and the rest go serially when they would take < 50 µs. A value
        // costs from ~1 µs (the exponential family's Φ₂ pair: W3's 20 a layer ran 10 % faster serially) to
        // ~1 ms (the 2D engine). Only where the values are computed depends on the clock, never what they are.
        let interior = Array(Set(correlations.filter { $0 != 1 && !($0 == -1 && antipodal != nil) })).sorted()
        let values = adaptiveMap(interior, serialBelow: .microseconds(50), prepared.interior)
        let lookup = Dictionary(uniqueKeysWithValues: zip(interior, values))
        return (each { lookup[$0] ?? prepared.interior($0) }, prepared.route)
    }

    /// `(E[φ(u)φ(−u)], E[φ'(u)φ'(−u)])` at variance q (c = −1) by ``sameVariancePair(_:variance:correlation:)``,
    /// each snapped to ∓ its diagonal moment (`E_q[φ²]`, `E_q[φ'²]`) when within 16 ulps of it:
    /// ```
    /// φ odd:  E[φ(u)φ(−u)] = −E[φ²],   E[φ'(u)φ'(−u)] = E[φ'²]      (φ even: the signs swap)
    /// ```
    /// so that two antipodal inputs of an odd φ stay antipodal bit for bit at σb² = 0 (Σ₁₂ = −Σ₁₁ at every
    /// layer), as identical ones stay identical. Without it the routes' ulps of disagreement with the
    /// diagonal (an asymptote split's, a closed form written differently from its diagonal) are amplified
    /// in the chaotic phase, where c = −1 repels: tanh at σw² = k from q0 = 3 reached c₂₀₀ = −0.73 (erf's
    /// arcsine slope kernel and its diagonal differ by more than 4 ulps there). A kernel within 16 ulps of −E[φ²]
    /// forces the even part of φ below √(32 ulp)·‖φ‖ ≈ 8e-8‖φ‖, and the snap moves it by at most 16 ulps
    /// (3.6e-15 relative).
    static func antipodalPair(_ activation: Activation, variance q: Double,
                              diagonal: (second: Double, slopeSquared: Double)) -> (Double, Double) {
        let (kernel, derivative) = sameVariancePair(activation, variance: max(q, Double.leastNormalMagnitude), correlation: -1)
        func snapped(_ x: Double, _ moment: Double) -> Double {
            for target in [-moment, moment] where abs(x - target) <= 16 * target.magnitude.ulp { return target }
            return x
        }
        return (snapped(kernel, diagonal.second), snapped(derivative, diagonal.slopeSquared))
    }

    /// The route of ``correlationKernels(_:variance:correlations:diagonal:cache:interpolate:expectedQueries:strategy:)``
    /// at one variance, chosen once for `interiorCount` correlations c ≠ 1 now (and `expectedQueries` over
    /// the caller's whole run), with what it needs built (its series): `interior(c)` is then
    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` at any c < 1, on any thread.
    static func prepare(_ activation: Activation, variance q: Double, interiorCount: Int,
                        diagonal: (second: Double, slopeSquared: Double), cache: inout AngularCache,
                        interpolate: Bool = true, expectedQueries: Int? = nil,
                        strategy: Gaussian.Strategy = .automatic) -> PreparedKernels {
        // q = 0 (an underflowed, dying signal): both inputs sit at 0; the q → 0⁺ limit, as elsewhere.
        let q = max(q, Double.leastNormalMagnitude)
        func cheap(_ route: KernelRoute, _ kernels: @escaping @Sendable (Double) -> (Double, Double)) -> PreparedKernels {
            PreparedKernels(route: route, isCostly: false, interior: kernels)
        }
        func costly(_ route: KernelRoute, _ kernels: @escaping @Sendable (Double) -> (Double, Double)) -> PreparedKernels {
            PreparedKernels(route: route, isCostly: true, interior: kernels)
        }
        if strategy == .automatic, hasClosedForm(activation, variance1: q, variance2: q) {
            // Route 0: a variance queried often enough gets a θ-series of its (quadrature) closed form.
            if interpolate, interiorCount > 0, closedFormIsQuadrature(activation), q < cache.failedFrom,
               max(interiorCount, expectedQueries ?? 0) >= closedFormSeriesThreshold {
                if let angular = cache.series[q] ?? AngularKernels(activation, variance: q, tolerance: closedFormSeriesTolerance) {
                    cache.series[q] = angular
                    return cheap(.angularChebyshev) { c in (angular.kernel(c), angular.derivativeKernel(c)) }
                }
                cache.failedFrom = q
            }
            return costly(.closedForm) { c in pair(activation, variance1: q, covariance: c * q, variance2: q) }
        }
        if strategy == .automatic, interiorCount > 0,
           let dual = hermiteSeries(activation, variance: q, secondMoment: diagonal.second, slopeSquared: diagonal.slopeSquared) {
            return cheap(.hermiteSeries) { c in
                // c = −1 (u = −v) is a 1D integral (an odd φ's −E[φ²]).
                c == -1 ? sameVariancePair(activation, variance: q, correlation: -1) : (dual.kernel(c), dual.derivativeKernel(c))
            }
        }
        // Worth building when this variance will be queried often enough: here, or over all the
        // layers that share it (`expectedQueries`, e.g. 19 correlations × 200 layers at a constant q).
        let wantsSeries = strategy == .automatic && interpolate && interiorCount > 0
            && max(interiorCount, expectedQueries ?? 0) >= angularThreshold && q < cache.failedFrom
        if wantsSeries, let angular = cache.series[q] ?? AngularKernels(activation, variance: q) {
            cache.series[q] = angular
            return cheap(.angularChebyshev) { c in (angular.kernel(c), angular.derivativeKernel(c)) }
        }
        // A series that failed at this q will fail at larger q too (the needed degree grows like √q).
        if wantsSeries { cache.failedFrom = q }
        // Direct: one exact 2D expectation pair per distinct correlation, on every core.
        return costly(.direct) { c in pair(activation, variance1: q, covariance: c * q, variance2: q, strategy: strategy) }
    }

    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` for pairs of unequal variances `(q1, q12, q2)` by
    /// ``UnequalPairKernels`` (built for the pairs' variances), on every core.
    static func unequalPairs(_ activation: Activation, _ pairs: [(q1: Double, q12: Double, q2: Double)],
                             diagonal: [Double: (second: Double, slopeSquared: Double)],
                             strategy: Gaussian.Strategy = .automatic) -> [(Double, Double)] {
        let variances = pairs.isEmpty ? [] : Array(Set(pairs.flatMap { [$0.q1, $0.q2] })).sorted()
        let kernels = UnequalPairKernels(activation, variances: variances, diagonal: diagonal, strategy: strategy)
        let block = kernels.pairsPerTask(of: pairs.count)
        let starts = Array(stride(from: 0, to: pairs.count, by: block))
        let blocks = concurrentMap(starts) { start in
            (start..<min(start + block, pairs.count)).map { kernels(variance1: pairs[$0].q1, covariance: pairs[$0].q12, variance2: pairs[$0].q2) }
        }
        var values: [(Double, Double)] = []
        values.reserveCapacity(pairs.count)
        for b in blocks { values += b }
        return values
    }

    /// Pairs per concurrent task in ``unequalPairs(_:_:diagonal:strategy:)``.
    static let unequalPairsBlock = 256
}

/// One variance's kernel route, chosen and built by ``KernelEvaluator/prepare(_:variance:interiorCount:diagonal:cache:interpolate:expectedQueries:strategy:)``.
struct PreparedKernels: Sendable {
    /// Which route `interior` is.
    let route: KernelRoute
    /// Whether a value costs microseconds or more (closed form, 2D engine: worth spreading distinct
    /// correlations over the cores) rather than a series evaluation.
    let isCostly: Bool
    /// `(E[φ(u)φ(v)], E[φ'(u)φ'(v)])` at a correlation c < 1.
    let interior: @Sendable (Double) -> (Double, Double)
}
