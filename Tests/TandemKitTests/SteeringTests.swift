import Foundation
import Testing
@testable import TandemKit

/// Steering a running round (issue #19): pause and skip, ended matches, preferences, match
/// health. End to end through roster, lock files and built pages.
@Suite struct SteeringTests {
    static let lockPath = RoundsTests.lockPath
    static let now = RoundsTests.now
    static let week = 86_400 * 7
    static let ten = RoundsTests.nine + [("zoe", 11)]

    /// A roster of `people`, each entry followed by its extra lines (already indented).
    static func roster(_ people: [(String, Int)], extra: [String: String] = [:], leaving: Set<String> = []) -> String {
        "participants:\n" + people.map { id, n in
            RoundsTests.person(id, n, enrolled: !leaving.contains(id)) + (extra[id].map { "    " + $0.replacingOccurrences(of: "\n", with: "\n    ") + "\n" } ?? "")
        }.joined(separator: "\n") + "\n"
    }

    static func portal(_ people: [(String, Int)], extra: [String: String] = [:], program: String = RoundsTests.program()) throws -> TestPortal {
        let p = try RoundsTests.portal(people, program: program)
        try p.write("Content/roster.yaml", roster(people, extra: extra))
        return p
    }

    /// A person's page: by id, or in an unlisted portal by its greeting (names are the ids capitalised).
    static func page(_ portal: TestPortal, _ id: String) throws -> String {
        if let page = portal.read("Site/programs/peer-circles/people/\(id).html") { return page }
        let site = siteText(portal)
        let path = try #require(site.keys.first { $0.hasPrefix("programs/peer-circles/people/") && $0.hasSuffix(".html") && site[$0]!.contains("<h1>Hello, \(id.capitalized)</h1>") })
        return site[path]!
    }

    /// The program's admin report (named with a key in an unlisted portal).
    static func report(_ portal: TestPortal) throws -> String {
        let site = siteText(portal)
        let path = try #require(site.keys.first { $0.hasPrefix("programs/peer-circles/report") && $0.hasSuffix(".html") })
        return site[path]!
    }

    /// Makes the portal unlisted: unguessable page addresses, pages only for those concerned.
    static func unlist(_ portal: TestPortal) throws {
        try portal.write("secret.txt", "a secret of more than sixteen characters\n")
        try portal.write("Content/portal.yaml", "title: Test Portal\nunlisted: true\nurl_secret_file: secret.txt\n")
    }

    /// Every file of the built site, as text.
    static func siteText(_ portal: TestPortal) -> [String: String] {
        portal.siteSnapshot().mapValues { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: pause and skip

    @Test func aPausedPersonIsNotMatchedAndTheirPageAndLockSaySo() throws {
        let portal = try Self.portal(Self.ten, extra: ["ada": "pause: true"])
        defer { portal.remove() }
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let m = try RoundsTests.analyse(portal)
        let partners = RoundsTests.partners(m)
        #expect(partners["ada"] == nil)
        #expect(partners.count == 9, "everyone else is matched: \(partners.keys.sorted())")
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("paused:\n  - id: ada\n    reason: \"you asked to pause matching"))
        #expect(!lock.contains("unmatched:"))
        let page = try Self.page(portal, "ada")
        #expect(page.contains("You are paused: you asked to pause matching"))
        #expect(!page.contains("No match this round"))
        let admin = try #require(portal.read("Site/programs/peer-circles/report.html"))
        #expect(admin.contains("<dt>Paused</dt><dd>1</dd>"))
        #expect(admin.contains("Paused (1)"))
        // A second build reads the lock back and changes nothing.
        let site = portal.siteSnapshot()
        let again = portal.build(now: Self.now)
        #expect(again.locksWritten.isEmpty)
        #expect(portal.siteSnapshot() == site)
    }

    @Test func pausingMidRoundFreesThePartnerWithoutBlameAndComingBackMatchesAsANewcomer() throws {
        let portal = try Self.portal(Self.ten)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let before = RoundsTests.partners(try RoundsTests.analyse(portal))
        let resting = "cy"
        let partner = try #require(before[resting]?.sorted().first)

        try portal.write("Content/roster.yaml", Self.roster(Self.ten, extra: [resting: "pause: true"]))
        let paused = portal.build(now: Self.now + Self.week)
        #expect(paused.succeeded, "\(paused.diagnostics)")
        #expect(paused.locksWritten == [Self.lockPath])
        let during = RoundsTests.partners(try RoundsTests.analyse(portal))
        #expect(during[resting] == nil)
        #expect(during[partner]?.isEmpty == false, "\(partner) is matched again")
        for (id, partners) in before where id != resting && id != partner {
            #expect(during[id]?.subtracting([partner]) == partners.subtracting([resting]), "\(id) was reshuffled")
        }
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("paused:\n  - id: \(resting)\n"))
        #expect(lock.contains("reason: \"'\(resting)' paused\""))
        // The partner's page never names why their match changed.
        let partnerPage = try Self.page(portal, partner)
        #expect(!partnerPage.contains("paused"))
        #expect(try Self.page(portal, resting).contains("You are paused:"))

        // Back again: matched with whoever is free, nobody else reshuffled.
        try portal.write("Content/roster.yaml", Self.roster(Self.ten))
        let back = portal.build(now: Self.now + 2 * Self.week)
        #expect(back.succeeded, "\(back.diagnostics)")
        let after = RoundsTests.partners(try RoundsTests.analyse(portal))
        #expect(after[resting]?.isEmpty == false, "back from a pause, \(resting) is matched again")
        let touched = Set([resting]).union(after[resting] ?? [])
        for (id, partners) in during where !touched.contains(id) {
            #expect(after[id]?.subtracting(touched) == partners.subtracting(touched), "\(id) was reshuffled")
        }
        let relock = try #require(portal.read(Self.lockPath))
        #expect(!relock.contains("paused:"))
        #expect(!(try Self.page(portal, resting)).contains("You are paused"))
    }

    @Test func someoneAwayForMostOfTheRoundIsNotMatchedInIt() throws {
        // Sessions on 2027-01-11, 01-25 and 02-08: ada is away for two, bo for one.
        let portal = try Self.portal(Self.ten, extra: ["ada": "away: [{ from: 2027-01-05, to: 2027-01-30 }]",
                                                       "bo": "away: [{ from: 2027-01-20, to: 2027-01-27 }]"])
        defer { portal.remove() }
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let partners = RoundsTests.partners(try RoundsTests.analyse(portal))
        #expect(partners["ada"] == nil)
        #expect(partners["bo"]?.isEmpty == false, "away for one session of three: matched")
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("paused:\n  - id: ada\n    reason: \"you are away for 2 of the 3 sessions of this round"))
        #expect(try Self.page(portal, "ada").contains("You are paused: you are away for 2 of the 3 sessions of this round, so you are matched again when you are back."))
        // The next round's sessions are free of the away dates: matched again.
        try portal.write("Content/programs/peer-circles.md", RoundsTests.program(round: 2).replacingOccurrences(of: "start: 2027-01-11", with: "start: 2027-03-01"))
        #expect(portal.build(now: Self.now + 8 * Self.week).succeeded)
        #expect(RoundsTests.partners(try RoundsTests.analyse(portal))["ada"]?.isEmpty == false)
    }

    @Test func skipRoundsSkipsOnlyTheNamedRound() throws {
        let portal = try Self.portal(Self.ten, extra: ["bo": "skip_rounds: { peer-circles: [1] }", "cy": "skip_rounds: { peer-circles: [2, 3] }"])
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let m = try RoundsTests.analyse(portal)
        let partners = RoundsTests.partners(m)
        #expect(partners["bo"] == nil)
        #expect(partners["cy"]?.isEmpty == false)
        #expect(try Self.page(portal, "bo").contains("You are paused: you asked to skip round 1 of this program."))
        // Round 2: bo is back, cy skips.
        try portal.write("Content/programs/peer-circles.md", RoundsTests.program(round: 2))
        let two = portal.build(now: Self.now + 8 * Self.week)
        #expect(two.succeeded, "\(two.diagnostics)")
        let next = RoundsTests.partners(try RoundsTests.analyse(portal))
        #expect(next["bo"]?.isEmpty == false)
        #expect(next["cy"] == nil)
        let lock = try #require(portal.read("Content/matches/peer-circles/round-2.yaml"))
        #expect(lock.contains("paused:\n  - id: cy\n    reason: \"you asked to skip round 2 of this program\""))
    }

    @Test(arguments: [
        ("skip_rounds: { peer-circlez: [2] }", "error: unknown program 'peer-circlez' in 'skip_rounds'", "did you mean 'peer-circles'?"),
        ("skip_rounds: { peer-circles: [two] }", "error: rounds to skip must be whole numbers from 1", "skip_rounds: { peer-circles: [3] }"),
        ("skip_rounds: { peer-circles: [1.5] }", "error: rounds to skip must be whole numbers from 1", "as a list"),
        ("prefer: [bob]", "error: unknown participant 'bob' in 'prefer'", "did you mean 'bo'?"),
        ("pause: maybe", "error: 'pause' must be true or false", nil),
    ] as [(String, String, String?)])
    func badRosterSteeringIsAPositionedError(line: String, message: String, hint: String?) throws {
        let portal = try Self.portal(RoundsTests.nine, extra: ["ada": line])
        defer { portal.remove() }
        let report = portal.build(now: Self.now)
        #expect(!report.succeeded)
        let rendered = report.diagnostics.map { $0.description }.joined(separator: "\n")
        #expect(rendered.contains("Content/roster.yaml:"), "\(rendered)")
        #expect(rendered.contains(message), "\(rendered)")
        if let hint { #expect(rendered.contains(hint), "\(rendered)") }
        #expect(!portal.exists("Site"))
        #expect(!portal.exists(Self.lockPath))
    }

    // MARK: ended matches

    static let secret = "Private-reason-Q7 did not meet three times"

    /// Appends an `ended:` entry for `members` to the round's lock file.
    static func end(_ portal: TestPortal, _ members: [String], on: String = "2027-01-18", rematch: Bool = true, path: String = lockPath) throws {
        let text = try #require(portal.read(path))
        try portal.write(path, text + "ended:\n  - members: [\(members.joined(separator: ", "))]\n    on: \(on)\n    reason: \"\(secret)\"\n    rematch: \(rematch)\n")
    }

    /// A locked pair (not a trio) of the current lock, by ids.
    static func aPair(_ m: ProgramMatch) throws -> [String] {
        try #require(m.units.first { $0.kind == .pair }).members.map { m.people[$0].id }
    }

    @Test func anEndedMatchIsRematchedWithoutTouchingOtherUnitsAndItsReasonStaysInTheReport() throws {
        let portal = try Self.portal(Self.ten)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let first = try RoundsTests.analyse(portal)
        let before = RoundsTests.partners(first)
        let pair = try Self.aPair(first)
        try Self.end(portal, pair)
        let report = portal.build(now: Self.now + 2 * Self.week)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(report.locksWritten == [Self.lockPath])
        let after = RoundsTests.partners(try RoundsTests.analyse(portal))
        for id in pair {
            #expect(after[id]?.isEmpty == false, "\(id) is matched again")
            #expect(after[id]?.isDisjoint(with: pair) == true, "the ended pair is not matched together again")
        }
        // Units without the ended pair are kept, except one that takes a member in.
        let touched = Set(pair).union(pair.flatMap { after[$0] ?? [] })
        for (id, partners) in before where !touched.contains(id) {
            #expect(after[id] == partners, "\(id) was reshuffled")
        }
        let lock = try #require(portal.read(Self.lockPath))
        #expect(lock.contains("ended:"))
        #expect(lock.contains("reason: \"\(Self.secret)\"\n    rematch: true"))
        #expect(lock.contains("reason: \"ended on 2027-01-18\""))
        #expect(!lock.contains("  - members: [\(pair.joined(separator: ", "))]\n    kind:"), "the ended match left 'matches'")
        // The reason is in the admin report and nowhere else: no page, calendar or CSV.
        let site = Self.siteText(portal)
        #expect(site["programs/peer-circles/report.html"]?.contains(Self.secret) == true)
        let leaks = site.filter { $0.key != "programs/peer-circles/report.html" && ($0.value.contains(Self.secret) || $0.value.contains("Private-reason-Q7")) }.keys
        #expect(leaks.isEmpty, "the ended reason leaked into \(leaks.sorted())")
        #expect(site.keys.contains { $0.hasSuffix(".ics") } && site.keys.contains("programs/peer-circles/matches.csv"))
        // A second build reads the lock back and changes nothing.
        let snapshot = portal.siteSnapshot()
        #expect(portal.build(now: Self.now + 2 * Self.week).locksWritten.isEmpty)
        #expect(portal.siteSnapshot() == snapshot)
    }

    @Test func anEndedPairIsNeverMatchedAgainEvenWithoutNotPreviousPartner() throws {
        let people = Array(Self.ten.prefix(4))
        let portal = try Self.portal(people, program: RoundsTests.program(rules: "[not_manager]"))
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let pair = try Self.aPair(try RoundsTests.analyse(portal))
        try Self.end(portal, pair)
        #expect(portal.build(now: Self.now + 2 * Self.week).succeeded)
        for round in 2...3 {
            try portal.write("Content/programs/peer-circles.md", RoundsTests.program(round: round, rules: "[not_manager]"))
            let report = portal.build(now: Self.now + round * 8 * Self.week)
            #expect(report.succeeded, "\(report.diagnostics)")
            let m = try RoundsTests.analyse(portal)
            let table = try #require(m.table)
            let (a, b) = (try #require(m.people.firstIndex { $0.id == pair[0] }), try #require(m.people.firstIndex { $0.id == pair[1] }))
            #expect(table.violatedRule(a, b) == "ended")
            #expect(RoundsTests.partners(m)[pair[0]]?.contains(pair[1]) != true, "round \(round) matched the ended pair again")
        }
    }

    @Test func aLaterLockThatPutsAnEndedPairBackTogetherIsWarnedAbout() throws {
        let people = Array(Self.ten.prefix(4))
        let portal = try Self.portal(people, program: RoundsTests.program(rules: "[not_manager]"))
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let pair = try Self.aPair(try RoundsTests.analyse(portal))
        try Self.end(portal, pair)
        #expect(portal.build(now: Self.now + Self.week).succeeded)
        try portal.write("Content/programs/peer-circles.md", RoundsTests.program(round: 2, rules: "[not_manager]"))
        #expect(portal.build(now: Self.now + 8 * Self.week).succeeded)
        // An admin puts the ended pair together again by hand.
        let path = "Content/matches/peer-circles/round-2.yaml"
        let others = people.map(\.0).filter { !pair.contains($0) }.sorted()
        var text = try #require(portal.read(path))
        text = text.replacingOccurrences(of: #"  - members: \[[a-z, ]+\]"#, with: "  - members: [X]", options: .regularExpression)
        text = text.replacingOccurrences(of: "  - members: [X]", with: "  - members: [\(pair.joined(separator: ", "))]", range: text.range(of: "  - members: [X]"))
        text = text.replacingOccurrences(of: "  - members: [X]", with: "  - members: [\(others.joined(separator: ", "))]")
        try portal.write(path, text)
        let warnings = Self.check(portal)
        #expect(warnings.contains { $0.contains("locked match \(pair.joined(separator: " + ")) breaks an ended match") }, "\(warnings)")
    }

    @Test func withoutRematchTheMembersWaitForTheNextRound() throws {
        let portal = try Self.portal(Self.ten)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let pair = try Self.aPair(try RoundsTests.analyse(portal))
        try Self.end(portal, pair, rematch: false)
        #expect(portal.build(now: Self.now + 2 * Self.week).succeeded)
        let after = RoundsTests.partners(try RoundsTests.analyse(portal))
        for id in pair {
            #expect(after[id] == nil)
            let page = try Self.page(portal, id)
            #expect(page.contains("your match ended after round 1 was locked; you are matched again next round"))
            #expect(!page.contains("Private-reason-Q7"))
        }
        // Stable: the next build keeps them out and writes nothing.
        #expect(portal.build(now: Self.now + 3 * Self.week).locksWritten.isEmpty)
    }

    @Test(arguments: [
        ("  - members: [ada, zed]\n    on: 2027-01-18\n", "error: unknown participant 'zed' in an ended match", nil),
        ("  - members: [ada, bo]\n    reason: x\n", "error: an ended match needs 'on'", "add 'on: YYYY-MM-DD'"),
        ("  - members: [ada, bo]\n    on: 2026-12-01\n", "error: an ended match cannot end on 2026-12-01, before the round was locked (2027-01-04)", "on or after 2027-01-04"),
        ("  - members: [ada, bo]\n    on: 2027-01-18\n    rematch: perhaps\n", "error: 'rematch' must be true or false", nil),
    ] as [(String, String, String?)])
    func badEndedEntriesArePositionedErrors(entry: String, message: String, hint: String?) throws {
        let portal = try Self.portal(RoundsTests.nine)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let site = portal.siteSnapshot()
        let lock = try #require(portal.read(Self.lockPath))
        try portal.write(Self.lockPath, lock + "ended:\n" + entry)
        let report = portal.build(now: Self.now + Self.week)
        #expect(!report.succeeded)
        let rendered = report.diagnostics.map(\.description).joined(separator: "\n")
        #expect(rendered.contains("\(Self.lockPath):"), "\(rendered)")
        #expect(rendered.contains(message), "\(rendered)")
        if let hint { #expect(rendered.contains(hint), "\(rendered)") }
        #expect(portal.siteSnapshot() == site, "a failed build leaves the old site")
        #expect(portal.read(Self.lockPath) == lock + "ended:\n" + entry, "nothing is written")
    }

    @Test func checkWarnsAboutAnEndedEntryThatNamesNoMatch() throws {
        let portal = try Self.portal(RoundsTests.nine)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let m = try RoundsTests.analyse(portal)
        let partners = RoundsTests.partners(m)
        let stranger = try #require(m.people.map(\.id).first { $0 != "ada" && partners["ada"]?.contains($0) == false })
        try Self.end(portal, ["ada", stranger].sorted())
        var report = BuildReport()
        let bag = DiagnosticBag()
        _ = Pipeline.analyse(root: portal.root, bag: bag, report: &report, now: Self.now)
        let warnings = bag.diagnostics.filter { $0.severity == .warning }.map(\.description)
        #expect(warnings.contains { $0.contains("\(Self.lockPath):") && $0.contains("is not a match of round 1") }, "\(warnings)")
    }

    // MARK: preferences

    @Test(arguments: [true, false])
    func preferencesAreGrantedOrRefusedWithTheRightSentenceOnEachPage(unlisted: Bool) throws {
        let program = RoundsTests.program().replacingOccurrences(of: "round: 1", with: "round: 1\nprefer_weight: 500")
        let portal = try Self.portal(Self.ten, program: program)
        defer { portal.remove() }
        if unlisted { try Self.unlist(portal) }
        // Who ada would meet without asking, and someone allowed she would not.
        #expect(portal.build(now: Self.now).succeeded)
        let plain = try RoundsTests.analyse(portal)
        let table = try #require(plain.table)
        let ada = try #require(Explain.index(of: "ada", in: plain.people))
        let partners = RoundsTests.partners(plain)["ada"] ?? []
        let wanted = try #require((0..<table.count).first { $0 != ada && table.violatedRule(ada, $0) == nil && !partners.contains(plain.people[$0].id) && plain.people[$0].id != "dee" && plain.people[$0].id != "cy" && plain.people[$0].id != "bo" && plain.people[$0].id != "zoe" })
        let wantedID = plain.people[wanted].id
        try #require(table.violatedRule(Explain.index(of: "bo", in: plain.people)!, Explain.index(of: "zoe", in: plain.people)!) == "not_same_team")

        try FileManager.default.removeItem(at: portal.root.appendingPathComponent(Self.lockPath))
        try portal.write("Content/roster.yaml", Self.roster(Self.ten, extra: [
            "ada": "prefer: [\(wantedID)]",
            "bo": "prefer: [zoe]",
            "cy": "avoid: [dee]\nprivate: [avoid]",
            "dee": "prefer: [cy]",
        ]))
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let m = try RoundsTests.analyse(portal)
        #expect(RoundsTests.partners(m)["ada"]?.contains(wantedID) == true, "the request is granted")
        let wantedName = m.people[wanted].name
        let wantedFirst = Explain.firstName(m.people[wanted])

        let adaPage = try Self.page(portal, "ada")
        #expect(adaPage.contains("You asked to be matched with \(wantedFirst).</li>"), "the reason comes first in the why list")
        #expect(adaPage.contains("You asked to be matched with \(wantedName), and you are."))
        #expect(try Self.page(portal, wantedID).contains("Ada asked to be matched with you."), "once matched, the other is told")

        // Refused by a rule: said to the one who asked, never to the one asked for.
        let boPage = try Self.page(portal, "bo")
        let zoePage = try Self.page(portal, "zoe")
        #expect(!zoePage.contains("asked to be matched"))
        #expect(!zoePage.contains("Your requests"))
        let deePage = try Self.page(portal, "dee")
        #expect(!deePage.contains("avoid"))
        #expect(!(try Self.page(portal, "cy")).contains("asked to be matched"))
        if unlisted {
            #expect(boPage.contains("You asked to be matched with Zoe. You are in the same team, and this program matches people across teams."))
            // Refused by someone's private avoid list: a sentence that names no rule of theirs.
            #expect(deePage.contains("You asked to be matched with Cy. The program&#39;s rules do not allow this match.") || deePage.contains("You asked to be matched with Cy. The program's rules do not allow this match."))
        } else {
            // Anyone can open a listed portal's pages: a refused request is never named there.
            #expect(boPage.contains("One of your requests could not be granted this round."))
            #expect(!boPage.contains("Zoe"))
            #expect(!deePage.contains("with Cy"))
        }
        let admin = try Self.report(portal)
        #expect(admin.contains("<dt>Requests granted</dt><dd>1 of 3</dd>"))
    }

    // MARK: match health

    @Test func theReportFlagsMatchesThatDoNotMeetWithAnEntryThatEndsThem() throws {
        let portal = try Self.portal(Self.ten)
        defer { portal.remove() }
        #expect(portal.build(now: Self.now).succeeded)
        let m = try RoundsTests.analyse(portal)
        let pairs = m.units.filter { $0.kind == .pair }.map { $0.members.map { m.people[$0].id } }
        try #require(pairs.count >= 3)
        let (missing, unhappy, fine) = (pairs[0], pairs[1], pairs[2])
        var csv = "date,participant,met,rating,comment\n"
        csv += "2027-01-11,\(missing[0]),no,,\n2027-01-25,\(missing[1]),no,,busy\n"       // two "no" in a row
        csv += "2027-01-11,\(unhappy[0]),yes,1,\n2027-01-25,\(unhappy[1]),yes,2,\n"     // average 1.5
        csv += "2027-01-11,\(fine[0]),no,,\n2027-01-25,\(fine[1]),yes,4,\n"              // met in the end
        try portal.write("Content/checkins/peer-circles.csv", csv)
        #expect(portal.build(now: Self.now + 4 * Self.week).succeeded)
        let report = try #require(portal.read("Site/programs/peer-circles/report.html"))
        let entry = "ended:\n  - members: [\(missing.joined(separator: ", "))]\n    on: 2027-01-25\n    reason: &quot;did not meet 2 times in a row&quot;\n    rematch: true"
        #expect(report.contains(entry), "a ready entry for the pair that did not meet")
        #expect(report.contains("members: [\(unhappy.joined(separator: ", "))]\n    on: 2027-01-25\n    reason: &quot;average rating 1.5&quot;"))
        #expect(!report.contains("members: [\(fine.joined(separator: ", "))]\n    on:"), "a pair that met is not flagged")

        // Pasted into the lock file, the entry ends the match and its members are matched again.
        let lock = try #require(portal.read(Self.lockPath))
        try portal.write(Self.lockPath, lock + entry.replacingOccurrences(of: "&quot;", with: "\"") + "\n")
        let ended = portal.build(now: Self.now + 4 * Self.week)
        #expect(ended.succeeded, "\(ended.diagnostics)")
        let after = RoundsTests.partners(try RoundsTests.analyse(portal))
        #expect(after[missing[0]]?.contains(missing[1]) == false)
        #expect(after[missing[0]]?.isEmpty == false && after[missing[1]]?.isEmpty == false)
        // Their new matches start afresh: the old answers are not held against them.
        let later = try #require(portal.read("Site/programs/peer-circles/report.html"))
        let health = try #require(later.components(separatedBy: "Match health</h3>").last?.components(separatedBy: "<h3>Comments").first)
        #expect(!health.contains("did not meet"), "\(health)")
        let unhappyKept = RoundsTests.partners(try RoundsTests.analyse(portal))[unhappy[0]] == [unhappy[1]]
        #expect(health.contains("reason: &quot;average rating 1.5&quot;") == unhappyKept, "\(health)")
    }

    // MARK: tandem check

    /// What `tandem check` prints: analysis warnings and the feasibility checks.
    static func check(_ portal: TestPortal) -> [String] {
        var report = BuildReport()
        let bag = DiagnosticBag()
        if let matches = Pipeline.analyse(root: portal.root, bag: bag, report: &report, now: now) { Feasibility.warn(matches, bag: bag) }
        return bag.diagnostics.filter { $0.severity == .warning }.map(\.description)
    }

    @Test func checkWarnsAboutRequestsThatCannotBeGrantedAndPausedPeopleInLockedMatches() throws {
        let people = Self.ten + [("zed", 12)]
        let portal = try RoundsTests.portal(people)
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", Self.roster(people, extra: ["ada": "prefer: [zed, cy]", "bo": "prefer: [zoe]"], leaving: ["zed"]))
        #expect(portal.build(now: Self.now).succeeded)
        var warnings = Self.check(portal)
        #expect(warnings.contains { $0.hasPrefix("Content/roster.yaml:") && $0.contains("'ada' asks to be matched with 'zed', who is in none of their programs") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("Content/roster.yaml:") && $0.contains("'bo' asks to be matched with 'zoe', but not_same_team in 'peer-circles' excludes the pair") }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("with 'cy'") }, "an allowed request is not warned about")

        let m = try RoundsTests.analyse(portal)
        let partner = try #require(RoundsTests.partners(m)["cy"]?.sorted().first)
        try portal.write("Content/roster.yaml", Self.roster(people, extra: ["cy": "pause: true"], leaving: ["zed"]))
        warnings = Self.check(portal)
        #expect(warnings.contains { $0.hasPrefix("\(Self.lockPath):") && $0.contains("'cy' is paused but still listed in the locked match") && $0.contains(partner) }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("cy: no allowed partner") }, "a paused person is not short of partners: \(warnings)")
        // Once a build has taken them out, check has nothing more to say about it.
        #expect(portal.build(now: Self.now + Self.week).succeeded)
        #expect(!Self.check(portal).contains { $0.contains("is paused but still listed") })
    }

    // MARK: shortlist

    /// The shortlist section of a page, or nil.
    static func shortlistSection(_ page: String) -> String? {
        guard let start = page.range(of: "<section class=\"shortlist\""), let end = page.range(of: "</section>", range: start.upperBound..<page.endIndex) else { return nil }
        return String(page[start.lowerBound..<end.upperBound])
    }

    @Test(arguments: [false, true])
    func theShortlistRespectsAvoidBothWaysAndPrivateFields(unlisted: Bool) throws {
        let program = RoundsTests.program().replacingOccurrences(of: "round: 1", with: "round: 1\nshortlist: 9")
        let portal = try Self.portal(Self.ten, program: program)
        defer { portal.remove() }
        if unlisted { try Self.unlist(portal) }
        let extra = ["cy": "avoid: [dee]\nprivate: [avoid]", "ada": "title: Chief Llama Wrangler\nprivate: [title, interests]"]
        try portal.write("Content/roster.yaml", Self.roster(Self.ten, extra: extra).replacingOccurrences(of: "id: ada\n    name: Ada\n    email: ada@example.com\n    title: Engineer\n", with: "id: ada\n    name: Ada\n    email: ada@example.com\n"))
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let m = try RoundsTests.analyse(portal)
        let table = try #require(m.table)
        let site = Self.siteText(portal)
        var sections = 0
        for (i, person) in m.people.enumerated() {
            let path = try #require(site.keys.first { $0.hasPrefix("programs/peer-circles/people/") && site[$0]!.contains("<h1>Hello, \(Explain.firstName(person))</h1>") })
            let section = try #require(Self.shortlistSection(site[path]!), "\(person.id) has a shortlist")
            sections += 1
            let partners = RoundsTests.partners(m)[person.id] ?? []
            let listed = m.shortlists[i].map { m.people[$0].id }
            #expect(!listed.isEmpty)
            for id in listed {
                let j = try #require(Explain.index(of: id, in: m.people))
                #expect(table.violatedRule(i, j) == nil, "\(person.id) is offered \(id), whom a rule excludes")
                #expect(!partners.contains(id))
            }
            // Avoid lists hold both ways, even private ones.
            if person.id == "cy" { #expect(!listed.contains("dee")) }
            if person.id == "dee" { #expect(!listed.contains("cy")) }
            // Everyone allowed and not a partner is listed (the list is long enough here), best first.
            let allowed = m.people.indices.filter { $0 != i && table.violatedRule(i, $0) == nil && !partners.contains(m.people[$0].id) }
            #expect(Set(listed) == Set(allowed.map { m.people[$0].id }).intersection(listed) && listed.count == min(9, allowed.count))
            let fits = m.shortlists[i].map { table.score(i, $0) - table.bonus(i, $0) }
            #expect(fits == fits.sorted(by: >))
            #expect(!section.contains("Llama"), "a private title never shows")
            #expect(!section.contains("<a href=\"../") && !section.contains("/people/"), "no links to people's pages")
            if unlisted { #expect(!section.contains(" · "), "names only in an unlisted portal") }
        }
        #expect(sections == m.people.count)
        #expect(site.values.allSatisfy { !$0.contains("Llama") })
    }

    @Test func preferWeightZeroTurnsRequestsOff() throws {
        let program = RoundsTests.program().replacingOccurrences(of: "round: 1", with: "round: 1\nprefer_weight: 0")
        let portal = try Self.portal(Self.ten, extra: ["bo": "prefer: [zoe]", "ada": "prefer: [cy]"], program: program)
        defer { portal.remove() }
        try Self.unlist(portal)
        #expect(portal.build(now: Self.now).succeeded)
        let m = try RoundsTests.analyse(portal)
        let table = try #require(m.table)
        #expect((0..<table.count).allSatisfy { x in (0..<table.count).allSatisfy { table.bonus(x, $0) == 0 } })
        #expect(!(try Self.page(portal, "bo")).contains("Your requests"))
        #expect(!(try Self.page(portal, "ada")).contains("asked to be matched"))
    }

    @Test func aRequestForAFullMentorSaysTheirPlacesWereTaken() throws {
        let program = RoundsTests.program().replacingOccurrences(of: "format: pairs", with: "format: mentoring")
        let people = [("ada", 0), ("bo", 1), ("cy", 2), ("dee", 3)]
        let portal = try Self.portal(people, extra: [
            "ada": "roles: { peer-circles: mentor }", "bo": "roles: { peer-circles: mentor }",
            "cy": "roles: { peer-circles: mentee }\nprefer: [ada]", "dee": "roles: { peer-circles: mentee }\nprefer: [ada]",
        ], program: program)
        defer { portal.remove() }
        try Self.unlist(portal)
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        let partners = RoundsTests.partners(try RoundsTests.analyse(portal))
        let granted = try #require(partners["ada"]?.first)
        let refused = granted == "cy" ? "dee" : "cy"
        #expect(partners[refused] == ["bo"])
        #expect(try Self.page(portal, granted).contains("You asked to be matched with Ada, and you are."))
        #expect(try Self.page(portal, refused).contains("You asked to be matched with Ada. Ada&#39;s mentoring places were already taken.")
                || (try Self.page(portal, refused)).contains("You asked to be matched with Ada. Ada's mentoring places were already taken."))
        #expect(try Self.page(portal, "ada").contains("asked to be matched with you."))
        #expect(!(try Self.page(portal, "bo")).contains("asked to be matched"))
    }

    @Test func aPageIsRenderedAgainWhenThePersonAskedForChanges() throws {
        let portal = try Self.portal(Self.ten, extra: ["bo": "prefer: [zoe]"])
        defer { portal.remove() }
        try Self.unlist(portal)
        // Two builds first: the render cache keeps pages from the third build on.
        #expect(portal.build(now: Self.now).succeeded)
        #expect(portal.build(now: Self.now).succeeded)
        #expect(try Self.page(portal, "bo").contains("You are in the same team, and this program matches people across teams."))
        // Only zoe's entry changes, and not her match: bo's page must still follow.
        try portal.write("Content/roster.yaml", Self.roster(Self.ten, extra: ["bo": "prefer: [zoe]", "zoe": "private: [team]"]))
        let report = portal.build(now: Self.now)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(report.locksWritten.isEmpty)
        let page = try Self.page(portal, "bo")
        #expect(page.contains("You asked to be matched with Zoe. The program"), "\(page)")
        #expect(!page.contains("same team"))
    }
}

/// The `prefer` bonus is the same on every scoring path, and only for allowed pairs.
@Suite struct PreferScoringTests {
    @Test func theBonusIsAddedOnEveryPathAndNeverLiftsARule() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        let template = (try #require(portal.programs.first), try #require(portal.participants.first))
        defer { ScoringColumns.forceKernelLevel(nil) }
        var rng = ScoringKernelTests.Random(state: 19)
        var bonuses = 0
        for level in [0, 2] {
            ScoringColumns.forceKernelLevel(level)
            for _ in 0..<30 {
                let table = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs, .groups])
                guard table.program.preferWeight > 0 else { continue }
                // The same people without preferences: the reference the bonus is added to.
                var plainPeople = table.people
                for i in plainPeople.indices { plainPeople[i].prefer = [] }
                var plain = ScoringTable(program: table.program, people: plainPeople)
                plain.endedPairs = table.endedPairs
                plain.previousPartners = table.previousPartners
                plain.repeatAllowed = table.repeatAllowed
                let n = table.count
                var row = [Int32](repeating: 0, count: n), plainRow = row
                for x in 0..<n {
                    _ = table.scanRow(x, into: &row)
                    _ = plain.scanRow(x, into: &plainRow)
                    for y in 0..<n where y != x {
                        let asked = table.people[x].prefer.contains(table.people[y].id) || table.people[y].prefer.contains(table.people[x].id)
                        let extra = asked ? table.program.preferWeight : 0
                        #expect(table.bonus(x, y) == extra)
                        #expect(row[y] == table.pairValue(x, y), "scanned row and reference agree \(x)-\(y)")
                        guard plainRow[y] != Int32.min else {
                            #expect(row[y] == Int32.min, "a preference never overrides a rule")
                            continue
                        }
                        #expect(Int(row[y]) == Int(plainRow[y]) + extra)
                        #expect(table.score(x, y) == plain.score(x, y) + extra)
                        #expect(table.breakdown(x, y).total == table.score(x, y))
                        #expect(table.breakdown(x, y).bonus == extra)
                        if extra > 0 { bonuses += 1 }
                    }
                }
            }
        }
        #expect(bonuses > 0, "the random tables exercised some preferences")
    }
}
