/// A value in a page's view model. Text, numbers and flags are what templates print and test;
/// objects and lists are what sections iterate.
enum ViewValue: Sendable {
    case text(String)
    case number(Int)
    case flag(Bool)
    case object(ViewObject)
    case objects([ViewObject])
    case texts([String])
    case list([ViewValue])

    /// The value as a plain Swift value (`String`, `Int`, `Bool`, `ViewObject`, `[ViewObject]`,
    /// `[String]`, `[Any]`), for code and tests that read view models.
    var plain: Any {
        switch self {
        case let .text(s): return s
        case let .number(n): return n
        case let .flag(b): return b
        case let .object(o): return o
        case let .objects(list): return list
        case let .texts(list): return list
        case let .list(list): return list.map(\.plain)
        }
    }

    /// The value as nested `[String: Any]` dictionaries and arrays, for swift-mustache.
    var reference: Any {
        switch self {
        case let .object(o): return o.dictionary
        case let .objects(list): return list.map(\.dictionary)
        case let .list(list): return list.map(\.reference)
        default: return plain
        }
    }

    /// Converts a plain value built without the page builders' types (tests, dictionaries).
    init(any value: Any) {
        switch value {
        case let v as ViewValue: self = v
        case let s as String: self = .text(s)
        case let n as Int: self = .number(n)
        case let b as Bool: self = .flag(b)
        case let o as ViewObject: self = .object(o)
        case let d as [String: Any]: self = .object(ViewObject(d))
        case let list as [ViewObject]: self = .objects(list)
        case let list as [String]: self = .texts(list)
        case let list as [Any]: self = .list(list.map { ViewValue(any: $0) })
        default: self = .text(String(describing: value))
        }
    }
}

/// What can go into a view model: each type says how it becomes a `ViewValue`, so building
/// one never needs a dynamic cast.
protocol ViewValueConvertible {
    var viewValue: ViewValue { get }
    /// A list of these; the default wraps each element.
    static func listValue(_ items: [Self]) -> ViewValue
}

extension ViewValueConvertible {
    static func listValue(_ items: [Self]) -> ViewValue { .list(items.map(\.viewValue)) }
}

extension ViewValue: ViewValueConvertible { var viewValue: ViewValue { self } }
extension String: ViewValueConvertible {
    var viewValue: ViewValue { .text(self) }
    static func listValue(_ items: [String]) -> ViewValue { .texts(items) }
}
extension Int: ViewValueConvertible { var viewValue: ViewValue { .number(self) } }
extension Bool: ViewValueConvertible { var viewValue: ViewValue { .flag(self) } }
extension ViewObject: ViewValueConvertible {
    var viewValue: ViewValue { .object(self) }
    static func listValue(_ items: [ViewObject]) -> ViewValue { .objects(items) }
}
extension Array: ViewValueConvertible where Element: ViewValueConvertible {
    var viewValue: ViewValue { Element.listValue(self) }
}
extension Dictionary: ViewValueConvertible where Key == String, Value: ViewValueConvertible {
    var viewValue: ViewValue {
        var object = ViewObject()
        for key in keys.sorted() { object[key] = self[key]! }
        return .object(object)
    }
}

/// One object of a page's view model: named values in the order they were set.
///
/// Why not `[String: Any]`: a 10,000-person portal builds and renders ~25,000 pages, each
/// with hundreds of small objects and hundreds of name look-ups. A dictionary hashes every
/// key on every insert and every look-up, and every `Any` has to be cast back before it can
/// be printed. These objects hold a dozen or two keys, so a scan in insertion order (lengths
/// first) is cheaper, building one costs two arrays, and the renderer switches on
/// `ViewValue` instead of casting.
struct ViewObject: ExpressibleByDictionaryLiteral, Sendable {
    /// Names and values side by side: a look-up scans the names only.
    private(set) var keys: [String] = []
    private(set) var values: [ViewValue] = []

    init() {}

    init(dictionaryLiteral elements: (String, any ViewValueConvertible)...) {
        keys.reserveCapacity(elements.count)
        values.reserveCapacity(elements.count)
        // A literal's names are distinct (as a dictionary literal's must be): no search.
        for (key, value) in elements {
            keys.append(key)
            values.append(value.viewValue)
        }
    }

    /// An object from a plain dictionary (keys sorted, for a stable order).
    init(_ dictionary: [String: Any]) {
        for key in dictionary.keys.sorted() { set(key, ViewValue(any: dictionary[key]!)) }
    }

    /// Every name with its value, in order.
    var entries: Zip2Sequence<[String], [ViewValue]> { zip(keys, values) }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    @inline(__always)
    private func index(of key: String) -> Int? {
        // Lengths first: most names differ in length, and a length is one load.
        let length = key.utf8.count
        return keys.withUnsafeBufferPointer { names in
            for i in 0..<names.count where names[i].utf8.count == length && names[i] == key { return i }
            return nil
        }
    }

    @inline(__always)
    func value(_ key: String) -> ViewValue? {
        index(of: key).map { values[$0] }
    }

    mutating func set(_ key: String, _ value: ViewValue?) {
        if let i = index(of: key) {
            if let value { values[i] = value } else { keys.remove(at: i); values.remove(at: i) }
        } else if let value {
            keys.append(key)
            values.append(value)
        }
    }

    /// Reads give plain values (see `ViewValue.plain`); writes take anything convertible.
    subscript(key: String) -> (any ViewValueConvertible)? {
        get { value(key).map { $0.plain as? any ViewValueConvertible ?? $0 } }
        set { set(key, newValue?.viewValue) }
    }

    /// The same object as nested dictionaries and arrays, for swift-mustache (the reference
    /// renderer), which looks names up through `[String: Any]`.
    var dictionary: [String: Any] {
        var out: [String: Any] = [:]
        out.reserveCapacity(keys.count)
        for (key, value) in zip(keys, values) { out[key] = value.reference }
        return out
    }
}
