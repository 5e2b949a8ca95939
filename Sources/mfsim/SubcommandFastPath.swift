import ArgumentParser

/// One of the root command's subcommands (``MFSim``'s list): its configuration is
/// ``standardConfiguration``, or, while ``SubcommandFastPath`` parses a command line that cannot print
/// help, the same with `_superCommandName` set (ArgumentParser's one switch that skips its
/// `--generate-completion-script` check, as ``MFSim/configuration`` does for the root).
protocol Subcommand: ParsableCommand {
    /// What the command's help, usage and name are built from.
    static var standardConfiguration: CommandConfiguration { get }
}

extension Subcommand {
    static var configuration: CommandConfiguration {
        guard SubcommandFastPath.isParsing else { return standardConfiguration }
        var configuration = standardConfiguration
        configuration._superCommandName = MFSim.standardConfiguration.commandName
        return configuration
    }
}

/// Start-up (issue #15 item 4): a command line whose first word names a subcommand is parsed by that
/// subcommand as its own root, skipping the root's pass over it.
///
/// ArgumentParser's root parse of `mfsim depth-sweep …` builds the subcommand's argument set once more
/// than the subcommand's own parse does (to ask whether it takes pass-through arguments) and runs the
/// completion-script check: together ~6 M instructions, a quarter of a 200-layer `depth-sweep`
/// (callgrind, 22.9 M → 16.9 M). The result is the same command value; the fast path is taken only when
/// ``CompletionRequest/skipsCheck`` holds (no word can ask for help or completion), and on any error —
/// an unknown option, a bad value, a failed `validate()` — the command line is parsed again through the
/// root, so every message, usage line and exit status is the root path's, byte for byte.
enum SubcommandFastPath {
    /// True only within ``parse(_:skipsCheck:)`` (``Subcommand/configuration`` reads it); task-local,
    /// so in-process parses elsewhere (tests) never see it.
    @TaskLocal static var isParsing = false

    /// The parsed subcommand, or nil when the command line must go through the root (`words` without
    /// the program name; `skipsCheck`: no word can ask for help or completion).
    static func parse(_ words: [String], skipsCheck: Bool = CompletionRequest.skipsCheck) -> ParsableCommand? {
        guard skipsCheck, let name = words.first,
              let command = MFSim.standardConfiguration.subcommands.first(where: { $0._commandName == name })
        else { return nil }
        return $isParsing.withValue(true) { try? command.parseAsRoot(Array(words.dropFirst())) }
    }
}
