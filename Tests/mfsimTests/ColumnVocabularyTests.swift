import Foundation
import Testing
@testable import mfsim

/// `--columns` is checked before the work against each subcommand's column vocabulary
/// (ColumnVocabulary.swift; issue #13, "work before checks"), and every variant of every table
/// subcommand prints only names of its vocabulary (so the early check never refuses a real column).
@Suite struct ColumnVocabularyTests {
    static let vectors: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mfsim-vocabulary-\(UUID().uuidString).csv")
        try? "1,0\n0.6,0.8\n0.3,-2\n".write(to: url, atomically: true, encoding: .utf8)
        return url
    }()

    /// Every table shape of every subcommand, each as small as it gets.
    static let variants: [[String]] = [
        ["activations"], ["activations", "--activation", "elu", "--at", "0.5"],
        ["fixedpoint"], ["fixedpoint", "--keep-prob", "0.9"], ["fixedpoint", "--domain", "--grid", "2"],
        ["depth-sweep", "--model", "snn", "--layers", "1"], ["depth-sweep", "--model", "gaussian", "--layers", "1"],
        ["depth-sweep", "--model", "gaussian", "--network", "dense tanh dense", "--q0", "1", "--c0", "0.5"],
        ["phase", "--sigma-w2", "1", "--sigma-b2", "0.1", "--activation", "tanh"],
        ["edge", "--sigma-b2", "0.1", "--activation", "tanh"],
        ["slopes"], ["rnn-gain"], ["rnn-gain", "--activation", "leaky_relu", "--variance", "1", "--solve-for", "slope"],
        ["gain"], ["gain", "--sigma-b2", "0.1"],
        ["ntk", "--layers", "1", "--c0", "0.5"], ["ntk", "--layers", "1", "--gram", vectors.path],
        ["ntk", "--network", "dense relu dense", "--c0", "0.5"], ["ntk", "--network", "dense relu dense", "--gram", vectors.path],
        ["simulate", "--model", "snn", "--width", "4", "--layers", "1", "--trials", "2"],
        ["simulate", "--width", "4", "--layers", "1", "--trials", "2", "--activation", "tanh"],
        ["simulate", "--width", "4", "--layers", "1", "--trials", "2", "--activation", "tanh", "--gram", vectors.path],
        ["simulate", "--fluctuations", "--width", "4", "--layers", "1", "--trials", "3", "--activation", "tanh", "--c0", "0.5"],
        ["simulate", "--network", "dense tanh dense", "--width", "4", "--trials", "2"],
        ["simulate", "--network", "dense tanh dense", "--width", "4", "--trials", "2", "--gram", vectors.path],
        ["finite-width", "--layers", "1"], ["finite-width", "--layers", "1", "--c0", "0.5"],
        ["shape", "--activation", "tanh", "--depth", "2"], ["shape", "--activation", "tanh", "--depth", "2", "--check"],
        ["shape", "--activation", "tanh", "--depth", "2", "--c-map", "3"],
    ]

    static func vocabulary(_ subcommand: String) -> [String]? {
        MFSim.configuration.subcommands.lazy.compactMap { $0 as? any TableCommand.Type }
            .first { $0._commandName == subcommand }?.columnVocabulary
    }

    @Test(arguments: variants)
    func everyHeaderIsInsideItsVocabulary(arguments: [String]) throws {
        let vocabulary = try #require(Self.vocabulary(arguments[0]), "\(arguments[0]) is not a table command")
        let r = try MFSimProcess.run(arguments + ["--format", "csv"])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        // RFC 4180: records end with CRLF (one Character, a newline).
        let header = try #require(r.stdout.split(whereSeparator: \.isNewline).first).split(separator: ",").map(String.init)
        #expect(!header.isEmpty && header.allSatisfy(vocabulary.contains), "\(arguments): \(header.filter { !vocabulary.contains($0) }) not in the vocabulary")
        // And the early check accepts the whole header.
        let all = try MFSimProcess.run(arguments + ["--format", "csv", "--columns", header.joined(separator: ",")])
        #expect(all.status == 0 && all.stdout == r.stdout, "\(arguments): \(all.stderr)")
    }

    /// Every table subcommand has a vocabulary without repeated names, and every one is exercised above.
    @Test func everyTableCommandIsCovered() {
        let tables = MFSim.configuration.subcommands.compactMap { $0 as? any TableCommand.Type }
        #expect(tables.count >= 12)
        for command in tables {
            #expect(Set(command.columnVocabulary).count == command.columnVocabulary.count, "\(command._commandName)")
            #expect(Self.variants.contains { $0[0] == command._commandName }, "\(command._commandName) has no variant")
        }
    }

    /// A misspelt name is refused before the work: the quadrature below 1e-6 would warn, and no warning
    /// appears — only the one error line, naming the subcommand's columns.
    @Test(arguments: [["gain", "--variance", "1e-8"], ["depth-sweep", "--model", "gaussian", "--q0", "1e-8", "--layers", "2"],
                      ["ntk", "--activation", "softsign", "--q0", "1e-6", "--c0", "-1:1:21", "--layers", "200"]])
    func aMisspeltColumnIsRefusedBeforeTheWork(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments + ["--columns", "activation,qq"])
        #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("mfsim: error: --columns: unknown column 'qq' (\(arguments[0])'s tables have: ") == true, "\(r.stderr)")
        #expect(!r.stderr.contains("warning"), "\(r.stderr)")
    }
}
