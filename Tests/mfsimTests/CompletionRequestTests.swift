import Foundation
import Testing
@testable import mfsim
import MeanField

/// The start-up shortcut (CompletionRequest.swift): ArgumentParser's completion-script check is
/// skipped only for command lines that can ask neither for a completion script nor for help, and
/// those two still work exactly as ArgumentParser makes them.
@Suite struct CompletionRequestTests {
    @Test func onlyCommandLinesThatCannotAskSkipTheCheck() {
        for words in [["--version"], ["fixedpoint"], ["ntk", "--c0", "0.5", "--layers", "3"], ["gain", "--activation", "hardshrink"],
                      ["simulate", "--seed", "-1"], ["ntk", "--gram", "help.csv"]] {
            #expect(!CompletionRequest.mayBeAsked(words), "\(words)")
        }
        for words in [[], ["help"], ["help", "ntk"], ["ntk", "--help"], ["ntk", "-h"], ["-h"], ["--help"], ["ntk", "-vh"],
                      ["--generate-completion-script", "bash"], ["--generate-completion-script=zsh"], ["--generate-completion-script"],
                      ["ntk", "--experimental-dump-help"], ["fixedpoint", "--help=1"]] {
            #expect(CompletionRequest.mayBeAsked(words), "\(words)")
        }
    }

    /// Help, completion scripts and errors through the executable: the configuration's name never shows.
    @Test func helpCompletionAndErrorsAreArgumentParsers() throws {
        let bash = try MFSimProcess.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0 && bash.stdout.hasPrefix("#!/bin/bash") && bash.stdout.contains("_mfsim"), "\(bash.stderr)")
        let zsh = try MFSimProcess.run(["--generate-completion-script=zsh"])
        #expect(zsh.status == 0 && zsh.stdout.contains("#compdef mfsim"), "\(zsh.stderr)")
        for subcommand in ["ntk", "gain", "shape"] {
            let help = try MFSimProcess.run([subcommand, "--help"]), other = try MFSimProcess.run(["help", subcommand])
            #expect(help.status == 0 && help.stdout == other.stdout && help.stdout.contains("USAGE: mfsim \(subcommand) "), "\(subcommand)")
            #expect(!help.stdout.contains("mfsim mfsim"))
        }
        let root = try MFSimProcess.run([])
        #expect(root.status == 0 && root.stdout.contains("USAGE: mfsim <subcommand>") && !root.stdout.contains("mfsim mfsim"), "\(root)")
        let unknown = try MFSimProcess.run(["ntk", "--bogus"])
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("mfsim: error: Unknown option '--bogus'") && !unknown.stderr.contains("mfsim mfsim"), "\(unknown.stderr)")
        let version = try MFSimProcess.run(["--version"])
        #expect(version.status == 0 && version.stdout == MeanFieldVersion.string + "\n", "\(version)")
    }
}
