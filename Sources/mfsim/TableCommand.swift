import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// A subcommand whose result is one table.
///
/// A new table subcommand is one file: a `ParsableCommand` struct with `@OptionGroup var output:
/// OutputOptions`, options parsed once into typed values (in `validate()` or computed properties
/// that `makeTable()` reads, never parsed twice), and `makeTable()` calling one library function per
/// row group. Errors are thrown as they come (library errors too): ``ExitStatus`` maps them to the
/// `mfsim: error:` line and exit code. `run()` (below) does the rest, in this order:
/// 1. checks `--columns` against ``columnVocabulary`` and opens `--output` (a bad name or path fails
///    before any work, exit 64 or 73);
/// 2. `makeTable()`, with the largest quadrature error estimate recorded in `meta` (a warning or exit 65
///    when it falls short of SPEC §2: ``AccuracyReport``);
/// 3. refuses NaN anywhere and ±inf outside ``infiniteColumns`` (exit 65, "overflows double
///    precision"), so no non-number is ever printed as a result;
/// 4. selects `--columns`, renders `--format` and writes atomically.
/// `mfsim export` calls ``measuredTable(_:)`` and ``checkedTable(_:)`` directly.
protocol TableCommand: Subcommand {
    var output: OutputOptions { get }
    func makeTable() throws -> Table
    /// Columns where ±inf is a legitimate value (SPEC §3: a depth scale at criticality).
    static var infiniteColumns: Set<String> { get }
    /// Whether these options can be written as `--format npy` (default: no).
    var acceptsNumPy: Bool { get }
    /// The result as one NumPy array, for `--format npy` (called only when ``acceptsNumPy``).
    func makeNumPyArray() throws -> NumPyArray
    /// Whether a quadrature at a variance outside SPEC §2's [1e-6, 1e4] warns (default true; `phase`
    /// iterates towards q* = 0 or into an unbounded regime on purpose and checks its q_star instead).
    static var warnsOutsideValidatedVariances: Bool { get }
    /// Every column any of this subcommand's tables can have (ColumnVocabulary.swift): `--columns`
    /// is checked against it before the work.
    static var columnVocabulary: [String] { get }
}

extension TableCommand {
    static var infiniteColumns: Set<String> { [] }
    var acceptsNumPy: Bool { false }
    func makeNumPyArray() throws -> NumPyArray {
        throw CommandError.usage("--format npy is not available here")
    }
    static var warnsOutsideValidatedVariances: Bool { true }

    func run() throws {
        try checkColumnsBeforeTheWork()
        if output.format == .npy {
            guard acceptsNumPy else {
                throw CommandError.usage("--format npy writes Gram matrices: it is only for 'mfsim ntk --gram FILE' with one --activation")
            }
            if output.columns != nil { throw CommandError.usage("--columns does not apply to --format npy") }
        }
        let file = try OutputFile(output.output)
        do {
            if output.format == .npy {
                try file.commit(bytes: makeNumPyArray().bytes)
                return
            }
            let table = try output.select(try Self.checkedTable(Self.measuredTable(makeTable)))
            try file.commit(bytes: table.renderedBytes(as: output.format.tableFormat))
        } catch {
            file.discard()
            throw error
        }
    }

    /// `makeTable()` with the accuracy its quadratures reported in its meta (``AccuracyReport``).
    static func measuredTable(_ makeTable: () throws -> Table) throws -> Table {
        try AccuracyReport.measured(subcommand: _commandName, warnOutsideValidatedVariances: warnsOutsideValidatedVariances, makeTable)
    }

    /// The table, or an error naming the first cell that is NaN, or infinite outside
    /// ``infiniteColumns``.
    static func checkedTable(_ table: Table) throws -> Table {
        for (r, row) in table.rows.enumerated() {
            for (c, cell) in row.enumerated() {
                guard case let .number(x) = cell, !x.isFinite else { continue }
                let column = table.columns[c]
                if x.isInfinite, infiniteColumns.contains(column) { continue }
                let key = zip(table.columns, row).prefix(3).filter { $0.0 != column }
                    .map { "\($0.0)=\(Table.plainText($0.1))" }.joined(separator: ", ")
                let subcommand = table.meta.first { $0.key == "subcommand" }.map { Table.plainText($0.value) } ?? "table"
                throw CommandError.noSolution(x.isNaN
                    ? "\(subcommand): \(column) is not computable in double precision (NaN) at row \(r + 1) (\(key))"
                    : "\(subcommand): \(column) overflows double precision (\(formatNumber(x))) at row \(r + 1) (\(key))")
            }
        }
        return table
    }
}

/// `--format`, `--output` and `--columns`, shared by every table-writing subcommand.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: csv (RFC 4180), json ({\"rows\": [...], \"meta\": {...}}) or table (aligned, for a person).")
    var format: Format = .csv

    @Option(name: [.short, .long],
            help: ArgumentHelp("Write to FILE instead of stdout ('-': stdout). A regular file (or a symbolic link's target) is replaced atomically; a device or FIFO is written directly. Checked before any work. (default: -)", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Print only these columns, in this order (comma-separated). An unknown name is an error. (default: all)", valueName: "A,B,..."))
    var columns: ColumnsArgument?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json, table, npy
        /// The formats every table command writes, as its help lists them (npy is only for
        /// 'ntk --gram', whose help says so; elsewhere it is refused at run time, exit 64).
        static var allValueStrings: [String] { ["csv", "json", "table"] }
        /// The text format (`npy` is binary and written by ``TableCommand/run()`` itself, never rendered).
        var tableFormat: TableFormat {
            switch self {
            case .csv, .npy: return .csv
            case .json: return .json
            case .table: return .table
            }
        }
    }

    func validate() throws {
        if case let .failure(error) = columns?.parsed { throw ValidationError(error.description) }
    }

    /// The table restricted to `--columns` (an unknown name is a usage error listing the columns).
    func select(_ table: Table) throws -> Table {
        guard let names = try columns?.parsed.get() else { return table }
        let indices = try names.map { name in
            guard let index = table.columns.firstIndex(of: name) else {
                throw CommandError.usage("--columns: unknown column '\(name)' (this table has: \(table.columns.joined(separator: ", ")))")
            }
            return index
        }
        return Table(columns: names, rows: table.rows.map { row in indices.map { row[$0] } }, meta: table.meta)
    }
}
