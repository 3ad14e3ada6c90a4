import Foundation
import Testing
@testable import TandemKit

/// The admin report: fairness at a glance, the lock's history, and the CSV export.
@Suite struct ReportTests {
    static let page = "Site/programs/peer-circles/report.html"

    @Test func reportIsLinkedButNotIndexedAndShowsTheWholePicture() throws {
        let portal = try RoundsTests.portal(RoundsTests.nine)
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let program = try #require(portal.read("Site/programs/peer-circles/index.html"))
        #expect(program.contains("href=\"report.html\""))
        let html = try #require(portal.read(Self.page))
        #expect(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"))
        #expect(html.contains("Matches locked on Monday 4 January 2027, in <code>Content/matches/peer-circles/round-1.yaml</code>."))
        #expect(html.contains("<svg class=\"chart\""), "score histogram")
        #expect(html.contains("<svg class=\"chart heat\""), "department mixing")
        #expect(html.contains("<div><dt>Repeats of earlier rounds</dt><dd>0</dd></div>"))
        #expect(html.contains("Nothing: every match is as it was locked."))
        #expect(html.contains("<h3>Rule pressure</h3>"))
        let m = try RoundsTests.analyse(portal)
        #expect(m.units.count == 4)
        let lowest = html.components(separatedBy: "<tbody>")[1].components(separatedBy: "</tbody>")[0]
        #expect(lowest.components(separatedBy: "<tr>").count - 1 == m.units.count)
    }

    @Test func rulePressureCountsTheCandidatePairsEachRuleRemoves() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let html = try #require(portal.read(Self.page))
        // cy reports to ada (and shares her team): one of the six possible pairs is removed.
        #expect(html.contains("<th scope=\"col\">Candidate pairs it removes (of 6)</th>"))
        #expect(html.contains("<tr><td><code>not_manager</code></td><td>1 (16%)</td></tr>"))
    }

    @Test func sittingOutAndUnmatchedAreListedApartWithReasons() throws {
        let portal = try RoundsTests.portal(RoundsTests.nine)
        defer { portal.remove() }
        // A lock written by hand (as the sit-out policy would write it) is used as it stands.
        try portal.write(RoundsTests.lockPath, """
        program: peer-circles
        round: 1
        locked: 2027-01-04
        matches:
          - members: [ada, bo]
          - members: [cy, dee]
          - members: [eve, fay]
          - members: [gus, hal]
        sat_out:
          - id: ivy
            reason: "sits out this round: <odd> number"

        """)
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let html = try #require(portal.read(Self.page))
        #expect(html.contains("<h3>Sitting out</h3>"))
        #expect(html.contains("(ivy): sits out this round: &lt;odd&gt; number</li>"))
        #expect(!html.contains("<h3>Unmatched</h3>"))
    }

    @Test func csvHasOneRowPerPersonAndMatch() throws {
        let portal = try RoundsTests.portal(RoundsTests.nine)
        defer { portal.remove() }
        #expect(portal.build(now: RoundsTests.now).succeeded)
        let csv = try #require(portal.read("Site/programs/peer-circles/matches.csv"))
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        #expect(rows.first == "id,name,email,program,round,partner_ids,score,page_url")
        #expect(rows.count == 1 + RoundsTests.nine.count)
        let m = try RoundsTests.analyse(portal)
        let unit = try #require(m.units.first { $0.kind == .pair })
        let (a, b) = (m.people[unit.members[0]], m.people[unit.members[1]])
        // Without base_url there is no absolute page address to give.
        #expect(rows.contains("\(a.id),\(a.name),\(a.email),peer-circles,1,\(b.id),\(unit.score),"))
    }

    @Test func csvCellsCannotRunAsFormulas() {
        #expect(Pages.csvCell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(Pages.csvCell("plain") == "plain")
    }
}
