import ArgumentParser
import MeanField

/// `mfsim activations`: the catalogue.
struct Activations: TableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the activation catalogue: names, parameters, defaults, kinks and smoothness.",
        discussion: """
            Without --activation, every family with its default parameters. With --activation \
            SPEC (repeatable), those exact parameterizations: e.g. 'elu:alpha=2' is only C0 at its \
            kink, 'elu:alpha=1' and every celu are C1.
            """)

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec NAME or NAME:PARAM=VALUE[,PARAM=VALUE] (repeatable; default: all).", valueName: "SPEC"))
    var activation: [String] = []

    @OptionGroup var output: OutputOptions

    func validate() throws { try asUsageError { _ = try parseActivations(activation, default: []) } }

    func makeTable() throws -> Table {
        let activations = activation.isEmpty
            ? try Activation.Family.allCases.map { try Activation($0) }
            : try parseActivations(activation, default: [])
        var table = Table(columns: ["name", "spec", "parameters", "formula", "kinks", "smoothness", "closed_form_moments"],
                          meta: MeanFieldVersion.meta(subcommand: "activations", [("activation", .text(activations.map(\.spec).joined(separator: " ")))]))
        for a in activations {
            let parameters = zip(a.family.parameters, a.parameterValues)
                .map { "\($0.name)=\(formatSpecNumber($1)) (default \(formatSpecNumber($0.defaultValue)); \($0.domain))" }
                .joined(separator: "; ")
            let kinks = a.kinks.map { "\(formatSpecNumber($0.location)) (\($0.smoothness.rawValue))" }.joined(separator: "; ")
            table.append([.text(a.family.rawValue), .text(a.spec), .text(parameters), .text(a.family.formula),
                          .text(kinks), .text(a.smoothness), .text(a.closedFormSummary)])
        }
        return table
    }
}
