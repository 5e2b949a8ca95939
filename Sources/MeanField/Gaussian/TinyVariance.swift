/// Gaussian moments of the piecewise linear families at tiny and subnormal variances.
///
/// relu, leaky_relu and linear are positively homogeneous: `φ(s x) = s φ(x)` and `φ'(s x) = φ'(x)`
/// for s > 0. With `X = s Y`, `Y ~ N(m/s, q/s²)`,
/// ```
/// E[φ^(i)(X) φ^(j)(X)] = s^d · E[φ^(i)(Y) φ^(j)(Y)],   d = [i = 0] + [j = 0]
/// ```
/// so a moment at a variance whose square root or squares fall near or into the subnormal range
/// (q = 5e-324: the closed form's halving `q·P₊ = q/2` rounds to 0, so linear's E[X²] came out 0
/// instead of 5e-324) is computed at a normal scale and multiplied back by `s^d`, s a power of two:
/// every step but the last multiplication is exact, and that one rounds the result once, so the
/// moment is as exact as double precision can hold it.
extension PiecewiseForm {
    /// Below this size of max(|m|, √q) the moments (~m², q, m√q) come within 2^22 of the smallest
    /// normal number and are computed at a rescaled variance.
    static let tinyScale = 0x1p-500

    /// The power of two s with `max(|m|, √q)/s` in [1, 2), when that size is below ``tinyScale``
    /// (and the negative side is linear, so that φ is homogeneous); nil otherwise.
    static func homogeneousRescaling(mean m: Double, variance q: Double) -> Double? {
        let size = max(abs(m), q.squareRoot())
        guard size > 0, size < tinyScale, size.isFinite else { return nil }
        return Double(sign: .plus, exponent: size.exponent, significand: 1)
    }

    /// `E[φ^(i)(X) φ^(j)(X)]` by homogeneity at `(m/s, q/s²)`, times `s^d`; nil when no rescaling
    /// applies (an exponential side, or a scale that is not tiny).
    func rescaledExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double) -> Double? {
        guard case .linear = negative, let s = Self.homogeneousRescaling(mean: m, variance: q) else { return nil }
        // Divisions by a power of two that make numbers larger: exact.
        let mean = m / s, variance = q / s / s
        let value = j == nil ? singleExpectation(i, mean: mean, variance: variance) : expectation(i, j, mean: mean, variance: variance)
        let degree = (i == .value ? 1 : 0) + (j == .value ? 1 : 0)
        // value·s is normal (s ≥ 2^-538); only the last multiplication can round.
        var result = value
        for _ in 0..<degree { result *= s }
        return result
    }
}

extension Gaussian {
    /// The power of two σ ≈ √q by which values are divided at a variance q below 2^-1000, where
    /// products of two values (~q) come within 2^22 of the subnormal range; nil at larger q.
    static func tinyValueScale(variance q: Double) -> Double? {
        guard q > 0, q < 0x1p-1000 else { return nil }
        return Double(sign: .plus, exponent: q.squareRoot().exponent, significand: 1)
    }

    /// `E[φ^(i)(X) φ^(j)(X)] / σ^d`, d the number of value factors (derivatives are not divided),
    /// for σ from ``tinyValueScale(variance:)``: the moment at a normal scale, from which both the
    /// moment itself (times σ^d, one rounding) and ratios such as `q/E_q[φ²]` are exact.
    ///
    /// ```
    /// positively homogeneous φ:   E[φ^(i)(X) φ^(j)(X)] / σ^d = E[φ^(i)(Y) φ^(j)(Y)],  Y ~ N(m/σ, q/σ²)
    /// any other φ:                quadrature of Π (φ^(k)(x) / σ^[k = 0])   (each factor ~ φ'(m)·z)
    /// ```
    /// nil when a value factor is not small at the mean (|φ(m)| > 2^64 σ: dividing it by σ could
    /// overflow, and its products do not underflow anyway).
    static func scaledExpectation(of moment: Moment, _ activation: Activation, mean m: Double, variance q: Double,
                                  scale σ: Double) -> Expectation? {
        if activation.isPositivelyHomogeneous {
            return expectation(of: moment, activation, mean: m / σ, variance: q / σ / σ)
        }
        let factors = [moment.first] + (moment.second.map { [$0] } ?? [])
        guard factors.contains(.value) else { return nil }
        guard abs(activation.evaluate(m, .value)) <= 0x1p64 * σ else { return nil }
        let inverse = 1 / σ   // a power of two: exact, and so is every division by σ below
        let f = activation.kinkedFunction(moment)
        let g = KinkedFunction(kinks: f.kinks, featureScale: f.featureScale, featureCentre: f.featureCentre) { [activation] x in
            var product = 1.0
            for order in factors { product *= order == .value ? activation.evaluate(x, order) * inverse : activation.evaluate(x, order) }
            return product
        }
        AccuracyLedger.current?.recordVariance(q)
        return AccuracyLedger.about(activation.spec, variance: q) { expectation(g, mean: m, variance: q) }
    }

    /// `E[φ^(i) φ^(j)]` at a variance below 2^-1000 from ``scaledExpectation(of:_:mean:variance:scale:)``
    /// times σ^d (the last multiplication rounds once); nil where no rescaling applies.
    static func tinyVarianceExpectation(of moment: Moment, _ activation: Activation, mean m: Double, variance q: Double) -> Expectation? {
        guard let σ = tinyValueScale(variance: q),
              let scaled = scaledExpectation(of: moment, activation, mean: m, variance: q, scale: σ) else { return nil }
        let degree = ([moment.first] + (moment.second.map { [$0] } ?? [])).filter { $0 == .value }.count
        var value = scaled.value, error = scaled.errorEstimate
        for _ in 0..<degree { value *= σ; error *= σ }
        return Expectation(value: value, errorEstimate: error, evaluations: scaled.evaluations, method: scaled.method, converged: scaled.converged)
    }
}
