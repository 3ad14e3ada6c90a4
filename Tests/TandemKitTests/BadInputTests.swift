import Foundation
import Testing
@_spi(Fuzzing) @testable import TandemKit

/// The bad-input corpus: `Tests/BadInput/<case>/` holds the files that differ from the small
/// valid portal in `Tests/BadInput/_base/`, and `expected.txt` holds either the exact
/// diagnostics as `tandem build` prints them (notes included, the closing count left out) or
/// `BUILDS`. Every case must end in one of the two: never a crash, a hang or a half-written site.
@Suite struct BadInputTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("BadInput")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") }.sorted()
    }

    /// The base portal with the case's files laid over it, in a fresh temporary folder.
    static func portal(for name: String) throws -> TestPortal {
        let portal = try TestPortal([:])
        let fm = FileManager.default
        try fm.createDirectory(at: portal.root, withIntermediateDirectories: true)
        for layer in ["_base", name] {
            let folder = corpus.appendingPathComponent(layer)
            let e = fm.enumerator(atPath: folder.path)
            while let path = e?.nextObject() as? String {
                guard path != "expected.txt" else { continue }
                var isDirectory: ObjCBool = false
                fm.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try fm.createDirectory(at: portal.root.appendingPathComponent(path), withIntermediateDirectories: true)
                } else {
                    try portal.write(path, try Data(contentsOf: folder.appendingPathComponent(path)))
                }
            }
        }
        return portal
    }

    @Test func corpusIsThere() {
        #expect(Self.cases.count >= 40, "Tests/BadInput not found at \(Self.corpus.path)")
    }

    @Test(arguments: cases) func badInput(_ name: String) throws {
        let expected = try String(contentsOf: Self.corpus.appendingPathComponent(name).appendingPathComponent("expected.txt"), encoding: .utf8)
        let portal = try Self.portal(for: name)
        defer { portal.remove() }
        let report = portal.build(now: 1_800_000_000)
        if expected == "BUILDS\n" {
            #expect(report.succeeded, "\(report.diagnostics)")
            let site = portal.siteSnapshot()
            #expect(site["programs/peer-circles/people/ada.html"].map { String(decoding: $0, as: UTF8.self).contains("Bo Chen") } == true)
            for (path, data) in site where path.hasSuffix(".html") {
                let text = String(decoding: data, as: UTF8.self)
                #expect(!text.contains("\r") && !text.contains("\u{FEFF}"), "stray CR or BOM in \(path)")
            }
        } else {
            let printed = report.diagnostics.map { "\($0)\n" }.joined()
            #expect(printed == expected)
            #expect(!report.succeeded)
            #expect(!portal.exists("Site"), "a failed build must not write a site")
        }
    }

    static let fuzzRegressions = corpus.deletingLastPathComponent().appendingPathComponent("fuzz/regressions")

    /// Inputs that once crashed the fuzz target (Tests/fuzz): each now runs through every
    /// loader without trapping, and gives a diagnostic or a clean load.
    @Test(arguments: ((try? FileManager.default.contentsOfDirectory(atPath: fuzzRegressions.path)) ?? []).sorted())
    func fuzzRegression(_ name: String) throws {
        let bytes = try Data(contentsOf: Self.fuzzRegressions.appendingPathComponent(name))
        let diagnostics = LoaderFuzzing.run([UInt8](bytes))
        #expect(diagnostics.allSatisfy { $0.location != nil })
    }

    /// A 5 MB roster (about 16,000 people) loads in seconds in a debug build, and a file over
    /// the 64 MB cap is refused before it is read. The 50 MB roster is loaded by the release
    /// CLI in Tests/fuzz/huge_roster.sh (76 s in a debug build is too slow for this suite).
    @Test func largeRosterLoadsAndOversizedIsRefused() throws {
        var roster = "# generated\nparticipants:\n"
        roster.reserveCapacity(5_200_000)
        var i = 0
        while roster.utf8.count < 5_000_000 {
            roster += """
              - id: person-\(i)
                name: Person Number \(i)
                email: person.\(i)@example.com
                department: Department \(i % 40)
                team: Team \(i % 300)
                location: City \(i % 25)
                timezone: Europe/London
                seniority: \(i % 8)
                programs: [peer-circles]
                skills: [skill \(i % 50), skill \((i * 7) % 50)]
                goals: [skill \((i * 3) % 50)]
                interests: [interest \(i % 30)]

            """
            i += 1
        }
        // How fast large rosters load is measured by Benchmarks/run (never asserted here).
        let bag = DiagnosticBag()
        let people = RosterLoader.parse(roster, bag: bag)
        #expect(!bag.hasErrors, "\(bag.sorted().prefix(3))")
        #expect(people.count == i)

        let portal = try TestPortal([:])
        defer { portal.remove() }
        try portal.write("Content/roster.yaml", Data(count: ContentFiles.maximumFileSize + 1))
        let big = DiagnosticBag()
        #expect(ContentFiles(root: portal.root).text("Content/roster.yaml", bag: big) == nil)
        #expect(big.sorted().map(\.description) == ["Content/roster.yaml:1:1: error: file is too large (64 MB; the limit is 64 MB)\n    note: split the portal, or remove unused fields"])
    }
}
