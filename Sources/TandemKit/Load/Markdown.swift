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

/// A Markdown file split into its YAML front matter and its body.
struct FrontMatterDocument {
    var yaml: String
    /// Lines before the YAML's first line (the opening fence), to offset YAML positions.
    var yamlLineOffset: Int
    var body: String

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
    }
}
