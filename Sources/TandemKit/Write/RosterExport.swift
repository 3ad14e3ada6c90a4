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
}
