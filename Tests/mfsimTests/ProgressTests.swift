import Foundation
import Testing
@testable import mfsim
import MeanField

/// Issue #13: progress on stderr for ntk, simulate, export and phase, only when stderr is a terminal.
@Suite("Progress on stderr")
struct ProgressTests {
    /// A sink that keeps what the bar writes.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [String] = []
        func write(_ text: String) { lock.lock(); parts.append(text); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
    }

    @Test func barDrawsStepsAndErasesItsLine() {
        let collector = Collector()
        let bar = ProgressBar(label: "export", total: 4, sink: collector.write)
        bar.step(1, detail: "ntk.csv")
        #expect(collector.text == "\r\u{1B}[Kexport [#######.......................] 25% (1/4) ntk.csv")
        bar.update(1, 4)   // the same percentage: not redrawn
        bar.update(2, 4)
        #expect(collector.text.hasSuffix("\r\u{1B}[Kexport [###############...............] 50% (2/4)"))
        bar.finish()
        #expect(collector.text.hasSuffix("\r\u{1B}[K"))
        let length = collector.text.count
        bar.finish()   // nothing left to erase
        #expect(collector.text.count == length)
        let idle = Collector()
        ProgressBar(label: "phase", total: 10, sink: idle.write).finish()
        #expect(idle.text.isEmpty, "a bar that drew nothing erases nothing")
    }

    /// The library's reports (``WorkProgress``) reach the bar as offsets of their step: one report
    /// per layer from the NTK recursion, one per trial from a simulation, for step 1 of 2.
    @Test func libraryReportsMoveTheBarWithinAStep() throws {
        let tanh = try Activation(spec: "tanh")
        for (unit, run) in [(5, { _ = NeuralTangents.twoInputs(tanh, q0: 1, c0s: [0.5], weights: GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1), layers: 5) }),
                            (3, { _ = try? Simulation.gaussian(tanh, q0: 1, c0: 0.5, weights: GaussianWeights(sigmaW2: 1.5, sigmaB2: 0.1),
                                                               settings: SimulationSettings(width: 4, layers: 2, trials: 3, seed: 1)) })] as [(Int, () -> Void)] {
            let collector = Collector()
            let bar = ProgressBar(label: "x", total: 2 * unit, sink: collector.write)
            withProgress(bar, step: 1, unit: unit) { run() }
            #expect(collector.text.hasSuffix("100% (\(2 * unit)/\(2 * unit))"), "\(collector.text.debugDescription)")
            #expect(!collector.text.contains("(\(unit - 1)/"), "reports are offset by the step: \(collector.text.debugDescription)")
        }
        // Unbound, a report goes nowhere (and the computation is unchanged).
        #expect(WorkProgress.current == nil)
    }

    /// Tests run with stderr on a file: no progress byte at all, even for a 2000-point phase grid.
    @Test(arguments: [
        ["ntk", "--activation", "relu", "--activation", "tanh", "--layers", "3"],
        ["simulate", "--width", "8", "--layers", "2", "--trials", "4"],
        ["simulate", "--model", "snn", "--width", "8", "--layers", "2", "--trials", "4"],
        ["phase", "--sigma-w2", "0.5:4:50", "--sigma-b2", "0:0.5:40"],
    ])
    func nothingOnStderrWithoutATerminal(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("\r") && !r.stderr.contains("["), "\(arguments): \(r.stderr.debugDescription)")
    }

    /// On a terminal (a pseudo-terminal from util-linux `script`, in Debian's essential bsdutils):
    /// the bar is drawn on stderr and erased before the program ends.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")), arguments: [
        (["ntk", "--activation", "relu", "--activation", "tanh", "--layers", "3"], "ntk [###############...............] 50% (3/6) tanh"),
        // Per layer and per trial, not only per activation: the last layer's and the last trial's reports.
        (["ntk", "--activation", "relu", "--activation", "tanh", "--layers", "3"], "ntk [##############################] 100% (6/6)"),
        (["simulate", "--width", "8", "--layers", "2", "--trials", "4", "--activation", "relu"], "simulate [..............................] 0% (0/4) relu"),
        (["simulate", "--width", "8", "--layers", "2", "--trials", "4", "--activation", "relu"], "simulate [##############################] 100% (4/4)"),
        (["simulate", "--network", "dense relu dense relu", "--width", "8", "--trials", "4"], "simulate --network [##############################] 100% (4/4)"),
        (["phase", "--sigma-w2", "0.5:4:50", "--sigma-b2", "0:0.5:40"], "phase tanh [##############################] 100% (2000/2000)"),
    ])
    func barOnATerminal(arguments: [String], line: String) throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("table.csv").path
        let command = ([MFSimProcess.executable.path] + arguments + ["-o", out]).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let r = try MFSimProcess.collect(process)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("\r\u{1B}[K" + line), "\(arguments): \(r.stdout.debugDescription)")
        #expect(r.stdout.hasSuffix("\r\u{1B}[K") || r.stdout.hasSuffix("\r\u{1B}[K\r\n"), "\(arguments): the line is erased: \(r.stdout.debugDescription)")
        #expect(FileManager.default.fileExists(atPath: out))
    }
}
