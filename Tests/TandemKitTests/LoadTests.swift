import Foundation
import Testing
@testable import TandemKit

/// The roster loader's parallel path: a large roster is cut into pieces that parse on their
/// own, and the cut must never change what the roster means or what is reported about it.
@Suite struct RosterSplitTests {
    /// `count` people in the plain layout, some of them wrong in ways reported per field.
    static func roster(_ count: Int, header: String = "# generated\nparticipants:\n") -> String {
        var text = header
        for i in 0..<count {
            let email = i % 7 == 3 ? "not-an-email" : "p\(i)@example.com"
            let extra = i % 11 == 5 ? "    favourite: tea\n" : ""
            let id = i % 13 == 9 ? "p\(i - 1)" : "p\(i)"
            text += """
              - id: \(id)
                name: Person \(i) — Ünïcode
                email: \(email)
                department: Engineering
                location: Berlin
                timezone: Europe/Berlin
                programs: [peer-circles]
                skills: [swift, "sql"]
                # a comment inside an entry
            \(extra)
            """
        }
        return text
    }

    static func parse(_ text: String, cut: Bool) -> ([String], [String]) {
        let bag = DiagnosticBag()
        let people = RosterLoader.parse(text, bag: bag, splitAbove: cut ? 0 : .max)
        return (people.map(\.id), bag.sorted().map(\.description))
    }

    @Test func cutRosterParsesLikeTheWholeOne() {
        let text = Self.roster(60)
        let chunks = RosterLoader.splitLargeRoster(text, minimumSize: 0)
        #expect(chunks.count > 1)
        #expect(chunks.map(\.text).joined(separator: "\n") == text)
        for chunk in chunks.dropFirst() { #expect(chunk.text.hasPrefix("  - id: ")) }
        // Each piece starts on the line its offset names.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for chunk in chunks {
            #expect(chunk.text.split(separator: "\n", omittingEmptySubsequences: false).first == lines[chunk.lineOffset])
        }
        let whole = Self.parse(text, cut: false), cut = Self.parse(text, cut: true)
        #expect(whole.0 == cut.0)
        #expect(whole.1 == cut.1)
        #expect(whole.1.contains { $0.contains("duplicate participant id 'p8'") })
        #expect(whole.1.contains { $0.contains("'not-an-email' does not look like an email address") })
    }

    /// Layouts where a piece could not be read on its own are parsed whole.
    @Test func unusualLayoutsAreNotCut() {
        let plain = Self.roster(20)
        #expect(RosterLoader.splitLargeRoster(plain, minimumSize: 0).count > 1)
        let cases = [
            "title: x\n" + plain,                                                      // another key first
            Self.roster(20, header: "participants: # the people\n"),                   // text after the header
            plain + "other: 1\n",                                                      // a key after the list
            plain.replacingOccurrences(of: "skills: [swift", with: "skills: &s [swift") + "  - id: z\n    skills: *s\n", // anchors
            Self.roster(20, header: "\u{00A0}\nparticipants:\n"),                      // a line of Unicode space before it
        ]
        for text in cases {
            #expect(RosterLoader.splitLargeRoster(text, minimumSize: 0).count == 1, "cut: \(text.prefix(40))")
            let whole = Self.parse(text, cut: false), cut = Self.parse(text, cut: true)
            #expect(whole.0 == cut.0 && whole.1 == cut.1)
        }
    }
}

/// What a build reports while it runs, and what the command line prints of it.
@Suite struct BuildProgressTests {
    @Test func countsEveryFileTheBuildWrites() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let progress = BuildProgress()
        let report = Pipeline.build(BuildOptions(root: portal.root, progress: progress))
        #expect(report.succeeded)
        // Every rendered file, plus the marker that says the folder is tandem's.
        #expect(progress.filesWritten == report.files + 1)
        #expect(progress.stage == "write")
        #expect(report.stageSeconds.map(\.stage) == ["load", "templates", "prepare", "match", "schedule", "render", "write"])
    }

    /// Progress goes to a terminal only: piped, a successful build says nothing on stderr.
    @Test func quietWhenStderrIsNotATerminal() throws {
        let tandem = try HardeningTests.tandemExecutable()
        let portal = try HardeningTests.largePortal(120)
        defer { portal.remove() }
        let process = Process()
        process.executableURL = tandem
        process.arguments = ["build", portal.root.path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: said, as: UTF8.self)
        #expect(!text.contains("\u{1B}") && !text.contains("\r") && !text.contains("tandem: writing"), "stderr: \(text)")
    }
}

@Suite struct SiteWriterReuseTests {
    static func files(_ root: URL) -> [String: (bytes: Data, mtime: Int)] {
        var out: [String: (Data, Int)] = [:]
        let e = FileManager.default.enumerator(atPath: root.path)
        while let path = e?.nextObject() as? String {
            var info = stat()
            guard lstat(root.appendingPathComponent(path).path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            out[path] = (FileManager.default.contents(atPath: root.appendingPathComponent(path).path)!, info.st_mtim.tv_sec)
        }
        return out
    }

    /// A rebuild writes into the site kept from the build before last: files whose bytes did
    /// not change keep their modification time; files that grew or shrank hold exactly the
    /// new bytes.
    @Test func unchangedFilesKeepTheirTimeAndChangedOnesAreExact() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        // Date every file of this build far back; this folder is the one the third build reuses.
        let site = portal.root.appendingPathComponent("Site")
        for path in Self.files(site).keys {
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, site.appendingPathComponent(path).path, &times, 0) == 0)
        }
        #expect(portal.build().succeeded)
        for title in ["A Much Longer Title For The Test Portal Than Before", "Short"] {
            try portal.write("Content/portal.yaml", "title: \(title)\ncontact: people@example.com\n")
            #expect(portal.build().succeeded)
            let reused = Self.files(site)
            let fresh = Pipeline.build(BuildOptions(root: portal.root, output: portal.root.appendingPathComponent("Fresh-\(title.count)")))
            #expect(fresh.succeeded)
            let expected = Self.files(portal.root.appendingPathComponent("Fresh-\(title.count)"))
            #expect(reused.mapValues(\.bytes) == expected.mapValues(\.bytes))
            #expect(reused["index.html"].map { String(decoding: $0.bytes, as: UTF8.self).contains(title) } == true)
            if title == "Short" { continue }
            // The first rewrite over the dated folder: pages that name the title changed, the
            // rest (assets, calendars) kept their bytes and their time.
            let kept = reused.filter { $0.value.mtime == 1_000_000_000 }
            #expect(kept.keys.contains { $0.hasPrefix("assets/") })
            #expect(kept.keys.contains { $0.hasSuffix(".ics") })
            #expect(reused["index.html"]!.mtime != 1_000_000_000)
        }
    }
}
