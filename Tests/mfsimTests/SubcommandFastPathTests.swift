import Testing
@testable import mfsim
import ArgumentParser

/// The start-up fast path (SubcommandFastPath.swift): a command line that names a subcommand first is
/// parsed by that subcommand alone, to the same command value as the root parse; anything the fast
/// path cannot parse (errors, help) goes through the root.
@Suite struct SubcommandFastPathTests {
    /// One valid command line per subcommand (only parsed here, never run).
    static let lines: [[String]] = [
        ["activations"], ["fixedpoint", "--format", "json"],
        ["depth-sweep", "--model", "snn", "--mu0", "1", "--nu0", "3", "--layers", "200"],
        ["depth-sweep", "--model", "gaussian", "--q0", "1", "--c0", "0.5", "--layers", "7", "--format", "json"],
        ["phase", "--activation", "tanh"], ["edge", "--activation", "erf"], ["slopes", "--activation", "gelu"],
        ["rnn-gain"], ["gain", "--activation", "tanh"],
        ["ntk", "--activation", "elu", "--sigma-w2", "2", "--sigma-b2", "0.1", "--c0", "-1:1:21", "--layers", "200"],
        ["simulate", "--seed", "3"], ["finite-width"], ["shape"], ["export", "--dir", "fast-path-never-written"],
    ]

    @Test func everySubcommandHasALine() {
        let named = Set(Self.lines.compactMap(\.first))
        for command in MFSim.standardConfiguration.subcommands {
            #expect(named.contains(command._commandName), "\(command._commandName)")
        }
    }

    @Test func parsesToTheRootPathsCommand() throws {
        for words in Self.lines {
            let root = try MFSim.parseAsRoot(words)
            let fast = SubcommandFastPath.parse(words, skipsCheck: true)
            #expect(fast != nil, "\(words)")
            if let fast {
                #expect(type(of: fast) == type(of: root), "\(words)")
                #expect(RepeatedOptions.fingerprint(fast) == RepeatedOptions.fingerprint(root), "\(words)")
            }
            #expect(!SubcommandFastPath.isParsing)
            // Outside the fast path the configuration is the standard one (help names `mfsim <subcommand>`).
            #expect(MFSim.standardConfiguration.subcommands.allSatisfy { $0.configuration._superCommandName == nil })
        }
    }

    @Test func leavesErrorsHelpAndOtherWordsToTheRoot() {
        let refused: [[String]] = [
            ["ntk", "--bogus"], ["ntk", "--layers", "0"], ["depth-sweep", "--model", "nope"], ["fixedpoint", "--lambda"],
            ["gain", "--activation", "no-such-activation"], ["--version"], ["ntks"], [], ["help", "ntk"],
        ]
        for words in refused {
            #expect(SubcommandFastPath.parse(words, skipsCheck: true) == nil, "\(words)")
            #expect(!SubcommandFastPath.isParsing)
        }
        // Without the start-up check's verdict (a word may ask for help or completion) it never runs.
        #expect(SubcommandFastPath.parse(["ntk", "--c0", "0.5"], skipsCheck: false) == nil)
    }
}
