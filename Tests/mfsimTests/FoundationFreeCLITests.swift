import Foundation
import Testing
@testable import mfsim

/// The command line's Foundation-free helpers (issue #15: start-up) give exactly what the
/// Foundation calls they replace gave: NSString path arithmetic, String(format:) numbers and
/// FileManager errors' localizedDescription.
@Suite struct FoundationFreeCLITests {
    /// Every path of up to four pieces without `//`. swift-corelibs-foundation traps (it does
    /// not throw) on one-character names (`a`, `a/`, `.`), on some repeated slashes (`.//`,
    /// `ab//é`) and non-ASCII names (`é`); those are checked against their expected values.
    /// The product (MeanField and mfsim) imports full Foundation only as the fallback of
    /// `#if canImport(FoundationEssentials)`: one bare `import Foundation` links libFoundation and
    /// ICU into the binary again (two merged files did, until this test), and start-up doubles.
    @Test func noSourceImportsFullFoundation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var offenders: [String] = []
        for target in ["Sources/MeanField", "Sources/mfsim"] {
            let dir = root.appendingPathComponent(target)
            let files = try #require(FileManager.default.enumerator(atPath: dir.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
            #expect(files.count > 10)
            for file in files {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                for (index, line) in lines.enumerated() where line == "import Foundation" {
                    // Allowed only as the #else branch of the FoundationEssentials guard.
                    if !(index >= 3 && lines[index - 1] == "#else" && lines[index - 3] == "#if canImport(FoundationEssentials)") {
                        offenders.append("\(target)/\(file):\(index + 1)")
                    }
                }
            }
        }
        #expect(offenders.isEmpty, "bare import Foundation: \(offenders)")
    }

    @Test func pathNamesEqualNSString() {
        let pieces = ["/", "ab", "..", ".x", "d e", "x.csv"]
        var paths: [String] = [], level = [""]
        for _ in 0..<4 {
            level = level.flatMap { p in pieces.map { p + $0 } }
            paths += level.filter { !$0.contains("//") }
        }
        var mismatches: [String] = []
        for path in paths {
            let ns = path as NSString
            if PathNames.lastComponent(path) != ns.lastPathComponent { mismatches.append("last \(path.debugDescription)") }
            if PathNames.parent(path) != ns.deletingLastPathComponent { mismatches.append("parent \(path.debugDescription)") }
            for link in ["", "x", "x/", "/x", "../y", "ab//c"] where PathNames.appending(path, link) != ns.appendingPathComponent(link) {
                mismatches.append("\(path.debugDescription) + \(link.debugDescription)")
            }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(10))")
        #expect(PathNames.lastComponent("a") == "a" && PathNames.parent("a") == "")
        #expect(PathNames.lastComponent("a/") == "a" && PathNames.parent("a/") == "")
        #expect(PathNames.parent("x/a") == "x" && PathNames.parent("/a") == "/")
        #expect(PathNames.lastComponent(".//") == "." && PathNames.parent(".//") == "")
        #expect(PathNames.lastComponent("ab//é") == "é" && PathNames.parent("ab//é") == "ab")
        #expect(PathNames.lastComponent("/tmp//x.csv") == "x.csv" && PathNames.parent("/tmp//x.csv") == "/tmp")
        #expect(PathNames.appending("", "x") == "x" && PathNames.appending("/", "x") == "/x" && PathNames.appending("a", "/x") == "a//x")
    }

    /// `%.1f` (the memory-budget message) and other conversions on ±0, subnormals, the extremes,
    /// halfway cases and 20000 pseudo-random bit patterns.
    @Test func cFormatEqualsStringFormat() {
        var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.05, 0.15, 0.25, 0.35, 0.45,
                                1.05, 2.5, 9.95, 1e22, 1e23, 4.294967296, Double(Int.max) / 1e9, .infinity, -.infinity, .nan]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state)
            if x.isFinite { values.append(x) }
            values.append(Double(state >> 11) / 1e9)   // like Double(bytes) / 1e9
        }
        var mismatches: [String] = []
        for x in values {
            for format in ["%.1f GB", "%.17g", "%e", "%.3f"] where cFormat(format, x) != String(format: format, x) {
                mismatches.append("\(format) \(x)")
            }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(10))")
        #expect(MemoryBudget.describe(5_000_000_000) == "5.0 GB")
        #expect(cFormat("%.2f|%5.1f", 1.005, 2.25) == String(format: "%.2f|%5.1f", 1.005, 2.25))
    }

    @Test func fileErrorTextEqualsLocalizedDescription() {
        for code in 0...5000 {
            let error = CocoaError(CocoaError.Code(rawValue: code))
            #expect(fileErrorText(error) == error.localizedDescription, "code \(code)")
        }
        // What createDirectory really throws, with its user info.
        for path in ["/proc/mfsim-foundation-free/sub", "/dev/null/sub"] {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                Issue.record("\(path) was created")
            } catch {
                #expect(fileErrorText(error) == error.localizedDescription)
            }
        }
    }

    /// `-o b`: a one-character output name (the NSString path code trapped on it).
    @Test func oneCharacterOutputName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mfsim-one-char-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try MFSimProcess.run(["fixedpoint", "-o", "b"], in: folder)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let written = try String(contentsOf: folder.appendingPathComponent("b"), encoding: .utf8)
        let stdout = try MFSimProcess.run(["fixedpoint"])
        #expect(written == stdout.stdout && !written.isEmpty)
    }
}
