import Foundation
import Yams

/// Where a YAML text sits in its file: front matter starts one line below the `---` fence.
struct YAMLSource {
    var file: String
    var lineOffset: Int = 0

    func location(_ mark: Mark?) -> SourceLocation {
        guard let mark else { return SourceLocation(file: file, line: 1 + lineOffset, column: 1) }
        return SourceLocation(file: file, line: mark.line + lineOffset, column: mark.column)
    }

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line + lineOffset, column: node.column)
    }
}

enum YAMLDocument {
    /// Deeper nesting than any portal needs; refusing it keeps the recursive composer off
    /// the stack limit on hostile input.
    static let maximumDepth = 64

    /// Parses `text` into a node tree, turning every Yams failure into a positioned diagnostic.
    /// Text that passes the checks below and that libyaml reads without anything unusual is
    /// composed straight from libyaml's events; anything else goes through Yams, which
    /// reports what is wrong with it (`YAMLTree`).
    static func compose(_ text: String, source: YAMLSource, bag: DiagnosticBag) -> YAMLNode? {
        if excessiveNesting(text) == nil, !text.containsByte("\t"), aliasInKey(text) == nil,
           let tree = YAMLTree.compose(text, strict: true) {
            bag.ran("YAML", "libyaml events")
            return tree.root
        }
        bag.ran("YAML", "Yams (\(source.file): tabs, anchors, tags, repeated keys or an error)")
        if let (line, column) = excessiveNesting(text) {
            bag.error("YAML nesting is deeper than \(maximumDepth) levels",
                      at: SourceLocation(file: source.file, line: line + source.lineOffset, column: column))
            return nil
        }
        if let (line, column) = aliasInKey(text) {
            bag.error("an alias (*name) cannot be part of a mapping key", at: SourceLocation(file: source.file, line: line + source.lineOffset, column: column),
                      hint: "use aliases only as values")
            return nil
        }
        let (repaired, tabs) = expandIndentationTabs(text)
        for (line, column) in tabs {
            bag.error("tab character in indentation", at: SourceLocation(file: source.file, line: line + source.lineOffset, column: column),
                      hint: "YAML indentation must use spaces, not tabs")
        }
        do {
            // Every scalar stays a string: the readers parse numbers, dates and booleans themselves
            // with positioned errors, and skipping Yams' regex tag resolution makes large
            // rosters load about four times faster.
            guard try Yams.compose(yaml: repaired, .basic) != nil else { return nil }
            guard let tree = YAMLTree.compose(repaired, strict: false) else {
                bag.error("could not read YAML", at: source.location(nil))
                return nil
            }
            return tree.root
        } catch let error as YamlError {
            report(error, source: source, bag: bag)
            return nil
        } catch {
            bag.error("could not read YAML: \(error)", at: source.location(nil))
            return nil
        }
    }

    private static func report(_ error: YamlError, source: YAMLSource, bag: DiagnosticBag) {
        switch error {
        case let .scanner(context, problem, mark, yaml), let .parser(context, problem, mark, yaml),
             let .composer(context, problem, mark, yaml):
            _ = yaml
            var message = problem
            if problem.contains("another document") {
                bag.error("the file holds more than one YAML document", at: source.location(mark),
                          hint: "remove this '---' line and what follows, or merge the documents")
                return
            }
            if let context, !context.text.isEmpty { message = "\(problem) (\(context.text) at line \(context.mark.line + source.lineOffset))" }
            bag.error("invalid YAML: \(message)", at: source.location(mark),
                      hint: problem.contains("tab") ? "YAML indentation must use spaces, not tabs" : nil)
        case let .reader(problem, offset, _, _):
            bag.error("invalid text: \(problem)\(offset.map { " at byte \($0)" } ?? "")", at: source.location(nil))
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams points at the first of the two.
            bag.error("key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) given twice in the same mapping",
                      at: source.location(context.mark), hint: "remove one of them")
        default:
            bag.error("could not read YAML: \(error)", at: source.location(nil))
        }
    }

    /// YAML forbids tabs in indentation. Each one is reported, then replaced by the previous
    /// line's indentation so the rest of the file can still be checked in the same run.
    static func expandIndentationTabs(_ text: String) -> (String, [(line: Int, column: Int)]) {
        guard text.containsByte("\t") else { return (text, []) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [(Int, Int)] = []
        var previousIndent = 0
        for i in lines.indices {
            let line = lines[i]
            let leading = line.prefix { $0 == " " || $0 == "\t" }
            if let tab = leading.firstIndex(of: "\t") {
                found.append((i + 1, line.distance(from: line.startIndex, to: tab) + 1))
                lines[i] = String(repeating: " ", count: previousIndent) + line.dropFirst(leading.count)
            }
            let content = lines[i].drop { $0 == " " }
            if !content.isEmpty && !content.hasPrefix("#") {
                let indent = lines[i].count - content.count
                previousIndent = content.hasPrefix("- ") ? indent + 2 : indent
            }
        }
        return (lines.joined(separator: "\n"), found)
    }

    /// Yams hashes mapping keys to find duplicates, and hashing a key expands its aliases: a
    /// few lines of nested aliases ("billion laughs") used as a key would take hours. Aliases
    /// stay allowed as values, where nothing expands them. Returns the first alias of a
    /// defined anchor that sits in a key: directly before ':', after an explicit '?' key, or
    /// inside a flow collection that is itself a key. Quoted text and comments are skipped.
    static func aliasInKey(_ text: String) -> (line: Int, column: Int)? {
        guard text.containsByte("&"), text.containsByte("*") else { return nil }
        let chars = Array(text.unicodeScalars)
        let n = chars.count
        func isBreak(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" }
        func isFlow(_ c: Unicode.Scalar) -> Bool { c == "[" || c == "]" || c == "{" || c == "}" || c == "," }
        func tokenStart(_ i: Int) -> Bool { i == 0 || isBreak(chars[i - 1]) || isFlow(chars[i - 1]) || chars[i - 1] == ":" || chars[i - 1] == "-" || chars[i - 1] == "?" }
        func name(at i: Int) -> String {
            var j = i
            while j < n, !isBreak(chars[j]), !isFlow(chars[j]) { j += 1 }
            return String(String.UnicodeScalarView(chars[i..<j]))
        }
        // Pass 1: anchors. Pass 2: aliases of those anchors in key positions.
        var anchors = Set<String>()
        var aliases: [(index: Int, line: Int, column: Int, name: String, explicitKey: Bool)] = []
        var i = 0, line = 1, lineStart = 0
        var explicitKey = false
        var flowStack: [Int] = []
        while i < n {
            let c = chars[i]
            switch c {
            case "\n":
                line += 1; lineStart = i + 1; explicitKey = false
            case "#" where i == 0 || isBreak(chars[i - 1]):
                while i + 1 < n, chars[i + 1] != "\n" { i += 1 }
            case "\"" where tokenStart(i), "'" where tokenStart(i):
                i += 1
                while i < n {
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    if c == "\"", chars[i] == "\\" { i += 2; continue }
                    if chars[i] == c {
                        if c == "'", i + 1 < n, chars[i + 1] == "'" { i += 2; continue }
                        break
                    }
                    i += 1
                }
            case "?" where tokenStart(i) && (i + 1 == n || isBreak(chars[i + 1])):
                explicitKey = true
            case "[", "{":
                flowStack.append(i)
            case "]", "}":
                let start = flowStack.popLast() ?? i
                // A flow collection followed by ':' is a key: any alias inside it counts.
                var j = i + 1
                while j < n, chars[j] == " " || chars[j] == "\t" { j += 1 }
                if j < n, chars[j] == ":" {
                    for k in aliases.indices where aliases[k].index > start && aliases[k].index < i { aliases[k].explicitKey = true }
                }
            case "&" where tokenStart(i):
                anchors.insert(name(at: i + 1))
            case "*" where tokenStart(i):
                let alias = name(at: i + 1)
                var j = i + 1 + alias.unicodeScalars.count
                while j < n, chars[j] == " " || chars[j] == "\t" { j += 1 }
                let beforeColon = j < n && chars[j] == ":"
                aliases.append((i, line, i - lineStart + 1, alias, explicitKey || beforeColon))
            default:
                break
            }
            i += 1
        }
        return aliases.first { $0.explicitKey && anchors.contains($0.name) }.map { ($0.line, $0.column) }
    }

    /// Bracket or indentation depth beyond the maximum, with its position (the column counts
    /// Unicode scalars). Scans the UTF-8 bytes: every structural character is ASCII, and the
    /// column is only counted for the position returned.
    private static func excessiveNesting(_ text: String) -> (line: Int, column: Int)? {
        var text = text
        return text.withUTF8 { bytes in
            var depth = 0, line = 1, lineStart = 0
            var lineStartSpaces = 0, atLineStart = true
            func position(_ i: Int) -> (line: Int, column: Int) {
                (line, bytes[lineStart...i].count { $0 & 0xC0 != 0x80 })
            }
            for i in bytes.indices {
                switch bytes[i] {
                case UInt8(ascii: "\n"):
                    line += 1; lineStart = i + 1; atLineStart = true; lineStartSpaces = 0
                case UInt8(ascii: " "):
                    guard atLineStart else { continue }
                    lineStartSpaces += 1
                    // Two spaces per level is the usual style; one-space indents at 128 deep are still refused.
                    if lineStartSpaces > maximumDepth * 4 { return position(i) }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    atLineStart = false
                    depth += 1
                    if depth > maximumDepth { return position(i) }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    atLineStart = false
                    depth = max(0, depth - 1)
                default:
                    atLineStart = false
                }
            }
            return nil
        }
    }
}

extension String {
    /// Whether the text holds this ASCII byte: a plain byte scan, where `contains("&")` goes
    /// through Foundation's UTF-16 search.
    func containsByte(_ ascii: Unicode.Scalar) -> Bool {
        let byte = UInt8(ascii: ascii)
        return utf8.withContiguousStorageIfAvailable { $0.contains(byte) } ?? utf8.contains(byte)
    }
}

/// Reads a YAML mapping field by field, reporting wrong types at the value's own position
/// and unknown keys (with a suggestion) when `finish()` is called.
final class MappingReader {
    let source: YAMLSource
    let bag: DiagnosticBag
    let location: SourceLocation
    private let entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]
    /// Each key's length and first byte: most keys looked up one by one are told apart by these.
    private let tags: [Int]
    /// Only for mappings with many keys; a few are looked up one by one.
    private let index: [String: Int]?
    private let what: String

    /// Returns nil (after reporting) when `node` is not a mapping.
    init?(_ node: YAMLNode, source: YAMLSource, bag: DiagnosticBag, what: String) {
        self.source = source
        self.bag = bag
        self.what = what
        location = source.location(node)
        guard node.kind == .mapping else {
            bag.error("expected \(what) to be a mapping of keys to values, found \(YAMLValue.describe(node))", at: source.location(node))
            return nil
        }
        var entries: [(String, YAMLNode, YAMLNode)] = []
        var children = node.children
        while let key = children.next(), let value = children.next() {
            guard let text = key.string else {
                bag.error("keys of \(what) must be plain names", at: source.location(key))
                continue
            }
            entries.append((text, key, value))
        }
        self.entries = entries
        tags = entries.map { MappingReader.tag($0.0) }
        if entries.count > 32 {
            var index: [String: Int] = [:]
            for (i, entry) in entries.enumerated() where index[entry.0] == nil { index[entry.0] = i }
            self.index = index
        } else {
            index = nil
        }
    }

    private func position(_ key: String) -> Int? {
        if let index { return index[key] }
        let tag = MappingReader.tag(key)
        return entries.indices.first { tags[$0] == tag && entries[$0].key == key }
    }

    private static func tag(_ key: String) -> Int { key.utf8.count << 8 | Int(key.utf8.first ?? 0) }

    var keys: [String] { entries.map(\.key) }

    func node(_ key: String) -> YAMLNode? { position(key).map { entries[$0].value } }

    func has(_ key: String) -> Bool { node(key).map { !YAMLValue.isNull($0) } ?? false }

    func location(of key: String) -> SourceLocation {
        node(key).map { source.location($0) } ?? location
    }

    func keyLocation(of key: String) -> SourceLocation {
        position(key).map { source.location(entries[$0].keyNode) } ?? location
    }

    /// Reports every key not in `allowed`, suggesting the closest known one.
    func finish(allowed: [String]) {
        for entry in entries where !allowed.contains(entry.key) {
            bag.error("unknown key '\(entry.key)' in \(what)", at: source.location(entry.keyNode),
                      hint: bag.hint(for: entry.key, in: allowed) ?? "known keys: \(allowed.joined(separator: ", "))")
        }
    }

    private func missing(_ key: String) {
        bag.error("\(what) is missing the required key '\(key)'", at: location)
    }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let node = node(key), !YAMLValue.isNull(node) else {
            if required { missing(key) }
            return nil
        }
        guard let string = node.string else {
            bag.error("'\(key)' must be text, found \(YAMLValue.describe(node))", at: source.location(node))
            return nil
        }
        let value = string.trimmedFast(newlines: true)
        if value.isEmpty, required {
            bag.error("'\(key)' must not be empty", at: source.location(node))
            return nil
        }
        return value
    }

    func int(_ key: String, required: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        guard let node = node(key), !YAMLValue.isNull(node) else {
            if required { missing(key) }
            return nil
        }
        guard let string = node.string, let value = Int(string.trimmedFast(newlines: false)) else {
            bag.error("'\(key)' must be a whole number, found \(YAMLValue.describe(node))", at: source.location(node))
            return nil
        }
        if let range, !range.contains(value) {
            bag.error("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: source.location(node))
            return nil
        }
        return value
    }

    func bool(_ key: String) -> Bool? {
        guard let node = node(key), !YAMLValue.isNull(node) else { return nil }
        if let string = node.string {
            switch string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        bag.error("'\(key)' must be true or false, found \(YAMLValue.describe(node))", at: source.location(node))
        return nil
    }

    /// A list of text items. A single scalar is accepted as a one-item list.
    func stringList(_ key: String) -> [(value: String, location: SourceLocation)] {
        var items: [(value: String, location: SourceLocation)] = []
        forEachString(key) { items.append(($0, source.location($1))) }
        return items
    }

    /// The texts of `stringList`, without their positions.
    func stringValues(_ key: String) -> [String] {
        var items: [String] = []
        forEachString(key) { text, _ in items.append(text) }
        return items
    }

    private func forEachString(_ key: String, _ body: (String, YAMLNode) -> Void) {
        guard let node = node(key), !YAMLValue.isNull(node) else { return }
        switch node.kind {
        case .scalar:
            body(node.string!.trimmedFast(newlines: false), node)
        case .sequence:
            for item in node.children {
                guard let string = item.string else {
                    bag.error("items of '\(key)' must be text, found \(YAMLValue.describe(item))", at: source.location(item))
                    continue
                }
                let text = string.trimmedFast(newlines: false)
                if text.isEmpty {
                    bag.error("'\(key)' has an empty item", at: source.location(item))
                    continue
                }
                body(text, item)
            }
        case .mapping:
            bag.error("'\(key)' must be a list, found \(YAMLValue.describe(node))", at: source.location(node))
        }
    }

    func mapping(_ key: String, what: String) -> MappingReader? {
        guard let node = node(key), !YAMLValue.isNull(node) else { return nil }
        return MappingReader(node, source: source, bag: bag, what: what)
    }

    func date(_ key: String, required: Bool = false) -> LocalDate? {
        guard let text = string(key, required: required) else { return nil }
        guard let date = LocalDate(text) else {
            bag.error("'\(key)' must be a calendar date written YYYY-MM-DD, found '\(text)'", at: location(of: key))
            return nil
        }
        return date
    }
}

enum YAMLValue {
    static func isNull(_ node: YAMLNode) -> Bool {
        guard node.isPlainScalar, let string = node.string else { return false }
        return string.isEmpty || string == "~" || string == "null" || string == "Null" || string == "NULL"
    }

    static func describe(_ node: YAMLNode) -> String {
        switch node.kind {
        case .scalar:
            let string = node.string!
            let text = string.count > 30 ? String(string.prefix(30)) + "…" : string
            return isNull(node) ? "nothing" : "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

extension String {
    /// `trimmingCharacters(in: .whitespaces)` (or `.whitespacesAndNewlines`) without the
    /// Foundation round trip when, as for almost every roster value, there is nothing to trim.
    func trimmedFast(newlines: Bool) -> String {
        // A printable ASCII byte at both ends: nothing to trim, no Unicode lookups needed.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) { return self }
        func isSpace(_ c: Character) -> Bool { c.isWhitespace && (newlines || !c.isNewline) }
        guard let first = first, let last = last, isSpace(first) || isSpace(last) else { return self }
        return trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
    }
}
