import Foundation
import Testing
@testable import TandemKit

/// The site plan (`SitePlan`, `SiteAddresses`): the paths a build writes are the plan's, and
/// every link between pages, computed from those paths, points at a file the build wrote.
@Suite struct SitePlanTests {
    @Test func linksAreComputedFromBothPaths() {
        let cases: [(from: String, to: String, link: String)] = [
            ("programs/pc/people/ada.html", "programs/pc/pairs/ada--bo.html", "../pairs/ada--bo.html"),
            ("programs/pc/people/ada.html", "programs/pc/pairs/ada--bo.ics", "../pairs/ada--bo.ics"),
            ("programs/pc/pairs/ada--bo.html", "programs/pc/pairs/ada--bo.ics", "ada--bo.ics"),
            ("programs/pc/index.html", "programs/pc/people/ada.html", "people/ada.html"),
            ("programs/pc/report.html", "programs/pc/matches.csv", "matches.csv"),
            ("programs/pc/report.html", "programs/pc/pods/pod-1.html", "pods/pod-1.html"),
            ("programs/pc/pods/pod-1.html", "programs/other/index.html", "../../other/index.html"),
            ("index.html", "programs/pc/index.html", "programs/pc/index.html"),
            ("activities/print.html", "index.html", "../index.html"),
            ("programs/pc/people/ada.html", "activities/show-and-tell.html", "../../../activities/show-and-tell.html"),
        ]
        for c in cases { #expect(SiteAddresses.link(from: c.from, to: c.to) == c.link, "\(c.from) → \(c.to)") }
        // Names that share a prefix but not a folder, a target named like a folder, UTF-8.
        #expect(SiteAddresses.link(from: "programs/pc/people/ada.html", to: "programs/pcx/index.html") == "../../pcx/index.html")
        #expect(SiteAddresses.link(from: "programs/pc/index.html", to: "programs/pc") == "../pc")
        #expect(SiteAddresses.link(from: "programs/pé/people/zoë.html", to: "programs/pé/pairs/zoë--ada.html") == "../pairs/zoë--ada.html")
        // Against the definition (components: up out of the folders not shared, down to the
        // file) on random paths over a small alphabet, so that shared prefixes are common.
        func byComponents(_ from: String, _ to: String) -> String {
            let a = from.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            let b = to.split(separator: "/", omittingEmptySubsequences: false)
            var shared = 0
            while shared < a.count, shared < b.count - 1, a[a.startIndex + shared] == b[shared] { shared += 1 }
            return String(repeating: "../", count: a.count - shared) + b[shared...].joined(separator: "/")
        }
        var rng = ScoringKernelTests.Random(state: 42)
        func path() -> String {
            (0...rng.below(4)).map { _ in (0...rng.below(2)).map { _ in rng.chance(50) ? "a" : "b" }.joined() }.joined(separator: "/")
        }
        for _ in 0..<2_000 {
            let (from, to) = (path(), path())
            #expect(SiteAddresses.link(from: from, to: to) == byComponents(from, to), "\(from) → \(to)")
        }
        #expect(SiteAddresses.root(of: "index.html") == "")
        #expect(SiteAddresses.root(of: "activities/print.html") == "../")
        #expect(SiteAddresses.root(of: "programs/pc/report.html") == "../../")
        #expect(SiteAddresses.root(ofFolder: "programs/pc/pairs") == "../../../")
    }

    /// The files under Site/ (the theme's assets and the writer's marker aside) and the plan's
    /// paths, each a set.
    static func compare(_ model: SiteModel, site: URL) -> (planned: Set<String>, written: Set<String>, plannedCount: Int) {
        let paths = SitePlan(model: model).allPaths()
        var written = Set<String>()
        let e = FileManager.default.enumerator(atPath: site.path)
        while let path = e?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: site.appendingPathComponent(path).path, isDirectory: &isDirectory),
                  !isDirectory.boolValue, !path.hasPrefix("assets/"), path != SiteWriter.marker else { continue }
            written.insert(path)
        }
        return (Set(paths), written, paths.count)
    }

    static func model(_ root: URL) throws -> SiteModel {
        let bag = DiagnosticBag()
        var report = BuildReport()
        return try #require(Pipeline.model(root: root, bag: bag, report: &report, now: nil))
    }

    /// The committed demo site holds exactly the plan's files, each planned once.
    @Test func demoSiteIsThePlan() throws {
        let root = ScoringTests.repoRoot
        let found = Self.compare(try Self.model(root), site: root.appendingPathComponent("Site"))
        #expect(found.plannedCount == found.planned.count, "a path planned twice")
        #expect(found.planned.subtracting(found.written).sorted() == [], "planned, not in Site/")
        #expect(found.written.subtracting(found.planned).sorted() == [], "in Site/, not planned")
        #expect(found.planned.count > 150)
    }

    /// An unlisted portal (every participant, agenda and report address a key): the build
    /// writes the plan's files, and every relative link on every page resolves to one of them.
    @Test func unlistedBuildWritesThePlanAndEveryLinkResolves() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("secret.txt", "correct horse battery staple 42\n")
        try portal.write("Content/portal.yaml", "title: Test Portal\nunlisted: true\nurl_secret_file: secret.txt\n")
        let program = TestPortal.program.replacingOccurrences(of: "sessions: 3", with: "sessions: 4\npods: 2")
        try portal.write("Content/programs/peer-circles.md", program)
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(portal.errors(report))")
        let site = portal.root.appendingPathComponent("Site")
        let found = Self.compare(try Self.model(portal.root), site: site)
        #expect(found.planned == found.written)
        #expect(found.planned.contains { $0.contains("/pods/") }, "the pods are planned")
        let snapshot = portal.siteSnapshot()
        let href = try NSRegularExpression(pattern: ##"(?:href|src)="([^"#]*)(?:#[^"]*)?""##)
        var checked = 0
        for (path, data) in snapshot where path.hasSuffix(".html") {
            let text = String(decoding: data, as: UTF8.self)
            for m in href.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let link = String(text[Range(m.range(at: 1), in: text)!])
                guard !link.isEmpty, !link.contains(":") else { continue }
                var parts = path.split(separator: "/").dropLast().map(String.init)
                for piece in link.split(separator: "/") {
                    if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(String(piece)) }
                }
                #expect(snapshot[parts.joined(separator: "/")] != nil, "\(path): \(link) points at nothing")
                checked += 1
            }
        }
        #expect(checked > 50)
    }
}
