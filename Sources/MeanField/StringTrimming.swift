/// Trimming without Foundation (issue #15: start-up), with the results of Foundation's
/// `trimmingCharacters(in:)`, which removes Unicode scalars (not characters) from both ends.
extension StringProtocol {
    /// The text without leading and trailing spaces and tabs: the scalars of Unicode general
    /// category Zs, U+0009 and U+200B (zero width space), the set swift-corelibs-foundation's
    /// `CharacterSet.whitespaces` holds (checked over every scalar).
    public func trimmingWhitespace() -> String {
        trimmingScalars { scalar in
            // In ASCII the set is U+0009 and U+0020 (the only ASCII Zs): the general-category lookup, ~100
            // instructions a scalar, only for the rest (issue #15: start-up parses several specs and numbers).
            if scalar.isASCII { return scalar == " " || scalar == "\t" }
            return scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
        }
    }

    /// The text without the leading and trailing Unicode scalars for which `isTrimmed` holds.
    public func trimmingScalars(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let text = String(self), scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        // Nothing to trim: the text itself, not a copy built scalar by scalar.
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return text }
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
