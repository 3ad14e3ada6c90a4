import Foundation
import Testing
@testable import TandemKit

/// A pod's one slot: chosen once over the weeks of its pod sessions, kept by every pod session
/// (a session that cannot keep it moves within its week or is skipped, and says why), written
/// in the round's lock file under `pods:` and reused; hand edits are checked.
@Suite struct PodSlotTests {
    static let lockPath = RoundsTests.lockPath

    /// Eight people in London: four pairs, pods of two, six biweekly sessions from Monday
    /// 11 January 2027 at 12:30; pod sessions in the weeks of 15 February and 29 March.
    static func portal(portalExtra: String = "", people: Int = 8) throws -> TestPortal {
        let portal = try PodsTests.portal(people)
        if !portalExtra.isEmpty { try portal.write("Content/portal.yaml", "title: Test Portal\n" + portalExtra) }
        return portal
    }

    /// A lock file without its `pods:` list.
    static func withoutPodSlots(_ lock: String) -> String {
        var kept: [String] = []
        var inPods = false
        for line in lock.components(separatedBy: "\n") {
            if line.hasPrefix("pods:") { inPods = true; continue }
            if inPods && line.hasPrefix("  ") { continue }
            inPods = false
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    /// The model as a build sees it: lock files read, every program scheduled.
    static func model(_ portal: TestPortal) throws -> (SiteModel, DiagnosticBag) {
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = Pipeline.model(root: portal.root, bag: bag, report: &report, now: RoundsTests.now)
        #expect(!bag.hasErrors, "\(bag.diagnostics)")
        return (try #require(model), bag)
    }

    /// Weekday and minute of the day of an instant on `zone`'s clock, by Foundation's calendar.
    static func clock(_ instant: Int, _ zone: String) -> (weekday: Int, minute: Int) {
        let w = ScheduleTests.wall(instant, zone)
        return (w.weekday, w.minute)
    }

    /// The problems of one pod's sessions against its slot: a session that keeps neither the
    /// slot's weekday and time nor says why it moved, or that leaves its nominal week.
    static func slotProblems(_ b: BuiltProgram, _ k: Int) -> [String] {
        guard let choice = b.slot(ofPod: k) else { return ["pod \(b.match.pods[k].number) has no slot"] }
        var out: [String] = []
        let template = b.podTemplate
        for (j, s) in b.sessions(ofPod: k).enumerated() {
            let nominalWeek = template[j].date.adding(days: -template[j].date.weekday)
            if s.date.adding(days: -s.date.weekday) != nominalWeek { out.append("pod session \(s.number) left the week of \(nominalWeek)") }
            guard s.skipped == nil else { continue }
            // With no common slot, the second pod session takes the alternate one.
            let slot = j % 2 == 1 ? choice.alternate ?? choice.slot : choice.slot
            let c = clock(s.start, slot.zone)
            let onSlot = c.weekday == slot.weekday && c.minute == slot.minute
            if s.moved == nil && !onSlot { out.append("pod session \(s.number) is off the slot \(slot) without a reason") }
            if s.moved != nil && onSlot { out.append("pod session \(s.number) says it moved but keeps the slot") }
        }
        return out
    }

    @Test func everyPodSessionKeepsThePodsSlotAndAHolidayOrAwayWeekSaysWhy() throws {
        // 15 February is a holiday in London; Ada is away the whole week of 29 March.
        let portal = try Self.portal(portalExtra: "holidays: [{ date: 2027-02-15, locations: [London] }]\n")
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", portal.read("Content/roster.yaml")!.replacingOccurrences(
            of: "  - id: p00\n", with: "  - id: p00\n    away: [{ from: 2027-03-27, to: 2027-04-04 }]\n"))
        let (model, _) = try Self.model(portal)
        let b = model.programs[0]
        #expect(b.match.pods.count == 2)
        for k in b.match.pods.indices {
            #expect(Self.slotProblems(b, k).isEmpty, "\(Self.slotProblems(b, k))")
            let slot = try #require(b.slot(ofPod: k))
            #expect(slot.common && slot.alternate == nil)
            #expect(slot.slot.zone == "Europe/London" && slot.slot.weekday < 5)
        }
        // Every pod's first session is in the week of 15 February: on the slot unless the slot is
        // that Monday, which is a holiday for everyone, so the session moves and says so.
        let podOfAda = try #require(b.match.pods.indices.first { k in
            b.match.pods[k].units.contains { b.match.units[$0].members.contains { b.match.people[$0].id == "p00" } }
        })
        for k in b.match.pods.indices {
            let s = b.sessions(ofPod: k)
            let slot = try #require(b.slot(ofPod: k)).slot
            if slot.weekday == 0 {
                #expect(s[0].moved?.contains("a public holiday for") == true, "\(s[0])")
                #expect(s[0].date.description != "2027-02-15")
            } else {
                #expect(s[0].moved == nil)
            }
            if k == podOfAda {
                #expect(s[1].skipped == "No time that week suits everyone: P00 is away.", "\(String(describing: s[1].skipped))")
            } else {
                #expect(s[1].skipped == nil)
            }
        }
        // The pods' Monday slot is what the holiday moves: check the whole pod agrees on it.
        #expect(b.match.pods.indices.contains { try! #require(b.slot(ofPod: $0)).slot.weekday == 0 },
                "the pod slots are on Monday, the program's meeting day, so the holiday moves them")
        // Pages: the pod page shows the slot in each member's time; the moved session and the
        // skipped one say why; the calendar leaves the skipped one out.
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let pod = b.match.pods[podOfAda]
        let page = try #require(portal.read("Site/programs/peer-circles/pods/pod-\(pod.number).html"))
        let slot = try #require(b.slot(ofPod: podOfAda)).slot
        #expect(page.contains("<strong>When the pod meets:</strong> \(slot.spoken) (Europe/London) in the week of each pod session: \(WorkingWeek.clock(slot.minute)) for "))
        #expect(page.contains("Skipped: No time that week suits everyone: P00 is away."))
        if slot.weekday == 0 { #expect(page.contains("Moved from Monday 15 February 2027 at 12:30 (Europe/London): a public holiday for")) }
        let unit = pod.units[0]
        let file = "Site/programs/peer-circles/pairs/\(b.match.units[unit].members.map { b.match.people[$0].id }.joined(separator: "--")).ics"
        let ics = try #require(portal.read(file))
        #expect(ics.contains("UID:peer-circles-r1-pod-\(pod.number)-1@tandem.invalid"))
        #expect(!ics.contains("UID:peer-circles-r1-pod-\(pod.number)-2@tandem.invalid"), "a skipped pod session has no event")
        let person = try #require(portal.read("Site/programs/peer-circles/people/p00.html"))
        #expect(person.contains("The whole pod meets on ") && person.contains("at \(WorkingWeek.clock(slot.minute)) your time:"))
    }

    @Test func thePodSlotIsWrittenInPodOrderReadBackAndKeptAfterARosterChange() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let first = portal.build(now: RoundsTests.now)
        #expect(first.succeeded, "\(first.diagnostics)")
        let lock = try #require(portal.read(Self.lockPath))
        let (model, _) = try Self.model(portal)
        let b = model.programs[0]
        // One entry per pod, in pod order, each with the slot the pages use.
        let expected = "pods:                         # each pod's meeting slot, kept for all its pod sessions\n"
            + b.match.pods.indices.sorted { b.match.pods[$0].number < b.match.pods[$1].number }
            .map { "  - pod: \(b.match.pods[$0].number)\n    slot: \(b.slot(ofPod: $0)!.slot)\n" }.joined()
        #expect(lock.contains(expected), "\(lock)")
        // Read back, the lock is the same file: a second build writes nothing.
        #expect(portal.build(now: RoundsTests.now).locksWritten.isEmpty)
        let bag = DiagnosticBag()
        let (loaded, _) = Pipeline.load(portal.root, bag)
        let read = try #require(LockLoader.read(Self.lockPath, files: ContentFiles(root: portal.root), program: loaded.programs[0], round: 1,
                                                portal: loaded, bag: bag))
        #expect(LockWriter.render(read, title: "Peer Circles") == lock)
        #expect(read.pods.map(\.pod) == b.match.pods.map(\.number).sorted())

        // A hand-picked slot for pod 1 (Thursday 15:00), then two newcomers join: the pod keeps
        // its slot and its sessions; the lock still says so.
        let number = b.match.pods[0].number
        let old = try #require(b.slot(ofPod: 0)).slot
        let edited = lock.replacingOccurrences(of: "  - pod: \(number)\n    slot: \(old)\n", with: "  - pod: \(number)\n    slot: thu 15:00 Europe/London\n")
        #expect(edited != lock)
        try portal.write(Self.lockPath, edited)
        let (before, beforeBag) = try Self.model(portal)
        #expect(!beforeBag.diagnostics.contains { $0.message.contains("slot") }, "\(beforeBag.diagnostics)")
        let kept = before.programs[0].sessions(ofPod: 0).map(\.start)
        #expect(kept.allSatisfy { Self.clock($0, "Europe/London") == (3, 15 * 60) })
        try portal.write("Content/roster.yaml", RoundsTests.roster(PodsTests.people(10)))
        let changed = portal.build(now: RoundsTests.now)
        #expect(changed.succeeded && changed.locksWritten == [Self.lockPath], "\(changed.diagnostics)")
        let after = try #require(portal.read(Self.lockPath))
        #expect(after.contains("  - pod: \(number)\n    slot: thu 15:00 Europe/London\n"))
        #expect(after.contains("added: "), "the newcomers were matched")
        let (model2, _) = try Self.model(portal)
        let c = model2.programs[0]
        let k2 = try #require(c.match.pods.firstIndex { $0.number == number })
        #expect(c.slot(ofPod: k2)?.slot.description == "thu 15:00 Europe/London")
        #expect(c.sessions(ofPod: k2).map(\.start) == kept)
        for k in c.match.pods.indices { #expect(Self.slotProblems(c, k).isEmpty, "\(Self.slotProblems(c, k))") }
        #expect(c.match.pods.allSatisfy { pod in after.contains("  - pod: \(pod.number)\n    slot: ") }, "every pod, new ones too, has its slot")

        // Deleting the pods: list lets the build choose again (and writes the choice).
        let cut = Self.withoutPodSlots(after)
        #expect(!cut.contains("pods:"))
        try portal.write(Self.lockPath, cut)
        let rechosen = portal.build(now: RoundsTests.now)
        #expect(rechosen.locksWritten == [Self.lockPath])
        #expect(portal.read(Self.lockPath)?.contains("pods:") == true)
    }

    @Test func auditJSONGivesEachPodsSlot() throws {
        let portal = try Self.portal(people: 10)
        defer { portal.remove() }
        let (model, _) = try Self.model(portal)
        let m = model.programs[0].match
        let json = AuditJSON.render([m])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let program = try #require((object["programs"] as? [[String: Any]])?.first)
        let slots = try #require(program["pod_slots"] as? [[String: Any]])
        #expect(slots.map { $0["pod"] as? Int } == m.pods.map(\.number))
        #expect(slots.map { $0["slot"] as? String } == m.pods.indices.map { m.schedule.podSlots[$0]?.slot.description })
        #expect(slots.allSatisfy { $0["common_hours"] as? Bool == true && $0["alternate_slot"] is NSNull })
    }

    // MARK: hand edits, end to end through the command line

    /// Runs `tandem build` on the portal; its exit status and what it printed on stderr.
    static func runTandem(_ portal: TestPortal, _ arguments: [String] = ["build"]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try HardeningTests.tandemExecutable()
        process.arguments = arguments + [portal.root.path]
        process.environment = ["SOURCE_DATE_EPOCH": String(RoundsTests.now), "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `tandem match` prints a table without meeting slots: it schedules (and warns about
    /// slots) only with --json or --lock, which carry the slots.
    @Test func matchSchedulesOnlyWhenItsOutputCarriesSlots() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let table = try Self.runTandem(portal, ["match", "--verbose"])
        #expect(table.status == 0)
        #expect(table.stderr.contains("  match ") && !table.stderr.contains("  schedule "), "\(table.stderr)")
        for flags in [["--json"], ["--lock"]] {
            let run = try Self.runTandem(portal, ["match", "--verbose"] + flags)
            #expect(run.status == 0)
            #expect(run.stderr.contains("  schedule "), "\(flags): \(run.stderr)")
        }
    }

    /// The lock with pod `number`'s slot line replaced, and that line's 1-based number.
    static func editing(_ lock: String, pod number: Int, to text: String) throws -> (String, Int) {
        var lines = lock.components(separatedBy: "\n")
        let at = try #require(lines.firstIndex(of: "  - pod: \(number)")) + 1
        #expect(lines[at].hasPrefix("    slot: "))
        lines[at] = "    slot: \(text)"
        return (lines.joined(separator: "\n"), at + 1)
    }

    @Test func handEditedPodSlotsAreCheckedThroughTheCommandLine() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        #expect(try Self.runTandem(portal).status == 0)
        let lock = try #require(portal.read(Self.lockPath))
        let (model, _) = try Self.model(portal)
        let b = model.programs[0]
        let number = b.match.pods[0].number
        let names = b.match.pods[0].units.flatMap { b.match.units[$0].members.map { b.match.people[$0].name } }

        // Valid: the pod's sessions move to it, no warning, the edit is kept.
        let (valid, _) = try Self.editing(lock, pod: number, to: "wed 10:00 Europe/London")
        try portal.write(Self.lockPath, valid)
        let ok = try Self.runTandem(portal)
        #expect(ok.status == 0 && !ok.stderr.contains("slot"), "\(ok.stderr)")
        #expect(portal.read(Self.lockPath) == valid)
        let unit = b.match.pods[0].units[0]
        let ics = try #require(portal.read("Site/programs/peer-circles/pairs/\(b.match.units[unit].members.map { b.match.people[$0].id }.joined(separator: "--")).ics"))
        #expect(ics.contains("DTSTART;TZID=Europe/London:20270217T100000"), "the first pod session on Wednesday 17 February at 10:00")

        // Outside hours, and on a weekend: warnings at the slot line, naming every member.
        let (early, line) = try Self.editing(lock, pod: number, to: "tue 07:30 Europe/London")
        try portal.write(Self.lockPath, early)
        let warned = try Self.runTandem(portal)
        #expect(warned.status == 0)
        for name in names {
            #expect(warned.stderr.contains("\(Self.lockPath):\(line):11: warning: the slot 'tue 07:30 Europe/London' is outside working hours for \(name) (Tuesday 07:30 in Europe/London; their hours are 09:00-17:00)"),
                    "\(warned.stderr)")
        }
        let (weekend, _) = try Self.editing(lock, pod: number, to: "sun 10:00 Europe/London")
        try portal.write(Self.lockPath, weekend)
        let sunday = try Self.runTandem(portal)
        #expect(sunday.status == 0 && sunday.stderr.contains("warning: the slot 'sun 10:00 Europe/London' falls on a weekend for \(names[0])"), "\(sunday.stderr)")

        // Unparseable: an error at file:line:col with a hint, exit 1, nothing written.
        try FileManager.default.removeItem(at: portal.root.appendingPathComponent("Site"))
        let (bad, badLine) = try Self.editing(lock, pod: number, to: "funday 10:00 Europe/London")
        try portal.write(Self.lockPath, bad)
        let failed = try Self.runTandem(portal)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("\(Self.lockPath):\(badLine):11: error: unknown weekday 'funday' in the slot\n    note: weekdays: mon, tue, wed, thu, fri, sat, sun"), "\(failed.stderr)")
        #expect(!portal.exists("Site"))
        #expect(portal.read(Self.lockPath) == bad, "the lock file is left as it was")
    }

    @Test func podEntriesThatNameNoPodOrRepeatOneOrCarryUnknownKeysAreErrors() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let lock = try #require(portal.read(Self.lockPath))
        let lines = lock.components(separatedBy: "\n")
        let podsLine = try #require(lines.firstIndex(of: "pods:                         # each pod's meeting slot, kept for all its pod sessions")) + 1
        func check(_ text: String, _ expected: String) throws {
            try portal.write(Self.lockPath, text)
            let report = portal.build(now: RoundsTests.now)
            #expect(!report.succeeded)
            #expect(report.diagnostics.map(\.description).contains(expected), "\(report.diagnostics.map(\.description))")
        }
        // An unknown pod number (line podsLine + 1 is the first entry's "- pod:"): a warning,
        // and the build goes on without that slot.
        try portal.write(Self.lockPath, lock.replacingOccurrences(of: "  - pod: 1\n", with: "  - pod: 7\n"))
        let stale = portal.build(now: RoundsTests.now)
        #expect(stale.succeeded)
        #expect(stale.diagnostics.map(\.description).contains(
            "\(Self.lockPath):\(podsLine + 1):10: warning: no match in this round is in pod 7: its slot is not used\n    note: the pods are 1, 2; delete this entry or correct its number"),
            "\(stale.diagnostics.map(\.description))")
        try check(lock.replacingOccurrences(of: "  - pod: 2\n", with: "  - pod: 1\n"),
                  "\(Self.lockPath):\(podsLine + 3):10: error: pod 1 appears twice in 'pods'\n    note: first listed at \(Self.lockPath):\(podsLine + 1):10; keep one of them")
        let unknownKey = lock.replacingOccurrences(of: "  - pod: 1\n", with: "  - pod: 1\n    time: 10:00\n")
        try portal.write(Self.lockPath, unknownKey)
        let report = portal.build(now: RoundsTests.now)
        #expect(!report.succeeded)
        #expect(report.diagnostics.contains { $0.severity == .error && $0.location?.line == podsLine + 2 && $0.message.contains("'time'") },
                "\(report.diagnostics.map(\.description))")
    }

    @Test func aPodWithNoCommonHourIsWarnedExplainedAndNeverNamesAPrivateZone() throws {
        // Two pairs locked into one pod: one in Sydney, one in London (no shared working hour);
        // s2 keeps their time zone private.
        func person(_ id: String, _ location: String, _ zone: String, extra: String = "") -> String {
            TestPortal.person(id, id.uppercased() + " Person", dept: "D-" + id, team: id, location: location, timezone: zone, extra: extra)
        }
        let roster = "participants:\n" + [
            person("s1", "Sydney", "Australia/Sydney"), person("s2", "Sydney", "Australia/Sydney", extra: "    private: [timezone]\n"),
            person("l1", "London", "Europe/London"), person("l2", "London", "Europe/London"),
        ].joined(separator: "\n") + "\n"
        let lock = """
        program: peer-circles
        round: 1
        format: pairs
        locked: 2027-01-04
        matches:
          - members: [l1, l2]
            pod: 1
          - members: [s1, s2]
            pod: 1

        """
        let portal = try TestPortal([
            "Content/portal.yaml": "title: Test Portal\n",
            "Content/programs/peer-circles.md": PodsTests.program(),
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/activities/card-deck.md": PodsTests.groupActivity,
            "Content/roster.yaml": roster,
            Self.lockPath: lock,
        ])
        defer { portal.remove() }
        let report = portal.build(now: RoundsTests.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let warning = try #require(report.diagnostics.first { $0.message.hasPrefix("no common working hour for pod 1: ") }, "\(report.diagnostics)")
        #expect(warning.message.contains("L1 Person (Europe/London, 09:00-17:00)") && warning.message.contains("S1 Person (Australia/Sydney, 09:00-17:00)"))
        let (model, _) = try Self.model(portal)
        let b = model.programs[0]
        let choice = try #require(b.slot(ofPod: 0))
        // Two pod sessions: the second takes the alternate slot, so the early or late end
        // falls on the other city's people.
        let alternate = try #require(choice.alternate)
        #expect(!choice.common && b.sessions(ofPod: 0).count == 2)
        let burdened = Scheduler.evaluate(choice.slot, alternate: nil, Scheduler.podMembers(b.match.pods[0], of: b.match, portal: model.portal, holidays: []),
                                          meetings: .pod(b.podTemplate, program: b.program)).outside
        let other = Scheduler.evaluate(alternate, alternate: nil, Scheduler.podMembers(b.match.pods[0], of: b.match, portal: model.portal, holidays: []),
                                       meetings: .pod(b.podTemplate, program: b.program)).outside
        #expect(burdened != other, "the alternate asks the early or late end of others: \(burdened) \(other)")
        #expect(Self.slotProblems(b, 0).isEmpty, "\(Self.slotProblems(b, 0))")
        // The slot is never written in the private zone's name, and the pages never name it
        // for s2; the pod page explains the early or late hour.
        let written = try #require(portal.read(Self.lockPath))
        #expect(written.contains("pods:") && written.contains("    alternate_slot: \(alternate)\n"), "\(written)")
        let page = try #require(portal.read("Site/programs/peer-circles/pods/pod-1.html"))
        #expect(page.contains("There is no working hour the whole pod shares, so this is the time that asks least of everyone"))
        #expect(page.contains("the two pod sessions alternate"))
        // The next build reads both slots back from the lock file and keeps them.
        #expect(portal.build(now: RoundsTests.now).succeeded)
        #expect(portal.read(Self.lockPath) == written)
        #expect(try Self.model(portal).0.programs[0].slot(ofPod: 0)?.alternate == alternate)
        #expect(page.contains("for L1 and L2 in London") && page.contains("for S1 in Sydney") && !page.contains("S2 in"))
        #expect(!(try #require(portal.read("Site/programs/peer-circles/people/s2.html"))).contains("your time:"),
                "s2's page gives the pod's time in the program's zone, not as theirs")
    }
}
