#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The memory a run may hold, checked before the work from what the run will keep: its result
/// rows and the kernels behind them (issue #13, defect 9: a bound on bytes, not on a proxy).
///
/// Estimated bytes, calibrated on `ntk` (250 × 200000 rows of 9 columns peaked at 21.7 GB):
/// ```
/// table    = rows × (64 + 40 × columns)        (typed cells, then the rendered text)
/// kernels  = 8 bytes × doubles held at once    (Gram matrices N² × reported layers × 2, ...)
/// ```
/// A run above ``limit`` is refused (exit 64) with the estimate and the limit in the message.
enum MemoryBudget {
    /// 4 GiB.
    static let limit = 4 << 30
    static let limitText = "4 GiB"
    /// What the process holds before any work (the runtime, the binary): 32 MiB.
    static let baseline = 32 << 20
    /// The bytes per value of a numeric list option that a table also keeps in its meta (the
    /// value, its text, its JSON cell), as doubles: ~100 bytes.
    static let doublesPerListValue = 13

    /// The estimated bytes of `rows` table rows of `columns` columns plus `doubles` numbers held.
    static func estimate(rows: Int, columns: Int, doubles: Int = 0) -> Int {
        let (table, tableOverflow) = rows.multipliedReportingOverflow(by: 64 + 40 * columns)
        let (kernels, kernelOverflow) = doubles.multipliedReportingOverflow(by: 8)
        let (sum, sumOverflow) = table.addingReportingOverflow(kernels)
        return tableOverflow || kernelOverflow || sumOverflow ? Int.max : sum &+ baseline
    }

    /// Refuses a run whose estimate exceeds ``limit``; `what` says where the bytes come from.
    static func check(rows: Int, columns: Int, doubles: Int = 0, _ what: @autoclosure () -> String) throws {
        let bytes = estimate(rows: rows, columns: columns, doubles: doubles)
        guard bytes > limit else { return }
        throw CommandError.usage("\(what()) would hold about \(describe(bytes)) in memory; the limit is \(limitText) "
                                 + "(fewer rows: --every, fewer layers, inputs or correlations)")
    }

    static func describe(_ bytes: Int) -> String {
        bytes == Int.max ? "more than 9e18 bytes" : cFormat("%.1f GB", Double(bytes) / 1e9)
    }

    /// Rows reported for `layers` layers with `--every k`: every k-th layer and the last.
    static func reportedLayers(_ layers: Int, every: Int) -> Int {
        layers / every + (layers % every == 0 ? 0 : 1)
    }

    /// n × n without overflow (Int.max when it would).
    static func squared(_ n: Int) -> Int {
        let (product, overflow) = n.multipliedReportingOverflow(by: n)
        return overflow ? Int.max : product
    }

    static func times(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }
}
