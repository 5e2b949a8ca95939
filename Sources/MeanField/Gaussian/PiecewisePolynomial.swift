#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A function that is a polynomial of low degree between breakpoints `b₁ < … < bₙ` (hardtanh, relu6,
/// hardsigmoid, hardswish, softshrink): its Gaussian moments are closed forms in Φ and ϕ.
///
/// For `X = m + s Z ~ N(m, s²)` and a piece `P(x) = Σ aₖ xᵏ` on `[bₖ, bₖ₊₁]`, with `t = (b − m)/s`,
/// ```
/// E[P(X) 1{X ∈ [a, b]}] = Σⱼ cⱼ Mⱼ,        P(m + s z) = Σⱼ cⱼ zʲ
/// M₀ = Φ(t_b) − Φ(t_a)    M₁ = ϕ(t_a) − ϕ(t_b)    Mⱼ = (j−1) Mⱼ₋₂ + t_a^(j−1) ϕ(t_a) − t_b^(j−1) ϕ(t_b)
/// ```
/// (the truncated moments of the standard normal, by parts). Products `φ^(i) φ^(j)` are products of
/// the pieces. Each evaluation carries a running bound of its rounding error (the recursion and the
/// expansion can cancel when a piece sits far in a tail); ``expectation(_:_:mean:variance:)``
/// returns nil when that bound exceeds 1e-13 of the result, and the caller integrates instead.
struct PiecewisePolynomial: Sendable, Hashable {
    /// The breakpoints, increasing.
    let breakpoints: [Double]
    /// `breakpoints.count + 1` pieces, coefficients in ascending powers of x; piece k lives on
    /// `[b_k, b_{k+1})` (piece 0 on (−∞, b₁), the last on [bₙ, ∞)).
    let pieces: [[Double]]

    /// Pieces between equal breakpoints (softshrink with lambda = 0) are empty and dropped.
    init(breakpoints: [Double], pieces: [[Double]]) {
        var b: [Double] = [], p: [[Double]] = [pieces[0]]
        for (k, x) in breakpoints.enumerated() {
            if let last = b.last, last == x { p[p.count - 1] = pieces[k + 1]; continue }
            b.append(x)
            p.append(pieces[k + 1])
        }
        self.breakpoints = b
        self.pieces = p
    }

    /// `d/dx` of a coefficient list.
    static func derivative(_ c: [Double]) -> [Double] {
        c.count <= 1 ? [0] : (1..<c.count).map { Double($0) * c[$0] }
    }

    static func evaluate(_ c: [Double], _ x: Double) -> Double {
        c.reversed().reduce(0) { $0 * x + $1 }
    }

    /// The pieces of `φ^(order)`.
    func pieces(_ order: DerivativeOrder) -> [[Double]] {
        switch order {
        case .value: return pieces
        case .first: return pieces.map(Self.derivative)
        case .second: return pieces.map { Self.derivative(Self.derivative($0)) }
        }
    }

    /// The kinks: breakpoints where φ' (C0) or else φ'' (C1) differ between the two pieces.
    var kinks: [Kink] {
        breakpoints.enumerated().compactMap { k, b in
            let left = pieces[k], right = pieces[k + 1]
            let left1 = Self.evaluate(Self.derivative(left), b), right1 = Self.evaluate(Self.derivative(right), b)
            if left1 != right1 { return Kink(location: b, smoothness: .c0, derivativeJump: right1 - left1) }
            let left2 = Self.evaluate(Self.derivative(Self.derivative(left)), b)
            let right2 = Self.evaluate(Self.derivative(Self.derivative(right)), b)
            return left2 != right2 ? Kink(location: b, smoothness: .c1, derivativeJump: 0) : nil
        }
    }

    /// `P(φ'(X) = 0)`: the mass of the pieces whose derivative is identically 0.
    func deadFraction(mean m: Double, variance q: Double) -> Double {
        let derivatives = pieces(.first)
        var total = 0.0
        for (k, d) in derivatives.enumerated() where d.allSatisfy({ $0 == 0 }) {
            let a = k == 0 ? -Double.infinity : breakpoints[k - 1]
            let b = k == breakpoints.count ? Double.infinity : breakpoints[k]
            if q == 0 {
                if m >= a && m < b { total += 1 }
            } else {
                let s = q.squareRoot()
                total += Self.intervalProbability((a - m) / s, (b - m) / s).value
            }
        }
        return total
    }

    /// `P(t_a ≤ Z ≤ t_b)` from the smaller tails (no cancellation of two numbers near 1), with its
    /// rounding-error bound.
    static func intervalProbability(_ ta: Double, _ tb: Double) -> (value: Double, error: Double) {
        let u = 0.707106781186547524400844362105
        func tailError(_ t: Double, _ v: Double) -> Double { t.isFinite ? Double.ulpOfOne * (4 + t * t) * v : 0 }
        if ta >= 0 {
            let upperA = 0.5 * erfc(ta * u), upperB = 0.5 * erfc(tb * u)
            return (upperA - upperB, tailError(ta, upperA) + tailError(tb, upperB))
        }
        if tb <= 0 {
            let lowerB = 0.5 * erfc(-tb * u), lowerA = 0.5 * erfc(-ta * u)
            return (lowerB - lowerA, tailError(tb, lowerB) + tailError(ta, lowerA))
        }
        let lowerA = 0.5 * erfc(-ta * u), upperB = 0.5 * erfc(tb * u)
        return (1 - lowerA - upperB, 2 * Double.ulpOfOne + tailError(ta, lowerA) + tailError(tb, upperB))
    }

    /// `(Mⱼ, bound on |error of Mⱼ|)`, j = 0…degree, on `[t_a, t_b]`.
    static func truncatedMoments(_ ta: Double, _ tb: Double, degree: Int) -> [(value: Double, error: Double)] {
        let density = { (t: Double) -> Double in t.isFinite ? standardNormalDensity(t) : 0 }
        let da = density(ta), db = density(tb)
        // ϕ(t) = e^(−t²/2): relative error ~ε(2 + t²/2) from t² and exp.
        let ea = ta.isFinite ? Double.ulpOfOne * (3 + ta * ta) : 0, eb = tb.isFinite ? Double.ulpOfOne * (3 + tb * tb) : 0
        var moments: [(value: Double, error: Double)] = [intervalProbability(ta, tb)]
        if degree >= 1 { moments.append((da - db, ea * da + eb * db + Double.ulpOfOne * (da + db))) }
        if degree >= 2 {
            var powerA = ta.isFinite ? ta : 0, powerB = tb.isFinite ? tb : 0   // t^(j−1), j = 2
            for j in 2...degree {
                let termA = da == 0 ? 0 : powerA * da, termB = db == 0 ? 0 : powerB * db
                let value = Double(j - 1) * moments[j - 2].value + termA - termB
                let error = Double(j - 1) * moments[j - 2].error + abs(termA) * (ea + Double(j) * Double.ulpOfOne)
                    + abs(termB) * (eb + Double(j) * Double.ulpOfOne) + 2 * Double.ulpOfOne * abs(value)
                moments.append((value, error))
                powerA *= ta.isFinite ? ta : 0
                powerB *= tb.isFinite ? tb : 0
            }
        }
        return moments
    }

    /// Coefficients of `P(m + s z)` in z, and of the same expansion with every term in absolute
    /// value (for the error bound).
    static func shifted(_ c: [Double], mean m: Double, sd s: Double) -> (coefficients: [Double], magnitudes: [Double]) {
        var out = [Double](repeating: 0, count: c.count), mag = [Double](repeating: 0, count: c.count)
        for (k, a) in c.enumerated() where a != 0 {
            // a (m + s z)^k = a Σⱼ C(k, j) m^(k−j) s^j z^j
            var binomial = 1.0
            for j in 0...k {
                let term = a * binomial * pow(m, Double(k - j)) * pow(s, Double(j))
                out[j] += term
                mag[j] += abs(term)
                binomial = binomial * Double(k - j) / Double(j + 1)
            }
        }
        return (out, mag)
    }

    static func product(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: a.count + b.count - 1)
        for (i, x) in a.enumerated() where x != 0 { for (j, y) in b.enumerated() { out[i + j] += x * y } }
        return out
    }

    /// `E[φ^(i)(X) φ^(j)(X)]` (or `E[φ^(i)(X)]`), `X ~ N(m, q)`, q > 0, with its error bound.
    func expectationWithBound(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double) -> (value: Double, error: Double) {
        let s = q.squareRoot()
        let first = pieces(i), second = j.map { pieces($0) }
        var total = 0.0, error = 0.0
        for k in 0..<first.count {
            var poly = first[k]
            if let second { poly = Self.product(poly, second[k]) }
            if poly.allSatisfy({ $0 == 0 }) { continue }
            let a = k == 0 ? -Double.infinity : breakpoints[k - 1]
            let b = k == breakpoints.count ? Double.infinity : breakpoints[k]
            let ta = (a - m) / s, tb = (b - m) / s
            let (coefficients, magnitudes) = Self.shifted(poly, mean: m, sd: s)
            let moments = Self.truncatedMoments(ta, tb, degree: coefficients.count - 1)
            for (n, c) in coefficients.enumerated() where magnitudes[n] != 0 {
                let term = c * moments[n].value
                total += term
                error += abs(c) * moments[n].error + Double(4 * (coefficients.count + 1)) * Double.ulpOfOne * magnitudes[n] * abs(moments[n].value)
            }
        }
        return (total, error + Double.ulpOfOne * abs(total))
    }

    /// ``expectationWithBound(_:_:mean:variance:)`` when its bound is below 1e-13 of the value
    /// (or 1e-18 absolute), else nil.
    func expectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double) -> Double? {
        let r = expectationWithBound(i, j, mean: m, variance: q)
        guard r.value.isFinite, r.error <= max(1e-13 * abs(r.value), 1e-18) else { return nil }
        return r.value
    }
}
