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

    static func page(_ portal: TestPortal, _ id: String) throws -> String {
        try #require(portal.read("Site/programs/peer-circles/people/\(id).html"))
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
}
