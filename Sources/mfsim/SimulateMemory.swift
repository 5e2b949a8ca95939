import Glibc
import MeanField

/// The memory `mfsim simulate` holds, estimated from its options before any network is built and
/// refused above ``MemoryBudget/limit`` (issue #13, defect 9: a bound on bytes, not on a proxy).
///
/// With T trials, L layers, width N, B inputs (2 without `--gram`) and W = min(T, cores) trials
/// running at once, in bytes:
/// ```
/// kept per trial    = L × (8 B² + 80)            (each layer's B × B kernel array; --model snn: L × 20,
///                                                 --fluctuations: L × 32, with --c0 L × 40)
/// per running trial = 8 N² (dense weights) + 64 N B
///                     + --fluctuations backward pass: 8 L N² + L (8 N + 64) (when L N² <= 2^24)
///                     + --network: items × (8 N B + 64) (the tape of the backward pass)
/// total             = T × kept + W × running + rows × (64 + 40 × columns) + 32 MiB
/// ```
/// Calibrated against `/usr/bin/time -f "%M KB"` (docs/BENCHMARKS.md): the estimate is at or
/// above the measured peak and within about 1.5× of it where these terms dominate.
enum SimulationMemory {
    /// Trials running at once: concurrentMap runs one per core.
    static var concurrentTrials: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The estimated peak bytes of one simulation run (one activation at a time; `tableRows` of
    /// `columns` for the whole table).
    static func bytes(width n: Int, layers: Int, trials: Int, inputs b: Int, dense: Bool, keptPerLayer: Int,
                      backwardLayers: Int = 0, tapeItems: Int = 0, tableRows: Int, columns: Int) -> Int {
        let t = MemoryBudget.times
        let workers = min(trials, concurrentTrials)
        let n2 = MemoryBudget.squared(n)
        var running = t(8, dense ? n2 : 0) &+ t(64, t(n, b))
        if backwardLayers > 0 { running = running &+ t(8, t(backwardLayers, n2)) &+ t(backwardLayers, 8 * n + 64) }
        if tapeItems > 0 { running = running &+ t(tapeItems, t(8, t(n, b)) &+ 64) }
        let kept = t(trials, t(layers, keptPerLayer))
        let table = MemoryBudget.estimate(rows: tableRows, columns: columns)
        let parts = [kept, t(workers, running), table]
        if parts.contains(Int.max) || parts.contains(where: { $0 < 0 }) { return Int.max }
        let (sum, overflow) = parts.reduce((0, false)) { acc, x in
            let (s, o) = acc.0.addingReportingOverflow(x)
            return (s, acc.1 || o)
        }
        return overflow ? Int.max : sum
    }

    /// Refuses a run whose estimate exceeds ``MemoryBudget/limit`` (exit 64), naming its size.
    static func check(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        guard bytes > MemoryBudget.limit else { return }
        throw CommandError.usage("\(what()) would hold about \(MemoryBudget.describe(bytes)) in memory; the limit is \(MemoryBudget.limitText) "
                                 + "(fewer trials, layers or a smaller --width)")
    }
}

extension Simulate {
    /// The memory check of a plain-MLP run (two inputs, --model snn, --fluctuations) for
    /// `activations` activations; `--gram` and `--network` are checked where their sizes are known.
    func checkMemory(activations: Int) throws {
        let rows = MemoryBudget.times(layers, activations)
        let dense = weights == .dense
        let bytes: Int
        if model == .snn {
            bytes = SimulationMemory.bytes(width: width, layers: layers, trials: trials, inputs: 1, dense: true, keptPerLayer: 20,
                                           tableRows: rows, columns: 10)
        } else if fluctuations {
            let pairs = modelOptions.c0 != nil
            let backward = dense && MemoryBudget.times(layers, MemoryBudget.squared(width)) <= 1 << 24 ? layers : 0
            bytes = SimulationMemory.bytes(width: width, layers: layers, trials: trials, inputs: 2, dense: dense,
                                           keptPerLayer: pairs ? 40 : 32, backwardLayers: backward, tableRows: rows, columns: pairs ? 38 : 22)
        } else {
            bytes = SimulationMemory.bytes(width: width, layers: layers, trials: trials, inputs: 2, dense: dense, keptPerLayer: 8 * 4 + 80,
                                           tableRows: rows, columns: 10)
        }
        try SimulationMemory.check(bytes, "simulate: \(activations) activations × \(layers) layers × \(trials) trials of width \(width)")
    }

    /// The memory check of `--network` with `blocks` top-level items and `count` inputs.
    func checkNetworkMemory(blocks: Int, items: Int, inputs count: Int) throws {
        let bytes = SimulationMemory.bytes(width: width, layers: blocks, trials: trials, inputs: count, dense: true,
                                           keptPerLayer: 8 * count * count + 96, tapeItems: items,
                                           tableRows: MemoryBudget.times(blocks, count * (count + 1) / 2), columns: 14)
        try SimulationMemory.check(bytes, "simulate --network: \(blocks) blocks × \(trials) trials of width \(width), \(count) inputs")
    }
}
