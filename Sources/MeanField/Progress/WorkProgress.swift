import Synchronization

/// How far a long computation has got, for a caller that wants to show it (the command line's
/// progress bar); the library itself never prints.
///
/// A caller binds a sink for the duration of one call:
///
/// ```
/// WorkProgress.reporting(to: { done, total in … }) { try Simulation.gaussian(…) }
/// ```
///
/// and the long loops report `(done, total)` to it: the simulations once per finished trial (from
/// the worker threads), `NeuralTangents.twoInputs` and `gram` once per finished layer. Without a
/// bound sink a report costs one uncontended lock. The binding is process-wide (a command runs one
/// such computation at a time; a nested binding replaces the outer one until it ends). It is not a
/// task-local value: those crash when pushed from synchronous code outside any task, as `main` is.
public enum WorkProgress {
    /// `(done, total)` reports of the bound computation.
    public typealias Sink = @Sendable (_ done: Int, _ total: Int) -> Void

    private static let bound = Mutex<Sink?>(nil)

    /// The sink bound by ``reporting(to:_:)``, or nil when nobody listens.
    public static var current: Sink? { bound.withLock { $0 } }

    /// Runs `body` with `sink` receiving the reports of the computations it calls; the previous
    /// binding is restored afterwards.
    public static func reporting<R, E: Error>(to sink: @escaping Sink, _ body: () throws(E) -> R) throws(E) -> R {
        let previous = bound.withLock { state -> Sink? in
            let old = state
            state = sink
            return old
        }
        defer { bound.withLock { $0 = previous } }
        return try body()
    }
}
