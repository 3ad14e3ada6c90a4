import Dispatch
import Foundation

/// Renders the pages of a frozen `SiteModel` on all cores and hands the bytes to the writer.
/// Every page goes to its own path, so the output never depends on thread timing.
struct Renderer: @unchecked Sendable {
    let model: SiteModel
    let theme: Theme
    let writer: SiteWriter
    /// Skips pages the folder being built in already holds (nil: render every page).
    var cache: RenderCache? = nil
    /// The stamp of the program being rendered (see `RenderCache.stamp(for:)`).
    private(set) var stamp: Fingerprint? = nil

    enum Job {
        case index, activitiesIndex, print, activity(Int), program(Int), report(Int), person(Int, Int), unit(Int, Int), pod(Int, Int)
    }

    /// The pages of the whole portal: the home page and the activity guides.
    func siteJobs() -> [Job] {
        [.index, .activitiesIndex, .print] + model.portal.activities.indices.map { .activity($0) }
    }

    /// The pages of program `p`: they read nothing of the other programs.
    func programJobs(_ p: Int) -> [Job] {
        let built = model.programs[p]
        return [.program(p), .report(p)]
            + built.match.people.indices.map { .person(p, $0) }
            + built.match.units.indices.map { .unit(p, $0) }
            + built.match.pods.indices.map { .pod(p, $0) }
    }

    /// The portal-wide pages and the theme's assets; returns (pages, files) written.
    func runSite() -> (pages: Int, files: Int) {
        for d in ["activities", "assets"] { writer.makeDirectory(d) }
        for asset in theme.assets { writer.write(asset.path, asset.bytes) }
        let jobs = siteJobs()
        let batches = batched(jobs, Pages(model: model, programs: []))
        DispatchQueue.concurrentPerform(iterations: batches.count) { batches[$0]() }
        return (jobs.count, jobs.count + theme.assets.count)
    }

    /// Makes program `p`'s folders and returns its pages, calendars and CSV as tasks for any
    /// thread, with the number of pages and files they write.
    func programTasks(_ p: Int) -> (tasks: [@Sendable () -> Void], pages: Int, files: Int) {
        let b = model.programs[p]
        let slug = b.program.slug
        for d in ["programs/\(slug)", "programs/\(slug)/people", "programs/\(slug)/pairs"] + (b.match.pods.isEmpty ? [] : ["programs/\(slug)/pods"]) {
            writer.makeDirectory(d)
        }
        let jobs = programJobs(p)
        var stamped = self
        stamped.stamp = cache?.stamp(for: b, portal: model.portal, now: model.now)
        // Calendars (one a unit) and the CSV beside the report.
        return (stamped.batched(jobs, Pages(model: model, programs: [p])), jobs.count, jobs.count + b.match.units.count + 1)
    }

    /// Jobs in batches of 64: few enough tasks to hand out cheaply, small enough to share well.
    private func batched(_ jobs: [Job], _ pages: Pages) -> [@Sendable () -> Void] {
        let size = 64
        return stride(from: 0, to: jobs.count, by: size).map { start in
            { [self] in
                for j in start..<min(jobs.count, start + size) { render(jobs[j], pages) }
            }
        }
    }

    /// Renders one HTML page and writes it, unless the cache finds the file already current.
    /// `stamp`: for a page of the program's own, its stamp (`pageStamp`); its view model is not
    /// even built when its sources are unchanged.
    private func page(_ path: String, stamp: Fingerprint? = nil, template: String, _ model: () -> ViewObject) {
        guard let cache else {
            writer.write(path, theme.render(model(), template: template))
            return
        }
        if let stamp, cache.keeps(path, under: stamp) {
            writer.keep(path)
            return
        }
        let model = model()
        guard cache.canCompare(path) else {
            writer.write(path, theme.render(model, template: template))
            cache.wrote(path, RenderCache.noFingerprint, stamp: stamp ?? RenderCache.noStamp)
            return
        }
        let fingerprint = cache.fingerprint(model, template: template)
        if cache.isCurrent(path, fingerprint, stamp: stamp ?? RenderCache.noStamp) {
            writer.keep(path)
            return
        }
        writer.write(path, theme.render(model, template: template))
        cache.wrote(path, fingerprint, stamp: stamp ?? RenderCache.noStamp)
    }

    /// The stamp of a page of program `b`'s own that shows `people` (nil: not kept by stamp).
    private func pageStamp(showing people: [Int], of b: BuiltProgram) -> Fingerprint? {
        guard let cache, let stamp else { return nil }
        return cache.stamp(stamp, showing: people, of: b, portal: model.portal)
    }

    /// Everyone a unit's agenda and calendar show: its members, or its whole pod's.
    private func shown(unit u: Int, _ b: BuiltProgram) -> [Int] {
        if u < b.match.podOfUnit.count, let k = b.match.podOfUnit[u] { return shown(pod: k, b) }
        return b.match.units[u].members
    }

    private func shown(pod k: Int, _ b: BuiltProgram) -> [Int] {
        b.match.pods[k].units.flatMap { b.match.units[$0].members }
    }

    /// Everyone a person's page shows: them, their partners and their pods.
    private func shown(person i: Int, _ b: BuiltProgram) -> [Int] {
        // The people asked for (`prefer`) too: the page says what came of each request.
        [i] + b.match.unitsOf[i].flatMap { shown(unit: $0, b) } + b.match.people[i].prefer.compactMap { Explain.index(of: $0, in: b.match.people) }
            + (i < b.match.shortlists.count ? b.match.shortlists[i] : [])
    }

    /// A program's calendar: kept by stamp like its pages, else written (and compared).
    private func calendar(_ path: String, stamp: Fingerprint?, _ bytes: () -> [UInt8]) {
        guard let cache, let stamp else {
            writer.write(path, bytes())
            return
        }
        if cache.keeps(path, under: stamp) {
            writer.keep(path)
            return
        }
        writer.write(path, bytes())
        cache.wrote(path, RenderCache.noStamp, stamp: stamp)
    }

    private func render(_ job: Job, _ pages: Pages) {
        switch job {
        case .index:
            page("index.html", template: "index") { pages.index() }
        case .activitiesIndex:
            page("activities/index.html", template: "activities") { pages.activitiesIndex() }
        case .print:
            page("activities/print.html", template: "print") { pages.print() }
        case let .activity(a):
            let activity = model.portal.activities[a]
            page("activities/\(activity.slug).html", template: "activity") { pages.activity(activity) }
        case let .program(p):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/index.html", template: "program") { pages.program(b) }
        case let .report(p):
            // The report reads the lock file and check-ins too: never kept by stamp.
            let b = model.programs[p]
            page("programs/\(b.program.slug)/\(pages.reportFile(b, "report")).html", template: "report") { pages.report(b) }
            writer.write("programs/\(b.program.slug)/\(pages.reportFile(b, "matches")).csv", pages.csv(b))
        case let .person(p, i):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/people/\(pages.personFile(b, b.match.people[i])).html", stamp: pageStamp(showing: shown(person: i, b), of: b), template: "person") { pages.person(b, i) }
        case let .unit(p, u):
            let b = model.programs[p]
            let id = pages.unitFile(b, b.match.units[u])
            // The agenda and the calendar show the same people.
            let stamp = pageStamp(showing: shown(unit: u, b), of: b)
            page("programs/\(b.program.slug)/pairs/\(id).html", stamp: stamp, template: "unit") { pages.unit(b, u) }
            calendar("programs/\(b.program.slug)/pairs/\(id).ics", stamp: stamp) { pages.calendar(b, u) }
        case let .pod(p, k):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/pods/\(pages.podFile(b, b.match.pods[k])).html", stamp: pageStamp(showing: shown(pod: k, b), of: b), template: "pod") { pages.pod(b, k) }
        }
    }
}
