import Foundation
import Testing
@testable import TandemKit

/// Pods: pairs grouped into pods that cover every pair once, kept in the lock, scheduled for
/// pod sessions and shown on the pod page, the agendas, the participant pages and calendars.
@Suite struct PodsTests {
    static func program(pods: Int = 2, sessions: Int = 6) -> String {
        RoundsTests.program()
            .replacingOccurrences(of: "format: pairs", with: "format: pairs\npods: \(pods)")
            .replacingOccurrences(of: "sessions: 3", with: "sessions: \(sessions)")
    }

    static let groupActivity = """
    ---
    title: Card Deck
    summary: Draw a card, answer its question.
    duration: 40m
    formats: [groups]
    prep: Bring a deck of cards.
    follow_up: Message one person in the group about their answer.
    ---
    Steps.
    """

    static func people(_ n: Int) -> [(String, Int)] { (0..<n).map { ("p\(String(format: "%02d", $0))", $0) } }

    static func portal(_ n: Int, pods: Int = 2, sessions: Int = 6) throws -> TestPortal {
        let portal = try RoundsTests.portal(people(n), program: program(pods: pods, sessions: sessions))
        try portal.write("Content/activities/card-deck.md", groupActivity)
        return portal
    }

    /// Every unit in exactly one pod, pods of `size` units (the remainder spread, so never more
    /// than 2 × size − 1), numbered 1…n.
    static func expectValid(_ m: ProgramMatch, size: Int) {
        let all = m.pods.flatMap(\.units).sorted()
        #expect(all == Array(m.units.indices), "every pair in exactly one pod")
        if m.units.count >= size {
            #expect(m.pods.allSatisfy { $0.units.count >= size && $0.units.count <= 2 * size - 1 }, "\(m.pods)")
        }
        #expect(Set(m.pods.map(\.number)).count == m.pods.count)
        for (k, pod) in m.pods.enumerated() { for u in pod.units { #expect(m.podOfUnit[u] == k) } }
    }

    @Test(arguments: [(4, 2), (9, 2), (14, 2), (17, 3), (26, 3), (30, 4)])
    func podsCoverEveryPairOnceAndRespectPodSize(people: Int, size: Int) throws {
        let portal = try Self.portal(people, pods: size)
        defer { portal.remove() }
        let m = try RoundsTests.analyse(portal)
        Self.expectValid(m, size: size)
        #expect(m.pods.count == max(1, m.units.count / size))
    }

    @Test func podsAreLockedAndReadBackUnchanged() throws {
        let portal = try Self.portal(12)
        defer { portal.remove() }
        let first = portal.build(now: RoundsTests.now)
        #expect(first.succeeded, "\(first.diagnostics)")
        let lock = try #require(portal.read(RoundsTests.lockPath))
        #expect(lock.components(separatedBy: "    pod: ").count - 1 == 6, "\(lock)")
        let before = portal.siteSnapshot()
        let again = portal.build(now: RoundsTests.now)
        #expect(again.locksWritten.isEmpty)
        #expect(portal.read(RoundsTests.lockPath) == lock)
        #expect(portal.siteSnapshot() == before, "pages must not depend on whether the lock was written or read")
        #expect(before.keys.contains("programs/peer-circles/pods/pod-1.html"))
        #expect(before.keys.contains("programs/peer-circles/pods/pod-3.html"))
    }

    @Test func hiddenRegroupingNeverHappens() throws {
        // A newcomer pair joins an existing pod; every other pair stays in its pod.
        let portal = try Self.portal(12)
        defer { portal.remove() }
        let before = try RoundsTests.analyse(portal)
        _ = portal.build(now: RoundsTests.now)
        let podOf = Self.podByMembers(before)
        try portal.write("Content/roster.yaml", RoundsTests.roster(Self.people(14)))
        let after = try RoundsTests.analyse(portal)
        Self.expectValid(after, size: 2)
        for (members, pod) in Self.podByMembers(after) where podOf[members] != nil {
            #expect(podOf[members] == pod, "\(members) moved from pod \(podOf[members]!) to \(pod)")
        }
        #expect(after.pods.count == before.pods.count + 1 || after.pods.contains { $0.units.count == 3 })
    }

    static func podByMembers(_ m: ProgramMatch) -> [[String]: Int] {
        var out: [[String]: Int] = [:]
        for pod in m.pods { for u in pod.units { out[m.units[u].members.map { m.people[$0].id }] = pod.number } }
        return out
    }

    @Test func handEditedPodNumbersAreKept() throws {
        let portal = try Self.portal(8)
        defer { portal.remove() }
        _ = portal.build(now: RoundsTests.now)
        var lock = try #require(portal.read(RoundsTests.lockPath))
        // Everyone in pod 7.
        for n in 1...4 { lock = lock.replacingOccurrences(of: "    pod: \(n)\n", with: "    pod: 7\n") }
        // The slots of pods 1 and 2 now name pods nobody is in: the build says so and goes on.
        try portal.write(RoundsTests.lockPath, lock)
        let report = portal.build(now: RoundsTests.now)
        #expect(report.succeeded, "\(portal.errors(report))")
        #expect(report.diagnostics.filter { $0.severity == .warning }.map(\.message).contains("no match in this round is in pod 1: its slot is not used"))
        for edited in [lock, PodSlotTests.withoutPodSlots(lock)] {
            try portal.write(RoundsTests.lockPath, edited)
            let m = try RoundsTests.analyse(portal)
            #expect(m.pods.map(\.number) == [7])
            #expect(m.pods[0].units == Array(m.units.indices))
        }
    }

    @Test func podScoreMixesDepartmentsAndLocationsWithinWorkableTimeZones() throws {
        // Four locked pairs: two all-Engineering in London, two all-Sales in Paris. Pods of two
        // should each mix an Engineering pair with a Sales pair.
        func person(_ id: String, _ dept: String, _ location: String, _ zone: String) -> String {
            TestPortal.person(id, id.capitalized, dept: dept, team: id, location: location, timezone: zone)
        }
        let roster = "participants:\n" + [
            person("e1", "Engineering", "London", "Europe/London"), person("e2", "Engineering", "London", "Europe/London"),
            person("e3", "Engineering", "London", "Europe/London"), person("e4", "Engineering", "London", "Europe/London"),
            person("s1", "Sales", "Paris", "Europe/Paris"), person("s2", "Sales", "Paris", "Europe/Paris"),
            person("s3", "Sales", "Paris", "Europe/Paris"), person("s4", "Sales", "Paris", "Europe/Paris"),
        ].joined(separator: "\n") + "\n"
        let lock = """
        program: peer-circles
        round: 1
        format: pairs
        locked: 2027-01-04
        matches:
          - members: [e1, e2]
          - members: [e3, e4]
          - members: [s1, s2]
          - members: [s3, s4]

        """
        let portal = try TestPortal([
            "Content/programs/peer-circles.md": Self.program(),
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster,
            RoundsTests.lockPath: lock,
        ])
        defer { portal.remove() }
        let m = try RoundsTests.analyse(portal)
        #expect(m.pods.count == 2)
        for pod in m.pods {
            let departments = Set(pod.units.flatMap { m.units[$0].members.map { m.people[$0].department } })
            #expect(departments == ["Engineering", "Sales"], "pod \(pod.number) does not mix: \(departments)")
        }
        // A wide time-zone gap outweighs the mixing.
        let far = try TestPortal([
            "Content/programs/peer-circles.md": Self.program(),
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster.replacingOccurrences(of: "timezone: Europe/Paris", with: "timezone: Asia/Tokyo")
                .replacingOccurrences(of: "location: Paris", with: "location: Tokyo"),
            RoundsTests.lockPath: lock,
        ])
        defer { far.remove() }
        let apart = try RoundsTests.analyse(far)
        for pod in apart.pods {
            let zones = Set(pod.units.flatMap { apart.units[$0].members.map { apart.people[$0].timezone } })
            #expect(zones.count == 1, "pod \(pod.number) spans \(zones)")
        }
    }

    @Test func podSessionsFallBetweenPairSessionsWithAGroupActivity() throws {
        let portal = try Self.portal(8)
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        let b = model.programs[0]
        #expect(b.sessions(ofPod: 0).count == 2)
        // Midway: halfway between sessions 3 and 4; at the end: half a cadence after session 6.
        // Each in the week of that date, at the time that suits the whole pod.
        func week(_ d: LocalDate) -> LocalDate { d.adding(days: -d.weekday) }
        #expect(week(b.sessions(ofPod: 0)[0].date) == week(b.sessions[2].date.adding(days: 7)))
        #expect(week(b.sessions(ofPod: 0)[1].date) == week(b.sessions[5].date.adding(days: 7)))
        // Group-only activities first, then the others that suit groups.
        #expect(b.sessions(ofPod: 0).map { $0.activity?.slug } == ["card-deck", "show-and-tell"])
        #expect(b.sessions(ofPod: 0).allSatisfy { $0.plan.reduce(0) { $0 + $1.minutes } == $0.minutes })
        #expect(b.sessions(ofPod: 0)[0].followUps.contains { $0.label == "Think about" })

        let short = try Self.portal(8, sessions: 3)
        defer { short.remove() }
        let c = try PagesTests.model(short).programs[0]
        #expect(c.sessions(ofPod: 0).count == 1)
        #expect(c.sessions(ofPod: 0)[0].start > c.match.units.indices.map { c.sessions(ofUnit: $0)[1].end }.max()!
                && c.sessions(ofPod: 0)[0].date < c.sessions[2].date)
    }

    @Test func pagesAndCalendarsNameThePod() throws {
        let portal = try Self.portal(8)
        defer { portal.remove() }
        let model = try PagesTests.model(portal)
        let b = model.programs[0]
        let pages = Pages(model: model)
        let pod = b.match.pods[0]
        let u = pod.units[0], other = pod.units[1]
        let otherNames = b.match.units[other].members.map { b.match.people[$0].name }

        let person = pages.person(b, b.match.units[u].members[0])
        let podInfo = try #require(person["pod"] as? ViewObject)
        #expect(podInfo["url"] as? String == "../pods/pod-\(pod.number).html")
        #expect(otherNames.allSatisfy { (podInfo["with"] as? String ?? "").contains($0) })
        let rows = try #require(person["sessions"] as? [ViewObject])
        #expect(rows.count == 8)
        #expect(rows.filter { $0["isPod"] as? Bool == true }.map { $0["number"] as? Int } == [1, 2])
        // In date order: six pair sessions with the pod sessions after the third and the sixth.
        #expect(rows.map { $0["isPod"] as? Bool == true } == [false, false, false, true, false, false, false, true])

        let agenda = pages.unit(b, u)
        let agendaRows = try #require(agenda["sessions"] as? [ViewObject])
        #expect(agendaRows.count == 8 && agendaRows[3]["isPod"] as? Bool == true)
        #expect(agendaRows[3]["plan"] != nil)

        let podPage = pages.pod(b, 0)
        #expect((podPage["units"] as? [ViewObject])?.count == 2)
        #expect((podPage["sessions"] as? [ViewObject])?.count == 2)

        let ics = String(decoding: pages.calendar(b, u), as: UTF8.self)
        let icsOther = String(decoding: pages.calendar(b, other), as: UTF8.self)
        #expect(ics.components(separatedBy: "BEGIN:VEVENT").count - 1 == 8)
        let podUID = "UID:peer-circles-r1-pod-\(pod.number)-1@tandem.invalid"
        #expect(ics.contains(podUID) && icsOther.contains(podUID), "the pod's units share the pod session's UID")
        for name in otherNames { #expect(ics.unfolded.contains("CN=\"\(name)\"")) }
        #expect(ics.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
    }

    @Test func participantPageShowsTheNextSessionFirstWithWhatToDoAfter() throws {
        let portal = try Self.portal(8)
        defer { portal.remove() }
        // 2027-02-10: sessions 1–3 are over, the first pod session (15 Feb) comes before session 4 (22 Feb).
        let model = try PagesTests.model(portal, now: 1_802_217_600)
        let b = model.programs[0]
        let page = Pages(model: model).person(b, 0)
        let next = try #require(page["next"] as? ViewObject)
        #expect(next["isPod"] as? Bool == true)
        #expect(next["localDate"] as? String == b.sessions(ofPod: 0)[0].date.longText)
        #expect((next["followUps"] as? [ViewObject])?.first?["label"] as? String == "After this session")
        let rows = try #require(page["sessions"] as? [ViewObject])
        #expect(rows.filter { $0["isNext"] as? Bool == true }.count == 1)

        let site = try Self.portal(8)
        defer { site.remove() }
        #expect(site.build(now: 1_802_217_600).succeeded)
        let html = try #require(site.read("Site/programs/peer-circles/people/p00.html"))
        let nextAt = try #require(html.range(of: "class=\"next\""))
        let peerAt = try #require(html.range(of: "class=\"peer\""))
        #expect(nextAt.lowerBound < peerAt.lowerBound, "the next session comes before the peer cards")
        #expect(html.contains("Your next pod session"))
    }

    @Test func auditJSONListsEveryPairInExactlyOnePod() throws {
        let portal = try Self.portal(10)
        defer { portal.remove() }
        let m = try RoundsTests.analyse(portal)
        let json = AuditJSON.render([m])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let program = try #require((object["programs"] as? [[String: Any]])?.first)
        let pods = try #require(program["pods"] as? [[[String]]])
        let pairs = pods.flatMap { $0 }.map { $0.sorted() }
        #expect(pairs.count == m.units.count && Set(pairs).count == pairs.count)
        #expect(Set(pairs) == Set(m.units.map { $0.members.map { m.people[$0].id }.sorted() }))
    }

    @Test func demoPortalHasPodsForPeerCircles() throws {
        var report = BuildReport()
        let matches = try #require(Pipeline.analyse(root: TemplateEngineTests.repoRoot, bag: DiagnosticBag(), report: &report, now: nil))
        let circles = try #require(matches.first { $0.program.slug == "peer-circles" })
        #expect(circles.program.pods == 2)
        Self.expectValid(circles, size: 2)
        #expect(circles.round.wasLocked && !circles.round.needsWrite, "the demo lock carries its pods")
        #expect(matches.filter { $0.program.slug != "peer-circles" }.allSatisfy { $0.pods.isEmpty })
    }

    @Test func podsAreOnlyForPairs() throws {
        let portal = try Self.portal(6)
        defer { portal.remove() }
        try PagesTests.replacing(portal, "Content/programs/peer-circles.md", "format: pairs", "format: groups\ngroup_size: 3")
        let report = portal.build()
        #expect(portal.errors(report).contains { $0.hasPrefix("Content/programs/peer-circles.md:") && $0.hasSuffix("'pods' is only for the pairs format") })
    }
}

extension String {
    /// An iCalendar text with its folded lines joined again.
    var unfolded: String { replacingOccurrences(of: "\r\n ", with: "") }
}
