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

/// `mfsim shape`: DKS and TAT activation transformations (SPEC §6).
struct Shape: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        // Named here: without it ArgumentParser derives the name from String(describing: Shape.self),
        // 2.5M instructions (16% of `mfsim --version`) on every start.
        commandName: "shape",
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
            phi_hat as an activation spec. --depth D is a plain network of D nonlinear layers (maximal slope xi^D, maximal \
            curvature D*tau, M(0) = C^D(0)); --network SPEC (or --network-file, instead of --depth) any network of SPEC section 5 whose activations \
            all see variance 1: its activation layers get phi_hat (the network's own activation is shaped unless --activation \
            is given), and the three functions are the chain rule through its structure (residual sums normalized, \
            w c + (1-w) C(c) with w = skip^2 q/(skip^2 q + branch^2 q_branch)), maximized over its subnetworks (the network cut \
            after each top-level item, and each residual branch alone). Several cases in one process: --method dks,tat times \
            every --activation, --case METHOD:SPEC pairs, --depth 10,50. --check runs phi_hat (its 'spec') through the ntk \
            kernel recursion of the network and reports the achieved C(0), C'(1), C''(1) (exact derivative recursion).
            """)

    @Option(help: ArgumentHelp("Transformation(s): dks or tat; repeatable or a comma list (dks,tat), each applied to every --activation. (default: dks)", valueName: "METHOD"))
    var method: [ShapeMethodsArgument] = []
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec, repeatable. A leaky_relu's slope is solved for. See 'mfsim activations'. (default: tanh, or with --network the network's own activation)", valueName: "SPEC"))
    var activation: [ActivationArgument] = []
    @Option(name: .customLong("case"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("One method paired with one activation, METHOD:SPEC, e.g. tat:tanh or dks:elu:alpha=0.5 (repeatable; adds to the --method x --activation product, which is then only taken when --activation is given). (default: none)", valueName: "METHOD:SPEC"))
    var cases: [ShapeCaseArgument] = []
    @Option(help: ArgumentHelp("Depth D >= 1 of the plain network (the number of nonlinear layers); repeatable or a comma list (10,50): every case at every depth. (default: 10)", valueName: "D"))
    var depth: [DepthsArgument] = []
    @OptionGroup var networkOptions: NetworkOptions
    @Option(parsing: .unconditional, help: "DKS: the network's maximal C'(1), zeta > 1.")
    var zeta: Real = Real(1.5)
    @Option(name: .customLong("q-slope"), parsing: .unconditional, help: "DKS: the local Q'(1) > 0.")
    var qSlope: Real = Real(1)
    @Option(parsing: .unconditional, help: "TAT (smooth activations): the network's maximal C''(1), tau > 0.")
    var tau: Real = Real(0.3)
    @Option(parsing: .unconditional, help: "TAT (leaky_relu): the network's maximal C(0), eta in [0, 1).")
    var eta: Real = Real(0.9)
    @Flag(help: "Also run the shaped network through the ntk kernel recursion with the 'spec' activation: network_c_zero = C_net(0), network_c_slope = C_net'(1), network_c_curvature = C_net''(1) (exact derivatives). (default: off)")
    var check = false
    @Option(name: .customLong("c-map"),
            help: ArgumentHelp("Instead of the parameters, the shaped network's C map at N >= 2 correlations c evenly spaced in [-1, 1] (columns activation, method, depth, c_in, c_out). (default: none)", valueName: "N"))
    var cMap: Int?
    @OptionGroup var output: OutputOptions

    /// C''(1) is infinite where φ' jumps (SPEC §6: leaky_relu, relu), also through a network.
    static let infiniteColumns: Set<String> = ["c_curvature", "network_c_curvature"]

    /// One row's problem: a method, an activation, and the architecture (with its depth, if plain).
    struct ShapeCase: Sendable {
        let method: ShapingMethod
        let activation: Activation
        let depth: Int?
        let architecture: any ShapingArchitecture
    }

    func validate() throws {
        if let cMap, cMap < 2 || cMap > 100_000 { throw ValidationError("--c-map must be 2 to 100000 (got \(cMap))") }
        if cMap != nil && check { throw ValidationError("--c-map and --check do not combine") }
        try networkOptions.check(replacing: [("--depth", !depth.isEmpty)])
        _ = try methods()
        _ = try depths()
        _ = try ActivationArgument.resolve(activation, default: [])
        _ = try pairedCases()
        guard zeta.value > 1 else { throw ValidationError("--zeta must be > 1 (got \(zeta))") }
        guard qSlope.value > 0 else { throw ValidationError("--q-slope must be > 0 (got \(qSlope))") }
        guard tau.value > 0 else { throw ValidationError("--tau must be > 0 (got \(tau))") }
        guard eta.value >= 0, eta.value < 1 else { throw ValidationError("--eta must be in [0, 1) (got \(eta))") }
    }

    /// `--method` values (comma lists and repeats), default dks.
    func methods() throws -> [ShapingMethod] {
        if let failure = method.lazy.compactMap(\.failure).first { throw ValidationError(failure) }
        let methods = method.flatMap(\.methods)
        return methods.isEmpty ? [.dks] : methods
    }

    /// `--depth` values (comma lists and repeats), default 10.
    func depths() throws -> [Int] {
        if let failure = depth.lazy.compactMap(\.failure).first { throw ValidationError(failure) }
        let depths = depth.flatMap(\.depths)
        return depths.isEmpty ? [10] : depths
    }

    /// `--case METHOD:SPEC` pairs.
    func pairedCases() throws -> [(ShapingMethod, Activation)] {
        try cases.map { argument in
            let pair = try argument.parsed.get()
            return (pair.method, pair.activation)
        }
    }

    /// The (method, activation) pairs in order: the product of --method and --activation (when
    /// --activation is given or no --case is), then the --case pairs.
    func pairs(defaultActivation: Activation) throws -> [(ShapingMethod, Activation)] {
        let paired = try pairedCases()
        var result: [(ShapingMethod, Activation)] = []
        if !activation.isEmpty || paired.isEmpty {
            let activations = activation.isEmpty ? [defaultActivation] : try ActivationArgument.resolve(activation, default: [])
            for m in try methods() { for a in activations { result.append((m, a)) } }
        }
        return result + paired
    }

    func makeTable() throws -> Table {
        var meta: [(String, Cell)] = []
        var shapeCases: [ShapeCase] = []
        if networkOptions.isGiven {
            let parsed = try networkOptions.network(requireGaussian: false)
            let architecture: ShapingNetwork
            do { architecture = try ShapingNetwork(parsed) } catch {
                throw ValidationError("\(networkOptions.network != nil ? "--network" : "--network-file"): \(error)")
            }
            guard architecture.activations.count == 1, let own = architecture.activations.first else {
                throw ValidationError("--network: shaping puts one shaped activation in every nonlinear layer, but the network names "
                                      + "\(architecture.activations.count) activations (\(architecture.activations.map(\.spec).joined(separator: ", "))); "
                                      + "write one (--activation then replaces it)")
            }
            meta.append(NetworkOptions.meta(parsed))
            meta.append(("nonlinear_layers", .integer(architecture.nonlinearLayerCount)))
            for (m, a) in try pairs(defaultActivation: own) {
                shapeCases.append(ShapeCase(method: m, activation: a, depth: nil, architecture: architecture))
            }
        } else {
            let tanh = try Activation(.tanh)
            let depths = try depths()
            meta.append(("depth", .text(depths.map(String.init).joined(separator: " "))))
            for d in depths {
                for (m, a) in try pairs(defaultActivation: tanh) {
                    shapeCases.append(ShapeCase(method: m, activation: a, depth: d, architecture: PlainNetwork(depth: d)))
                }
            }
        }
        let methods = Set(shapeCases.map(\.method)).sorted { $0.rawValue < $1.rawValue }
        meta = [("activation", .text(Self.unique(shapeCases.map(\.activation.spec)).joined(separator: " "))),
                ("method", .text(methods.map(\.rawValue).joined(separator: " ")))] + meta
            + [("zeta", .number(zeta.value)), ("q_slope", .number(qSlope.value)), ("tau", .number(tau.value)), ("eta", .number(eta.value))]
        var columns = ["activation", "method", "depth", "input_scale", "input_shift", "output_shift", "output_scale", "negative_slope",
                       "q_slope", "c_zero", "c_slope", "c_curvature"]
        if check { columns += ["network_c_zero", "network_c_slope", "network_c_curvature"] }
        columns.append("spec")
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "shape", meta))
        let zeta = self.zeta.value, qSlope = self.qSlope.value, tau = self.tau.value, eta = self.eta.value
        let check = self.check
        let results = concurrentMap(shapeCases) { c -> Result<(ShapingResult, LocalMaps, NetworkCheck?), ShapingError> in
            do throws(ShapingError) {
                let result = c.method == .dks ? try Shaping.dks(c.activation, network: c.architecture, zeta: zeta, qSlope: qSlope)
                                              : try Shaping.tat(c.activation, network: c.architecture, tau: tau, eta: eta)
                let measured = check ? try NetworkCheck(result.shaped, network: c.architecture) : nil
                return .success((result, result.shaped.localMaps, measured))
            } catch { return .failure(error) }
        }
        let solved = try zip(shapeCases, results).map { c, outcome -> (ShapingResult, LocalMaps, NetworkCheck?) in
            switch outcome {
            case let .success(value): return value
            case let .failure(error):
                let context = c.depth.map { " (depth \($0))" } ?? ""
                switch error {
                case .invalidTarget, .notApplicable: throw ValidationError(error.description + context)
                case .unreachableTarget, .noSolution: throw CommandError.noSolution(error.description + context)
                }
            }
        }
        if let points = cMap { return try cMapTable(shapeCases, solved.map(\.0), points: points, meta: table.meta) }
        for (c, (result, maps, measured)) in zip(shapeCases, solved) {
            let s = result.shaped
            var row: [Cell] = [.text(c.activation.spec), .text(c.method.rawValue), c.depth.map { .integer($0) } ?? .missing,
                               .number(s.inputScale), .number(s.inputShift),
                               .number(s.outputShift), .number(s.outputScale), result.negativeSlope.map { .number($0) } ?? .missing,
                               .number(maps.qSlope), .number(maps.cZero), .number(maps.cSlope), .number(maps.cCurvature)]
            if let measured { row += [.number(measured.cZero), .number(measured.cSlope), .number(measured.cCurvature)] }
            row.append(.text(s.spec))
            table.append(row)
        }
        return table
    }

    static func unique(_ texts: [String]) -> [String] {
        var seen: Set<String> = []
        return texts.filter { seen.insert($0).inserted }
    }
}

extension Shape {
    /// `--c-map N`: the C map of each shaped network at N correlations in [-1, 1], on every core.
    func cMapTable(_ cases: [ShapeCase], _ results: [ShapingResult], points: Int, meta: [Table.Meta]) throws -> Table {
        var table = Table(columns: ["activation", "method", "depth", "c_in", "c_out"], meta: meta + [Table.Meta("c_map", .integer(points))])
        let inputs = (0..<points).map { i in i == points - 1 ? 1.0 : -1 + 2 * Double(i) / Double(points - 1) }
        for (c, result) in zip(cases, results) {
            let architecture = c.architecture
            // How many local-map values one composed value asks for (the network's nonlinear layers).
            var callsPerInput = 0
            _ = architecture.composed(0) { callsPerInput += 1; return $0 }
            let local = try result.shaped.correlationMap(expectedQueries: points * max(1, callsPerInput))
            let outputs = concurrentMap(inputs) { x in architecture.composed(x, local) }
            for (x, out) in zip(inputs, outputs) {
                table.append([.text(c.activation.spec), .text(c.method.rawValue), c.depth.map { .integer($0) } ?? .missing, .number(x), .number(out)])
            }
        }
        return table
    }
}

extension ShapingMethod: ExpressibleByArgument {}
