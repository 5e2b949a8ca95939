/// A C-ordered array of `Double`s in NumPy's `.npy` format, version 1.0 ([NEP 1]), which
/// `numpy.load` reads as a `float64` array of the given shape:
/// ```
/// "\x93NUMPY" 0x01 0x00  HEADER_LEN (uint16, little-endian)
/// "{'descr': '<f8', 'fortran_order': False, 'shape': (d0, d1, ...), }" + spaces + "\n"
/// the values, little-endian IEEE 754 binary64, last index fastest
/// ```
/// The header is padded so that the data starts at a multiple of 64 bytes (as NumPy ≥ 1.x writes it).
///
/// [NEP 1]: https://numpy.org/neps/nep-0001-npy-format.html
public struct NumPyArray: Sendable {
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The values, C order (row-major, last index fastest); `values.count` is the product of `shape`.
    public let values: [Double]

    /// An array of `shape` holding `values` in C order; nil if the counts disagree or a dimension is negative.
    public init?(shape: [Int], values: [Double]) {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else { return nil }
        self.shape = shape
        self.values = values
    }

    /// The header dictionary, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`
    /// (a 1-D shape is written `(n,)`, as Python spells a one-element tuple).
    public var headerDictionary: String {
        let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        return "{'descr': '<f8', 'fortran_order': False, 'shape': (\(dimensions)), }"
    }

    /// The whole file.
    public var bytes: [UInt8] {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        var header = Array(headerDictionary.utf8)
        // magic (8) + length (2) + header + "\n" padded to a multiple of 64.
        let unpadded = magic.count + 2 + header.count + 1
        header += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64)
        header.append(0x0A)
        var out = magic
        out.reserveCapacity(magic.count + 2 + header.count + 8 * values.count)
        out.append(UInt8(header.count & 0xFF))
        out.append(UInt8(header.count >> 8))
        out += header
        #if _endian(little)
        // The values' own bytes are already little-endian binary64.
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { out.append(contentsOf: $0) }
        }
        #endif
        return out
    }
}
