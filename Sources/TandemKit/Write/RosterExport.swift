import Foundation

/// The merged roster, the one the matcher sees, as `tandem roster` prints it: YAML in the
/// `roster.yaml` format (it loads back as the same roster) or CSV, sorted by id.
public enum RosterExport {
    /// `participants:` and one entry per person, the fields in the README's order; fields at
    /// their default (no team, capacity 1, …) are left out.
    public static func yaml(_ portal: Portal) -> String {
        var out = "participants:\n"
        for p in portal.participants.sorted(by: { $0.id < $1.id }) {
            out += "  - id: \(scalar(p.id))\n"
            func line(_ key: String, _ value: String) { out += "    \(key): \(value)\n" }
            func text(_ key: String, _ value: String?) { if let value, !value.isEmpty { line(key, scalar(value)) } }
            func list(_ key: String, _ values: [String]) { if !values.isEmpty { line(key, "[" + values.map { scalar($0, flow: true) }.joined(separator: ", ") + "]") } }
            text("name", p.name)
            text("email", p.email)
            text("pronouns", p.pronouns)
            text("title", p.title)
            text("department", p.department)
            text("team", p.team)
            text("manager", p.manager)
            text("location", p.location)
            text("timezone", p.timezone)
            if let s = p.seniority { line("seniority", "\(s)") }
            if let j = p.joined { line("joined", j.description) }
            list("programs", p.programs)
            if !p.roles.isEmpty {
                line("roles", "{ " + p.roles.sorted { $0.key < $1.key }.map { "\(scalar($0.key, flow: true)): \($0.value.rawValue)" }.joined(separator: ", ") + " }")
            }
            if p.capacity != 1 { line("capacity", "\(p.capacity)") }
            list("skills", p.skills)
            list("goals", p.goals)
            list("interests", p.interests)
            list("groups", p.groups)
            list("avoid", p.avoid)
            text("link", p.link)
            text("bio", p.bio)
            // A working week as far as it differs from the portal's (which fills in the rest).
            if let week = p.week {
                let base = portal.settings.workingWeek
                if let start = week.start, let end = week.end, (start, end) != (base.start, base.end) {
                    line("working_hours", scalar(WorkingWeek.clock(start) + "-" + WorkingWeek.clock(end)))
                }
                if let days = week.days, days != base.days { list("working_days", days.sorted().map { WorkingWeek.dayNames[$0] }) }
            }
            if !p.away.isEmpty { line("away", "[" + p.away.map { "{ from: \($0.from), to: \($0.to) }" }.joined(separator: ", ") + "]") }
            if p.pause { line("pause", "true") }
            if !p.skipRounds.isEmpty {
                line("skip_rounds", "{ " + p.skipRounds.sorted { $0.key < $1.key }.map { "\(scalar($0.key, flow: true)): [\($0.value.map(String.init).joined(separator: ", "))]" }.joined(separator: ", ") + " }")
            }
            list("prefer", p.prefer)
            list("private", RosterLoader.privatable.filter { p.privateFields.contains($0) })
        }
        return out
    }

    public static let csvHeader = ["id", "name", "email", "pronouns", "title", "department", "team", "manager", "location", "timezone",
                                   "seniority", "joined", "programs", "roles", "capacity", "skills", "goals", "interests", "groups",
                                   "avoid", "link", "bio", "private"]

    /// One row per person; lists joined with "; ", roles as `program: role`. Cells a
    /// spreadsheet would run as a formula are prefixed with an apostrophe.
    public static func csv(_ portal: Portal) -> String {
        var lines = [csvHeader.joined(separator: ",")]
        for p in portal.participants.sorted(by: { $0.id < $1.id }) {
            let cells: [String] = [
                p.id, p.name, p.email, p.pronouns ?? "", p.title, p.department, p.team ?? "", p.manager ?? "", p.location, p.timezone,
                p.seniority.map(String.init) ?? "", p.joined?.description ?? "", p.programs.joined(separator: "; "),
                p.roles.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.rawValue)" }.joined(separator: "; "),
                "\(p.capacity)", p.skills.joined(separator: "; "), p.goals.joined(separator: "; "), p.interests.joined(separator: "; "),
                p.groups.joined(separator: "; "), p.avoid.joined(separator: "; "), p.link ?? "", p.bio ?? "",
                RosterLoader.privatable.filter { p.privateFields.contains($0) }.joined(separator: "; "),
            ]
            lines.append(cells.map(Pages.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A YAML scalar: plain when any YAML reader takes it back as the same text, else
    /// double-quoted. In a flow list (`flow`) commas and brackets need quotes too.
    static func scalar(_ text: String, flow: Bool = false) -> String {
        plain(text, flow: flow) ? text : LockWriter.quote(text)
    }

    private static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]

    static func plain(_ text: String, flow: Bool) -> Bool {
        // The usual case, printable ASCII, on the bytes.
        var copy = text
        if let ascii = copy.withUTF8({ bytes -> Bool? in
            guard !bytes.isEmpty, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
            return plainASCII(bytes, flow: flow)
        }) {
            return ascii && !reserved.contains(text.lowercased()) && Double(text) == nil
        }
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        guard first.properties.isAlphabetic || ("0"..."9").contains(first), last != " " else { return false }
        if reserved.contains(text.lowercased()) || Double(text) != nil || Int(text) != nil { return false }
        // Dates and times would be typed by other YAML readers.
        if text.first!.isNumber, text.contains("-") || text.contains(":") { return false }
        for s in text.unicodeScalars {
            if s.properties.isAlphabetic || s.properties.numericType != nil { continue }
            switch s {
            case " ", ".", "_", "/", "@", "+", "(", ")", "'", "-", "?", "!", "&", "%", ";": continue
            case ",": if flow { return false }
            default: return false
            }
        }
        return true
    }

    private static func plainASCII(_ b: UnsafeBufferPointer<UInt8>, flow: Bool) -> Bool {
        func isAlnum(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) }
        guard isAlnum(b[0]), b[b.count - 1] != 0x20 else { return false }
        if (0x30...0x39).contains(b[0]), b.contains(UInt8(ascii: "-")) || b.contains(UInt8(ascii: ":")) { return false }
        for c in b where !isAlnum(c) {
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "+"),
                 UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "'"), UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: "!"),
                 UInt8(ascii: "&"), UInt8(ascii: "%"), UInt8(ascii: ";"): continue
            case UInt8(ascii: ","): if flow { return false }
            default: return false
            }
        }
        return true
    }
}
