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
        // Calendars (one a unit) and the CSV beside the report.
        return (batched(jobs, Pages(model: model, programs: [p])), jobs.count, jobs.count + b.match.units.count + 1)
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
    private func page(_ path: String, _ model: ViewObject, template: String) {
        guard let cache else {
            writer.write(path, theme.render(model, template: template))
            return
        }
        let fingerprint = cache.fingerprint(model, template: template)
        if cache.isCurrent(path, fingerprint) {
            writer.keep(path)
            return
        }
        writer.write(path, theme.render(model, template: template))
        cache.wrote(path, fingerprint)
    }

    private func render(_ job: Job, _ pages: Pages) {
        switch job {
        case .index:
            page("index.html", pages.index(), template: "index")
        case .activitiesIndex:
            page("activities/index.html", pages.activitiesIndex(), template: "activities")
        case .print:
            page("activities/print.html", pages.print(), template: "print")
        case let .activity(a):
            let activity = model.portal.activities[a]
            page("activities/\(activity.slug).html", pages.activity(activity), template: "activity")
        case let .program(p):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/index.html", pages.program(b), template: "program")
        case let .report(p):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/\(pages.reportFile(b, "report")).html", pages.report(b), template: "report")
            writer.write("programs/\(b.program.slug)/\(pages.reportFile(b, "matches")).csv", pages.csv(b))
        case let .person(p, i):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/people/\(pages.personFile(b, b.match.people[i])).html", pages.person(b, i), template: "person")
        case let .unit(p, u):
            let b = model.programs[p]
            let id = pages.unitFile(b, b.match.units[u])
            page("programs/\(b.program.slug)/pairs/\(id).html", pages.unit(b, u), template: "unit")
            writer.write("programs/\(b.program.slug)/pairs/\(id).ics", pages.calendar(b, u))
        case let .pod(p, k):
            let b = model.programs[p]
            page("programs/\(b.program.slug)/pods/\(pages.podFile(b, b.match.pods[k])).html", pages.pod(b, k), template: "pod")
        }
    }
}
