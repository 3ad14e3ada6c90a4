// A compiled renderer for the Mustache templates of a theme.
//
// Why this exists: swift-mustache is the parser of record (it validates every template and
// gives the positioned errors) and renders correctly, but each variable lookup goes through
// several protocol-conformance casts and splits the name into a new array, which costs about
// 4 µs; a participant page has well over a hundred lookups. A 10,000-person portal has
// ~20,000 pages, so rendering alone would take longer than Hugo's whole build. This engine
// compiles the same templates once into a tree, resolves names against plain dictionaries
// with concrete casts only, and writes UTF-8 bytes straight into a buffer.
//
// It reproduces swift-mustache's whitespace rules (standalone tags, partial and block
// indentation, inheritance) for the constructs it supports: variables, triple and `&`
// variables, sections, inverted sections, comments, partials, parents (`{{< }}`) and blocks
// (`{{$ }}`). A template using anything else (set delimiters, transforms, dynamic partials,
// pragmas, or unusual line breaks) makes the theme fall back to swift-mustache for every page,
// so output never depends on which path ran. Differential tests render the theme and random
// templates through both and require identical bytes.

import Foundation

final class CompiledTheme: @unchecked Sendable {
    indirect enum Node {
        case text([UInt8])
        case variable([String], escaped: Bool)
        case section([String], inverted: Bool, body: [Node])
        case partial(String, indentation: [UInt8]?, blocks: [String: [Node]]?)
        case block(String, body: [Node], indentation: [UInt8])
    }

    struct Unsupported: Error {}

    private var templates: [String: [Node]] = [:]

    /// Compiles every template, or returns nil when one of them needs swift-mustache.
    static func compile(_ sources: [String: String]) -> CompiledTheme? {
        let theme = CompiledTheme()
        for (name, text) in sources {
            var parser = TemplateParser(text)
            guard let nodes = try? parser.parseAll() else { return nil }
            theme.templates[name] = nodes
        }
        return theme
    }

    func render(_ name: String, _ context: ViewObject) -> [UInt8]? {
        guard let nodes = templates[name] else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(16 * 1024)
        var frame = Frame(stack: [.object(context)], indentation: nil, blocks: nil)
        renderNodes(nodes, &frame, into: &out)
        return out
    }

    /// A plain dictionary context (tests), converted once.
    func render(_ name: String, _ context: [String: Any]) -> [UInt8]? {
        render(name, ViewObject(context))
    }

    private struct Frame {
        var stack: [ViewValue]
        var indentation: [UInt8]?
        var blocks: [String: [Node]]?
    }

    private func renderNodes(_ nodes: [Node], _ frame: inout Frame, into out: inout [UInt8]) {
        guard let indentation = frame.indentation, !indentation.isEmpty else {
            for node in nodes { renderNode(node, &frame, into: &out) }
            return
        }
        // Inside an indented partial: indent each line whose first output is not empty.
        // Rendering into a scratch buffer keeps "the last byte written" exactly what
        // swift-mustache sees for its own string.
        var local: [UInt8] = []
        for node in nodes {
            var piece: [UInt8] = []
            renderNode(node, &frame, into: &piece)
            if !piece.isEmpty, local.last == UInt8(ascii: "\n") { local += indentation }
            local += piece
        }
        out += local
    }

    private func renderNode(_ node: Node, _ frame: inout Frame, into out: inout [UInt8]) {
        switch node {
        case let .text(bytes):
            out += bytes
        case let .variable(path, escaped):
            guard let value = lookup(path, frame.stack) else { return }
            let text: String
            switch value {
            case let .text(s): text = s
            case let .number(n): text = String(n)
            case let .flag(b): text = b ? "true" : "false"
            default: text = CompiledTheme.describe(value.reference)
            }
            escaped ? CompiledTheme.escape(text, into: &out) : out.append(contentsOf: text.utf8)
        case let .section(path, inverted, body):
            let value = lookup(path, frame.stack)
            if inverted {
                switch value {
                case let .objects(list)?: if list.isEmpty { push(value!, body, &frame, &out) }
                case let .texts(list)?: if list.isEmpty { push(value!, body, &frame, &out) }
                case let .list(list)?: if list.isEmpty { push(value!, body, &frame, &out) }
                case let .flag(flag)?: if !flag { renderNodes(body, &frame, into: &out) }
                case .none: renderNodes(body, &frame, into: &out)
                default: break
                }
                return
            }
            switch value {
            case let .objects(list)?: for item in list { push(.object(item), body, &frame, &out) }
            case let .texts(list)?: for item in list { push(.text(item), body, &frame, &out) }
            case let .list(list)?: for item in list { push(item, body, &frame, &out) }
            case let .flag(flag)?: if flag { renderNodes(body, &frame, into: &out) }
            case let item?: push(item, body, &frame, &out)
            case .none: break
            }
        case let .partial(name, indentation, blocks):
            guard let nodes = templates[name] else { return }
            var inner = frame
            if let indentation { inner.indentation = (frame.indentation ?? []) + indentation }
            if let blocks {
                // Blocks given further out win, as in swift-mustache.
                inner.blocks = frame.blocks.map { $0.merging(blocks) { outer, _ in outer } } ?? blocks
            }
            renderNodes(nodes, &inner, into: &out)
        case let .block(name, body, indentation):
            var inner = frame
            inner.indentation = (frame.indentation ?? []) + indentation
            renderNodes(frame.blocks?[name] ?? body, &inner, into: &out)
        }
    }

    private func push(_ item: ViewValue, _ body: [Node], _ frame: inout Frame, _ out: inout [UInt8]) {
        frame.stack.append(item)
        renderNodes(body, &frame, into: &out)
        frame.stack.removeLast()
    }

    /// A value that is an empty string counts as absent: view models use "" for "nothing to
    /// show", and swift-mustache gets the same contexts with those keys removed
    /// (`Theme.dropEmpty`), so the search goes on outwards exactly as it does there.
    @inline(__always)
    private static func member(_ object: ViewValue?, _ name: String) -> ViewValue? {
        guard case let .object(o)? = object, let value = o.value(name) else { return nil }
        if case let .text(text) = value, text.isEmpty { return nil }
        return value
    }

    private func lookup(_ path: [String], _ stack: [ViewValue]) -> ViewValue? {
        if path.isEmpty { return stack.last }
        var found: ViewValue?
        if path[0].isEmpty {
            // A name starting with "." resolves against the innermost object only.
            found = stack.last
        } else {
            let name = path[0]
            found = stack.withUnsafeBufferPointer { items in
                var i = items.count - 1
                while i >= 0 {
                    if let value = CompiledTheme.member(items[i], name) { return value }
                    i -= 1
                }
                return nil
            }
        }
        for name in path.dropFirst() {
            guard let value = CompiledTheme.member(found, name) else { return nil }
            found = value
        }
        return found
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case let n as Int: return String(n)
        case let b as Bool: return b ? "true" : "false"
        default: return String(describing: value)
        }
    }

    /// Escapes the five characters swift-mustache escapes. Runs without any of them are
    /// copied whole; the five all lie below 64, so one mask test rejects every other byte.
    static func escape(_ s: String, into out: inout [UInt8]) {
        let special: UInt64 = 1 << 0x22 | 1 << 0x26 | 1 << 0x27 | 1 << 0x3C | 1 << 0x3E
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 64, special & (1 << UInt64(b)) != 0 else { continue }
                let replacement: StaticString
                switch b {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                default: replacement = "&#39;"
                }
                if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
                out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                start = i + 1
            }
            if start < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
    }
}

/// Parses template text into `CompiledTheme.Node`s with swift-mustache's line rules: a
/// section, comment, partial or block tag that is alone on its line (after optional spaces
/// and tabs, directly at the line's start) removes that whole line.
private struct TemplateParser {
    typealias Node = CompiledTheme.Node

    let bytes: [UInt8]
    var i = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    struct State {
        var section: String?
        var newLine = true
        var inParent = false
        var parentTopLevel = false
        var definitionIndent: [UInt8]?
    }

    static let nameBytes = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?".utf8)
    static let partialNameBytes = nameBytes.union("/".utf8)

    mutating func parseAll() throws -> [Node] {
        // Line ends other than "\n" change how swift-mustache splits lines: leave those to it.
        for b in bytes where b == 0x0D || b == 0x0B || b == 0x0C { throw CompiledTheme.Unsupported() }
        if let text = String(bytes: bytes, encoding: .utf8), text.unicodeScalars.contains(where: { [0x85, 0x2028, 0x2029].contains($0.value) }) {
            throw CompiledTheme.Unsupported()
        }
        return try parse(State())
    }

    var atEnd: Bool { i >= bytes.count }

    mutating func readSpacesAndTabs() -> [UInt8] {
        let start = i
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        return Array(bytes[start..<i])
    }

    mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0A].contains(bytes[i]) { i += 1 }
    }

    /// Text up to a newline (not consumed) or up to and past an opening "{{".
    mutating func readText() -> (text: [UInt8], foundTag: Bool) {
        let start = i
        while i < bytes.count {
            if bytes[i] == 0x0A { return (Array(bytes[start..<i]), false) }
            if bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                let text = Array(bytes[start..<i])
                i += 2
                return (text, true)
            }
            i += 1
        }
        return (Array(bytes[start..<i]), false)
    }

    mutating func readName(_ allowed: Set<UInt8>) throws -> String {
        skipWhitespace()
        let start = i
        while i < bytes.count, allowed.contains(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[start..<i], as: UTF8.self)
        skipWhitespace()
        try expect("}}")
        return name
    }

    mutating func expect(_ s: String) throws {
        for b in s.utf8 {
            guard i < bytes.count, bytes[i] == b else { throw CompiledTheme.Unsupported() }
            i += 1
        }
    }

    /// At a line's end (spaces/tabs then newline or end of text): consume it and say yes.
    mutating func lineFinished() -> Bool {
        if atEnd { return true }
        var j = i
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
        if j < bytes.count, bytes[j] == 0x0A { i = j + 1; return true }
        return false
    }

    mutating func standalone(_ state: State) -> Bool { state.newLine && lineFinished() }

    /// "." is the current object; a leading "." (".name") looks only at the current object,
    /// marked by an empty first element; empty parts ("a..b") are dropped as swift-mustache does.
    static func path(_ name: String) -> [String] {
        if name == "." { return [] }
        let parts = name.split(separator: ".").map(String.init)
        return name.first == "." ? [""] + parts : parts
    }

    mutating func parse(_ initial: State) throws -> [Node] {
        var nodes: [Node] = []
        var state = initial
        var pending: [UInt8] = []
        func flush(_ nodes: inout [Node], _ pending: inout [UInt8]) {
            if !pending.isEmpty { nodes.append(.text(pending)); pending = [] }
        }
        while !atEnd {
            if state.newLine {
                let whitespace = readSpacesAndTabs()
                if state.inParent && !state.parentTopLevel {
                    if let indent = state.definitionIndent {
                        pending = Array(whitespace.dropFirst(indent.count))
                    } else {
                        state.definitionIndent = whitespace
                    }
                } else {
                    pending = whitespace
                }
            }
            let (text, foundTag) = readText()
            if !foundTag && !atEnd && bytes[i] == 0x0A {
                // Like swift-mustache, the line's leading whitespace is not cleared here: a
                // block definition's first line keeps it for the next line.
                nodes.append(.text(pending + text + [0x0A]))
                i += 1
                state.newLine = true
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(pending + text))
                pending = []
                state.newLine = false
            }
            if !foundTag { break }
            guard !atEnd else { throw CompiledTheme.Unsupported() }
            var setNewLine = false
            let sigil = bytes[i]
            switch sigil {
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                i += 1
                let name = try readName(TemplateParser.nameBytes)
                if standalone(state) { setNewLine = true } else { flush(&nodes, &pending) }
                var child = state
                child.section = name
                child.parentTopLevel = false
                if !setNewLine { child.newLine = false }
                let body = try parse(child)
                nodes.append(.section(TemplateParser.path(name), inverted: sigil == UInt8(ascii: "^"), body: body))
            case UInt8(ascii: "/"):
                i += 1
                let name = try readName(TemplateParser.nameBytes.union([UInt8(ascii: "*")]))
                guard name == state.section else { throw CompiledTheme.Unsupported() }
                if !standalone(state) { flush(&nodes, &pending) }
                return nodes
            case UInt8(ascii: "!"):
                i += 1
                while !atEnd, !(bytes[i] == UInt8(ascii: "}") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "}")) { i += 1 }
                try expect("}}")
                setNewLine = standalone(state)
            case UInt8(ascii: "{"):
                flush(&nodes, &pending)
                i += 1
                let name = try readName(TemplateParser.nameBytes)
                try expect("}")
                nodes.append(.variable(TemplateParser.path(name), escaped: false))
            case UInt8(ascii: "&"):
                flush(&nodes, &pending)
                i += 1
                nodes.append(.variable(TemplateParser.path(try readName(TemplateParser.nameBytes)), escaped: false))
            case UInt8(ascii: ">"):
                i += 1
                let name = try readName(TemplateParser.partialNameBytes)
                let indentation = pending
                flush(&nodes, &pending)
                if standalone(state) {
                    setNewLine = true
                    nodes.append(.partial(name, indentation: indentation, blocks: nil))
                } else {
                    nodes.append(.partial(name, indentation: nil, blocks: nil))
                }
            case UInt8(ascii: "<"):
                i += 1
                let name = try readName(TemplateParser.partialNameBytes)
                let indentation = pending
                flush(&nodes, &pending)
                if standalone(state) { setNewLine = true }
                var child = state
                child.section = name
                child.newLine = true
                child.inParent = true
                child.parentTopLevel = true
                var blocks: [String: [Node]] = [:]
                for node in try parse(child) {
                    switch node {
                    case let .block(blockName, body, _): blocks[blockName] = body
                    case .text: break
                    default: throw CompiledTheme.Unsupported()
                    }
                }
                nodes.append(.partial(name, indentation: indentation, blocks: blocks))
            case UInt8(ascii: "$"):
                i += 1
                let name = try readName(TemplateParser.nameBytes)
                if state.parentTopLevel {
                    if standalone(state) { setNewLine = true }
                    var child = state
                    child.section = name
                    child.parentTopLevel = false
                    if !setNewLine { child.newLine = false }
                    nodes.append(.block(name, body: try parse(child), indentation: []))
                } else {
                    let indentation = pending
                    flush(&nodes, &pending)
                    if standalone(state) { setNewLine = true }
                    var child = state
                    child.section = name
                    child.parentTopLevel = false
                    if !setNewLine { child.newLine = false }
                    nodes.append(.block(name, body: try parse(child), indentation: indentation))
                }
            case UInt8(ascii: "="), UInt8(ascii: "%"):
                throw CompiledTheme.Unsupported()
            default:
                flush(&nodes, &pending)
                nodes.append(.variable(TemplateParser.path(try readName(TemplateParser.nameBytes)), escaped: true))
            }
            state.newLine = setNewLine
        }
        guard state.section == nil else { throw CompiledTheme.Unsupported() }
        return nodes
    }
}
