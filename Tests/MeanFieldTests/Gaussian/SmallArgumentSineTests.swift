#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import MeanField

/// ``smallArgumentSine(_:)`` (the Drezner–Wesolowsky nodes' inlined `sin`) against mpmath's correctly
/// rounded values (Tests/Generators/table-exponential/make_exp_table.py sine) and against glibc's `sin`
/// over millions of random arguments in |x| ≤ 2 (the nodes lie in |θ| ≤ arcsin 0.925 ≈ 1.18).
@Suite("Small-argument sine (the Φ₂ pair's inlined sin)")
struct SmallArgumentSineTests {
    @Test("within 1 ulp of mpmath's correctly rounded sin, at the branch points and over [-2, 2]")
    func againstMpmath() {
        for (x, reference) in SmallArgumentSineReferences.values {
            let value = smallArgumentSine(x)
            #expect(TableExponentialTests.ulps(value, reference) <= 1, "sin(\(x)): \(value) against \(reference)")
        }
    }

    @Test("against glibc's sin: at most 1 ulp apart over 3 million random arguments in |x| ≤ 2")
    func againstGlibc() {
        var stream = TableExponentialTests.Stream(state: 20261203)
        var worst = 0.0, differing = 0, total = 0
        for (low, high) in [(-2.0, 2.0), (-1.19, 1.19), (0.7, 0.9)] {
            for _ in 0..<1_000_000 {
                let x = low + (high - low) * stream.next()
                let u = TableExponentialTests.ulps(smallArgumentSine(x), sin(x))
                worst = max(worst, u)
                if u > 0 { differing += 1 }
                total += 1
            }
        }
        #expect(worst <= 1, "worst \(worst) ulp")
        #expect(Double(differing) < 0.05 * Double(total), "\(differing) of \(total) differ")
    }

    @Test("odd, exact for tiny arguments, glibc's sin beyond |x| = 2")
    func edges() {
        var stream = TableExponentialTests.Stream(state: 7)
        for _ in 0..<10_000 {
            let x = 2 * stream.next()
            #expect(smallArgumentSine(-x) == -smallArgumentSine(x))
        }
        for x in [0.0, -0.0, 1e-300, 0x1p-28, -0x1p-28, Double.leastNonzeroMagnitude] {
            #expect(smallArgumentSine(x).bitPattern == x.bitPattern)
        }
        for x in [2.0000000000000004, 2.5, -3, 10, 1e10, .infinity, -.infinity] {
            let value = smallArgumentSine(x), glibc = sin(x)
            #expect(value == glibc || (value.isNaN && glibc.isNaN))
        }
        #expect(smallArgumentSine(.nan).isNaN)
    }

    @Test("the two-lane sine is bit for bit the scalar one, whichever branches the lanes take")
    func twoLanes() {
        var stream = TableExponentialTests.Stream(state: 11)
        for k in 0..<400_000 {
            // Mostly neighbouring arguments (as adjacent Drezner–Wesolowsky nodes are), some far apart,
            // some tiny or beyond 2.
            let a = -2.2 + 4.4 * stream.next()
            let b = k % 3 == 0 ? -2.2 + 4.4 * stream.next() : (k % 11 == 0 ? 1e-9 * stream.next() : a + 0.1 * (stream.next() - 0.5))
            let pair = smallArgumentSine(SIMD2(a, b))
            #expect(pair[0].bitPattern == smallArgumentSine(a).bitPattern)
            #expect(pair[1].bitPattern == smallArgumentSine(b).bitPattern)
        }
    }
}
