import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// `mfsim simulate --network`: finite-width networks of a composed architecture beside the mean field.
extension Simulate {
    func networkTable() throws -> Table {
        let network = try networkOptions.network(requireGaussian: false)
        let settings = SimulationSettings(width: width, layers: 1, trials: trials, seed: seed)
        if inputs == nil { try checkNetworkMemory(blocks: network.items.count, items: network.layerCount, inputs: 2) }
        let gaussian = (try? network.checkGaussian()) != nil
        var meta: [(String, Cell)] = [("model", .text(model.rawValue)), NetworkOptions.meta(network), ("blocks", .integer(network.items.count)),
                                      ("width", .integer(width)), ("trials", .integer(trials)), ("seed", .text(String(seed))),
                                      ("mean_field", .bool(gaussian))]
        if !gaussian {
            warn("network: no Gaussian kernel recursion for this architecture; predicted and deviation cells are empty")
        }
        let items = network.items.map { Cell.text($0.shortText) }
        func cells(_ s: SimulatedStatistic?) -> [Cell] {
            guard let s else { return [.missing, .missing, .missing, .missing] }
            let predicted = s.predicted.isFinite
            return [predicted ? .number(s.predicted) : .missing, .number(s.mean), .number(s.standardError),
                    predicted ? (s.deviation.map { $0.isFinite ? .number($0) : .missing } ?? .missing) : .missing]
        }
        let gradientColumns = ["grad_ratio_predicted", "grad_ratio_empirical", "grad_ratio_se", "grad_ratio_deviation"]
        var table: Table
        let bad: Int?
        // One step per finished trial (the network's trials run on every core).
        let bar = ProgressBar(label: "simulate --network", total: settings.trials)
        defer { bar?.finish() }
        if let inputs {
            let (kernel, count) = try InputKernelFile.read(inputs, kind: inputsKind, option: "--gram")
            guard count <= width else { throw CommandError.badInput("--gram: \(count) inputs need --width >= \(count) (got \(width))") }
            try checkNetworkMemory(blocks: network.items.count, items: network.layerCount, inputs: count)
            meta += [("gram", .text(inputs)), ("gram_input", .text(inputsKind.rawValue)), ("inputs", .integer(count))]
            let r = try withProgress(bar, step: 0, unit: settings.trials) {
                try gslFailure { () throws(GSLError) in try NetworkSimulation.batch(network, inputKernel: kernel, count: count, settings: settings) }
            }
            table = Table(columns: ["block", "item", "i", "j", "nngp_predicted", "nngp_empirical", "nngp_se", "nngp_deviation"] + gradientColumns,
                          meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
            for block in r.blocks {
                for e in block.entries {
                    table.append([.integer(block.block), items[block.block], .integer(e.i), .integer(e.j)] + cells(e.value) + cells(block.gradientRatio))
                }
            }
            bad = r.firstNonFiniteBlock
        } else {
            let q0 = modelOptions.inputVariance, c0 = modelOptions.inputCorrelation
            meta += [("q0", .number(q0)), ("c0", .number(c0))]
            let r = try withProgress(bar, step: 0, unit: settings.trials) {
                try gslFailure { () throws(GSLError) in try NetworkSimulation.twoInputs(network, q0: q0, c0: c0, settings: settings) }
            }
            let columns = ["q", "c"].flatMap { p in ["\(p)_predicted", "\(p)_empirical", "\(p)_se", "\(p)_deviation"] }
            table = Table(columns: ["block", "item"] + columns + gradientColumns, meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
            for block in r.blocks {
                table.append([.integer(block.block), items[block.block]] + cells(block.q) + cells(block.c) + cells(block.gradientRatio))
            }
            bad = r.firstNonFiniteBlock
        }
        if let bad { warn("network: values overflow at block \(bad); rows up to block \(bad - 1) are kept (no gradient ratios)") }
        return table
    }
}
