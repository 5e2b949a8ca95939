/// Path-name arithmetic on `/`-separated strings without Foundation (issue #15: start-up), with
/// the results of `NSString`'s `lastPathComponent`, `deletingLastPathComponent` and
/// `appendingPathComponent` (no normalization: `a` + `/x` is `a//x`, as there). Unlike
/// swift-corelibs-foundation's, these never trap on a one-character name (`-o a`).
enum PathNames {
    /// The path without its trailing slashes (`/` stays `/`).
    private static func withoutTrailingSlashes(_ path: Substring) -> Substring {
        var end = path.endIndex
        while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        return end == path.startIndex && !path.isEmpty ? path.prefix(1) : path[..<end]
    }

    /// The last component: `/tmp/a.csv` → `a.csv`, `/tmp/a/` → `a`, `a` → `a`, `/` → `/`.
    static func lastComponent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(Substring(path))
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The path without its last component: `/tmp/a.csv` → `/tmp`, `/a` → `/`, `a` → ``,
    /// `x//y` → `x`, `/` → `/`.
    static func parent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(Substring(path))
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let head = withoutTrailingSlashes(trimmed[..<slash])
        return head.isEmpty ? "/" : String(head)
    }

    /// `component` appended to `path` with one `/` between them unless `path` is empty or ends
    /// with `/`, or `component` is empty.
    static func appending(_ path: String, _ component: String) -> String {
        if path.isEmpty { return component }
        if component.isEmpty { return path }
        return path.hasSuffix("/") ? path + component : path + "/" + component
    }
}
