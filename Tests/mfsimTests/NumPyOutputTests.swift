import Foundation
import Testing

/// `ntk --gram FILE --format npy`: the Gram matrices as a NumPy `.npy` array (format 1.0, `<f8`,
/// C order, shape (layers reported, 2, N, N)), parsed here byte by byte.
@Suite struct NumPyOutputTests {
    /// The header, and every value bit for bit equal to the CSV table's (which prints shortest
    /// round-trip decimals), for inputs of unequal norms, two reported layers.
    @Test(arguments: ["elu", "relu"])
    func gramAsNumPyMatchesTheTable(spec: String) throws {
        let dir = try temporaryDirectory()
        let vectors = dir.appendingPathComponent("x.csv")
        try "1,0.5,0\n-0.3,1.2,2\n0.8,-0.9,0.1\n0.2,0.2,-1.5\n".write(to: vectors, atomically: true, encoding: .utf8)
        let npy = dir.appendingPathComponent("k.npy")
        let common = ["ntk", "--activation", spec, "--sigma-w2", "1.8", "--sigma-b2", "0.1", "--layers", "4", "--every", "2", "--gram", vectors.path]
        let binary = try MFSimProcess.run(common + ["--format", "npy", "-o", npy.path])
        #expect(binary.status == 0 && binary.stderr.isEmpty, "\(binary.stderr)")
        let table = try MFSimProcess.run(common)
        #expect(table.status == 0)
        let bytes = [UInt8](try Data(contentsOf: npy))
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 4, 4), }") && header.hasSuffix(" \n"))
        let n = 4, data = Array(bytes[(10 + headerLength)...])
        #expect(data.count == 8 * 2 * 2 * n * n)
        func value(_ index: Int) -> Double {
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(data[8 * index + b]) << (8 * b) }
            return Double(bitPattern: bits)
        }
        let rows = csvRows(table.stdout)
        // The table prints the upper triangle i <= j; the array holds both halves, symmetric.
        #expect(rows.count == 2 * n * (n + 1) / 2)
        for row in rows {
            let r = Int(row["layer"]!)! / 2 - 1, i = Int(row["i"]!)!, j = Int(row["j"]!)!
            #expect(i <= j)
            for (a, b) in [(i, j), (j, i)] {
                #expect(value(((r * 2 + 0) * n + a) * n + b) == Double(row["nngp"]!)!, "nngp \(row)")
                #expect(value(((r * 2 + 1) * n + a) * n + b) == Double(row["ntk"]!)!, "ntk \(row)")
            }
        }
    }

    /// `--format npy` anywhere else is a usage error (exit 64) and writes no file.
    @Test(arguments: [
        ["ntk", "--activation", "elu", "--format", "npy"],
        ["ntk", "--format", "npy", "--gram", "GRAM"],
        ["ntk", "--activation", "elu", "--activation", "relu", "--format", "npy", "--gram", "GRAM"],
        ["ntk", "--activation", "elu", "--format", "npy", "--gram", "GRAM", "--columns", "nngp"],
        ["gain", "--format", "npy"],
    ])
    func npyElsewhereIsAUsageError(arguments: [String]) throws {
        let dir = try temporaryDirectory()
        let vectors = dir.appendingPathComponent("x.csv")
        try "1,0.5\n-0.3,1.2\n".write(to: vectors, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.npy")
        let result = try MFSimProcess.run(arguments.map { $0 == "GRAM" ? vectors.path : $0 } + ["-o", out.path])
        #expect(result.status == 64 && result.stderr.hasPrefix("mfsim: error: "), "\(result.status) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
