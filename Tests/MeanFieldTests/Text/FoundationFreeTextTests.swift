import Foundation
import Testing
@testable import MeanField

/// The library's Foundation-free text helpers (issue #15: start-up) give exactly what the
/// Foundation calls they replace gave, on every string of up to four scalars from a pool of
/// white space of every kind, line terminators, quotes, combining marks and non-BMP scalars.
@Suite struct FoundationFreeTextTests {
    static let pool: [String] = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2003}",
                                 "\u{2028}", "\u{2029}", "\u{200B}", "\u{3000}", "\u{FEFF}", "a", "\"", "\u{301}", "é", "😀", ","]

    /// Every concatenation of 0 … `length` pool entries.
    static func strings(upTo length: Int) -> [String] {
        var all = [""], level = [""]
        for _ in 0..<length {
            level = level.flatMap { prefix in pool.map { prefix + $0 } }
            all += level
        }
        return all
    }

    @Test func trimmingWhitespaceEqualsFoundation() {
        var mismatches: [String] = []
        for s in Self.strings(upTo: 4) where s.trimmingWhitespace() != s.trimmingCharacters(in: .whitespaces) {
            mismatches.append(s.debugDescription)
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(10))")
        // Substrings (what split(separator:) gives) as well.
        let line = " a ,\tb\u{A0}, \"c\" "
        for field in line.split(separator: ",") {
            #expect(field.trimmingWhitespace() == field.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Every scalar up to U+3100 and U+FEFF, alone and around a letter, for both trims.
    @Test func everyLowScalarTrimsAsFoundation() {
        var mismatches: [String] = []
        for value in Array(UInt32(0)...0x3100) + [0xFEFF, 0x1F600] {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let u = String(scalar)
            for s in [u, "a" + u, u + "a", "a" + u + u] {
                if s.trimmingWhitespace() != s.trimmingCharacters(in: .whitespaces) { mismatches.append("trim U+\(String(value, radix: 16))") }
                if s.trimmingTrailingRegexWhitespace() != s.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) {
                    mismatches.append("regex U+\(String(value, radix: 16))")
                }
            }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(10))")
    }

    @Test func trimmingQuotesEqualsFoundation() {
        let quote = CharacterSet(charactersIn: "\"")
        for s in Self.strings(upTo: 3) {
            #expect(s.trimmingScalars { $0 == "\"" } == s.trimmingCharacters(in: quote), "\(s.debugDescription)")
        }
    }

    @Test func trailingRegexWhitespaceEqualsFoundation() {
        var mismatches: [String] = []
        for s in Self.strings(upTo: 3) + Self.strings(upTo: 2).map({ "x  " + $0 + "  " })
        where s.trimmingTrailingRegexWhitespace() != s.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) {
            mismatches.append(s.debugDescription)
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(10))")
    }

    @Test func jsonEscapesEqualFoundationFormat() {
        for value in UInt32(0)..<0x80 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected: String
            switch scalar {
            case "\"": expected = "\\\""
            case "\\": expected = "\\\\"
            case "\n": expected = "\\n"
            case "\r": expected = "\\r"
            case "\t": expected = "\\t"
            case _ where value < 0x20: expected = String(format: "\\u%04x", value)
            default: expected = String(scalar)
            }
            #expect(Table.jsonString(String(scalar)) == "\"" + expected + "\"", "U+\(String(value, radix: 16))")
        }
    }

    @Test func lockSerializesConcurrentIncrements() {
        final class Counter: @unchecked Sendable { var value = 0; let lock = Lock() }
        let counter = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.lock.lock(); counter.value += 1; counter.lock.unlock() }
        }
        #expect(counter.value == 80_000)
    }
}
