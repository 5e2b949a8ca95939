import Testing
@testable import MeanField

/// ``Table/csv()`` writes cells in place (issue #15: the per-row array of strings cost more than
/// W3's recursion outside its kernels): the bytes are those of the field-by-field rendering through
/// ``Table/plainText(_:)`` with RFC 4180 quoting, for every kind of cell.
@Suite("CSV writer")
struct CSVWriterTests {
    /// The previous writer: every cell through `plainText`, quoted when it holds `,`, `"`, CR or LF.
    static func reference(_ table: Table) -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
            return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
        }
        var lines = [table.columns.map(field).joined(separator: ",")]
        for row in table.rows { lines.append(row.map { field(Table.plainText($0)) }.joined(separator: ",")) }
        return lines.map { $0 + "\r\n" }.joined()
    }

    @Test func sameBytesAsFieldByFieldRendering() {
        let numbers: [Double] = [0, -0.0, 1, -1.5, 0.1, 1e-300, 5e-324, 1.7976931348623157e308, .infinity, -.infinity, .nan,
                                 0.5035831562603916, 6.740805285199303e-05, 123456789012345680]
        let integers = [0, 7, -7, 10, 99, 100, 1_000_000, Int.max, Int.min]
        var table = Table(columns: ["a,b", "plain", "x", "n", "flag", "gap"])
        for (index, x) in numbers.enumerated() {
            let text = ["elu:alpha=1", "selu:lambda=1.05,alpha=1.6", "say \"hi\"", "line\nbreak", "", "ü"][index % 6]
            table.append([.text(text), .number(x), .number(-x), .integer(integers[index % integers.count]),
                          .bool(index % 2 == 0), .missing])
        }
        #expect(table.csv() == Self.reference(table))
        #expect(table.csv().hasPrefix("\"a,b\",plain,x,n,flag,gap\r\nelu:alpha=1,0.0,-0.0,0,true,\r\n"))
    }

    /// Tables of at least 2 × ``Table/csvChunkRows`` rows are written in chunks on every core, each with
    /// its own number cache: the bytes are still the field-by-field ones, in order (columns that repeat,
    /// cycle and never repeat, across chunk boundaries).
    @Test func chunkedTablesAreTheSerialBytes() {
        for count in [2 * Table.csvChunkRows - 1, 2 * Table.csvChunkRows, 600, 3 * Table.csvChunkRows + 1, 4200, 9_999] {
            var table = Table(columns: ["layer", "constant", "cycle", "distinct", "diagonal"])
            for i in 0..<count {
                table.append([.integer(i / 21), .number(2.5), .number(-1 + 0.1 * Double(i % 21)),
                              .number(1 / Double(i + 1)), .number(Double(i / 21).squareRoot())])
            }
            #expect(table.csv() == Self.reference(table), "\(count) rows")
        }
    }

    /// The bytes the commands write are the rendered text's UTF-8, in every format.
    @Test func renderedBytesAreTheTextsUTF8() {
        var table = Table(columns: ["a,b", "x", "n"])
        for i in 0..<700 { table.append([.text(i % 2 == 0 ? "elu:alpha=1" : "q\"uote"), .number(1 / Double(i + 1)), .integer(i)]) }
        table.meta.append(.init("subcommand", .text("test")))
        for format in TableFormat.allCases {
            #expect(table.renderedBytes(as: format) == Array(table.rendered(as: format).utf8), "\(format)")
        }
        #expect(table.csvBytes() == Array(table.csv().utf8))
    }

    @Test func integersAsStringWritesThem() {
        for n in [0, 1, -1, 9, 10, -10, 123_456_789, Int.max, Int.min, Int.max - 1, Int.min + 1] {
            var out: [UInt8] = []
            Table.appendDecimal(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(n))
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (plain Swift, no Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
