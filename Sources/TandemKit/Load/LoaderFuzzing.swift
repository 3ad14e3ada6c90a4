import Foundation

/// The loaders on raw bytes, without a portal on disk: the entry point of the fuzz target
/// (`Tests/fuzz`) and of the regression test that replays its crashing inputs.
@_spi(Fuzzing) public enum LoaderFuzzing {
    /// Runs the bytes through the text decoder, the roster loader (whole and cut into chunks),
    /// and the program, activity and portal-settings readers. Returns every diagnostic.
    /// Traps when the chunked roster parse disagrees with the whole one.
    public static func run(_ bytes: [UInt8]) -> [Diagnostic] {
        let bag = DiagnosticBag()
        guard let text = ContentFiles.decode(bytes, file: RosterLoader.path, bag: bag) else { return bag.sorted() }

        // Cutting a large roster into chunks must never change what it means.
        let wholeBag = DiagnosticBag(), chunkedBag = DiagnosticBag()
        let whole = RosterLoader.parse(text, bag: wholeBag, splitAbove: .max)
        let chunked = RosterLoader.parse(text, bag: chunkedBag, splitAbove: 0)
        precondition(wholeBag.hasErrors == chunkedBag.hasErrors, "chunked roster parse disagrees on errors")
        if !wholeBag.hasErrors {
            precondition(whole.map(\.id) == chunked.map(\.id), "chunked roster parse found other participants")
        }
        bag.merge(wholeBag)

        _ = ProgramLoader.program(path: "Content/programs/fuzz.md", text: text, settings: PortalSettings(), bag: bag)
        _ = ActivityLoader.activity(path: "Content/activities/fuzz.md", text: text, settings: PortalSettings(), bag: bag)
        _ = SettingsLoader.parse(text, bag: bag)
        checkins(text, bag: bag)
        let diagnostics = bag.sorted()
        for d in diagnostics { _ = d.description }
        return diagnostics
    }

    /// A fixed program and roster for the check-in reader: the bytes are read as a check-in
    /// export of that program. Every cell must lie inside the text, at a real line.
    private static let checkinPortal: (Program, Portal)? = {
        let bag = DiagnosticBag()
        let program = ProgramLoader.program(path: "Content/programs/peer-circles.md", text: """
            ---
            title: Peer Circles
            format: pairs
            start: 2027-01-11
            cadence: biweekly
            sessions: 3
            timezone: Europe/London
            checkins: { date: "Timestamp", participant: "Employee ID", met: "Did you meet?", rating: "Rating", comment: "Comments" }
            ---
            Body.
            """, settings: PortalSettings(), bag: bag)
        let people = RosterLoader.parse("""
            participants:
              - { id: ada, name: Ada, email: ada@example.com, department: E, location: L, timezone: UTC, programs: [peer-circles] }
              - { id: bo, name: Bo, email: bo@example.com, department: S, location: L, timezone: UTC, programs: [peer-circles] }
              - { id: cy, name: Cy, email: cy@example.com, department: S, location: L, timezone: UTC }
            """, bag: bag)
        guard let program, !bag.hasErrors else { return nil }
        return (program, Portal(root: URL(fileURLWithPath: "/nonexistent"), settings: PortalSettings(), participants: people, programs: [program], activities: []))
    }()

    static func checkins(_ text: String, bag: DiagnosticBag) {
        guard let (program, portal) = checkinPortal else { preconditionFailure("the fuzz target's own portal does not load") }
        if let table = try? CSVTable(text) {
            let lines = text.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            for row in table.rows {
                precondition(!row.isEmpty, "a CSV row without cells")
                for cell in row { precondition(cell.line >= 1 && cell.line <= lines && cell.column >= 1, "a CSV cell outside the text") }
            }
        }
        let rows = CheckinLoader.read(text, file: "Content/checkins/peer-circles.csv", program: program, portal: portal, bag: bag)
        for row in rows ?? [] {
            precondition(portal.participant(row.participant) != nil, "a check-in row for someone not on the roster")
            precondition(row.rating.map { (1...5).contains($0) } ?? true, "a rating outside 1-5")
        }
    }
}
