import Foundation

/// iCalendar (RFC 5545) files for a unit's sessions. Events are written in the program's time
/// zone (`DTSTART;TZID=…`) with a VTIMEZONE built from the zone's transitions over the years
/// the program spans, so calendar apps show the meeting at the wall-clock time the program
/// chose and move it correctly across daylight-saving changes. An unknown zone falls back to UTC.
enum ICalendar {
    struct Event {
        var uid: String
        var start: Int
        var end: Int
        var summary: String
        var description: String
        /// Who the event invites, when not the document's attendees (a pod session).
        var attendees: [(name: String, email: String?)]? = nil
    }

    static func document(name: String, timezone: String, events: [Event],
                         attendees: [(name: String, email: String?)], stamp: Int) -> [UInt8] {
        let zone = Zones.zone(timezone)
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tandem//Peer programs//EN", "CALSCALE:GREGORIAN",
                     "X-WR-CALNAME:" + escape(name)]
        if let zone, let first = events.map(\.start).min(), let last = events.map(\.end).max() {
            lines.append("X-WR-TIMEZONE:" + zone.identifier)
            lines += cachedVTimezone(zone, from: first, to: last)
        }
        for event in events {
            lines += [
                "BEGIN:VEVENT",
                "UID:" + event.uid,
                "DTSTAMP:" + utc(stamp),
                dateTime("DTSTART", event.start, zone),
                dateTime("DTEND", event.end, zone),
                "SUMMARY:" + escape(event.summary),
                "DESCRIPTION:" + escape(event.description),
            ]
            for a in event.attendees ?? attendees {
                if let email = a.email, !email.isEmpty {
                    lines.append("ATTENDEE;CN=\(paramValue(a.name));ROLE=REQ-PARTICIPANT:mailto:\(email.filter { !$0.isWhitespace && $0 != "\"" && $0 != ";" && $0 != "," })")
                }
            }
            lines += ["TRANSP:OPAQUE", "END:VEVENT"]
        }
        lines.append("END:VCALENDAR")
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 4 })
        for line in lines { foldLine(line, into: &out) }
        return out
    }

    private struct ZoneKey: Hashable { let zone: String; let fromYear: Int; let toYear: Int }
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var vtimezones: [ZoneKey: [String]] = [:]

    /// Every calendar of a program shares one VTIMEZONE; it depends only on the zone and the
    /// years covered, so it is computed once (a pure-function memo, safe across threads).
    static func cachedVTimezone(_ zone: TimeZone, from: Int, to: Int) -> [String] {
        let key = ZoneKey(zone: zone.identifier, fromYear: LocalDate(dayNumber: floorDiv(from, 86_400)).year,
                          toYear: LocalDate(dayNumber: floorDiv(to, 86_400)).year)
        cacheLock.lock()
        if let cached = vtimezones[key] { cacheLock.unlock(); return cached }
        cacheLock.unlock()
        let lines = vtimezone(zone, from: from, to: to)
        cacheLock.lock()
        vtimezones[key] = lines
        cacheLock.unlock()
        return lines
    }

    /// Appends one content line, folded at 75 octets (never inside a UTF-8 sequence), + CRLF.
    static func foldLine(_ line: String, into out: inout [UInt8]) {
        var count = 0
        for byte in line.utf8 {
            // A continuation byte (10xxxxxx) never starts a fold.
            if byte & 0xC0 != 0x80 {
                let size = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if count + size > 75 {
                    out += [0x0D, 0x0A, 0x20]
                    count = 1
                }
                count += size
            }
            out.append(byte)
        }
        out += [0x0D, 0x0A]
    }

    /// `NAME;TZID=Zone:YYYYMMDDTHHMMSS` in the zone, or `NAME:…Z` in UTC without one.
    static func dateTime(_ name: String, _ instant: Int, _ zone: TimeZone?) -> String {
        guard let zone else { return "\(name):" + utc(instant) }
        let offset = Zones.offset(zone.identifier, at: instant) ?? 0
        return "\(name);TZID=\(zone.identifier):" + floating(instant + offset)
    }

    /// The zone's observances from the last transition before `from` through the end of the
    /// year of `to`: one STANDARD or DAYLIGHT block per transition, each with the offsets
    /// before and after it. A zone without transitions gets one STANDARD block.
    static func vtimezone(_ zone: TimeZone, from: Int, to: Int) -> [String] {
        let yearStart = LocalDate(year: LocalDate(dayNumber: floorDiv(from, 86_400)).year, month: 1, day: 1)!.dayNumber * 86_400
        let yearEnd = LocalDate(year: LocalDate(dayNumber: floorDiv(to, 86_400)).year + 1, month: 1, day: 1)!.dayNumber * 86_400
        // Search a year back so the observance in force at the start of the range is included.
        var transitions: [Int] = []
        var cursor = Date(timeIntervalSince1970: TimeInterval(yearStart - 366 * 86_400))
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next.timeIntervalSince1970 < TimeInterval(yearEnd) {
            transitions.append(Int(next.timeIntervalSince1970.rounded()))
            cursor = next
        }
        if let lastBefore = transitions.lastIndex(where: { $0 <= yearStart }) {
            transitions.removeFirst(lastBefore)
        }
        var lines = ["BEGIN:VTIMEZONE", "TZID:" + zone.identifier]
        if transitions.first.map({ $0 > yearStart }) ?? true {
            // Nothing changed in the year before: the offset in force at the start holds from 1970.
            let base = Date(timeIntervalSince1970: TimeInterval(yearStart))
            let offset = zone.secondsFromGMT(for: base)
            lines += observance("STANDARD", start: "19700101T000000", from: offset, to: offset, name: zone.abbreviation(for: base))
        }
        for t in transitions {
            let date = Date(timeIntervalSince1970: TimeInterval(t))
            let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t - 1)))
            let after = zone.secondsFromGMT(for: date)
            lines += observance(zone.isDaylightSavingTime(for: date) ? "DAYLIGHT" : "STANDARD",
                                start: floating(t + before), from: before, to: after, name: zone.abbreviation(for: date))
        }
        lines.append("END:VTIMEZONE")
        return lines
    }

    private static func observance(_ kind: String, start: String, from: Int, to: Int, name: String?) -> [String] {
        var lines = ["BEGIN:\(kind)", "DTSTART:" + start, "TZOFFSETFROM:" + offset(from), "TZOFFSETTO:" + offset(to)]
        if let name, !name.isEmpty { lines.append("TZNAME:" + escape(name)) }
        lines.append("END:\(kind)")
        return lines
    }

    /// UTC offset as `+HHMM` (or `+HHMMSS` for the rare zone with seconds).
    static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let s = abs(seconds)
        let text = String(format: "%@%02d%02d", sign, s / 3600, (s % 3600) / 60)
        return s % 60 == 0 ? text : text + String(format: "%02d", s % 60)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { Int((Double(a) / Double(b)).rounded(.down)) }

    /// `YYYYMMDDTHHMMSS` of a wall-clock time given as seconds since 1970 in local terms.
    static func floating(_ wall: Int) -> String {
        let day = floorDiv(wall, 86_400)
        let date = LocalDate(dayNumber: day)
        let s = wall - day * 86_400
        func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
        let year = String(date.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + two(date.month) + two(date.day)
            + "T" + two(s / 3600) + two((s % 3600) / 60) + two(s % 60)
    }

    static func utc(_ seconds: Int) -> String { floating(seconds) + "Z" }

    /// TEXT escaping: backslash, semicolon, comma, newline (CRLF counts as one newline; a
    /// lone CR is dropped). Works on UTF-8 bytes: every byte it changes is ASCII.
    static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        var changed = false
        var bytes = text.utf8.makeIterator()
        var pending: UInt8? = nil
        out.reserveCapacity(text.utf8.count + 16)
        while let b = pending ?? bytes.next() {
            pending = nil
            switch b {
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]; changed = true
            case UInt8(ascii: ";"): out += [0x5C, UInt8(ascii: ";")]; changed = true
            case UInt8(ascii: ","): out += [0x5C, UInt8(ascii: ",")]; changed = true
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]; changed = true
            case 0x0D:
                changed = true
                if let next = bytes.next() {
                    if next == 0x0A { out += [0x5C, UInt8(ascii: "n")] } else { pending = next }
                }
            default: out.append(b)
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    /// Parameter values are quoted; quotes and control characters cannot appear in them.
    static func paramValue(_ text: String) -> String {
        "\"" + text.filter { $0 != "\"" && !$0.isNewline && $0.asciiValue.map { $0 >= 32 } ?? true } + "\""
    }

    /// One folded line without its final CRLF.
    static func fold(_ line: String) -> String {
        var out: [UInt8] = []
        foldLine(line, into: &out)
        return String(decoding: out.dropLast(2), as: UTF8.self)
    }
}
