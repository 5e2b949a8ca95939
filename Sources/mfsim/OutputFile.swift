#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where `-o FILE` writes, decided before any work is done (so a bad path costs nothing and no
/// warning precedes its error):
///
/// - `-` or no `-o`: stdout.
/// - a symbolic link: resolved (links to links too); its target is written as below, the link is
///   left in place.
/// - a character or block device, a FIFO or a socket (`/dev/null`, `/proc/self/fd/1`, a pipe):
///   opened and written directly, never replaced.
/// - a regular file or a new name: a temporary file in the target's own directory, renamed over
///   the target once the whole text is written and synced (a reader never sees a partial file; a
///   failed run leaves the old file untouched; an existing file keeps its permission bits).
/// - a directory, a missing or unwritable directory: an error (exit 73) before the work.
final class OutputFile {
    private enum Destination {
        case standardOutput
        case direct(fd: Int32)
        case atomic(fd: Int32, temporary: String, final: String)
    }

    /// The path as the user gave it, for messages.
    let path: String?
    private var destination: Destination
    private var finished = false
    /// The temporary file's registration with ``InterruptedRuns`` (removed on SIGINT/SIGTERM/SIGHUP).
    private var interruptRegistration: Int?

    /// Opens the destination for `path` (nil or `-`: stdout).
    init(_ path: String?) throws {
        self.path = path
        guard let path, path != "-" else {
            destination = .standardOutput
            return
        }
        var info = stat()
        // A device, FIFO or socket (also behind a link, /proc/self/fd/N, /dev/stdout): written
        // through, never replaced.
        if stat(path, &info) == 0, ![S_IFREG, S_IFDIR].contains(info.st_mode & S_IFMT) || Self.isDescriptorPath(path) {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Self.failure(path, errno) }
            destination = .direct(fd: fd)
            return
        }
        let target = try Self.resolveLinks(path)
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw CommandError.cannotCreate("cannot write '\(path)': it is a directory")
            case S_IFREG:
                break
            default:   // device, FIFO, socket: written through, never replaced
                let fd = open(target, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw Self.failure(path, errno) }
                destination = .direct(fd: fd)
                return
            }
        } else if errno != ENOENT {
            throw Self.failure(path, errno)
        }
        let directory = PathNames.parent(target)
        let name = PathNames.lastComponent(target)
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).mfsim-\(getpid()).tmp"
        // Registered before it exists, so a signal between open and registration cannot miss it.
        let registration = InterruptedRuns.register(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            InterruptedRuns.release(registration)
            throw Self.failure(path, code)
        }
        if stat(target, &info) == 0 { fchmod(fd, info.st_mode & 0o7777) }
        destination = .atomic(fd: fd, temporary: temporary, final: target)
        interruptRegistration = registration
    }

    deinit { discard() }

    /// Writes the whole text and closes (renames the temporary file into place).
    func commit(_ text: String) throws {
        try write(text)
        try commit()
    }

    /// Writes the whole binary content (a `.npy` array) and closes, as ``commit(_:)``.
    func commit(bytes: [UInt8]) throws {
        try write(bytes: bytes)
        try commit()
    }

    /// Writes `text` (to stdout, the device, or the temporary file); nothing is replaced yet.
    func write(_ text: String) throws {
        try write(bytes: Array(text.utf8))
    }

    /// Writes `bytes` (to stdout, the device, or the temporary file); nothing is replaced yet.
    func write(bytes: [UInt8]) throws {
        switch destination {
        case .standardOutput:
            try StandardStreams.writeOutput(bytes: bytes)
        case let .direct(fd), let .atomic(fd, _, _):
            if let code = StandardStreams.writeAll(bytes, to: fd) { throw Self.failure(path ?? "-", code) }
        }
    }

    /// Finishes the output: closes a device; syncs, closes and renames a temporary file into place.
    func commit() throws {
        guard !finished else { return }
        finished = true
        switch destination {
        case .standardOutput:
            break
        case let .direct(fd):
            close(fd)
        case let .atomic(fd, temporary, final):
            var code: Int32?
            if fsync(fd) != 0 { code = errno }
            if close(fd) != 0, code == nil { code = errno }
            if code == nil, rename(temporary, final) != 0 { code = errno }
            if code != nil { unlink(temporary) }
            InterruptedRuns.release(interruptRegistration)
            if let code { throw Self.failure(path ?? final, code) }
        }
    }

    /// Abandons the output: the temporary file is removed, the target untouched.
    func discard() {
        guard !finished else { return }
        finished = true
        switch destination {
        case .standardOutput: break
        case let .direct(fd): close(fd)
        case let .atomic(fd, temporary, _):
            close(fd)
            unlink(temporary)
            InterruptedRuns.release(interruptRegistration)
        }
    }

    /// `/proc/self/fd/N`, `/dev/fd/N`, `/dev/stdout`, `/dev/stderr`: an open descriptor of this
    /// process, whatever it is (a file the shell opened is appended to as the shell meant).
    static func isDescriptorPath(_ path: String) -> Bool {
        ["/proc/self/fd/", "/dev/fd/"].contains { path.hasPrefix($0) } || ["/dev/stdout", "/dev/stderr"].contains(path)
    }

    /// Follows symbolic links (relative targets against the link's folder), at most 40 deep.
    static func resolveLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw failure(path, errno) }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : PathNames.appending(PathNames.parent(current), link)
        }
        throw failure(path, ELOOP)
    }

    static func failure(_ path: String, _ code: Int32) -> CommandError {
        CommandError.cannotCreate("cannot write '\(path)': \(String(cString: strerror(code)))")
    }
}

/// Writes a whole file at once through ``OutputFile`` (atomic for regular files).
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        try OutputFile(path).commit(text)
    }
}
