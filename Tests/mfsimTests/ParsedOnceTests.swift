import Foundation
import Testing
@testable import mfsim

/// Issue #13: every typed command-line value is parsed once, when swift-argument-parser reads it;
/// `validate()` and `makeTable()` read the parsed values and never parse the text again.
@Suite("Options parsed once into typed values")
struct ParsedOnceTests {
    /// Command lines (cheap ones) and how many typed values each gives: one parse per value.
    static let cases: [(arguments: [String], values: Int)] = [
        (["gain", "--activation", "relu", "--activation", "elu", "--variance", "1:2:3", "--columns", "activation,std_gain"], 4),
        (["slopes", "--activation", "tanh", "--variance", "0.5", "--mean", "-1:1:3"], 3),
        (["rnn-gain", "--activation", "leaky_relu", "--variance", "1", "--solve-for", "slope"], 2),
        (["phase", "--activation", "tanh", "--sigma-w2", "1:2:2", "--sigma-b2", "0.1"], 3),
        (["edge", "--activation", "tanh", "--sigma-b2", "0.1", "--q0", "2"], 2),
        (["activations", "--activation", "elu", "--at", "-1:1:3"], 2),
        (["depth-sweep", "--activation", "selu", "--layers", "3"], 1),
        (["depth-sweep", "--model", "gaussian", "--network", "dense relu dense"], 1),
        (["ntk", "--activation", "relu", "--c0", "0.5", "--c0", "-1:1:3", "--layers", "2"], 3),
        (["ntk", "--network", "dense relu dense", "--c0", "0.5"], 2),
        (["simulate", "--activation", "relu", "--width", "4", "--layers", "2", "--trials", "2"], 1),
        (["finite-width", "--activation", "relu", "--layers", "2"], 1),
        (["fixedpoint", "--domain", "--box-mean", "-0.1:0.1", "--grid", "2"], 1),
        (["shape", "--method", "dks,tat", "--activation", "tanh", "--depth", "5", "--case", "dks:elu"], 4),
    ]

    @Test(arguments: cases)
    func eachValueIsParsedOnce(arguments: [String], values: Int) throws {
        let counter = ParseCounter()
        try ArgumentParseCount.$counter.withValue(counter) {
            let parsed = try MFSim.parseAsRoot(arguments)
            #expect(counter.count == values, "\(arguments): \(counter.count) parses while reading the command line")
            let command = try #require(parsed as? any TableCommand, "\(arguments)")
            _ = try command.makeTable()
            #expect(counter.count == values, "\(arguments): makeTable() parsed again (\(counter.count) parses in all)")
        }
    }

    /// A malformed value still fails in `validate()` with the words it always had (exit 64).
    @Test(arguments: [
        (["gain", "--variance", "1:0:5"], "--variance: range '1:0:5' must have START < STOP (or START = STOP with COUNT 1)"),
        (["phase", "--sigma-w2", "a:b:c"], "--sigma-w2: malformed range 'a:b:c' (expected START:STOP:COUNT, e.g. -1:1:201)"),
        (["ntk", "--c0", "2"], "--c0 must be in [-1, 1] (got 2.0)"),
        (["slopes", "--mean", "nan"], "--mean: 'nan' is not a finite number"),
        (["fixedpoint", "--box-tau", "-1:1"], "--box-tau: '-1:1' must be positive"),
        (["shape", "--depth", "10,0"], "--depth must be 1 to 1000000 (got 0)"),
        (["shape", "--method", "dks,bogus"], "--method: 'bogus' is not a method (dks or tat)"),
        (["gain", "--columns", "a,,b"], "--columns 'a,,b': name 2 is empty"),
    ])
    func malformedValuesFailInValidate(arguments: [String], message: String) {
        #expect(throws: (any Error).self) { _ = try MFSim.parseAsRoot(arguments) }
        do { _ = try MFSim.parseAsRoot(arguments) } catch {
            #expect(MFSim.exitCode(for: error).rawValue == 64, "\(arguments)")
            #expect(MFSim.message(for: error) == message, "\(arguments): \(MFSim.message(for: error))")
        }
    }

    /// Outside the typed values (Arguments.swift, ShapeArguments.swift) the command line parses no
    /// spec or range text: a second parse in a subcommand fails this test.
    @Test func noSubcommandParsesText() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/mfsim")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20)
        for file in files where !["Arguments.swift", "ShapeArguments.swift"].contains(file) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for parser in ["Activation(spec:", "NumericList.parseItem(", "ColumnsArgument(argument:", "Network(spec: network"] {
                #expect(!text.contains(parser), "\(file) parses with \(parser)")
            }
        }
    }
}
