import ArgumentParser
import Foundation
import MeanField

/// The root command: it only lists the subcommands.
struct MFSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mfsim",
        abstract: "Exact mean-field signal propagation for deep networks.",
        discussion: """
            Exit codes: 0 success, 64 bad command line (unknown option or activation, value out \
            of its domain, malformed range), 65 no solution or no convergence, or malformed data in an \
            input file, 66 input file cannot be read, 73 output file cannot be written. Errors print one line starting 'mfsim: error:' on stderr.
            """,
        version: MeanFieldVersion.string,
        subcommands: [Activations.self, FixedPoint.self, DepthSweep.self, PhaseCommand.self, Edge.self, SlopesCommand.self, RnnGain.self, Gain.self, Ntk.self, Simulate.self, FiniteWidthCommand.self, Shape.self, Export.self])
}

/// A failure after the command line was accepted, with its own exit code. (A bad command line is
/// a `ValidationError`: swift-argument-parser gives it exit code 64 from `validate()` and `run()`.)
struct CommandError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    static func noSolution(_ message: String) -> CommandError { CommandError(description: message, exitCode: 65) }
    static func cannotCreate(_ message: String) -> CommandError { CommandError(description: message, exitCode: 73) }
    static func badInput(_ message: String) -> CommandError { CommandError(description: message, exitCode: 65) }
    static func cannotRead(_ message: String) -> CommandError { CommandError(description: message, exitCode: 66) }
}

@main
enum Entry {
    static func main() {
        do {
            var command = try MFSim.parseAsRoot()
            try command.run()
        } catch let error as CommandError {
            fail(error.description, code: error.exitCode)
        } catch let error as ActivationError {
            fail(error.description, code: 64)
        } catch {
            let code = MFSim.exitCode(for: error)
            if code == .success { MFSim.exit(withError: error) }   // --help, --version
            let message = MFSim.message(for: error)
            fail(message.isEmpty ? String(describing: error) : message, code: code.rawValue,
                 hint: code.rawValue == 64 ? "see 'mfsim --help' or 'mfsim <subcommand> --help'" : nil)
        }
    }

    static func fail(_ message: String, code: Int32, hint: String? = nil) -> Never {
        let firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        var text = "mfsim: error: \(firstLine)\n"
        if let hint { text += "usage: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
        exit(code)
    }
}
