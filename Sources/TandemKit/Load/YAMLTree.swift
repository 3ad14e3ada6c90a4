import CLibYAML

/// A composed YAML document in two flat arrays, built from the events of libyaml (Debian's, the
/// same parser Yams bundles). Yams' own `Node` tree costs a class instance per node (its tag), a weak
/// anchor reference in every copy and a hashed duplicate-key check per mapping; for a large
/// roster that was most of the load time.
///
/// `YAMLDocument.compose` uses it in one of two ways:
/// - strict, straight from the text: any error, anchor, alias, explicit tag, non-text key,
///   repeated key text or second document gives up (returns nil), and the text goes through
///   Yams as before, so every diagnostic still comes from Yams;
/// - after Yams has accepted the text: aliases then point at their anchor's node, shared
///   rather than copied, as in Yams' tree.
final class YAMLTree: @unchecked Sendable {
    enum Kind: UInt8 { case scalar, sequence, mapping }

    struct Entry {
        var kind: Kind
        var isPlain: Bool
        var line: Int32
        var column: Int32
        /// The index just past this node's subtree: its next sibling's.
        var end: Int32
        /// For an alias, the node it names; otherwise -1.
        var target: Int32
    }

    private(set) var entries: [Entry] = []
    /// The text of each scalar; empty for collections.
    private(set) var strings: [String] = []

    var root: YAMLNode? { entries.isEmpty ? nil : YAMLNode(tree: self, index: 0) }

    /// The tree of the first document in `text`, or nil (see the type's comment).
    static func compose(_ text: String, strict: Bool) -> YAMLTree? {
        var text = text
        return text.withUTF8 { bytes -> YAMLTree? in
            guard !bytes.isEmpty else { return nil }
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            let tree = YAMLTree()
            tree.entries.reserveCapacity(bytes.count / 12)
            tree.strings.reserveCapacity(bytes.count / 12)
            return tree.read(&parser, strict: strict) ? tree : nil
        }
    }

    private func read(_ parser: inout yaml_parser_t, strict: Bool) -> Bool {
        var event = yaml_event_t()
        var open: [(index: Int, anchor: String?)] = []
        var anchors: [String: Int32] = [:]
        var documents = 0
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return false }
            defer { yaml_event_delete(&event) }
            let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
            let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
            switch event.type {
            case YAML_STREAM_START_EVENT:
                continue
            case YAML_DOCUMENT_START_EVENT:
                // A second document: Yams reports it.
                if documents > 0 { return false }
                documents += 1
            case YAML_DOCUMENT_END_EVENT:
                if !strict { return true }
            case YAML_STREAM_END_EVENT:
                return documents == 1
            case YAML_ALIAS_EVENT:
                guard !strict, let name = Self.text(event.data.alias.anchor), let target = anchors[name] else { return false }
                append(Entry(kind: entries[Int(target)].kind, isPlain: entries[Int(target)].isPlain, line: line, column: column,
                             end: Int32(entries.count + 1), target: target), "")
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                if strict && (scalar.anchor != nil || scalar.tag != nil) { return false }
                var value = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
                // As Yams (through Foundation) reads it: one leading byte order mark dropped.
                if value.starts(with: [0xEF, 0xBB, 0xBF]) { value = UnsafeBufferPointer(rebasing: value.dropFirst(3)) }
                if let name = Self.text(scalar.anchor) { anchors[name] = Int32(entries.count) }
                append(Entry(kind: .scalar, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE, line: line, column: column,
                             end: Int32(entries.count + 1), target: -1), String(decoding: value, as: UTF8.self))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isSequence = event.type == YAML_SEQUENCE_START_EVENT
                let anchor = isSequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                let tag = isSequence ? event.data.sequence_start.tag : event.data.mapping_start.tag
                if strict && (anchor != nil || tag != nil) { return false }
                open.append((entries.count, Self.text(anchor)))
                append(Entry(kind: isSequence ? .sequence : .mapping, isPlain: false, line: line, column: column, end: -1, target: -1), "")
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let (index, anchor) = open.popLast().map({ ($0.index, $0.anchor) }) else { return false }
                entries[index].end = Int32(entries.count)
                if strict && entries[index].kind == .mapping && !hasPlainDistinctKeys(index) { return false }
                // Like Yams, a collection's anchor is usable once the collection is complete.
                if let anchor { anchors[anchor] = Int32(index) }
            default:
                return false
            }
        }
    }

    private func append(_ entry: Entry, _ string: String) {
        entries.append(entry)
        strings.append(string)
    }

    private static func text(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// Every key of the mapping at `index` is text, and no two are the same text (Yams
    /// checks duplicates with its own equality, which only ever finds keys of equal text).
    private func hasPlainDistinctKeys(_ index: Int) -> Bool {
        var keys: [Int] = []
        var child = index + 1
        var isKey = true
        while child < Int(entries[index].end) {
            if isKey {
                guard entries[child].kind == .scalar else { return false }
                keys.append(child)
            }
            isKey.toggle()
            child = Int(entries[child].end)
        }
        if keys.count > 24 {
            var seen = Set<String>()
            return keys.allSatisfy { seen.insert(strings[$0]).inserted }
        }
        for a in keys.indices {
            for b in keys.indices where b > a && strings[keys[a]] == strings[keys[b]] { return false }
        }
        return true
    }
}

/// One node of a `YAMLTree`; an alias stands for the node it names.
struct YAMLNode {
    let tree: YAMLTree
    let index: Int

    init(tree: YAMLTree, index: Int) {
        self.tree = tree
        let target = tree.entries[index].target
        self.index = target >= 0 ? Int(target) : index
    }

    var kind: YAMLTree.Kind { tree.entries[index].kind }
    var line: Int { Int(tree.entries[index].line) }
    var column: Int { Int(tree.entries[index].column) }

    /// The text of a scalar.
    var string: String? { kind == .scalar ? tree.strings[index] : nil }
    var isPlainScalar: Bool { kind == .scalar && tree.entries[index].isPlain }

    /// The items of a sequence, or the keys and values of a mapping, one after the other.
    var children: Children { Children(tree: tree, start: index + 1, end: Int(tree.entries[index].end)) }

    var items: [YAMLNode]? { kind == .sequence ? Array(children) : nil }

    var pairs: [(key: YAMLNode, value: YAMLNode)]? {
        guard kind == .mapping else { return nil }
        var result: [(YAMLNode, YAMLNode)] = []
        var iterator = children.makeIterator()
        while let key = iterator.next(), let value = iterator.next() { result.append((key, value)) }
        return result
    }

    struct Children: Sequence, IteratorProtocol {
        let tree: YAMLTree
        var start: Int
        let end: Int

        mutating func next() -> YAMLNode? {
            guard start < end else { return nil }
            defer { start = Int(tree.entries[start].end) }
            return YAMLNode(tree: tree, index: start)
        }
    }
}
