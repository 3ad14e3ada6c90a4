import Foundation
import Mustache

/// The message templates: the built-in `Theme/messages/`, overridden file by file by the
/// portal's `Templates/messages/`. Each kind has a text template, whose first line is
/// `Subject: …`, and an HTML template for the body of the HTML part (`<kind>.html.mustache`).
/// Text templates print values as they are; HTML templates escape them.
///
/// Rendering goes through the same compiled engine as the pages (`CompiledTheme`): a large
/// portal sends around ten messages per person. The text templates are compiled without
/// escaping, as the pragma asks. Templates that include partials or parents render through
/// swift-mustache, as does everything when `TANDEM_TEMPLATE_ENGINE=swift-mustache` is set.
struct MessageTheme: Sendable {
    let library: MustacheLibrary
    let compiled: CompiledTheme?
    let names: Set<String>

    /// Put before every text template: values are printed without HTML escaping.
    static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    static func load(portalRoot: URL, bag: DiagnosticBag) -> MessageTheme {
        var sources: [String: (text: String, file: String)] = [:]
        let layers: [(URL, String)] = [
            Theme.builtInDirectory.map { ($0.appendingPathComponent("messages"), "<built-in theme>/messages") },
            (portalRoot.appendingPathComponent("Templates/messages"), "Templates/messages"),
        ].compactMap { $0 }
        for (directory, label) in layers {
            // As for page templates (Theme.load): nothing under the portal's Templates/ may be
            // a link, or a linked template would publish any file the build can read.
            let isPortal = label == "Templates/messages"
            if isPortal, Theme.isLink(directory) {
                bag.error("refusing to follow a symbolic link under Templates/", at: SourceLocation(file: label),
                          hint: "copy the files into Templates/ instead of linking them")
                continue
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".mustache") {
                let file = "\(label)/\(name)"
                if isPortal, !Theme.isPlainFile(directory.appendingPathComponent(name), label: file, bag: bag) { continue }
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                      let text = String(data: data, encoding: .utf8) else {
                    bag.error("cannot read template (is it UTF-8?)", at: SourceLocation(file: file))
                    continue
                }
                sources[String(name.dropLast(9))] = (text, file)
            }
        }
        var library = MustacheLibrary()
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            let isText = !name.hasSuffix(".html")
            let prefix = isText ? textPragma : ""
            do {
                library.register(try MustacheTemplate(string: prefix + source.text), named: name)
            } catch let error as MustacheTemplate.ParserError {
                // The pragma sits on the first line: columns there are shifted by its length.
                let line = error.context.lineNumber
                let column = max(1, error.context.columnNumber - (line == 1 ? prefix.count : 0))
                bag.error("template error: \(Theme.describe(error.error))", at: SourceLocation(file: source.file, line: line, column: column))
            } catch {
                bag.error("template error: \(error)", at: SourceLocation(file: source.file))
            }
            for (partial, line, column) in Theme.partialReferences(in: source.text) where sources[partial] == nil {
                bag.error("template uses the partial '\(partial)', which does not exist", at: SourceLocation(file: source.file, line: line, column: column),
                          hint: bag.hint(for: partial, in: sources.keys))
            }
            if isText, !source.text.hasPrefix("Subject:") {
                bag.error("a message template starts with its subject line, 'Subject: …'", at: SourceLocation(file: source.file))
            }
        }
        for kind in MessageKind.allCases {
            for name in [kind.rawValue, kind.rawValue + ".html"] where sources[name] == nil {
                bag.error("the theme has no 'messages/\(name).mustache' template", at: SourceLocation(file: "Templates/messages/\(name).mustache"))
            }
        }
        let compiled = compile(sources.mapValues(\.text))
        bag.ran("messages", compiled != nil ? "compiled templates" : "swift-mustache (TANDEM_TEMPLATE_ENGINE, partials or what the compiled engine does not read)")
        return MessageTheme(library: library, compiled: compiled, names: Set(sources.keys))
    }

    /// The compiled templates, or nil when swift-mustache must render them (see above).
    static func compile(_ sources: [String: String], engine: String? = Theme.referenceEngine) -> CompiledTheme? {
        guard engine != "swift-mustache", sources.values.allSatisfy({ Theme.partialReferences(in: $0).isEmpty }) else { return nil }
        return CompiledTheme.compile(sources, unescaped: Set(sources.keys.filter { !$0.hasSuffix(".html") }))
    }

    /// The same theme rendering through swift-mustache only (the differential tests' reference).
    var reference: MessageTheme { MessageTheme(library: library, compiled: nil, names: names) }

    /// The subject, text body and HTML body of a kind of message.
    func render(_ kind: MessageKind, _ context: ViewObject) -> (subject: String, text: String, html: String) {
        let text: String, html: String
        if let compiled {
            // The compiled engine reads an empty string as absent by itself (see Theme.render).
            text = String(decoding: compiled.render(kind.rawValue, context) ?? [], as: UTF8.self)
            html = String(decoding: compiled.render(kind.rawValue + ".html", context) ?? [], as: UTF8.self)
        } else {
            let values = Theme.dropEmpty(context.dictionary)
            text = library.render(values, withTemplate: kind.rawValue) ?? ""
            html = library.render(values, withTemplate: kind.rawValue + ".html") ?? ""
        }
        var lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let subject = String(lines.removeFirst().dropFirst("Subject:".count)).trimmingCharacters(in: .whitespaces)
        let body = lines.first.map { String($0.drop { $0 == "\n" }) } ?? ""
        return (subject, MessageTheme.tidy(body), html)
    }

    /// Runs of more than one blank line (left by sections that printed nothing) become one.
    static func tidy(_ text: String) -> String {
        // On bytes when there is no CR (the usual case): a Swift Character "\r\n" is not
        // "\n", so text with CRLF keeps the Character-based pass below, whose lines those are.
        if !text.utf8.contains(13) {
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            var lastBlank = false, any = false
            for line in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
                let blank = line.allSatisfy { $0 == 32 || $0 == 9 }
                if blank && lastBlank && any { continue }
                if any { out.append(10) }
                if !blank { out.append(contentsOf: line) }
                lastBlank = blank
                any = true
            }
            // Trailing blank lines go; one newline ends the text.
            while out.last == 10 { out.removeLast() }
            return String(decoding: out, as: UTF8.self) + "\n"
        }
        var out: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if blank, let last = out.last, last.isEmpty { continue }
            out.append(blank ? "" : line)
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }
}
