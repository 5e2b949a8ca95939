import Foundation
import Testing

/// The shipped binary is a static executable (issue #15 item 4, Package.swift's `mfsimMain`): no
/// program interpreter (PT_INTERP) and no dynamic section (PT_DYNAMIC) in its ELF program headers,
/// so start-up pays no dynamic loader and no relocation of the Swift runtime's shared libraries.
/// A change that links it dynamically again (e.g. moving `main` back into the `mfsim` target) fails here.
@Suite struct StaticExecutableTests {
    @Test func theBinaryHasNoInterpreterAndNoDynamicSection() throws {
        let bytes = [UInt8](try Data(contentsOf: MFSimProcess.executable))
        try #require(bytes.count > 64 && bytes[0] == 0x7F && bytes[1] == 0x45 && bytes[2] == 0x4C && bytes[3] == 0x46)
        try #require(bytes[4] == 2 && bytes[5] == 1, "expected a 64-bit little-endian ELF file")
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * $1) } }
        func u64(_ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[o + $1]) << (8 * $1) } }
        let headerOffset = u64(32), headerSize = u16(54), headerCount = u16(56)
        try #require(headerCount > 0 && headerOffset + headerSize * headerCount <= bytes.count)
        let types = (0..<headerCount).map { u32(headerOffset + $0 * headerSize) }
        #expect(types.contains(1), "no PT_LOAD segment: not an executable")
        #expect(!types.contains(3), "PT_INTERP present: the binary is linked dynamically")
        #expect(!types.contains(2), "PT_DYNAMIC present: the binary is linked dynamically")
        // And it still runs.
        let version = try MFSimProcess.run(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
    }
}
