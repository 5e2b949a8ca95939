import ArgumentParser
import MeanField

/// `mfsim activations`: the catalogue, or with `--at` the values and derivatives at given points.
struct Activations: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "activations",
        abstract: "List the activation catalogue (names, parameters, defaults, kinks, smoothness), or evaluate activations with --at.",
        discussion: """
            Without --activation, every family with its default parameters. With --activation \
            SPEC (repeatable), those exact parameterizations: e.g. 'elu:alpha=2' is only C0 at its \
            kink, 'elu:alpha=1' and every celu are C1. Every activation also takes the affine parameters \
            in_scale, in_shift, out_shift, out_scale (defaults 1, 0, 0, 1): \
            phi_hat(x) = out_scale*(phi(in_scale*x + in_shift) + out_shift), e.g. 'tanh:in_scale=0.2,out_scale=4.9'; \
            in_scale and out_scale must be nonzero (negative mirrors or flips phi). 'prelu' is leaky_relu with \
            slope 0.25 (PReLU's initial value). hardshrink and threshold are refused: they are discontinuous, so \
            phi' has a Dirac mass and the NTK is infinite. \
            With --at X or --at START:STOP:COUNT (repeatable): one row per activation and point with columns \
            activation, x, value, derivative, second_derivative (the right-hand derivatives at a kink; the \
            second derivative without the Dirac mass of a kink), to check a definition against another framework.
            """)

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec NAME or NAME:PARAM=VALUE[,PARAM=VALUE], repeatable. (default: every family, with its catalogued parameters)", valueName: "SPEC"))
    var activation: [ActivationArgument] = []

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Evaluate at X: a number or START:STOP:COUNT, repeatable. (default: none, list the catalogue instead)", valueName: "X"))
    var at: [NumberListArgument] = []

    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try activations()
        _ = try points()
    }

    /// `--activation`, or every family with its default parameters.
    func activations() throws -> [Activation] {
        activation.isEmpty ? try Activation.Family.allCases.map { try Activation($0) } : try ActivationArgument.resolve(activation, default: [])
    }

    /// `--at`, nil when not given.
    func points() throws -> [Double]? {
        at.isEmpty ? nil : try NumberListArgument.values(at, default: [], option: "--at", requirement: "finite") { $0.isFinite }
    }

    func makeTable() throws -> Table {
        let activations = try activations()
        if let points = try points() { return try valuesTable(activations, points: points) }
        var table = Table(columns: ["name", "spec", "parameters", "formula", "kinks", "smoothness", "closed_form_moments"],
                          meta: MeanFieldVersion.meta(subcommand: "activations", [("activation", .text(activations.map(\.spec).joined(separator: " ")))]))
        for a in activations {
            var parameters = zip(a.family.parameters, a.parameterValues)
                .map { "\($0.name)=\(formatSpecNumber($1)) (default \(formatSpecNumber($0.defaultValue)); \($0.domain))" }
            parameters += zip(AffineTransform.names, a.affine.values).compactMap { name, value in
                a.parameter(name) == (name.hasSuffix("scale") ? 1 : 0) ? nil : "\(name)=\(formatSpecNumber(value))"
            }
            let kinks = a.kinks.map { "\(formatSpecNumber($0.location)) (\($0.smoothness.rawValue))" }.joined(separator: "; ")
            table.append([.text(a.family.rawValue), .text(a.spec), .text(parameters.joined(separator: "; ")), .text(a.family.formula),
                          .text(kinks), .text(a.smoothness), .text(a.closedFormSummary)])
        }
        return table
    }

    /// One row per (activation, x): φ(x), φ'(x), φ''(x).
    func valuesTable(_ activations: [Activation], points: [Double]) throws -> Table {
        var table = Table(columns: ["activation", "x", "value", "derivative", "second_derivative"],
                          meta: MeanFieldVersion.meta(subcommand: "activations", [
                              ("activation", .text(activations.map(\.spec).joined(separator: " "))),
                              ("at", .text(points.map(formatNumber).joined(separator: " ")))]))
        for a in activations {
            for x in points {
                let values = [a.evaluate(x, .value), a.evaluate(x, .first), a.evaluate(x, .second)]
                guard values.allSatisfy(\.isFinite) else {
                    throw CommandError.badInput("\(a.spec) at x = \(formatNumber(x)) is not finite (\(values.map(formatNumber).joined(separator: ", ")))")
                }
                table.append([.text(a.spec), .number(x)] + values.map { .number($0) })
            }
        }
        return table
    }
}
