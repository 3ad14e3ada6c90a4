import Foundation

/// Where every output of the site lives, each path defined once. The writer, the render cache,
/// the messages and every link between pages take their paths from here: a link is computed
/// from the path of the page it sits on and the path of the page it points to
/// (`SiteAddresses.link`, `SiteAddresses.root`), never written as a relative prefix.
/// Participant, agenda, pod and report file names are unguessable keys on an unlisted portal
/// (`PortalSettings.personPage` and the rest, in PageKey.swift).
struct SiteAddresses: Sendable {
    let settings: PortalSettings

    static let index = "index.html"
    static let activitiesFolder = "activities"
    static let assetsFolder = "assets"
    static let activitiesIndex = "activities/index.html"
    static let printCards = "activities/print.html"
    static func activity(_ slug: String) -> String { "\(activitiesFolder)/\(slug).html" }

    static func programFolder(_ slug: String) -> String { "programs/\(slug)" }
    static func program(_ slug: String) -> String { programFolder(slug) + "/index.html" }
    static func peopleFolder(_ slug: String) -> String { programFolder(slug) + "/people" }
    static func pairsFolder(_ slug: String) -> String { programFolder(slug) + "/pairs" }
    static func podsFolder(_ slug: String) -> String { programFolder(slug) + "/pods" }

    func person(_ slug: String, _ id: String) -> String { SiteAddresses.peopleFolder(slug) + "/\(settings.personPage(program: slug, id: id)).html" }
    func unit(_ slug: String, _ unit: String) -> String { SiteAddresses.pairsFolder(slug) + "/\(settings.unitPage(program: slug, unit: unit)).html" }
    func calendar(_ slug: String, _ unit: String) -> String { SiteAddresses.pairsFolder(slug) + "/\(settings.unitPage(program: slug, unit: unit)).ics" }
    func pod(_ slug: String, _ pod: String) -> String { SiteAddresses.podsFolder(slug) + "/\(settings.podPage(program: slug, pod: pod)).html" }
    func report(_ slug: String) -> String { SiteAddresses.programFolder(slug) + "/\(settings.reportPage(program: slug, name: "report")).html" }
    func matchesCSV(_ slug: String) -> String { SiteAddresses.programFolder(slug) + "/\(settings.reportPage(program: slug, name: "matches")).csv" }

    func person(_ b: BuiltProgram, _ p: Participant) -> String { person(b.program.slug, p.id) }
    func unit(_ b: BuiltProgram, _ u: MatchUnit) -> String { unit(b.program.slug, u.id) }
    func calendar(_ b: BuiltProgram, _ u: MatchUnit) -> String { calendar(b.program.slug, u.id) }
    func pod(_ b: BuiltProgram, _ p: Pod) -> String { pod(b.program.slug, p.slug) }

    /// The way up from the folder of the page at `path` to the site's root ("" at the root,
    /// "../../../" three folders down): what the templates put before assets and site pages.
    static func root(of path: String) -> String {
        String(repeating: "../", count: path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) })
    }

    /// The way up to the site's root from a page in `folder`.
    static func root(ofFolder folder: String) -> String { root(of: folder + "/") }

    /// The relative link from the page at `from` to the file at `to` (both relative to the
    /// site's root): up out of the folders they do not share, then down to the file.
    /// Byte by byte: it runs for every link of every page (splitting both paths into
    /// components took 5% of a 100,000-person first build).
    static func link(from: String, to: String) -> String {
        let slash = UInt8(ascii: "/")
        var (ups, shared) = (0, 0)
        var (from, to) = (from, to)  // withUTF8 makes a string contiguous, so it is mutating
        from.withUTF8 { a in
            to.withUTF8 { b in
                // The folders of `from`: everything up to and including its last slash.
                let folderEnd = (a.lastIndex(of: slash) ?? -1) + 1
                // The folders both paths share end at a slash both have at the same place.
                var i = 0
                while i < folderEnd, i < b.count, a[i] == b[i] {
                    if a[i] == slash { shared = i + 1 }
                    i += 1
                }
                for j in shared..<folderEnd where a[j] == slash { ups += 1 }
            }
        }
        var link = String(repeating: "../", count: ups)
        link += Substring(to.utf8.dropFirst(shared))
        return link
    }
}

/// What an output is made from. The render cache derives a file's stamp from exactly these
/// (`RenderCache.stamp(_:of:portal:now:)`), so a page kind that starts reading a new input
/// declares it here, and the cache cannot forget it. Inputs the stamp cannot cover (the lock
/// file's admin-only reasons, check-ins, the whole portal) make an output that is compared
/// by its view model's fingerprint instead (pages) or always written (other files).
struct Inputs: OptionSet, Hashable, Sendable {
    let rawValue: Int
    /// The program's own file (settings, agenda, body).
    static let programFile = Inputs(rawValue: 1 << 0)
    /// `portal.yaml` (settings, holidays, working week) and the unlisted portal's URL secret.
    static let settings = Inputs(rawValue: 1 << 1)
    /// Every activity guide.
    static let activities = Inputs(rawValue: 1 << 2)
    /// The build's date.
    static let buildTime = Inputs(rawValue: 1 << 3)
    /// The round's result: people, units and their scores, unmatched, pods, and the schedule.
    static let round = Inputs(rawValue: 1 << 4)
    /// The roster entries of the people the output shows (`Sources.people`); the whole roster
    /// when its entries have no digests of their own.
    static let shownPeople = Inputs(rawValue: 1 << 5)
    /// The round's lock file (admin-only reasons, ended matches).
    static let lockFile = Inputs(rawValue: 1 << 6)
    /// The program's check-ins.
    static let checkins = Inputs(rawValue: 1 << 7)
    /// Everything in the portal (the home page and the activity pages).
    static let portal = Inputs(rawValue: 1 << 8)

    /// Inputs no stamp covers.
    static let unstamped: Inputs = [.lockFile, .checkins, .portal]
    var canStamp: Bool { isDisjoint(with: Inputs.unstamped) }
}

/// An output's sources: the inputs and, with `shownPeople`, whose roster entries.
struct Sources: Sendable {
    var inputs: Inputs
    var people: [Int] = []
}

/// One output of the site: its path, what it is made from, and how to make it.
struct PlanItem {
    enum Body {
        /// An HTML page: the template and its view model.
        case page(template: String, view: () -> ViewObject)
        /// Any other file (calendar, CSV).
        case file(() -> [UInt8])
    }

    var path: String
    var sources: Sources
    var body: Body
}

/// The site plan: every output of a built site, declared once. `Renderer` renders and writes
/// these, the render cache stamps them from their declared sources, and the tests compare the
/// plan with the files a build writes.
struct SitePlan {
    let model: SiteModel
    var addresses: SiteAddresses { SiteAddresses(settings: model.portal.settings) }

    /// The outputs of the whole portal, independent of any one program: addressed by number.
    enum SiteOutput {
        case index, activitiesIndex, print, activity(Int)
    }

    /// The outputs of one program: they read nothing of the other programs.
    enum ProgramOutput {
        case program, report, csv, person(Int), unit(Int), calendar(Int), pod(Int)

        var isPage: Bool {
            switch self {
            case .csv, .calendar: return false
            default: return true
            }
        }
    }

    /// The folders a build makes before writing.
    var siteFolders: [String] { [SiteAddresses.activitiesFolder, SiteAddresses.assetsFolder] }

    func siteOutputs() -> [SiteOutput] {
        [.index, .activitiesIndex, .print] + model.portal.activities.indices.map { .activity($0) }
    }

    func folders(ofProgram p: Int) -> [String] {
        let b = model.programs[p], slug = b.program.slug
        return [SiteAddresses.programFolder(slug), SiteAddresses.peopleFolder(slug), SiteAddresses.pairsFolder(slug)]
            + (b.match.pods.isEmpty ? [] : [SiteAddresses.podsFolder(slug)])
    }

    func outputs(ofProgram p: Int) -> [ProgramOutput] {
        let m = model.programs[p].match
        return [.program, .report, .csv] + m.people.indices.map { .person($0) }
            + m.units.indices.flatMap { [.unit($0), .calendar($0)] } + m.pods.indices.map { .pod($0) }
    }

    /// What the person, agenda, pod pages and calendars are made from, besides whom they show.
    static let programPageInputs: Inputs = [.programFile, .settings, .activities, .buildTime, .round, .shownPeople]

    func item(_ o: SiteOutput, _ pages: Pages) -> PlanItem {
        let everything = Sources(inputs: .portal)
        switch o {
        case .index:
            return PlanItem(path: SiteAddresses.index, sources: everything, body: .page(template: "index") { pages.index() })
        case .activitiesIndex:
            return PlanItem(path: SiteAddresses.activitiesIndex, sources: everything, body: .page(template: "activities") { pages.activitiesIndex() })
        case .print:
            return PlanItem(path: SiteAddresses.printCards, sources: everything, body: .page(template: "print") { pages.print() })
        case let .activity(a):
            let activity = model.portal.activities[a]
            return PlanItem(path: SiteAddresses.activity(activity.slug), sources: everything, body: .page(template: "activity") { pages.activity(activity) })
        }
    }

    func item(_ o: ProgramOutput, ofProgram p: Int, _ pages: Pages) -> PlanItem {
        let b = model.programs[p], slug = b.program.slug
        let shown = SitePlan.programPageInputs
        switch o {
        case .program:
            // Lists every participant: the whole roster.
            return PlanItem(path: SiteAddresses.program(slug), sources: Sources(inputs: .portal), body: .page(template: "program") { pages.program(b) })
        case .report:
            return PlanItem(path: addresses.report(slug), sources: Sources(inputs: [.portal, .lockFile, .checkins]),
                            body: .page(template: "report") { pages.report(b) })
        case .csv:
            return PlanItem(path: addresses.matchesCSV(slug), sources: Sources(inputs: [.portal, .lockFile]), body: .file { Array(pages.csv(b).utf8) })
        case let .person(i):
            return PlanItem(path: addresses.person(b, b.match.people[i]), sources: Sources(inputs: shown, people: SitePlan.shown(person: i, b)),
                            body: .page(template: "person") { pages.person(b, i) })
        case let .unit(u):
            return PlanItem(path: addresses.unit(b, b.match.units[u]), sources: Sources(inputs: shown, people: SitePlan.shown(unit: u, b)),
                            body: .page(template: "unit") { pages.unit(b, u) })
        case let .calendar(u):
            // The calendar shows what the agenda shows.
            return PlanItem(path: addresses.calendar(b, b.match.units[u]), sources: Sources(inputs: shown, people: SitePlan.shown(unit: u, b)),
                            body: .file { pages.calendar(b, u) })
        case let .pod(k):
            return PlanItem(path: addresses.pod(b, b.match.pods[k]), sources: Sources(inputs: shown, people: SitePlan.shown(pod: k, b)),
                            body: .page(template: "pod") { pages.pod(b, k) })
        }
    }

    /// Everyone a unit's agenda and calendar show: its members, or its whole pod's.
    static func shown(unit u: Int, _ b: BuiltProgram) -> [Int] {
        if u < b.match.podOfUnit.count, let k = b.match.podOfUnit[u] { return shown(pod: k, b) }
        return b.match.units[u].members
    }

    static func shown(pod k: Int, _ b: BuiltProgram) -> [Int] {
        b.match.pods[k].units.flatMap { b.match.units[$0].members }
    }

    /// Everyone a person's page shows: them, their partners and their pods, the people they
    /// asked for (the page says what came of each request) and their shortlist.
    static func shown(person i: Int, _ b: BuiltProgram) -> [Int] {
        [i] + b.match.unitsOf[i].flatMap { shown(unit: $0, b) } + b.match.people[i].prefer.compactMap { Explain.index(of: $0, in: b.match.people) }
            + (i < b.match.shortlists.count ? b.match.shortlists[i] : [])
    }

    /// Every path the plan writes (assets aside), in plan order: for tests.
    func allPaths() -> [String] {
        let pages = Pages(model: model)
        return siteOutputs().map { item($0, pages).path }
            + model.programs.indices.flatMap { p in outputs(ofProgram: p).map { item($0, ofProgram: p, pages).path } }
    }
}
