import Foundation
import Testing
@testable import TandemKit

@Suite struct BuildTests {
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
        #expect(m.units.contains { $0.kind == .trio } || m.unmatched.count == 1)
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

@Suite struct UnitTests {
    @Test func datesAreStrict() {
        #expect(LocalDate("2027-02-30") == nil)
        #expect(LocalDate("2028-02-29") != nil)
        #expect(LocalDate("2027-2-3") == nil)
        let d = LocalDate("2027-01-11")!
        #expect(d.weekday == 0)
        #expect(d.adding(days: 14).description == "2027-01-25")
        #expect(LocalDate("2027-01-31")!.adding(months: 1).description == "2027-02-28")
        #expect(LocalDate(dayNumber: d.dayNumber) == d)
    }

    @Test func durations() {
        #expect(Duration.minutes("45m") == 45)
        #expect(Duration.minutes("1h30m") == 90)
        #expect(Duration.minutes("2h") == 120)
        #expect(Duration.minutes("0m") == nil)
        #expect(Duration.minutes("abc") == nil)
    }

    @Test func calendarTextIsEscapedAndFolded() {
        #expect(ICalendar.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
        let long = "DESCRIPTION:" + String(repeating: "é", count: 80)
        let folded = ICalendar.fold(long)
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == long)
    }

    @Test func csvCellsCannotRunFormulas() {
        #expect(Pages.csvCell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(Pages.csvCell("+1") == "'+1")
        #expect(Pages.csvCell("plain") == "plain")
        #expect(Pages.csvCell("a,b") == "\"a,b\"")
    }

    @Test func sessionPlanAddsUpToTheSessionLength() {
        for minutes in [20, 30, 45, 60, 90] {
            let plan = Scheduler.plan(minutes: minutes, activity: nil, isLast: false)
            #expect(plan.reduce(0) { $0 + $1.1 } == minutes)
        }
    }
}
