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

/// The texts of recently written numbers, per column: a table repeats values down a column (`ntk`'s
/// diagonal entries are the same for every c0 of a layer, σw² and σb² for every row, c0 cycles through
/// its list), and copying the bytes of a value written before costs ~30 instructions where the
/// shortest-digits conversion costs ~500 — a third of a 200-layer `ntk`'s instructions went to it.
///
/// Each column has ``slots`` direct-mapped entries keyed by the value's bit pattern (so −0.0 and 0.0 are
/// different values, and a hit writes exactly the bytes ``appendShortestDecimal(_:to:)`` wrote); only
/// finite values are kept.
final class ShortestDecimalCache {
    /// Entries per column (a power of two: the hash keeps the top 5 bits).
    static let slots = 32
    /// Bytes per entry: a finite double's longest text is 24.
    private static let width = 32
    private let columns: Int
    // Raw storage, allocated once: the hit path is a compare and one copy (as arrays, bounds checks and
    // closure calls cost ~240 instructions a number, half of what the cache saves).
    private let bits: UnsafeMutablePointer<UInt64>
    private let lengths: UnsafeMutablePointer<UInt8>
    private let texts: UnsafeMutablePointer<UInt8>

    /// A cache for a table of `columns` columns (a cell beyond them is converted directly).
    init(columns: Int) {
        self.columns = max(columns, 1)
        let entries = self.columns * Self.slots
        bits = .allocate(capacity: entries)
        bits.initialize(repeating: 0, count: entries)
        lengths = .allocate(capacity: entries)
        lengths.initialize(repeating: 0, count: entries)   // 0: empty
        texts = .allocate(capacity: entries * Self.width)
        texts.initialize(repeating: 0, count: entries * Self.width)
    }

    deinit {
        bits.deallocate()
        lengths.deallocate()
        texts.deallocate()
    }

    /// Appends the shortest round-trip text of `x` (column `column`) to `out`, from the cache when this
    /// column's slot for `x` holds it.
    func append(_ x: Double, column: Int, to out: inout [UInt8]) {
        guard x.isFinite, column >= 0, column < columns else { return appendShortestDecimal(x, to: &out) }
        let pattern = x.bitPattern
        // Fibonacci hashing: the top 5 bits (32 slots) of the product mix every bit of the pattern.
        let slot = column &* Self.slots &+ Int(truncatingIfNeeded: (pattern &* 0x9E37_79B9_7F4A_7C15) >> 59)
        let text = texts + slot &* Self.width
        let length = Int(lengths[slot])
        if length > 0, bits[slot] == pattern {
            out.append(contentsOf: UnsafeBufferPointer(start: text, count: length))
            return
        }
        let start = out.count
        appendShortestDecimal(x, to: &out)
        let written = out.count - start
        guard written <= Self.width else { return }
        bits[slot] = pattern
        lengths[slot] = UInt8(written)
        out.withUnsafeBufferPointer { o in
            if let base = o.baseAddress { text.update(from: base + start, count: written) }
        }
    }
}
