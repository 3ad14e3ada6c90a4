import Foundation
import Testing
@testable import TandemKit

/// Intake: the roster built from an HR export and sign-up form answers (`roster:` in
/// portal.yaml), with roster.yaml's hand-kept fields on top; `tandem roster`'s export; check-in
/// timestamps as the form tools write them; errors at the cell, with no follow-on noise.
@Suite struct IntakeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intake")

    static func fixture(_ name: String) throws -> String {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        return String(decoding: data, as: UTF8.self)
    }

    static let mentoring = """
    ---
    title: Leadership Mentoring
    summary: Mentors and mentees.
    format: mentoring
    start: 2027-01-11
    cadence: monthly
    sessions: 3
    session_length: 1h
    meeting_time: "12:30"
    timezone: Europe/London
    match:
      weights: { goals_skills: 5 }
      rules: [not_manager]
    agenda: [show-and-tell]
    ---
    Mentoring.
    """

    static let settings = """
    title: Test Portal
    roster:
      - file: people.csv
        columns: { "Employee ID": id, "Legal Name": name, "Work Email": email, "Job Profile": title,
                   "Supervisory Organization": department, "Team": team, "Manager Email": manager,
                   "Location": location, "Management Level": seniority, "Hire Date": joined }
        date_format: MM/DD/YYYY
      - file: signups.csv
        match_by: email
        columns: { "Email Address": email, "Which programs would you like to join?": programs,
                   "Mentor or mentee? (Leadership Mentoring)": roles.leadership-mentoring,
                   "What can you help others with?": skills, "What would you like to grow in?": goals,
                   "Hobbies": interests, "Employee resource groups": groups, "Tell your peer about yourself": bio }
      - file: ms-forms.csv
        match_by: email
        columns: { "Email": email, "Which programs would you like to join?": programs,
                   "Mentor or mentee?": roles.leadership-mentoring,
                   "What can you help others with?": skills, "What would you like to grow in?": goals }
    locations: { London: Europe/London, "New York": America/New_York, Bengaluru: Asia/Kolkata }
    """

    static let handKept = """
    participants:
      - id: e10234
        capacity: 2
        avoid: [e10236]
        private: [groups]
      - id: e10237
        bio: Kept by hand.
    """

    /// The Workday-style HR export, the Google Forms and Microsoft Forms answers, a short roster.yaml.
    static func portal(settings: String = IntakeTests.settings, roster: String? = IntakeTests.handKept,
                       replacing: [String: String] = [:]) throws -> TestPortal {
        var files = [
            "Content/portal.yaml": settings,
            "Content/programs/peer-circles.md": TestPortal.program,
            "Content/programs/leadership-mentoring.md": mentoring,
            "Content/activities/show-and-tell.md": TestPortal.activity,
            "Content/people.csv": try fixture("workday-people.csv"),
            "Content/signups.csv": try fixture("google-forms-signups.csv"),
            "Content/ms-forms.csv": try fixture("microsoft-forms-signups.csv"),
        ]
        if let roster { files["Content/roster.yaml"] = roster }
        for (k, v) in replacing { files[k] = v }
        return try TestPortal(files)
    }

    static let formHeader = "Timestamp,Email Address,Which programs would you like to join?,Mentor or mentee? (Leadership Mentoring),"
        + "What can you help others with?,What would you like to grow in?,Hobbies,Employee resource groups,Tell your peer about yourself\n"

    static func load(_ portal: TestPortal) -> (Portal, DiagnosticBag) {
        let bag = DiagnosticBag()
        return (PortalLoader.load(root: portal.root, bag: bag), bag)
    }

    static func errors(_ bag: DiagnosticBag) -> [String] {
        bag.sorted().filter { $0.severity == .error }.map { d in "\(d.location.map { "\($0)" } ?? "-"): \(d.message)" }
    }

    // MARK: building the roster

    @Test func realisticExportsMergeIntoTheRoster() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        #expect(p.participants.map(\.id) == ["e10234", "e10235", "e10236", "e10237", "e10238", "e10239"])
        let ada = try #require(p.participant("e10234"))
        #expect(ada.name == "Ada Lovelace" && ada.email == "Ada.Lovelace@northwind.example")
        #expect(ada.title == "Staff Engineer" && ada.department == "Engineering" && ada.team == "Compilers")
        #expect(ada.timezone == "Europe/London" && ada.seniority == 5 && ada.joined == LocalDate("2019-03-04"))
        #expect(ada.programs == ["peer-circles", "leadership-mentoring"])
        #expect(ada.roles == ["leadership-mentoring": .mentor])
        #expect(ada.skills == ["swift", "public speaking"] && ada.goals == ["negotiation"] && ada.groups == ["women in tech"])
        #expect(ada.bio == "I like compilers,\nand long walks.")
        // roster.yaml's hand-kept fields win.
        #expect(ada.capacity == 2 && ada.avoid == ["e10236"] && ada.privateFields == ["groups"])
        let bo = try #require(p.participant("e10235"))
        #expect(bo.name == "Chen, Bo" && bo.manager == "e10234", "manager given by e-mail")
        #expect(bo.timezone == "America/New_York" && bo.joined == LocalDate("2021-11-15"))
        #expect(bo.programs == ["peer-circles"], "a title in lower case")
        #expect(bo.bio == "Hi, I'm Bo. I say \"yes\" a lot.")
        // Cy answered twice: the later answer wins, whole.
        let cy = try #require(p.participant("e10236"))
        #expect(cy.programs == ["peer-circles", "leadership-mentoring"] && cy.roles == ["leadership-mentoring": .mentee])
        #expect(cy.skills == ["sql", "testing"] && cy.interests == ["running", "chess"] && cy.bio == "Second answer: this one counts.")
        // Microsoft Forms: ';' with a trailing one; manager by id in the HR export.
        let dee = try #require(p.participant("e10237"))
        #expect(dee.skills == ["writing", "budgeting"] && dee.goals == ["sql"] && dee.programs == ["peer-circles"])
        #expect(dee.manager == "e10234" && dee.timezone == "Asia/Kolkata" && dee.bio == "Kept by hand.")
        let eve = try #require(p.participant("e10238"))
        #expect(eve.roles == ["leadership-mentoring": .mentor] && eve.programs == ["peer-circles", "leadership-mentoring"])
        let fay = try #require(p.participant("e10239"))
        #expect(fay.programs.isEmpty && fay.joined == LocalDate("2020-02-29") && fay.manager == "e10238")
        // And the portal builds.
        let report = portal.build(now: 1_790_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        #expect(portal.exists("Site/programs/peer-circles/index.html"))
    }

    @Test func roleColumnsAndProgramCellsAcceptAnyCase() throws {
        let form = Self.formHeader + """
        2026-11-02 09:14:33,ada.lovelace@northwind.example,LEADERSHIP-MENTORING; peer circles;,mEnToR,,,,,
        """
        let portal = try Self.portal(replacing: ["Content/signups.csv": form])
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        #expect(p.participant("e10234")?.programs == ["leadership-mentoring", "peer-circles"])
        #expect(p.participant("e10234")?.roles == ["leadership-mentoring": .mentor])
    }

    @Test func idsDerivedFromEmailStayWhenRowsAreAddedOrReordered() throws {
        let settings = """
        roster:
          - file: people.csv
            columns: { "Name": name, "Email": email, "Dept": department, "Office": location }
        locations: { London: Europe/London }
        """
        let rows = ["Ana Lima,Ana.Lima@x.example,Eng,London", "Bo Chen,bo_chen+hr@x.example,Sales,London", "Cy,cy@x.example,Eng,London"]
        func ids(_ rows: [String]) throws -> [String: String] {
            let portal = try Self.portal(settings: settings, roster: nil, replacing: ["Content/people.csv": "Name,Email,Dept,Office\n" + rows.joined(separator: "\n") + "\n"])
            defer { portal.remove() }
            let (p, bag) = Self.load(portal)
            #expect(!bag.hasErrors, "\(bag.sorted())")
            return Dictionary(uniqueKeysWithValues: p.participants.map { ($0.email, $0.id) })
        }
        let first = try ids(rows)
        #expect(first == ["Ana.Lima@x.example": "ana-lima", "bo_chen+hr@x.example": "bo-chen-hr", "cy@x.example": "cy"])
        let later = try ids(["Dee,dee@x.example,Ops,London"] + rows.reversed())
        for (email, id) in first { #expect(later[email] == id) }
        #expect(later["dee@x.example"] == "dee")
        // Two addresses that would share an id are refused rather than renamed.
        let portal = try Self.portal(settings: settings, roster: nil,
                                     replacing: ["Content/people.csv": "Name,Email,Dept,Office\nAna,ana@x.example,Eng,London\nAna B,ana@y.example,Eng,London\n"])
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        #expect(Self.errors(bag) == ["Content/people.csv:3:7: 'ana@y.example' would get the id 'ana', which 'ana@x.example' on line 2 has already"])
    }

    @Test func csvColumnsCountCharactersNotBytes() throws {
        let table = try CSVTable("\u{FEFF}Zoë,b\r\n\"é\"\"x\",ü;\n")
        #expect(table.rows.map { $0.map(\.text) } == [["Zoë", "b"], ["é\"x", "ü;"]])
        #expect(table.rows.map { $0.map(\.column) } == [[1, 5], [1, 8]])
        #expect(try CSVTable("a;b;c,d\n1;2;3,4\n").rows[1].map(\.text) == ["1", "2", "3,4"])
    }

    // MARK: errors where they are

    @Test func everyBadCellIsReportedAtItsFileRowAndColumn() throws {
        let people = """
        Employee ID,Legal Name,Work Email,Job Profile,Supervisory Organization,Team,Manager Email,Location,Management Level,Hire Date
        E10234,Ada Lovelace,ada.lovelace@northwind.example,Staff Engineer,Engineering,Compilers,,London,L5,03/04/2019
        E 10235,Bo Chen,bo.chen@northwind.example,AE,Sales,EMEA,,London,3,11/15/2021
        E10236,Cy Diaz,ada.lovelace@northwind.example,Eng,Engineering,Compilers,,London,2,01/10/2023
        E10237,Dee Evans,dee.evans@northwind.example,Analyst,,Planning,nobody@northwind.example,Paris,99,2022-07-01
        E10238,Eve Fox,eve.fox@northwind.example,Designer,Design,Brand,,Paris,4,13/31/2018

        """
        let form = Self.formHeader + """
        11/2/2026 9:14:33,ada.lovelace@northwind.example,"Peer Circle, Leadership Mentoring",Mentorr,,,,,
        11/2/2026 9:15:00,zed@northwind.example,Peer Circles,,,,,,

        """
        let portal = try Self.portal(roster: nil, replacing: ["Content/people.csv": people, "Content/signups.csv": form,
                                                             "Content/ms-forms.csv": "Email,Which programs would you like to join?,Mentor or mentee?,What can you help others with?,What would you like to grow in?\n"])
        defer { portal.remove() }
        let report = portal.build()
        #expect(!report.succeeded)
        #expect(!portal.exists("Site"), "the build writes nothing")
        let errors = portal.errors(report)
        #expect(errors == [
            "Content/people.csv:3:1: 'E 10235' cannot be an id: ids may only use letters, digits and '-'",
            "Content/people.csv:4:16: 'ada.lovelace@northwind.example' appears twice (first on line 2)",
            "Content/people.csv:5:1: 'e10237' has no department: the 'Supervisory Organization' cell of Content/people.csv is empty",
            "Content/people.csv:5:64: no one on the roster has the e-mail address 'nobody@northwind.example'",
            "Content/people.csv:5:89: no time zone for the location 'Paris' (2 people)",
            "Content/people.csv:5:95: 'seniority' must be a whole number from 0 to 20, found '99'",
            "Content/people.csv:5:98: '2022-07-01' is not a date written MM/DD/YYYY",
            "Content/people.csv:6:73: '13/31/2018' is not a date written MM/DD/YYYY",
            "Content/signups.csv:2:50: unknown program 'Peer Circle'",
            "Content/signups.csv:2:86: role must be 'mentor' or 'mentee', found 'Mentorr'",
            "Content/signups.csv:3:19: 'zed@northwind.example' is not in Content/people.csv",
        ])
        let hints = report.diagnostics.compactMap { d in d.hint.map { "\(d.location!.line):\(d.location!.column) \($0)" } }
        #expect(hints.contains("2:50 did you mean 'Peer Circles'?"))
        #expect(hints.contains("2:86 did you mean 'mentor'?"))
    }

    @Test func aColumnMissingFromTheHeaderIsReportedInPortalYAML() throws {
        let settings = Self.settings.replacingOccurrences(of: "\"Work Email\": email", with: "\"Work E-mail\": email")
        let portal = try Self.portal(settings: settings)
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        let diagnostics = bag.sorted().filter { $0.severity == .error }
        #expect(diagnostics.map(\.description) == [
            "Content/portal.yaml:4:55: error: no column 'Work E-mail' in Content/people.csv\n    note: did you mean 'Work Email'?",
        ])
    }

    @Test func aWrongDelimiterOrAnUnmappedHeaderIsOneClearError() throws {
        let piped = try Self.fixture("workday-people.csv").replacingOccurrences(of: ",", with: "|")
        let portal = try Self.portal(replacing: ["Content/people.csv": piped])
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        let errors = bag.sorted().filter { $0.severity == .error }
        // One, at the file: nothing per configured column, about the rows or about the forms.
        #expect(errors.map(\.description) == [
            "Content/people.csv:1:1: error: the header row has one column ('Employee ID|Legal Name|Work Email|Job Profile|Supervisory Or'), so none of the 10 mapped columns is there\n"
                + "    note: is the file separated by ',', ';' or tabs? Those are detected from the header line; export with one of them",
        ])
    }

    @Test func badSourceSettingsArePositioned() throws {
        let settings = """
        roster:
          - file: ../people.csv
            columns: { A: id }
          - file: people.csv
            match_by: name
            columns: { "Employee ID": idd, "Work Email": email, "Legal Name": roles.peer }
            date_format: MM/DD
        locations: { London: Europe/Londn }
        """
        let portal = try Self.portal(settings: settings)
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(p.participants.isEmpty)
        #expect(Self.errors(bag) == [
            "Content/portal.yaml:2:11: a roster file is named relative to Content/ and stays inside it, found '../people.csv'",
            "Content/portal.yaml:5:15: 'match_by' must be 'email' or 'id', found 'name'",
            "Content/portal.yaml:6:31: unknown roster field 'idd'",
            "Content/portal.yaml:7:18: 'date_format' must name the year, month and day once each, found 'MM/DD'",
            "Content/portal.yaml:8:22: unknown time zone 'Europe/Londn'",
        ])
    }

    @Test func handKeptFieldsCannotComeFromAColumn() throws {
        // A column mapped to one of them was accepted and its cells dropped without a word.
        let settings = Self.settings.replacingOccurrences(of: "\"Hobbies\": interests,", with: "\"Hobbies\": interests, \"Preferred partner\": prefer,")
        let portal = try Self.portal(settings: settings)
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        let errors = bag.sorted().filter { $0.severity == .error }
        #expect(errors.count == 1 && errors.first?.message == "'prefer' cannot come from a column; give it in Content/roster.yaml", "\(errors)")
        #expect(errors.first?.location?.file == "Content/portal.yaml")
    }

    // MARK: .xlsx

    static func fixtureData(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// The same people from workbooks (Tests/Fixtures/intake/make_xlsx.py writes them).
    static func xlsxPortal(form: String = "microsoft-forms-signups.xlsx") throws -> TestPortal {
        let settings = Self.settings.replacingOccurrences(of: "file: people.csv", with: "file: people.xlsx")
            .replacingOccurrences(of: "file: ms-forms.csv", with: "file: ms-forms.xlsx")
            .replacingOccurrences(of: "    date_format: MM/DD/YYYY\n", with: "")
        let portal = try Self.portal(settings: settings)
        try portal.write("Content/people.xlsx", try fixtureData("workday-people.xlsx"))
        try portal.write("Content/ms-forms.xlsx", try fixtureData(form))
        return portal
    }

    @Test func workbooksGiveTheSameRosterAsTheirCSVExports() throws {
        let csv = try Self.portal()
        defer { csv.remove() }
        let xlsx = try Self.xlsxPortal()
        defer { xlsx.remove() }
        let (a, bagA) = Self.load(csv)
        let (b, bagB) = Self.load(xlsx)
        #expect(!bagA.hasErrors && !bagB.hasErrors, "\(bagB.sorted())")
        #expect(b.participants.count == 6)
        // Hire dates come from the sheet's serial numbers; everything else as in the CSV.
        #expect(b.participants.map(Self.fields) == a.participants.map(Self.fields))
    }

    @Test func workbookErrorsAreAtTheirSheetCell() throws {
        let portal = try Self.xlsxPortal(form: "microsoft-forms-bad.xlsx")
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        let errors = bag.sorted().filter { $0.severity == .error }
        #expect(errors.map(\.description) == [
            "Content/ms-forms.xlsx:Sheet1!F2: error: unknown program 'Peer Circle'\n    note: did you mean 'Peer Circles'?",
            "Content/ms-forms.xlsx:Sheet1!G2: error: role must be 'mentor' or 'mentee', found 'Mentorr'\n    note: did you mean 'mentor'?",
        ])
    }

    @Test func anUnreadableWorkbookIsOneClearError() throws {
        for (bytes, message) in [(Data("Email,Name\na@b.c,A\n".utf8), "cannot read the file as an .xlsx workbook (it is not a ZIP archive)"),
                                 (Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40)), "cannot read the file as an .xlsx workbook (it is not a ZIP archive)")] {
            let portal = try Self.xlsxPortal()
            defer { portal.remove() }
            try portal.write("Content/ms-forms.xlsx", bytes)
            let (_, bag) = Self.load(portal)
            #expect(Self.errors(bag) == ["Content/ms-forms.xlsx:1:1: \(message)"])
        }
        // A ZIP archive that is not a workbook.
        let portal = try Self.xlsxPortal()
        defer { portal.remove() }
        try portal.write("Content/people.xlsx", try Self.zipWithoutWorkbook())
        let (_, bag) = Self.load(portal)
        #expect(Self.errors(bag) == ["Content/people.xlsx:1:1: the workbook has no 'xl/workbook.xml'; is it an .xlsx file?"])
    }

    /// A ZIP archive holding one text file, written by Python's zipfile.
    static func zipWithoutWorkbook() throws -> Data {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: out) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').writestr('notes.txt', 'hello')", out.path]
        try python.run()
        python.waitUntilExit()
        return try Data(contentsOf: out)
    }

    // MARK: leaving

    @Test func someoneNoLongerInTheHRExportLeavesLikeAProgramLeave() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let now = 1_790_000_000
        #expect(portal.build(now: now).succeeded)
        let lockPath = "Content/matches/peer-circles/round-1.yaml"
        let lock = try #require(portal.read(lockPath))
        // Whoever was matched with Bo: Bo leaves the company.
        let people = try Self.fixture("workday-people.csv").split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("E10235") }.joined(separator: "\r\n")
        try portal.write("Content/people.csv", people)
        try portal.write("Content/signups.csv", try Self.fixture("google-forms-signups.csv").replacingOccurrences(of: "bo.chen@", with: "bo.chen.old@")
            .split(separator: "\n").filter { !$0.contains("bo.chen.old@") }.joined(separator: "\n") + "\n")
        #expect(lock.contains("e10235"))
        let report = portal.build(now: now + 86_400)
        #expect(report.succeeded, "\(report.diagnostics)")
        let after = try #require(portal.read(lockPath))
        #expect(after.contains("reason: \"'e10235' no longer in people.csv\""), "\(after)")
        #expect(!after.contains("left the program"))
        let warning = try #require(report.diagnostics.first { $0.message.contains("no longer in") })
        #expect(warning.severity == .warning && warning.location?.file == lockPath)
        #expect(warning.message == "'e10235' is no longer in Content/people.csv; handled as leaving the program")
    }

    @Test func editingASourceFileReRendersThePagesThatShowIt() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let now = 1_790_000_000
        #expect(portal.build(now: now).succeeded)
        // Bo's partner's page shows Bo's name and bio.
        let folder = "Site/programs/peer-circles/people"
        let names = try FileManager.default.contentsOfDirectory(atPath: portal.root.appendingPathComponent(folder).path)
        let page = try #require(names.map { "\(folder)/\($0)" }.first { $0 != "\(folder)/e10235.html" && portal.read($0)?.contains("Chen, Bo") == true })
        #expect(portal.read(page)?.contains("a lot.") == true)
        // The kept pages must follow a change in any roster input: the HR export, a form, roster.yaml.
        try portal.write("Content/people.csv", try Self.fixture("workday-people.csv").replacingOccurrences(of: "\"Chen, Bo\"", with: "Bo Renamed"))
        #expect(portal.build(now: now).succeeded)
        #expect(portal.read(page)?.contains("Bo Renamed") == true)
        try portal.write("Content/signups.csv", try Self.fixture("google-forms-signups.csv").replacingOccurrences(of: "a lot.", with: "a great deal."))
        #expect(portal.build(now: now).succeeded)
        #expect(portal.read(page)?.contains("a great deal.") == true)
        try portal.write("Content/roster.yaml", Self.handKept + "\n  - id: e10235\n    bio: Kept by hand for Bo.\n")
        #expect(portal.build(now: now).succeeded)
        #expect(portal.read(page)?.contains("Kept by hand for Bo.") == true)
    }

    // MARK: roster.yaml

    @Test func rosterYAMLOnlyAddsToPeopleOfTheSources() throws {
        let portal = try Self.portal(roster: "participants:\n  - id: e10234\n    capacity: 3\n  - id: zed\n    bio: Not in HR.\n  - id: e10237\n    timezone: Mars/Base\n")
        defer { portal.remove() }
        let (_, bag) = Self.load(portal)
        #expect(Self.errors(bag) == [
            "Content/roster.yaml:4:9: 'zed' is not in Content/people.csv",
            "Content/roster.yaml:7:15: unknown time zone 'Mars/Base'",
        ])
    }

    // MARK: tandem roster

    /// Every field of two rosters, side by side.
    static func fields(_ p: Participant) -> [String] {
        [p.id, p.name, p.email, p.pronouns ?? "-", p.title, p.department, p.team ?? "-", p.manager ?? "-", p.location, p.timezone,
         p.seniority.map(String.init) ?? "-", p.joined?.description ?? "-", p.programs.joined(separator: "|"),
         p.roles.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.rawValue)" }.joined(separator: "|"), "\(p.capacity)",
         p.skills.joined(separator: "|"), p.goals.joined(separator: "|"), p.interests.joined(separator: "|"), p.groups.joined(separator: "|"),
         p.avoid.joined(separator: "|"), p.link ?? "-", p.bio ?? "-", p.privateFields.sorted().joined(separator: "|")]
    }

    @Test func theYAMLExportLoadsBackAsTheSameRoster() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let (merged, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let yaml = RosterExport.yaml(merged)
        // Plain roster.yaml, no sources.
        let plain = try Self.portal(settings: "title: Test Portal\n", roster: yaml)
        defer { plain.remove() }
        let (reloaded, bag2) = Self.load(plain)
        #expect(!bag2.hasErrors, "\(bag2.sorted())\n\(yaml)")
        #expect(reloaded.participants.map(Self.fields) == merged.participants.map(Self.fields))
        #expect(RosterExport.yaml(reloaded) == yaml)
        #expect(yaml.contains("  - id: e10235\n    name: \"Chen, Bo\"\n") || yaml.contains("  - id: e10235\n    name: Chen, Bo\n"))
        #expect(yaml.contains("    bio: \"I like compilers,\\nand long walks.\"\n"))
    }

    @Test func theYAMLExportQuotesWhatYAMLWouldReadOtherwise() throws {
        for text in ["yes", "No", "null", "~", "123", "1.5", "2027-01-01", "12:30", "a: b", "a #b", "#x", "- x", "[x]", "{x}", "\"q\"", "'q'",
                     " lead", "trail ", "*alias", "&anchor", "!tag", "|", ">", "@at", "`tick", "%pct", "a\nb", "tab\there", "", "Zoë Ångström"] {
            let out = RosterExport.scalar(text)
            let bag = DiagnosticBag()
            let node = try #require(YAMLDocument.compose("k: \(out)\n", source: YAMLSource(file: "t.yaml"), bag: bag))
            let r = try #require(MappingReader(node, source: YAMLSource(file: "t.yaml"), bag: bag, what: "t"))
            #expect(r.node("k")?.string == text, "\(text) → \(out)")
        }
        #expect(RosterExport.scalar("Zoë Ångström") == "Zoë Ångström")
        #expect(RosterExport.scalar("public speaking", flow: true) == "public speaking")
        #expect(RosterExport.scalar("a, b", flow: true) == "\"a, b\"")
    }

    @Test func theCSVExportIsRealCSVSortedById() throws {
        let portal = try Self.portal()
        defer { portal.remove() }
        let (merged, _) = Self.load(portal)
        let table = try CSVTable(RosterExport.csv(merged))
        #expect(table.rows.first?.map(\.text) == RosterExport.csvHeader)
        #expect(table.rows.dropFirst().map { $0[0].text } == merged.participants.map(\.id).sorted())
        let bo = try #require(table.rows.first { $0[0].text == "e10235" })
        #expect(bo[1].text == "Chen, Bo" && bo[13].text == "" && bo[14].text == "1")
        let ada = try #require(table.rows.first { $0[0].text == "e10234" })
        #expect(ada[12].text == "peer-circles; leadership-mentoring" && ada[13].text == "leadership-mentoring: mentor" && ada[21].text == "I like compilers,\nand long walks.")
    }

    // MARK: check-ins as the form tools write them

    static func checkinPortal(_ csv: String, dateFormat: String? = nil) throws -> TestPortal {
        let program = TestPortal.program.replacingOccurrences(
            of: "agenda: [show-and-tell]",
            with: "agenda: [show-and-tell]\ncheckins: { date: Timestamp, participant: Email Address, met: \"Did you meet?\", rating: Rating, comment: Comments\(dateFormat.map { ", date_format: \"\($0)\"" } ?? "") }")
        return try Self.portal(replacing: ["Content/programs/peer-circles.md": program, "Content/checkins/peer-circles.csv": csv])
    }

    @Test func googleFormsCheckinsLoadAsTheyCome() throws {
        let portal = try Self.checkinPortal(try Self.fixture("google-forms-checkins.csv"))
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let rows = try #require(p.checkins["peer-circles"]?.rows)
        #expect(rows.map(\.date.description) == ["2027-01-12", "2027-01-13", "2027-01-25"])
        #expect(rows.map(\.participant) == ["e10234", "e10235", "e10236"])
        #expect(rows[0].comment == "Great chat, thanks!\nWe will meet again.")
    }

    @Test func timestampFormsOfTheFormTools() {
        let cases: [(String, DateOrder?, String?)] = [
            ("11/1/2026 9:14:33", .monthFirst, "2026-11-01"),
            ("2026/11/01 9:14:33 AM GMT", nil, "2026-11-01"),
            ("2026-11-01T09:14:33Z", nil, "2026-11-01"),
            ("1/11/2026 09:14:33", .dayFirst, "2026-11-01"),
            ("01.11.2026 09:14", .dayFirst, "2026-11-01"),
            ("11/1/26 9:14 AM", .monthFirst, "2026-11-01"),
            ("13/1/2027", nil, "2027-01-13"),
            ("1/13/2027 23:59:59", nil, "2027-01-13"),
            ("2/30/2027", .monthFirst, nil),
            ("yesterday", nil, nil),
        ]
        for (text, order, expected) in cases {
            if case let .clear(date, _) = CheckinLoader.parseDate(text, order: order) {
                #expect(date.description == expected, "\(text)")
            } else {
                #expect(expected == nil, "\(text)")
            }
        }
        if case .ambiguous = CheckinLoader.parseDate("1/2/2027") {} else { Issue.record("1/2/2027 is ambiguous") }
        #expect(DateOrder(format: "DD.MM.YYYY") == .dayFirst && DateOrder(format: "m/d/yy") == .monthFirst && DateOrder(format: "YYYY") == nil)
    }

    @Test func ambiguousDatesNeedTheProgramsDateFormatUnlessOtherRowsTell() throws {
        let ambiguous = "Timestamp,Email Address,Did you meet?,Rating,Comments\n1/2/2027 9:00:00,ada.lovelace@northwind.example,Yes,5,\n"
        let a = try Self.checkinPortal(ambiguous)
        defer { a.remove() }
        let (_, bag) = Self.load(a)
        #expect(Self.errors(bag) == ["Content/checkins/peer-circles.csv:2:1: '1/2/2027 9:00:00' could be read day first or month first"])
        let b = try Self.checkinPortal(ambiguous, dateFormat: "DD/MM/YYYY")
        defer { b.remove() }
        let (pb, bagB) = Self.load(b)
        #expect(!bagB.hasErrors, "\(bagB.sorted())")
        #expect(pb.checkins["peer-circles"]?.rows.first?.date == LocalDate("2027-02-01"))
        // Another row that can only be day first tells the file's order.
        let c = try Self.checkinPortal(ambiguous + "25/1/2027 9:00:00,bo.chen@northwind.example,No,,\n")
        defer { c.remove() }
        let (pc, bagC) = Self.load(c)
        #expect(!bagC.hasErrors, "\(bagC.sorted())")
        #expect(pc.checkins["peer-circles"]?.rows.first?.date == LocalDate("2027-02-01"))
        // Rows that disagree are an error at the one that breaks the pattern.
        let d = try Self.checkinPortal(ambiguous + "25/1/2027 9:00:00,bo.chen@northwind.example,No,,\n1/25/2027 9:00:00,bo.chen@northwind.example,No,,\n")
        defer { d.remove() }
        let (_, bagD) = Self.load(d)
        #expect(Self.errors(bagD) == ["Content/checkins/peer-circles.csv:4:1: '1/25/2027 9:00:00' is written MM/DD/YYYY, but '25/1/2027 9:00:00' on line 3 is written DD/MM/YYYY"])
    }

    // MARK: a person's latest answer, by its timestamp

    @Test func theLatestAnswerWinsByItsTimestampNotItsRow() throws {
        // Cy's newer answer comes first in the file, as a sheet sorted by another column leaves it.
        let reordered = try Self.portal(replacing: ["Content/signups.csv": try Self.fixture("google-forms-signups-reordered.csv")])
        defer { reordered.remove() }
        let (p, bag) = Self.load(reordered)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let cy = try #require(p.participant("e10236"))
        #expect(cy.bio == "Second answer: this one counts." && cy.roles == ["leadership-mentoring": .mentee] && cy.skills == ["sql", "testing"])
        // The same roster as from the file in time order.
        let ordered = try Self.portal()
        defer { ordered.remove() }
        #expect(Self.load(ordered).0.participants.map(Self.fields) == p.participants.map(Self.fields))
    }

    @Test func equalTimestampsKeepRowOrder() throws {
        let form = Self.formHeader + """
        11/2/2026 9:14:33,ada.lovelace@northwind.example,Peer Circles,,,,,,First of two at 9:14:33
        11/2/2026 9:14:33,ada.lovelace@northwind.example,Peer Circles,,,,,,Second of two at 9:14:33
        11/1/2026 23:59:59,ada.lovelace@northwind.example,Peer Circles,,,,,,Older: last row but not latest

        """
        let portal = try Self.portal(roster: nil, replacing: ["Content/signups.csv": form])
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        #expect(p.participant("e10234")?.bio == "Second of two at 9:14:33")
    }

    @Test func aWorkbooksCompletionTimeOrdersItsAnswers() throws {
        // Dee's older answer (the day before, mentee) is the workbook's last row.
        let portal = try Self.xlsxPortal(form: "microsoft-forms-reordered.xlsx")
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let dee = try #require(p.participant("e10237"))
        #expect(dee.skills == ["writing", "budgeting"] && dee.programs == ["peer-circles"] && dee.roles.isEmpty)
    }

    @Test func ambiguousTimestampsAreAnErrorOnlyWhereTheyDecide() throws {
        // Month first, 2/1 (1 February) is the later answer; day first, 1/2 (1 February) is.
        let form = Self.formHeader + """
        1/2/2027 9:00:00,ada.lovelace@northwind.example,Peer Circles,,,,,,Written on 1/2
        2/1/2027 9:00:00,ada.lovelace@northwind.example,Peer Circles,,,,,,Written on 2/1
        3/4/2027 9:00:00,bo.chen@northwind.example,Peer Circles,,,,,,Bo answered once

        """
        let a = try Self.portal(roster: nil, replacing: ["Content/signups.csv": form])
        defer { a.remove() }
        #expect(Self.errors(Self.load(a).1) == [
            "Content/signups.csv:3:1: '2/1/2027 9:00:00' could be read day first or month first, and which answer of 'ada.lovelace@northwind.example' is the latest depends on it",
        ])
        // The source's date_format settles it.
        let settings = Self.settings.replacingOccurrences(of: "  - file: signups.csv\n    match_by: email\n",
                                                          with: "  - file: signups.csv\n    match_by: email\n    date_format: DD/MM/YYYY\n")
        let b = try Self.portal(settings: settings, roster: nil, replacing: ["Content/signups.csv": form])
        defer { b.remove() }
        let (pb, bagB) = Self.load(b)
        #expect(!bagB.hasErrors, "\(bagB.sorted())")
        #expect(pb.participant("e10234")?.bio == "Written on 1/2")
        // So does a row that can only be read one way.
        let c = try Self.portal(roster: nil, replacing: ["Content/signups.csv": form + "25/1/2027 9:00:00,cy.diaz@northwind.example,Peer Circles,,,,,,\n"])
        defer { c.remove() }
        let (pc, bagC) = Self.load(c)
        #expect(!bagC.hasErrors, "\(bagC.sorted())")
        #expect(pc.participant("e10234")?.bio == "Written on 1/2")
    }

    @Test func anUnreadableTimestampIsAnErrorAtItsCell() throws {
        let form = Self.formHeader + "yesterday,ada.lovelace@northwind.example,Peer Circles,,,,,,\n"
        let portal = try Self.portal(roster: nil, replacing: ["Content/signups.csv": form])
        defer { portal.remove() }
        #expect(Self.errors(Self.load(portal).1) == ["Content/signups.csv:2:1: 'yesterday' is not a date and time"])
    }

    // MARK: check-in workbooks

    static func workbookCheckinPortal(_ fixture: String) throws -> TestPortal {
        let program = TestPortal.program.replacingOccurrences(
            of: "agenda: [show-and-tell]",
            with: "agenda: [show-and-tell]\ncheckins: { date: Completion time, participant: Email, met: \"Did you meet?\", rating: Rating, comment: Comments }")
        let portal = try Self.portal(replacing: ["Content/programs/peer-circles.md": program])
        try portal.write("Content/checkins/peer-circles.xlsx", try Self.fixtureData(fixture))
        return portal
    }

    @Test func microsoftFormsCheckinWorkbooksLoadAsTheyCome() throws {
        let portal = try Self.workbookCheckinPortal("microsoft-forms-checkins.xlsx")
        defer { portal.remove() }
        let (p, bag) = Self.load(portal)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let imported = try #require(p.checkins["peer-circles"])
        #expect(imported.file == "Content/checkins/peer-circles.xlsx")
        // The same answers as the Google Forms CSV; dates from the serial numbers.
        let csv = try Self.checkinPortal(try Self.fixture("google-forms-checkins.csv"))
        defer { csv.remove() }
        let expected = try #require(Self.load(csv).0.checkins["peer-circles"]?.rows)
        func answer(_ c: Checkin) -> String { "\(c.date) \(c.participant) \(c.met) \(c.rating.map(String.init) ?? "-") \(c.comment ?? "-")" }
        #expect(imported.rows.map(answer) == expected.map(answer))
        #expect(imported.rows.first?.location.description == "Content/checkins/peer-circles.xlsx:Sheet1!A2")
        // The report says where the answers came from.
        let report = portal.build(now: 1_790_000_000)
        #expect(report.succeeded, "\(report.diagnostics)")
        let pages = portal.siteSnapshot().filter { $0.key.hasPrefix("programs/peer-circles/") && $0.key.hasSuffix(".html") }
        #expect(pages.values.contains { String(decoding: $0, as: UTF8.self).contains("<code>Content/checkins/peer-circles.xlsx</code>") })
    }

    @Test func checkinWorkbookErrorsAreAtTheirSheetCell() throws {
        let portal = try Self.workbookCheckinPortal("microsoft-forms-checkins-bad.xlsx")
        defer { portal.remove() }
        #expect(Self.errors(Self.load(portal).1) == [
            "Content/checkins/peer-circles.xlsx:Sheet1!G3: the rating must be a whole number from 1 to 5, found '9'",
            "Content/checkins/peer-circles.xlsx:Sheet1!D4: unknown participant 'zed@northwind.example'",
        ])
        // A file that is not a workbook is one error; a CSV beside a workbook is refused.
        try portal.write("Content/checkins/peer-circles.xlsx", "date,participant,met\n")
        #expect(Self.errors(Self.load(portal).1) == ["Content/checkins/peer-circles.xlsx:1:1: cannot read the file as an .xlsx workbook (it is not a ZIP archive)"])
        try portal.write("Content/checkins/peer-circles.xlsx", try Self.fixtureData("microsoft-forms-checkins.xlsx"))
        try portal.write("Content/checkins/peer-circles.csv", try Self.fixture("google-forms-checkins.csv"))
        #expect(Self.errors(Self.load(portal).1) == ["Content/checkins/peer-circles.xlsx:1:1: two check-in files for 'peer-circles'"])
    }

    // MARK: no root cause buried

    @Test func aBrokenRosterIsNotBuriedUnderCheckinErrors() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
        var lines = roster.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = "\t" + lines[2].trimmingCharacters(in: .whitespaces)
        try portal.write("Content/roster.yaml", lines.joined(separator: "\n"))
        try portal.write("Content/checkins/peer-circles.csv",
                         "date,participant,met\n" + (1...60).map { "2027-01-12,person-\($0),yes" }.joined(separator: "\n") + "\n")
        let report = portal.build()
        #expect(!report.succeeded)
        let errors = portal.errors(report)
        #expect(errors.first == "Content/roster.yaml:3:1: tab character in indentation", "\(errors)")
        #expect(!errors.contains { $0.contains("unknown participant") || $0.contains("unknown manager") }, "\(errors)")
        #expect(errors.count < 5, "\(errors)")
    }

    @Test func referencesToAnEntryLeftOutAreNotReportedAgain() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let roster = try #require(portal.read("Content/roster.yaml"))
        // ada's id is invalid, so her entry is left out; cy's manager: ada is no second error.
        try portal.write("Content/roster.yaml", roster.replacingOccurrences(of: "- id: ada\n", with: "- id: Ada!\n")
            .replacingOccurrences(of: "manager: ada", with: "manager: Ada!") + TestPortal.person("eve", "Eve", dept: "X", team: "Y", manager: "zed") + "\n")
        let errors = portal.errors(portal.build())
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.first?.hasSuffix("participant id 'Ada!' may only use lowercase letters, digits and '-'") == true, "\(errors)")
        // A manager who was never on the roster is still an error.
        #expect(errors.last?.hasSuffix("unknown manager 'zed'") == true, "\(errors)")
    }

    @Test func aBrokenSourceIsNotBuriedUnderFollowOnErrors() throws {
        // The HR export cannot be read: nothing about the forms, roster.yaml or check-ins.
        let portal = try Self.checkinPortal(try Self.fixture("google-forms-checkins.csv"))
        defer { portal.remove() }
        try portal.write("Content/people.csv", "Employee ID,Legal Name\nE1,\"never closed\n")
        let (_, bag) = Self.load(portal)
        #expect(Self.errors(bag) == ["Content/people.csv:2:4: a quoted cell is never closed: add the missing '\"'"])
    }
}
