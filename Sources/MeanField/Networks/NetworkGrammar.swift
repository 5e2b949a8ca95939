#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Network {
    /// At most this many dense, activation and layernorm layers after expanding every `*COUNT`.
    public static let maximumLayerCount = 1_000_000

    /// Parses SPEC §5's grammar:
    /// ```
    /// network := item ( WHITESPACE item )*
    /// item    := atom [ '*' COUNT ]                  repeat COUNT times
    /// atom    := layer | '[' network ']' | 'residual' [ '(' params ')' ] '[' network ']'
    /// layer   := 'dense' [ '(' params ')' ] | 'layernorm' | ACTIVATION-SPEC  (e.g. elu:alpha=0.5)
    /// params  := NAME '=' NUMBER ( ',' NAME '=' NUMBER )*
    /// ```
    /// `dense` takes `sigma_w2` (> 0, default 1) and `sigma_b2` (≥ 0, default 0); `residual` takes
    /// `skip` and `branch` (finite, default 1). Whitespace (spaces, tabs, line breaks) separates
    /// items; a `#` starts a comment to the end of its line. Repeats are expanded (at most
    /// ``maximumLayerCount`` layers in all). This checks the grammar only; ``checkGaussian()``
    /// checks the kernel rules.
    ///
    /// - Throws: ``NetworkError/syntax(position:message:)`` naming the 1-based character position
    ///   and what was wrong there.
    public init(spec text: String) throws(NetworkError) {
        var parser = NetworkParser(text)
        let items = try parser.network(closing: nil)
        guard !items.isEmpty else { throw .syntax(position: 1, message: "the network is empty") }
        self.init(items)
        guard layerCount <= Self.maximumLayerCount else {
            throw .syntax(position: 1, message: "the network expands to \(layerCount) layers; at most \(Self.maximumLayerCount)")
        }
    }
}

/// A recursive-descent parser over the characters of a network text.
struct NetworkParser {
    let characters: [Character]
    var index = 0

    init(_ text: String) { characters = Array(text) }

    var position: Int { index + 1 }
    var current: Character? { index < characters.count ? characters[index] : nil }

    /// Skips whitespace and `#` comments.
    mutating func skipSpace() {
        while let c = current {
            if c == "#" {
                while let d = current, !d.isNewline { index += 1 }
            } else if c.isWhitespace {
                index += 1
            } else {
                return
            }
        }
    }

    /// Items up to `closing` (`]`) or the end of the text.
    mutating func network(closing: Character?) throws(NetworkError) -> [NetworkLayer] {
        var items: [NetworkLayer] = []
        var count = 0
        while true {
            skipSpace()
            guard let c = current else {
                if closing != nil { throw .syntax(position: position, message: "missing ']'") }
                return items
            }
            if c == closing { return items }
            if c == "]" || c == ")" || c == "*" || c == "," || c == "=" || c == "(" {
                throw .syntax(position: position, message: "unexpected '\(c)' where an item should start (dense, layernorm, residual, '[', or an activation spec)")
            }
            let start = position
            let atom = try atom()
            var repeats = 1
            skipSpace()
            if current == "*" {
                index += 1
                skipSpace()
                let countStart = position
                var digits = ""
                while let d = current, d.isASCII, d.isNumber { digits.append(d); index += 1 }
                guard let value = Int(digits), value >= 1, value <= Network.maximumLayerCount else {
                    throw .syntax(position: countStart, message: "'*' must be followed by a repeat count 1 to \(Network.maximumLayerCount)")
                }
                repeats = value
            }
            count += atom.layerCount * repeats
            guard count <= Network.maximumLayerCount else {
                throw .syntax(position: start, message: "the network expands to more than \(Network.maximumLayerCount) layers")
            }
            items += Array(repeating: atom, count: repeats)
        }
    }

    mutating func atom() throws(NetworkError) -> NetworkLayer {
        let start = position
        if current == "[" {
            index += 1
            let inner = try network(closing: "]")
            index += 1
            guard !inner.isEmpty else { throw .syntax(position: start, message: "an empty group '[]'") }
            return .group(Network(inner))
        }
        let word = self.word()
        switch word {
        case "dense":
            let params = try parameters(of: "dense", known: ["sigma_w2", "sigma_b2"])
            let w2 = params["sigma_w2"] ?? 1, b2 = params["sigma_b2"] ?? 0
            guard w2 > 0 else { throw .syntax(position: start, message: "dense: sigma_w2 must be > 0 (got \(formatSpecNumber(w2)))") }
            guard b2 >= 0 else { throw .syntax(position: start, message: "dense: sigma_b2 must be >= 0 (got \(formatSpecNumber(b2)))") }
            return .dense(GaussianWeights(sigmaW2: w2, sigmaB2: b2))
        case "layernorm":
            if current == "(" { throw .syntax(position: position, message: "layernorm takes no parameters") }
            return .layernorm
        case "residual":
            let params = try parameters(of: "residual", known: ["skip", "branch"])
            skipSpace()
            guard current == "[" else { throw .syntax(position: position, message: "residual needs its branch in brackets: residual[...]") }
            let branchStart = position
            index += 1
            let inner = try network(closing: "]")
            index += 1
            guard !inner.isEmpty else { throw .syntax(position: branchStart, message: "an empty residual branch '[]'") }
            return .residual(skip: params["skip"] ?? 1, branch: params["branch"] ?? 1, Network(inner))
        case "":
            throw .syntax(position: start, message: "expected an item (dense, layernorm, residual, '[', or an activation spec)")
        default:
            // An activation spec: NAME or NAME:PARAM=VALUE[,PARAM=VALUE], up to whitespace, a bracket or '*'.
            var spec = word
            if current == ":" {
                while let c = current, !c.isWhitespace, c != "[", c != "]", c != "*", c != "#" { spec.append(c); index += 1 }
            }
            if current == "(" {
                throw .syntax(position: position, message: "activation '\(word)' takes its parameters as \(word):NAME=VALUE, not in parentheses")
            }
            do {
                return .activation(try Activation(spec: spec))
            } catch {
                throw .syntax(position: start, message: "'\(spec)': \(error)")
            }
        }
    }

    /// A name: letters, digits and underscores.
    mutating func word() -> String {
        var text = ""
        while let c = current, c.isLetter || c.isNumber || c == "_" { text.append(c); index += 1 }
        return text
    }

    /// `(NAME=NUMBER, ...)` if present (no whitespace before '('): finite values, known names, no repeats.
    mutating func parameters(of layer: String, known: [String]) throws(NetworkError) -> [String: Double] {
        guard current == "(" else { return [:] }
        index += 1
        var values: [String: Double] = [:]
        while true {
            skipSpace()
            let nameStart = position
            let name = word()
            guard known.contains(name) else {
                throw .syntax(position: nameStart, message: "\(layer) has no parameter '\(name)' (it takes \(known.joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw .syntax(position: nameStart, message: "\(layer): '\(name)' given twice") }
            skipSpace()
            guard current == "=" else { throw .syntax(position: position, message: "\(layer): expected '=' after '\(name)'") }
            index += 1
            skipSpace()
            let valueStart = position
            var text = ""
            while let c = current, c != ",", c != ")", !c.isWhitespace { text.append(c); index += 1 }
            guard let value = Double(text), value.isFinite else {
                throw .syntax(position: valueStart, message: "\(layer): \(name) = '\(text)' is not a finite number")
            }
            values[name] = value
            skipSpace()
            if current == "," { index += 1; continue }
            guard current == ")" else { throw .syntax(position: position, message: "\(layer): expected ',' or ')'") }
            index += 1
            return values
        }
    }
}
