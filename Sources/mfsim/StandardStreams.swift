#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// stdout and stderr through write(2), never through `FileHandle.write` (which traps on a full
/// device, a closed descriptor or a broken pipe).
///
/// `prepare()` runs first thing: it ignores SIGPIPE (a broken pipe is then an error, exit 74, not
/// a signal) and occupies a closed descriptor 0, 1 or 2 with /dev/null, so no file opened later
/// takes its number (a closed stderr would otherwise make warnings land in the output file). A
/// closed stdout is remembered: writing the table to it fails with exit 74.
enum StandardStreams {
    nonisolated(unsafe) private static var stdoutClosed = false

    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd: Int32 in [0, 1, 2] where fcntl(fd, F_GETFD) == -1 {
            if fd == 1 { stdoutClosed = true }
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0, null != fd { dup2(null, fd); close(null) }
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; the errno on failure.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            written += n
        }
        return nil
    }

    /// The table on stdout; a failure is an error (exit 74).
    static func writeOutput(_ text: String) throws {
        try writeOutput(bytes: Array(text.utf8))
    }

    /// Binary output (a `.npy` array) on stdout; a failure is an error (exit 74).
    static func writeOutput(bytes: [UInt8]) throws {
        if stdoutClosed { throw CommandError.io("cannot write to stdout: it is closed") }
        if let code = writeAll(bytes, to: STDOUT_FILENO) {
            throw CommandError.io("cannot write to stdout: \(String(cString: strerror(code)))")
        }
    }

    /// A diagnostic on stderr; a failure is ignored (there is nowhere left to report it).
    static func writeError(_ text: String) {
        _ = writeAll(Array(text.utf8), to: STDERR_FILENO)
    }
}

extension StandardStreams {
    nonisolated(unsafe) private static var pendingWarnings: [String] = []
    private static let warningLock = Lock()

    /// Holds a warning until the run ends, so a failing run's first stderr line is its
    /// `mfsim: error:` line (the warnings follow it) and a successful one prints them after its output.
    static func addWarning(_ line: String) {
        warningLock.lock()
        pendingWarnings.append(line)
        warningLock.unlock()
    }

    /// Writes the held warnings to stderr.
    static func flushWarnings() {
        warningLock.lock()
        let lines = pendingWarnings
        pendingWarnings = []
        warningLock.unlock()
        if !lines.isEmpty { writeError(lines.joined()) }
    }
}

/// One warning line on stderr (held until the run ends: see ``StandardStreams/addWarning(_:)``).
func warn(_ message: String) {
    StandardStreams.addWarning("mfsim: warning: \(message)\n")
}

/// The one wording of a sweep that stopped at its first non-finite layer (SPEC §4).
func warnOverflow(_ spec: String, layer: Int, kept what: String = "rows") {
    warn("\(spec): values overflow at layer \(layer); \(what) up to layer \(layer - 1) are kept")
}
