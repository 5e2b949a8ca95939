import ArgumentParser
import Foundation
import MeanField

/// `mfsim shape`: DKS and TAT activation transformations (SPEC §6).
struct Shape: TableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Kernel shaping: exact DKS and TAT transformations phi_hat(x) = output_scale*(phi(input_scale*x + input_shift) + output_shift).",
        discussion: """
            Deep Kernel Shaping (Martens et al. 2021, arXiv 2110.01765) and Tailored Activation Transformations \
            (Zhang et al. 2022, ICLR) as the deepmind 'dks' package defines them, with the local maps of phi_hat at q = 1, \
            x ~ N(0,1): Q(1) = E[phi_hat^2] = 1 (output_scale), q_slope Q'(1) = E[phi_hat phi_hat' x], c_zero C(0) = E[phi_hat]^2, \
            c_slope C'(1) = E[phi_hat'^2], c_curvature C''(1) = E[phi_hat''^2] (inf for a C0 kink). \
            DKS: Q'(1) = --q-slope, C(0) = 0, C'(1) = zeta^(1/D), solved for (input_scale, input_shift); relu: input_shift \
            +1 (or -1 when zeta^(1/D) >= pi/(pi-1)) and input_scale solved for C'(1) alone; leaky_relu: (negative_slope, \
            input_shift) solved, input_scale 1. TAT: Q'(1) = 1, C'(1) = 1, C''(1) = tau/D, solved for (input_scale, \
            input_shift, output_shift), solutions with input_scale*output_scale >= 2 rejected; leaky_relu: negative_slope \
            with C^D(0) = eta, output_scale = sqrt(2/(1+slope^2)). TAT of an activation whose derivative jumps (relu, selu, \
            elu with alpha != 1) is refused. Where several parameter sets qualify, the one found first from dks' starting \
            points (input_scale 1, 0.1 x input_shift 0, 1, -1 x output_shift 0, 1, -1) is taken. The 'spec' column is \
            phi_hat as an activation spec. --check adds the network's achieved C(0), C'(1), C''(1), measured from phi_hat \
            through the NNGP recursion of D layers.
            """)

    @Option(help: "Transformation: dks or tat.")
    var method: ShapingMethod = .dks
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec (repeatable; default: tanh). A leaky_relu's slope is solved for. See 'mfsim activations'.", valueName: "SPEC"))
    var activation: [String] = []
    @Option(help: "Depth D >= 1: the number of nonlinear layers of the plain network.")
    var depth: Int = 10
    @Option(parsing: .unconditional, help: "DKS: the network's maximal C'(1), zeta > 1.")
    var zeta: Real = Real(1.5)
    @Option(name: .customLong("q-slope"), parsing: .unconditional, help: "DKS: the local Q'(1) > 0.")
    var qSlope: Real = Real(1)
    @Option(parsing: .unconditional, help: "TAT (smooth activations): the network's maximal C''(1), tau > 0.")
    var tau: Real = Real(0.3)
    @Option(parsing: .unconditional, help: "TAT (leaky_relu): the network's maximal C(0), eta in [0, 1).")
    var eta: Real = Real(0.9)
    @Flag(help: "Also measure the shaped network: network_c_zero = C^D(0), network_c_slope, network_c_curvature.")
    var check = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try asUsageError { _ = try parseActivations(activation, default: ["tanh"]) }
        guard depth >= 1, depth <= 1_000_000 else { throw ValidationError("--depth must be 1 to 1000000 (got \(depth))") }
        guard zeta.value > 1 else { throw ValidationError("--zeta must be > 1 (got \(zeta))") }
        guard qSlope.value > 0 else { throw ValidationError("--q-slope must be > 0 (got \(qSlope))") }
        guard tau.value > 0 else { throw ValidationError("--tau must be > 0 (got \(tau))") }
        guard eta.value >= 0, eta.value < 1 else { throw ValidationError("--eta must be in [0, 1) (got \(eta))") }
    }

    func makeTable() throws -> Table {
        let activations = try parseActivations(activation, default: ["tanh"])
        let network = PlainNetwork(depth: depth)
        var columns = ["activation", "method", "input_scale", "input_shift", "output_shift", "output_scale", "negative_slope",
                       "q_slope", "c_zero", "c_slope", "c_curvature"]
        if check { columns += ["network_c_zero", "network_c_slope", "network_c_curvature"] }
        columns.append("spec")
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "shape", [
            ("activation", .text(activations.map(\.spec).joined(separator: " "))),
            ("method", .text(method.rawValue)), ("depth", .integer(depth)),
            ("zeta", .number(zeta.value)), ("q_slope", .number(qSlope.value)),
            ("tau", .number(tau.value)), ("eta", .number(eta.value)),
            ("local_c_slope_target", .number(method == .dks ? network.localSlopeTarget(networkSlope: zeta.value) : 1)),
            ("local_c_curvature_target", method == .tat ? .number(network.localCurvatureTarget(networkCurvature: tau.value)) : .missing)]))
        let method = self.method, zeta = self.zeta.value, qSlope = self.qSlope.value, tau = self.tau.value, eta = self.eta.value
        let check = self.check
        let results = concurrentMap(activations) { a -> Result<(ShapingResult, LocalMaps, NetworkCheck?), ShapingError> in
            do throws(ShapingError) {
                let result = method == .dks ? try Shaping.dks(a, network: network, zeta: zeta, qSlope: qSlope)
                                            : try Shaping.tat(a, network: network, tau: tau, eta: eta)
                return .success((result, result.shaped.localMaps, check ? NetworkCheck(result.shaped, network: network) : nil))
            } catch { return .failure(error) }
        }
        for (a, outcome) in zip(activations, results) {
            let (result, maps, measured): (ShapingResult, LocalMaps, NetworkCheck?)
            switch outcome {
            case let .success(value): (result, maps, measured) = value
            case let .failure(error):
                switch error {
                case .invalidTarget, .notApplicable: throw ValidationError(error.description)
                case .unreachableTarget, .noSolution: throw CommandError.noSolution(error.description)
                }
            }
            let s = result.shaped
            var row: [Cell] = [.text(a.spec), .text(method.rawValue), .number(s.inputScale), .number(s.inputShift),
                               .number(s.outputShift), .number(s.outputScale), result.negativeSlope.map { .number($0) } ?? .missing,
                               .number(maps.qSlope), .number(maps.cZero), .number(maps.cSlope), .number(maps.cCurvature)]
            if let measured { row += [.number(measured.cZero), .number(measured.cSlope), .number(measured.cCurvature)] }
            row.append(.text(s.spec))
            table.append(row)
        }
        return table
    }
}

extension ShapingMethod: ExpressibleByArgument {}
