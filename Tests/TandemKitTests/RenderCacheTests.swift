import Foundation
import Testing
@testable import TandemKit

/// Rebuilds skip pages whose inputs are unchanged; they must never keep a page that is not
/// exactly what a fresh build writes.
@Suite struct RenderCacheTests {
    static let adaPage = "programs/peer-circles/people/ada.html"

    /// The fingerprint of ada's page as the next build would compute it, and that build's cache.
    func nextBuildCache(_ portal: TestPortal) throws -> (RenderCache, Fingerprint) {
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = try #require(Pipeline.model(root: portal.root, bag: bag, report: &report, now: nil))
        let theme = Theme.load(portalRoot: portal.root, bag: bag)
        let b = try #require(model.programs.first)
        let i = try #require(b.match.people.firstIndex { $0.id == "ada" })
        let cache = RenderCache(writer: SiteWriter(output: portal.root.appendingPathComponent("Site")), theme: theme)
        return (cache, cache.fingerprint(Pages(model: model).person(b, i), template: "person"))
    }

    /// Builds until both folders' pages have fingerprints on record: the first two builds
    /// write every page new (nothing to compare with, so no fingerprint), and pages kept by
    /// stamp keep their record; an edit that changes the program's stamp but no page makes
    /// the next two builds render every page over its kept file and record its fingerprint.
    func buildWithFingerprints(_ portal: TestPortal) throws {
        for _ in 0..<3 { #expect(portal.build().succeeded) }
        let (before, fingerprint) = try nextBuildCache(portal)
        #expect(!before.isCurrent(Self.adaPage, fingerprint), "pages written new are recorded without a fingerprint")
        let program = try #require(portal.read("Content/programs/peer-circles.md"))
        try portal.write("Content/programs/peer-circles.md", program + "\n")
        let site = portal.siteSnapshot()
        for _ in 0..<2 { #expect(portal.build().succeeded) }
        #expect(portal.siteSnapshot() == site, "a blank line at the end changes no page")
    }

    @Test func unchangedPagesAreRecognisedAndChangedOnesAreNot() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try buildWithFingerprints(portal)
        #expect(portal.exists(".Site.tandem-pages"), "the record sits beside the site")
        #expect(!portal.exists("Site/.tandem-pages"))
        let (cache, fingerprint) = try nextBuildCache(portal)
        #expect(cache.isCurrent(Self.adaPage, fingerprint), "the kept folder's page was recorded with the same inputs")
        var other = fingerprint
        other.combine("anything else")
        #expect(!cache.isCurrent(Self.adaPage, other))
        // ada's page shows her peer's name: renaming the peer changes its inputs.
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "name: Bo Chen", with: "name: Bo Chang"))
        let (renamed, changed) = try nextBuildCache(portal)
        #expect(changed != fingerprint)
        #expect(!renamed.isCurrent(Self.adaPage, changed))
    }

    @Test func aFileTouchedByHandIsRenderedAgain() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try buildWithFingerprints(portal)
        let good = try #require(portal.read("Site/" + Self.adaPage))
        // The folder the next build works in: same size, other bytes.
        let kept = ".Site.tandem-back/" + Self.adaPage
        let original = try #require(portal.read(kept))
        let (untouched, same) = try nextBuildCache(portal)
        #expect(untouched.isCurrent(Self.adaPage, same), "recorded before the edit")
        try portal.write(kept, String(repeating: "x", count: original.utf8.count))
        let (cache, fingerprint) = try nextBuildCache(portal)
        #expect(!cache.isCurrent(Self.adaPage, fingerprint), "a rewritten file has a new change time")
        #expect(portal.build().succeeded)
        #expect(portal.read("Site/" + Self.adaPage) == good)
    }

    @Test func aChangedRosterRebuildsExactlyWhatAFreshBuildWrites() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        for _ in 0..<3 { #expect(portal.build().succeeded) }
        let roster = try #require(portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "name: Bo Chen", with: "name: Bo Chang"))
        for _ in 0..<2 {
            #expect(portal.build().succeeded)
            let fresh = try TestPortal(["x": ""])
            defer { fresh.remove() }
            #expect(Pipeline.build(BuildOptions(root: portal.root, output: fresh.root.appendingPathComponent("Site"), writeLocks: false)).succeeded)
            #expect(portal.siteSnapshot() == fresh.siteSnapshot())
            #expect(portal.read("Site/" + Self.adaPage)?.contains("Bo Chang") == true)
        }
    }

    /// A program whose sources are all unchanged keeps its pages by stamp, without their view
    /// models; any source its pages read changes the stamp.
    @Test func unchangedSourcesKeepAProgramsPagesByStamp() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        for _ in 0..<3 { #expect(portal.build().succeeded) }
        /// The next build's cache and the stamp of ada's page (it shows ada and bo).
        func stamp() throws -> (RenderCache, Fingerprint?) {
            let bag = DiagnosticBag()
            var report = BuildReport()
            let model = try #require(Pipeline.model(root: portal.root, bag: bag, report: &report, now: nil))
            let loaded = model.portal
            let b = try #require(model.programs.first)
            let cache = RenderCache(writer: SiteWriter(output: portal.root.appendingPathComponent("Site")), theme: Theme.load(portalRoot: portal.root, bag: bag))
            let pair = try #require(b.match.units.firstIndex { $0.id == "ada--bo" })
            // The stamp of the sources the plan declares for the pair's agenda.
            let agenda = SitePlan(model: model).item(.unit(pair), ofProgram: 0, Pages(model: model))
            #expect(agenda.path == "programs/peer-circles/pairs/ada--bo.html")
            return (cache, Renderer.ProgramStamps(cache: cache, program: b, portal: loaded, now: nil).stamp(agenda.sources))
        }
        let (cache, unchanged) = try stamp()
        let same = try #require(unchanged)
        #expect(cache.keeps(Self.adaPage, under: same))
        #expect(cache.keeps("programs/peer-circles/pairs/ada--bo.ics", under: same))
        #expect(!cache.keeps("programs/peer-circles/people/cy.html", under: same), "cy's page shows other people")
        #expect(!cache.keeps("programs/peer-circles/report.html", under: same), "the report is never kept by stamp")
        let activity = try #require(portal.read("Content/activities/show-and-tell.md"))
        try portal.write("Content/activities/show-and-tell.md", activity.replacingOccurrences(of: "Pick something that matters to you.", with: "Pick something you love."))
        let (edited, changed) = try stamp()
        #expect(changed != nil && changed != same)
        #expect(!edited.keeps(Self.adaPage, under: try #require(changed)))
    }

    static let edits = ["activity", "program", "settings", "lock", "time", "name", "bio", "timezone", "private", "template",
                        "checkin", "week"]

    /// One edit an admin makes to the small portal's sources; returns the build time to use next.
    static func apply(_ edit: String, to portal: TestPortal, now: Int) throws -> Int {
        func replace(_ path: String, _ old: String, _ new: String) throws {
            let text = try #require(portal.read(path))
            #expect(text.contains(old), "\(edit): \(path) holds '\(old)'")
            try portal.write(path, text.replacingOccurrences(of: old, with: new))
        }
        switch edit {
        case "name": try replace("Content/roster.yaml", "name: Bo Chen", "name: Bo Chang")
        case "bio": try replace("Content/roster.yaml", "    title: Engineer\n    department: Finance", "    title: Engineer\n    bio: Plans the budget; ask me about forecasts.\n    department: Finance")
        case "timezone": try replace("Content/roster.yaml", "    timezone: Europe/London\n    seniority: 3\n    programs: [peer-circles]\n    skills: [writing]", "    timezone: Europe/Lisbon\n    seniority: 3\n    programs: [peer-circles]\n    skills: [writing]")
        case "private":
            // Bo's interests become private: his peers' pages stop showing them.
            try replace("Content/roster.yaml", "    skills: [negotiation]", "    private: [interests]\n    skills: [negotiation]")
        case "template":
            let layout = try #require(String(data: FileManager.default.contents(atPath: Theme.builtInDirectory!.appendingPathComponent("layout.mustache").path) ?? Data(), encoding: .utf8))
            try portal.write("Templates/layout.mustache", layout.replacingOccurrences(of: "</body>", with: "<!-- local -->\n</body>"))
        case "checkin":
            try portal.write("Content/checkins/peer-circles.csv", "date,participant,met,rating,comment\n2027-01-12,ada,yes,5,Great chat\n2027-01-13,cy,no,,\n")
        case "week": try replace("Content/roster.yaml", "    skills: [sql]", "    working_hours: \"07:00-15:00\"\n    skills: [sql]")
        case "activity": try replace("Content/activities/show-and-tell.md", "Pick something that matters to you.", "Pick something you love.")
        case "program": try replace("Content/programs/peer-circles.md", "\"12:30\"", "\"13:30\"")
        case "settings": try portal.write("Content/portal.yaml", "title: Another Portal\ncontact: people@example.com\n")
        case "lock":
            // The admin pairs the four differently by hand; no other source changes.
            let path = "Content/matches/peer-circles/round-1.yaml"
            let text = try #require(portal.read(path))
            #expect(text.contains("[ada, bo]") && text.contains("[cy, dee]"))
            try portal.write(path, text.replacingOccurrences(of: "[ada, bo]", with: "[ada, dee]").replacingOccurrences(of: "[cy, dee]", with: "[bo, cy]"))
        default:
            // A build a month later: the next session moves on.
            return now + 30 * 86_400
        }
        return now
    }

    /// Whether the portal's site is exactly what a clean build of the same sources writes.
    static func matchesCleanBuild(_ portal: TestPortal, now: Int, _ label: String) throws {
        let fresh = try TestPortal(["x": ""])
        defer { fresh.remove() }
        #expect(Pipeline.build(BuildOptions(root: portal.root, output: fresh.root.appendingPathComponent("Site"), now: now, writeLocks: false)).succeeded)
        let built = portal.siteSnapshot(), clean = fresh.siteSnapshot()
        let differ = Set(built.keys).union(clean.keys).filter { built[$0] != clean[$0] }.sorted()
        #expect(differ.isEmpty, "\(label): the incremental build differs from a clean one in \(differ)")
    }

    /// Every kind of source: after each edit, rebuilds (into either kept folder) write exactly
    /// what a clean build writes.
    @Test(arguments: RenderCacheTests.edits)
    func anEditedSourceRebuildsExactlyWhatAFreshBuildWrites(_ edit: String) throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let now = 1_798_000_000
        for _ in 0..<3 { #expect(portal.build(now: now).succeeded) }
        let later = try Self.apply(edit, to: portal, now: now)
        for _ in 0..<2 {
            #expect(portal.build(now: later).succeeded)
            try Self.matchesCleanBuild(portal, now: later, edit)
        }
    }

    /// The edits one after another on one portal, each followed by one incremental build,
    /// which must equal a clean build every time.
    @Test func aSequenceOfEditsKeepsIncrementalEqualToClean() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        var now = 1_798_000_000
        for _ in 0..<3 { #expect(portal.build(now: now).succeeded) }
        for edit in Self.edits {
            now = try Self.apply(edit, to: portal, now: now)
            let report = portal.build(now: now)
            #expect(report.succeeded, "\(edit): \(portal.errors(report))")
            try Self.matchesCleanBuild(portal, now: now, "after \(edit)")
        }
    }

    /// Each roster entry's digest stands for the entry alone, in the plain layout only.
    @Test func rosterEntriesHaveDigestsOfTheirOwn() throws {
        let roster = RoundsTests.roster(RoundsTests.nine)
        let digests = try #require(RosterLoader.entryDigests(roster))
        #expect(digests.count == 9)
        let bag = DiagnosticBag()
        let people = RosterLoader.parse(roster, bag: bag)
        #expect(Set(people.map(\.sourceLocation.line)) == Set(digests.keys), "keyed by the line each participant starts on")
        let edited = try #require(RosterLoader.entryDigests(roster.replacingOccurrences(of: "name: Bo\n", with: "name: Bob\n")))
        #expect(Set(edited.keys) == Set(digests.keys))
        #expect(digests.filter { edited[$0.key] != $0.value }.count == 1, "only bo's entry changed")
        // An alias may name an anchor in another entry, and other layouts are not cut at all.
        #expect(RosterLoader.entryDigests(roster.replacingOccurrences(of: "skills: [", with: "skills: &s [") + "  - id: zed\n    skills: *s\n") == nil)
        #expect(RosterLoader.entryDigests("participants: [{id: a, name: A}]\n") == nil)
        #expect(RosterLoader.entryDigests(roster + "extra: 1\n") == nil)
    }

    /// A renamed participant appears on their pod mates' pages too: every page that shows
    /// them is rendered again, and the rebuilt site equals a fresh build.
    @Test func aRenamedPodMateIsShownAgainEverywhere() throws {
        let portal = try PodsTests.portal(12, pods: 2)
        defer { portal.remove() }
        let now = 1_798_000_000
        for _ in 0..<3 { #expect(portal.build(now: now).succeeded) }
        let roster = try #require(portal.read("Content/roster.yaml"))
        #expect(roster.contains("name: P00\n"))
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "name: P00\n", with: "name: Paula Zero\n"))
        for _ in 0..<2 {
            #expect(portal.build(now: now).succeeded)
            let fresh = try TestPortal(["x": ""])
            defer { fresh.remove() }
            #expect(Pipeline.build(BuildOptions(root: portal.root, output: fresh.root.appendingPathComponent("Site"), now: now, writeLocks: false)).succeeded)
            let site = portal.siteSnapshot()
            #expect(site == fresh.siteSnapshot())
            let showing = site.filter { String(decoding: $0.value, as: UTF8.self).contains("Paula") }.map(\.key)
            #expect(showing.contains { $0.contains("/pods/") } && showing.filter { $0.contains("/people/") }.count > 2,
                    "her own page, her peer's and her pod mates': \(showing.sorted())")
        }
    }
}
