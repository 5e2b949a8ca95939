import ArgumentParser
import MeanField

// The typed values of `mfsim shape` (see Arguments.swift): parsed once when read, a failure kept
// with its message and thrown by `Shape.validate()`.

/// One `--method` occurrence: a method or a comma list of them (`dks,tat`).
struct ShapeMethodsArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let methods: [ShapingMethod]
    /// The usage error's message when a name is not a method.
    let failure: String?

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        var methods: [ShapingMethod] = [], failure: String?
        for name in argument.split(separator: ",", omittingEmptySubsequences: false).map({ String($0).trimmingWhitespace() }) {
            guard let m = ShapingMethod(rawValue: name) else { failure = "--method: '\(name)' is not a method (dks or tat)"; break }
            methods.append(m)
        }
        self.methods = methods
        self.failure = failure
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }
}

/// One `--depth` occurrence: a depth or a comma list of them (`10,50`), each 1 to 1000000.
struct DepthsArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let depths: [Int]
    let failure: String?

    init(argument: String) {
        ArgumentParseCount.record()
        text = argument
        var depths: [Int] = [], failure: String?
        for item in argument.split(separator: ",", omittingEmptySubsequences: false).map({ String($0).trimmingWhitespace() }) {
            guard let d = Int(item), d >= 1, d <= 1_000_000 else { failure = "--depth must be 1 to 1000000 (got \(item))"; break }
            depths.append(d)
        }
        self.depths = depths
        self.failure = failure
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }
}

/// `--case METHOD:SPEC`: one method paired with one activation.
struct ShapeCaseArgument: ExpressibleByArgument, Sendable, CustomReflectable {
    let text: String
    let parsed: Result<(method: ShapingMethod, activation: Activation), ValidationError>

    init(argument text: String) {
        ArgumentParseCount.record()
        self.text = text
        guard let colon = text.firstIndex(of: ":"), let m = ShapingMethod(rawValue: String(text[..<colon])) else {
            parsed = .failure(ValidationError("--case '\(text)': expected METHOD:SPEC with METHOD dks or tat, e.g. tat:tanh"))
            return
        }
        do throws(ActivationError) {
            parsed = .success((m, try Activation(spec: String(text[text.index(after: colon)...]))))
        } catch {
            parsed = .failure(ValidationError("--case '\(text)': \(error)"))
        }
    }

    var customMirror: Mirror { Mirror(self, children: ["text": text]) }
}
