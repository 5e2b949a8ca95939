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

/// The root command: it only lists the subcommands.
struct MFSim: ParsableCommand {
    /// The configuration ArgumentParser sees: ``standardConfiguration``, or — when
    /// ``CompletionRequest/skipsCheck`` is set for this command line — the same with
    /// `_superCommandName` set, which is ArgumentParser's one switch that skips its
    /// `--generate-completion-script` check (two extra lenient parses against its completion
    /// pseudo-commands: 5.3 M of `--version`'s 6.0 M instructions). The name is only ever shown in help
    /// and usage text, which such a command line never prints (CompletionRequest.swift).
    static var configuration: CommandConfiguration {
        CompletionRequest.skipsCheck ? configurationWithoutCompletionCheck : standardConfiguration
    }

    static let configurationWithoutCompletionCheck: CommandConfiguration = {
        var configuration = standardConfiguration
        configuration._superCommandName = "mfsim"
        return configuration
    }()

    static let standardConfiguration = CommandConfiguration(
        commandName: "mfsim",
        abstract: "Exact mean-field signal propagation for deep networks.",
        discussion: """
            Exit codes: 0 success, 64 bad command line (unknown option or activation, value out \
            of its domain, malformed range), 65 no solution or no convergence, or malformed data in an \
            input file, 66 input file cannot be read, 73 output file cannot be written, 74 stdout cannot be written. Errors print one line starting 'mfsim: error:' on stderr.
            """,
        version: MeanFieldVersion.string,
        subcommands: [Activations.self, FixedPoint.self, DepthSweep.self, PhaseCommand.self, Edge.self, SlopesCommand.self, RnnGain.self, Gain.self, Ntk.self, Simulate.self, FiniteWidthCommand.self, Shape.self, Export.self])
}

/// The program: `Sources/mfsimMain/main.swift` calls this and nothing else. The commands live in
/// this library target (so the tests link them without the executable's static-link settings);
/// the executable target only links them into one statically linked binary (see Package.swift).
public enum Entry {
    public static func main() {
        StandardStreams.prepare()
        do {
            try CommandLineLimit.check(Array(CommandLine.arguments.dropFirst()))
            CompletionRequest.skipsCheck = !CompletionRequest.mayBeAsked(Array(CommandLine.arguments.dropFirst()))
            var command = try SubcommandFastPath.parse(Array(CommandLine.arguments.dropFirst())) ?? MFSim.parseAsRoot()
            try RepeatedOptions.check(Array(CommandLine.arguments.dropFirst()), parsed: command)
            try command.run()
            StandardStreams.flushWarnings()
        } catch {
            ExitStatus.fail(error)
        }
    }
}
