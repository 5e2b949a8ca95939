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

/// `mfsim ntk --network`: the NNGP and NTK of a composed network (SPEC §5), one row per top-level item.
extension Ntk {
    func networkTable() throws -> Table {
        let network = try networkOptions.network(requireGaussian: true)
        let items = network.items.map { Cell.text($0.shortText) }   // computed once, not per row
        var meta: [(String, Cell)] = [NetworkOptions.meta(network), ("blocks", .integer(network.items.count))]
        if let gram {
            let (kernel, n) = try InputKernelFile.read(gram, kind: gramInput, option: "--gram")
            let every = self.every ?? network.items.count
            try Self.checkGramMemory(inputs: n, reportedLayers: self.every == nil ? 1 : MemoryBudget.reportedLayers(network.items.count, every: every),
                                     activations: 1, columns: 6)
            meta += [("every", .integer(every)), ("gram", .text(gram)), ("gram_input", .text(gramInput.rawValue)), ("inputs", .integer(n))]
            var table = Table(columns: ["block", "item", "i", "j", "nngp", "ntk"], meta: MeanFieldVersion.meta(subcommand: "ntk", meta))
            let result = try NetworkKernels.gram(network, inputKernel: kernel, count: n, every: every)
            // Without --every, only the output (as for the plain MLP).
            for block in result.blocks where self.every != nil || block.block == network.items.count - 1 {
                for i in 0..<n {
                    for j in i..<n {
                        table.append([.integer(block.block), items[block.block], .integer(i), .integer(j),
                                      .number(block.nngp[i * n + j]), .number(block.ntk[i * n + j])])
                    }
                }
            }
            if let bad = result.firstNonFiniteBlock {
                warn("network: values overflow at block \(bad); matrices up to block \(bad - 1) are kept")
            }
            return table
        }
        let q0 = self.q0?.value ?? 1, c0s = try correlations(), every = self.every ?? 1
        let reported = MemoryBudget.reportedLayers(network.items.count, every: every)
        try MemoryBudget.check(rows: MemoryBudget.times(c0s.count, reported), columns: 7,
                               "ntk --network: \(c0s.count) correlations × \(reported) reported blocks")
        meta += [("every", .integer(every)), ("q0", .number(q0)), ("c0", .text(c0s.map(formatNumber).joined(separator: " ")))]
        var table = Table(columns: ["block", "item", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"],
                          meta: MeanFieldVersion.meta(subcommand: "ntk", meta))
        let result = try NetworkKernels.twoInputs(network, q0: q0, c0s: c0s, every: every)
        for r in result.rows {
            table.append([.integer(r.block), items[r.block], .number(r.c0), .number(r.nngp11), .number(r.nngp12),
                          .number(r.ntk11), .number(r.ntk12)])
        }
        if let bad = result.firstNonFiniteBlock {
            warn("network: values overflow at block \(bad); rows up to block \(bad - 1) are kept")
        }
        return table
    }
}
