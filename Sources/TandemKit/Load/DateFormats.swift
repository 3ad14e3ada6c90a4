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

    /// The three groups of digits of a date, as written (`11/1/2026` → 11, 1, 2026).
    struct Groups {
        var values: (Int, Int, Int)
        var digits: (Int, Int, Int)
        /// Where the date ends in the text's UTF-8 bytes (a time may follow).
        var end: Int

        subscript(i: Int) -> (value: Int, digits: Int) {
            switch i {
            case 0: return (values.0, digits.0)
            case 1: return (values.1, digits.1)
            default: return (values.2, digits.2)
            }
        }
    }

    /// The three numbers of a date (`11/1/2026`, `2026-11-01`, `01.11.26`), without a time
    /// that follows it; nil unless it is three groups of one to four ASCII digits split by
    /// `/`, `-` or `.`. Read on the UTF-8 bytes: it runs for every date cell of an export.
    static func numbers(_ text: String) -> Groups? {
        var v = (0, 0, 0), d = (0, 0, 0)
        var group = 0, end = 0
        for b in text.utf8 {
            if b == 0x20 || b == UInt8(ascii: "T") { break }
            end += 1
            if b >= 0x30 && b <= 0x39 {
                let n = Int(b - 0x30)
                switch group {
                case 0: guard d.0 < 4 else { return nil }; v.0 = v.0 * 10 + n; d.0 += 1
                case 1: guard d.1 < 4 else { return nil }; v.1 = v.1 * 10 + n; d.1 += 1
                default: guard d.2 < 4 else { return nil }; v.2 = v.2 * 10 + n; d.2 += 1
                }
            } else if b == UInt8(ascii: "/") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") {
                guard group < 2, (group == 0 ? d.0 : d.1) > 0 else { return nil }
                group += 1
            } else {
                return nil
            }
        }
        guard group == 2, d.2 > 0 else { return nil }
        return Groups(values: v, digits: d, end: end)
    }

    /// The date in `text` read in this order; a time after it is ignored.
    func date(_ text: String) -> LocalDate? {
        guard let groups = DateOrder.numbers(text) else { return nil }
        return date(groups)
    }

    func date(_ groups: Groups) -> LocalDate? {
        var y = 0, m = 0, d = 0
        for (k, part) in parts.enumerated() {
            let (n, count) = groups[k]
            switch part {
            case .year:
                guard count == 4 || count == 2 else { return nil }
                y = count == 2 ? 2000 + n : n
            case .month:
                guard count <= 2 else { return nil }
                m = n
            case .day:
                guard count <= 2 else { return nil }
                d = n
            }
        }
        return LocalDate(year: y, month: m, day: d)
    }

    /// The seconds since midnight of a time after a date (`9:14:33`, `09:14`, `9:14:33 PM`,
    /// `T09:14:33Z`; a zone name or offset after it is ignored, as forms write the owner's
    /// zone on every row); 0 when there is none. Orders the answers of one export.
    static func secondsOfDay(_ text: String, after groups: Groups) -> Int {
        let bytes = Array(text.utf8.dropFirst(groups.end))
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == UInt8(ascii: "T") { i += 1 }
        var fields: [Int] = []
        var n = 0, digits = 0
        while i < bytes.count, fields.count < 3 {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39, digits < 2 {
                n = n * 10 + Int(b - 0x30); digits += 1; i += 1
            } else if b == UInt8(ascii: ":"), digits > 0, fields.count < 2 {
                fields.append(n); n = 0; digits = 0; i += 1
            } else {
                break
            }
        }
        if digits > 0 { fields.append(n) }
        guard fields.count >= 2 else { return 0 }
        var hour = fields[0]
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == UInt8(ascii: ".") || (bytes[i] >= 0x30 && bytes[i] <= 0x39) { i += 1 }
        if i + 1 < bytes.count, bytes[i + 1] | 0x20 == UInt8(ascii: "m") {
            let meridiem = bytes[i] | 0x20
            if meridiem == UInt8(ascii: "p"), hour < 12 { hour += 12 }
            if meridiem == UInt8(ascii: "a"), hour == 12 { hour = 0 }
        }
        return hour * 3600 + fields[1] * 60 + (fields.count > 2 ? fields[2] : 0)
    }

    /// How a date with no format given reads: year first (`2026-11-01`, `2026/11/01`) is
    /// always clear; otherwise the year is last and the day and month are told apart only
    /// when one of them is above 12 (`13/1/2027` is day first) or both are equal.
    enum Reading { case clear(LocalDate, DateOrder?), ambiguous, invalid }

    static func read(_ text: String) -> Reading {
        guard let groups = numbers(text) else { return .invalid }
        return read(groups)
    }

    static func read(_ groups: Groups) -> Reading {
        if groups[0].digits == 4 { return iso.date(groups).map { .clear($0, nil) } ?? .invalid }
        guard groups[2].digits == 4 || groups[2].digits == 2 else { return .invalid }
        let a = groups[0].value, b = groups[1].value
        if a == b { return monthFirst.date(groups).map { .clear($0, nil) } ?? .invalid }
        if a > 12 { return dayFirst.date(groups).map { .clear($0, dayFirst) } ?? .invalid }
        if b > 12 { return monthFirst.date(groups).map { .clear($0, monthFirst) } ?? .invalid }
        return monthFirst.date(groups) == nil && dayFirst.date(groups) == nil ? .invalid : .ambiguous
    }
}
