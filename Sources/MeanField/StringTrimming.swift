/// Trimming without Foundation (issue #15: start-up), with the results of Foundation's
/// `trimmingCharacters(in:)`, which removes Unicode scalars (not characters) from both ends.
extension StringProtocol {
    /// The text without leading and trailing spaces and tabs: the scalars of Unicode general
    /// category Zs, U+0009 and U+200B (zero width space), the set swift-corelibs-foundation's
    /// `CharacterSet.whitespaces` holds (checked over every scalar).
    public func trimmingWhitespace() -> String {
        trimmingScalars { $0 == "\t" || $0 == "\u{200B}" || $0.properties.generalCategory == .spaceSeparator }
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
    /// the scalars with the Unicode White_Space property (U+0009–U+000D, U+0020, U+0085, U+00A0,
    /// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
    func trimmingTrailingRegexWhitespace() -> String {
        var scalars = Array(unicodeScalars)
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }
}
