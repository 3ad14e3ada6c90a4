import ArgumentParser
import Foundation
import TandemKit

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build peer-mentoring program portals: Markdown and YAML in, a static site out.",
        subcommands: [Build.self, Check.self, Match.self, Roster.self, Serve.self, Init.self, Send.self],
        defaultSubcommand: Build.self)
}

struct PortalOptions: ParsableArguments {
    @Argument(help: "The portal folder (the one holding Content/).", completion: .directory)
    var portal: String = "."

    var root: URL { URL(fileURLWithPath: portal).standardizedFileURL }
}

/// Prints diagnostics to stderr, compiler style, capped so a broken roster stays readable.
func emit(_ diagnostics: [Diagnostic], limit: Int = 50) {
    var err = FileHandle.standardError
    for d in diagnostics.prefix(limit) { print(d, to: &err) }
    if diagnostics.count > limit { print("tandem: note: \(diagnostics.count - limit) more diagnostics not shown", to: &err) }
    let errors = diagnostics.count { $0.severity == .error }
    let warnings = diagnostics.count { $0.severity == .warning }
    if errors > 0 { print("tandem: \(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")", to: &err) }
}

func printStages(_ report: BuildReport) {
    var out = FileHandle.standardOutput
    printStages(report, to: &out)
}

/// Each stage's time, then which way each part with a fast and a slow path ran: the YAML
/// reader, the page and message renderers, and each program's candidates and scorer (every
/// path gives the same output; see README, "Development").
func printStages(_ report: BuildReport, to out: inout some TextOutputStream) {
    for (stage, seconds) in report.stageSeconds { print("  " + stage.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%8.3f s", seconds), to: &out) }
    for path in report.paths { print("  \(path.what): \(path.how)" + (path.times > 1 ? " ×\(path.times)" : ""), to: &out) }
    for (program, info) in report.candidates {
        print("  candidates of \(program): \(info.summary)" + String(format: ", %.3f s", info.seconds), to: &out)
        print("  scoring of \(program): \(info.scoring)", to: &out)
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the portal's site (default: into PORTAL/Site).")

    @OptionGroup var options: PortalOptions
    @Option(name: .shortAndLong, help: "Where to write the site.") var output: String?
    @Flag(name: .shortAndLong, help: "Print the time of each stage.") var verbose = false

    func run() throws {
        let line = ProgressLine.forTerminal()
        let build = BuildOptions(root: options.root, output: output.map { URL(fileURLWithPath: $0) }, progress: line?.progress)
        line?.begin()
        let report = Pipeline.build(build)
        line?.end()
        emit(report.diagnostics)
        guard report.succeeded else { throw ExitCode(1) }
        if verbose { printStages(report) }
        for path in report.locksWritten { print("Locked matches → \(path)") }
        if let messages = report.messages {
            print("Wrote \(messages.formatted()) message\(messages == 1 ? "" : "s") → \(Outbox.folder(beside: build.output).path) (review them, then 'tandem send')")
        }
        print("Built \(report.pages.formatted()) pages for \(report.participants.formatted()) participants in \(String(format: "%.2f", report.totalSeconds)) s → \(build.output.path)")
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read and validate the portal; print diagnostics only.")

    @OptionGroup var options: PortalOptions
    @Flag(name: .shortAndLong, help: "Print the time of each stage.") var verbose = false

    func run() throws {
        var report = BuildReport()
        let bag = DiagnosticBag()
        let line = ProgressLine.forTerminal()
        line?.begin()
        let matches = Pipeline.analyse(root: options.root, bag: bag, report: &report, progress: line?.progress)
        line?.end()
        if let matches { Feasibility.warn(matches, bag: bag) }
        let diagnostics = bag.sorted()
        emit(diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
        if verbose { printStages(report) }
        print("No errors in \(report.participants) participants\(matches.map { ", \($0.count) programs" } ?? "").")
    }
}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print each program's matching and why; --json for the audit graph.")

    @OptionGroup var options: PortalOptions
    @Option(name: .shortAndLong, help: "Only this program (its slug).") var program: String?
    @Flag(help: "Print the candidate graph and the matching as JSON.") var json = false
    @Flag(help: "Write the lock files of rounds not locked yet (or changed by the roster) under Content/matches/.") var lock = false
    @Flag(name: .shortAndLong, help: "Print the time of each stage and how each program's candidates were found (to stderr).") var verbose = false

    func run() throws {
        var report = BuildReport()
        let bag = DiagnosticBag()
        // The table shows no meeting slots: only --json and --lock (which write them) schedule.
        guard var matches = Pipeline.analyse(root: options.root, bag: bag, report: &report, schedule: json || lock) else {
            emit(bag.sorted())
            throw ExitCode(1)
        }
        emit(bag.sorted())
        if let program {
            matches = matches.filter { $0.program.slug == program }
            if matches.isEmpty {
                var err = FileHandle.standardError
                print("tandem: error: no program '\(program)'", to: &err)
                throw ExitCode(1)
            }
        }
        print(json ? AuditJSON.render(matches) : MatchTable.render(matches), terminator: json ? "\n" : "")
        if verbose {
            var err = FileHandle.standardError
            report.candidates = matches.compactMap { m in m.candidates.map { (m.program.slug, $0) } }
            printStages(report, to: &err)
        }
        if lock {
            let written = Pipeline.writeLocks(matches, root: options.root, bag: bag)
            emit(bag.sorted().filter { $0.severity == .error })
            if bag.hasErrors { throw ExitCode(1) }
            var err = FileHandle.standardError
            for path in written { print("tandem: locked matches → \(path)", to: &err) }
            if written.isEmpty { print("tandem: every round is already locked", to: &err) }
        }
    }
}

struct Roster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the merged roster (the one the matcher sees), sorted by id, as roster.yaml-format YAML or CSV.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case yaml, csv }

    @OptionGroup var options: PortalOptions
    @Option(help: "yaml (loads back as a Content/roster.yaml) or csv.") var format: Format = .yaml

    func run() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: options.root, bag: bag)
        let diagnostics = bag.sorted()
        emit(diagnostics)
        if bag.hasErrors { throw ExitCode(1) }
        let text = format == .yaml ? RosterExport.yaml(portal) : RosterExport.csv(portal)
        FileHandle.standardOutput.write(text)
    }
}
