#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What the quadratures of one computation reported about their own accuracy, gathered so that
/// a result can say how far it can be trusted (SPEC §2).
///
/// Every adaptive Gauss–Kronrod integration (``AdaptiveQuadrature``) run while a ledger is bound
/// to ``current`` records its ``Expectation/errorEstimate`` and ``Expectation/converged`` here, and
/// every activation moment computed by quadrature (not a closed form) records its variance. The
/// error is measured on SPEC §2's scale,
/// ```
/// relative error = errorEstimate / max(|value|, 1e-2)
/// ```
/// so that "within 1e-12 relative, or 1e-14 absolute below 1e-2" is `relative error ≤ 1e-12`.
/// Results whose value is not finite (an exploding sweep, which stops there anyway) are not recorded.
///
/// A ledger is bound with ``recording(_:)`` (a task-local value; ``concurrentMap(_:progress:_:)``
/// carries it onto its worker threads). Nothing is recorded when none is bound.
public final class AccuracyLedger: @unchecked Sendable {
    /// The validated variance range of SPEC §2: every expectation within 1e-12 for q in it.
    public static let validatedVariances: ClosedRange<Double> = 1e-6...1e4
    /// SPEC §2's accuracy.
    public static let tolerance = 1e-12
    /// Relative error estimates above this are out of tolerance. Not 1e-12: QUADPACK's estimate of
    /// a converged panel is floored at ~50ε·∫|f|, so a value that cancels to ~0 (|value| ≪ ∫|f|,
    /// e.g. E[φ²(z² − q)] of a near-linear φ) carries a summed estimate of a few 1e-14 absolute,
    /// which is the heuristic's floor, not an error; 1e-10 leaves two digits above that floor.
    public static let warningError = 1e-10
    /// A relative error estimate above this (fewer than 6 digits), or a non-finite one, means the
    /// value cannot be trusted.
    public static let untrustedError = 1e-6

    /// The summary of a ledger.
    public struct Summary: Sendable, Hashable {
        /// Quadratures recorded.
        public var quadratures = 0
        /// The largest relative error estimate (see ``AccuracyLedger``), 0 when there was none.
        public var largestRelativeError = 0.0
        /// The value and error estimate of the quadrature with the largest relative error.
        public var worst: (value: Double, errorEstimate: Double)? {
            worstValue.map { ($0, worstErrorEstimate) }
        }
        var worstValue: Double?
        var worstErrorEstimate = 0.0
        /// What the quadrature with the largest relative error was computing (the activation and
        /// variance bound by ``about(_:variance:correlation:_:)``), nil when nothing was bound.
        public var worstSubject: Subject?
        /// Quadratures that hit their panel budget before meeting their tolerance.
        public var unconverged = 0
        /// The value and error estimate of the unconverged quadrature with the largest relative error
        /// (nil when every one converged): a warning names it, not ``worst``, which may have converged.
        public var worstUnconverged: (value: Double, errorEstimate: Double)? {
            worstUnconvergedValue.map { ($0, worstUnconvergedErrorEstimate) }
        }
        var worstUnconvergedValue: Double?
        var worstUnconvergedErrorEstimate = 0.0
        var worstUnconvergedRelativeError = -1.0
        /// What that unconverged quadrature was computing.
        public var worstUnconvergedSubject: Subject?
        /// The smallest and largest variance at which an activation moment was computed by
        /// quadrature (nil when none was).
        public var varianceRange: ClosedRange<Double>?

        /// True when an estimate exceeds ``AccuracyLedger/warningError`` or a quadrature did not converge.
        public var isOutOfTolerance: Bool { unconverged > 0 || !(largestRelativeError <= AccuracyLedger.warningError) }
        /// True when an estimate exceeds 1e-6 (or is not finite): the value cannot be trusted.
        public var isUntrusted: Bool { !(largestRelativeError <= AccuracyLedger.untrustedError) }
        /// True when quadrature ran at a variance outside ``AccuracyLedger/validatedVariances``.
        public var leftValidatedRange: Bool {
            guard let varianceRange else { return false }
            return varianceRange.lowerBound < AccuracyLedger.validatedVariances.lowerBound
                || varianceRange.upperBound > AccuracyLedger.validatedVariances.upperBound
        }
    }

    /// The ledger quadratures record into (nil: none).
    @TaskLocal public static var current: AccuracyLedger?

    /// What a quadrature is computing: an activation's moment or kernel at a variance (and a
    /// correlation for a 2D expectation), so that a warning can name where its worst value is.
    public struct Subject: Sendable, Hashable {
        /// The activation's canonical spec.
        public var activation: String
        /// The variance (the first input's, for a 2D expectation).
        public var variance: Double
        /// The correlation of a 2D expectation, nil for a 1D one.
        public var correlation: Double?
    }

    /// The subject quadratures run for (nil: none bound).
    @TaskLocal public static var subject: Subject?

    /// Runs `body` with `activation` at `variance` (and `correlation`) as the subject of the
    /// quadratures it records; nothing is bound (and the spec is not built) when no ledger is.
    public static func about<R>(_ activation: @autoclosure () -> String, variance: Double, correlation: Double? = nil,
                                _ body: () throws -> R) rethrows -> R {
        guard current != nil, subject == nil else { return try body() }
        return try $subject.withValue(Subject(activation: activation(), variance: variance, correlation: correlation)) { try body() }
    }

    private var state = Summary()
    private let lock = Lock()

    public init() {}

    /// What has been recorded so far.
    public var summary: Summary {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    /// Runs `body` with no ledger bound: for the trial evaluations of an iterative solver, whose
    /// iterates may stray into parameters where a quadrature is poor and which are discarded. The
    /// solver must re-evaluate its final iterate outside, so what it reports is recorded.
    public static func unrecorded<R>(_ body: () throws -> R) rethrows -> R {
        try $current.withValue(nil) { try body() }
    }

    /// Runs `body` with a fresh ledger bound, and returns its result with the ledger's summary.
    public static func recording<R>(_ body: () throws -> R) rethrows -> (result: R, accuracy: Summary) {
        let ledger = AccuracyLedger()
        let result = try $current.withValue(ledger) { try body() }
        return (result, ledger.summary)
    }

    /// Records one quadrature result, its error measured on SPEC §2's scale max(|value|, 1e-2).
    public func record(_ e: Expectation) {
        record(e, reference: max(abs(e.value), 1e-2))
    }

    /// Records one quadrature result whose error is measured against `reference` (> 0): a
    /// computation that knows a value's natural scale, or a better estimate than the raw
    /// quadrature's (``FiniteWidth``'s refined nested quadratures), records it here, with the raw
    /// quadratures run ``unrecorded(_:)``, so that its table reports it like every other.
    /// ```
    /// relative error = errorEstimate / reference
    /// ```
    public func record(_ e: Expectation, reference: Double) {
        guard e.value.isFinite, e.method == .quadrature, reference > 0 else { return }
        let relative = e.errorEstimate / reference
        lock.lock()
        defer { lock.unlock() }
        state.quadratures += 1
        if !e.converged {
            state.unconverged += 1
            if !(relative <= state.worstUnconvergedRelativeError) {
                state.worstUnconvergedRelativeError = relative.isNaN ? .infinity : relative
                state.worstUnconvergedValue = e.value
                state.worstUnconvergedErrorEstimate = e.errorEstimate
                state.worstUnconvergedSubject = AccuracyLedger.subject
            }
        }
        if !(relative <= state.largestRelativeError) {
            state.largestRelativeError = relative.isNaN ? .infinity : relative
            state.worstValue = e.value
            state.worstErrorEstimate = e.errorEstimate
            state.worstSubject = AccuracyLedger.subject
        }
    }

    /// Records a variance at which an activation moment was computed by quadrature.
    public func recordVariance(_ q: Double) {
        guard q.isFinite else { return }
        lock.lock()
        defer { lock.unlock() }
        if let range = state.varianceRange {
            state.varianceRange = min(range.lowerBound, q)...max(range.upperBound, q)
        } else {
            state.varianceRange = q...q
        }
    }
}
