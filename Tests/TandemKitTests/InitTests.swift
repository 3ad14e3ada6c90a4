import Foundation
import Testing
@testable import TandemKit

@Suite("tandem init")
struct InitTests {
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandem-init-\(UUID().uuidString)")
    }

    @Test("every template scaffolds a portal that builds with no errors and no warnings", arguments: PortalTemplate.all.map(\.name))
    func templateBuilds(name: String) throws {
        let template = try #require(PortalTemplate.named(name))
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }

        let written = try Scaffold.create(template, at: root)
        #expect(written.contains("README.md"))
        #expect(written.contains("Content/portal.yaml"))
        #expect(written.contains("Content/roster.yaml"))
        #expect(written.contains("Content/programs/\(name).md"))
        let activities = written.filter { $0.hasPrefix("Content/activities/") }
        #expect((4...6).contains(activities.count))
        #expect(activities.count == template.activities.count)

        let report = Pipeline.build(BuildOptions(root: root, now: 1_800_000_000))
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.succeeded)
        #expect((8...12).contains(report.participants))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Site/programs/\(name)/index.html").path))

        // What `tandem check` adds: nobody is left with too few allowed partners.
        var analysis = BuildReport()
        let bag = DiagnosticBag()
        let matches = try #require(Pipeline.analyse(root: root, bag: bag, report: &analysis))
        Feasibility.warn(matches, bag: bag)
        #expect(bag.sorted().map(\.description) == [])
        let program = try #require(matches.first)
        #expect(matches.count == 1)
        #expect(program.unmatched.isEmpty, "everyone in a starter portal gets matched")
    }

    @Test("every program's agenda uses each of its template's activities once")
    func agendasMatchActivities() throws {
        for template in PortalTemplate.all {
            let files = try Scaffold.files(for: template)
            let program = try #require(files["Content/programs/\(template.name).md"].map { String(decoding: $0, as: UTF8.self) })
            #expect(program.contains("agenda: [\(template.activities.joined(separator: ", "))]"), "\(template.name)")
            #expect(program.contains("sessions: \(template.activities.count)\n"), "\(template.name)")
        }
    }

    @Test("the templates are the four documented kinds, each with a one-line summary")
    func list() {
        #expect(PortalTemplate.all.map(\.name) == ["onboarding-buddies", "peer-circles", "coffee-roulette", "mentoring"])
        for t in PortalTemplate.all {
            #expect(!t.summary.isEmpty && !t.summary.contains("\n"))
        }
        #expect(PortalTemplate.named("coffee") == nil)
    }

    @Test("init refuses a folder that is not empty and writes nothing into it")
    func refusesNonEmpty() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("my notes\n".utf8).write(to: root.appendingPathComponent("notes.txt"))

        #expect(throws: ScaffoldError.notEmpty(root.standardizedFileURL.path)) {
            try Scaffold.create(PortalTemplate.all[0], at: root)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["notes.txt"])
        #expect(try String(contentsOf: root.appendingPathComponent("notes.txt"), encoding: .utf8) == "my notes\n")
    }

    @Test("init accepts a fresh clone that holds only .git")
    func acceptsFreshClone() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Scaffold.create(#require(PortalTemplate.named("mentoring")), at: root)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Content/programs/mentoring.md").path))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path))
    }

    @Test("init refuses a path that is a file")
    func refusesFile() throws {
        let file = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("x".utf8).write(to: file)
        #expect(throws: ScaffoldError.notAFolder(file.standardizedFileURL.path)) {
            try Scaffold.create(PortalTemplate.all[0], at: file)
        }
    }

    @Test("init fills an existing empty folder")
    func fillsEmptyFolder() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Scaffold.create(#require(PortalTemplate.named("coffee-roulette")), at: root)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Content/programs/coffee-roulette.md").path))
    }
}
