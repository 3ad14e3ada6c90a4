import Foundation

/// iCalendar (RFC 5545) files for a unit's sessions. Times are written in UTC so that every
/// calendar app places them correctly without a VTIMEZONE block.
enum ICalendar {
    static func document(unitID: String, programSlug: String, programTitle: String, sessions: [Session],
                         attendees: [(name: String, email: String?)], description: (Session) -> String, stamp: Int) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tandem//Peer programs//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + escape(programTitle)]
        for session in sessions {
            lines += [
                "BEGIN:VEVENT",
                "UID:\(programSlug)-\(unitID)-\(session.number)@tandem.invalid",
                "DTSTAMP:" + utc(stamp),
                "DTSTART:" + utc(session.start),
                "DTEND:" + utc(session.start + session.minutes * 60),
                "SUMMARY:" + escape("\(programTitle): session \(session.number)" + (session.activity.map { " — \($0.title)" } ?? "")),
                "DESCRIPTION:" + escape(description(session)),
            ]
            for a in attendees {
                if let email = a.email, !email.isEmpty {
                    lines.append("ATTENDEE;CN=\(paramValue(a.name));ROLE=REQ-PARTICIPANT:mailto:\(email.filter { !$0.isWhitespace && $0 != "\"" && $0 != ";" && $0 != "," })")
                }
            }
            lines += ["TRANSP:OPAQUE", "END:VEVENT"]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func utc(_ seconds: Int) -> String {
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        let date = LocalDate(dayNumber: day)
        let s = seconds - day * 86_400
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", date.year, date.month, date.day, s / 3600, (s % 3600) / 60, s % 60)
    }

    /// TEXT escaping: backslash, semicolon, comma, newline.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default: out.append(c)
            }
        }
        return out
    }

    /// Parameter values are quoted; quotes and control characters cannot appear in them.
    static func paramValue(_ text: String) -> String {
        "\"" + text.filter { $0 != "\"" && !$0.isNewline && $0.asciiValue.map { $0 >= 32 } ?? true } + "\""
    }

    /// Lines longer than 75 octets are folded with CRLF + space, never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var result = "", count = 0
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if count + size > 75 {
                result += "\r\n "
                count = 1
            }
            result.unicodeScalars.append(scalar)
            count += size
        }
        return result
    }
}
