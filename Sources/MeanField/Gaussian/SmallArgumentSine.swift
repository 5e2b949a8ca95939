#if canImport(Glibc)
import Glibc
#endif

/// `sin x` inlined into the Drezner–Wesolowsky loops of the exponential family's Φ₂ pair, within 1 ulp
/// for `|x| ≤ 2` (the nodes there are `θ = (arcsin ρ)(1 + xᵢ)/2`, |θ| ≤ arcsin 0.925 ≈ 1.18); elsewhere
/// glibc's `sin` itself.
///
/// fdlibm's kernels (`k_sin.c`, `k_cos.c`, Sun Microsystems 1993, as in musl and FreeBSD), whose
/// minimax polynomials on |y| ≤ π/4 are below 2⁻⁵⁸ of the value:
/// ```
/// sin y ≈ y + y³ (S₁ + y² (S₂ + … + y⁸ S₆))                          |y| ≤ π/4
/// cos(y + δ) ≈ w + (((1 − w) − y²/2) + (y² r(y²) − y δ)),  w = 1 − y²/2
/// sin x = cos(x − π/2)                                         π/4 < |x| ≤ 2
/// ```
/// with `x − π/2 = y + δ` from fdlibm's two-part π/2 (`pio2_1` has 33 bits, so `x − pio2_1` is exact by
/// Sterbenz's lemma on this range). No range reduction beyond one quarter turn is needed or done.
/// fdlibm bounds the error by 1 ulp; glibc's `sin` is correctly rounded in practice, and
/// SmallArgumentSineTests measure the difference (≤ 1 ulp) over millions of arguments.
@inline(__always)
func smallArgumentSine(_ x: Double) -> Double {
    let ax = abs(x)
    if ax <= 0x1.921fb54442d18p-1 {   // π/4
        if ax < 0x1p-27 { return x }   // sin x rounds to x
        let z = x * x, w = z * z
        let r = 8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04 + z * 2.75573137070700676789e-06)
            + z * w * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)
        return x + z * x * (-1.66666666666666324348e-01 + z * r)
    }
    guard ax <= 2 else { return sin(x) }
    // |x| − π/2 = y + δ (fdlibm's __rem_pio2 for one quarter turn).
    let pio2Head = 1.57079632673412561417e+00, pio2Tail = 6.07710050650619224932e-11
    let head = ax - pio2Head
    let y = head - pio2Tail
    let delta = (head - y) - pio2Tail
    let z = y * y, w = z * z
    let r = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03 + z * 2.48015872894767294178e-05))
        + w * w * (-2.75573143513906633035e-07 + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11))
    let hz = 0.5 * z
    let one = 1 - hz
    let cosine = one + (((1 - one) - hz) + (z * r - y * delta))
    return x < 0 ? -cosine : cosine
}

/// ``smallArgumentSine(_:)`` of two arguments at once, bit for bit the scalar function's values: the
/// same operations lane by lane when both arguments take the same branch (both |x| in [2⁻²⁷, π/4], or
/// both in (π/4, 2]), else the scalar function lane by lane.
@inline(__always)
func smallArgumentSine(_ x: SIMD2<Double>) -> SIMD2<Double> {
    typealias V = SIMD2<Double>
    let ax = unsafeBitCast(unsafeBitCast(x, to: SIMD2<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: V.self)
    let pio4: Double = 0x1.921fb54442d18p-1
    if all((ax .<= pio4) .& (ax .>= 0x1p-27)) {
        let s1: Double = -1.66666666666666324348e-01, s2: Double = 8.33333333332248946124e-03
        let s3: Double = -1.98412698298579493134e-04, s4: Double = 2.75573137070700676789e-06
        let s5: Double = -2.50507602534068634195e-08, s6: Double = 1.58969099521155010221e-10
        let z: V = x * x, w: V = z * z
        let inner: V = s3 + z * s4, outer: V = s5 + z * s6
        let r: V = s2 + z * inner + z * w * outer
        let v: V = z * x
        return x + v * (s1 + z * r)
    }
    guard all((ax .> pio4) .& (ax .<= 2)) else { return V(smallArgumentSine(x[0]), smallArgumentSine(x[1])) }
    let pio2Head: Double = 1.57079632673412561417e+00, pio2Tail: Double = 6.07710050650619224932e-11
    let c1: Double = 4.16666666666666019037e-02, c2: Double = -1.38888888888741095749e-03
    let c3: Double = 2.48015872894767294178e-05, c4: Double = -2.75573143513906633035e-07
    let c5: Double = 2.08757232129817482790e-09, c6: Double = -1.13596475577881948265e-11
    let head: V = ax - pio2Head
    let y: V = head - pio2Tail
    let delta: V = (head - y) - pio2Tail
    let z: V = y * y, w: V = z * z
    let low: V = c1 + z * (c2 + z * c3), high: V = c4 + z * (c5 + z * c6)
    let r: V = z * low + w * w * high
    let hz: V = 0.5 * z
    let one: V = 1 - hz
    let correction: V = ((1 - one) - hz) + (z * r - y * delta)
    let cosine: V = one + correction
    return cosine.replacing(with: -cosine, where: x .< 0)
}
