import Foundation

/// The order of day, month and year in a date written by a spreadsheet or a form tool:
/// `date_format: MM/DD/YYYY` in a roster source or a program's `checkins:` mapping.
/// Separators do not matter (`DD.MM.YYYY` and `DD/MM/YYYY` read the same dates); one- and
/// two-digit days and months are both accepted, as are two-digit years (20xx).
struct DateOrder: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable { case year, month, day }
    var parts: [Part]

    static let iso = DateOrder(parts: [.year, .month, .day])
    static let monthFirst = DateOrder(parts: [.month, .day, .year])
    static let dayFirst = DateOrder(parts: [.day, .month, .year])
    static let examples = ["YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY"]

    /// Parses a format such as `MM/DD/YYYY`, `D.M.YY` or `YYYY-MM-DD`; nil if it does not
    /// name the year, the month and the day once each.
    init?(format: String) {
        var parts: [Part] = []
        var previous: Character?
        for c in format.uppercased() {
            let part: Part?
            switch c {
            case "Y": part = .year
            case "M": part = .month
            case "D": part = .day
            case "/", "-", ".", " ": part = nil
            default: return nil
            }
            if let part, c != previous { parts.append(part) }
            previous = part == nil ? nil : c
        }
        guard parts.count == 3, Set(parts.map { "\($0)" }).count == 3 else { return nil }
        self.parts = parts
    }

    init(parts: [Part]) { self.parts = parts }

    var description: String {
        parts.map { $0 == .year ? "YYYY" : $0 == .month ? "MM" : "DD" }.joined(separator: parts.first == .year ? "-" : "/")
    }

    /// The three numbers of a date (`11/1/2026`, `2026-11-01`, `01.11.26`), without a time
    /// that follows it; nil unless it is three groups of digits split by `/`, `-` or `.`.
    static func numbers(_ text: String) -> [Substring]? {
        let day = text.prefix { $0 != " " && $0 != "T" }
        let groups = day.split(separator: "/", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "-", omittingEmptySubsequences: false) }
            .flatMap { $0.split(separator: ".", omittingEmptySubsequences: false) }
        guard groups.count == 3, groups.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        return groups
    }

    /// The date in `text` read in this order; a time after it is ignored.
    func date(_ text: String) -> LocalDate? {
        guard let groups = DateOrder.numbers(text) else { return nil }
        return date(groups)
    }

    func date(_ groups: [Substring]) -> LocalDate? {
        var y = 0, m = 0, d = 0
        for (part, group) in zip(parts, groups) {
            guard let n = Int(group) else { return nil }
            switch part {
            case .year:
                guard group.count == 4 || group.count == 2 else { return nil }
                y = group.count == 2 ? 2000 + n : n
            case .month:
                guard group.count <= 2 else { return nil }
                m = n
            case .day:
                guard group.count <= 2 else { return nil }
                d = n
            }
        }
        return LocalDate(year: y, month: m, day: d)
    }

    /// How a date with no format given reads: year first (`2026-11-01`, `2026/11/01`) is
    /// always clear; otherwise the year is last and the day and month are told apart only
    /// when one of them is above 12 (`13/1/2027` is day first) or both are equal.
    enum Reading { case clear(LocalDate, DateOrder?), ambiguous, invalid }

    static func read(_ text: String) -> Reading {
        guard let groups = numbers(text) else { return .invalid }
        if groups[0].count == 4 { return iso.date(groups).map { .clear($0, nil) } ?? .invalid }
        guard groups[2].count == 4 || groups[2].count == 2, let a = Int(groups[0]), let b = Int(groups[1]) else { return .invalid }
        if a == b { return monthFirst.date(groups).map { .clear($0, nil) } ?? .invalid }
        if a > 12 { return dayFirst.date(groups).map { .clear($0, dayFirst) } ?? .invalid }
        if b > 12 { return monthFirst.date(groups).map { .clear($0, monthFirst) } ?? .invalid }
        return monthFirst.date(groups) == nil && dayFirst.date(groups) == nil ? .invalid : .ambiguous
    }
}
