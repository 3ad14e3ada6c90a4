import Foundation
import Testing
@testable import TandemKit

@Suite struct BuildTests {
    /// `--verbose` says which way each part with a fast and a slow path ran.
    @Test func theReportSaysWhichPathsRan() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let report = portal.build()
        #expect(report.succeeded)
        let paths = Dictionary(report.paths.map { ("\($0.what): \($0.how)", $0.times) }, uniquingKeysWith: +)
        #expect(paths["pages: compiled templates"] == 1)
        #expect((paths["YAML: libyaml events"] ?? 0) >= 3, "\(paths)")
        #expect(report.candidates.first?.info.scoring.hasPrefix("every row scored whole, C kernels (") == true)
        // An anchor sends the roster through Yams, and the report names the file.
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "interests: [chess]", with: "interests: &fun [chess]"))
        let again = portal.build()
        #expect(again.succeeded, "\(portal.errors(again))")
        #expect(again.paths.contains { $0.what == "YAML" && $0.how.hasPrefix("Yams (Content/roster.yaml") })
    }

    @Test func smallPortalBuildsEveryPage() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let report = portal.build()
        #expect(report.succeeded, "\(report.diagnostics)")
        for path in ["index.html", "assets/style.css", "activities/index.html", "activities/print.html",
                     "activities/show-and-tell.html", "programs/peer-circles/index.html", "programs/peer-circles/report.html",
                     "programs/peer-circles/matches.csv", ".tandem-site"] {
            #expect(portal.exists("Site/\(path)"), "missing \(path)")
        }
        for id in ["ada", "bo", "cy", "dee"] {
            #expect(portal.exists("Site/programs/peer-circles/people/\(id).html"))
        }
        // ada's goals meet bo's skills and the other way round; cy reports to ada.
        let ada = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(ada.contains("Bo Chen"))
        #expect(ada.contains("You want to grow in negotiation — Bo listed it as a skill."))
        #expect(ada.contains("Bo wants to grow in swift — you listed it as a skill."))
        #expect(ada.contains("You share an interest in chess."))
        #expect(ada.contains("Monday 11 January 2027"))
        #expect(portal.exists("Site/programs/peer-circles/pairs/ada--bo.html"))
        #expect(portal.exists("Site/programs/peer-circles/pairs/cy--dee.ics"))
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/ada--bo.ics"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270111T123000"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270208T123000"))
        #expect(ics.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
    }

    @Test func buildsAreByteIdentical() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        let first = portal.siteSnapshot()
        #expect(portal.build().succeeded)
        #expect(portal.siteSnapshot() == first)
    }

    @Test func refusesToReplaceAFolderTandemDidNotWrite() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Site/precious.txt", "keep me")
        let report = portal.build()
        #expect(!report.succeeded)
        #expect(report.diagnostics.first?.message.contains("refusing to replace") == true)
        #expect(portal.read("Site/precious.txt") == "keep me")
    }

    @Test func participantTextIsEscapedEverywhere() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
            .replacingOccurrences(of: "name: Bo Chen", with: "name: \"Bo <script>alert(1)</script> & 'Chen'\"")
        try portal.write("Content/roster.yaml", roster)
        #expect(portal.build().succeeded)
        for (path, data) in portal.siteSnapshot() where path.hasSuffix(".html") {
            let html = String(decoding: data, as: UTF8.self)
            #expect(!html.contains("<script"), "unescaped script in \(path)")
        }
        let ada = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(ada.contains("Bo &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;Chen&#39;"))
    }

    @Test func privateFieldsNeverReachTheSite() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = "participants:\n" + [
            TestPortal.person("ada", "Ada", dept: "Engineering", team: "A", interests: ["zorbing"], extra: "    groups: [secret-society]\n    private: [groups, interests, department]"),
            TestPortal.person("bo", "Bo", dept: "Sales", team: "B", interests: ["zorbing"], extra: "    groups: [secret-society]"),
        ].joined(separator: "\n") + "\n"
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build()
        #expect(report.succeeded, "\(report.diagnostics)")
        for (path, data) in portal.siteSnapshot() {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("secret-society"), "private group leaked in \(path)")
            #expect(!text.contains("zorbing"), "private interest leaked in \(path)")
        }
    }

    @Test func oddCountNobodyDroppedSilently() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster + TestPortal.person("eve", "Eve Fox", dept: "Legal", team: "L") + "\n")
        #expect(portal.build().succeeded)
        let model = try matches(portal)
        let m = try #require(model.first)
        let placed = m.units.flatMap(\.members).count + m.unmatched.count
        #expect(placed == 5)
        // The default odd policy is `trio`: the fifth person joins a pair, nobody is left out.
        #expect(m.units.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.pair, .trio])
        #expect(m.unmatched.isEmpty)
    }

    @Test func managerIsNeverMatchedWithReport() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let m = try #require(try matches(portal).first)
        for unit in m.units {
            let ids = Set(unit.members.map { m.people[$0].id })
            #expect(ids != ["ada", "cy"])
        }
    }

    func matches(_ portal: TestPortal) throws -> [ProgramMatch] {
        let bag = DiagnosticBag()
        var report = BuildReport()
        return try #require(Pipeline.analyse(root: portal.root, bag: bag, report: &report))
    }
}

@Suite struct SiteWriterTests {
    /// The previous site is kept beside the output and rewritten by the next build: whatever
    /// that build no longer produces must be gone, and nothing else may be left behind.
    @Test func rebuildingInThePreviousSiteLeavesExactlyTheNewSite() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        #expect(portal.build().succeeded)
        #expect(portal.exists(".Site.tandem-back/programs/peer-circles/people/ada.html"), "the old site is kept for reuse")
        // A second program, then its removal: its pages must disappear on the next build.
        try portal.write("Content/programs/coffee.md", TestPortal.program.replacingOccurrences(of: "Peer Circles", with: "Coffee"))
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "programs: [peer-circles]", with: "programs: [peer-circles, coffee]"))
        #expect(portal.build().succeeded)
        #expect(portal.exists("Site/programs/coffee/index.html"))
        try portal.write("Content/roster.yaml", roster)
        try FileManager.default.removeItem(at: portal.root.appendingPathComponent("Content/programs/coffee.md"))
        try? FileManager.default.removeItem(at: portal.root.appendingPathComponent("Content/matches/coffee"))
        #expect(portal.build().succeeded)
        #expect(portal.build().succeeded)
        let reused = portal.siteSnapshot()
        // A fresh build elsewhere must produce the same files, byte for byte.
        let fresh = Pipeline.build(BuildOptions(root: portal.root, output: portal.root.appendingPathComponent("Fresh")))
        #expect(fresh.succeeded)
        var freshFiles: [String: Data] = [:]
        let base = portal.root.appendingPathComponent("Fresh")
        let walker = FileManager.default.enumerator(atPath: base.path)
        while let path = walker?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path, isDirectory: &isDir), !isDir.boolValue {
                freshFiles[path] = FileManager.default.contents(atPath: base.appendingPathComponent(path).path)
            }
        }
        #expect(reused.keys.sorted() == freshFiles.keys.sorted())
        #expect(reused == freshFiles)
        #expect(!portal.exists("Site/programs/coffee"), "the removed program's folder is gone")
    }

    @Test func linksPlantedInTheKeptFolderAreRemovedNotFollowed() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        #expect(portal.build().succeeded)
        let outside = portal.root.appendingPathComponent("outside.txt")
        try "untouched".write(to: outside, atomically: true, encoding: .utf8)
        let target = portal.root.appendingPathComponent(".Site.tandem-back/index.html")
        try FileManager.default.removeItem(at: target)
        try FileManager.default.createSymbolicLink(at: target, withDestinationURL: outside)
        #expect(portal.build().succeeded)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "untouched")
        #expect(portal.read("Site/index.html")?.contains("<!DOCTYPE html>") == true)
    }
}
