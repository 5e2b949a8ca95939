import ArgumentParser
import Foundation
import MeanField

/// A finite real number on the command line: NaN and ±inf are refused with the value named.
struct Real: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let value: Double
    init(_ value: Double) { self.value = value }
    init?(argument: String) {
        guard let value = Double(argument.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        self.value = value
    }
    var description: String { formatNumber(value) }
    var defaultValueDescription: String { formatNumber(value) }
}

/// `--format` and `--output`, shared by every table-writing subcommand.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: csv (RFC 4180), json ({\"rows\": [...], \"meta\": {...}}) or table (aligned, for a person).")
    var format: Format = .csv

    @Option(name: [.short, .long],
            help: ArgumentHelp("Write to FILE instead of stdout, atomically (temporary file, then rename).", valueName: "FILE"))
    var output: String?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json, table
        var tableFormat: TableFormat { TableFormat(rawValue: rawValue)! }
    }

    /// Renders the table and writes it to stdout or, atomically, to `--output`.
    func emit(_ table: Table) throws {
        let text = table.rendered(as: format.tableFormat)
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try AtomicFile.write(text, to: output)
    }
}

/// Writes a file through a temporary file in the same directory and `rename(2)`, so a reader
/// never sees a partial file and a failed run leaves any old file untouched.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw CommandError.cannotCreate("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        var ok = true
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { ok = false; break }
            written += n
        }
        let savedErrno = errno
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(ok ? errno : savedErrno))
            unlink(temporary)
            throw CommandError.cannotCreate("cannot write '\(path)': \(reason)")
        }
    }
}

/// Numeric lists: each occurrence of a repeatable option is a number or a range
/// `START:STOP:COUNT` (inclusive, COUNT evenly spaced points).
enum NumericList {
    static let maximumCount = 1_000_000

    static func parse(_ items: [String], option: String) throws -> [Double] {
        var values: [Double] = []
        for item in items { values += try parseItem(item, option: option) }
        return values
    }

    static func parseItem(_ item: String, option: String) throws -> [Double] {
        let text = item.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1 {
            guard let value = Double(text), value.isFinite else {
                throw ValidationError("\(option): '\(item)' is not a finite number")
            }
            return [value]
        }
        guard parts.count == 3, let start = Double(parts[0]), let stop = Double(parts[1]),
              start.isFinite, stop.isFinite, let count = Int(parts[2]) else {
            throw ValidationError("\(option): malformed range '\(item)' (expected START:STOP:COUNT, e.g. -1:1:201)")
        }
        guard count >= 1, count <= maximumCount else {
            throw ValidationError("\(option): range '\(item)' has COUNT \(count); it must be 1 to \(maximumCount)")
        }
        guard start < stop || (start == stop && count == 1) else {
            throw ValidationError("\(option): range '\(item)' must have START < STOP (or START = STOP with COUNT 1)")
        }
        if count == 1 { return [start] }
        return (0..<count).map { i in
            i == count - 1 ? stop : start + (stop - start) * Double(i) / Double(count - 1)
        }
    }
}

/// Parses repeated `--activation` specs, with a default list when none is given.
func parseActivations(_ specs: [String], default defaults: [String]) throws -> [Activation] {
    try (specs.isEmpty ? defaults : specs).map { try Activation(spec: $0) }
}

extension MeanFieldVersion {
    static func meta(subcommand: String, _ parameters: [(String, Cell)]) -> [Table.Meta] {
        [Table.Meta("mfsim_version", .text(string)), Table.Meta("subcommand", .text(subcommand))]
            + parameters.map { Table.Meta($0.0, $0.1) }
    }
}

/// Runs a check from `validate()`, turning any error into a `ValidationError` (exit 64) with the
/// same message.
func asUsageError(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ValidationError { throw error } catch {
        throw ValidationError(String(describing: error))
    }
}

/// `--activation SPEC` (repeatable) for subcommands that default to the whole catalogue.
struct CatalogueActivationOptions: ParsableArguments {
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec NAME or NAME:PARAM=VALUE[,PARAM=VALUE] (repeatable; default: every activation of the catalogue with default parameters). See 'mfsim activations'.", valueName: "SPEC"))
    var activation: [String] = []

    func validate() throws { try asUsageError { _ = try activations() } }

    func activations() throws -> [Activation] {
        activation.isEmpty ? try Activation.Family.allCases.map { try Activation($0) } : try parseActivations(activation, default: [])
    }
}

/// Parses a numeric list option and checks every value against `valid`, naming the first bad one.
func parseNumbers(_ items: [String], default defaults: [Double], option: String,
                  requirement: String, _ valid: (Double) -> Bool) throws -> [Double] {
    let values = items.isEmpty ? defaults : try NumericList.parse(items, option: option)
    if let bad = values.first(where: { !valid($0) }) {
        throw ValidationError("\(option) must be \(requirement) (got \(formatNumber(bad)))")
    }
    return values
}


/// The edge of chaos for each (activation, σb²), on every core: nil where there is none (a warning
/// names why, and the caller leaves the cells empty); a solver failure is an error (exit 65).
func edgesOfChaos(_ jobs: [(Activation, Double)]) throws -> [(sigmaW2: Double, qStar: Double?)?] {
    let results = concurrentMap(jobs) { a, b -> Result<(sigmaW2: Double, qStar: Double?), SignalPropagationError> in
        do throws(SignalPropagationError) { return .success(try SignalPropagation.edgeOfChaos(a, sigmaB2: b)) } catch { return .failure(error) }
    }
    return try zip(jobs, results).map { job, result in
        switch result {
        case let .success(edge): return edge
        case let .failure(.noEdge(message)): warn(message); return nil
        case let .failure(error): throw CommandError.noSolution("\(job.0.spec): \(error)")
        }
    }
}

/// A subcommand whose result is one table: `run()` renders it through the shared `--format` /
/// `--output` path, and `mfsim export` calls `makeTable()` directly.
protocol TableCommand: ParsableCommand {
    var output: OutputOptions { get }
    func makeTable() throws -> Table
}

extension TableCommand {
    func run() throws { try output.emit(try makeTable()) }
}
