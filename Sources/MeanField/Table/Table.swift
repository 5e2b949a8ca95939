#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One typed cell of a ``Table``.
public enum Cell: Sendable, Hashable {
    /// A real number; ±infinity is legitimate (a depth scale at criticality): `inf` in CSV and
    /// table output, `null` in JSON.
    case number(Double)
    case integer(Int)
    case text(String)
    case bool(Bool)
    /// A value that does not apply: empty in CSV and table output, `null` in JSON.
    case missing
}

/// The one result type every computation hands to the writers: named columns, rows of typed
/// cells, and metadata (tool version, subcommand, every parameter with defaults filled in).
public struct Table: Sendable, Hashable {
    /// Column names, as CSV header and JSON keys.
    public var columns: [String]
    /// Rows with one cell per column.
    public var rows: [[Cell]]
    /// Ordered key/value metadata, written as the JSON `meta` object.
    public var meta: [Meta]

    public struct Meta: Sendable, Hashable {
        public let key: String
        /// The value; for a list, its items' plain text joined by spaces.
        public let value: Cell
        /// The items of a list-valued entry (a JSON array), nil for a single value.
        public let list: [Cell]?
        public init(_ key: String, _ value: Cell) { self.key = key; self.value = value; self.list = nil }
        /// A list-valued entry: a JSON array of `items`.
        public init(_ key: String, list items: [Cell]) {
            self.key = key
            self.value = .text(items.map(Table.plainText).joined(separator: " "))
            self.list = items
        }
    }

    public init(columns: [String], rows: [[Cell]] = [], meta: [Meta] = []) {
        self.columns = columns
        self.rows = rows
        self.meta = meta
    }

    /// Appends a row; it must have one cell per column.
    public mutating func append(_ row: [Cell]) {
        // Not reachable from the command line: every subcommand builds its rows from the literal
        // column list it declares (a programming error, caught by the tests of every subcommand).
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The cells of the named column.
    public func column(_ name: String) -> [Cell] {
        guard let index = columns.firstIndex(of: name) else { return [] }
        return rows.map { $0[index] }
    }
}

/// The output formats of SPEC §3.
public enum TableFormat: String, Sendable, CaseIterable {
    case csv, json, table
}

extension Table {
    /// The table rendered in `format`.
    public func rendered(as format: TableFormat) -> String {
        switch format {
        case .csv: return csv()
        case .json: return json()
        case .table: return aligned()
        }
    }

    /// The table rendered in `format`, as UTF-8 bytes: what ``rendered(as:)`` returns, without the copy
    /// into a `String` (and back) when the bytes go straight to a file or stdout. For CSV the bytes are
    /// those ``csvBytes()`` writes; the other formats are their text's UTF-8.
    public func renderedBytes(as format: TableFormat) -> [UInt8] {
        switch format {
        case .csv: return csvBytes()
        case .json, .table: return Array(rendered(as: format).utf8)
        }
    }

    /// RFC 4180 CSV: one header row, CRLF line ends, fields quoted when they hold a comma, a
    /// quote or a line break; numbers in shortest round-trip form (`Double.description`).
    public func csv() -> String {
        String(decoding: csvBytes(), as: UTF8.self)
    }

    /// ``csv()``'s UTF-8 bytes, as they are written (an 87 kB CSV of a 200-layer `depth-sweep` was copied
    /// twice, into a `String` and back into bytes, before this).
    public func csvBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * columns.count * 20 + 64)
        for (index, column) in columns.enumerated() {
            if index > 0 { out.append(0x2C) }
            Self.appendCSVField(column, to: &out)
        }
        out.append(0x0D)
        out.append(0x0A)
        // Rows in chunks on every core when there are many (each chunk its own number cache), joined in
        // order: the bytes are the serial ones. A 200-layer × 21-c0 `ntk` (4200 rows) spent a quarter of its
        // instructions here, on one thread, after the kernels had used both.
        if rows.count < 2 * Self.csvChunkRows {
            Self.appendCSVRows(rows[...], columns: columns.count, to: &out)
        } else {
            // Two to four chunks of at least csvChunkRows rows: a 600-row table (a three-activation
            // 200-layer `depth-sweep`) goes out in two halves.
            let pieces = min(4, rows.count / Self.csvChunkRows)
            let chunk = (rows.count + pieces - 1) / pieces
            let rows = self.rows, columnCount = columns.count
            let chunks = concurrentMap(Array(stride(from: 0, to: rows.count, by: chunk))) { start -> [UInt8] in
                var part: [UInt8] = []
                part.reserveCapacity(chunk * columnCount * 20)
                Self.appendCSVRows(rows[start..<min(start + chunk, rows.count)], columns: columnCount, to: &part)
                return part
            }
            for part in chunks { out.append(contentsOf: part) }
        }
        return out
    }

    /// Tables of fewer than twice this many rows are written on the calling thread (a chunk's dispatch
    /// costs about what ~100 rows do, and creating the first worker thread of a process a few hundred µs).
    static let csvChunkRows = 256

    /// The CSV lines of `rows` (CRLF each). Cells are written in place (no per-row array of strings):
    /// numbers, integers and booleans never hold a character that needs quoting; text goes through
    /// `appendCSVField` (the same bytes as `plainText`). The buffer is passed `inout` to static helpers
    /// rather than captured by nested functions, whose boxed capture cost a dynamic exclusivity check per cell.
    static func appendCSVRows(_ rows: ArraySlice<[Cell]>, columns: Int, to out: inout [UInt8]) {
        let numbers = ShortestDecimalCache(columns: columns)
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index > 0 { out.append(0x2C) }
                switch cell {
                case let .number(x): numbers.append(x, column: index, to: &out)
                case let .integer(n): appendDecimal(n, to: &out)
                case let .text(text): appendCSVField(text, to: &out)
                case let .bool(b): appendUTF8(b ? "true" : "false", to: &out)
                case .missing: break
                }
            }
            out.append(0x0D)
            out.append(0x0A)
        }
    }

    /// `text`'s UTF-8 bytes, copied from its contiguous storage.
    static func appendUTF8(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// One RFC 4180 field: quoted (inner quotes doubled) when it holds a comma, a quote or a line break.
    static func appendCSVField(_ text: String, to out: inout [UInt8]) {
        // Quoting is decided on the contiguous UTF-8 bytes (the four specials are ASCII):
        // Character iteration made rendering cost more than computing a 40 000-row NTK table.
        var text = text
        text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(0x22)
            for byte in bytes {
                if byte == 0x22 { out.append(0x22) }
                out.append(byte)
            }
            out.append(0x22)
        }
    }

    /// The decimal digits of `n` (with a leading `-` when negative), as `String(n)` writes them.
    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        // The magnitude as unsigned, so Int.min does not overflow.
        var magnitude = n.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// `{"rows": [{column: value, ...}, ...], "meta": {...}}`; ±infinity and missing values are `null`.
    public func json() -> String {
        func object(_ pairs: [(String, Cell)]) -> String {
            "{" + pairs.map { Self.jsonString($0.0) + ": " + Self.jsonValue($0.1) }.joined(separator: ", ") + "}"
        }
        let body = rows.map { "    " + object(Array(zip(columns, $0))) }.joined(separator: ",\n")
        let rowsText = rows.isEmpty ? "[]" : "[\n" + body + "\n  ]"
        let metaText = "{" + meta.map { entry in
            Self.jsonString(entry.key) + ": " + (entry.list.map { "[" + $0.map(Self.jsonValue).joined(separator: ", ") + "]" } ?? Self.jsonValue(entry.value))
        }.joined(separator: ", ") + "}"
        return "{\n  \"rows\": \(rowsText),\n  \"meta\": \(metaText)\n}\n"
    }

    /// Aligned columns for a person: numbers right-aligned, text left-aligned.
    public func aligned() -> String {
        let texts = rows.map { $0.map(Self.plainText) }
        var widths = columns.map(\.count)
        for row in texts { for (i, text) in row.enumerated() { widths[i] = max(widths[i], text.count) } }
        func pad(_ text: String, _ width: Int, right: Bool) -> String {
            let padding = String(repeating: " ", count: width - text.count)
            return right ? padding + text : text + padding
        }
        let rightAligned: [Bool] = columns.indices.map { i in
            rows.contains { if case .number = $0[i] { return true }; if case .integer = $0[i] { return true }; return false }
        }
        var lines = [zip(columns, widths).enumerated().map { pad($1.0, $1.1, right: rightAligned[$0]) }.joined(separator: "  ")]
        for row in texts {
            lines.append(row.enumerated().map { pad($1, widths[$0], right: rightAligned[$0]) }.joined(separator: "  "))
        }
        return lines.map { $0.trimmingTrailingRegexWhitespace() }
            .joined(separator: "\n") + "\n"
    }

    /// A cell as CSV and aligned tables print it (numbers in shortest round-trip form).
    public static func plainText(_ cell: Cell) -> String {
        switch cell {
        case let .number(x): return formatNumber(x)
        case let .integer(n): return String(n)
        case let .text(s): return s
        case let .bool(b): return b ? "true" : "false"
        case .missing: return ""
        }
    }

    static func jsonValue(_ cell: Cell) -> String {
        switch cell {
        case let .number(x): return x.isFinite ? x.description : "null"
        case let .integer(n): return String(n)
        case let .text(s): return jsonString(s)
        case let .bool(b): return b ? "true" : "false"
        case .missing: return "null"
        }
    }

    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let u where u.value < 0x20: out += (u.value < 0x10 ? "\\u000" : "\\u00") + String(u.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
