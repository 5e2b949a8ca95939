import ArgumentParser
import MeanField
import Synchronization

// Typed command-line values: each is parsed once, when swift-argument-parser reads it
// (`init(argument:)`); a malformed value is kept with its failure, and the command's `validate()`
// throws that failure with the option's name, in the same order and words as every check before it
// (so each message and exit code stays what it was when the text was parsed in `validate()`).
// `makeTable()` reads the parsed values, never the text. Each type's mirror is its text alone, so
// ``RepeatedOptions``' fingerprint of a parsed command stays what the user typed.

/// The test seam for "parsed once": while a ``ParseCounter`` is bound (a test, in process), every
/// parse of a typed command-line value is counted. Unbound (the program), it costs one read.
enum ArgumentParseCount {
    @TaskLocal static var counter: ParseCounter?
    static func record() { counter?.increment() }
}

/// A thread-safe count of parses (``ArgumentParseCount``).
final class ParseCounter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// An `--activation SPEC`, parsed by ``Activation/init(spec:)``.
struct ActivationArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let parsed: Result<Activation, ActivationError>

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        do throws(ActivationError) { parsed = .success(try Activation(spec: argument)) } catch { parsed = .failure(error) }
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }

    /// The given activations, or `defaults` (specs) when none is given; a malformed spec is a usage
    /// error (exit 64) with the library's message.
    static func resolve(_ given: [ActivationArgument], default defaults: [String]) throws -> [Activation] {
        do {
            if given.isEmpty { return try defaults.map { spec throws(ActivationError) in try Activation(spec: spec) } }
            return try given.map { argument throws(ActivationError) in try argument.parsed.get() }
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// One occurrence of a numeric list option: a number or an inclusive range `START:STOP:COUNT`
/// (``NumericList``).
struct NumberListArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let parsed: Result<NumericList.Item, NumericList.Malformed>

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        parsed = NumericList.parseItem(argument)
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }

    /// The values of every occurrence, or `defaults` when none is given, each checked against
    /// `valid` (the first bad one is named): usage errors (exit 64). The number of values is
    /// counted from the occurrences first: a list that alone would exceed ``MemoryBudget/limit``
    /// (``MemoryBudget/doublesPerListValue`` doubles a value) is refused before any is made.
    static func values(_ given: [NumberListArgument], default defaults: [Double], option: String,
                       requirement: String, _ valid: (Double) -> Bool) throws -> [Double] {
        guard !given.isEmpty else { return try checked(defaults, option: option, requirement: requirement, valid) }
        var items: [NumericList.Item] = []
        items.reserveCapacity(given.count)
        for argument in given {
            switch argument.parsed {
            case let .success(item): items.append(item)
            case let .failure(malformed): throw ValidationError(malformed.message(option: option, item: argument.text))
            }
        }
        let total = count(given)
        do {
            try MemoryBudget.check(rows: 0, columns: 0, doubles: MemoryBudget.times(total, MemoryBudget.doublesPerListValue),
                                   "\(option): \(total) values")
        } catch let error as CommandError {
            throw ValidationError(error.description)
        }
        var values: [Double] = []
        values.reserveCapacity(total)
        for item in items { values += item.values }
        return try checked(values, option: option, requirement: requirement, valid)
    }

    /// The number of values the occurrences give (malformed ones count 0; ``values(_:default:option:requirement:_:)``
    /// names them), without making them: for a memory estimate before any work.
    static func count(_ given: [NumberListArgument]) -> Int {
        var total = 0
        for argument in given {
            guard case let .success(item) = argument.parsed else { continue }
            let (sum, overflow) = total.addingReportingOverflow(item.count)
            total = overflow ? Int.max : sum
        }
        return total
    }

    private static func checked(_ values: [Double], option: String, requirement: String, _ valid: (Double) -> Bool) throws -> [Double] {
        if let bad = values.first(where: { !valid($0) }) {
            throw ValidationError("\(option) must be \(requirement) (got \(formatNumber(bad)))")
        }
        return values
    }
}

/// A closed interval `LO:HI` (fixedpoint's `--box-*`).
struct IntervalArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    /// nil when malformed (not two finite numbers with LO <= HI).
    let interval: ClosedRange<Double>?

    init(argument: String) {
        ArgumentParseCount.record()
        self.init(text: argument)
    }

    /// A default value (not user input: not counted).
    init(default text: String) { self.init(text: text) }

    private init(text: String) {
        self.text = text
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]), lo.isFinite, hi.isFinite, lo <= hi {
            interval = lo...hi
        } else {
            interval = nil
        }
    }

    var defaultValueDescription: String { text }
    var customMirror: Mirror { Mirror(self, children: ["text": text]) }

    /// The interval, or a usage error naming `option` (`positive`: LO must be > 0).
    func checked(_ option: String, positive: Bool = false) throws -> ClosedRange<Double> {
        guard let interval else { throw ValidationError("\(option): malformed range '\(text)' (expected LO:HI with LO <= HI)") }
        guard !positive || interval.lowerBound > 0 else { throw ValidationError("\(option): '\(text)' must be positive") }
        return interval
    }
}

/// `--network SPEC` (SPEC §5), parsed by ``Network/init(spec:)``.
struct NetworkArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let parsed: Result<Network, NetworkError>

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        do throws(NetworkError) { parsed = .success(try Network(spec: argument)) } catch { parsed = .failure(error) }
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }
}

/// `--columns A,B,...`: names, checked for syntax (no empty name, no repeat).
struct ColumnsArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let parsed: Result<[String], CommandError>

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        let names = argument.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        if let empty = names.firstIndex(where: \.isEmpty) {
            parsed = .failure(.usage("--columns '\(argument)': name \(empty + 1) is empty"))
        } else if let repeated = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
            parsed = .failure(.usage("--columns: '\(repeated.element)' is given twice"))
        } else {
            parsed = .success(names)
        }
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }
}

/// Runs a check from `validate()`, turning any error into a `ValidationError` (exit 64) with the
/// same message; returns the checked value.
func asUsageError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ValidationError { throw error } catch {
        throw ValidationError(String(describing: error))
    }
}

/// The activations a subcommand uses when `--activation` is not given, and how its help says so.
protocol DefaultActivations {
    /// The default specs; empty means the whole catalogue (``Activation/Family/standard``).
    static var specs: [String] { get }
    static var help: String { get }
}

enum TanhActivation: DefaultActivations {
    static let specs = ["tanh"]
    static let help = "tanh"
}

enum EluSeluRelu: DefaultActivations {
    static let specs = ["elu", "selu", "relu"]
    static let help = "elu, selu, relu"
}

enum ReluEluSeluTanh: DefaultActivations {
    static let specs = ["relu", "elu", "selu", "tanh"]
    static let help = "relu, elu, selu, tanh"
}

enum ReluTanh: DefaultActivations {
    static let specs = ["relu", "tanh"]
    static let help = "relu, tanh"
}

enum WholeCatalogue: DefaultActivations {
    static let specs: [String] = []
    static let help = "every activation of the catalogue, with its catalogued parameters"
}

/// `--activation SPEC` (repeatable), shared by every subcommand that takes a list of activations;
/// `Defaults` says which it uses without one. The command checks it where its `validate()` did
/// (``check()``), so the order of the error messages is the command's own.
struct ActivationOptions<Defaults: DefaultActivations>: ParsableArguments {
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Activation spec NAME or NAME:PARAM=VALUE[,PARAM=VALUE], repeatable. See 'mfsim activations'. (default: \(Defaults.help))",
                               valueName: "SPEC"))
    var activation: [ActivationArgument] = []

    /// Whether `--activation` was given.
    var isGiven: Bool { !activation.isEmpty }

    /// A malformed spec is a usage error (exit 64).
    func check() throws { _ = try activations() }

    /// The parsed activations, or the defaults.
    func activations() throws -> [Activation] {
        if activation.isEmpty, Defaults.specs.isEmpty { return try Activation.Family.standard.map { try Activation($0) } }
        return try ActivationArgument.resolve(activation, default: Defaults.specs)
    }
}
