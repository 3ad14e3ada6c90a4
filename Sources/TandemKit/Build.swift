import Dispatch
import Foundation

/// What `tandem build` is asked to do.
public struct BuildOptions: Sendable {
    public var root: URL
    public var output: URL
    /// Seconds since 1970 for reproducible stamps; defaults to SOURCE_DATE_EPOCH.
    public var now: Int?

    public init(root: URL, output: URL? = nil, now: Int? = BuildOptions.sourceDateEpoch()) {
        self.root = root
        self.output = output ?? root.appendingPathComponent("Site")
        self.now = now
    }

    public static func sourceDateEpoch() -> Int? {
        ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) }
    }
}

/// The outcome of a build: what was made, how long each stage took, what was said.
public struct BuildReport: Sendable {
    public var pages: Int = 0
    public var files: Int = 0
    public var participants: Int = 0
    public var stageSeconds: [(stage: String, seconds: Double)] = []
    public var diagnostics: [Diagnostic] = []
    public var succeeded: Bool { !diagnostics.contains { $0.severity == .error } }
    public var totalSeconds: Double { stageSeconds.reduce(0) { $0 + $1.seconds } }

    public init() {}
}

/// load → validate → match → schedule → render → write.
public enum Pipeline {
    static func timed<T>(_ name: String, _ report: inout BuildReport, _ body: () -> T) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = body()
        report.stageSeconds.append((name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        return value
    }

    /// Load, validate and match: everything `check` and `match` need.
    public static func analyse(root: URL, bag: DiagnosticBag, report: inout BuildReport) -> [ProgramMatch]? {
        let portal = timed("load", &report) { PortalLoader.load(root: root, bag: bag) }
        report.participants = portal.participants.count
        guard !bag.hasErrors else { return nil }
        return timed("match", &report) { match(portal) }
    }

    public static func match(_ portal: Portal) -> [ProgramMatch] {
        portal.programs.map { ProgramMatcher.match($0, portal: portal) }
    }

    public static func schedule(_ portal: Portal, _ matches: [ProgramMatch], now: Int?) -> SiteModel {
        SiteModel(portal: portal, programs: matches.map { BuiltProgram(match: $0, sessions: Scheduler.sessions(for: $0.program, portal: portal)) }, now: now)
    }

    /// Runs the whole build. On any error nothing is written and the old site stays.
    public static func build(_ options: BuildOptions) -> BuildReport {
        var report = BuildReport()
        let bag = DiagnosticBag()
        defer { }
        let portal = timed("load", &report) { PortalLoader.load(root: options.root, bag: bag) }
        report.participants = portal.participants.count
        let theme = timed("templates", &report) { Theme.load(portalRoot: options.root, bag: bag) }
        guard !bag.hasErrors else { report.diagnostics = bag.sorted(); return report }
        let matches = timed("match", &report) { match(portal) }
        let model = timed("schedule", &report) { schedule(portal, matches, now: options.now) }
        let writer = SiteWriter(output: options.output)
        writer.prepare(bag: bag)
        guard !bag.hasErrors else { report.diagnostics = bag.sorted(); return report }
        let counts = timed("render", &report) { Renderer(model: model, theme: theme, writer: writer).run() }
        report.pages = counts.pages
        report.files = counts.files
        timed("write", &report) { writer.commit(bag: bag) }
        report.diagnostics = bag.sorted()
        return report
    }
}
