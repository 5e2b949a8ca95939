/// The most command-line arguments mfsim reads (issue #13: "work before checks").
///
/// swift-argument-parser's cost grows with the square of the occurrences of a repeatable option
/// (40 000 arguments take about two minutes before any check runs), so a longer command line is
/// refused before it is parsed, at once: a long list is written as `START:STOP:COUNT` ranges, each
/// of up to ``NumericList/maximumCount`` values.
enum CommandLineLimit {
    static let maximumArguments = 4096

    /// Refuses (exit 64) a command line of more than ``maximumArguments`` arguments.
    static func check(_ arguments: [String]) throws {
        guard arguments.count > maximumArguments else { return }
        throw CommandError.usage("\(arguments.count) command-line arguments; mfsim reads at most \(maximumArguments) "
                                 + "(write a long list of values as START:STOP:COUNT ranges)")
    }
}
