import Foundation
import Testing
@testable import TandemKit

/// The second hardening round (issue #20): each test asserts a property over a class of
/// inputs rather than the one input that was reported.
extension HardeningTests {
    // MARK: templates

    /// No symbolic link anywhere under the portal's Templates/ is followed, whatever it points
    /// at (outside the portal, or inside it) and whatever it stands for (a template, an asset,
    /// the assets folder); a folder Templates/ that links inside the portal is fine.
    @Test func noSymbolicLinkUnderTemplatesIsFollowed() throws {
        let outside = try TestPortal(["passwd": "root:x:0:0:secret-line\n", "layout.mustache": "LEAKED {{{content}}}\n", "assets/x.css": "secret-css"])
        defer { outside.remove() }
        let fm = FileManager.default
        let targets = [("outside", outside.root), ("inside", nil as URL?)]
        let entries = ["Templates/assets/x.css", "Templates/layout.mustache", "Templates/assets"]
        for (where_, base) in targets {
            for entry in entries {
                let portal = try TestPortal.small()
                defer { portal.remove() }
                try portal.write("Inside/passwd", "root:x:0:0:secret-line\n")
                try portal.write("Inside/layout.mustache", "LEAKED {{{content}}}\n")
                try portal.write("Inside/assets/x.css", "secret-css")
                let root = base ?? portal.root.appendingPathComponent("Inside")
                let target: URL
                switch entry {
                case "Templates/assets/x.css": target = root.appendingPathComponent("passwd")
                case "Templates/layout.mustache": target = root.appendingPathComponent("layout.mustache")
                default: target = root.appendingPathComponent("assets")
                }
                let link = portal.root.appendingPathComponent(entry)
                try fm.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.createSymbolicLink(at: link, withDestinationURL: target)
                let report = portal.build()
                #expect(portal.errors(report) == ["\(entry):1:1: refusing to follow a symbolic link under Templates/"], "\(where_) \(entry)")
                #expect(!portal.exists("Site"), "\(where_) \(entry): a site was written")
            }
        }
        // Templates/ itself may be a link that stays inside the portal (the demo's is), and
        // its plain files are used; one that leads outside is refused.
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Theme/assets/extra.css", "body{}")
        try fm.createSymbolicLink(atPath: portal.root.appendingPathComponent("Templates").path, withDestinationPath: "Theme")
        #expect(portal.build().succeeded)
        #expect(portal.read("Site/assets/extra.css") == "body{}")
        try fm.removeItem(at: portal.root.appendingPathComponent("Templates"))
        try fm.createSymbolicLink(at: portal.root.appendingPathComponent("Templates"), withDestinationURL: outside.root)
        #expect(portal.errors(portal.build()) == ["Templates:1:1: refusing to read templates from a folder that leads outside the portal (symbolic link?)"])
    }

    // MARK: privacy of reasons

    /// Names of the rules that can exclude a partner, as `violatedRule` gives them and as a
    /// program writes them.
    static let ruleNames = ["avoid", "not_manager", "not_same_team", "not_same_department", "same_location", "max_timezone_gap",
                            "min_seniority_gap", "not_previous_partner", "excludes"]

    /// Nobody's page, agenda or calendar says which rules excluded whom: a count such as
    /// "avoid excludes 1" told the person avoided about a private avoid list, and a rule on a
    /// private field (team, time zone) says as much. The report keeps the details.
    @Test func participantPagesNameNoRuleThatExcludedSomeone() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        // ada's team-mates are bo and dee (not_same_team); cy avoids ada, privately. Only the
        // avoid list explains why ada is alone; bo or dee is left without a partner too.
        try portal.write("Content/roster.yaml", "participants:\n" + [
            TestPortal.person("ada", "Ada Lovelace", dept: "Engineering", team: "Compilers"),
            TestPortal.person("bo", "Bo Chen", dept: "Engineering", team: "Compilers"),
            TestPortal.person("cy", "Cy Diaz", dept: "Sales", team: "Planning", extra: "    avoid: [ada]\n    private: [avoid, team]\n"),
            TestPortal.person("dee", "Dee Evans", dept: "Engineering", team: "Compilers"),
        ].joined(separator: "\n") + "\n")
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let site = portal.siteSnapshot()
        let ada = String(decoding: try #require(site["programs/peer-circles/people/ada.html"]), as: UTF8.self)
        #expect(ada.contains("No match this round") && ada.contains("no allowed partner under the rules"))
        var checked = 0
        for (path, data) in site where path.contains("/people/") || path.contains("/pairs/") || path.contains("/pods/") {
            let text = String(decoding: data, as: UTF8.self)
            for rule in Self.ruleNames {
                #expect(!text.contains(rule), "\(path) names the rule '\(rule)'")
            }
            checked += 1
        }
        #expect(checked >= 6)
        // The admin report may say more.
        let adminReport = String(decoding: try #require(site["programs/peer-circles/report.html"]), as: UTF8.self)
        #expect(adminReport.contains("avoid excludes 1"))
        #expect(Explain.participantReason("no allowed partner under the rules (avoid excludes 1, not_same_team excludes 2)") == "no allowed partner under the rules")
        #expect(Explain.participantReason("every mentor they could be matched with is at capacity") == "every mentor they could be matched with is at capacity")
    }

    // MARK: the output folder

    @Test func outputInsideOrAroundContentAndTemplatesIsRefused() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        try portal.write("Templates/assets/extra.css", "body{}")
        #expect(portal.build().succeeded)   // locks the round
        let lock = try #require(portal.read("Content/matches/peer-circles/round-1.yaml"))
        let cases: [(String, String)] = [
            ("Content/matches", "inside the portal's Content/ folder"),
            ("Content", "inside the portal's Content/ folder"),
            ("Content/new/Site", "inside the portal's Content/ folder"),
            ("Templates/Site", "inside the portal's Templates/ folder"),
            (".", "the portal's Content/ folder, which the new site would replace"),
        ]
        for (output, reason) in cases {
            let url = portal.root.appendingPathComponent(output)
            let report = Pipeline.build(BuildOptions(root: portal.root, output: url))
            let verb = output == "." ? "contains" : "is"
            #expect(portal.errors(report) == ["-: refusing to build into \(url.path): it \(verb) \(reason)"], "\(output)")
        }
        // A Templates/ folder that does not exist yet is no different.
        let fresh = try TestPortal.small()
        defer { fresh.remove() }
        #expect(!fresh.exists("Templates"))
        #expect(fresh.errors(Pipeline.build(BuildOptions(root: fresh.root, output: fresh.root.appendingPathComponent("Templates"))))
            == ["-: refusing to build into \(fresh.root.appendingPathComponent("Templates").path): it is inside the portal's Templates/ folder"])
        #expect(!fresh.exists("Templates"))
        // Through a link, too.
        try FileManager.default.createSymbolicLink(atPath: portal.root.appendingPathComponent("Out").path, withDestinationPath: "Content/matches")
        #expect(!Pipeline.build(BuildOptions(root: portal.root, output: portal.root.appendingPathComponent("Out/Site"))).succeeded)
        #expect(portal.read("Content/matches/peer-circles/round-1.yaml") == lock)
        #expect(!portal.exists("Content/new") && !portal.exists("Templates/Site"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: portal.root.appendingPathComponent("Content").path).sorted()
            == ["activities", "matches", "portal.yaml", "programs", "roster.yaml"])
    }

    /// A folder Tandem cannot write in says so, with the path, instead of claiming that
    /// another build is running.
    @Test func unwritableOutputFolderSaysWhatIsWrong() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        // /proc refuses new files even to root, who may write anywhere else.
        let name = "tandem-test-\(UUID().uuidString)"
        let errors = portal.errors(Pipeline.build(BuildOptions(root: portal.root, output: URL(fileURLWithPath: "/proc/\(name)"))))
        #expect(errors.count == 1 && errors[0].hasPrefix("-: cannot write beside the output folder: /proc/.\(name).tandem-lock: "), "\(errors)")
        #expect(!errors.joined().contains("another tandem build"))
        if getuid() != 0 {
            try portal.write("ReadOnly/keep", "")
            let folder = portal.root.appendingPathComponent("ReadOnly")
            chmod(folder.path, 0o555)
            defer { chmod(folder.path, 0o755) }
            let errors = portal.errors(Pipeline.build(BuildOptions(root: portal.root, output: folder.appendingPathComponent("Site"))))
            #expect(errors == ["-: cannot write beside the output folder: \(folder.path)/.Site.tandem-lock: Permission denied"])
        }
    }

    // MARK: one output per address

    /// Every file a build produces has an address of its own: the site holds exactly as many
    /// files as the build wrote (and its marker), for the demo portal and for a roster whose
    /// ids would collide if pair pages were named naively.
    @Test func everyOutputHasItsOwnAddress() throws {
        let demo = try TestPortal([:])
        defer { demo.remove() }
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("Content"), to: demo.root.appendingPathComponent("Content"))
        let demoReport = demo.build(now: 1_800_000_000)
        #expect(demoReport.succeeded, "\(demo.errors(demoReport))")
        #expect(demo.siteSnapshot().count == demoReport.files + 1)

        // x-y + z and x + y-z: joined with '--' they are x-y--z and x--y-z, never one name.
        let hostile = try TestPortal.small()
        defer { hostile.remove() }
        try hostile.write("Content/roster.yaml", "participants:\n" + [
            TestPortal.person("x-y", "Xy", dept: "A", team: "T1", extra: "    avoid: [x, y-z]\n"),
            TestPortal.person("z", "Zed", dept: "B", team: "T2"),
            TestPortal.person("x", "Ex", dept: "C", team: "T3", extra: "    avoid: [z]\n"),
            TestPortal.person("y-z", "Yz", dept: "D", team: "T4"),
        ].joined(separator: "\n") + "\n")
        let report = hostile.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(hostile.errors(report))")
        let site = hostile.siteSnapshot()
        #expect(site.count == report.files + 1)
        #expect(site["programs/peer-circles/pairs/x-y--z.html"] != nil && site["programs/peer-circles/pairs/x--y-z.html"] != nil)

        // The ids that could make two matches share a name are refused.
        for id in ["x--y", "x-", "-x"] {
            let bag = DiagnosticBag()
            _ = RosterLoader.parse("participants:\n" + TestPortal.person(id, "N", dept: "A", team: "T"), bag: bag)
            #expect(bag.sorted().map(\.message) == ["participant id '\(id)' may not start or end with '-' or contain '--'"], "\(id)")
        }
    }

    /// The writer's net under unique addresses: a second output at one address fails the
    /// build instead of replacing the first.
    @Test func aSecondOutputAtOneAddressFailsTheBuild() throws {
        let portal = try TestPortal([:])
        defer { portal.remove() }
        let writer = SiteWriter(output: portal.root.appendingPathComponent("Site"))
        let bag = DiagnosticBag()
        writer.prepare(bag: bag)
        writer.write("programs/p/pairs/a--b.html", Array("first".utf8))
        writer.write("programs/p/pairs/a--b.html", Array("second".utf8))
        writer.commit(bag: bag)
        #expect(bag.sorted().map(\.message) == ["two outputs at one address: programs/p/pairs/a--b.html"])
        #expect(!portal.exists("Site"))
    }

    // MARK: lock files read back

    /// Hostile scalars: every C0 control, DEL, the C1 controls, YAML's and Unicode's line
    /// breaks, the byte-order mark, non-characters, bidi controls and YAML syntax.
    static let hostileTexts: [String] = {
        var texts = (0..<0x20).map { "a\(Character(Unicode.Scalar($0)!))b" }
        texts += [0x7F, 0x80, 0x85, 0x9F, 0xA0, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0x202E, 0x2066, 0x1F600].map { "a\(Character(Unicode.Scalar($0)!))b" }
        texts += ["\r\n", "# not a comment", "key: value", "- item", "\"quoted\" 'single'", "back\\slash", "---", "...", "&anchor *alias", "!tag", "%YAML",
                  " leading and trailing ", "", "{ flow: [1, 2] }", "ü ß 漢字 עברית"]
        return texts
    }()

    /// Everything Tandem writes into a lock file reads back: the title comment whatever the
    /// program's title, and every reason exactly as it was.
    @Test func lockFilesReadBackWhateverTheTitleAndReasons() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let bag = DiagnosticBag()
        let loaded = PortalLoader.load(root: portal.root, bag: bag)
        let program = try #require(loaded.programs.first)
        #expect(!bag.hasErrors)
        for (k, text) in Self.hostileTexts.enumerated() {
            let reasons = [text, "left: \(text)", text + text]
            let lock = RoundLock(program: program.slug, round: 1, format: .pairs, locked: LocalDate(year: 2027, month: 1, day: 4)!,
                                 matches: [LockedUnit(members: ["ada", "bo"], score: 3, added: nil, pod: nil, memberLocations: [], location: nil)],
                                 satOut: [LockedPerson(id: "cy", reason: reasons[0], location: nil)],
                                 unmatched: [LockedPerson(id: "dee", reason: reasons[1], location: nil)],
                                 dissolved: [DissolvedUnit(members: ["ada", "cy"], reason: reasons[2], date: nil)],
                                 file: "Content/matches/peer-circles/round-1.yaml")
            let written = LockWriter.render(lock, title: "Title \(text) end")
            #expect(LockWriter.write(written, to: lock.file, root: portal.root, bag: bag))
            let readBag = DiagnosticBag()
            let read = LockLoader.read(lock.file, files: ContentFiles(root: portal.root), program: program, round: 1, portal: loaded, bag: readBag)
            #expect(!readBag.hasErrors, "case \(k) \(Array(text.unicodeScalars).map { String($0.value, radix: 16) }): \(readBag.sorted())")
            // Texts are read trimmed, so reasons are written trimmed: then what is written
            // reads back exactly, and writing what was read gives the same bytes.
            #expect(read?.satOut.first?.reason == reasons[0].trimmedFast(newlines: true), "case \(k)")
            #expect(read?.unmatched.first?.reason == reasons[1].trimmedFast(newlines: true), "case \(k)")
            #expect(read?.dissolved.first?.reason == reasons[2].trimmedFast(newlines: true), "case \(k)")
            #expect(read?.matches.first?.members == ["ada", "bo"], "case \(k)")
            if let read { #expect(LockWriter.render(read, title: "Title \(text) end") == written, "case \(k)") }
            // The comment stays one line.
            #expect(written.split(separator: "\n", omittingEmptySubsequences: false).first?.hasSuffix("round 1.") == true, "case \(k)")
        }
    }

    /// A whole build with a hostile program title: the next build reads the lock file the
    /// first one wrote.
    @Test func aBuildReadsTheLockFileTheLastOneWrote() throws {
        for title in [#"Peer\rCircles"#, #"Peer\u2028Circles"#, #"Peer\NCircles"#, #"Peer\vCircles"#, #"Peer\fCircles"#, #"Peer\u2029\u0085Circles"#] {
            let portal = try TestPortal.small()
            defer { portal.remove() }
            try portal.write("Content/programs/peer-circles.md", TestPortal.program.replacingOccurrences(of: "title: Peer Circles", with: "title: \"\(title)\""))
            let first = portal.build(now: 1_800_000_000)
            #expect(first.succeeded && first.locksWritten == ["Content/matches/peer-circles/round-1.yaml"], "\(title): \(portal.errors(first))")
            let second = portal.build(now: 1_800_000_000)
            #expect(second.succeeded && second.locksWritten.isEmpty, "\(title): \(portal.errors(second))")
        }
    }

    // MARK: control and bidirectional characters

    /// Every control character but tab and line feed, and every explicit bidi control, is
    /// refused in every text field of the roster, at the value's position.
    @Test func rosterRefusesControlCharactersAtTheirPosition() throws {
        var scalars = (0..<0x20).filter { $0 != 0x09 && $0 != 0x0A } + [0x7F, 0x80, 0x85, 0x9F]
        scalars += [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
        for value in scalars {
            for field in ["name", "title", "department", "bio", "skills"] {
                let escaped = String(format: "\\u%04X", value)
                let line = field == "skills" ? "    skills: [ok, \"a\(escaped)b\"]" : "    \(field): \"a\(escaped)b\""
                var roster = "participants:\n" + TestPortal.person("ada", "Ada", dept: "Engineering", team: "T")
                roster = roster.components(separatedBy: "\n").filter { !$0.hasPrefix("    \(field):") }.joined(separator: "\n") + line + "\n"
                let bag = DiagnosticBag()
                _ = RosterLoader.parse(roster, bag: bag)
                let errors = bag.sorted().filter { $0.severity == .error }
                let lineNumber = roster.components(separatedBy: "\n").firstIndex(of: line).map { $0 + 1 }
                #expect(errors.count == 1 && errors[0].message.hasPrefix("'\(field)' contains the ") && errors[0].message.contains(String(format: "U+%04X", value)),
                        "\(field) U+\(String(value, radix: 16)): \(errors)")
                #expect(errors.first?.location?.line == lineNumber, "\(field) U+\(String(value, radix: 16))")
            }
        }
        // Tabs and line breaks stay allowed.
        let bag = DiagnosticBag()
        _ = RosterLoader.parse("participants:\n" + TestPortal.person("ada", "Ada", dept: "Engineering", team: "T") + "    bio: \"one\\ttwo\\nthree\"\n", bag: bag)
        #expect(!bag.hasErrors, "\(bag.sorted())")
    }

    /// A name in a right-to-left script is isolated (U+2068 … U+2069) wherever it appears, so
    /// it cannot reorder its neighbours; left-to-right names come out unchanged.
    @Test func rightToLeftTextIsIsolatedInEveryOutput() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
            .replacingOccurrences(of: "name: Bo Chen", with: "name: דנה לוי")
            .replacingOccurrences(of: "department: Sales", with: "department: مبيعات")
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        var seen = 0
        for (path, data) in portal.siteSnapshot() {
            let text = String(decoding: data, as: UTF8.self)
            for word in ["דנה לוי", "مبيعات"] {
                var rest = text[...]
                while let r = rest.range(of: word) {
                    seen += 1
                    #expect(rest[..<r.lowerBound].unicodeScalars.last == "\u{2068}" && rest[r.upperBound...].unicodeScalars.first == "\u{2069}",
                            "\(path): '\(word)' is not isolated")
                    rest = rest[r.upperBound...]
                }
            }
            #expect(!text.contains("\u{2068}Ada") && !text.contains("\u{2068}Cy"), "\(path): a left-to-right name was isolated")
        }
        #expect(seen >= 5)
        // A first name taken from an isolated name is isolated itself, never left open.
        for (path, data) in portal.siteSnapshot() {
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.unicodeScalars.count { $0 == "\u{2068}" } == text.unicodeScalars.count { $0 == "\u{2069}" }, "\(path): an isolate is left open")
        }
        #expect(Bidi.isolate("Ada Lovelace") == "Ada Lovelace" && Bidi.isolate("Zoë") == "Zoë" && Bidi.isolate("李") == "李")
        // Check-in comments (shown in the report) lose their explicit controls, then are isolated.
        #expect(Bidi.isolateFreeText("fine \u{202E}gnp.exe\u{2069} end") == "fine gnp.exe end")
        #expect(Bidi.isolateFreeText("\u{2069}שלום") == "\u{2068}שלום\u{2069}")
    }

    // MARK: did you mean

    /// However many unknown names a file has, suggestions cost at most their budget (plus one
    /// search): 3,000 unknown managers given as e-mail addresses among 3,000 ids. A typo near
    /// the top of the file still gets its suggestion.
    @Test func suggestionsStayWithinTheirBudget() throws {
        var people: [Participant] = []
        let rosterBag = DiagnosticBag()
        var text = "participants:\n"
        for i in 0..<3_000 {
            text += "  - { id: person-number-\(i), name: P, email: p\(i)@example.com, department: D, location: L, timezone: UTC, programs: [peer-circles], manager: \(i == 0 ? "person-numbr-7" : "someone.else.\(i)@example.com") }\n"
        }
        people = RosterLoader.parse(text, bag: rosterBag)
        #expect(people.count == 3_000)
        let bag = DiagnosticBag()
        let portal = Portal(root: URL(fileURLWithPath: "/nonexistent"), settings: PortalSettings(), participants: people, programs: [], activities: [])
        Validator.check(portal, bag: bag)
        let managerErrors = bag.diagnostics.filter { $0.message.hasPrefix("unknown manager") }
        #expect(managerErrors.count == 3_000)
        #expect(managerErrors.first { $0.message.contains("person-numbr-7") }?.hint == "did you mean 'person-number-7'?")
        // One search costs at most 3,000 ids × 30 characters.
        #expect(bag.suggestionWork <= DiagnosticBag.suggestionBudget + 3_000 * 30 * 30)
        #expect(bag.suggestionWork >= DiagnosticBag.suggestionBudget, "the budget was never reached: the test does not test it")
        #expect(Suggest.closest(to: "skils", in: RosterLoader.keys) == "skills")
        #expect(Suggest.editDistance("kitten", "sitting") == 3)
    }

    // MARK: Markdown

    /// A body at the limits is rendered; one byte, one column or one row of cells more is
    /// refused at its position. (The limits are measured in the README.)
    @Test func markdownBodiesAreBoundedAtTheirLimits() {
        func errors(_ body: String) -> [String] {
            let bag = DiagnosticBag()
            _ = MarkdownLimits.check(body, file: "f.md", firstLine: 5, bag: bag)
            return bag.sorted().map { "\($0.location!): \($0.message)" }
        }
        let limit = MarkdownLimits.maximumBodyBytes
        #expect(errors(String(repeating: "a", count: limit)).isEmpty)
        #expect(errors(String(repeating: "a", count: limit + 1)) == ["f.md:5:1: the Markdown body is too large (\(limit + 1) bytes; the limit is \(limit))"])
        func table(columns: Int, rows: Int) -> String {
            "intro\n\n| " + (0..<columns).map { "c\($0)" }.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: columns) + "\n"
                + String(repeating: "x\n", count: rows)
        }
        let wide = MarkdownLimits.maximumTableColumns
        #expect(errors(table(columns: wide, rows: 3)).isEmpty)
        #expect(errors(table(columns: wide + 1, rows: 3)) == ["f.md:7:1: a table with \(wide + 1) columns (the limit is \(wide))"])
        // 10 columns: the header and the rows count.
        let rows = MarkdownLimits.maximumTableCells / 10 - 1
        #expect(errors(table(columns: 10, rows: rows)).isEmpty)
        #expect(errors(table(columns: 10, rows: rows + 1)) == ["f.md:7:1: the tables of this file have more than \(MarkdownLimits.maximumTableCells) cells"])
        // Rows that are not a table do not count; a rule of dashes is no table.
        #expect(errors("a\n---\n" + String(repeating: "x\n", count: 20_000)).isEmpty)
        #expect(MarkdownLimits.delimiterRowColumns("| :-- | --: | :-: |") == 3)
        #expect(MarkdownLimits.delimiterRowColumns("--- | ---") == 2)
        #expect(MarkdownLimits.delimiterRowColumns("| a | b |") == nil)
        // The worst input known for cmark-gfm 0.29 at the size limit renders (the README
        // gives its time; no timing is asserted here).
        let brackets = String(repeating: "![[]()", count: limit / 6)
        #expect(errors(brackets).isEmpty)
        #expect(Markdown.html(brackets, allowRawHTML: false).count > limit)
    }
}

extension HardeningTests {
    /// The role check of mentoring lock files leaves alone whoever has left the program:
    /// the build dissolves their match, as for any other program.
    @Test func aMentorWhoLeftTheProgramDoesNotFailTheLockFile() throws {
        let portal = try BadInputTests.portal(for: "lock-mentee-as-mentor")
        defer { portal.remove() }
        try portal.write("Content/matches/mentoring/round-1.yaml", """
            program: mentoring
            round: 1
            format: mentoring
            locked: 2027-01-04
            matches:
              - members: [ada, bo]
                kind: mentoring

            """)
        let roster = try #require(portal.read("Content/roster.yaml"))
            .replacingOccurrences(of: "    programs: [peer-circles, mentoring]\n    roles: { mentoring: mentor }\n", with: "    programs: [peer-circles]\n")
        #expect(roster != portal.read("Content/roster.yaml"))
        try portal.write("Content/roster.yaml", roster)
        let report = portal.build(now: 1_800_000_000)
        #expect(report.succeeded, "\(portal.errors(report))")
        #expect(portal.read("Content/matches/mentoring/round-1.yaml")?.contains("dissolved:") == true)
    }
}
