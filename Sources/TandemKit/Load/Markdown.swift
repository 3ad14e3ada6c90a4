import CCmarkGFM
import Foundation

/// GitHub-flavoured Markdown through Debian's cmark-gfm. cmark-gfm's extension registry is
/// global and unguarded, so every call goes through one lock; portals have few documents.
enum Markdown {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered = false

    static func html(_ text: String, allowRawHTML: Bool) -> String {
        lock.lock()
        defer { lock.unlock() }
        if !registered {
            cmark_gfm_core_extensions_ensure_registered()
            registered = true
        }
        var options = CMARK_OPT_DEFAULT | CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8
        if allowRawHTML { options |= CMARK_OPT_UNSAFE }
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink", "tasklist", "tagfilter"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_parser_feed(parser, chars.baseAddress, chars.count)
            }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }
}

/// What one Markdown body may cost. Debian's cmark-gfm 0.29.0.gfm.6 takes time quadratic in
/// the size of some inputs (CVE-2023-22486: 100 KB of `![[]()` takes about 1.7 s, 256 KB
/// about 7 s), and its table extension pads every row to the header's width, so a 24 KB body
/// with a 1,000-column header and 10,000 one-letter rows made 10 million cells: 2.4 GB of
/// memory, 100 MB of HTML and 25 s. The limits keep any body to about two seconds and a few
/// tens of MB (measured with the same library and options; see the README's limits).
enum MarkdownLimits {
    static let maximumBodyBytes = 100_000
    static let maximumTableColumns = 64
    static let maximumTableCells = 100_000

    /// Reports a body over the limits at its position; true when it may be rendered.
    /// `firstLine` is the body's first line in the file.
    static func check(_ body: String, file: String, firstLine: Int, bag: DiagnosticBag) -> Bool {
        let size = body.utf8.count
        if size > maximumBodyBytes {
            bag.error("the Markdown body is too large (\(size) bytes; the limit is \(maximumBodyBytes))",
                      at: SourceLocation(file: file, line: firstLine), hint: "split it into several files")
            return false
        }
        var ok = true
        var cells = 0
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 1
        while i < lines.count {
            guard let columns = delimiterRowColumns(lines[i]), !lines[i - 1].allSatisfy({ $0 == " " || $0 == "\t" }) else { i += 1; continue }
            let line = firstLine + i - 1  // the header row
            if columns > maximumTableColumns {
                bag.error("a table with \(columns) columns (the limit is \(maximumTableColumns))", at: SourceLocation(file: file, line: line),
                          hint: "split the table; every row is padded to the header's width")
                return false
            }
            // The header, and every line up to the next blank one (a table may end sooner:
            // this counts at least the cells cmark-gfm makes).
            var end = i + 1
            while end < lines.count, !lines[end].allSatisfy({ $0 == " " || $0 == "\t" }) { end += 1 }
            cells += columns * (end - i)
            if cells > maximumTableCells, ok {
                bag.error("the tables of this file have more than \(maximumTableCells) cells", at: SourceLocation(file: file, line: line),
                          hint: "split the table or the file; every row is padded to the header's width")
                ok = false
            }
            i = end
        }
        return ok
    }

    /// The number of cells of a GFM table delimiter row (`| --- | :-: |`), or nil.
    static func delimiterRowColumns(_ line: Substring) -> Int? {
        var trimmed = line.drop { $0 == " " || $0 == "\t" }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        guard trimmed.contains("-"), trimmed.allSatisfy({ $0 == "|" || $0 == "-" || $0 == ":" || $0 == " " || $0 == "\t" }) else { return nil }
        var cells = trimmed.split(separator: "|", omittingEmptySubsequences: false)
        if trimmed.first == "|" { cells.removeFirst() }
        if trimmed.last == "|", !cells.isEmpty { cells.removeLast() }
        // A line of dashes without a pipe is a heading underline or a rule, not a table.
        guard trimmed.contains("|") || cells.count > 1 else { return nil }
        return cells.allSatisfy({ $0.contains("-") }) ? cells.count : nil
    }
}

/// A Markdown file split into its YAML front matter and its body.
struct FrontMatterDocument {
    var yaml: String
    /// Lines before the YAML's first line (the opening fence), to offset YAML positions.
    var yamlLineOffset: Int
    var body: String
    /// The body's first line in the file (1-based).
    var bodyFirstLine: Int

    /// Says why a file has no front matter: no opening fence, or one that is never closed.
    static func reportMissing(_ text: String, file: String, what: String, bag: DiagnosticBag) {
        let first = text.prefix { $0 != "\n" }
        if first.trimmingCharacters(in: .whitespaces) == "---" {
            bag.error("the front matter opened on line 1 is never closed with a '---' line", at: SourceLocation(file: file))
        } else {
            bag.error("\(what) must start with YAML front matter between two '---' lines", at: SourceLocation(file: file))
        }
    }

    /// nil when the file does not start with a `---` fence or the closing fence is missing.
    init?(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else { return nil }
        guard let close = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" || $0 == "..." }) else { return nil }
        yaml = lines[1..<close].joined(separator: "\n")
        yamlLineOffset = 1
        body = lines[(close + 1)...].joined(separator: "\n")
        bodyFirstLine = close + 2
    }
}
