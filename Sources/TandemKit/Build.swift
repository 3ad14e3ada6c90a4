import Dispatch
import Foundation

/// What `tandem build` is asked to do.
public struct BuildOptions: Sendable {
    public var root: URL
    public var output: URL
    /// Seconds since 1970 for reproducible stamps; defaults to SOURCE_DATE_EPOCH.
    public var now: Int?
    /// Whether the first build of a round records its matches under Content/matches/.
    /// Previews turn it off so that trying out weights does not freeze a round.
    public var writeLocks: Bool
    /// Whether a portal with `messages: true` gets its Outbox/ beside the output (previews: no).
    public var writeOutbox: Bool = true
    /// Filled in as the build runs, for a progress display.
    public var progress: BuildProgress?

    public init(root: URL, output: URL? = nil, now: Int? = BuildOptions.sourceDateEpoch(), writeLocks: Bool = true, progress: BuildProgress? = nil) {
        self.root = root
        self.output = output ?? root.appendingPathComponent("Site")
        self.now = now
        self.writeLocks = writeLocks
        self.progress = progress
    }

    public static func sourceDateEpoch() -> Int? {
        // Years 1970 to 9999 only: stamps outside them would not read back from lock files.
        ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) }.flatMap { (0...253_402_300_799).contains($0) ? $0 : nil }
    }
}

/// What a running build is doing: its stage and how many files it has written so far.
/// Updated by the build, read from any thread (the command line polls it to draw progress).
public final class BuildProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var currentStage = ""
    private var files = 0

    public init() {}

    public var stage: String { lock.withLock { currentStage } }
    public var filesWritten: Int { lock.withLock { files } }

    func begin(_ stage: String) { lock.withLock { currentStage = stage } }
    func wroteFile() { lock.withLock { files += 1 } }
}

/// The outcome of a build: what was made, how long each stage took, what was said.
public struct BuildReport: Sendable {
    public var pages: Int = 0
    public var files: Int = 0
    public var participants: Int = 0
    public var stageSeconds: [(stage: String, seconds: Double)] = []
    public var diagnostics: [Diagnostic] = []
    /// Lock files written under Content/matches/ (relative paths).
    public var locksWritten: [String] = []
    /// Per program: how its candidate graph was found (for `--verbose`).
    public var candidates: [(program: String, info: CandidateInfo)] = []
    /// Which way each part with a fast and a slow path ran (see `DiagnosticBag.ran`).
    public var paths: [(what: String, how: String, times: Int)] = []
    /// Messages written to the outbox (nil: no outbox written).
    public var messages: Int?
    public var succeeded: Bool { !diagnostics.contains { $0.severity == .error } }
    public var totalSeconds: Double { stageSeconds.reduce(0) { $0 + $1.seconds } }

    public init() {}
}

/// load (and validate) → match → schedule → plan and render → write → messages: each stage a
/// function, each timed for `--verbose`. `check` and `match` run the first three
/// (`analyse`); the tests take the site model the same way (`model`); `build` runs them all.
public enum Pipeline {
    static func timed<T>(_ name: String, _ report: inout BuildReport, _ progress: BuildProgress? = nil, _ body: () -> T) -> T {
        progress?.begin(name)
        let start = DispatchTime.now().uptimeNanoseconds
        let value = body()
        report.stageSeconds.append((name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        return value
    }

    /// Load, validate, match and (with `schedule`) schedule: everything `check` and `match`
    /// need. Without `schedule` the matches carry no slots and no slot warnings: for
    /// `tandem match`'s table, which shows neither.
    public static func analyse(root: URL, bag: DiagnosticBag, report: inout BuildReport, now: Int? = BuildOptions.sourceDateEpoch(),
                               progress: BuildProgress? = nil, schedule: Bool = true) -> [ProgramMatch]? {
        loaded(root: root, bag: bag, report: &report, progress: progress).map { portal, locks in
            matchAndSchedule(portal, locks: locks, now: now, bag: bag, report: &report, progress: progress, schedule: schedule)
        }
    }

    /// The site model `build` renders, made by the same stages: for tests and tools that
    /// look at pages without writing a site.
    public static func model(root: URL, bag: DiagnosticBag, report: inout BuildReport, now: Int? = BuildOptions.sourceDateEpoch(),
                             progress: BuildProgress? = nil) -> SiteModel? {
        loaded(root: root, bag: bag, report: &report, progress: progress).map { portal, locks in
            model(portal, matchAndSchedule(portal, locks: locks, now: now, bag: bag, report: &report, progress: progress), now: now)
        }
    }

    /// The load stage; nil on any error.
    private static func loaded(root: URL, bag: DiagnosticBag, report: inout BuildReport, progress: BuildProgress?) -> (Portal, [String: ProgramLocks])? {
        let (portal, locks) = timed("load", &report, progress) { load(root, bag) }
        report.participants = portal.participants.count
        return bag.hasErrors ? nil : (portal, locks)
    }

    /// The match and schedule stages, with what `--verbose` says of them.
    static func matchAndSchedule(_ portal: Portal, locks: [String: ProgramLocks], now: Int?, bag: DiagnosticBag,
                                 report: inout BuildReport, progress: BuildProgress?, schedule: Bool = true) -> [ProgramMatch] {
        var matches = timed("match", &report, progress) { match(portal, locks: locks, now: now, bag: bag) }
        // Scheduling looks at every program at once: nobody may be double-booked across programs.
        if schedule { timed("schedule", &report, progress) { Scheduler.scheduleAll(&matches, portal: portal, bag: bag) } }
        report.candidates = matches.compactMap { m in m.candidates.map { (m.program.slug, $0) } }
        report.paths = bag.paths
        return matches
    }

    /// The frozen model the plan and the renderer read.
    static func model(_ portal: Portal, _ matches: [ProgramMatch], now: Int?) -> SiteModel {
        SiteModel(portal: portal, programs: matches.map { BuiltProgram(match: $0) }, now: now)
    }

    static func load(_ root: URL, _ bag: DiagnosticBag) -> (Portal, [String: ProgramLocks]) {
        let portal = PortalLoader.load(root: root, bag: bag)
        return (portal, bag.hasErrors ? [:] : LockLoader.load(portal, bag: bag))
    }

    /// Matches every program against its lock files; their warnings go into `bag`.
    static func match(_ portal: Portal, locks: [String: ProgramLocks], now: Int?, bag: DiagnosticBag) -> [ProgramMatch] {
        let today = LocalDate(dayNumber: Int((Double(now ?? Int(Date().timeIntervalSince1970)) / 86_400).rounded(.down)))
        // Programs are matched side by side (see ProgramMatcher.matchAll).
        let matches = ProgramMatcher.matchAll(portal, locks: locks, today: today)
        for m in matches { for note in m.round.notes { bag.append(note) } }
        return matches
    }

    /// Writes the lock files of rounds that are not locked yet or that a roster change altered.
    /// Only call this when the run has no errors.
    public static func writeLocks(_ matches: [ProgramMatch], root: URL, bag: DiagnosticBag) -> [String] {
        guard !bag.hasErrors else { return [] }
        return LockWriter.write(matches, root: root, bag: bag)
    }

    /// Runs the whole build. On any error nothing is written and the old site stays.
    public static func build(_ options: BuildOptions) -> BuildReport {
        var report = BuildReport()
        let bag = DiagnosticBag()
        let (portal, locks) = timed("load", &report, options.progress) { load(options.root, bag) }
        report.participants = portal.participants.count
        let theme = timed("templates", &report, options.progress) { Theme.load(portalRoot: options.root, bag: bag) }
        let outbox = Outbox.folder(beside: options.output)
        var messageTheme: MessageTheme?
        if portal.settings.messages && options.writeOutbox && !bag.hasErrors {
            messageTheme = MessageTheme.load(portalRoot: options.root, bag: bag)
            Outbox.check(outbox, bag: bag)
        }
        guard !bag.hasErrors else { report.diagnostics = bag.sorted(); return report }
        if let problem = SiteWriter.forbiddenOutput(options.output, root: options.root) {
            bag.error(problem, at: nil, hint: "choose an output folder outside Content/ and Templates/ (the default is Site/)")
            report.diagnostics = bag.sorted()
            return report
        }
        let writer = SiteWriter(output: options.output)
        writer.progress = options.progress
        // Taking stock of the kept previous site (a walk of every file in it).
        timed("prepare", &report, options.progress) { writer.prepare(bag: bag) }
        guard !bag.hasErrors else {
            // Nothing is written, but the matching's warnings are still worth reporting.
            _ = timed("match", &report, options.progress) { match(portal, locks: locks, now: options.now, bag: bag) }
            report.diagnostics = bag.sorted()
            return report
        }
        let cache = RenderCache(writer: writer, theme: theme)
        let scheduled = matchAndSchedule(portal, locks: locks, now: options.now, bag: bag, report: &report, progress: options.progress)
        let model = model(portal, scheduled, now: options.now)
        let counts = timed("render", &report, options.progress) { () -> (pages: Int, files: Int) in
            let rendered = PoolResults<(pages: Int, files: Int)>(count: scheduled.count)
            let pool = WorkPool()
            pool.add(scheduled.indices.sorted { (scheduled[$0].people.count, $1) > (scheduled[$1].people.count, $0) }.map { p in
                { @Sendable in
                    let single = SiteModel(portal: portal, programs: [model.programs[p]], now: options.now)
                    let (tasks, pages, files) = Renderer(model: single, theme: theme, writer: writer, cache: cache).programTasks(0)
                    rendered.set(p, (pages, files))
                    pool.add(tasks)
                }
            })
            pool.run()
            let programs = rendered.all
            let site = Renderer(model: model, theme: theme, writer: writer, cache: cache).runSite()
            return programs.reduce(site) { ($0.pages + $1.pages, $0.files + $1.files) }
        }
        report.pages = counts.pages
        report.files = counts.files
        // Locks are written only once the new site is in place: a failed build writes nothing.
        let locksWritten = timed("write", &report, options.progress) { () -> [String] in
            writer.commit(bag: bag)
            if !bag.hasErrors { cache.save() }
            return options.writeLocks ? writeLocks(scheduled, root: options.root, bag: bag) : []
        }
        report.locksWritten = locksWritten
        // The outbox only follows a build that succeeded: it describes the site now in place.
        if let messageTheme, !bag.hasErrors {
            report.messages = timed("messages", &report, options.progress) {
                Outbox.write(model: model, theme: messageTheme, to: outbox, bag: bag)
            }
        }
        report.diagnostics = bag.sorted()
        report.paths = bag.paths
        return report
    }
}
