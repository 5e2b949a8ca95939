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

/// The one error type of the command line, with a structured kind that decides the exit code.
///
/// Library errors (``ActivationError``, ``SignalPropagationError``, ``SlopeError``,
/// ``FixedPointError``, ``GSLError``, ``KernelError``, ``ShapingError``) need not be wrapped: ``ExitStatus`` maps every
/// error to its line and code in one place, so a subcommand just lets them propagate.
struct CommandError: Error, CustomStringConvertible {
    /// What went wrong, which fixes the exit code (sysexits.h).
    enum Kind: Int32, Sendable {
        /// A bad command line: unknown option, value out of its domain, malformed range (64).
        case usage = 64
        /// No solution, no convergence, a value that overflows double precision or cannot be
        /// trusted, or malformed data in an input file (65).
        case data = 65
        /// An input file cannot be read (66).
        case cannotRead = 66
        /// An output file cannot be created or written (73).
        case cannotCreate = 73
        /// Writing to stdout failed (a closed stdout, a full device, a broken pipe) (74).
        case io = 74
    }

    let kind: Kind
    let description: String
    var exitCode: Int32 { kind.rawValue }

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func usage(_ message: String) -> CommandError { CommandError(.usage, message) }
    static func noSolution(_ message: String) -> CommandError { CommandError(.data, message) }
    static func badInput(_ message: String) -> CommandError { CommandError(.data, message) }
    static func cannotRead(_ message: String) -> CommandError { CommandError(.cannotRead, message) }
    static func cannotCreate(_ message: String) -> CommandError { CommandError(.cannotCreate, message) }
    static func io(_ message: String) -> CommandError { CommandError(.io, message) }
}

/// The one place that turns an error into the `mfsim: error:` line and the exit code.
enum ExitStatus {
    /// The message (first line only), the exit code, and a usage hint for a bad command line;
    /// nil for `--help` and `--version` (exit 0, printed by swift-argument-parser).
    static func of(_ error: Error) -> (message: String, code: Int32, hint: String?)? {
        let usageHint = "see 'mfsim --help' or 'mfsim <subcommand> --help'"
        switch error {
        case let error as CommandError:
            return (error.description, error.exitCode, error.kind == .usage ? usageHint : nil)
        case let error as ActivationError:
            return (error.description, CommandError.Kind.usage.rawValue, usageHint)
        case let error as SignalPropagationError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        case let error as SlopeError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        case let error as FixedPointError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        case let error as GSLError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        case let error as KernelError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        case let error as ShapingError:
            return (error.description, CommandError.Kind.data.rawValue, nil)
        default:
            let code = MFSim.exitCode(for: error)
            if code == .success { return nil }
            let message = MFSim.message(for: error)
            return (message.isEmpty ? String(describing: error) : message, code.rawValue,
                    code.rawValue == 64 ? usageHint : nil)
        }
    }

    /// Prints `mfsim: error: <first line>` (and a usage hint) on stderr and exits.
    static func fail(_ error: Error) -> Never {
        guard let (message, code, hint) = of(error) else { MFSim.exit(withError: error) }
        fail(message, code: code, hint: hint)
    }

    static func fail(_ message: String, code: Int32, hint: String? = nil) -> Never {
        let firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        var text = "mfsim: error: \(firstLine)\n"
        if let hint { text += "usage: \(hint)\n" }
        StandardStreams.writeError(text)
        StandardStreams.flushWarnings()
        exit(code)
    }
}
