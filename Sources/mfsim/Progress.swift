#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MeanField
import Synchronization

/// The one progress line of the command line: `\r<label> [####......] 40% (4/10)<detail>` on
/// stderr, redrawn as work finishes, erased by ``finish()``.
///
/// Only when stderr is a terminal: with stderr a pipe or a file (scripts, tests) a command writes
/// no progress bytes at all. `phase` (grid points, from its worker threads), `ntk` (activations),
/// `simulate` (activations, and each one's networks as they finish) and `export` (tables) use it.
final class ProgressBar: Sendable {
    /// Where the text goes: stderr in the program, a collector in a test.
    typealias Sink = @Sendable (String) -> Void

    private let label: String
    private let total: Int
    private let sink: Sink
    /// The percentage and step last drawn, and whether anything was drawn (so ``finish()`` knows
    /// whether there is a line to erase).
    private let state = Mutex<(percent: Int, done: Int, drawn: Bool)>((-1, -1, false))

    /// A bar on stderr, or nil when stderr is not a terminal or the job has fewer than `minimum` steps.
    convenience init?(label: String, total: Int, minimum: Int = 1) {
        guard total >= max(1, minimum), Self.stderrIsTerminal else { return nil }
        self.init(label: label, total: total, sink: StandardStreams.writeError)
    }

    /// A bar writing to `sink` (the test seam; no terminal check).
    init(label: String, total: Int, sink: @escaping Sink) {
        self.label = label
        self.total = max(1, total)
        self.sink = sink
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// `done` of the total steps finished (callable from worker threads); redraws at each whole
    /// percent. The second argument (the caller's total, as ``concurrentMap(_:progress:_:)`` passes
    /// it) is ignored.
    func update(_ done: Int, _: Int) {
        let percent = min(done, total) * 100 / total
        // Drawn under the lock, so lines from different threads never land out of order.
        state.withLock { state in
            guard percent > state.percent else { return }
            state = (percent, done, true)
            sink(line(done, detail: ""))
        }
    }

    /// Step `done` of the total has started or finished, with what it is (`detail`): redrawn at
    /// every step (for few, long steps: an activation, a table).
    func step(_ done: Int, detail: String) {
        let percent = min(done, total) * 100 / total
        state.withLock { state in
            state = (percent, done, true)
            sink(line(done, detail: detail))
        }
    }

    /// Erases the line (nothing when nothing was drawn).
    func finish() {
        state.withLock { state in
            guard state.drawn else { return }
            state.drawn = false
            sink("\r\u{1B}[K")
        }
    }

    private func line(_ done: Int, detail: String) -> String {
        let done = min(done, total)
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\r\u{1B}[K\(label) [\(bar)] \(done * 100 / total)% (\(done)/\(total))" + (detail.isEmpty ? "" : " \(detail)")
    }
}

/// Runs `body` with the library's `(done, total)` reports (``WorkProgress``) drawn on `bar` as step
/// `index` of equal steps worth `unit` reports each (an activation's trials or layers), so one long
/// activation moves the bar too. Without a bar, `body` runs as it is.
func withProgress<R, E: Error>(_ bar: ProgressBar?, step index: Int, unit: Int, _ body: () throws(E) -> R) throws(E) -> R {
    guard let bar else { return try body() }
    let unit = max(1, unit)
    return try WorkProgress.reporting(to: { done, _ in bar.update(index * unit + min(done, unit), 0) }, body)
}
