#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import MeanField

/// ``tableExp(_:)`` (the exponential family's Φ₂ loops' inlined `exp`) against mpmath's correctly rounded
/// values (Tests/Generators/table-exponential/make_exp_table.py), against glibc's `exp` over millions of
/// random arguments in the ranges the Drezner–Wesolowsky and Genz integrands use, and at the edges.
@Suite("Table-driven exp (the Φ₂ pair's inlined exponential)")
struct TableExponentialTests {
    /// A deterministic stream of doubles in [0, 1) (64-bit LCG), so failures reproduce.
    struct Stream {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// |a − b| in units of the last place of b (b's ulp; the least subnormal for 0 and subnormals).
    static func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / max(b.ulp, Double.leastNonzeroMagnitude)
    }

    @Test("within 1 ulp of mpmath's correctly rounded exp, at the edges and over [-745, 709]")
    func againstMpmath() {
        var worst = 0.0
        for (x, reference) in TableExponentialReferences.values {
            let value = tableExp(x)
            #expect(Self.ulps(value, reference) <= 1, "exp(\(x)): \(value) against \(reference)")
            worst = max(worst, Self.ulps(value, reference))
        }
        #expect(worst <= 1)
    }

    @Test("against glibc's exp: at most 1 ulp apart over 4 million random arguments, rarely apart at all")
    func againstGlibc() {
        var stream = Stream(state: 20261202)
        // The ranges used: Drezner–Wesolowsky exponents (≤ 0, mostly within [-60, 0]), Genz's (down to
        // -745), the large-tilt pair's positive tilts, and tiny arguments near the 2⁻⁵⁴ switch.
        let ranges: [(Double, Double)] = [(-60, 0), (-745.2, 0), (-1, 1), (0, 709.7)]
        var worst = 0.0, differing = 0, total = 0
        for (low, high) in ranges {
            for _ in 0..<1_000_000 {
                let x = low + (high - low) * stream.next()
                let u = Self.ulps(tableExp(x), exp(x))
                worst = max(worst, u)
                if u > 0 { differing += 1 }
                total += 1
            }
        }
        for _ in 0..<200_000 {
            let x = (stream.next() - 0.5) * 0x1p-50 * exp2(-20 * stream.next())
            let u = Self.ulps(tableExp(x), exp(x))
            worst = max(worst, u)
            if u > 0 { differing += 1 }
            total += 1
        }
        #expect(worst <= 1, "worst \(worst) ulp")
        // glibc's __exp_fma is the same algorithm with fused multiply-adds: the two round apart
        // only where the result lies within ~0.01 ulp of a rounding boundary.
        #expect(Double(differing) < 0.01 * Double(total), "\(differing) of \(total) differ")
    }

    @Test("glibc's own exp outside 2⁻⁵⁴ ≤ |x| < 512 and for non-finite arguments")
    func edges() {
        let edges: [Double] = [0, -0.0, 0x1p-55, -0x1p-55, 0x1p-54, -0x1p-54, 511.99999999999994, 512, -512,
                               -700, -708.39, -708.4, -745.13, -745.14, -746, -1e300, 709.78, 709.79, 710, 1e300,
                               .infinity, -.infinity, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude]
        for x in edges {
            #expect(tableExp(x) == exp(x), "exp(\(x)): \(tableExp(x)) against glibc's \(exp(x))")
        }
        #expect(tableExp(.nan).isNaN)
        #expect(tableExp(0) == 1)
        #expect(tableExp(-.infinity) == 0)
        #expect(tableExp(.infinity) == .infinity)
        // The table's entries are 2^(j/128) to within 1 ulp (j = 0 ..< 128).
        for j in 0..<128 {
            let x = Double(j) / 128 * 0.693147180559945309417232121458
            #expect(Self.ulps(tableExp(x), exp(x)) <= 1)
        }
    }

    @Test("the two-lane tableExp is bit for bit the scalar one, in range and across the fallbacks")
    func twoLanes() {
        var stream = Stream(state: 99)
        let specials: [Double] = [0, 0x1p-60, -700, -745.5, 600, .infinity, -.infinity, .nan]
        for k in 0..<400_000 {
            var a = -800 + 1500 * stream.next(), b = -60 * stream.next()
            if k % 97 == 0 { a = specials[(k / 97) % specials.count] }
            if k % 89 == 0 { b = specials[(k / 89) % specials.count] }
            let pair = tableExp(SIMD2(a, b))
            #expect(pair[0].bitPattern == tableExp(a).bitPattern || (pair[0].isNaN && a.isNaN))
            #expect(pair[1].bitPattern == tableExp(b).bitPattern || (pair[1].isNaN && b.isNaN))
        }
    }
}
