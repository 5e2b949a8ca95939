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

/// `--network SPEC` and `--network-file FILE` (SPEC §5), shared by ntk, depth-sweep and simulate.
struct NetworkOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("A composed network (SPEC §5), e.g. \"dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*8\": items dense(sigma_w2=W,sigma_b2=B) (defaults 1, 0), an activation spec, layernorm, residual(skip=a,branch=b)[...] (defaults 1, 1), [...] groups, ITEM*COUNT repeats. Replaces --activation, --sigma-w2, --sigma-b2 and --layers (default: none, the plain MLP 'dense [phi dense(sigma_w2=..,sigma_b2=..)]*L').", valueName: "SPEC"))
    var network: String?
    @Option(name: .customLong("network-file"),
            help: ArgumentHelp("Read --network's text from FILE (same grammar; line breaks are whitespace, '#' starts a comment) (default: none).", valueName: "FILE"))
    var networkFile: String?

    /// Whether a network was given.
    var isGiven: Bool { network != nil || networkFile != nil }

    /// Refuses both spellings at once, and the options a network replaces.
    func check(replacing given: [(String, Bool)]) throws {
        if network != nil, networkFile != nil { throw ValidationError("--network and --network-file are alternatives; give one") }
        guard isGiven else { return }
        for (name, present) in given where present {
            throw ValidationError("\(name) does not apply with --network/--network-file (the network says it)")
        }
        if let network { _ = try parse(network, gaussian: nil) }
    }

    /// The network text as given (for a table's meta).
    func text() throws -> String {
        if let network { return network }
        guard let networkFile else { return "" }
        guard let data = FileManager.default.contents(atPath: networkFile), let text = String(data: data, encoding: .utf8) else {
            throw CommandError.cannotRead("--network-file: cannot read '\(networkFile)'")
        }
        return text
    }

    /// The parsed network, checked against SPEC §5's Gaussian rule when `gaussian` is true. A
    /// grammar or rule violation is a bad command line (exit 64) naming the item and position.
    func network(requireGaussian: Bool) throws -> Network {
        try parse(try text(), gaussian: requireGaussian)
    }

    private func parse(_ text: String, gaussian: Bool?) throws -> Network {
        let option = network != nil ? "--network" : "--network-file"
        do {
            let parsed = try Network(spec: text)
            if gaussian == true { try parsed.checkGaussian() }
            return parsed
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    /// The canonical text for a table's meta (runs of equal items as ITEM*COUNT).
    static func meta(_ network: Network) -> (String, Cell) { ("network", .text(network.spec)) }
}
