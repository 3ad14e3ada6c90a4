import Foundation
import Testing
@testable import TandemKit

/// The outbox: which messages a build writes, their bytes, and the bad input around them.
/// (Delivery over SMTP is checked against a real server by Tests/messages/check_send.py.)
@Suite struct MessagesTests {
    static let settings = "title: Test Portal\ncontact: people@example.com\nbase_url: https://peers.example.com/\nmessages: true\n"

    /// Nine people in a pairs program that sits one out, with messages on.
    static func portal(settings: String = MessagesTests.settings, odd: String = "sit-out", extra: String = "") throws -> TestPortal {
        let portal = try RoundsTests.portal(RoundsTests.nine, program: RoundsTests.program(odd: odd)
            .replacingOccurrences(of: "session_length: 45m", with: "session_length: 45m\(extra)"))
        try portal.write("Content/portal.yaml", settings)
        return portal
    }

    /// Every file of the outbox with its bytes.
    static func outbox(_ portal: TestPortal) -> [String: Data] {
        let base = portal.root.appendingPathComponent("Outbox")
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: base.path)
        while let path = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path, isDirectory: &isDir), !isDir.boolValue {
                out[path] = FileManager.default.contents(atPath: base.appendingPathComponent(path).path)
            }
        }
        return out
    }

    static func text(_ data: Data?) -> String { data.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// A quoted-printable body decoded back to text (soft line breaks joined).
    static func decodeQP(_ text: String) -> String {
        var bytes: [UInt8] = []
        let u = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "="), i + 2 < u.count, let b = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                bytes.append(b)
                i += 3
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func introsForEveryMatchedPersonAndTheSitOutMessageForTheOneLeft() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let report = portal.build(now: RoundsTests.now)
        #expect(report.succeeded, "\(portal.errors(report))")
        #expect(report.messages == 9)
        let files = Self.outbox(portal)
        let m = try RoundsTests.analyse(portal)
        let satOut = try #require(m.unmatched.first { $0.satOut })
        let day = "2027-01-04"  // the day the round was locked
        for (i, p) in m.people.enumerated() {
            let path = i == satOut.person ? "\(day)/peer-circles/sat-out-\(p.id).eml" : "\(day)/peer-circles/intro-\(p.id).eml"
            let eml = Self.text(files[path])
            #expect(!eml.isEmpty, "\(path) missing")
            #expect(eml.contains("To: \"\(p.name)\" <\(p.email)>\r\n"))
            #expect(eml.contains("Message-ID: <tandem.peer-circles.r1.\(i == satOut.person ? "sat-out" : "intro").\(p.id)@peers.example.com>\r\n"))
            #expect(eml.contains("Date: Mon, 04 Jan 2027 09:00:00 +0000\r\n"))
            let body = Self.decodeQP(eml)
            #expect(body.contains("https://peers.example.com/programs/peer-circles/people/\(p.id).html"))
            if i == satOut.person {
                #expect(body.contains(satOut.reason))
                #expect(!eml.contains("text/calendar"))
            } else {
                let unit = m.units[m.unitsOf[i][0]]
                for j in unit.members where j != i { #expect(body.contains(m.people[j].name)) }
                // The unit's calendar, with its sessions, organizer and address.
                #expect(eml.contains("Content-Type: text/calendar; charset=utf-8; method=PUBLISH;\r\n name=\"peer-circles.ics\""))
                #expect(eml.contains("Content-Transfer-Encoding: base64"))
            }
            for line in eml.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78 || line.hasPrefix("Message-ID:"), "\(path): long line") }
        }
        let csv = Self.text(files["messages.csv"]).components(separatedBy: "\r\n")
        #expect(csv.first == "date,kind,program,id,name,email,subject,page_url")
        #expect(csv.count == 1 + 9 + 1)
        #expect(files[".tandem-outbox"] != nil)
        // Nothing of the outbox inside the site.
        #expect(!portal.exists("Site/Outbox"))
        // The report's CSV gains absolute page addresses; calendars gain URL, ORGANIZER and METHOD.
        let matches = try #require(portal.read("Site/programs/peer-circles/matches.csv"))
        #expect(matches.contains(",https://peers.example.com/programs/peer-circles/people/ada.html\r\n"))
        let unit = m.units[0]
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/\(unit.id).ics"))
        #expect(ics.contains("METHOD:PUBLISH\r\n"))
        #expect(ics.contains("ORGANIZER:mailto:people@example.com\r\n"))
        #expect(ics.contains("URL:https://peers.example.com/programs/peer-circles/pairs/"))
        #expect(!ics.contains("VALARM"))
    }

    @Test func theSameSourcesGiveByteIdenticalMessages() throws {
        let portal = try Self.portal(extra: "\nreminders: 2d")
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let first = Self.outbox(portal)
        #expect(portal.build(now: RoundsTests.now).succeeded)
        #expect(Self.outbox(portal) == first)
        // A second portal from the same sources, built elsewhere, gives the same bytes too.
        let twin = try Self.portal(extra: "\nreminders: 2d")
        defer { twin.remove() }
        try twin.write(RoundsTests.lockPath, try #require(portal.read(RoundsTests.lockPath)))
        #expect(twin.build(now: RoundsTests.now).succeeded)
        #expect(Self.outbox(twin) == first)
    }

    @Test func remindersComeTheGivenDaysBeforeEachSessionAndCalendarsRingThen() throws {
        let portal = try Self.portal(extra: "\nreminders: 2d")
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let files = Self.outbox(portal)
        let m = try RoundsTests.analyse(portal)
        // Three biweekly sessions from 2027-01-11: reminders on 01-09, 01-23 and 02-06.
        for (n, day) in ["2027-01-09", "2027-01-23", "2027-02-06"].enumerated() {
            for unit in m.units {
                for i in unit.members {
                    let path = "\(day)/peer-circles/reminder-\(m.people[i].id)-\(n + 1).eml"
                    let eml = Self.decodeQP(Self.text(files[path]))
                    #expect(eml.contains("Session \(n + 1) of 3"), "\(path)")
                    #expect(eml.contains("Before you meet: Pick something that matters to you."), "\(path)")
                    #expect(eml.contains("Message-ID: <tandem.peer-circles.r1.reminder.\(m.people[i].id).s\(n + 1)@peers.example.com>"))
                }
            }
        }
        let satOut = try #require(m.unmatched.first).person
        #expect(!files.keys.contains { $0.contains("reminder-\(m.people[satOut].id)-") })
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/\(m.units[0].id).ics"))
        #expect(ics.components(separatedBy: "TRIGGER:-P2D\r\n").count - 1 == 3)
    }

    /// A session skipped for a unit (someone is away all that week) has no reminder; the
    /// unit's other sessions still do.
    @Test func aSkippedSessionHasNoReminder() throws {
        let portal = try Self.portal(extra: "\nreminders: 2d")
        defer { portal.remove() }
        // Ada is away the whole week of session 2 (from Monday 2027-01-25).
        let roster = try #require(portal.read("Content/roster.yaml"))
        let ada = try #require(roster.range(of: "- id: ada\n"))
        let zone = try #require(roster.range(of: "    timezone: Europe/London\n", range: ada.upperBound..<roster.endIndex))
        try portal.write("Content/roster.yaml", roster.replacingCharacters(in: zone, with: "    timezone: Europe/London\n    away: [{ from: 2027-01-25, to: 2027-01-29 }]\n"))
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let files = Self.outbox(portal)
        let m = try RoundsTests.analyse(portal)
        let away = try #require(m.people.firstIndex { $0.id == "ada" })
        let u = try #require(m.unitsOf[away].first)
        let b = BuiltProgram(match: m)
        #expect(b.sessions(ofUnit: u)[1].skipped != nil, "session 2 is skipped for the unit")
        for i in m.units[u].members {
            let id = m.people[i].id
            #expect(files["2027-01-09/peer-circles/reminder-\(id)-1.eml"] != nil)
            #expect(!files.keys.contains { $0.hasSuffix("/reminder-\(id)-2.eml") }, "no reminder of the skipped session for \(id)")
            #expect(files["2027-02-06/peer-circles/reminder-\(id)-3.eml"] != nil)
        }
        // Everyone else is reminded of session 2.
        let other = try #require(m.units.indices.first { $0 != u })
        for i in m.units[other].members { #expect(files["2027-01-23/peer-circles/reminder-\(m.people[i].id)-2.eml"] != nil) }
    }

    @Test func nonASCIINamesAreEncodedWords() throws {
        #expect(MIME.mailbox("Zoë Ångström", "zoe@example.com") == "=?utf-8?b?Wm/DqyDDhW5nc3Ryw7Zt?= <zoe@example.com>")
        #expect(MIME.mailbox("Ada \"The\" Lovelace", "ada@example.com").hasPrefix("=?utf-8?b?"))
        #expect(MIME.encodedText("Plain subject") == "Plain subject")
        let long = String(repeating: "é", count: 60)
        let words = MIME.encodedWords(long).split(separator: " ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 })
        let decoded = words.map { w -> String in
            let b64 = w.dropFirst("=?utf-8?b?".count).dropLast(2)
            return String(decoding: Data(base64Encoded: String(b64))!, as: UTF8.self)
        }.joined()
        #expect(decoded == long)
    }

    @Test func quotedPrintableKeepsLinesShortAndRoundTrips() {
        let text = "Line with = sign and trailing space \nÜnïcödé " + String(repeating: "long ", count: 40) + "\n.dot"
        let qp = MIME.quotedPrintable(text)
        #expect(qp.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(Self.decodeQP(qp) == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(!qp.contains("=_"))
    }

    @Test func tidyKeepsOneBlankLineBetweenParagraphsAndEndsWithOneNewline() {
        #expect(MessageTheme.tidy("a\n\n\n b\n  \n\t\n") == "a\n\n b\n")
        #expect(MessageTheme.tidy("\n\na\n") == "\na\n")
        #expect(MessageTheme.tidy("  \n") == "\n")
        #expect(MessageTheme.tidy("Zoë\n\n\nÅ") == "Zoë\n\nÅ\n")
        // With CRLF, a Swift Character "\r\n" is not "\n": "a\r\n" is one line, then two blank ones become one.
        #expect(MessageTheme.tidy("a\r\n\n\nb\n\n") == "a\r\n\n\nb\n")
    }

    @Test func messagesNeedBaseURLAndContact() throws {
        let portal = try Self.portal(settings: "title: T\nmessages: true\n")
        defer { portal.remove() }
        let report = portal.build(now: RoundsTests.now)
        #expect(portal.errors(report) == [
            "Content/portal.yaml:2:11: 'messages: true' needs 'base_url', the address the site is published at",
            "Content/portal.yaml:2:11: 'messages: true' needs 'contact', the address messages are sent from",
        ])
        #expect(!portal.exists("Site") && !portal.exists("Outbox"))
    }

    @Test func theSenderMustBeAPlainAddress() throws {
        let portal = try Self.portal(settings: Self.settings.replacingOccurrences(of: "contact: people@example.com", with: "contact: People Team <people@example.com>"))
        defer { portal.remove() }
        #expect(portal.errors(portal.build(now: RoundsTests.now)) == [
            "Content/portal.yaml:2:10: 'contact' must be a plain address such as people@example.com when messages are on (it is their sender), found 'People Team <people@example.com>'",
        ])
    }

    @Test func baseURLMustBeAbsolute() throws {
        let portal = try Self.portal(settings: "title: T\nbase_url: /peers/\n")
        defer { portal.remove() }
        let report = portal.build(now: RoundsTests.now)
        #expect(portal.errors(report).count == 1)
        #expect(portal.errors(report).first?.hasPrefix("Content/portal.yaml:2:11: 'base_url' must be an absolute http:// or https:// address") == true)
    }

    @Test func badRemindersSetting() throws {
        let portal = try Self.portal(extra: "\nreminders: soon")
        defer { portal.remove() }
        let errors = portal.errors(portal.build(now: RoundsTests.now))
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Content/programs/peer-circles.md:") == true)
        #expect(errors.first?.contains("'reminders' must be a number of days") == true)
    }

    @Test func aMessageTemplateThatDoesNotParseIsAPositionedErrorAndNothingIsWritten() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        try portal.write("Templates/messages/intro.mustache", "Subject: Hi {{person.name}}\nHello\n{{#matches}}\nno end\n")
        let report = portal.build(now: RoundsTests.now)
        let errors = portal.errors(report)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Templates/messages/intro.mustache:") == true, "\(errors)")
        #expect(!portal.exists("Site") && !portal.exists("Outbox"))
    }

    @Test func aPortalTemplateOverridesTheBuiltInMessage() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        try portal.write("Templates/messages/sat-out.mustache", "Subject: Next time, {{person.firstName}}\nSee you in round 2.\n")
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let files = Self.outbox(portal)
        let satOut = try #require(files.first { $0.key.contains("/sat-out-") })
        #expect(Self.text(satOut.value).contains("Subject: Next time, "))
        #expect(Self.text(satOut.value).contains("See you in round 2.\r\n"))
    }

    @Test func anOutboxTandemDidNotWriteIsNeverReplaced() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        try portal.write("Outbox/notes.txt", "mine")
        let report = portal.build(now: RoundsTests.now)
        #expect(portal.errors(report).count == 1)
        #expect(portal.read("Outbox/notes.txt") == "mine")
        #expect(!portal.exists("Site"))
    }

    @Test func aRebuildReplacesTheOutboxAndDropsStaleMessages() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        try portal.write("Outbox/2027-01-04/peer-circles/intro-zed.eml", "stale")
        #expect(portal.build(now: RoundsTests.now).succeeded)
        #expect(!portal.exists("Outbox/2027-01-04/peer-circles/intro-zed.eml"))
        // The outbox before last is kept beside, as the folder the next build writes in.
        #expect(FileManager.default.fileExists(atPath: portal.root.appendingPathComponent(".Outbox.tandem-back/messages.csv").path))
        // It is the previous outbox (with the stale file), rewritten and cleaned by the next build.
        let back = Self.outbox(portal).mapValues { _ in Data() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        #expect(!FileManager.default.fileExists(atPath: portal.root.appendingPathComponent(".Outbox.tandem-back/2027-01-04/peer-circles/intro-zed.eml").path))
        #expect(Self.outbox(portal).mapValues { _ in Data() } == back)
        // Without messages, no outbox is written (and the old one is left alone).
        try portal.write("Content/portal.yaml", "title: T\n")
        #expect(portal.build(now: RoundsTests.now).succeeded)
        #expect(portal.exists("Outbox/messages.csv"))
    }

    @Test func anAddressSMTPCannotCarryGetsAWarningAndNoMessage() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "email: bo@example.com", with: "email: bö@example.com"))
        let report = portal.build(now: RoundsTests.now)
        #expect(report.succeeded)
        let warnings = report.diagnostics.filter { $0.message.hasPrefix("no messages for 'bo'") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.location?.file == "Content/roster.yaml")
        #expect(report.messages == 8)
        #expect(!Self.outbox(portal).keys.contains { $0.hasSuffix("-bo.eml") })
    }

    @Test func aRosterChangeChangesOnlyTheMessagesOfThePeopleConcerned() throws {
        // Ten people, pairs: everyone matched. Then one leaves and a newcomer joins a week later.
        let ten = RoundsTests.nine + [("jo", 9)]
        let portal = try RoundsTests.portal(ten, program: RoundsTests.program(odd: "sit-out"))
        defer { portal.remove() }
        try portal.write("Content/portal.yaml", Self.settings)
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let before = Self.outbox(portal)
        let m0 = try RoundsTests.analyse(portal)
        let leaver = m0.people[m0.units[0].members[0]].id
        let partner = m0.people[m0.units[0].members[1]].id
        try portal.write("Content/roster.yaml", RoundsTests.roster(ten + [("kim", 10)], leaving: [leaver]))
        #expect(portal.build(now: RoundsTests.now + 7 * 86_400).succeeded)
        let after = Self.outbox(portal)
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] && $0 != "messages.csv" }
        // The leaver's intro goes, the partner is told of their new match a week later, the
        // newcomer gets an intro that day; nobody else's message changes.
        #expect(changed == ["2027-01-04/peer-circles/intro-\(leaver).eml", "2027-01-04/peer-circles/intro-\(partner).eml",
                            "2027-01-11/peer-circles/new-partner-\(partner).eml", "2027-01-11/peer-circles/intro-kim.eml"])
        let message = Self.decodeQP(Self.text(after["2027-01-11/peer-circles/new-partner-\(partner).eml"]))
        #expect(message.contains("Message-ID: <tandem.peer-circles.r1.new-partner.\(partner).d20270111@peers.example.com>"))
        #expect(message.contains("Kim"))
        #expect(!message.contains(leaver.capitalized))
    }

    @Test func aGarbageSentLogIsAPositionedError() {
        let bag = DiagnosticBag()
        let log = SentLog.parse("# header\n2027-01-04 sent <a@b>\n2027-01-04 sent\n2027-13-01 sent <c@d>\n2027-01-04 maybe <e@f>\n2027-01-04 failed no-brackets\n2027-01-05 failed <g@h>\n",
                                file: "Content/sent/p.log", bag: bag)
        #expect(bag.sorted().map { "\($0.location!): \($0.message)" } == [
            "Content/sent/p.log:3:1: not a sent-log line: expected a date, 'sent' or 'failed', and a Message-ID",
            "Content/sent/p.log:4:1: not a date: '2027-13-01'",
            "Content/sent/p.log:5:12: expected 'sent' or 'failed', found 'maybe'",
            "Content/sent/p.log:6:19: not a Message-ID: 'no-brackets'",
        ])
        #expect(log.sent == ["<a@b>"])
        #expect(log.failed == ["<g@h>"])
    }

    @Test func sentLogsAreReadFromContentSent() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        try portal.write("Content/sent/peer-circles.log", SentLog.header + "2027-01-04 sent <x@y>\n2027-01-04 failed <z@y>\n2027-01-05 sent <z@y>\n")
        let bag = DiagnosticBag()
        let logs = SentLog.loadAll(root: portal.root, bag: bag)
        #expect(!bag.hasErrors)
        #expect(logs["peer-circles"]?.sent == ["<x@y>", "<z@y>"])
        #expect(logs["peer-circles"]?.failed == [])
        // The build does not mind the sent logs.
        let report = portal.build(now: RoundsTests.now)
        #expect(report.succeeded)
        #expect(!report.diagnostics.contains { $0.location?.file.hasPrefix("Content/sent") == true })
    }

    @Test func theOutboxReadsBackInSendOrder() throws {
        let portal = try Self.portal(extra: "\nreminders: 2d")
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let bag = DiagnosticBag()
        let files = OutboxFile.load(outbox: portal.root.appendingPathComponent("Outbox"), until: LocalDate("2027-01-09")!, bag: bag)
        #expect(!bag.hasErrors)
        #expect(files.count == 9 + 8)
        #expect(files.prefix(9).allSatisfy { $0.date == LocalDate("2027-01-04")! })
        #expect(files.prefix(8).allSatisfy { $0.kind == "intro" })
        #expect(files[8].kind == "sat-out")
        #expect(files.dropFirst(9).allSatisfy { $0.kind == "reminder" })
        #expect(files.allSatisfy { $0.from == "people@example.com" && $0.to.hasSuffix("@example.com") })
        #expect(Set(files.map(\.messageID)).count == files.count)
    }
}
