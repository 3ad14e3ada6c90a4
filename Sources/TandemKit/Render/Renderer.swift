import Dispatch
import Foundation

/// Renders every page of a frozen `SiteModel` on all cores and hands the bytes to the writer.
/// Jobs are numbered in a fixed order, so the output never depends on thread timing.
struct Renderer: @unchecked Sendable {
    let model: SiteModel
    let theme: Theme
    let writer: SiteWriter
    /// Skips pages the folder being built in already holds (nil: render every page).
    var cache: RenderCache? = nil

    enum Job {
        case index, activitiesIndex, print, activity(Int), program(Int), report(Int), person(Int, Int), unit(Int, Int), pod(Int, Int)
    }

    func jobs() -> [Job] {
        var jobs: [Job] = [.index, .activitiesIndex, .print]
        jobs += model.portal.activities.indices.map { .activity($0) }
        for (p, built) in model.programs.enumerated() {
            jobs += [.program(p), .report(p)]
            jobs += built.match.people.indices.map { .person(p, $0) }
            jobs += built.match.units.indices.map { .unit(p, $0) }
            jobs += built.match.pods.indices.map { .pod(p, $0) }
        }
        return jobs
    }

    /// Returns (pages, files) written.
    func run() -> (pages: Int, files: Int) {
        let pages = Pages(model: model)
        let jobs = jobs()
        let directories = Set(["activities", "assets"] + model.programs.flatMap { b in
            ["programs/\(b.program.slug)", "programs/\(b.program.slug)/people", "programs/\(b.program.slug)/pairs"]
                + (b.match.pods.isEmpty ? [] : ["programs/\(b.program.slug)/pods"])
        })
        for d in directories.sorted() { writer.makeDirectory(d) }
        for asset in theme.assets { writer.write(asset.path, asset.bytes) }
        let batch = 64
        DispatchQueue.concurrentPerform(iterations: (jobs.count + batch - 1) / batch) { b in
            for j in (b * batch)..<min(jobs.count, (b + 1) * batch) {
                render(jobs[j], pages)
            }
        }
        let units = model.programs.reduce(0) { $0 + $1.match.units.count }
        return (jobs.count, jobs.count + units + model.programs.count + theme.assets.count)
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
