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
    /// The site plan this renderer writes.
    var plan: SitePlan { SitePlan(model: model) }

    /// The portal-wide pages and the theme's assets; returns (pages, files) written.
    func runSite() -> (pages: Int, files: Int) {
        let plan = plan
        for d in plan.siteFolders { writer.makeDirectory(d) }
        for asset in theme.assets { writer.write(asset.path, asset.bytes) }
        let outputs = plan.siteOutputs()
        let pages = Pages(model: model, programs: [])
        let batches = batched(outputs.count) { [self] j in write(plan.item(outputs[j], pages), stamps: nil) }
        DispatchQueue.concurrentPerform(iterations: batches.count) { batches[$0]() }
        return (outputs.count, outputs.count + theme.assets.count)
    }

    /// Makes program `p`'s folders and returns its pages, calendars and CSV as tasks for any
    /// thread, with the number of pages and files they write.
    func programTasks(_ p: Int) -> (tasks: [@Sendable () -> Void], pages: Int, files: Int) {
        let plan = plan
        for d in plan.folders(ofProgram: p) { writer.makeDirectory(d) }
        let outputs = plan.outputs(ofProgram: p)
        let pages = Pages(model: model, programs: [p])
        let stamps = cache.map { ProgramStamps(cache: $0, program: model.programs[p], portal: model.portal, now: model.now) }
        let tasks = batched(outputs.count) { [self] j in write(plan.item(outputs[j], ofProgram: p, pages), stamps: stamps) }
        return (tasks, outputs.filter(\.isPage).count, outputs.count)
    }

    /// Stamps of one program's declared inputs, each set worked out once.
    final class ProgramStamps: @unchecked Sendable {
        let cache: RenderCache
        let program: BuiltProgram
        let portal: Portal
        let now: Int?
        private var known: [Inputs: Fingerprint?] = [:]
        private let lock = NSLock()

        init(cache: RenderCache, program: BuiltProgram, portal: Portal, now: Int?) {
            self.cache = cache
            self.program = program
            self.portal = portal
            self.now = now
        }

        /// The stamp of an output with these sources; nil when it is not kept by stamp.
        func stamp(_ sources: Sources) -> Fingerprint? {
            guard sources.inputs.canStamp else { return nil }
            lock.lock()
            let base: Fingerprint?
            if let found = known[sources.inputs] {
                base = found
            } else {
                base = cache.stamp(sources.inputs, of: program, portal: portal, now: now)
                known[sources.inputs] = base
            }
            lock.unlock()
            guard let base else { return nil }
            return sources.inputs.contains(.shownPeople) ? cache.stamp(base, showing: sources.people, of: program, portal: portal) : base
        }
    }

    /// Outputs 0..<count in batches of 64: few enough tasks to hand out cheaply, small enough
    /// to share well.
    private func batched(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> [@Sendable () -> Void] {
        let size = 64
        return stride(from: 0, to: count, by: size).map { start in
            { for j in start..<min(count, start + size) { body(j) } }
        }
    }

    /// Renders and writes one output of the plan, or keeps the file already there.
    private func write(_ item: PlanItem, stamps: ProgramStamps?) {
        let stamp = stamps?.stamp(item.sources)
        switch item.body {
        case let .page(template, view): page(item.path, stamp: stamp, template: template, view)
        case let .file(bytes): file(item.path, stamp: stamp, bytes)
        }
    }

    /// Renders one HTML page and writes it, unless the cache finds the file already current.
    /// `stamp`: the stamp of its declared sources (`ProgramStamps`), if it has one; its view model is not
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

    /// A file other than a page (a calendar, the CSV): kept by stamp like the pages, else
    /// written.
    private func file(_ path: String, stamp: Fingerprint?, _ bytes: () -> [UInt8]) {
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
}
