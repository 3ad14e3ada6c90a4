import Foundation
import Testing
@testable import TandemKit

/// What participants and facilitators hold in their hands: the view models behind the
/// participant and agenda pages, the schedule, and the calendar files.
@Suite struct PagesTests {
    /// Loads, matches and schedules a fixture portal as a build does, without writing a site.
    static func model(_ portal: TestPortal, now: Int? = nil) throws -> SiteModel {
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = Pipeline.model(root: portal.root, bag: bag, report: &report, now: now)
        #expect(!bag.hasErrors, "\(bag.diagnostics)")
        return try #require(model)
    }

    static func person(_ model: SiteModel, _ id: String, program: Int = 0) throws -> ViewObject {
        let b = model.programs[program]
        let i = try #require(b.match.people.firstIndex { $0.id == id })
        return Pages(model: model).person(b, i)
    }

    static func firstPeer(_ page: ViewObject) throws -> ViewObject {
        let matches = try #require(page["matches"] as? [ViewObject])
        return try #require((matches.first?["peers"] as? [ViewObject])?.first)
    }

    static func replacing(_ portal: TestPortal, _ path: String, _ old: String, _ new: String) throws {
        let text = try #require(portal.read(path))
        #expect(text.contains(old), "fixture no longer contains \(old)")
        try portal.write(path, text.replacingOccurrences(of: old, with: new))
    }

    // MARK: why you were matched

    /// Each match meets on its own day: the program page gives each session's week, and its
    /// dates run to the last day any match or pod meets.
    @Test func theProgramPageGivesWeeksAndTheLastDayAnyoneMeets() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/programs/peer-circles.md", "start: 2027-01-11", "start: 2027-01-13")
        let model = try Self.model(portal)
        let b = model.programs[0]
        let page = Pages(model: model).program(b)
        let rows = try #require(page.dictionary["sessions"] as? [[String: Any]])
        // Start Wednesday 13 January, every two weeks: the weeks of Monday 11 and 25 January, 8 February.
        #expect(rows.compactMap { $0["date"] as? String } == ["Week of 11 January 2027", "Week of 25 January 2027", "Week of 8 February 2027"])
        let last = try #require(b.match.schedule.units.joined().map(\.date).max())
        let summary = try #require(page.dictionary["program"] as? [String: Any])
        #expect(summary["end"] as? String == last.longText)
        #expect(Pages.sessionWhen(Session(number: 1, date: LocalDate("2027-02-03")!, start: 0, minutes: 30, activity: nil, plan: [], followUps: []),
                                  cadence: .monthly) == "February 2027")
    }

    @Test func whySentencesComeFromTheScoreBreakdown() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let peer = try Self.firstPeer(Self.person(Self.model(portal), "ada"))
        #expect(peer["name"] as? String == "Bo Chen")
        let reasons = try #require(peer["reasons"] as? [ViewObject]).compactMap { $0["text"] as? String }
        // One sentence for each part of the breakdown, strongest first: goals_skills (weight 5)
        // both ways, different_department (3), interests (2).
        #expect(reasons == [
            "You want to grow in negotiation — Bo listed it as a skill.",
            "Bo wants to grow in swift — you listed it as a skill.",
            "You work in different parts of the company (Engineering and Sales), so each of you gets to see a new side of it.",
            "You share an interest in chess.",
        ])
        #expect(peer["common"] as? String == "chess and the London office")
        // Seen from the other side, the same match reads the other way round.
        let bo = try Self.firstPeer(Self.person(Self.model(portal), "bo"))
        let boReasons = try #require(bo["reasons"] as? [ViewObject]).compactMap { $0["text"] as? String }
        #expect(boReasons.first == "You want to grow in swift — Ada listed it as a skill.")
    }

    @Test func reasonsRestingOnPrivateFieldsAreLeftOut() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/roster.yaml", "    interests: [chess]\n\n  - id: bo",
                           "    interests: [chess]\n    private: [interests, department]\n\n  - id: bo")
        let peer = try Self.firstPeer(Self.person(Self.model(portal), "bo"))
        let reasons = try #require(peer["reasons"] as? [ViewObject]).compactMap { $0["text"] as? String }
        #expect(!reasons.contains { $0.contains("chess") || $0.contains("Engineering") })
        #expect(reasons.contains("You want to grow in swift — Ada listed it as a skill."))
        #expect(peer["department"] as? String == "")
    }

    // MARK: time zones

    @Test func timeDifferenceReadsNaturally() {
        #expect(Pages.timeDifference(viewerOffset: 60, peerOffset: 60) == "Same time zone as you")
        #expect(Pages.timeDifference(viewerOffset: 0, peerOffset: 60) == "1 hour ahead of you")
        #expect(Pages.timeDifference(viewerOffset: 60, peerOffset: -300) == "6 hours behind you")
        #expect(Pages.timeDifference(viewerOffset: 0, peerOffset: 330) == "5 h 30 min ahead of you")
        #expect(Pages.timeDifference(viewerOffset: 345, peerOffset: 315) == "30 min behind you")
    }

    @Test func peerCardGivesTheirClockAtTheNextSession() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/roster.yaml", "    team: EMEA\n    location: London\n    timezone: Europe/London",
                           "    team: EMEA\n    location: Tokyo\n    timezone: Asia/Tokyo")
        let model = try Self.model(portal)
        let ada = try Self.person(model, "ada")
        let peer = try Self.firstPeer(ada)
        #expect(peer["name"] as? String == "Bo Chen")
        #expect(peer["timeDifference"] as? String == "9 hours ahead of you")
        // London and Tokyo share no working hour: the least-bad slot starts Ada's day and ends
        // Bo's, and the next session lets the other one take the awkward end.
        #expect(peer["theirTime"] as? String == "When you meet at 09:00, it is 18:00 for Bo.")
        // Bo's own page shows the session at Bo's wall-clock time, and says why it is late.
        let bo = try Self.person(model, "bo")
        let next = try #require(bo["next"] as? ViewObject)
        #expect(next["localTime"] as? String == "18:00")
        #expect(next["localDate"] as? String == "Monday 11 January 2027")
        #expect((next["outsideHours"] as? String)?.contains("no hour when all of you are at work") == true)
        let match = try #require((bo["matches"] as? [ViewObject])?.first)
        #expect(match["slot"] as? String == "Every four weeks on Monday, 18:00 your time; 09:00 for Ada in London. In between: Every four weeks on Monday, 16:00 your time; 07:00 for Ada in London.")
        #expect(bo["timezoneNote"] as? String == "Dates and times are in your time zone (Asia/Tokyo).")
        #expect((ada["next"] as? ViewObject)?["outsideHours"] == nil)
    }

    @Test func agendaGivesEachMemberTheirOwnDate() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/roster.yaml", "    team: EMEA\n    location: London\n    timezone: Europe/London",
                           "    team: EMEA\n    location: Auckland\n    timezone: Pacific/Auckland")
        try Self.replacing(portal, "Content/programs/peer-circles.md", "meeting_time: \"12:30\"", "meeting_time: \"18:00\"")
        let model = try Self.model(portal)
        let b = model.programs[0]
        let u = try #require(b.match.units.firstIndex { $0.id == "ada--bo" })
        let sessions = try #require(Pages(model: model).unit(b, u)["sessions"] as? [ViewObject])
        let times = try #require(sessions.first?["times"] as? [ViewObject])
        #expect(times.map { "\($0["name"]!) \($0["date"]!) \($0["time"]!)" } == [
            "Ada Monday 11 January 2027 20:00",
            "Bo Tuesday 12 January 2027 09:00",
        ])
    }

    // MARK: next session

    @Test func nextSessionIsTheFirstThatHasNotEnded() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        // Without a build date the first session is next.
        let first = try Self.person(Self.model(portal), "ada")
        #expect((first["next"] as? ViewObject)?["number"] as? Int == 1)
        #expect(first["nextIsFirst"] as? Bool == true)
        // A day after session 1 (11 January, 12:30 London), session 2 is next.
        let now = LocalDate("2027-01-12")!.dayNumber * 86_400
        let later = try Self.person(Self.model(portal, now: now), "ada")
        let next = try #require(later["next"] as? ViewObject)
        #expect(next["number"] as? Int == 2)
        #expect(next["localDate"] as? String == "Monday 25 January 2027")
        let rows = try #require(later["sessions"] as? [ViewObject])
        #expect(rows.map { $0["isNext"] as? Bool == true } == [false, true, false])
        #expect(later["nextIsFirst"] as? Bool == false)

        portal.remove()
        let built = try TestPortal.small()
        defer { built.remove() }
        #expect(built.build(now: now).succeeded)
        let html = try #require(built.read("Site/programs/peer-circles/people/ada.html"))
        let lede = try #require(html.range(of: "You next meet on <strong>Monday 25 January 2027 at 12:30</strong>"))
        let peer = try #require(html.range(of: "class=\"peer-name\">Bo Chen"))
        #expect(lede.lowerBound < peer.lowerBound, "who and when come before everything else")
    }

    // MARK: schedule

    @Test func groupOnlyActivitiesAreNeverScheduledForPairs() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Content/activities/inside-out.md", """
        ---
        title: Inside-Out
        summary: A bag turned inside out.
        duration: 45m
        formats: [groups]
        ---
        Steps.
        """)
        try Self.replacing(portal, "Content/programs/peer-circles.md", "agenda: [show-and-tell]\n", "")
        let model = try Self.model(portal)
        let titles = model.programs[0].sessions.compactMap { $0.activity?.slug }
        #expect(titles == ["show-and-tell", "show-and-tell", "show-and-tell"])

        // Naming it in a pairs program's agenda is an error the loader reports.
        try Self.replacing(portal, "Content/programs/peer-circles.md", "timezone: Europe/London\n",
                           "timezone: Europe/London\nagenda: [inside-out]\n")
        let report = portal.build()
        #expect(portal.errors(report).contains { $0.contains("'inside-out' is an activity for groups") })
    }

    @Test func planAndFollowUpsFitTheSession() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let sessions = try Self.model(portal).programs[0].sessions
        #expect(sessions.count == 3)
        for s in sessions {
            #expect(s.plan.reduce(0) { $0 + $1.minutes } == 45)
            #expect(s.plan.map(\.label) == ["Check in", "Show and Tell", "Reflect", "Next steps"])
        }
        #expect(sessions[0].plan[0].detail.contains("hope to get from the program"))
        #expect(sessions[1].plan[0].detail.contains("since you last met"))
        #expect(sessions[2].plan[3].detail.contains("stay in touch after the program"))
        // Between sessions: the activity's follow-up, a question, and the next activity's prep.
        #expect(sessions[0].followUps.map(\.label) == ["After this session", "Think about", "Before the next session"])
        #expect(sessions[0].followUps[0].text == "Send your peer one thing their story made you think about.")
        #expect(sessions[0].followUps[2].text == "Pick something that matters to you.")
        #expect(sessions[0].followUps[1].text != sessions[1].followUps[1].text)
        #expect(sessions[2].followUps.map(\.label) == ["After this session", "Think about"])
        for minutes in [20, 30, 45, 60, 90, 120] {
            let plan = Scheduler.plan(minutes: minutes, activity: nil, isLast: false, isFirst: false, isGroup: true)
            #expect(plan.reduce(0) { $0 + $1.1 } == minutes)
            #expect(plan[0].2.hasPrefix("Go round the group"))
        }
    }

    // MARK: privacy

    @Test func privateFieldsAppearInNoFile() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/roster.yaml", "    team: EMEA\n",
                           "    team: EMEA\n    pronouns: zie/zir\n    bio: Quietly-collects-teapots\n    link: https://example.com/secret-bo\n    private: [email, pronouns, bio, link, timezone]\n")
        #expect(portal.build().succeeded)
        for (path, data) in portal.siteSnapshot() {
            let text = String(decoding: data, as: UTF8.self)
            for secret in ["bo@example.com", "zie/zir", "Quietly-collects-teapots", "secret-bo"] {
                #expect(!text.contains(secret), "\(secret) appears in \(path)")
            }
        }
        // Bo's timezone is private: nobody sees Bo's clock, and Bo's own page uses the program's zone.
        let ada = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(!ada.contains("Same time zone as you"))
        let bo = try #require(portal.read("Site/programs/peer-circles/people/bo.html"))
        // The template escapes the note, apostrophe included.
        #expect(bo.contains("Dates and times are in the program&#39;s time zone (Europe/London)."))
    }

    // MARK: calendar

    @Test func calendarUsesTheProgramTimeZoneWithAVTimezone() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/ada--bo.ics"))
        let lines = ics.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VCALENDAR" && ics.hasSuffix("END:VCALENDAR\r\n"))
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"))
        // London's observances for 2027: GMT from October 2026, BST from 28 March, GMT from 31 October.
        #expect(ics.contains("BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n"))
        #expect(ics.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\n"))
        #expect(ics.contains("BEGIN:STANDARD\r\nDTSTART:20271031T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270111T123000\r\nDTEND;TZID=Europe/London:20270111T131500\r\n"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270208T123000"))
        #expect(ics.contains("UID:peer-circles-r1-ada--bo-1@tandem.invalid\r\n"))
        // Without SOURCE_DATE_EPOCH the stamp is the program's start: reproducible.
        #expect(lines.filter { $0.hasPrefix("DTSTAMP:") }.allSatisfy { $0 == "DTSTAMP:20270111T000000Z" })
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 3)
    }

    @Test func calendarKeepsWallClockTimeAcrossDaylightSaving() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try Self.replacing(portal, "Content/programs/peer-circles.md", "timezone: Europe/London", "timezone: America/New_York")
        try Self.replacing(portal, "Content/programs/peer-circles.md", "start: 2027-01-11", "start: 2027-02-22")
        try Self.replacing(portal, "Content/programs/peer-circles.md", "meeting_time: \"12:30\"", "meeting_time: \"09:00\"")
        try Self.replacing(portal, "Content/programs/peer-circles.md", "sessions: 3", "sessions: 4")
        let model = try Self.model(portal)
        let b = model.programs[0]
        let u = try #require(b.match.units.firstIndex { $0.id == "ada--bo" })
        let ics = String(decoding: Pages(model: model).calendar(b, u), as: UTF8.self)
        // Ada and Bo both work in London: their slot is 14:00 London time (09:00 in New York
        // when the program starts). 8 and 22 March straddle the US change on 14 March, 22 March
        // and 5 April the UK one on 28 March: London's wall clock stays, New York's moves.
        #expect(b.slot(ofUnit: u)?.slot.description == "mon 14:00 Europe/London")
        #expect(ics.contains("DTSTART;TZID=America/New_York:20270308T090000"))
        #expect(ics.contains("DTSTART;TZID=America/New_York:20270322T100000"))
        #expect(ics.contains("DTSTART;TZID=America/New_York:20270405T090000"))
        #expect(ics.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"))
        let own = b.sessions(ofUnit: u)
        #expect(own[2].start - own[1].start == 14 * 86_400)
        #expect(own[3].start - own[2].start == 14 * 86_400 - 3600)
    }

    @Test func zoneWithoutTransitionsGetsOneObservance() {
        let zone = TimeZone(identifier: "Asia/Kolkata")!
        let start = LocalDate("2027-01-11")!.dayNumber * 86_400
        let lines = ICalendar.vtimezone(zone, from: start, to: start + 90 * 86_400)
        #expect(Array(lines.prefix(6)) == ["BEGIN:VTIMEZONE", "TZID:Asia/Kolkata", "BEGIN:STANDARD", "DTSTART:19700101T000000",
                                           "TZOFFSETFROM:+0530", "TZOFFSETTO:+0530"])
        #expect(lines.last == "END:VTIMEZONE")
        #expect(ICalendar.offset(-18_000) == "-0500")
        #expect(ICalendar.offset(20_700) == "+0545")
    }

    @Test func longTextIsEscapedAndFoldedOnCharacterBoundaries() {
        let text = "Café, “quotes”; back\\slash\nnew line — " + String(repeating: "ünïcødé ", count: 20)
        let line = "DESCRIPTION:" + ICalendar.escape(text)
        let folded = ICalendar.fold(line)
        let physical = folded.components(separatedBy: "\r\n")
        #expect(physical.count > 2)
        #expect(physical.allSatisfy { $0.utf8.count <= 75 })
        #expect(physical.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == line)
        #expect(line.contains("Café\\, “quotes”\\; back\\\\slash\\nnew line"))
        #expect(!line.contains("\n"))
    }
}
