import ArgumentParser
import Foundation
import MeanField

extension Simulate {
    /// `simulate --fluctuations`: across-network statistics beside the 1/n predictions.
    func fluctuationTable(_ activations: [Activation], _ weights: [GaussianWeights], _ q0: Double, _ settings: SimulationSettings,
                          _ sampling: WeightSampling, _ meta: [(String, Cell)]) throws -> Table {
        let statistics = ["q_sd", "vertex", "kernel_correction", "grad_rel_var"]
        let columns = ["activation", "layer"] + statistics.flatMap { ["\($0)_predicted", "\($0)_empirical", "\($0)_se", "\($0)_deviation"] }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "simulate", meta))
        for (a, w) in zip(activations, weights) {
            let r: (layers: [FluctuationLayer], firstNonFiniteLayer: Int?)
            do throws(GSLError) {
                r = try Simulation.fluctuations(a, q0: q0, weights: w, settings: settings, sampling: sampling)
            } catch { throw CommandError.noSolution("simulate: \(error)") }
            let name = Cell.text(a.spec)
            for layer in r.layers {
                let cells = [layer.qStandardDeviation, layer.vertex, layer.kernelCorrection, layer.gradientRelativeVariance]
                    .flatMap { s -> [Cell] in
                        guard let s else { return [.missing, .missing, .missing, .missing] }
                        return [s.predicted.map { .number($0) } ?? .missing, .number(s.estimate), .number(s.standardError),
                                s.deviation.map { .number($0) } ?? .missing]
                    }
                table.append([name, .integer(layer.layer)] + cells)
            }
            if let bad = r.firstNonFiniteLayer { warn("\(a.spec): values overflow at layer \(bad); rows up to layer \(bad - 1) are kept") }
        }
        return table
    }
}
