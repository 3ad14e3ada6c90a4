import Foundation
import Testing
@testable import TandemKit

@Suite struct DiagnosticsTests {
    /// The five classic roster mistakes in one file: each gives exactly one error at its own
    /// line and column, the build stops, and the previous site is left as it was.
    @Test func brokenRosterGivesOnePositionedErrorPerProblem() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        let before = portal.siteSnapshot()
        #expect(!before.isEmpty)

        let roster = """
        participants:
          - id: ada
            name: Ada Lovelace
            email: ada@example.com
            department: Engineering
            location: London
        \ttimezone: Europe/London
            programs: [peer-circles]
          - id: bo
            name: Bo Chen
            email: bo@example.com
            department: Sales
            location: London
            timezone: Europe/London
            seniority: senior
            programs: [peer-circles]
          - id: ada
            name: Ada Again
            email: ada2@example.com
            department: Sales
            location: London
            timezone: Europe/London
            programs: [peer-circles]
          - id: cy
            name: Cy Diaz
            email: cy@example.com
            department: Sales
            location: London
            timezone: Europe/London
            manager: charles
            programs: [peer-circles]
            skils: [sql]

        """
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build()
        #expect(!report.succeeded)
        let errors = portal.errors(report)
        #expect(errors == [
            "Content/roster.yaml:7:1: tab character in indentation",
            "Content/roster.yaml:15:16: 'seniority' must be a whole number, found 'senior'",
            "Content/roster.yaml:17:9: duplicate participant id 'ada'",
            "Content/roster.yaml:30:14: unknown manager 'charles'",
            "Content/roster.yaml:32:5: unknown key 'skils' in a participant",
        ])
        let typo = report.diagnostics.first { $0.message.contains("skils") }
        #expect(typo?.hint == "did you mean 'skills'?")
        #expect(portal.siteSnapshot() == before, "a failed build must leave the old site byte for byte")
    }

    @Test func yamlSyntaxErrorIsPositioned() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", "participants:\n  - id: ada\n    name: [unclosed\n")
        let errors = portal.errors(portal.build())
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Content/roster.yaml:4:1: invalid YAML") == true, "\(errors)")
    }

    @Test func frontMatterPositionsCountTheFence() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Content/programs/peer-circles.md", TestPortal.program
            .replacingOccurrences(of: "cadence: biweekly", with: "cadence: fortnightly")
            .replacingOccurrences(of: "start: 2027-01-11", with: "start: 2027-02-30")
            .replacingOccurrences(of: "agenda: [show-and-tell]", with: "agenda: [show-and-tel]"))
        let report = portal.build()
        #expect(portal.errors(report) == [
            "Content/programs/peer-circles.md:5:8: 'start' must be a calendar date written YYYY-MM-DD, found '2027-02-30'",
            "Content/programs/peer-circles.md:6:10: unknown cadence 'fortnightly'",
            "Content/programs/peer-circles.md:14:10: unknown activity 'show-and-tel' in the agenda",
        ])
        #expect(report.diagnostics.first { $0.message.contains("show-and-tel") }?.hint == "did you mean 'show-and-tell'?")
    }

    @Test func referencesAndSelfReferences() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", "participants:\n" + [
            TestPortal.person("ada", "Ada", dept: "Eng", team: "A", manager: "ada"),
            TestPortal.person("bo", "Bo", dept: "Eng", team: "B", manager: "cy", extra: "    avoid: [bo, zed]"),
            TestPortal.person("cy", "Cy", dept: "Eng", team: "C", manager: "bo"),
        ].joined(separator: "\n") + "\n")
        let errors = portal.errors(portal.build())
        #expect(errors.contains { $0.contains("'ada' is listed as their own manager") })
        #expect(errors.contains { $0.contains("'bo' lists themselves in 'avoid'") })
        #expect(errors.contains { $0.contains("unknown participant 'zed' in 'avoid'") })
        #expect(errors.contains { $0.contains("managers form a loop: bo → cy → bo") || $0.contains("managers form a loop: cy → bo → cy") })
    }

    @Test func nonUTF8AndBOMAndCRLF() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        var bytes = Data("participants:\n  - id: ada\n    name: Ad".utf8)
        bytes.append(contentsOf: [0xFF, 0x0A])
        try portal.write("Content/roster.yaml", bytes)
        #expect(portal.errors(portal.build()) == ["Content/roster.yaml:3:13: file is not valid UTF-8 (byte 0xFF)"])

        let roster = "participants:\n" + [
            TestPortal.person("ada", "Ada", dept: "Eng", team: "A"),
            TestPortal.person("bo", "Bo", dept: "Ops", team: "B"),
        ].joined(separator: "\n") + "\n"
        var crlf = Data([0xEF, 0xBB, 0xBF])
        crlf.append(Data(roster.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        try portal.write("Content/roster.yaml", crlf)
        let report = portal.build()
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(portal.exists("Site/programs/peer-circles/people/ada.html"))
    }

    @Test func unknownTimeZoneSuggestsTheClosest() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = "participants:\n" + TestPortal.person("ada", "Ada", dept: "Eng", team: "A")
            .replacingOccurrences(of: "Europe/London", with: "Europe/Londn") + "\n"
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build()
        let d = report.diagnostics.first { $0.message.contains("unknown time zone") }
        #expect(d?.location?.line == 9)
        #expect(d?.hint == "did you mean 'Europe/London'?")
    }

    @Test func templateErrorsArePositioned() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Templates/index.mustache", "{{<layout}}\n{{$main}}\n{{#programs}}\n<p>{{title}}</p>\n{{/main}}\n{{/layout}}\n")
        let report = portal.build()
        #expect(!report.succeeded)
        #expect(report.diagnostics.first { $0.severity == .error }?.location?.file == "Templates/index.mustache")
        try portal.write("Templates/index.mustache", "{{<layout}}{{$main}}{{> footer-links}}{{/main}}{{/layout}}\n")
        let missing = portal.build().diagnostics.first { $0.message.contains("footer-links") }
        #expect(missing?.location == SourceLocation(file: "Templates/index.mustache", line: 1, column: 21))
    }

    @Test func suggestionsAreOnlyForLikelyTypos() {
        #expect(Suggest.closest(to: "skils", in: RosterLoader.keys) == "skills")
        #expect(Suggest.closest(to: "timezone_x", in: RosterLoader.keys) == "timezone")
        #expect(Suggest.closest(to: "banana", in: RosterLoader.keys) == nil)
    }
}
