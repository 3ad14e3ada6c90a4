import Foundation
import Testing
@testable import TandemKit

/// Check-ins: a survey export read as real CSV, bad answers reported at their line and column,
/// and the report's meetings, follow-ups, ratings and comments — which appear nowhere else.
@Suite struct CheckinTests {
    static let path = "Content/checkins/peer-circles.csv"

    // MARK: CSV

    @Test func csvHandlesQuotingLineBreaksCRLFAndBOM() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"two, with comma\",\"say \"\"hi\"\"\"\r\n\"multi\r\nline\",x,\r\n\r\nlast,row,\"\"\r\n"
        let table = try CSVTable(text)
        #expect(table.rows.map { $0.map(\.text) } == [["a", "b", "c"], ["1", "two, with comma", "say \"hi\""], ["multi\nline", "x", ""], ["last", "row", ""]])
        // Positions are of each cell's first character (the quote for a quoted cell).
        #expect(table.rows[1][2].line == 2 && table.rows[1][2].column == 21)
        #expect(table.rows[2][1].line == 4 && table.rows[2][1].column == 7)
        #expect(table.rows[3][0].line == 6 && table.rows[3][0].column == 1)
        #expect(try CSVTable("a,b\n1,2").rows.count == 2, "no final line break")
        #expect(try CSVTable("a,b\n1,").rows[1].map(\.text) == ["1", ""], "trailing empty cell")
    }

    @Test func csvGuessesSemicolonsAndTabs() throws {
        #expect(try CSVTable("date;participant;met\n2027-01-12;ada;ja, klar\n").rows[1].map(\.text) == ["2027-01-12", "ada", "ja, klar"])
        #expect(try CSVTable("date\tparticipant\n2027-01-12\tada\n").rows[1].map(\.text) == ["2027-01-12", "ada"])
    }

    @Test func csvReportsWhereQuotingBreaks() {
        #expect(throws: Never.self) { try CSVTable("a,b\n5\" screen,x\n") }
        do {
            _ = try CSVTable("a,b\n1,\"never closed\n2,3\n")
            Issue.record("expected an error")
        } catch let e as CSVTable.ParseError {
            #expect((e.line, e.column) == (2, 3))
        } catch { Issue.record("\(error)") }
        do {
            _ = try CSVTable("a,b\n\"x\"y,z\n")
            Issue.record("expected an error")
        } catch let e as CSVTable.ParseError {
            #expect((e.line, e.column) == (2, 4))
        } catch { Issue.record("\(error)") }
    }

    // MARK: loading

    static func portal(_ csv: String?, program: String = TestPortal.program) throws -> TestPortal {
        let portal = try TestPortal.small()
        try portal.write("Content/programs/peer-circles.md", program)
        if let csv { try portal.write(path, csv) }
        return portal
    }

    static let good = """
    date,participant,met,rating,comment
    2027-01-12,ada,yes,5,Loved it
    2027-01-13 10:04:00,bo@example.com,Yes,4,
    2027-01-12,cy,no,,"Could not find a time, sadly"
    2027-01-26T09:00:00Z,ada,y,4,
    2027-01-27,bo,true,3,"The ""prompts"" were great"

    """

    @Test func malformedFileGivesDiagnosticsWithLineAndColumn() throws {
        let csv = """
        date,participant,met,rating,comment
        2027-01-12,ada,yes,5,fine
        12 January,bo,yes,4,
        2027-01-12,zed,no,,
        2027-01-12,cy,maybe,3,
        2027-01-12,dee,yes,9,
        2027-01-12,ada
        2027-01-12,"bo",yes,"4",x"

        """
        let portal = try Self.portal(csv)
        defer { portal.remove() }
        let report = portal.build()
        #expect(!report.succeeded)
        #expect(!portal.exists("Site"))
        let errors = portal.errors(report)
        #expect(errors.contains("\(Self.path):3:1: '12 January' is not a date"))
        #expect(errors.contains("\(Self.path):4:12: unknown participant 'zed'"))
        #expect(errors.contains("\(Self.path):5:15: 'maybe' is not a yes or no answer"))
        #expect(errors.contains("\(Self.path):6:20: the rating must be a whole number from 1 to 5, found '9'"))
        #expect(errors.contains("\(Self.path):7:15: this row has 2 cells but the header has 5; 'met' is missing"))
        #expect(errors.count == 5, "a stray quote inside an unquoted cell is text: \(errors)")

        try portal.write(Self.path, "date,participant,met\n2027-01-12,\"ada\"x,yes\n")
        #expect(portal.errors(portal.build()) == ["\(Self.path):2:17: unexpected text after a quoted cell; write a quote inside quotes as \"\""])
    }

    @Test func missingColumnIsReportedAtTheHeaderWithASuggestion() throws {
        let portal = try Self.portal("date,participant,meet,rating\n2027-01-12,ada,yes,5\n")
        defer { portal.remove() }
        let report = portal.build()
        let d = try #require(report.diagnostics.first { $0.message.hasPrefix("no 'met' column") })
        #expect(d.location?.description == "\(Self.path):1:1")
        #expect(d.hint == "did you mean 'meet'?")
    }

    @Test func headerNamesComeFromTheProgramFile() throws {
        let program = TestPortal.program.replacingOccurrences(of: "agenda: [show-and-tell]", with: """
        agenda: [show-and-tell]
        checkins: { date: "Timestamp", participant: "Employee ID", met: "Did you meet?", rating: "Rating", comment: "Comments" }
        """)
        let portal = try Self.portal("Timestamp,Employee ID,Did you meet?,Rating,Comments\n2027-01-12 09:00:00,ada,Yes,5,Good\n", program: program)
        defer { portal.remove() }
        let bag = DiagnosticBag()
        let loaded = PortalLoader.load(root: portal.root, bag: bag)
        #expect(!bag.hasErrors, "\(bag.diagnostics)")
        let rows = try #require(loaded.checkins["peer-circles"]?.rows)
        #expect(rows.count == 1 && rows[0].participant == "ada" && rows[0].met && rows[0].rating == 5 && rows[0].comment == "Good")

        try portal.write("Content/programs/peer-circles.md", program.replacingOccurrences(of: "rating: \"Rating\"", with: "ratng: \"Rating\""))
        let typo = portal.build()
        #expect(typo.diagnostics.contains { $0.message == "unknown key 'ratng' in 'checkins'" && $0.hint == "did you mean 'rating'?" })
    }

    @Test func answersFromPeopleOutsideTheProgramAreWarnedAboutAndSkipped() throws {
        let portal = try Self.portal(Self.good)
        defer { portal.remove() }
        var roster = try #require(portal.read("Content/roster.yaml"))
        roster += TestPortal.person("eve", "Eve Fox", dept: "Legal", team: "Contracts").replacingOccurrences(of: "programs: [peer-circles]", with: "programs: []") + "\n"
        try portal.write("Content/roster.yaml", roster)
        try portal.write(Self.path, Self.good + "2027-01-12,eve,yes,5,\n")
        let bag = DiagnosticBag()
        let loaded = PortalLoader.load(root: portal.root, bag: bag)
        #expect(!bag.hasErrors)
        #expect(bag.diagnostics.contains { $0.severity == .warning && $0.location?.description == "\(Self.path):7:12" })
        #expect(loaded.checkins["peer-circles"]?.rows.count == 5)
    }

    // MARK: report

    @Test func reportCountsMeetingsRatingsAndWhoToFollowUp() throws {
        let portal = try Self.portal(Self.good)
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        let b = model.programs[0]
        let c = Pages(model: model).report(b)
        #expect(c["hasCheckins"] as? Bool == true)
        let sessions = try #require(c["checkinSessions"] as? [ViewObject])
        #expect(sessions.count == 2, "sessions after the last answered one are left out")
        // Session 1: ada and bo (one pair) met; cy said no for cy+dee.
        #expect(sessions[0]["held"] as? Int == 1 && sessions[0]["heard"] as? Int == 2 && sessions[0]["noes"] as? Int == 1)
        #expect(sessions[0]["rating"] as? String == "4.5")
        #expect(sessions[1]["rating"] as? String == "3.5" && sessions[1]["held"] as? Int == 1)
        let neverMet = try #require(c["neverMet"] as? [ViewObject])
        #expect(neverMet.map { $0["names"] as? String } == ["Cy Diaz and Dee Evans"])
        #expect((c["silent"] as? [ViewObject])?.isEmpty == true)
        let comments = try #require(c["comments"] as? [ViewObject])
        #expect(comments.map { $0["text"] as? String } == ["Loved it", "Could not find a time, sadly", "The \"prompts\" were great"])
        #expect(comments.map { $0["name"] as? String } == ["Ada Lovelace", "Cy Diaz", "Bo Chen"])
        let chart = try #require(c["ratingChart"] as? String)
        #expect(chart.hasPrefix("<svg") && chart.contains("<polyline") && !chart.contains("<script"))
        #expect(chart.contains("session 1: 4.5, session 2: 3.5"))
    }

    @Test func unitsWithoutAnyAnswerAreListedSeparately() throws {
        let portal = try Self.portal("date,participant,met\n2027-01-12,ada,yes\n")
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        let c = Pages(model: model).report(model.programs[0])
        #expect((c["neverMet"] as? [ViewObject])?.isEmpty == true)
        #expect((c["silent"] as? [ViewObject])?.map { $0["names"] as? String } == ["Cy Diaz and Dee Evans"])
        #expect(c["ratingChart"] as? String == "<p>No ratings yet.</p>")
    }

    @Test func withoutAFileTheReportSaysNoneWereImported() throws {
        let portal = try Self.portal(nil)
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        let html = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(html.contains("No check-ins were imported"))
        #expect(html.contains("Content/checkins/peer-circles.csv"))
    }

    @Test func commentsAppearOnlyInTheReport() throws {
        let secret = "Zanzibar-marmalade-7731"
        let portal = try Self.portal(Self.good + "2027-01-27,dee,yes,4,\"\(secret), really\"\n")
        defer { portal.remove() }
        let report = portal.build()
        #expect(report.succeeded, "\(report.diagnostics)")
        let site = portal.siteSnapshot()
        let holders = site.filter { String(decoding: $0.value, as: UTF8.self).contains(secret) }.keys.sorted()
        #expect(holders == ["programs/peer-circles/report.html"])
        let reportHTML = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(reportHTML.contains("<meta name=\"robots\" content=\"noindex"))
        for comment in ["Loved it", "Could not find a time, sadly"] {
            #expect(site.filter { String(decoding: $0.value, as: UTF8.self).contains(comment) }.keys.sorted() == ["programs/peer-circles/report.html"])
        }
    }

    @Test func nearestSessionBreaksTiesTowardsTheEarlier() throws {
        let portal = try Self.portal(nil)
        defer { portal.remove() }
        let sessions = try PagesTests.model(portal).programs[0].sessions
        let first = sessions[0].date
        #expect(Pages.nearestSession(first.adding(days: -30), sessions) == 0)
        #expect(Pages.nearestSession(first.adding(days: 7), sessions) == 0)
        #expect(Pages.nearestSession(first.adding(days: 8), sessions) == 1)
        #expect(Pages.nearestSession(first.adding(days: 400), sessions) == sessions.count - 1)
    }

    @Test func demoPortalImportsItsSampleCheckins() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: TemplateEngineTests.repoRoot, bag: bag)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let rows = try #require(portal.checkins["peer-circles"]?.rows)
        #expect((50...80).contains(rows.count))
        #expect(rows.contains { !$0.met } && rows.contains { $0.comment?.contains("\n") == true })
    }
}
