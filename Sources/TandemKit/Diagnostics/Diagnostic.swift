import Foundation

/// A position in a portal file: path relative to the portal root, 1-based line and column.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// A spreadsheet cell (`Sheet1!C14`), shown instead of the line and column, which then
    /// hold its row and column number for ordering.
    public var sheetCell: String?

    public init(file: String, line: Int = 1, column: Int = 1, sheetCell: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.sheetCell = sheetCell
    }

    public var description: String { sheetCell.map { "\(file):\($0)" } ?? "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

public enum Severity: String, Sendable, Comparable {
    case error, warning, note

    private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One problem found in a portal, printed the way a compiler prints it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var severity: Severity
    public var location: SourceLocation?
    public var message: String
    /// A suggestion printed on its own line ("did you mean 'goals'?").
    public var hint: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = location.map { "\($0): " } ?? "tandem: "
        text += "\(severity.rawValue): \(message)"
        if let hint { text += "\n    note: \(hint)" }
        return text
    }
}

/// Collects the diagnostics of a run. Not thread-safe: each loader task fills its own bag
/// and the pipeline merges them in file order.
public final class DiagnosticBag: @unchecked Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// Work spent on "did you mean" so far (see `hint(for:in:)`).
    var suggestionWork = 0

    public init() {}

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    public func error(_ message: String, at location: SourceLocation?, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: location, hint: hint))
    }

    public func warning(_ message: String, at location: SourceLocation?, hint: String? = nil) {
        diagnostics.append(Diagnostic(.warning, message, at: location, hint: hint))
    }

    public func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    public func merge(_ other: DiagnosticBag) {
        diagnostics += other.diagnostics
        for path in other.paths { ran(path.what, path.how, times: path.times) }
    }

    /// Which way each part with a fast and a slow path ran ("YAML": "libyaml events"), in the
    /// order first seen, each once with how many times it ran: for `--verbose`, so that a
    /// slow build says why.
    public private(set) var paths: [(what: String, how: String, times: Int)] = []

    public func ran(_ what: String, _ how: String, times: Int = 1) {
        if let i = paths.firstIndex(where: { $0.what == what && $0.how == how }) { paths[i].times += times } else { paths.append((what, how, times)) }
    }

    /// Diagnostics in file order, errors before warnings at the same place, duplicates removed.
    public func sorted() -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics.filter { seen.insert($0).inserted }.sorted { a, b in
            switch (a.location, b.location) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: return (a.severity, a.message) < (b.severity, b.message)
            }
        }
    }
}

/// Thrown by the pipeline when a stage reported errors; the diagnostics are in the bag.
public struct BuildFailed: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { "build failed with \(diagnostics.count { $0.severity == .error }) error(s)" }
}

enum Suggest {
    /// The closest candidate by edit distance, if it is close enough to be a likely typo.
    /// `work` counts the characters looked at and the table cells computed, for a caller
    /// that keeps a budget.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var work = 0
        return closest(to: word, in: candidates, work: &work)
    }

    static func closest(to word: String, in candidates: some Sequence<String>, work: inout Int) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            // Looking at a candidate costs its length even when its distance is not computed.
            work += candidate.utf8.count
            // Nothing farther than the best so far, or than a likely typo, needs its exact distance.
            let cutoff = min(limit, best?.1 ?? limit)
            if abs(candidate.unicodeScalars.count - w.count) > cutoff { continue }
            let d = editDistance(w, Array(candidate.lowercased().unicodeScalars), cutoff: cutoff, work: &work)
            if d > cutoff { continue }
            if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) { best = (candidate, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        var work = 0
        return editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars), cutoff: Int.max / 2, work: &work)
    }

    /// Levenshtein distance, or any number above `cutoff` as soon as it must exceed it (the
    /// lengths differ by more, or a whole row of the table does).
    static func editDistance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], cutoff: Int, work: inout Int) -> Int {
        if abs(x.count - y.count) > cutoff { return cutoff + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            work += y.count
            if rowMinimum > cutoff { return cutoff + 1 }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    static func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}

extension DiagnosticBag {
    /// Characters and table cells the suggestions of one bag may look at: a fraction of a
    /// second. A file
    /// with thousands of unknown names (a manager column of e-mail addresses, thousands of
    /// unknown programs) would otherwise compare each with every candidate; past the budget
    /// its errors come without "did you mean".
    static let suggestionBudget = 40_000_000

    /// "did you mean '…'?" for the closest candidate, while this bag's budget lasts.
    func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        guard suggestionWork < DiagnosticBag.suggestionBudget else { return nil }
        return Suggest.closest(to: word, in: candidates, work: &suggestionWork).map { "did you mean '\($0)'?" }
    }
}
