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

/// A finite real number on the command line: NaN and ±inf are refused with the value named.
struct Real: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let value: Double
    init(_ value: Double) { self.value = value }
    init?(argument: String) {
        guard let value = Double(argument.trimmingWhitespace()), value.isFinite else { return nil }
        self.value = value
    }
    var description: String { formatNumber(value) }
    var defaultValueDescription: String { formatSpecNumber(value) }
}

/// Numeric lists: each occurrence of a repeatable option is a number or a range
/// `START:STOP:COUNT` (inclusive, COUNT evenly spaced points); ``NumberListArgument`` holds one.
enum NumericList {
    static let maximumCount = 1_000_000

    /// Why an item is not a number or a range; the message names the option and the item.
    enum Malformed: Error, Sendable {
        case notFinite, malformedRange, count(Int), order

        func message(option: String, item: String) -> String {
            switch self {
            case .notFinite: return "\(option): '\(item)' is not a finite number"
            case .malformedRange: return "\(option): malformed range '\(item)' (expected START:STOP:COUNT, e.g. -1:1:201)"
            case let .count(count): return "\(option): range '\(item)' has COUNT \(count); it must be 1 to \(maximumCount)"
            case .order: return "\(option): range '\(item)' must have START < STOP (or START = STOP with COUNT 1)"
            }
        }
    }

    /// One occurrence of a list option: a number, or a range kept as its three numbers (its points
    /// are made only after the whole command line's count is checked against the memory budget, so
    /// 10⁵ occurrences of `0:1:1000000` are refused at once instead of filling the memory while parsing).
    enum Item: Sendable, Equatable {
        case value(Double)
        case range(start: Double, stop: Double, count: Int)

        var count: Int {
            switch self {
            case .value: return 1
            case let .range(_, _, count): return count
            }
        }

        var values: [Double] {
            switch self {
            case let .value(x): return [x]
            case let .range(start, stop, count): return NumericList.range(start, stop, count)
            }
        }
    }

    static func parseItem(_ item: String) -> Result<Item, Malformed> {
        let text = item.trimmingWhitespace()
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1 {
            guard let value = Double(text), value.isFinite else { return .failure(.notFinite) }
            return .success(.value(value))
        }
        guard parts.count == 3, let start = Double(parts[0]), let stop = Double(parts[1]),
              start.isFinite, stop.isFinite, let count = Int(parts[2]) else {
            return .failure(.malformedRange)
        }
        guard count >= 1, count <= maximumCount else { return .failure(.count(count)) }
        guard start < stop || (start == stop && count == 1) else { return .failure(.order) }
        return .success(.range(start: start, stop: stop, count: count))
    }

    /// COUNT evenly spaced points from START to STOP inclusive (a default range of a subcommand).
    static func range(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        if count == 1 { return [start] }
        return (0..<count).map { i in
            i == count - 1 ? stop : start + (stop - start) * Double(i) / Double(count - 1)
        }
    }
}

extension MeanFieldVersion {
    static func meta(subcommand: String, _ parameters: [(String, Cell)]) -> [Table.Meta] {
        [Table.Meta("mfsim_version", .text(string)), Table.Meta("subcommand", .text(subcommand))]
            + parameters.map { Table.Meta($0.0, $0.1) }
    }
}

/// The edge of chaos for each (activation, σb²), on every core, with the length map started at
/// `q0`: nil where there is none (a warning names why, and the caller leaves the cells empty); a
/// solver failure is an error (exit 65).
func edgesOfChaos(_ jobs: [(Activation, Double)], q0: Double = 1) throws -> [(sigmaW2: Double, qStar: Double?)?] {
    let results = concurrentMap(jobs) { a, b -> Result<(sigmaW2: Double, qStar: Double?), SignalPropagationError> in
        do throws(SignalPropagationError) { return .success(try SignalPropagation.edgeOfChaos(a, sigmaB2: b, q0: q0)) } catch { return .failure(error) }
    }
    return try zip(jobs, results).map { job, result in
        switch result {
        case let .success(edge): return edge
        case let .failure(.noEdge(message)): warn(message); return nil
        case let .failure(error): throw CommandError.noSolution("\(job.0.spec): \(error)")
        }
    }
}

/// `--model snn|gaussian` of depth-sweep and simulate.
enum NetworkModel: String, ExpressibleByArgument, CaseIterable { case snn, gaussian }

/// A `--sigma-w2` value: a number > 0, or `edge` (the edge-of-chaos σw² at the given σb², solved by
/// ``SignalPropagation/edgeOfChaos(_:sigmaB2:)``).
enum WeightVarianceArgument: ExpressibleByArgument, Sendable, CustomStringConvertible, Equatable {
    case value(Double)
    case edge

    init?(argument: String) {
        if argument.trimmingWhitespace() == "edge" { self = .edge; return }
        guard let real = Real(argument: argument) else { return nil }
        self = .value(real.value)
    }

    /// The number, nil for `edge`.
    var value: Double? { if case let .value(x) = self { return x }; return nil }
    var description: String { value.map(formatNumber) ?? "edge" }
}

/// `--sigma-w2` and `--sigma-b2` of Model B (depth-sweep, simulate, ntk).
struct GaussianWeightOptions: ParsableArguments {
    @Option(name: .customLong("sigma-w2"), parsing: .unconditional,
            help: ArgumentHelp("Model B weight variance sigma_w2 > 0, or 'edge': the edge-of-chaos sigma_w2 at the given sigma_b2 (as 'mfsim edge' solves it). Without it, each activation's variance-preserving k = 1/E[phi(z)^2] keeps q = 1 a fixed point for sigma_b2 = 0; k is the edge of chaos only where chi1 = 1 there, e.g. relu. (default: k)", valueName: "W|edge"))
    var sigmaW2: WeightVarianceArgument?
    @Option(name: .customLong("sigma-b2"), parsing: .unconditional, help: ArgumentHelp("Model B bias variance sigma_b2 >= 0. (default: 0)", valueName: "B"))
    var sigmaB2: Real?

    /// The options given, for refusing them under another model.
    var given: [String] { (sigmaW2 == nil ? [] : ["--sigma-w2"]) + (sigmaB2 == nil ? [] : ["--sigma-b2"]) }

    func check() throws {
        if let w = sigmaW2?.value, w <= 0 { throw ValidationError("--sigma-w2 must be > 0 or 'edge' (got \(formatNumber(w)))") }
        if let sigmaB2, sigmaB2.value < 0 { throw ValidationError("--sigma-b2 must be >= 0 (got \(sigmaB2))") }
    }

    /// Each activation's weights: σw² as given, its edge of chaos (`edge`; an activation without one
    /// at this σb² is an error, exit 65), or its variance-preserving k; σb² as given or 0.
    func resolvedWeights(for activations: [Activation]) throws -> [GaussianWeights] {
        let b2 = sigmaB2?.value ?? 0
        if sigmaW2 == .edge {
            let edges = try concurrentMap(activations) { a -> Result<Double, SignalPropagationError> in
                do throws(SignalPropagationError) { return .success(try SignalPropagation.edgeOfChaos(a, sigmaB2: b2).sigmaW2) } catch { return .failure(error) }
            }.enumerated().map { index, result in
                switch result {
                case let .success(w2): return w2
                case let .failure(error): throw CommandError.noSolution("--sigma-w2 edge: \(activations[index].spec): \(error)")
                }
            }
            return edges.map { GaussianWeights(sigmaW2: $0, sigmaB2: b2) }
        }
        return weights(for: activations)
    }

    /// Each activation's weights for a numeric or default `--sigma-w2` (kept for callers that cannot
    /// throw; `edge` needs ``resolvedWeights(for:)``, and is NaN here, which no table prints).
    func weights(for activations: [Activation]) -> [GaussianWeights] {
        activations.map { a in
            let w2 = sigmaW2.map { $0.value ?? .nan } ?? Slopes.initializationGain(a).weightVarianceFactor
            return GaussianWeights(sigmaW2: w2, sigmaB2: sigmaB2?.value ?? 0)
        }
    }

    /// `sigma_w2` (per activation) and `sigma_b2` for a table's meta.
    func meta(_ activations: [Activation], _ weights: [GaussianWeights]) -> [(String, Cell)] {
        [("sigma_w2", .text(zip(activations, weights).map { "\($0.spec)=\(formatNumber($1.sigmaW2))" }.joined(separator: " "))),
         ("sigma_b2", .number(sigmaB2?.value ?? 0))]
    }
}

/// The inputs and weights of Model A (`--mu0 --nu0 --omega --tau`) and Model B (`--sigma-w2
/// --sigma-b2 --q0 --c0`), shared by depth-sweep and simulate: each model refuses the other's.
struct ModelOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "snn: mean mu0 of the input activations. (default: 0)")
    var mu0: Real?
    @Option(parsing: .unconditional, help: "snn: variance nu0 of the input activations, >= 0 (simulate: > 0). (default: 1)")
    var nu0: Real?
    @Option(parsing: .unconditional, help: "snn: sum of a unit's incoming weights, omega. (default: 0)")
    var omega: Real?
    @Option(parsing: .unconditional, help: "snn: sum of a unit's squared incoming weights, tau >= 0 (simulate: >= omega^2/N). (default: 1)")
    var tau: Real?
    @OptionGroup var gaussianWeights: GaussianWeightOptions
    @Option(parsing: .unconditional, help: "gaussian: variance q0 > 0 of both inputs. (default: 1)")
    var q0: Real?
    @Option(parsing: .unconditional, help: "gaussian: correlation c0 in [-1, 1] of the two inputs. (default: 0.5)")
    var c0: Real?

    /// Refuses the other model's options, then checks every given value's domain.
    func check(model: NetworkModel) throws {
        let snnOptions = [("--mu0", mu0), ("--nu0", nu0), ("--omega", omega), ("--tau", tau)].filter { $0.1 != nil }.map(\.0)
        let gaussianOptions = gaussianWeights.given + [("--q0", q0), ("--c0", c0)].filter { $0.1 != nil }.map(\.0)
        for name in model == .snn ? gaussianOptions : snnOptions {
            throw ValidationError("\(name) applies to --model \(model == .snn ? "gaussian" : "snn"), not --model \(model.rawValue)")
        }
        if let nu0, nu0.value < 0 { throw ValidationError("--nu0 must be >= 0 (got \(nu0))") }
        if let tau, tau.value < 0 { throw ValidationError("--tau must be >= 0 (got \(tau))") }
        try gaussianWeights.check()
        if let q0, q0.value <= 0 { throw ValidationError("--q0 must be > 0 (got \(q0))") }
        if let c0, abs(c0.value) > 1 { throw ValidationError("--c0 must be in [-1, 1] (got \(c0))") }
    }

    /// Model A's input (μ0, ν0), default (0, 1).
    var start: MeanVariance { MeanVariance(mean: mu0?.value ?? 0, variance: nu0?.value ?? 1) }
    /// Model A's weight moments (ω, τ), default (0, 1).
    var weightMoments: WeightMoments { WeightMoments(omega: omega?.value ?? 0, tau: tau?.value ?? 1) }
    /// Model B's input variance, default 1.
    var inputVariance: Double { q0?.value ?? 1 }
    /// Model B's input correlation, default 0.5.
    var inputCorrelation: Double { c0?.value ?? 0.5 }
}
