import Foundation

/// iCalendar (RFC 5545) files for a unit's sessions. Events are written in the program's time
/// zone (`DTSTART;TZID=…`) with a VTIMEZONE built from the zone's transitions over the years
/// the program spans, so calendar apps show the meeting at the wall-clock time the program
/// chose and move it correctly across daylight-saving changes. An unknown zone falls back to UTC.
enum ICalendar {
    /// What one session's event looks like in every calendar that carries it, folded once per
    /// program: a 10,000-person portal writes thousands of calendars with the same sessions.
    struct SharedEvent {
        var start: Int
        var end: Int
        /// The DTSTAMP, DTSTART and DTEND lines.
        var times: [UInt8]
        /// The SUMMARY line.
        var summary: [UInt8]
        /// The description after its first line, already escaped.
        var descriptionTail: String

        init(start: Int, end: Int, summary: String, descriptionTail: String, zone: TimeZone?, stamp: Int) {
            self.start = start
            self.end = end
            var bytes: [UInt8] = []
            ICalendar.foldLine("DTSTAMP:" + ICalendar.utc(stamp), into: &bytes)
            ICalendar.foldLine(ICalendar.dateTime("DTSTART", start, zone), into: &bytes)
            ICalendar.foldLine(ICalendar.dateTime("DTEND", end, zone), into: &bytes)
            times = bytes
            bytes = []
            ICalendar.foldLine("SUMMARY:" + ICalendar.escape(summary), into: &bytes)
            self.summary = bytes
            self.descriptionTail = ICalendar.escape(descriptionTail)
        }
    }

    /// One event of one calendar: the shared lines, its UID, the first line of its description
    /// (who meets) and its ATTENDEE lines (`attendeeLines`).
    struct Event {
        var shared: SharedEvent
        var uid: String
        var heading: String
        var attendees: [UInt8]
        /// The absolute address of the page about this event (`URL`), when the portal has a base_url.
        var url: String? = nil
    }

    /// What every event of a calendar shares beyond its session: the organizer (the portal's
    /// contact) and the alarm of the program's `reminders`.
    struct Extras {
        /// The organizer's address (no CN: calendars stay the same when the portal's title changes).
        var organizer: String? = nil
        var alarmDays: Int? = nil

        /// The ORGANIZER line and the VALARM block, folded.
        var lines: [UInt8] {
            var out: [UInt8] = []
            if let organizer {
                ICalendar.foldLine("ORGANIZER:mailto:\(organizer)", into: &out)
            }
            if let days = alarmDays {
                for line in ["BEGIN:VALARM", "ACTION:DISPLAY",
                             "DESCRIPTION:" + ICalendar.escape("Peer program session in \(days) day\(days == 1 ? "" : "s")"),
                             "TRIGGER:-P\(days)D", "END:VALARM"] {
                    ICalendar.foldLine(line, into: &out)
                }
            }
            return out
        }
    }

    /// ATTENDEE lines for everyone with an email address.
    static func attendeeLines(_ attendees: [(name: String, email: String?)]) -> [UInt8] {
        var out: [UInt8] = []
        for a in attendees {
            guard let email = a.email, !email.isEmpty else { continue }
            // The same filter as on Characters, byte by byte for the usual all-ASCII address.
            let address = email.utf8.allSatisfy { $0 < 0x80 }
                ? String(decoding: email.utf8.filter { !($0 == 0x20 || (0x09...0x0D).contains($0)) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }, as: UTF8.self)
                : email.filter { !$0.isWhitespace && $0 != "\"" && $0 != ";" && $0 != "," }
            foldLine("ATTENDEE;CN=\(paramValue(a.name));ROLE=REQ-PARTICIPANT:mailto:\(address)", into: &out)
        }
        return out
    }

    static func document(name: String, timezone: String, events: [Event], extras: Extras = Extras()) -> [UInt8] {
        let zone = Zones.zone(timezone)
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(1024) { $0 + $1.shared.descriptionTail.utf8.count + 600 })
        out += header
        let shared = extras.lines
        foldLine("X-WR-CALNAME:" + escape(name), into: &out)
        if let zone, let first = events.map(\.shared.start).min(), let last = events.map(\.shared.end).max() {
            out += cachedZoneLines(zone, from: first, to: last)
        }
        for event in events {
            out += beginEvent
            foldLine("UID:" + event.uid, into: &out)
            out += event.shared.times
            out += event.shared.summary
            foldLine("DESCRIPTION:" + escape(event.heading) + event.shared.descriptionTail, into: &out)
            if let url = event.url { foldLine("URL:" + url, into: &out) }
            out += event.attendees
            out += shared
            out += endEvent
        }
        out += footer
        return out
    }

    private static func folded(_ lines: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines { foldLine(line, into: &out) }
        return out
    }
    private static let header = folded(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tandem//Peer programs//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"])
    private static let beginEvent = folded(["BEGIN:VEVENT"])
    private static let endEvent = folded(["TRANSP:OPAQUE", "END:VEVENT"])
    private static let footer = folded(["END:VCALENDAR"])

    private struct ZoneKey: Hashable { let zone: String; let fromYear: Int; let toYear: Int }
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var zoneLines: [ZoneKey: [UInt8]] = [:]

    /// X-WR-TIMEZONE and the VTIMEZONE, folded. Every calendar of a program shares them; they
    /// depend only on the zone and the years covered, so they are worked out once (a
    /// pure-function memo, safe across threads).
    static func cachedZoneLines(_ zone: TimeZone, from: Int, to: Int) -> [UInt8] {
        let key = ZoneKey(zone: zone.identifier, fromYear: LocalDate(dayNumber: floorDiv(from, 86_400)).year,
                          toYear: LocalDate(dayNumber: floorDiv(to, 86_400)).year)
        cacheLock.lock()
        if let cached = zoneLines[key] { cacheLock.unlock(); return cached }
        cacheLock.unlock()
        let lines = folded(["X-WR-TIMEZONE:" + zone.identifier] + vtimezone(zone, from: from, to: to))
        cacheLock.lock()
        zoneLines[key] = lines
        cacheLock.unlock()
        return lines
    }

    /// Appends one content line, folded at 75 octets (never inside a UTF-8 sequence), + CRLF.
    /// Continuation lines start with a space, which counts towards their 75.
    static func foldLine(_ line: String, into out: inout [UInt8]) {
        var line = line
        line.withUTF8 { u in
            var start = 0
            var room = 75
            while u.count - start > room {
                var end = start + room
                // A continuation byte (10xxxxxx) never starts a fold.
                while u[end] & 0xC0 == 0x80 { end -= 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<end]))
                out.append(contentsOf: [0x0D, 0x0A, 0x20])
                start = end
                room = 74
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...]))
        }
        out.append(contentsOf: [0x0D, 0x0A])
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
        var text = text
        return text.withUTF8 { u -> String? in
            guard u.contains(where: { $0 == 0x5C || $0 == 0x3B || $0 == 0x2C || $0 == 0x0A || $0 == 0x0D }) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(u.count + 16)
            var i = 0
            while i < u.count {
                let b = u[i]
                i += 1
                switch b {
                case UInt8(ascii: "\\"), UInt8(ascii: ";"), UInt8(ascii: ","): out += [0x5C, b]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D:
                    // CRLF is one newline; a lone CR is dropped.
                    if i < u.count, u[i] == 0x0A { out += [0x5C, UInt8(ascii: "n")]; i += 1 }
                default: out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    /// Parameter values are quoted; quotes and control characters cannot appear in them.
    static func paramValue(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return "\"" + String(decoding: text.utf8.filter { $0 >= 0x20 && $0 != UInt8(ascii: "\"") }, as: UTF8.self) + "\""
        }
        return "\"" + text.filter { $0 != "\"" && !$0.isNewline && $0.asciiValue.map { $0 >= 32 } ?? true } + "\""
    }

    /// One folded line without its final CRLF.
    static func fold(_ line: String) -> String {
        var out: [UInt8] = []
        foldLine(line, into: &out)
        return String(decoding: out.dropLast(2), as: UTF8.self)
    }
}
