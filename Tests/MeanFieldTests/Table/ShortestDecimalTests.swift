import Testing
@testable import MeanField

/// ``appendShortestDecimal(_:to:)`` writes `formatNumber(x)`'s bytes (`Double.description` for finite
/// x) without building a `String`: checked over random bit patterns (every exponent, subnormals, both
/// signs), random values in the ranges tables hold, and the edge cases of the shortest-digits rules.
@Suite("Shortest decimal text")
struct ShortestDecimalTests {
    static func written(_ x: Double) -> String {
        var out: [UInt8] = []
        appendShortestDecimal(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func edgeCasesMatchDescription() {
        var cases: [Double] = [0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1e-5, 1e-4, 1e15, 1e16, 1e17,
                               9007199254740992, 9007199254740993, 123456789012345680, 6.256553999922627e-47,
                               .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .ulpOfOne,
                               .pi, -.pi, 5e-324, 2.2250738585072014e-308, 2.2250738585072009e-308, 1.7976931348623157e308]
        for e in -1074...1023 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            cases += [p, p.nextUp, p.nextDown, -p]
        }
        for e in -323...308 {
            if let p = Double("1e\(e)") { cases += [p, p.nextUp, p.nextDown, -p] }
        }
        for n in 0...2000 { cases.append(Double(n)); cases.append(Double(n) / 10) }
        for x in cases { #expect(Self.written(x) == x.description, "\(x.bitPattern)") }
    }

    @Test func nonFiniteAreFormatNumbersWords() {
        #expect(Self.written(.nan) == "nan")
        #expect(Self.written(-Double.nan) == "nan")
        #expect(Self.written(Double(nan: 5, signaling: true)) == "nan")
        #expect(Self.written(.infinity) == "inf")
        #expect(Self.written(-.infinity) == "-inf")
    }

    @Test func randomBitPatternsMatchDescription() {
        var generator = SplitMix64(seed: 0x5EED_DEC1_A1)
        var mismatches = 0
        for _ in 0..<400_000 {
            let x = Double(bitPattern: generator.next())
            guard x.isFinite else { continue }
            if Self.written(x) != x.description { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func randomTableValuesMatchDescription() {
        // Values as tables hold them: magnitudes 1e-12 … 1e6, results of arithmetic (full 17-digit mantissas).
        var generator = SplitMix64(seed: 42)
        var mismatches = 0
        for _ in 0..<200_000 {
            let u = Double(generator.next() >> 11) * 0x1p-53
            let x = (u < 0.5 ? -1.0 : 1.0) * Double.pow10(Int(generator.next() % 19) - 12) * (1 + u)
            if Self.written(x) != x.description { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// ``ShortestDecimalCache``: the bytes of a column of values drawn from a small pool (so slots hit,
    /// collide and are overwritten), with ±0, non-finite values and full-length texts mixed in, are the
    /// uncached bytes; a column index past the cache's columns is converted directly.
    @Test func cachedColumnsMatchDirectConversion() {
        var generator = SplitMix64(seed: 7)
        let pool: [Double] = (0..<80).map { _ in Double(bitPattern: generator.next() >> 2) } + [0.0, -0.0, .infinity, -.nan,
                              -2.2250738585072014e-308, 1.0, 1e-05, 0.1 + 0.2]
        let cache = ShortestDecimalCache(columns: 3)
        var cached: [UInt8] = [], direct: [UInt8] = []
        for _ in 0..<50_000 {
            let x = pool[Int(generator.next() % UInt64(pool.count))]
            let column = Int(generator.next() % 4)   // 3 is past the cache's columns
            cache.append(x, column: column, to: &cached)
            appendShortestDecimal(x, to: &direct)
            cached.append(0x2C)
            direct.append(0x2C)
        }
        #expect(cached == direct)
    }

    @Test func appendsAfterExistingBytes() {
        var out = Array("x=".utf8)
        appendShortestDecimal(0.5, to: &out)
        appendShortestDecimal(-2.5e-10, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x=0.5-2.5e-10")
    }
}

/// Reproducible test inputs: the library's SplitMix64 output function over a counter.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return Simulation.splitMix64(state)
    }
}

private extension Double {
    static func pow10(_ e: Int) -> Double { Double("1e\(e)") ?? 1 }
}
