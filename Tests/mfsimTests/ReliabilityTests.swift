import Foundation
import Testing

/// Issue #13's defects, each reproduced through the real executable: no crash, no clobbered or
/// partial file, no NaN or inf passed off as a number.
@Suite("Reliability: crashes, output files, non-numbers")
struct ReliabilityTests {
    /// Runs `script` in /bin/sh with `$MFSIM` set to the executable, in `directory`.
    static func shell(_ script: String, in directory: URL) throws -> MFSimProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.environment = ["MFSIM": MFSimProcess.executable.path, "PATH": "/usr/bin:/bin"]
        return try MFSimProcess.collect(process)
    }

    static func isRoot() -> Bool { getuid() == 0 }

    // MARK: Defect 2: crashes

    @Test func fullDeviceAndClosedStreamsAreErrorsNotSignals() throws {
        let dir = try temporaryDirectory()
        let full = try Self.shell("$MFSIM gain > /dev/full", in: dir)
        #expect(full.status == 74 && full.stderr.hasPrefix("mfsim: error: cannot write to stdout"), "\(full)")
        let closed = try Self.shell("$MFSIM gain >&-", in: dir)
        #expect(closed.status == 74 && closed.stderr.hasPrefix("mfsim: error: cannot write to stdout"), "\(closed)")
        let noStderr = try Self.shell("$MFSIM gain --bogus 2>&-", in: dir)
        #expect(noStderr.status == 64)
        // A closed stderr must not become the output file's descriptor (warnings would land in it).
        let fileWithClosedStderr = try Self.shell("$MFSIM simulate --activation relu --width 2 --layers 3 --trials 10 -o out.csv 2>&-; echo $?", in: dir)
        #expect(fileWithClosedStderr.stdout == "0\n")
        let text = try String(contentsOf: dir.appendingPathComponent("out.csv"), encoding: .utf8)
        #expect(text.hasPrefix("activation,layer,") && !text.contains("warning"))
        let brokenPipe = try Self.shell("$MFSIM slopes --variance 0.1:5:2000 | head -c 10 > /dev/null; echo done", in: dir)
        #expect(brokenPipe.stdout == "done\n" && !brokenPipe.stderr.contains("Fatal"))
    }

    @Test(arguments: [["gain"], ["slopes"], ["rnn-gain"], ["depth-sweep", "--layers", "3"], ["depth-sweep", "--model", "gaussian", "--layers", "3"],
                      ["ntk", "--layers", "3", "--c0", "0.5"], ["simulate", "--width", "4", "--layers", "2", "--trials", "2"],
                      ["phase", "--sigma-w2", "1", "--sigma-b2", "0.1"], ["edge", "--sigma-b2", "0.1"]])
    func hugeSeluParametersNeverTrap(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments + ["--activation", "selu:lambda=1e200,alpha=1e200"])
        #expect(r.status == 0 || r.status == 65, "\(arguments): \(r.status) \(r.stderr)")
        if r.status != 0 { #expect(r.stderr.hasPrefix("mfsim: error: "), "\(r.stderr)") }
        #expect(!r.stdout.lowercased().contains("nan"), "\(arguments): \(r.stdout)")
        // inf only where SPEC allows it: phase's q_star of an unbounded length map.
        let infinite = r.stdout.contains("inf")
        #expect(!infinite || (arguments[0] == "phase" && r.stdout.contains(",inf,") && r.stdout.contains("unbounded")), "\(arguments): \(r.stdout)")
    }

    @Test(arguments: [["fixedpoint", "--mean", "1e308", "--domain"], ["fixedpoint", "--domain", "--box-omega=-1e308:1e308"],
                      ["fixedpoint", "--omega", "1.7976931348623157e308"]])
    func extremeFixedPointsFailCleanly(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 65, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("mfsim: error: ") && !r.stderr.contains("Fatal"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    // MARK: Defect 3: NaN or inf with exit 0

    @Test(arguments: [["gain", "--variance", "1e308"], ["gain", "--variance", "5e-324"], ["gain", "--activation", "elu:alpha=1e308"]])
    func nonNumbersAreRefused(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 65, "\(arguments): \(r.status) \(r.stdout)")
        #expect(r.stderr.hasPrefix("mfsim: error: ") && r.stderr.contains("double precision"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func simulateCountsTrialsWithUndefinedCorrelation() throws {
        let r = try MFSimProcess.run(["simulate", "--activation", "relu", "--width", "2", "--layers", "3", "--trials", "10", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.lowercased().contains("nan"))
        #expect(r.stderr.hasPrefix("mfsim: warning: relu: c is undefined"), "\(r.stderr)")
        #expect(r.stdout.contains("\"undefined_samples\": ") && !r.stdout.contains("\"undefined_samples\": 0"))
    }

    // MARK: Defect 5: non-PSD kernels

    @Test func indefiniteKernelsAreRefused() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("K.csv")
        try "1,.9,.9\n.9,1,-.9\n.9,-.9,1\n".write(to: file, atomically: true, encoding: .utf8)
        for arguments in [["ntk", "--gram", file.path, "--gram-input", "kernel", "--layers", "2"],
                          ["simulate", "--inputs", file.path, "--inputs-kind", "kernel", "--width", "8", "--layers", "2", "--trials", "2"]] {
            let r = try MFSimProcess.run(arguments)
            #expect(r.status == 65, "\(arguments): \(r.status)")
            #expect(r.stderr.hasPrefix("mfsim: error: ") && r.stderr.contains("not positive semi-definite (smallest eigenvalue -0.8"), "\(r.stderr)")
        }
    }

    // MARK: Defects 1 and 8: -o writes through links and devices, checked before the work

    @Test func outputThroughSymbolicLinkReplacesTheTarget() throws {
        let dir = try temporaryDirectory()
        let target = dir.appendingPathComponent("real.csv"), link = dir.appendingPathComponent("link.csv")
        try "old\n".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.csv")
        let r = try MFSimProcess.run(["gain", "--activation", "relu", "-o", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.csv")
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("activation,variance,"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["link.csv", "real.csv"])
    }

    @Test func devicesAndFifosAreWrittenDirectly() throws {
        let dir = try temporaryDirectory()
        let stdout = try MFSimProcess.run(["gain", "--activation", "relu", "-o", "-"])
        #expect(stdout.status == 0 && stdout.stdout.hasPrefix("activation,variance,"))
        let proc = try Self.shell("$MFSIM gain --activation relu -o /proc/self/fd/1", in: dir)
        #expect(proc.status == 0 && proc.stdout.hasPrefix("activation,variance,"), "\(proc)")
        let fifo = try Self.shell("mkfifo f && (cat f > got &) && $MFSIM gain --activation relu -o f; wait; sleep 0.2; cat got", in: dir)
        #expect(fifo.status == 0 && fifo.stdout.hasPrefix("activation,variance,"), "\(fifo)")
        if Self.isRoot() {
            // A private copy of /dev/full and /dev/null: written through, never replaced.
            let devices = try Self.shell("mknod full c 1 7 && mknod null c 1 3 && $MFSIM gain -o null && echo ok; $MFSIM gain -o full; echo $?; ls -l full null | cut -c1", in: dir)
            #expect(devices.stdout == "ok\n73\nc\nc\n", "\(devices)")
            #expect(devices.stderr.hasPrefix("mfsim: error: cannot write 'full': No space left on device"), "\(devices.stderr)")
        }
    }

    @Test func badOutputPathsFailBeforeTheWork() throws {
        let dir = try temporaryDirectory()
        // simulate's defaults take seconds; a bad path must fail at once, with no warning first.
        for path in ["/no/such/folder/x.csv", dir.path] {
            let start = Date()
            let r = try MFSimProcess.run(["simulate", "--activation", "relu", "--width", "2", "--layers", "3", "--trials", "10", "-o", path])
            #expect(r.status == 73 && r.stderr.hasPrefix("mfsim: error: cannot write"), "\(r.stderr)")
            #expect(Date().timeIntervalSince(start) < 30)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func failedRunsLeaveTheOldFile() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("out.csv")
        try "old\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try MFSimProcess.run(["gain", "--variance", "1e308", "-o", file.path])
        #expect(r.status == 65)
        #expect(try String(contentsOf: file, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.csv"])
    }

    @Test func exportIsAllOrNothing() throws {
        let dir = try temporaryDirectory()
        // A folder where one table should go: that table cannot be written, so none may be.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("phase_elu.csv"), withIntermediateDirectories: false)
        try "old\n".write(to: dir.appendingPathComponent("gains.csv"), atomically: true, encoding: .utf8)
        let r = try MFSimProcess.run(["export", "--dir", dir.path])
        #expect(r.status == 73 && r.stderr.hasPrefix("mfsim: error: cannot write"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["gains.csv", "phase_elu.csv"])
        #expect(try String(contentsOf: dir.appendingPathComponent("gains.csv"), encoding: .utf8) == "old\n")
    }

    // MARK: Defect 4: phases

    @Test func saturatedIteratesAreNotFixedPoints() throws {
        for (spec, w, b) in [("elu", "2", "0"), ("relu", "2", "0.1")] {
            let r = try MFSimProcess.run(["phase", "--activation", spec, "--sigma-w2", w, "--sigma-b2", b])
            #expect(r.status == 0)
            #expect(csvRows(r.stdout).first?["phase"] == "unbounded" && csvRows(r.stdout).first?["q_star"] == "inf", "\(spec): \(r.stdout)")
        }
    }

    @Test func bistableLengthMapReportsTheBasinBoundary() throws {
        // silu at (2.8, 0.04): from q0 = 1 (above the unstable fixed point) q grows without bound;
        // from q0 = 0.1 it falls to the stable q* = 0.18583078792506254 (issue #13).
        let high = csvRows(try MFSimProcess.run(["phase", "--activation", "silu", "--sigma-w2", "2.8", "--sigma-b2", "0.04"]).stdout)[0]
        #expect(high["phase"] == "unbounded")
        let low = csvRows(try MFSimProcess.run(["phase", "--activation", "silu", "--sigma-w2", "2.8", "--sigma-b2", "0.04", "--q0", "0.1"]).stdout)[0]
        let qStar = try #require(low["q_star"].flatMap(Double.init))
        #expect(abs(qStar / 0.18583078792506254 - 1) < 1e-12 && low["phase"] == "ordered")
        // The same unstable fixed point bounds both basins, and it lies between them.
        let u1 = try #require(high["q_unstable"].flatMap(Double.init)), u2 = try #require(low["q_unstable"].flatMap(Double.init))
        #expect(abs(u1 / u2 - 1) < 1e-12 && u1 > qStar && u1 < 1)
    }

    // MARK: Consistency

    @Test func columnsSelectsAndOrders() throws {
        let r = try MFSimProcess.run(["gain", "--activation", "relu", "--columns", "std_gain,activation"])
        #expect(r.status == 0 && r.stdout == "std_gain,activation\r\n1.4142135623730951,relu\r\n")
        let bad = try MFSimProcess.run(["gain", "--columns", "activation,bogus"])
        #expect(bad.status == 64 && bad.stderr.hasPrefix("mfsim: error: --columns: unknown column 'bogus'"))
        let empty = try MFSimProcess.run(["gain", "--columns", "activation,,std_gain"])
        #expect(empty.status == 64 && empty.stderr.hasPrefix("mfsim: error: "))
    }
}
