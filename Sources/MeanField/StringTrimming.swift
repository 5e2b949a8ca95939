/// Trimming without Foundation (issue #15: start-up), with the results of Foundation's
/// `trimmingCharacters(in:)`, which removes Unicode scalars (not characters) from both ends.
extension StringProtocol {
    /// The text without leading and trailing spaces and tabs: the scalars of Unicode general
    /// category Zs and U+0009, the set Foundation calls `CharacterSet.whitespaces`.
    public func trimmingWhitespace() -> String {
        trimmingScalars { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// The text without the leading and trailing Unicode scalars for which `isTrimmed` holds.
    public func trimmingScalars(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: scalars[first...last])
        return String(kept)
    }
}

extension String {
    /// The line without the trailing white space that the ICU regular expression `\s+$` matches
    /// (what `replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)` removes):
    /// `\s` is `[\t\n\f\r\p{Z}]`, and `$` also matches before one final line terminator that is
    /// not itself `\s` (U+000B, U+0085).
    func trimmingTrailingRegexWhitespace() -> String {
        func isRegexSpace(_ s: Unicode.Scalar) -> Bool {
            switch s.value {
            case 0x09, 0x0A, 0x0C, 0x0D: return true
            default:
                switch s.properties.generalCategory {
                case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
                default: return false
                }
            }
        }
        var scalars = Array(unicodeScalars)
        var terminator: Unicode.Scalar?
        if let last = scalars.last, last.value == 0x0B || last.value == 0x85 {
            terminator = scalars.removeLast()
        }
        while let last = scalars.last, isRegexSpace(last) { scalars.removeLast() }
        if let terminator { scalars.append(terminator) }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }
}
