import Foundation
import Testing

/// An interrupted run leaves no temporary file and never touches its targets (InterruptedRuns.swift,
/// issue #13): the run is stopped while its temporary file exists (seen on disk, not guessed by a
/// timer), by SIGINT (Ctrl-C), SIGTERM and SIGHUP, and ends by that signal.
@Suite struct InterruptedRunTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mfsim-interrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `arguments` with SIGINT, SIGTERM and SIGHUP unblocked and at their default actions (the
    /// test runner's threads may block them, and a child inherits its spawning thread's mask), waits
    /// until a `.mfsim-` temporary file appears in `folder`, sends `signal`; the wait status.
    static func interrupt(_ arguments: [String], in folder: URL, with signal: Int32) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([MFSimProcess.executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, MFSimProcess.executable.path, &actions, &attributes, argv, environ)
        try #require(spawned == 0, "posix_spawn: \(spawned)")
        var seen = false, status: Int32 = 0
        for _ in 0..<6000 {
            if waitpid(pid, &status, WNOHANG) == pid { return status }   // ended before the signal: the checks fail
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            if names.contains(where: { $0.contains(".mfsim-") && $0.hasSuffix(".tmp") }) { seen = true; break }
            usleep(5000)
        }
        #expect(seen, "\(arguments): no temporary file appeared while the run lasted")
        kill(pid, signal)
        waitpid(pid, &status, 0)
        return status
    }

    /// Whether a wait status says "killed by `signal`" (WIFSIGNALED and WTERMSIG, by hand).
    static func killed(_ status: Int32, by signal: Int32) -> Bool { status & 0x7f == signal }

    // A long computation (softsign's nested quadrature at 400 layers: minutes), stopped early.
    static let long = ["ntk", "--activation", "softsign", "--q0", "1e-6", "--c0", "-1:1:41", "--layers", "400"]

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptedRunLeavesNoTemporaryFile(signal: Int32) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("old.csv")
        try "previous contents\n".write(to: old, atomically: false, encoding: .utf8)
        let status = try Self.interrupt(Self.long + ["-o", old.path], in: dir, with: signal)
        #expect(Self.killed(status, by: signal), "wait status \(status)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["old.csv"])
        #expect(try String(contentsOf: old, encoding: .utf8) == "previous contents\n")
    }

    /// export opens every file before its work: all its temporary files go.
    @Test func anInterruptedExportLeavesNoTemporaryFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let status = try Self.interrupt(["export", "--dir", dir.path], in: dir, with: SIGINT)
        #expect(Self.killed(status, by: SIGINT), "wait status \(status)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.contains(".mfsim-") }, "\(left)")
    }
}
