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

extension Simulate {
    /// `simulate --fluctuations`: across-network statistics beside the 1/n predictions.
    func fluctuationTable(_ activations: [Activation], _ weights: [GaussianWeights], _ q0: Double, _ c0: Double?,
                          _ settings: SimulationSettings, _ sampling: WeightSampling, _ meta: [(String, Cell)]) throws -> Table {
        // The backward pass needs the weight matrices: dense sampling only.
        let backward = sampling == .dense
        let statistics = ["q_sd", "vertex", "kernel_correction", "grad_rel_var"] + (backward ? ["grad_rel_var_backward"] : [])
            + (c0 == nil ? [] : ["c_sd", "vertex_11_22", "vertex_11_12", "vertex_12_12"])
        let columns = ["activation", "layer"] + statistics.flatMap { ["\($0)_predicted", "\($0)_empirical", "\($0)_se", "\($0)_deviation"] }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
        // One step of `trials` reports per run: one run per activation, two with --c0.
        let runs = c0 == nil ? 1 : 2, trials = settings.trials
        let bar = ProgressBar(label: "simulate --fluctuations", total: activations.count * runs * trials)
        defer { bar?.finish() }
        for (index, (a, w)) in zip(activations, weights).enumerated() {
            bar?.step(index * runs * trials, detail: a.spec)
            let r: (layers: [FluctuationLayer], firstNonFiniteLayer: Int?)
            do throws(GSLError) {
                r = try withProgress(bar, step: index * runs, unit: trials) { () throws(GSLError) in
                    try Simulation.fluctuations(a, q0: q0, weights: w, settings: settings, sampling: sampling)
                }
            } catch { throw CommandError.noSolution("simulate: \(error)") }
            var pairs: (layers: [TwoInputFluctuationLayer], firstNonFiniteLayer: Int?)?
            if let c0 {
                do throws(GSLError) {
                    pairs = try withProgress(bar, step: index * runs + 1, unit: trials) { () throws(GSLError) in
                        try Simulation.twoInputFluctuations(a, q0: q0, c0: c0, weights: w, settings: settings, sampling: sampling)
                    }
                } catch { throw CommandError.noSolution("simulate: \(error)") }
            }
            let name = Cell.text(a.spec)
            let rowCount = min(r.layers.count, pairs?.layers.count ?? r.layers.count)
            for (index, layer) in r.layers.prefix(rowCount).enumerated() {
                let pair: [FluctuationStatistic?] = pairs.map { p in
                    let t = p.layers[index]
                    return [t.correlationStandardDeviation, t.vertex11_22, t.vertex11_12, t.vertex12_12]
                } ?? []
                let cells = ([layer.qStandardDeviation, layer.vertex, layer.kernelCorrection, layer.gradientRelativeVariance]
                             + (backward ? [layer.backwardGradientRelativeVariance] : []) + pair)
                    .flatMap { s -> [Cell] in
                        guard let s else { return [.missing, .missing, .missing, .missing] }
                        return [s.predicted.map { .number($0) } ?? .missing, .number(s.estimate), .number(s.standardError),
                                s.deviation.map { .number($0) } ?? .missing]
                    }
                table.append([name, .integer(layer.layer)] + cells)
            }
            if let bad = [r.firstNonFiniteLayer, pairs?.firstNonFiniteLayer].compactMap({ $0 }).min() { warnOverflow(a.spec, layer: bad) }
        }
        return table
    }
}
