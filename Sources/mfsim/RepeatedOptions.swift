import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A single-valued option given twice is an error (exit 64), not "last wins" (swift-argument-parser's
/// default): `simulate --c0 0.1 --c0 0.2`.
///
/// Which options are single-valued is read from the parsed command itself: for a name that occurs
/// more than once, the command line without its first occurrence (with or without the value after
/// it) is parsed again; when that gives the very same command (compared by `dump`), the first
/// occurrence was overridden, so it is refused. A repeatable option (`--activation relu
/// --activation elu`) changes the parsed list, so it passes. Flags given twice are refused too.
enum RepeatedOptions {
    static func check(_ arguments: [String], parsed command: ParsableCommand) throws {
        let names = arguments.prefix { $0 != "--" }.compactMap(optionName)
        var seen: Set<String> = [], repeated: [String] = []
        for name in names where !seen.insert(name).inserted && !repeated.contains(name) { repeated.append(name) }
        guard !repeated.isEmpty else { return }
        let reference = fingerprint(command)
        for name in repeated {
            guard let index = arguments.firstIndex(where: { optionName($0) == name }) else { continue }
            let inline = arguments[index].contains("=")
            var candidates = [arguments.enumerated().filter { $0.offset != index }.map(\.element)]
            if !inline, index + 1 < arguments.count {
                candidates.insert(arguments.enumerated().filter { $0.offset != index && $0.offset != index + 1 }.map(\.element), at: 0)
            }
            for candidate in candidates {
                guard let other = try? MFSim.parseAsRoot(candidate), fingerprint(other) == reference else { continue }
                throw CommandError.usage("\(name) is given twice; it takes one value")
            }
        }
    }

    /// `--name` of `--name` or `--name=value`, `-x` of a short option; nil for values (`-0.5`).
    static func optionName(_ token: String) -> String? {
        if token.hasPrefix("--"), token.count > 2 {
            return String(token.split(separator: "=", maxSplits: 1)[0])
        }
        if token.hasPrefix("-"), token.count == 2, let c = token.last, c.isLetter { return token }
        return nil
    }

    static func fingerprint(_ command: ParsableCommand) -> String {
        var text = "\(type(of: command))\n"
        dump(command, to: &text)
        return text
    }
}
