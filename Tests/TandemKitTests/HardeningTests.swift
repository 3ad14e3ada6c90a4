import Foundation
import Testing
@testable import TandemKit

/// Hostile input, interrupted builds, paths and privacy, asserted on the files a build writes.
@Suite struct HardeningTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    // MARK: interrupted builds

    /// The `tandem` executable next to the test bundle, or in the package's debug build;
    /// built when missing, never skipped.
    static func tandemExecutable() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tandem"),
            packageRoot.appendingPathComponent(".build/debug/tandem"),
        ]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        let swift = Process()
        swift.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        swift.arguments = ["swift", "build", "--product", "tandem", "--package-path", packageRoot.path]
        try swift.run()
        swift.waitUntilExit()
        let built = packageRoot.appendingPathComponent(".build/debug/tandem")
        guard FileManager.default.isExecutableFile(atPath: built.path) else { throw CocoaError(.fileNoSuchFile) }
        return built
    }

    static func runBuild(_ executable: URL, portal: TestPortal, killAfter delay: Double? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["build", portal.root.path]
        process.environment = ["SOURCE_DATE_EPOCH": "1800000000", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let delay {
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A portal of `count` people, big enough that a build takes a while.
    static func largePortal(_ count: Int) throws -> TestPortal {
        let portal = try TestPortal.small()
        let departments = ["Engineering", "Sales", "Finance", "People", "Design"]
        let skills = ["swift", "sql", "writing", "negotiation", "design", "python"]
        let people = (0..<count).map { i in
            TestPortal.person("p\(i)", "Person \(i)", dept: departments[i % 5], team: "T\(i % 11)",
                              skills: [skills[i % 6]], goals: [skills[(i * 7 + 1) % 6]], interests: ["chess"])
        }
        try portal.write("Content/roster.yaml", "participants:\n" + people.joined(separator: "\n") + "\n")
        return portal
    }

    /// SIGKILL at random moments: Site/ is always exactly the old site or exactly the new one,
    /// and the next build clears what killed builds left beside it.
    @Test(.timeLimit(.minutes(5))) func killedBuildLeavesOldOrNewSite() throws {
        let tandem = try Self.tandemExecutable()
        let portal = try Self.largePortal(240)
        defer { portal.remove() }
        let titles = ["Portal A", "Portal B"]
        func setTitle(_ k: Int) throws { try portal.write("Content/portal.yaml", "title: \(titles[k])\n") }

        // Both complete sites, and how long a whole build takes.
        var sites: [[String: Data]] = []
        var duration = 0.0
        for k in [1, 0] {
            try setTitle(k)
            let start = Date()
            #expect(try Self.runBuild(tandem, portal: portal) == 0)
            duration = max(duration, Date().timeIntervalSince(start))
            sites.insert(portal.siteSnapshot(), at: 0)
        }
        #expect(sites[0] != sites[1] && sites[0][".tandem-site"] != nil)

        var generator = SystemRandomNumberGenerator()
        var outcomes = [0, 0]
        var current = 0
        for round in 0..<14 {
            let next = 1 - current
            try setTitle(next)
            _ = try Self.runBuild(tandem, portal: portal, killAfter: Double.random(in: 0...(duration * 1.1), using: &generator))
            let site = portal.siteSnapshot()
            guard let which = sites.firstIndex(of: site) else {
                Issue.record("after a kill in round \(round), Site/ is neither the old nor the new site (\(site.count) files)")
                break
            }
            outcomes[which == current ? 0 : 1] += 1
            current = which
        }
        // An unkilled build leaves exactly the new site, and beside it only the previous build
        // (kept to be rewritten next time), the lock file and the render cache's record of
        // the pages in both; whatever killed builds were
        // writing has been rewritten or removed.
        #expect(try Self.runBuild(tandem, portal: portal) == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: portal.root.path).filter { $0.contains("tandem-") }.sorted()
        #expect(leftovers == [".Site.tandem-back", ".Site.tandem-lock", ".Site.tandem-pages"], "left beside Site/: \(leftovers)")
        #expect(sites.contains(portal.siteSnapshot()))
        print("kill test: \(outcomes[0]) kills left the old site, \(outcomes[1]) the new one; a build takes \(String(format: "%.1f", duration)) s")
    }

    // MARK: injection

    /// Every `href="…"` and `src="…"` value in an HTML text.
    static func urls(in html: String) -> [String] {
        var found: [String] = []
        for attribute in ["href=\"", "src=\"", "action=\""] {
            var rest = html[...]
            while let r = rest.range(of: attribute) {
                let value = rest[r.upperBound...].prefix { $0 != "\"" }
                found.append(String(value))
                rest = rest[r.upperBound...]
            }
        }
        return found
    }

    static func hostilePortal() throws -> TestPortal {
        let portal = try TestPortal.small()
        let roster = try #require(portal.read("Content/roster.yaml"))
            .replacingOccurrences(of: "name: Bo Chen", with: #"name: "Bo <script>alert(1)</script> \"Q\" 'A' & Co;\nBEGIN:VEVENT""#)
            .replacingOccurrences(of: "name: Cy Diaz", with: "name: \"@Cy =1+1\"")
            .replacingOccurrences(of: "name: Dee Evans", with: #"name: "=HYPERLINK(\"http://evil.example\",\"x\")""#)
            .replacingOccurrences(of: "email: bo@example.com", with: "email: \"bo@example.com\"\n    link: \"https://example.com/a'onmouseover='alert(1)&x=1\"\n    bio: \"<img src=x onerror=alert(2)> javascript:alert(3)\"\n    pronouns: \"\\\"><svg onload=alert(4)>\"")
            .replacingOccurrences(of: "email: ada@example.com", with: "email: \"=cmd@example.com\"\n    link: \"HTTPS://example.com/ada?a=1&b=2\"")
        try portal.write("Content/roster.yaml", roster)
        try portal.write("Content/programs/peer-circles.md", TestPortal.program + """

        <script>alert(5)</script> <a href="javascript:alert(6)">raw link</a>
        [markdown link](javascript:alert(7)) and [data](data:text/html;base64,PHNjcmlwdD4=)
        <img src="x" onerror="alert(8)">

        """)
        try portal.write("Content/activities/show-and-tell.md", TestPortal.activity + "\n<iframe src=\"https://evil.example\"></iframe>\n[x](vbscript:msgbox)\n")
        return portal
    }

    @Test func javascriptLinksInTheRosterAreRefused() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
            .replacingOccurrences(of: "email: bo@example.com", with: "email: bo@example.com\n    link: \"javascript:alert(1)//https://\"")
            .replacingOccurrences(of: "email: cy@example.com", with: "email: cy@example.com\n    link: \" https://x.example\"")
        try portal.write("Content/roster.yaml", roster)
        let errors = portal.errors(portal.build())
        #expect(errors.count == 1 && errors.first?.hasSuffix("'link' must be an http:// or https:// address") == true, "\(errors)")
    }

    /// Participant text and Markdown come out escaped or neutralised in every page and
    /// attribute, every CSV cell and every calendar field.
    @Test func hostileTextIsNeutralisedInEveryOutput() throws {
        let portal = try Self.hostilePortal()
        defer { portal.remove() }
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let site = portal.siteSnapshot()
        #expect(site.count > 10)
        for (path, data) in site.sorted(by: { $0.key < $1.key }) {
            let text = String(decoding: data, as: UTF8.self)
            if path.hasSuffix(".html") {
                let lower = text.lowercased()
                for tag in ["<script", "<img", "<iframe", "<svg onload"] {
                    #expect(!lower.contains(tag), "\(path) contains \(tag)")
                }
                // No element carries an event-handler attribute.
                let handler = try NSRegularExpression(pattern: #"<[a-z][^>]*\son[a-z]+\s*="#)
                #expect(handler.firstMatch(in: lower, range: NSRange(lower.startIndex..., in: lower)) == nil, "\(path) has an on…= attribute")
                for url in Self.urls(in: text) {
                    let scheme = url.lowercased().split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                    #expect(!["javascript", "vbscript", "data"].contains(scheme), "\(path) links to \(url)")
                    #expect(!url.contains("<") && !url.contains(">"), "\(path): unescaped URL \(url)")
                }
            }
            if path.hasSuffix(".csv") {
                for line in text.split(separator: "\r\n").dropFirst() {
                    // Every cell that a spreadsheet would read as a formula starts with a quote mark.
                    for cell in Self.csvCells(String(line)) {
                        #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "\(path): formula cell \(cell)")
                    }
                }
            }
            if path.hasSuffix(".ics") {
                let lines = text.replacingOccurrences(of: "\r\n ", with: "").split(separator: "\r\n")
                #expect(lines.count { $0 == "BEGIN:VEVENT" } == 3, "\(path): injected calendar structure")
                #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
                let names = ["BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "X-WR-CALNAME", "X-WR-TIMEZONE", "TZID", "DTSTART", "DTEND",
                             "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "UID", "DTSTAMP", "SUMMARY", "DESCRIPTION", "ATTENDEE", "TRANSP", "RRULE",
                             "METHOD", "ORGANIZER", "URL", "ACTION", "TRIGGER"]
                for line in lines {
                    let name = line.prefix { $0 != ":" && $0 != ";" }
                    #expect(names.contains(String(name)), "\(path): unexpected line \(line)")
                }
            }
        }
        let bo = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(bo.contains("Bo &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(bo.contains("href=\"https://example.com/a&#39;onmouseover=&#39;alert(1)&amp;x=1\""))
        let csv = try #require(portal.read("Site/programs/peer-circles/matches.csv"))
        #expect(csv.contains("'=cmd@example.com"))
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""))
    }

    /// Cells of one CSV line (RFC 4180 quoting).
    static func csvCells(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false, wasQuote = false
        for c in line {
            if quoted {
                if c == "\"" { quoted = false; wasQuote = true } else { cell.append(c) }
            } else if c == "\"" {
                if wasQuote { cell.append("\"") }
                quoted = true
            } else if c == "," {
                cells.append(cell); cell = ""; wasQuote = false
            } else {
                cell.append(c); wasQuote = false
            }
        }
        cells.append(cell)
        return cells
    }

    // MARK: privacy

    /// Every field bo marks private has a value found nowhere else; none may appear in any
    /// file of the site, and the explanations must not give away what matched.
    @Test func privateFieldsAppearInNoOutputFile() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let bo = """
          - id: bo
            name: Bo Chen
            email: xmailx@example.com
            pronouns: xpronounx
            title: Xtitlex Officer
            department: Xdeptx
            team: Xteamx
            location: Xlocx
            timezone: Pacific/Chatham
            seniority: 3
            joined: 2011-11-11
            programs: [peer-circles]
            skills: [negotiation, xskillx]
            goals: [swift, xgoalx]
            interests: [chess, xinterestx]
            groups: [xgroupx]
            link: https://xlinkx.example
            bio: Xbiox is private.
            private: [email, pronouns, title, department, team, location, timezone, seniority, joined, skills, goals, interests, groups, link, bio]

        """
        var roster = try #require(portal.read("Content/roster.yaml"))
        let start = try #require(roster.range(of: "  - id: bo\n")), end = try #require(roster.range(of: "  - id: cy\n"))
        roster.replaceSubrange(start.lowerBound..<end.lowerBound, with: bo)
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let secrets = ["xmailx", "xpronounx", "Xtitlex", "Xdeptx", "Xteamx", "Xlocx", "Chatham", "2011", "xskillx", "xgoalx",
                       "xinterestx", "xgroupx", "xlinkx", "Xbiox"]
        let site = portal.siteSnapshot()
        #expect(site["programs/peer-circles/people/bo.html"] != nil)
        for (path, data) in site {
            let text = String(decoding: data, as: UTF8.self)
            for secret in secrets {
                #expect(!text.localizedCaseInsensitiveContains(secret), "\(path) shows bo's private '\(secret)'")
            }
        }
        // Matching still used them, but nobody is told which private skill or goal matched.
        let ada = try #require(portal.read("Site/programs/peer-circles/people/ada.html"))
        #expect(ada.contains("Bo Chen"))
        #expect(!ada.contains("negotiation — Bo"), "ada's page reveals bo's private skills")
        #expect(!ada.contains("Bo wants to grow"), "ada's page reveals bo's private goals")
        #expect(!ada.contains("share an interest in chess"), "ada's page reveals bo's private interests")
    }

    @Test func noindexOnPersonalPagesAndEverywhereWhenAsked() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build().succeeded)
        let robots = "<meta name=\"robots\" content=\"noindex"
        for (path, data) in portal.siteSnapshot() where path.hasSuffix(".html") {
            let personal = path.contains("/people/") || path.contains("/pairs/") || path.hasSuffix("report.html")
            #expect(String(decoding: data, as: UTF8.self).contains(robots) == personal, "\(path)")
        }
        try portal.write("Content/portal.yaml", "title: Test Portal\nnoindex: true\n")
        #expect(portal.build().succeeded)
        for (path, data) in portal.siteSnapshot() where path.hasSuffix(".html") {
            #expect(String(decoding: data, as: UTF8.self).contains(robots), "\(path)")
        }
    }

    // MARK: paths and symbolic links

    @Test func symbolicLinksOutOfThePortalAreNotFollowed() throws {
        let portal = try TestPortal.small()
        let outside = try TestPortal(["secret.yaml": "participants: []\n", "programs/leak.md": TestPortal.program, "matches/x": ""])
        defer { portal.remove(); outside.remove() }
        let fm = FileManager.default
        try fm.removeItem(at: portal.root.appendingPathComponent("Content/roster.yaml"))
        try fm.createSymbolicLink(at: portal.root.appendingPathComponent("Content/roster.yaml"), withDestinationURL: outside.root.appendingPathComponent("secret.yaml"))
        try fm.createSymbolicLink(at: portal.root.appendingPathComponent("Content/programs/leak.md"), withDestinationURL: outside.root.appendingPathComponent("programs/leak.md"))
        #expect(portal.errors(portal.build()) == [
            "Content/programs/leak.md:1:1: refusing to read a file that leads outside the portal (symbolic link?)",
            "Content/roster.yaml:1:1: refusing to read a file that leads outside the portal (symbolic link?)",
        ])
        #expect(!portal.exists("Site"))

        // A link that stays inside the portal is fine.
        try fm.removeItem(at: portal.root.appendingPathComponent("Content/programs/leak.md"))
        try fm.removeItem(at: portal.root.appendingPathComponent("Content/roster.yaml"))
        try portal.write("Inputs/roster.yaml", try #require(TestPortal.small().read("Content/roster.yaml")))
        try fm.createSymbolicLink(atPath: portal.root.appendingPathComponent("Content/roster.yaml").path, withDestinationPath: "../Inputs/roster.yaml")
        // Lock files are never written through a link that leaves Content/matches/.
        try fm.createSymbolicLink(at: portal.root.appendingPathComponent("Content/matches"), withDestinationURL: outside.root.appendingPathComponent("matches"))
        let report = portal.build()
        #expect(portal.errors(report).contains { $0.contains("refusing to write") }, "\(portal.errors(report))")
        #expect(!fm.fileExists(atPath: outside.root.appendingPathComponent("matches/peer-circles").path), "a folder was made outside the portal")
    }

    @Test func outputThatIsNotTandemsIsNeverReplaced() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Elsewhere/notes.txt", "keep")
        try portal.write("AFile", "keep")
        for output in ["Elsewhere", "AFile", "Content"] {
            let report = Pipeline.build(BuildOptions(root: portal.root, output: portal.root.appendingPathComponent(output)))
            #expect(!report.succeeded, "\(output)")
        }
        #expect(portal.read("Elsewhere/notes.txt") == "keep" && portal.read("AFile") == "keep" && portal.exists("Content/roster.yaml"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: portal.root.path).filter { $0.contains("tandem-") }.isEmpty)
    }

    // MARK: unlisted portals

    @Test func pageKeysFollowTheStandards() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(PageKey.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(PageKey.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(PageKey.sha256(Array(String(repeating: "a", count: 1000).utf8))) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        // RFC 4231 test cases 2 and 6 (a key longer than the block).
        #expect(hex(PageKey.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(PageKey.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// Relative links of every HTML page that point to a file of the site which is missing.
    static func brokenLinks(_ site: [String: Data]) -> [String] {
        var broken: [String] = []
        for (path, data) in site where path.hasSuffix(".html") {
            let folder = URL(fileURLWithPath: "/" + path).deletingLastPathComponent()
            for url in urls(in: String(decoding: data, as: UTF8.self)) where !url.contains(":") && !url.hasPrefix("#") {
                let target = URL(fileURLWithPath: String(url.prefix { $0 != "#" }), relativeTo: folder).standardizedFileURL.path.dropFirst()
                if site[String(target)] == nil { broken.append("\(path) → \(url)") }
            }
        }
        return broken.sorted()
    }

    @Test func unlistedPortalHasUnguessableAddressesAndNoDirectory() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let secret = "correct horse battery staple 42"
        try portal.write("secret.txt", secret + "\n")
        try portal.write("Content/portal.yaml", "title: Test Portal\nunlisted: true\nurl_secret_file: secret.txt\n")
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let site = portal.siteSnapshot()
        let people = site.keys.filter { $0.hasPrefix("programs/peer-circles/people/") }.sorted()
        #expect(people.count == 4)
        let key = try NSRegularExpression(pattern: #"^programs/peer-circles/(people|pairs)/[0-9a-f]{20}\.(html|ics)$"#)
        for path in site.keys where path.contains("/people/") || path.contains("/pairs/") {
            #expect(key.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil, "guessable address \(path)")
        }
        #expect(site.keys.allSatisfy { !$0.contains("report.html") && !$0.contains("matches.csv") })
        #expect(site.keys.contains { $0.hasPrefix("programs/peer-circles/report-") && $0.hasSuffix(".html") })
        // Nothing lists the people or links to a personal page, except the pages of those concerned.
        let program = String(decoding: try #require(site["programs/peer-circles/index.html"]), as: UTF8.self)
        for name in ["Ada", "Bo Chen", "people/", "report"] { #expect(!program.contains(name), "program page shows \(name)") }
        let index = String(decoding: try #require(site["index.html"]), as: UTF8.self)
        #expect(!index.contains("people/") && !index.contains("Ada"))
        for (path, data) in site {
            #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(path) holds the secret")
        }
        #expect(Self.brokenLinks(site).isEmpty, "\(Self.brokenLinks(site))")
        // The same secret gives the same addresses; another secret gives others.
        #expect(portal.build(now: 1_800_000_000).succeeded)
        #expect(portal.siteSnapshot() == site)
        try portal.write("secret.txt", "another secret of some length")
        #expect(portal.build(now: 1_800_000_000).succeeded)
        #expect(Set(portal.siteSnapshot().keys).intersection(people).isEmpty)
    }

    @Test func listedSiteHasNoBrokenLinks() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        #expect(portal.build(now: 1_800_000_000).succeeded)
        #expect(Self.brokenLinks(portal.siteSnapshot()).isEmpty, "\(Self.brokenLinks(portal.siteSnapshot()))")
    }

    @Test func unlistedPortalNeedsASecretKeptOutOfContent() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Content/portal.yaml", "title: T\nunlisted: true\n")
        let files = ContentFiles(root: portal.root)
        func errors(_ environment: [String: String]) -> [String] {
            let bag = DiagnosticBag()
            _ = SettingsLoader.load(files, environment: environment, bag: bag)
            return bag.sorted().map { "\($0.location.map { "\($0)" } ?? "-"): \($0.message)" }
        }
        #expect(errors([:]) == ["Content/portal.yaml:2:11: an unlisted portal needs a secret for its page addresses"])
        #expect(errors(["TANDEM_URL_SECRET": "short"]) == ["Content/portal.yaml:2:11: the URL secret is too short (5 characters; at least 16)"])
        #expect(errors(["TANDEM_URL_SECRET": "a long enough secret value"]).isEmpty)
        try portal.write("Content/secret.txt", "a long enough secret value")
        try portal.write("Content/portal.yaml", "title: T\nunlisted: true\nurl_secret_file: Content/secret.txt\n")
        #expect(errors([:]) == ["Content/portal.yaml:3:18: the URL secret file must not be inside Content/"])
        try portal.write("Content/portal.yaml", "title: T\nunlisted: true\nurl_secret_file: missing.txt\n")
        #expect(errors([:]) == ["Content/portal.yaml:3:18: cannot read the URL secret file 'missing.txt'"])
    }
}
