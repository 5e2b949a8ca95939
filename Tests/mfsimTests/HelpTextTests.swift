import Foundation
import Testing
@testable import mfsim

/// Issue #13: help text with defaults written one way, and no other subcommand's options.
///
/// The convention: every option's help ends with swift-argument-parser's own `(default: VALUE)`
/// (or its `(values: ...; default: VALUE)` for a choice), VALUE written as the user would type it
/// (`1`, not `1.0`); an option without a default says `(default: none...)`, a flag `(default: off)`.
@Suite("Help text conventions")
struct HelpTextTests {
    static let subcommands: [String] = MFSim.configuration.subcommands.map { $0._commandName }

    /// One option's entry in the OPTIONS section: its names and its text, joined into one line.
    struct Entry { let names: [String], text: String }

    static func options(_ help: String) -> [Entry] {
        guard let start = help.range(of: "\nOPTIONS:\n") else { return [] }
        var entries: [(head: String, text: [String])] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { if !entries.isEmpty { break } else { continue } }
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if indent == 2, trimmed.hasPrefix("-") {
                // "--name <VALUE>   text" (the text may start on the next line).
                let parts = trimmed.split(separator: "  ", maxSplits: 1, omittingEmptySubsequences: true)
                entries.append((String(parts[0]), parts.count > 1 ? [String(parts[1]).trimmingCharacters(in: .whitespaces)] : []))
            } else if !entries.isEmpty {
                entries[entries.count - 1].text.append(String(trimmed))
            }
        }
        return entries.map { entry in
            let names = entry.head.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init).filter { $0.hasPrefix("-") }
            return Entry(names: names, text: entry.text.joined(separator: " "))
        }
    }

    /// Every option name the subcommand accepts (shown or hidden), from swift-argument-parser's own
    /// description of the command.
    static func acceptedOptions(_ subcommand: String) throws -> Set<String> {
        let r = try MFSimProcess.run([subcommand, "--experimental-dump-help"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try #require(json["command"] as? [String: Any])
        let arguments = command["arguments"] as? [[String: Any]] ?? []
        var names: Set<String> = []
        for argument in arguments {
            for name in argument["names"] as? [[String: Any]] ?? [] {
                guard let kind = name["kind"] as? String, let text = name["name"] as? String else { continue }
                names.insert(kind == "short" ? "-" + text : "--" + text)
            }
        }
        return names
    }

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    @Test(arguments: subcommands)
    func everyOptionStatesItsDefaultOnce(subcommand: String) throws {
        let r = try MFSimProcess.run([subcommand, "--help"])
        #expect(r.status == 0)
        let entries = Self.options(r.stdout).filter { !$0.names.contains("--help") && !$0.names.contains("--version") }
        #expect(!entries.isEmpty, "\(subcommand): no options found in\n\(r.stdout)")
        for entry in entries {
            let statements = try Self.matches("(\\(|; )default: [^)]+\\)", in: entry.text)
            let mentions = try Self.matches("(?i)\\bdefaults?\\b", in: entry.text)
            #expect(statements.count == 1 && mentions.count == 1,
                    "\(subcommand) \(entry.names.joined(separator: ", ")): \(mentions.count) mentions of a default, \(statements.count) statements: \(entry.text)")
            // Written as typed: no "1.0" for 1.
            #expect(try Self.matches("default: -?[0-9]+\\.0\\)", in: entry.text).isEmpty, "\(subcommand) \(entry.names): \(entry.text)")
        }
    }

    @Test(arguments: subcommands)
    func helpMentionsOnlyOptionsTheSubcommandAccepts(subcommand: String) throws {
        let r = try MFSimProcess.run([subcommand, "--help"])
        let accepted = try Self.acceptedOptions(subcommand)
        #expect(accepted.contains("--help"))
        // Options named anywhere in the help: the overview, the discussion, every option's text.
        let mentioned = Set(try Self.matches("(?<![A-Za-z0-9_-])--[a-z][a-z0-9-]*[a-z0-9]", in: r.stdout))
        #expect(!mentioned.isEmpty)
        for option in mentioned.sorted() {
            #expect(accepted.contains(option), "'mfsim \(subcommand) --help' mentions \(option), which \(subcommand) does not accept")
        }
    }

    /// The test sees a broken convention: a doubled default, a "1.0", a foreign option.
    @Test func theChecksCanFail() throws {
        let doubled = Self.options("x\nOPTIONS:\n  --q0 <q0>               Variance (default: 1). (default: 1.0)\n\n")
        #expect(doubled.count == 1 && doubled[0].names == ["--q0"])
        #expect(try Self.matches("(\\(|; )default: [^)]+\\)", in: doubled[0].text).count == 2)
        #expect(try Self.matches("default: -?[0-9]+\\.0\\)", in: doubled[0].text).count == 1)
        #expect(!(try Self.acceptedOptions("gain")).contains("--gram"))
    }
}
