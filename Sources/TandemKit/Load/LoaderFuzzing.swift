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
        let diagnostics = bag.sorted()
        for d in diagnostics { _ = d.description }
        return diagnostics
    }
}
