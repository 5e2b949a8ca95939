import Foundation
import Testing

/// Every example of README.md (a `$ mfsim ...` or `$ printf ...` line in a ```text block, with
/// the output below it) is run through /bin/sh with stderr merged into stdout, in one temporary
/// folder in order (a `printf > x.csv` feeds the next example), and its output must be what the
/// README shows. A line `...` in the README stands for any lines; the lines after it must follow in
/// order, and the last of them must be the last line printed.
@Suite("README examples")
struct ReadmeExamplesTests {
    struct Example: CustomStringConvertible { let command: String, expected: [String]; var description: String { command } }

    static func readme() throws -> String {
        // Tests/mfsimTests/ReadmeExamplesTests.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    static func examples(_ text: String) -> [Example] {
        var examples: [Example] = []
        var inBlock = false, command: String?, output: [String] = []
        func finish() {
            if let command {
                while output.last?.isEmpty == true { output.removeLast() }
                examples.append(Example(command: command, expected: output))
            }
            command = nil
            output = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if inBlock { finish() }
                inBlock = line == "```text" ? !inBlock : false
                continue
            }
            guard inBlock else { continue }
            if line.hasPrefix("$ ") {
                finish()
                let text = String(line.dropFirst(2))
                if text.hasPrefix("mfsim ") || text.hasPrefix("printf ") { command = text }
            } else if command != nil {
                output.append(line)
            }
        }
        return examples
    }

    static func matches(_ expected: [String], _ got: [String]) -> Bool {
        guard let elision = expected.firstIndex(of: "...") else { return expected == got }
        let head = expected[..<elision], tail = expected[(elision + 1)...]
        guard got.count >= head.count + tail.count, Array(got.prefix(head.count)) == Array(head) else { return false }
        if let last = tail.last, got.last != last { return false }
        var rest = got.dropFirst(head.count)[...]
        for line in tail {
            guard let index = rest.firstIndex(of: line) else { return false }
            rest = rest[(index + 1)...]
        }
        return true
    }

    @Test func everyReadmeExampleShowsTheRealOutput() throws {
        let examples = Self.examples(try Self.readme())
        #expect(examples.count >= 20)
        let dir = try temporaryDirectory()
        let folder = MFSimProcess.executable.deletingLastPathComponent().path
        for example in examples {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", example.command + " 2>&1"]
            process.currentDirectoryURL = dir
            process.environment = ["PATH": "\(folder):/usr/bin:/bin"]
            let result = try MFSimProcess.collect(process)
            var got = result.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            while got.last?.isEmpty == true { got.removeLast() }
            let ok = Self.matches(example.expected, got)
            let shown = got.count > 12 ? Array(got.prefix(6)) + ["..."] + Array(got.suffix(6)) : got
            #expect(ok, "README example '\(example.command)' prints:\n\(shown.joined(separator: "\n"))")
        }
    }

    @Test func theElisionMatchesOnlyWhatItShould() {
        #expect(Self.matches(["a", "...", "c", "e"], ["a", "b", "c", "d", "e"]))
        #expect(!Self.matches(["a", "...", "c", "e"], ["a", "b", "c", "d", "e", "f"]))
        #expect(!Self.matches(["a", "...", "e", "c"], ["a", "b", "c", "d", "e"]))
        #expect(!Self.matches(["x", "...", "e"], ["a", "e"]))
        #expect(Self.matches(["a", "b"], ["a", "b"]) && !Self.matches(["a", "b"], ["a", "b", "c"]))
    }
}
