import Foundation
import Testing
@testable import TandemKit

/// Per-unit scheduling: every unit's own slot inside everyone's working week, nobody
/// double-booked, holidays and away dates, slots kept in and read back from lock files.
@Suite struct ScheduleTests {
    /// Zones with half-hour offsets, without daylight saving, and with changes in both hemispheres.
    static let zones = ["Asia/Kolkata", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
                        "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Africa/Lagos"]

    static func program(_ slug: String, format: String, cadence: String, start: String, sessions: Int, extra: String = "") -> String {
        """
        ---
        title: \(slug)
        summary: A program.
        format: \(format)
        start: \(start)
        cadence: \(cadence)
        sessions: \(sessions)
        session_length: 45m
        meeting_time: "10:00"
        timezone: Europe/London
        \(extra)agenda: [show-and-tell]
        ---
        Body.
        """
    }

    /// A random roster over many zones, enrolled in one or two programs.
    static func randomPortal(seed: UInt64, people: Int, cadence: String, twoPrograms: Bool) throws -> TestPortal {
        var rng = SplitMix(seed)
        var roster = "participants:\n"
        for k in 0..<people {
            let zone = zones[Int(rng.next() % UInt64(zones.count))]
            let hours = rng.next() % 4 == 0 ? "    working_hours: \"\(7 + Int(rng.next() % 4)):30-\(14 + Int(rng.next() % 5)):00\"\n" : ""
            let role = k % 3 == 0 ? "mentor" : "mentee"
            let programs = twoPrograms ? (rng.next() % 3 == 0 ? "[circles]" : "[circles, guidance]") : "[circles]"
            roster += """
              - id: p\(k)
                name: Person \(k)
                email: p\(k)@example.com
                department: D\(k % 5)
                team: T\(k % 7)
                location: L\(k % 4)
                timezone: \(zone)
                seniority: \(k % 3 == 0 ? 8 : 2)
                programs: \(programs)
            \(twoPrograms ? "    roles: { guidance: \(role) }\n    capacity: 2\n" : "")\(hours)
            """
        }
        var files = [
            "Content/portal.yaml": "title: Random\nholidays: [2027-03-01, { date: 2027-03-10, locations: [L1] }]\n",
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster,
            "Content/programs/circles.md": program("circles", format: "pairs", cadence: cadence, start: "2027-02-15", sessions: 6, extra: "pods: 2\n"),
        ]
        if twoPrograms {
            files["Content/programs/guidance.md"] = program("guidance", format: "mentoring", cadence: "monthly", start: "2027-02-22", sessions: 5)
        }
        return try TestPortal(files)
    }

    struct SplitMix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Weekday (0 = Monday) and minute of the day of an instant in a zone, by Foundation's calendar.
    static func wall(_ instant: Int, _ zone: String) -> (weekday: Int, minute: Int, day: Int, year: Int, month: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let c = calendar.dateComponents([.weekday, .hour, .minute, .day, .year, .month], from: Date(timeIntervalSince1970: TimeInterval(instant)))
        return ((c.weekday! + 5) % 7, c.hour! * 60 + c.minute!, c.day!, c.year!, c.month!)
    }

    static func inside(_ p: Participant, _ week: WorkingWeek, _ start: Int, minutes: Int) -> Bool {
        let a = wall(start, p.timezone), b = wall(start + minutes * 60 - 60, p.timezone)
        return a.weekday < 5 && week.days.contains(a.weekday) && a.day == b.day && a.minute >= week.start && b.minute + 1 <= week.end
    }

    static func onWeekend(_ p: Participant, _ start: Int, minutes: Int) -> Bool {
        wall(start, p.timezone).weekday >= 5 || wall(start + minutes * 60 - 60, p.timezone).weekday >= 5
    }

    /// Whether some quarter hour of the week around `instant` suits everyone.
    static func commonTimeExists(_ people: [Participant], _ portal: Portal, around instant: Int, minutes: Int) -> Bool {
        let from = instant - 4 * 86_400
        return stride(from: from, to: from + 8 * 86_400, by: 900).contains { t in
            people.allSatisfy { inside($0, portal.week(of: $0), t, minutes: minutes) }
        }
    }

    /// Checks the properties over a whole model; returns the problems found.
    static func problems(_ model: SiteModel, checkHours: Bool) -> [String] {
        var out: [String] = []
        var busy: [String: [(Int, Int, String)]] = [:]
        for b in model.programs {
            for (u, unit) in b.match.units.enumerated() {
                let people = unit.members.map { b.match.people[$0] }
                let sessions = b.sessions(ofUnit: u)
                #expect(sessions.count == b.program.sessions)
                for s in sessions where s.skipped == nil {
                    for p in people {
                        if onWeekend(p, s.start, minutes: s.minutes) { out.append("\(unit.id) session \(s.number) on a weekend for \(p.id)") }
                        busy[p.id, default: []].append((s.start, s.end, "\(b.program.slug)/\(unit.id)#\(s.number)"))
                    }
                    if checkHours, people.contains(where: { !inside($0, model.portal.week(of: $0), s.start, minutes: s.minutes) }),
                       commonTimeExists(people, model.portal, around: s.start, minutes: s.minutes) {
                        out.append("\(unit.id) session \(s.number) outside someone's hours although a common time exists")
                    }
                }
                if b.program.cadence == .monthly, let slot = b.slot(ofUnit: u)?.slot {
                    let kept = sessions.enumerated().filter { $0.element.moved == nil && $0.element.skipped == nil && $0.offset % 2 == 0 }
                    let nths = Set(kept.map { (wall($0.element.start, slot.zone).day - 1) / 7 })
                    let days = Set(kept.map { wall($0.element.start, slot.zone).weekday })
                    if nths.count > 1 || days.count > 1 { out.append("\(unit.id): monthly sessions change weekday or nth weekday: \(nths) \(days)") }
                }
            }
            for (k, pod) in b.match.pods.enumerated() {
                let ids = pod.units.flatMap { b.match.units[$0].members.map { b.match.people[$0].id } }
                let people = pod.units.flatMap { b.match.units[$0].members.map { b.match.people[$0] } }
                // One slot for every pod session, unless the session says why it moved.
                out += PodSlotTests.slotProblems(b, k)
                for s in b.sessions(ofPod: k) where s.skipped == nil {
                    for id in ids { busy[id, default: []].append((s.start, s.end, "\(b.program.slug)/pod-\(pod.number)#\(s.number)")) }
                    for id in ids where onWeekend(b.match.people.first { $0.id == id }!, s.start, minutes: s.minutes) {
                        out.append("pod \(pod.number) session \(s.number) on a weekend for \(id)")
                    }
                    if checkHours, b.slot(ofPod: k)?.common == true,
                       people.contains(where: { !inside($0, model.portal.week(of: $0), s.start, minutes: s.minutes) }) {
                        out.append("pod \(pod.number) session \(s.number) outside someone's hours although the pod has a common slot")
                    }
                }
            }
        }
        for (id, list) in busy {
            let sorted = list.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.0 < a.1 { out.append("\(id) double-booked: \(a.2) and \(b.2)") }
        }
        return out
    }

    @Test(arguments: [(1 as UInt64, "weekly"), (2, "biweekly"), (3, "monthly"), (4, "biweekly"), (5, "weekly")])
    func randomRostersInOneProgramMeetInsideEveryonesHours(seed: UInt64, cadence: String) throws {
        let portal = try Self.randomPortal(seed: seed, people: 26, cadence: cadence, twoPrograms: false)
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        #expect(model.programs[0].match.units.count >= 10)
        let found = Self.problems(model, checkHours: true)
        #expect(found.isEmpty, "\(found.prefix(10))")
    }

    @Test(arguments: [11 as UInt64, 12, 13])
    func randomRostersAcrossProgramsAndPodsAreNeverDoubleBooked(seed: UInt64) throws {
        let portal = try Self.randomPortal(seed: seed, people: 30, cadence: "weekly", twoPrograms: true)
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        #expect(model.programs.count == 2 && !model.programs[0].match.pods.isEmpty)
        let found = Self.problems(model, checkHours: false)
        #expect(found.isEmpty, "\(found.prefix(10))")
        // The same input gives the same slots.
        let again = try PagesTests.model(portal)
        for (b, c) in zip(model.programs, again.programs) {
            #expect(b.match.units.indices.map { b.sessions(ofUnit: $0).map(\.start) } == c.match.units.indices.map { c.sessions(ofUnit: $0).map(\.start) })
        }
    }

    @Test func monthlyKeepsTheNthWeekdayAndNeverAWeekend() {
        // 2027-01-30 is a Saturday: the first Tuesday after it is the fifth of February… no,
        // 2 February, the first Tuesday; every later session is the first Tuesday too.
        var program = TestPortal.parsedProgram()
        program.cadence = .monthly
        program.start = LocalDate("2027-01-30")!
        let slot = Slot(weekday: 1, minute: 15 * 60, zone: "Europe/London")
        let dates = (0..<6).map { Scheduler.date(ofSession: $0, slot: slot, program: program) }
        #expect(dates.map(\.description) == ["2027-02-02", "2027-03-02", "2027-04-06", "2027-05-04", "2027-06-01", "2027-07-06"])
        // A start on the fifth Tuesday of a month begins with the next month's first.
        program.start = LocalDate("2027-03-30")!
        #expect(Scheduler.date(ofSession: 0, slot: slot, program: program).description == "2027-04-06")
        program.start = LocalDate("2027-03-16")!
        #expect((0..<4).map { Scheduler.date(ofSession: $0, slot: slot, program: program).description } == ["2027-03-16", "2027-04-20", "2027-05-18", "2027-06-15"])
    }

    // MARK: end to end

    static func pairPortal(adaZone: String = "Europe/London", boZone: String = "Europe/London", portalExtra: String = "",
                           boExtra: String = "") throws -> TestPortal {
        let roster = "participants:\n" + [
            TestPortal.person("ada", "Ada Lovelace", dept: "Engineering", team: "Compilers", timezone: adaZone, skills: ["swift"], goals: ["negotiation"]),
            TestPortal.person("bo", "Bo Chen", dept: "Sales", team: "EMEA", timezone: boZone, skills: ["negotiation"], goals: ["swift"], extra: boExtra),
        ].joined(separator: "\n") + "\n"
        return try TestPortal([
            "Content/portal.yaml": "title: Test\n" + portalExtra,
            "Content/programs/peer-circles.md": TestPortal.program,
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster,
        ])
    }

    @Test func aHolidayMovesTheSessionWithinItsWeekAndAwayDatesSkipIt() throws {
        // Sessions on 11 and 25 January and 8 February 2027 (Mondays, 12:30 London).
        let portal = try Self.pairPortal(portalExtra: "holidays: [{ date: 2027-01-25, locations: [London] }]\n",
                                         boExtra: "    away: [{ from: 2027-02-06, to: 2027-02-14 }]\n")
        defer { portal.remove() }
        let report = portal.build(now: 1_790_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let model = try PagesTests.model(portal)
        let b = model.programs[0]
        let s = b.sessions(ofUnit: 0)
        #expect(s[0].date.description == "2027-01-11" && s[0].moved == nil && s[0].skipped == nil)
        #expect(s[1].date.description == "2027-01-26", "the nearest working day of the same week")
        #expect(s[1].moved?.contains("a public holiday for Ada") == true)
        #expect(s[2].skipped?.contains("Bo is away") == true)
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/ada--bo.ics"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270111T123000"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270126T123000"))
        #expect(!ics.contains("20270208T"), "a skipped session has no event")
        #expect(ics.components(separatedBy: "BEGIN:VEVENT").count - 1 == 2)
        let page = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(page.contains("Skipped: No time that week suits everyone: Bo is away."))
        #expect(page.contains("Moved from Monday 25 January 2027 at 12:30"))
    }

    @Test func noCommonSlotIsWarnedNamedAlternatedAndCounted() throws {
        // Sydney and London share no working hour in January (nor in July).
        let portal = try Self.pairPortal(adaZone: "Australia/Sydney", boZone: "Europe/London")
        defer { portal.remove() }
        let bag = DiagnosticBag()
        var report = BuildReport()
        let matches = try #require(Pipeline.analyse(root: portal.root, bag: bag, report: &report, now: 1_790_000_000))
        let warning = try #require(bag.diagnostics.first { $0.message.hasPrefix("no common working hour") })
        #expect(warning.message.contains("Ada Lovelace (Australia/Sydney, 09:00-17:00)") && warning.message.contains("Bo Chen (Europe/London, 09:00-17:00)"))
        #expect(warning.location?.file == "Content/programs/peer-circles.md")
        let choice = try #require(matches[0].schedule.slots[0])
        #expect(!choice.common && choice.alternate != nil)
        #expect(matches[0].schedule.withoutCommonSlot == 1)
        // The early or late end alternates: each of them is outside their hours on some session, not on all.
        let people = matches[0].units[0].members.map { matches[0].people[$0] }
        let sessions = matches[0].schedule.units[0]
        for p in people {
            let outside = sessions.filter { !Self.inside(p, .standard, $0.start, minutes: $0.minutes) }.count
            #expect(outside > 0 && outside < sessions.count, "\(p.id) outside on \(outside) of \(sessions.count)")
        }
        #expect(sessions.allSatisfy { s in people.allSatisfy { !Self.onWeekend($0, s.start, minutes: s.minutes) } })
        // Pages explain it, and the report counts it.
        let built = portal.build(now: 1_790_000_000)
        #expect(built.succeeded)
        let page = try #require(portal.read("Site/programs/peer-circles/people/bo.html"))
        #expect(page.contains("Your working hours do not overlap on any working day"))
        let reportPage = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(reportPage.contains("1 match has no common working hour"))
    }

    @Test func aPrivateTimeZoneNeverNamesTheSlot() throws {
        let portal = try Self.pairPortal(adaZone: "America/Chicago", boZone: "Asia/Tokyo",
                                         boExtra: "    private: [timezone]\n")
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", portal.read("Content/roster.yaml")!.replacingOccurrences(
            of: "    programs: [peer-circles]\n    skills: [swift]", with: "    programs: [peer-circles]\n    private: [timezone]\n    skills: [swift]"))
        let report = portal.build(now: 1_790_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(portal.read("Content/matches/peer-circles/round-1.yaml")?.contains("Europe/London") == true)
        for (path, data) in portal.siteSnapshot() {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("Asia/Tokyo") && !text.contains("America/Chicago"), "a private zone appears in \(path)")
        }
    }

    @Test func slotsAreLockedReusedAndHandEditsAreChecked() throws {
        let portal = try Self.pairPortal()
        defer { portal.remove() }
        #expect(portal.build(now: 1_790_000_000).succeeded)
        let lockPath = "Content/matches/peer-circles/round-1.yaml"
        let lock = try #require(portal.read(lockPath))
        #expect(lock.contains("    slot: mon 12:30 Europe/London\n"))
        // A second build changes nothing.
        let again = portal.build(now: 1_790_000_000)
        #expect(again.locksWritten.isEmpty)

        // A valid edit moves the sessions and is kept.
        try portal.write(lockPath, lock.replacingOccurrences(of: "slot: mon 12:30 Europe/London", with: "slot: wed 10:00 Europe/London"))
        let edited = portal.build(now: 1_790_000_000)
        #expect(edited.succeeded && !edited.diagnostics.contains { $0.message.contains("slot") }, "\(edited.diagnostics)")
        #expect(portal.read("Site/programs/peer-circles/pairs/ada--bo.ics")?.contains("DTSTART;TZID=Europe/London:20270113T100000") == true)
        #expect(portal.read(lockPath)?.contains("slot: wed 10:00 Europe/London") == true)

        // Outside hours, and on a weekend: warnings naming who.
        try portal.write(lockPath, lock.replacingOccurrences(of: "slot: mon 12:30 Europe/London", with: "slot: tue 07:30 Europe/London"))
        let early = portal.build(now: 1_790_000_000)
        #expect(early.succeeded)
        let earlyWarnings = early.diagnostics.filter { $0.severity == .warning }.map(\.description)
        #expect(earlyWarnings.contains { $0.contains("outside working hours for Ada Lovelace") && $0.hasPrefix("\(lockPath):") })
        #expect(earlyWarnings.contains { $0.contains("outside working hours for Bo Chen") })
        try portal.write(lockPath, lock.replacingOccurrences(of: "slot: mon 12:30 Europe/London", with: "slot: sat 10:00 Europe/London"))
        let weekend = portal.build(now: 1_790_000_000)
        #expect(weekend.diagnostics.contains { $0.message.contains("falls on a weekend for Ada Lovelace") })

        // Unparseable: an error at the slot's line and column, nothing written.
        try FileManager.default.removeItem(at: portal.root.appendingPathComponent("Site"))
        try portal.write(lockPath, lock.replacingOccurrences(of: "slot: mon 12:30 Europe/London", with: "slot: funday 12:30 Europe/London"))
        let bad = portal.build(now: 1_790_000_000)
        #expect(!bad.succeeded)
        let line = try #require(lock.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("slot:") }) + 1
        #expect(bad.diagnostics.map(\.description).contains("\(lockPath):\(line):11: error: unknown weekday 'funday' in the slot\n    note: weekdays: mon, tue, wed, thu, fri, sat, sun"))
        #expect(!portal.exists("Site"))
    }
}

extension TestPortal {
    /// The fixture program as the loader reads it.
    static func parsedProgram() -> Program {
        let portal = try! TestPortal.small()
        defer { portal.remove() }
        let loaded = PortalLoader.load(root: portal.root, bag: DiagnosticBag())
        return loaded.programs[0]
    }
}

extension ScheduleTests {
    @Test(arguments: PortalTemplate.all.map { $0.name })
    func startersMeetInsideEveryonesHoursWithNoWeekendAndNoDoubleBooking(name: String) throws {
        let template = try #require(PortalTemplate.named(name))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-starter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try Scaffold.create(template, at: root)
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = try #require(Pipeline.model(root: root, bag: bag, report: &report, now: 1_800_000_000))
        #expect(Self.problems(model, checkHours: true).isEmpty)
        for b in model.programs {
            for (u, unit) in b.match.units.enumerated() {
                for s in b.sessions(ofUnit: u) where s.skipped == nil {
                    for j in unit.members {
                        let p = b.match.people[j]
                        #expect(Self.inside(p, model.portal.week(of: p), s.start, minutes: s.minutes), "\(name): \(unit.id) session \(s.number) outside \(p.id)'s hours")
                    }
                }
            }
        }
    }
}
