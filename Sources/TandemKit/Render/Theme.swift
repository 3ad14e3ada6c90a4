import Foundation
import Mustache

/// The templates of a build: the built-in theme, overridden file by file by the portal's own
/// `Templates/` folder. Compiled once, before rendering starts.
struct Theme: Sendable {
    let library: MustacheLibrary
    /// The fast renderer for the same templates; nil when a template needs swift-mustache.
    let compiled: CompiledTheme?
    /// Static files (stylesheet) by output path under `assets/`.
    let assets: [(path: String, bytes: [UInt8])]
    /// The templates and the engine that renders them, for the render cache.
    var fingerprint = Fingerprint()

    static let pageTemplates = ["index", "program", "person", "unit", "activity", "activities", "print", "report", "pod"]

    static var builtInDirectory: URL? {
        Bundle.module.url(forResource: "Theme", withExtension: nil)
    }

    static func load(portalRoot: URL, bag: DiagnosticBag) -> Theme {
        var sources: [String: (text: String, file: String)] = [:]
        var assets: [String: (bytes: [UInt8], file: String)] = [:]
        let layers: [(URL, String)] = [builtInDirectory.map { ($0, "<built-in theme>") }, (portalRoot.appendingPathComponent("Templates"), "Templates")].compactMap { $0 }
        if builtInDirectory == nil {
            bag.warning("the built-in theme is missing next to the tandem executable; only the portal's Templates/ is used", at: nil)
        }
        for (directory, label) in layers {
            let isPortal = label == "Templates"
            // The portal's Templates/ may itself be a link that stays inside the portal (the
            // demo's is); nothing under it may be a link at all, or a special file: a linked
            // asset would publish any file the build can read.
            if isPortal, FileManager.default.fileExists(atPath: directory.path),
               !ContentFiles(root: portalRoot).isInsidePortal(directory) {
                bag.error("refusing to read templates from a folder that leads outside the portal (symbolic link?)", at: SourceLocation(file: label))
                continue
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".mustache") {
                let file = "\(label)/\(name)"
                if isPortal, !isPlainFile(directory.appendingPathComponent(name), label: file, bag: bag) { continue }
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                      let text = String(data: data, encoding: .utf8) else {
                    bag.error("cannot read template (is it UTF-8?)", at: SourceLocation(file: file))
                    continue
                }
                sources[String(name.dropLast(9))] = (text, file)
            }
            let assetDirectory = directory.appendingPathComponent("assets")
            if isPortal, isLink(assetDirectory) {
                bag.error("refusing to follow a symbolic link under Templates/", at: SourceLocation(file: "\(label)/assets"),
                          hint: "copy the files into Templates/ instead of linking them")
                continue
            }
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: assetDirectory.path)) ?? []).sorted() where !name.hasPrefix(".") {
                if isPortal, !isPlainFile(assetDirectory.appendingPathComponent(name), label: "\(label)/assets/\(name)", bag: bag) { continue }
                if let data = FileManager.default.contents(atPath: assetDirectory.appendingPathComponent(name).path) {
                    assets[name] = ([UInt8](data), "\(label)/assets/\(name)")
                }
            }
        }
        var library = MustacheLibrary()
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            do {
                library.register(try MustacheTemplate(string: source.text), named: name)
            } catch let error as MustacheTemplate.ParserError {
                bag.error("template error: \(describe(error.error))",
                          at: SourceLocation(file: source.file, line: error.context.lineNumber, column: max(1, error.context.columnNumber)))
            } catch {
                bag.error("template error: \(error)", at: SourceLocation(file: source.file))
            }
            for (partial, line, column) in partialReferences(in: source.text) where sources[partial] == nil {
                bag.error("template uses the partial '\(partial)', which does not exist", at: SourceLocation(file: source.file, line: line, column: column),
                          hint: bag.hint(for: partial, in: sources.keys))
            }
        }
        for name in pageTemplates where sources[name] == nil {
            bag.error("the theme has no '\(name).mustache' template", at: SourceLocation(file: "Templates/\(name).mustache"))
        }
        let useReference = Theme.referenceEngine == "swift-mustache"
        let compiled = useReference ? nil : CompiledTheme.compile(sources.mapValues(\.text))
        bag.ran("pages", compiled != nil ? "compiled templates" : useReference ? "swift-mustache (TANDEM_TEMPLATE_ENGINE)"
                : "swift-mustache (a template uses what the compiled engine does not: set delimiters, pragmas, dynamic partials)")
        var theme = Theme(library: library, compiled: compiled, assets: assets.sorted { $0.key < $1.key }.map { ("assets/\($0.key)", $0.value.bytes) })
        theme.fingerprint.combine(compiled == nil ? "swift-mustache" : "compiled")
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            theme.fingerprint.combine(name)
            theme.fingerprint.combine(source.text)
        }
        return theme
    }

    /// `TANDEM_TEMPLATE_ENGINE`: `swift-mustache` renders pages and messages with the
    /// reference engine (differential checks, and a way round a compiled-engine bug).
    static var referenceEngine: String? { ProcessInfo.processInfo.environment["TANDEM_TEMPLATE_ENGINE"] }

    static func isLink(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    /// True for a regular file that is not a symbolic link; anything else under the portal's
    /// `Templates/` is reported (a folder inside `assets/` is ignored, as it always was).
    static func isPlainFile(_ url: URL, label: String, bag: DiagnosticBag) -> Bool {
        var info = stat()
        guard lstat(url.path, &info) == 0 else {
            bag.error("cannot read file: \(String(cString: strerror(errno)))", at: SourceLocation(file: label))
            return false
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return true
        case S_IFLNK:
            bag.error("refusing to follow a symbolic link under Templates/", at: SourceLocation(file: label),
                      hint: "copy the file into Templates/ instead of linking it")
        case S_IFDIR:
            if label.hasSuffix(".mustache") { bag.error("expected a file, found a folder", at: SourceLocation(file: label)) }
        default: bag.error("expected a file, found a special file (pipe, socket or device)", at: SourceLocation(file: label))
        }
        return false
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case MustacheTemplate.Error.sectionCloseNameIncorrect: return "a section is closed with the wrong name"
        case MustacheTemplate.Error.unfinishedName: return "a tag is not closed with '}}'"
        case MustacheTemplate.Error.expectedSectionEnd: return "a section is opened but never closed"
        default: return "\(error)"
        }
    }

    /// `{{> name}}` and `{{< name}}` references with their 1-based positions.
    static func partialReferences(in text: String) -> [(String, Int, Int)] {
        var found: [(String, Int, Int)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let open = rest.range(of: "{{") {
                let after = rest[open.upperBound...].drop { $0 == " " }
                guard let sigil = after.first, sigil == ">" || sigil == "<" else { rest = rest[open.upperBound...]; continue }
                let nameStart = after.dropFirst().drop { $0 == " " }
                let name = nameStart.prefix { !$0.isWhitespace && $0 != "}" }
                if !name.isEmpty {
                    found.append((String(name), index + 1, line.distance(from: line.startIndex, to: open.lowerBound) + 1))
                }
                rest = rest[open.upperBound...]
            }
        }
        return found
    }

    func render(_ context: ViewObject, template: String) -> [UInt8] {
        // The compiled renderer reads an empty string in a dictionary as absent by itself,
        // which is what dropEmpty gives swift-mustache.
        if let compiled { return compiled.render(template, context) ?? [] }
        return Array((library.render(Theme.dropEmpty(context.dictionary), withTemplate: template) ?? "").utf8)
    }

    /// Mustache treats an empty string as true in a section; view models use "" for
    /// "nothing to show", so empty strings are removed before rendering.
    static func dropEmpty(_ value: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        out.reserveCapacity(value.count)
        for (key, item) in value {
            switch item {
            case let s as String where s.isEmpty: continue
            case let d as [String: Any]: out[key] = dropEmpty(d)
            case let list as [[String: Any]]: out[key] = list.map(dropEmpty)
            case let list as [Any]: out[key] = list.map { ($0 as? [String: Any]).map(dropEmpty) ?? $0 }
            default: out[key] = item
            }
        }
        return out
    }
}
