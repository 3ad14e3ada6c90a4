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
    /// A template as the parser reads it. `compile` lowers it into `Op`s for rendering.
    indirect enum Node {
        case text([UInt8])
        case variable([String], escaped: Bool)
        case section([String], inverted: Bool, body: [Node])
        case partial(String, indentation: [UInt8]?, blocks: [String: [Node]]?)
        case block(String, body: [Node], indentation: [UInt8])
    }

    struct Unsupported: Error {}

    /// One node of a lowered template: integers only, so walking a template copies no
    /// reference (walking the node tree retained and released a box per node, and that
    /// reference counting was a fifth of all rendering). Every node's body follows it, and
    /// `end` is the index just past the node and its body.
    private struct Op {
        enum Kind: UInt8 { case text, variable, section, inverted, partial, block }
        var kind: Kind
        var escaped = false
        /// text: offset in `text`; variable, section, inverted: index in `paths`;
        /// partial: index in `entries` (-1: no such template); block: index in `blockNames`.
        var a: Int32 = 0
        /// text: length; partial: index in `indentations` (-1: not standalone).
        var b: Int32 = -1
        /// partial: index in `blockSets` (-1: none); block: index in `indentations`.
        var c: Int32 = -1
        var end: Int32 = 0
    }

    /// A name of a variable or section, with its bits for comparing without reference counting.
    private struct Name {
        let text: String
        let w0: UInt64
        let w1: UInt64

        init(_ text: String) {
            self.text = text
            (w0, w1) = unsafeBitCast(text, to: (UInt64, UInt64).self)
        }
    }

    /// `names[start..<start+count]`; `innermost`: a leading "." (look in the innermost
    /// context only); no names and not `innermost`: "." itself.
    private struct Path {
        var start: Int32
        var count: Int32
        var innermost: Bool
    }

    private var ops: [Op] = []
    private var text: [UInt8] = []
    private var names: [Name] = []
    private var paths: [Path] = []
    private var indentations: [[UInt8]] = []
    private var blockNames: [String] = []
    private var blockSets: [[String: Range<Int>]] = []
    /// Each template's ops, by index (partials refer to these) and by name.
    private var entries: [Range<Int>] = []
    private var entryIndex: [String: Int] = [:]

    /// Whether the template being lowered escapes its variables (`unescaped` in `compile`).
    private var escapes = true

    /// Compiles every template, or returns nil when one of them needs swift-mustache.
    /// Templates named in `unescaped` print every value as it is, as swift-mustache does under
    /// `{{% CONTENT_TYPE: TEXT}}` (the message theme's text bodies); their sources are given
    /// without that pragma, which this engine does not read.
    static func compile(_ sources: [String: String], unescaped: Set<String> = []) -> CompiledTheme? {
        let theme = CompiledTheme()
        var trees: [(String, [Node])] = []
        for (name, text) in sources.sorted(by: { $0.key < $1.key }) {
            var parser = TemplateParser(text)
            guard let nodes = try? parser.parseAll() else { return nil }
            trees.append((name, nodes))
        }
        for (k, (name, _)) in trees.enumerated() { theme.entryIndex[name] = k }
        for (name, nodes) in trees {
            let start = theme.ops.count
            theme.escapes = !unescaped.contains(name)
            theme.lower(nodes)
            theme.entries.append(start..<theme.ops.count)
        }
        return theme
    }

    private func lower(_ nodes: [Node]) {
        for node in nodes {
            let at = ops.count
            switch node {
            case let .text(bytes):
                ops.append(Op(kind: .text, a: Int32(text.count), b: Int32(bytes.count)))
                text += bytes
            case let .variable(path, escaped):
                ops.append(Op(kind: .variable, escaped: escaped && escapes, a: lower(path: path)))
            case let .section(path, inverted, body):
                ops.append(Op(kind: inverted ? .inverted : .section, a: lower(path: path)))
                lower(body)
            case let .partial(name, indentation, blocks):
                var op = Op(kind: .partial, a: Int32(entryIndex[name] ?? -1))
                if let indentation { op.b = Int32(indentations.count); indentations.append(indentation) }
                ops.append(op)
                if let blocks {
                    // The blocks' bodies sit after the partial; they run only when the partial
                    // (or a partial it includes) reaches a block of that name.
                    var set: [String: Range<Int>] = [:]
                    for (blockName, body) in blocks.sorted(by: { $0.key < $1.key }) {
                        let start = ops.count
                        lower(body)
                        set[blockName] = start..<ops.count
                    }
                    ops[at].c = Int32(blockSets.count)
                    blockSets.append(set)
                }
            case let .block(name, body, indentation):
                ops.append(Op(kind: .block, a: Int32(blockNames.count), c: Int32(indentations.count)))
                blockNames.append(name)
                indentations.append(indentation)
                lower(body)
            }
            ops[at].end = Int32(ops.count)
        }
    }

    /// "." is `[]`; ".name" is `["", "name"]` (see `TemplateParser.path`).
    private func lower(path: [String]) -> Int32 {
        let innermost = path.first == ""
        let parts = innermost ? Array(path.dropFirst()) : path
        paths.append(Path(start: Int32(names.count), count: Int32(parts.count), innermost: innermost))
        names += parts.map(Name.init)
        return Int32(paths.count - 1)
    }

    func render(_ name: String, _ context: ViewObject) -> [UInt8]? {
        guard let k = entryIndex[name] else { return nil }
        var out = ByteBuffer(capacity: 16 * 1024)
        ops.withUnsafeBufferPointer { ops in
            text.withUnsafeBufferPointer { text in
                names.withUnsafeBufferPointer { names in
                    paths.withUnsafeBufferPointer { paths in
                        var walker = Walker(theme: self, ops: ops, text: text, names: names, paths: paths)
                        walker.push(.object(context))
                        walker.run(entries[k], Context(), into: &out)
                    }
                }
            }
        }
        return out.array
    }

    /// A plain dictionary context (tests), converted once.
    func render(_ name: String, _ context: [String: Any]) -> [UInt8]? {
        render(name, ViewObject(context))
    }

    /// What a partial or block passes down: the indentation of standalone partials and blocks,
    /// and the blocks a parent template was given.
    private struct Context {
        var indentation: [UInt8]? = nil
        var blocks: [String: Range<Int>]? = nil
    }

    /// Where one object of the context stack keeps its names and values. The storage belongs
    /// to a value held in `Walker.held`, and view models are not changed while a page renders,
    /// so the pointers stay valid until the value is popped.
    private struct Scope {
        var keys: UnsafeRawPointer? = nil
        var values: UnsafePointer<ViewValue>? = nil
        var count = 0

        /// Not an object: nothing to look up in.
        static var none: Scope { Scope() }

        private init() {}

        /// The storage of `object`, which a held value keeps alive.
        init(_ object: ViewObject) {
            keys = object.keys.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            values = object.values.withUnsafeBufferPointer { $0.baseAddress.map { UnsafePointer($0) } }
            count = object.count
        }
    }

    /// One page's rendering: the template's storage and the context stack.
    private struct Walker {
        unowned let theme: CompiledTheme
        let ops: UnsafeBufferPointer<Op>
        let text: UnsafeBufferPointer<UInt8>
        let names: UnsafeBufferPointer<Name>
        let paths: UnsafeBufferPointer<Path>
        var held: [ViewValue] = []
        var scopes: [Scope] = []

        init(theme: CompiledTheme, ops: UnsafeBufferPointer<Op>, text: UnsafeBufferPointer<UInt8>, names: UnsafeBufferPointer<Name>, paths: UnsafeBufferPointer<Path>) {
            self.theme = theme
            self.ops = ops
            self.text = text
            self.names = names
            self.paths = paths
            held.reserveCapacity(16)
            scopes.reserveCapacity(16)
        }

        mutating func push(_ value: ViewValue) {
            held.append(value)
            if case let .object(o) = value { scopes.append(Scope(o)) } else { scopes.append(.none) }
        }

        mutating func pop() {
            held.removeLast()
            scopes.removeLast()
        }

        /// Renders ops `range` (a template, a body or a block).
        mutating func run(_ range: Range<Int>, _ context: Context, into out: inout ByteBuffer) {
            guard let indentation = context.indentation, !indentation.isEmpty else {
                var i = range.lowerBound
                while i < range.upperBound { i = step(i, context, into: &out) }
                return
            }
            // Inside an indented partial: indent each line whose first output is not empty.
            // Rendering each node into a scratch buffer keeps "the last byte written" exactly
            // what swift-mustache sees for its own string.
            var local = ByteBuffer()
            var i = range.lowerBound
            while i < range.upperBound {
                var piece = ByteBuffer()
                i = step(i, context, into: &piece)
                if !piece.isEmpty, local.last == UInt8(ascii: "\n") { local.append(indentation) }
                local.append(piece)
            }
            out.append(local)
        }

        /// Renders the op at `i` with its body; returns the index after them.
        mutating func step(_ i: Int, _ context: Context, into out: inout ByteBuffer) -> Int {
            let op = ops[i]
            let end = Int(op.end)
            switch op.kind {
            case .text:
                out.append(text.baseAddress! + Int(op.a), count: Int(op.b))
            case .variable:
                guard let value = lookup(paths[Int(op.a)]) else { break }
                switch value.pointee {
                case let .text(s):
                    if op.escaped { CompiledTheme.escape(s, into: &out) } else { out.append(s) }
                case let .number(n):
                    out.append(String(n))
                case let .flag(b):
                    out.append(b ? "true" : "false")
                default:
                    let s = CompiledTheme.describe(value.pointee.reference)
                    if op.escaped { CompiledTheme.escape(s, into: &out) } else { out.append(s) }
                }
            case .section:
                guard let value = lookup(paths[Int(op.a)]) else { break }
                let body = i + 1..<end
                switch value.pointee {
                case let .objects(list):
                    for item in list { push(.object(item)); run(body, context, into: &out); pop() }
                case let .texts(list):
                    for item in list { push(.text(item)); run(body, context, into: &out); pop() }
                case let .list(list):
                    for item in list { push(item); run(body, context, into: &out); pop() }
                case let .flag(flag):
                    if flag { run(body, context, into: &out) }
                default:
                    push(value.pointee); run(body, context, into: &out); pop()
                }
            case .inverted:
                let body = i + 1..<end
                guard let value = lookup(paths[Int(op.a)]) else {
                    run(body, context, into: &out)
                    break
                }
                let empty: Bool
                switch value.pointee {
                case let .objects(list): empty = list.isEmpty
                case let .texts(list): empty = list.isEmpty
                case let .list(list): empty = list.isEmpty
                case let .flag(flag):
                    if !flag { run(body, context, into: &out) }
                    empty = false
                default: empty = false
                }
                if empty { push(value.pointee); run(body, context, into: &out); pop() }
            case .partial:
                guard op.a >= 0 else { break }
                var inner = context
                if op.b >= 0 { inner.indentation = (context.indentation ?? []) + theme.indentations[Int(op.b)] }
                if op.c >= 0 {
                    // Blocks given further out win, as in swift-mustache.
                    let blocks = theme.blockSets[Int(op.c)]
                    inner.blocks = context.blocks.map { $0.merging(blocks) { outer, _ in outer } } ?? blocks
                }
                run(theme.entries[Int(op.a)], inner, into: &out)
            case .block:
                var inner = context
                inner.indentation = (context.indentation ?? []) + theme.indentations[Int(op.c)]
                run(context.blocks?[theme.blockNames[Int(op.a)]] ?? (i + 1..<end), inner, into: &out)
            }
            return end
        }

        /// The value a name resolves to: searched from the innermost object outwards, each
        /// further part of a dotted name inside the value found. A value that is an empty
        /// string counts as absent: view models use "" for "nothing to show", and
        /// swift-mustache gets the same contexts with those keys removed
        /// (`Theme.dropEmpty`), so the search goes on outwards exactly as it does there.
        /// The pointer is valid until the next push.
        func lookup(_ path: Path) -> UnsafePointer<ViewValue>? {
            let first = Int(path.start), last = first + Int(path.count)
            var found: UnsafePointer<ViewValue>
            var next = first
            if path.innermost || path.count == 0 {
                found = held.withUnsafeBufferPointer { $0.baseAddress! + ($0.count - 1) }
            } else {
                var hit: UnsafePointer<ViewValue>?
                scopes.withUnsafeBufferPointer { scopes in
                    var s = scopes.count - 1
                    while s >= 0 {
                        if let value = Walker.member(scopes[s], names[first]) { hit = value; return }
                        s -= 1
                    }
                }
                guard let hit else { return nil }
                found = hit
                next += 1
            }
            while next < last {
                // The object is stored inside a held value: its storage outlives this look-up.
                guard case let .object(o) = found.pointee, let value = Walker.member(Scope(o), names[next]) else { return nil }
                found = value
                next += 1
            }
            return found
        }

        /// The value of `name` in one object, unless it is absent or an empty string.
        ///
        /// Names are compared by their bits first: a string of up to 15 bytes is stored
        /// inline, the same bytes always giving the same bits, so for those names the bits
        /// decide; longer names are compared as strings when their lengths agree.
        @inline(__always)
        static func member(_ scope: Scope, _ name: Name) -> UnsafePointer<ViewValue>? {
            guard let keys = scope.keys, let values = scope.values else { return nil }
            let stride = MemoryLayout<String>.stride
            var k = 0
            if name.w1 & Walker.smallBit != 0 {
                while k < scope.count {
                    let key = keys + k * stride
                    if key.load(as: UInt64.self) == name.w0 && key.load(fromByteOffset: 8, as: UInt64.self) == name.w1 { break }
                    k += 1
                }
            } else {
                let length = name.w0 & Walker.largeCountMask
                while k < scope.count {
                    let key = keys + k * stride
                    if key.load(fromByteOffset: 8, as: UInt64.self) & Walker.smallBit == 0,
                       key.load(as: UInt64.self) & Walker.largeCountMask == length,
                       key.assumingMemoryBound(to: String.self).pointee == name.text { break }
                    k += 1
                }
            }
            guard k < scope.count else { return nil }
            if case let .text(text) = values[k], text.isEmpty { return nil }
            return values + k
        }

        /// In a string's second word, the flag of a string stored inline (15 bytes or fewer);
        /// in the first word of any other native string, its length.
        static let smallBit: UInt64 = 1 << 61
        static let largeCountMask: UInt64 = 0x0000_FFFF_FFFF_FFFF
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case let n as Int: return String(n)
        case let b as Bool: return b ? "true" : "false"
        default: return String(describing: value)
        }
    }

    /// Escapes the five characters swift-mustache escapes.
    static func escape(_ s: String, into out: inout [UInt8]) {
        var buffer = ByteBuffer()
        escape(s, into: &buffer)
        out += buffer.array
    }

    /// Escapes the five characters swift-mustache escapes (`"`, `&`, `'`, `<`, `>`). Text is
    /// scanned eight bytes at a time and runs without any of them are copied whole: most
    /// names, titles and sentences have none.
    static func escape(_ s: String, into out: inout ByteBuffer) {
        var s = s
        s.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let n = bytes.count
            var start = 0, i = 0
            while true {
                // Skip whole words with none of the five bytes.
                while i + 8 <= n, !hasSpecial(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i += 8 }
                let stop = min(i + 8, n)
                var found = -1
                while i < stop {
                    if isSpecial(base[i]) { found = i; break }
                    i += 1
                }
                if found < 0 {
                    if i >= n { break }
                    continue
                }
                let replacement: StaticString
                switch base[found] {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                default: replacement = "&#39;"
                }
                if start < found { out.append(base + start, count: found - start) }
                out.append(replacement.utf8Start, count: replacement.utf8CodeUnitCount)
                i = found + 1
                start = i
            }
            if start < n { out.append(base + start, count: n - start) }
        }
    }

    @inline(__always)
    private static func isSpecial(_ b: UInt8) -> Bool {
        let special: UInt64 = 1 << 0x22 | 1 << 0x26 | 1 << 0x27 | 1 << 0x3C | 1 << 0x3E
        return b < 64 && special & (1 << UInt64(b)) != 0
    }

    /// Whether any byte of `word` is one of the five (a byte equal to the pattern byte makes
    /// `word ^ pattern` have a zero byte; the usual has-a-zero-byte test finds it, and a word
    /// it flags by mistake is only checked byte by byte).
    @inline(__always)
    private static func hasSpecial(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        return zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x26)) | zeroByte(word ^ (ones &* 0x27))
            | zeroByte(word ^ (ones &* 0x3C)) | zeroByte(word ^ (ones &* 0x3E)) != 0
    }
}

/// A page's bytes as they are rendered. `[UInt8].append(contentsOf:)` checks uniqueness and
/// capacity through several calls for every piece; a page is a few hundred short pieces, and
/// that overhead was a sixth of rendering.
struct ByteBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }
    var last: UInt8? { count == 0 ? nil : base[count - 1] }

    @inline(__always)
    mutating func append(_ start: UnsafePointer<UInt8>, count n: Int) {
        if count + n > capacity { grow(count + n) }
        (base + count).update(from: start, count: n)
        count += n
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let start = bytes.baseAddress { append(start, count: bytes.count) }
    }

    mutating func append(_ other: borrowing ByteBuffer) {
        append(other.base, count: other.count)
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    private mutating func grow(_ needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
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
