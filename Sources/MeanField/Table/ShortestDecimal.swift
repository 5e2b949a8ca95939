/// The shortest round-trip decimal text of a `Double`, written straight into a byte buffer.
///
/// The text is `formatNumber(x)`'s, byte for byte: `nan`, `inf`, `-inf`, else `x.description` (the
/// shortest digits that read back as `x`, Steele–White/Grisu-style exponent rules: `1.0`, `0.001`,
/// `1e-05`, `6.256553999922627e-47`, `-0.0`):
///
/// ```
/// appendShortestDecimal(x, to: &out)  ≡  out.append(contentsOf: formatNumber(x).utf8)
/// ```
///
/// Why: `description` builds a `String` around the digits, a heap allocation for the 17–24 bytes most
/// results take, and that wrapping cost ~700 of the ~1000 instructions per number of a CSV table
/// (callgrind, `depth-sweep --model gaussian`: 5.2 M of its 24.4 M instructions were the CSV). The digits
/// come from the same standard-library routine either way: `swift_float64ToString` is the runtime's
/// exported entry point to `_Float64ToASCII`, the routine `description` calls (it is `@usableFromInline`
/// in the standard library, so its name and signature are ABI); here it writes into stack memory
/// filled with '0's, as `description`'s buffer is.
/// `ShortestDecimalTests` checks the bytes against `description` over millions of random bit patterns
/// and the edge cases (subnormals, powers of two and ten, integers near 2⁵³, ±0, the extremes).
@inline(__always)
func appendShortestDecimal(_ x: Double, to out: inout [UInt8]) {
    guard x.isFinite else {
        // "nan", "inf", "-inf" (formatNumber's words; the runtime's would print a NaN's payload).
        out.append(contentsOf: formatNumber(x).utf8)
        return
    }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: shortestDecimalCapacity) { buffer in
        guard let base = buffer.baseAddress else { return }
        // The routine writes only the significant digits and relies on the buffer's '0's for the padding
        // zeros of `0.0001…` and `1.0` (`description` passes it a buffer of 64 '0's, as here).
        buffer.initialize(repeating: 0x30)
        let count = Int(truncatingIfNeeded: swiftFloat64ToString(base, UInt(shortestDecimalCapacity), x, false))
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: min(count, shortestDecimalCapacity)))
    }
}

/// Bytes reserved for one number's text: the runtime needs at least 32 (a finite double's longest
/// text, `-2.2250738585072014e-308`, is 24).
private let shortestDecimalCapacity = 64

/// The standard library's `_float64ToStringImpl` (`swift_float64ToString`): writes the text of `value`
/// into `buffer` (at most `bufferLength` bytes, not NUL-terminated) and returns its length; `debug`
/// only changes how a NaN is written.
@_silgen_name("swift_float64ToString")
private func swiftFloat64ToString(_ buffer: UnsafeMutablePointer<UInt8>, _ bufferLength: UInt, _ value: Double,
                                  _ debug: Bool) -> UInt64
