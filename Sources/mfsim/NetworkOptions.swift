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
            help: ArgumentHelp("A composed network (SPEC §5), e.g. \"dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*8\": items dense(sigma_w2=W,sigma_b2=B) (W 1 and B 0 when left out), an activation spec, layernorm, residual(skip=a,branch=b)[...] (a and b 1 when left out), [...] groups, ITEM*COUNT repeats. It replaces the options of the plain network (see the discussion). (default: none, the plain network)", valueName: "SPEC"))
    var network: NetworkArgument?
    @Option(name: .customLong("network-file"),
            help: ArgumentHelp("Read --network's text from FILE (same grammar; line breaks are whitespace, '#' starts a comment). (default: none)", valueName: "FILE"))
    var networkFile: String?

    /// Whether a network was given.
    var isGiven: Bool { network != nil || networkFile != nil }

    /// The option that holds the network, for messages.
    var optionName: String { network != nil ? "--network" : "--network-file" }

    /// Refuses both spellings at once, and the options a network replaces; a malformed `--network`
    /// is a usage error (exit 64).
    func check(replacing given: [(String, Bool)]) throws {
        if network != nil, networkFile != nil { throw ValidationError("--network and --network-file are alternatives; give one") }
        guard isGiven else { return }
        for (name, present) in given where present {
            throw ValidationError("\(name) does not apply with --network/--network-file (the network says it)")
        }
        if let network, case let .failure(error) = network.parsed { throw ValidationError("--network: \(error)") }
    }

    /// The parsed network (`--network`, parsed when read; `--network-file`, read and parsed here),
    /// checked against SPEC §5's Gaussian rule when `requireGaussian` is true. A grammar or rule
    /// violation is a bad command line (exit 64) naming the item and position.
    func network(requireGaussian: Bool) throws -> Network {
        do {
            let parsed: Network
            if let network {
                parsed = try network.parsed.get()
            } else {
                parsed = try Network(spec: try fileText())
            }
            if requireGaussian { try parsed.checkGaussian() }
            return parsed
        } catch let error as CommandError {
            throw error
        } catch {
            throw ValidationError("\(optionName): \(error)")
        }
    }

    /// `--network-file`'s text.
    private func fileText() throws -> String {
        guard let networkFile else { return "" }
        guard let data = FileManager.default.contents(atPath: networkFile), let text = String(data: data, encoding: .utf8) else {
            throw CommandError.cannotRead("--network-file: cannot read '\(networkFile)'")
        }
        return text
    }

    /// The canonical text for a table's meta (runs of equal items as ITEM*COUNT).
    static func meta(_ network: Network) -> (String, Cell) { ("network", .text(network.spec)) }
}
