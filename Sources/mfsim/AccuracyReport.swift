#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// The accuracy a table's quadratures reported (``AccuracyLedger``), written into its `meta` and,
/// where it falls short of SPEC §2, onto stderr.
///
/// meta gains `max_error_estimate` (the largest quadrature error estimate relative to
/// max(|value|, 1e-2), 0 when every value is a closed form), `unconverged_quadratures`, and
/// `quadrature_variance_min`/`_max` when an activation moment was integrated numerically. A
/// warning names an estimate above 1e-10 (``AccuracyLedger/warningError``: below it the estimate is
/// QUADPACK's rounding floor on cancelling values, not an error), an unconverged quadrature, or a quadrature at a variance
/// outside [1e-6, 1e4]; an estimate above 1e-6 (or not finite) is an error (exit 65): the value
/// cannot be trusted.
enum AccuracyReport {
    /// Runs `makeTable` with a ledger bound and returns the table with the accuracy in its meta.
    static func measured(subcommand: String, warnOutsideValidatedVariances: Bool = true, _ makeTable: () throws -> Table) throws -> Table {
        let (table, accuracy) = try AccuracyLedger.recording(makeTable)
        return try annotated(MetaLists.arrays(table), accuracy, subcommand: subcommand, warnOutsideValidatedVariances: warnOutsideValidatedVariances)
    }

    static func annotated(_ table: Table, _ accuracy: AccuracyLedger.Summary, subcommand: String,
                          warnOutsideValidatedVariances: Bool = true) throws -> Table {
        var table = table
        table.meta.append(Table.Meta("max_error_estimate", .number(accuracy.largestRelativeError.isFinite ? accuracy.largestRelativeError : .nan)))
        table.meta.append(Table.Meta("unconverged_quadratures", .integer(accuracy.unconverged)))
        if let range = accuracy.varianceRange {
            table.meta.append(Table.Meta("quadrature_variance_min", .number(range.lowerBound)))
            table.meta.append(Table.Meta("quadrature_variance_max", .number(range.upperBound)))
        }
        let worst = accuracy.worst.map { " (a value \(formatNumber($0.value)) ± \(formatNumber($0.errorEstimate))\(location(accuracy.worstSubject, in: table)))" } ?? ""
        if accuracy.isUntrusted {
            throw CommandError.noSolution("\(subcommand): a quadrature's error estimate is \(formatNumber(accuracy.largestRelativeError)) relative\(worst); "
                                          + "the result cannot be trusted (above \(formatNumber(AccuracyLedger.untrustedError)))")
        }
        if accuracy.unconverged > 0 {
            let unconverged = accuracy.worstUnconverged.map {
                ", e.g. a value \(formatNumber($0.value)) ± \(formatNumber($0.errorEstimate))\(location(accuracy.worstUnconvergedSubject, in: table))"
            } ?? ""
            warn("\(subcommand): \(accuracy.unconverged) of \(accuracy.quadratures) quadratures did not converge (panel limit)\(unconverged); "
                 + "largest error estimate \(formatNumber(accuracy.largestRelativeError)) relative\(worst) (meta max_error_estimate)")
        } else if accuracy.isOutOfTolerance {
            warn("\(subcommand): largest quadrature error estimate \(formatNumber(accuracy.largestRelativeError)) relative\(worst) "
                 + "exceeds \(formatNumber(AccuracyLedger.warningError)) (SPEC §2 asks 1e-12; meta max_error_estimate)")
        }
        if warnOutsideValidatedVariances, accuracy.leftValidatedRange, let range = accuracy.varianceRange {
            let bounds = AccuracyLedger.validatedVariances
            warn("\(subcommand): quadrature at variances \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound)), outside the validated range "
                 + "[\(formatNumber(bounds.lowerBound)), \(formatNumber(bounds.upperBound))] (SPEC §2): 1e-12 accuracy is not guaranteed there")
        }
        return table
    }

    /// Where the worst quadrature ran: its activation and variance (and correlation), and the
    /// first row of that activation holding that variance (or correlation) in a column, when one does.
    static func location(_ subject: AccuracyLedger.Subject?, in table: Table) -> String {
        guard let subject else { return "" }
        var text = ", activation \(subject.activation) at variance \(formatNumber(subject.variance))"
        if let c = subject.correlation { text += ", correlation \(formatNumber(c))" }
        let activationColumn = table.columns.firstIndex(of: "activation")
        let wanted = [subject.variance] + (subject.correlation.map { [$0] } ?? [])
        for (index, row) in table.rows.enumerated() {
            if let activationColumn, Table.plainText(row[activationColumn]) != subject.activation { continue }
            guard let column = row.indices.first(where: { c in
                if case let .number(x) = row[c] { return wanted.contains(x) }
                return false
            }) else { continue }
            let key = zip(table.columns, row).prefix(activationColumn == nil ? 1 : 2).map { "\($0.0)=\(Table.plainText($0.1))" }
            return text + "; row \(index + 1) (\(key.joined(separator: ", "))) has \(table.columns[column]) = \(Table.plainText(row[column]))"
        }
        return text + (activationColumn == nil ? "" : "; no row of \(subject.activation) holds that variance")
    }
}

/// The one wording of a reported variance outside SPEC §2's validated range.
func warnUnvalidatedVariance(_ what: String, _ q: Double) {
    let bounds = AccuracyLedger.validatedVariances
    warn("\(what) = \(formatNumber(q)) is outside the validated variance range [\(formatNumber(bounds.lowerBound)), "
         + "\(formatNumber(bounds.upperBound))] (SPEC §2): 1e-12 accuracy is not guaranteed there")
}

/// The meta entries that hold lists (the CLI writes them as space-joined text): written as JSON
/// arrays, numbers as numbers (`"c0": [-0.5, 0.5]`, `"activation": ["relu", "elu:alpha=1"]`).
enum MetaLists {
    static let keys: Set<String> = ["activation", "c0", "mean", "variance", "sigma_w2", "sigma_b2", "norm"]

    static func arrays(_ table: Table) -> Table {
        var table = table
        table.meta = table.meta.map { entry in
            guard keys.contains(entry.key), entry.list == nil, case let .text(text) = entry.value else { return entry }
            let items = text.split(separator: " ").map { item -> Cell in
                if let x = Double(item), x.isFinite { return .number(x) }
                return .text(String(item))
            }
            return Table.Meta(entry.key, list: items)
        }
        return table
    }
}
