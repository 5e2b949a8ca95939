#if canImport(Glibc)
import Glibc
#endif

/// An interrupted run leaves no temporary file (issue #13: "no partial, temporary or replaced file").
///
/// ``OutputFile`` opens its temporary file before the work (so a bad path costs nothing), and
/// `export` opens all of its files first: a Ctrl-C, `kill` or a closed terminal during the
/// computation used to leave `.NAME.mfsim-PID.tmp` files beside the targets. Each temporary path is
/// registered here while it exists; SIGINT, SIGTERM and SIGHUP unlink every registered path
/// (`unlink` is async-signal-safe) and then end the process with the same signal (its default
/// action), so the shell still sees an interrupted command. The target files are never touched. A
/// signal that was ignored when mfsim started (`nohup`) is left ignored.
enum InterruptedRuns {
    /// Registered paths: C strings owned here (nil slots are free). A fixed table, so the handler
    /// reads it without allocating; export registers one path per table (well under the capacity).
    private static let capacity = 256
    nonisolated(unsafe) private static var slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers (once; the first registration does it).
    private static func install() {
        guard !installed else { return }
        installed = true
        slots.initialize(repeating: nil, count: capacity)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            // A signal the parent set to be ignored stays ignored (`nohup`, a background job of a
            // non-interactive shell): the run was asked to survive it.
            var current = sigaction()
            if sigaction(signalNumber, nil, &current) == 0,
               withUnsafeBytes(of: current.__sigaction_handler.sa_handler, { $0.load(as: UInt.self) })
                == withUnsafeBytes(of: SIG_IGN, { $0.load(as: UInt.self) }) { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signalNumber in
                for i in 0..<InterruptedRuns.capacity {
                    if let path = InterruptedRuns.slots[i] { unlink(path) }
                }
                signal(signalNumber, SIG_DFL)
                raise(signalNumber)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signalNumber, &action, nil)
        }
    }

    /// Registers a temporary path; the slot to release, or nil when the table is full (the file is
    /// then only removed by a normal end, as before).
    static func register(_ path: String) -> Int? {
        install()
        guard let index = (0..<capacity).first(where: { slots[$0] == nil }), let copy = strdup(path) else { return nil }
        slots[index] = copy
        return index
    }

    /// Releases a registration (after the temporary file is renamed into place or removed).
    static func release(_ index: Int?) {
        guard let index, let copy = slots[index] else { return }
        slots[index] = nil
        free(copy)
    }
}
