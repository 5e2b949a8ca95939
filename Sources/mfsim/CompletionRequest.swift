/// Whether a command line may ask ArgumentParser for a shell-completion script or for help, decided
/// from its words before parsing (issue #15 item 4, start-up).
///
/// ArgumentParser's `parseAsRoot` first parses every command line twice more, against its
/// `--generate-completion-script [shell]` pseudo-commands: with the runtime's first protocol-conformance
/// look-ups that costs 5.3 M instructions, 88 % of `mfsim --version` (6.0 M) and a third of a
/// `depth-sweep`. That check can only fire when a word starts with `--generate-completion-script`
/// (ArgumentParser accepts no abbreviations). The one switch that skips it, `_superCommandName` on the
/// root's configuration, also prefixes that name to help and usage text, so it is set only for command
/// lines that can print neither: not empty (the root alone prints its help), and no word that is or
/// starts like `help`, `-h`, `--help`, `--generate-completion-script` or `--experimental-dump-help`
/// (anything else ArgumentParser renders through help, e.g. its error messages' usage lines, `ExitStatus`
/// never prints: it keeps an error's first line). Every other command line parses exactly as before.
enum CompletionRequest {
    /// Set once by ``Entry/main()`` before parsing (tests that parse in-process leave it false).
    nonisolated(unsafe) static var skipsCheck = false

    /// Whether these words (without the program name) may ask for completion or help.
    static func mayBeAsked(_ words: [String]) -> Bool {
        if words.isEmpty { return true }
        return words.contains { word in
            word == "help" || word.hasPrefix("--help") || word.hasPrefix("--generate-completion-script")
                || word.hasPrefix("--experimental") || isShortFlagCluster(withH: word)
        }
    }

    /// `-h`, or a cluster of short flags with an h (`-vh`): ArgumentParser's help flag.
    static func isShortFlagCluster(withH word: String) -> Bool {
        guard word.hasPrefix("-"), !word.hasPrefix("--") else { return false }
        return word.dropFirst().contains("h")
    }
}
