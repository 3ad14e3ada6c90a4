import Foundation
@testable import TandemKit

/// A throwaway portal on disk, written from inline files (in the spirit of Hugo's txtar tests).
struct TestPortal {
    let root: URL

    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-test-\(UUID().uuidString)")
        for (path, text) in files { try write(path, text) }
    }

    func write(_ path: String, _ text: String) throws {
        try write(path, Data(text.utf8))
    }

    func write(_ path: String, _ data: Data) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: root.appendingPathComponent(path).path).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) }

    func build(now: Int? = nil) -> BuildReport {
        Pipeline.build(BuildOptions(root: root, now: now))
    }

    /// Every file under Site/ with its bytes, for byte-for-byte comparisons.
    func siteSnapshot() -> [String: Data] {
        let site = root.appendingPathComponent("Site")
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: site.path)
        while let path = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            let full = site.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
                out[path] = FileManager.default.contents(atPath: full)
            }
        }
        return out
    }

    func errors(_ report: BuildReport) -> [String] {
        report.diagnostics.filter { $0.severity == .error }.map { d in
            "\(d.location.map { "\($0)" } ?? "-"): \(d.message)"
        }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    static let activity = """
    ---
    title: Show and Tell
    summary: Bring an object that matters and tell its story.
    duration: 30m
    formats: [pairs, groups]
    materials: [an object or photo]
    prep: Pick something that matters to you.
    follow_up: Send your peer one thing their story made you think about.
    ---
    ## Steps

    1. Each person shares for ten minutes.
    """

    static let program = """
    ---
    title: Peer Circles
    summary: Cross-team pairs.
    format: pairs
    start: 2027-01-11
    cadence: biweekly
    sessions: 3
    session_length: 45m
    meeting_time: "12:30"
    timezone: Europe/London
    match:
      weights: { goals_skills: 5, interests: 2, different_department: 3 }
      rules: [not_manager, not_same_team]
    agenda: [show-and-tell]
    ---
    # Why peer circles

    Meet someone **new**.
    """

    static func person(_ id: String, _ name: String, dept: String, team: String, manager: String? = nil,
                       location: String = "London", timezone: String = "Europe/London",
                       skills: [String] = [], goals: [String] = [], interests: [String] = [], extra: String = "") -> String {
        """
          - id: \(id)
            name: \(name)
            email: \(id)@example.com
            title: Engineer
            department: \(dept)
            team: \(team)
        \(manager.map { "    manager: \($0)\n" } ?? "")    location: \(location)
            timezone: \(timezone)
            seniority: 3
            programs: [peer-circles]
            skills: [\(skills.joined(separator: ", "))]
            goals: [\(goals.joined(separator: ", "))]
            interests: [\(interests.joined(separator: ", "))]
        \(extra)
        """
    }

    /// Four people: the obvious best pairing is ada+bo (goals meet skills) and cy+dee.
    static func small() throws -> TestPortal {
        try TestPortal([
            "Content/portal.yaml": "title: Test Portal\ncontact: people@example.com\n",
            "Content/programs/peer-circles.md": program,
            "Content/activities/show-and-tell.md": activity,
            "Content/roster.yaml": "participants:\n" + [
                person("ada", "Ada Lovelace", dept: "Engineering", team: "Compilers", skills: ["swift"], goals: ["negotiation"], interests: ["chess"]),
                person("bo", "Bo Chen", dept: "Sales", team: "EMEA", skills: ["negotiation"], goals: ["swift"], interests: ["chess"]),
                person("cy", "Cy Diaz", dept: "Engineering", team: "Compilers", manager: "ada", skills: ["sql"], goals: ["writing"]),
                person("dee", "Dee Evans", dept: "Finance", team: "Planning", skills: ["writing"], goals: ["sql"]),
            ].joined(separator: "\n") + "\n",
        ])
    }
}
