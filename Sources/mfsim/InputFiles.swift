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

/// An input kernel Σ⁰ read from a CSV file (`ntk --gram`, `simulate --inputs`).
enum InputKernelFile {
    /// What the file holds.
    enum Kind: String, ExpressibleByArgument, CaseIterable { case vectors, kernel }

    /// Reads `Σ⁰` from a CSV file: N input vectors (Σ⁰ = X Xᵀ/d) or an N × N kernel.
    static func read(_ path: String, kind: Kind, option: String) throws -> (kernel: [Double], count: Int) {
        let rows = try NumericCSV.read(path, option: option)
        let n = rows.count, d = rows.first?.count ?? 0
        switch kind {
        case .vectors:
            let kernel = NeuralTangents.inputKernel(vectors: rows.flatMap { $0 }, count: n, dimension: d)
            if let i = (0..<n).first(where: { kernel[$0 * n + $0] == 0 }) {
                throw CommandError.badInput("\(option): input \(i) (row \(i + 1) of '\(path)') is the zero vector; its kernel is degenerate")
            }
            return (kernel, n)
        case .kernel:
            guard d == n else { throw CommandError.badInput("\(option): '\(path)' has \(n) rows of \(d) values; a kernel must be N x N") }
            let kernel = rows.flatMap { $0 }
            for i in 0..<n {
                guard kernel[i * n + i] > 0 else {
                    throw CommandError.badInput("\(option): kernel diagonal entry (\(i), \(i)) is \(formatNumber(kernel[i * n + i])); it must be > 0")
                }
                for j in 0..<i {
                    let (a, b) = (kernel[i * n + j], kernel[j * n + i])
                    let scale = (kernel[i * n + i] * kernel[j * n + j]).squareRoot()
                    guard abs(a - b) <= 1e-12 * scale else {
                        throw CommandError.badInput("\(option): kernel is not symmetric at (\(i), \(j)): \(formatNumber(a)) vs \(formatNumber(b))")
                    }
                    guard abs(a) <= scale * (1 + 1e-12) else {
                        throw CommandError.badInput("\(option): kernel entry (\(i), \(j)) = \(formatNumber(a)) exceeds sqrt(K_ii K_jj) = \(formatNumber(scale)) (correlation outside [-1, 1])")
                    }
                }
            }
            // Exactly symmetric from here on (the upper triangle wins).
            var symmetric = kernel
            for i in 0..<n { for j in 0..<i { symmetric[i * n + j] = kernel[j * n + i] } }
            do {
                return (try NeuralTangents.checkedInputKernel(symmetric, count: n), n)
            } catch {
                throw CommandError.badInput("\(option): '\(path)': \(error)")
            }
        }
    }
}

/// A CSV file of finite numbers: an optional header row (any non-numeric field makes the first
/// row a header), then rows of equally many numbers; blank lines are skipped.
enum NumericCSV {
    static func read(_ path: String, option: String) throws -> [[Double]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError.cannotRead("\(option): cannot read '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandError.badInput("\(option): '\(path)' is not UTF-8 text") }
        var rows: [[Double]] = []
        var width: Int?
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingWhitespace().trimmingScalars { $0 == "\"" } }
            if fields.allSatisfy(\.isEmpty) { continue }
            let numbers = fields.map { Double($0) }
            if rows.isEmpty, width == nil, numbers.contains(where: { $0 == nil }) {
                width = fields.count   // the header row
                continue
            }
            for (column, (field, number)) in zip(fields, numbers).enumerated() {
                guard let number, number.isFinite else {
                    throw CommandError.badInput("\(option): '\(path)' line \(index + 1), field \(column + 1): '\(field)' is not a finite number")
                }
            }
            if let width, width != fields.count {
                throw CommandError.badInput("\(option): '\(path)' line \(index + 1) has \(fields.count) fields; expected \(width)")
            }
            width = fields.count
            rows.append(numbers.compactMap { $0 })
        }
        guard !rows.isEmpty else { throw CommandError.badInput("\(option): '\(path)' has no rows of numbers") }
        return rows
    }
}

/// `--inputs FILE` and `--inputs-kind KIND`: hidden aliases of `--gram` and `--gram-input` on `ntk` and
/// `simulate` (one name for one thing; the old names of `simulate` keep working).
struct GramInputAliases: ParsableArguments {
    @Option(name: .customLong("inputs"), help: .hidden)
    var inputs: String?
    @Option(name: .customLong("inputs-kind"), help: .hidden)
    var inputsKind: InputKernelFile.Kind?

    /// Moves the aliases into `--gram`/`--gram-input`; both spellings at once is an error.
    func merged(_ gram: String?, _ kind: InputKernelFile.Kind) throws -> (String?, InputKernelFile.Kind) {
        if inputs != nil, gram != nil { throw ValidationError("--inputs is another name for --gram; give one of them") }
        return (gram ?? inputs, inputsKind ?? kind)
    }
}
