import Foundation
import Testing
@testable import TandemKit

/// Rounds and locks: the first build locks a round, later builds reuse it, roster changes only
/// touch the people they concern, and a new round never repeats an earlier pair.
@Suite struct RoundsTests {
    static let lockPath = "Content/matches/peer-circles/round-1.yaml"
    /// 2027-01-04, so lock dates are fixed.
    static let now = 1_799_020_800

    static func program(round: Int = 1, odd: String = "trio", rules: String = "[not_manager, not_same_team]") -> String {
        TestPortal.program
            .replacingOccurrences(of: "session_length: 45m", with: "session_length: 45m\nround: \(round)\nodd: \(odd)")
            .replacingOccurrences(of: "rules: [not_manager, not_same_team]", with: "rules: \(rules)")
    }

    static let departments = ["Engineering", "Sales", "Finance", "Design", "Support"]
    static let topics = ["swift", "negotiation", "sql", "writing", "design", "finance", "hiring"]

    /// Someone with a department, team and topics that vary with `n`, so scores differ.
    static func person(_ id: String, _ n: Int, enrolled: Bool = true, timezone: String = "Europe/London") -> String {
        let dept = departments[n % departments.count]
        return TestPortal.person(id, id.capitalized, dept: dept, team: "\(dept)-\(n % 2)", timezone: timezone,
                                 skills: [topics[n % topics.count]], goals: [topics[(n * 3 + 1) % topics.count]],
                                 interests: [n % 3 == 0 ? "chess" : "running"])
            .replacingOccurrences(of: "programs: [peer-circles]", with: enrolled ? "programs: [peer-circles]" : "programs: []")
    }

    static func roster(_ people: [(String, Int)], leaving: Set<String> = []) -> String {
        "participants:\n" + people.map { person($0.0, $0.1, enrolled: !leaving.contains($0.0)) }.joined(separator: "\n") + "\n"
    }

    static let nine = ["ada", "bo", "cy", "dee", "eve", "fay", "gus", "hal", "ivy"].enumerated().map { ($1, $0) }

    static func portal(_ people: [(String, Int)], program: String = RoundsTests.program()) throws -> TestPortal {
        try TestPortal([
            "Content/portal.yaml": "title: Test Portal\n",
            "Content/programs/peer-circles.md": program,
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster(people),
        ])
    }

    static func analyse(_ portal: TestPortal) throws -> ProgramMatch {
        var report = BuildReport()
        let bag = DiagnosticBag()
        let matches = try #require(Pipeline.analyse(root: portal.root, bag: bag, report: &report, now: now))
        return try #require(matches.first)
    }

    /// Each person's partners, by id.
    static func partners(_ m: ProgramMatch) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for unit in m.units {
            let ids = unit.members.map { m.people[$0].id }
            for id in ids { out[id, default: []].formUnion(ids.filter { $0 != id }) }
        }
        return out
    }

    static func pairs(_ m: ProgramMatch) -> Set<[String]> {
        Set(m.units.flatMap { $0.pairScores.map { [m.people[$0.a].id, m.people[$0.b].id].sorted() } })
    }

    @Test func firstBuildLocksTheRoundAndLaterBuildsChangeNothing() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        let first = portal.build(now: Self.now)
        #expect(first.succeeded, "\(first.diagnostics)")
        #expect(first.locksWritten == [Self.lockPath])
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.hasPrefix("# Locked matches of \"Peer Circles\", round 1."))
        #expect(lock.contains("program: peer-circles\nround: 1\nformat: pairs\nlocked: 2027-01-04\nmatches:\n  - members: ["))
        let site = portal.siteSnapshot()

        let second = portal.build(now: Self.now)
        #expect(second.succeeded)
        #expect(second.locksWritten.isEmpty)
        #expect(portal.read(Self.lockPath) == lock)
        #expect(portal.siteSnapshot() == site, "a build that reads the lock must produce the pages of the build that wrote it")
    }

    @Test func lockedMatchesAreReusedVerbatimEvenWhenScoresWouldChooseOthers() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        // An admin swaps two partners by hand: the build keeps their choice.
        let m = try Self.analyse(portal)
        let units = m.units.filter { $0.kind == .pair }.prefix(2).map { $0.members.map { m.people[$0].id } }
        try #require(units.count == 2)
        var text = try #require(portal.read(Self.lockPath))
        text = text.replacingOccurrences(of: "[\(units[0].joined(separator: ", "))]", with: "[\([units[0][0], units[1][1]].sorted().joined(separator: ", "))]")
            .replacingOccurrences(of: "[\(units[1].joined(separator: ", "))]", with: "[\([units[1][0], units[0][1]].sorted().joined(separator: ", "))]")
        try portal.write(Self.lockPath, text)
        let after = try Self.analyse(portal)
        #expect(Self.partners(after)[units[0][0]] == [units[1][1]])
        #expect(!after.round.needsWrite)
    }

    @Test func aNewcomerGetsAMatchAndAtMostOneOtherPersonDoes() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let before = Self.partners(try Self.analyse(portal))

        try portal.write("Content/roster.yaml", Self.roster(Self.nine + [("zoe", 11)]))
        let report = portal.build(now: Self.now + 86_400 * 7)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(report.locksWritten == [Self.lockPath])
        let after = try Self.analyse(portal)
        let now = Self.partners(after)
        #expect(now["zoe"]?.isEmpty == false, "the newcomer is matched")
        // Nobody but the newcomer and at most one other gains a partner; nobody loses one except to the newcomer.
        let gained = now.filter { id, partners in id != "zoe" && !partners.subtracting(before[id] ?? []).isEmpty }.keys
        #expect(gained.count <= 1, "\(gained.sorted()) got new partners")
        let touched = Set(gained + ["zoe"]).union(now["zoe"] ?? [])
        for (id, partners) in before where !touched.contains(id) {
            #expect(now[id]?.subtracting(touched) == partners.subtracting(touched), "\(id) was reshuffled")
        }
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("updated: 2027-01-11"))
        #expect(lock.contains("added: 2027-01-11"))
        let page = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(page.contains("New matches"))
    }

    @Test func whenSomeoneLeavesTheirPartnerIsMatchedAgainAndNobodyElse() throws {
        let ten = Self.nine + [("zoe", 11)]
        let portal = try Self.portal(ten)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let first = try Self.analyse(portal)
        let before = Self.partners(first)
        let leaver = "cy"
        let partner = try #require(before[leaver]?.sorted().first)

        try portal.write("Content/roster.yaml", Self.roster(ten, leaving: [leaver]))
        let report = portal.build(now: Self.now + 86_400 * 7)
        #expect(report.succeeded, "\(report.diagnostics)")
        let after = try Self.analyse(portal)
        let now = Self.partners(after)
        #expect(now[leaver] == nil)
        #expect(now[partner]?.isEmpty == false, "\(partner) is matched again")
        #expect(now[partner]?.contains(leaver) == false)
        // Everyone else keeps their partners (one pair may take the partner in as a third).
        for (id, partners) in before where id != leaver && id != partner {
            #expect(now[id]?.subtracting([partner]) == partners.subtracting([leaver]), "\(id) was reshuffled")
        }
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("dissolved:\n  - members: ["))
        #expect(lock.contains("reason: \"'cy' left the program\"\n    on: 2027-01-11"))
        let page = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(page.contains("Dissolved matches"))
        #expect(page.contains("&#39;cy&#39; left the program") || page.contains("'cy' left the program"))
    }

    @Test func anUnknownIdInALockFileIsAnErrorAtItsLine() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let text = try #require(portal.read(Self.lockPath))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(lines.firstIndex { $0.hasPrefix("  - members: [") })
        let firstMember = lines[row].dropFirst(14).prefix { $0 != "," }
        var changed = lines
        changed[row] = "  - members: [zed" + lines[row].dropFirst(14 + firstMember.count)
        try portal.write(Self.lockPath, changed.joined(separator: "\n"))
        let site = portal.siteSnapshot()
        let report = portal.build(now: Self.now)
        #expect(!report.succeeded)
        #expect(portal.errors(report) == ["\(Self.lockPath):\(row + 1):15: unknown participant 'zed'"])
        #expect(report.diagnostics.first { $0.severity == .error }?.hint?.hasSuffix("if 'zed' has left, delete them here; their partners are matched again on the next build") == true)
        #expect(portal.siteSnapshot() == site, "a failed build leaves the site alone")

        // A near miss gets a suggestion.
        try portal.write(Self.lockPath, text.replacingOccurrences(of: "[ada,", with: "[adda,"))
        let typo = portal.build(now: Self.now)
        #expect(typo.diagnostics.first { $0.message == "unknown participant 'adda'" }?.hint?.hasPrefix("did you mean 'ada'? ") == true)
    }

    @Test func malformedLockFilesGivePositionedErrors() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        try portal.write(Self.lockPath, """
        program: peer-circles
        round: 2
        locked: 2027-01-04
        matches:
          - members: [ada, bo]
            kind: pear
          - members: [bo, cy]
        colour: blue

        """)
        let report = portal.build(now: Self.now)
        #expect(portal.errors(report) == [
            "\(Self.lockPath):2:8: this file is named round-1.yaml but says round 2",
            "\(Self.lockPath):6:11: unknown kind 'pear'",
            "\(Self.lockPath):7:15: 'bo' appears twice in this round",
            "\(Self.lockPath):8:1: unknown key 'colour' in a lock file",
        ])
        #expect(!portal.exists("Site"))
    }

    @Test func noLockIsWrittenWhenTheBuildFails() throws {
        let portal = try Self.portal(Self.nine)
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", Self.roster(Self.nine).replacingOccurrences(of: "    skills: [swift]", with: "    skils: [swift]"))
        let report = portal.build(now: Self.now)
        #expect(!report.succeeded)
        #expect(!portal.exists("Content/matches"))
    }

    @Test func roundTwoRepeatsNoPairOfRoundOne() throws {
        let portal = try Self.portal(Self.nine + [("zoe", 11)])
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let one = Self.pairs(try Self.analyse(portal))
        try portal.write("Content/programs/peer-circles.md", Self.program(round: 2))
        let report = portal.build(now: Self.now + 86_400 * 90)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(report.locksWritten == ["Content/matches/peer-circles/round-2.yaml"])
        let two = try Self.analyse(portal)
        #expect(Self.pairs(two).isDisjoint(with: one))
        #expect(two.round.repeats.isEmpty)
        #expect(two.round.earlierRounds == [1])
        #expect(portal.read(Self.lockPath) != nil, "round 1 stays as history")
    }

    @Test func aRepeatIsAllowedOnlyWhenNothingElseIsLeftAndSaysSo() throws {
        let two = [("ada", 0), ("bo", 1)]
        let portal = try Self.portal(two)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        try portal.write("Content/programs/peer-circles.md", Self.program(round: 2))
        let report = portal.build(now: Self.now)
        #expect(report.succeeded)
        let warning = try #require(report.diagnostics.first { $0.severity == .warning && $0.message.contains("meet again") })
        #expect(warning.message == "'ada' and 'bo' meet again in round 2 of 'peer-circles' (they were matched in round 1): 'ada' and 'bo' have no other allowed partner; the match loses \(ScoringTable.repeatPenalty) points")
        let m = try Self.analyse(portal)
        #expect(m.round.repeats.count == 1)
        #expect(m.units.first?.pairScores.first?.score.penalty ?? 0 > 0)
        let page = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(page.contains("<div><dt>Repeats of earlier rounds</dt><dd>1</dd></div>"))
    }

    @Test func whoSatOutBeforeIsNotChosenAgainUntilEveryoneHas() {
        let lock = RoundLock(program: "p", round: 1, format: .pairs, locked: LocalDate(dayNumber: 0), matches: [],
                             satOut: [LockedPerson(id: "bo", reason: "odd")], unmatched: [], dissolved: [], file: "x")
        var second = lock
        second.round = 2
        second.satOut = [LockedPerson(id: "ada", reason: "odd")]
        let index = ["ada": 0, "bo": 1, "cy": 2]
        #expect(RoundHistory([lock], index: index, count: 3).sitOutEligible == [true, false, true])
        #expect(RoundHistory([lock, second], index: index, count: 3).sitOutEligible == [false, false, true])
        second.satOut.append(LockedPerson(id: "cy", reason: "odd"))
        #expect(RoundHistory([lock, second], index: index, count: 3).sitOutEligible == [true, true, true])
    }

    @Test func roundTwoOfTheDemoPortalRepeatsNoPair() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let portal = try TestPortal([:])
        defer { portal.remove() }
        try FileManager.default.createDirectory(at: portal.root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repo.appendingPathComponent("Content"), to: portal.root.appendingPathComponent("Content"))
        try? FileManager.default.removeItem(at: portal.root.appendingPathComponent("Content/matches"))
        #expect(portal.build(now: Self.now).succeeded)
        var report = BuildReport()
        let first = try #require(Pipeline.analyse(root: portal.root, bag: DiagnosticBag(), report: &report, now: Self.now))
        for program in first.map(\.program) {
            let path = "Content/programs/\(program.slug).md"
            try portal.write(path, try #require(portal.read(path)).replacingOccurrences(of: "\nround: 1\n", with: "\nround: 2\n"))
        }
        let build = portal.build(now: Self.now + 86_400 * 120)
        #expect(build.succeeded, "\(build.diagnostics)")
        #expect(build.locksWritten.count == first.count)
        let second = try #require(Pipeline.analyse(root: portal.root, bag: DiagnosticBag(), report: &report, now: Self.now))
        for (one, two) in zip(first, second) {
            #expect(two.program.round == 2)
            let shared = Self.pairs(one).intersection(Self.pairs(two))
            // A pair may meet again only when one of them had no other option, and then it is counted.
            let needy = Set(two.round.repeatAllowed.map { two.people[$0].id })
            #expect(shared.allSatisfy { !needy.isDisjoint(with: $0) }, "\(two.program.slug): \(shared)")
            #expect(two.round.repeats.count == shared.count)
            if two.program.format != .mentoring { #expect(shared.isEmpty, "\(two.program.slug): \(shared)") }
        }
    }

    @Test func feasibilityWarningsNameTheRulesResponsible() throws {
        let program = Self.program(rules: "[not_manager, max_timezone_gap: 2h]")
        let people = [("ada", 0), ("bo", 1), ("cy", 2), ("dee", 3)]
        let roster = "participants:\n" + people.map { Self.person($0.0, $0.1, timezone: $0.0 == "dee" ? "America/Los_Angeles" : "Europe/Berlin") }.joined(separator: "\n") + "\n"
        let portal = try TestPortal([
            "Content/portal.yaml": "title: Test Portal\n",
            "Content/programs/peer-circles.md": program,
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/roster.yaml": roster,
        ])
        defer { portal.remove() }
        var report = BuildReport()
        let bag = DiagnosticBag()
        let matches = try #require(Pipeline.analyse(root: portal.root, bag: bag, report: &report, now: Self.now))
        Feasibility.warn(matches, bag: bag)
        let warnings = bag.sorted().filter { $0.severity == .warning && $0.message.hasPrefix("dee") }.map(\.message)
        #expect(warnings == ["dee: no allowed partner in 'peer-circles': all 3 candidates in Europe/Berlin excluded by max_timezone_gap: 2h"])
        #expect(bag.sorted().contains { $0.severity == .note && $0.message.contains("is not locked yet") })
    }
}
