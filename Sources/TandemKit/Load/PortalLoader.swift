import Foundation

/// Load and validate: `Content/` → a `Portal`, or diagnostics.
public enum PortalLoader {
    /// Reads and cross-checks a portal. Problems go into `bag`; the portal returned is only
    /// meaningful when the bag has no errors.
    public static func load(root: URL, bag: DiagnosticBag) -> Portal {
        let digests = SourceDigests()
        let files = ContentFiles(root: root, digests: digests)
        if !files.exists("Content") {
            bag.error("no Content/ folder here; is this a Tandem portal? (try 'tandem init')", at: nil)
        }
        let settings = SettingsLoader.load(files, bag: bag)
        let programs = ProgramLoader.load(files, settings: settings, bag: bag)
        let activities = ActivityLoader.load(files, settings: settings, bag: bag)
        let rosterBag = DiagnosticBag()
        let lost = LostIDs()
        var participants: [Participant]
        if settings.roster.isEmpty {
            participants = RosterLoader.load(files, bag: rosterBag, lost: lost)
        } else if settings.roster.broken {
            // The sources themselves are wrong (reported): nothing is said about the people in them.
            participants = []
        } else {
            participants = RosterIntake.load(files, settings: settings.roster, programs: programs, bag: rosterBag) ?? []
        }
        bag.merge(rosterBag)
        // Everyone's working week in full: the roster's own keys over the portal's default.
        for i in participants.indices where participants[i].week != nil || settings.workingWeek != .standard {
            participants[i].week = (participants[i].week ?? WeekOverride()).filled(settings.workingWeek)
        }
        var portal = Portal(root: root, settings: settings, participants: participants, programs: programs, activities: activities)
        if !settings.roster.isEmpty {
            portal.rosterListings = settings.roster.sources.filter { $0.matchBy == nil }.map(\.path)
            // Pages show what the sources and roster.yaml say: one stamp for all of them.
            let inputs = digests.all
            var f = Fingerprint()
            for path in settings.roster.sources.map(\.path) + [RosterLoader.path] {
                f.combine(path)
                f.combine(inputs[path] ?? Fingerprint())
            }
            digests.note(RosterLoader.path, fingerprint: f)
        }
        // Files that exist but could not be read were reported already; references to them
        // are not reported again as unknown.
        let unreadable = Validator.Unreadable(
            roster: rosterBag.hasErrors || settings.roster.broken,
            lostIDs: lost.ids, rosterEmpty: participants.isEmpty,
            programs: Set(files.markdownFiles(in: ProgramLoader.folder).map(ProgramLoader.slug)).subtracting(programs.map(\.slug)),
            activities: Set(files.markdownFiles(in: ActivityLoader.folder).map(ProgramLoader.slug)).subtracting(activities.map(\.slug)))
        Validator.check(portal, unreadable: unreadable, bag: bag)
        portal.checkins = CheckinLoader.load(portal, rosterUnreadable: unreadable.roster, bag: bag)
        portal.sources = digests.all
        if settings.roster.isEmpty, let entries = digests.rosterEntries {
            var byID: [String: Fingerprint] = [:]
            byID.reserveCapacity(participants.count)
            for p in participants {
                guard let digest = entries[p.sourceLocation.line] else { byID = [:]; break }
                byID[p.id] = digest
            }
            portal.participantDigests = byID.count == portal.participants.count ? byID : nil
        }
        return portal
    }
}

/// Cross-file checks: every reference names something that exists, and nothing refers to itself.
enum Validator {
    struct Unreadable {
        var roster = false
        /// Ids of roster entries that had errors and were left out (reported): references
        /// to them are not reported again. `rosterEmpty`: nothing could be read at all.
        var lostIDs: Set<String> = []
        var rosterEmpty = false
        func lost(_ id: String) -> Bool { roster && (rosterEmpty || lostIDs.contains(id)) }
        var programs: Set<String> = []
        var activities: Set<String> = []
    }

    static func check(_ portal: Portal, unreadable: Unreadable = Unreadable(), bag: DiagnosticBag) {
        let ids = portal.participants.map(\.id)
        let idSet = Set(ids)
        let programsBySlug = Dictionary(uniqueKeysWithValues: portal.programs.map { ($0.slug, $0) })
        let activitySlugs = Set(portal.activities.map(\.slug))

        for i in portal.participants.indices {
            let p = portal.participants[i]
            if let manager = p.manager {
                let at = p.fieldLocations["manager"]
                if manager == p.id {
                    bag.error("'\(p.id)' is listed as their own manager", at: at)
                } else if !idSet.contains(manager) && !unreadable.lost(manager) {
                    bag.error("unknown manager '\(manager)'", at: at, hint: bag.hint(for: manager, in: ids) ?? "managers must be participants on the roster")
                }
            }
            for (i, other) in p.avoid.enumerated() {
                let at = p.listLocations["avoid"]?[i]
                if other == p.id {
                    bag.error("'\(p.id)' lists themselves in 'avoid'", at: at)
                } else if !idSet.contains(other) && !unreadable.lost(other) {
                    bag.error("unknown participant '\(other)' in 'avoid'", at: at, hint: bag.hint(for: other, in: ids))
                }
            }
            for (i, other) in p.prefer.enumerated() {
                let at = p.listLocations["prefer"]?[i]
                if other == p.id {
                    bag.error("'\(p.id)' lists themselves in 'prefer'", at: at)
                } else if !idSet.contains(other) {
                    bag.error("unknown participant '\(other)' in 'prefer'", at: at,
                              hint: Suggest.hint(for: other, in: ids) ?? "'prefer' lists ids of people on the roster")
                }
            }
            for slug in p.skipRounds.keys.sorted() where programsBySlug[slug] == nil && !unreadable.programs.contains(slug) {
                bag.error("unknown program '\(slug)' in 'skip_rounds'", at: p.fieldLocations["skip_rounds.\(slug)"],
                          hint: Suggest.hint(for: slug, in: programsBySlug.keys.sorted()) ?? "programs are the files in Content/programs/")
            }
            var enrolled = Set<String>()
            for (i, slug) in p.programs.enumerated() {
                let at = p.listLocations["programs"]?[i]
                guard let program = programsBySlug[slug] else {
                    if unreadable.programs.contains(slug) { continue }
                    bag.error("unknown program '\(slug)'", at: at,
                              hint: bag.hint(for: slug, in: programsBySlug.keys.sorted()) ?? "programs are the files in Content/programs/")
                    continue
                }
                if !enrolled.insert(slug).inserted {
                    bag.warning("'\(p.id)' is enrolled in '\(slug)' twice", at: at)
                }
                if program.format.isMentoring && p.roles[slug] == nil && p.fieldLocations["roles.\(slug)"] == nil {
                    bag.error("'\(p.id)' is in the \(program.format.rawValue) program '\(slug)' but has no role",
                              at: at, hint: "add 'roles: { \(slug): mentor }' or 'mentee'")
                }
            }
            for (slug, _) in p.roles.sorted(by: { $0.key < $1.key }) {
                let at = p.fieldLocations["roles.\(slug)"]
                guard let program = programsBySlug[slug] else {
                    if unreadable.programs.contains(slug) { continue }
                    bag.error("role given for unknown program '\(slug)'", at: at, hint: bag.hint(for: slug, in: programsBySlug.keys.sorted()))
                    continue
                }
                if !program.format.isMentoring {
                    bag.warning("'\(slug)' is a \(program.format.rawValue) program; roles only apply to mentoring programs", at: at)
                } else if !p.programs.contains(slug) {
                    bag.warning("'\(p.id)' has a role in '\(slug)' but is not enrolled in it", at: at)
                }
            }
        }
        checkManagerCycles(portal, bag: bag)
        if !unreadable.roster {
            let locations = Set(portal.participants.map(\.location))
            for holiday in portal.settings.holidays {
                for (k, place) in holiday.locations.enumerated() where !locations.contains(place) {
                    bag.error("unknown location '\(place)' in a holiday", at: k < holiday.locationSources.count ? holiday.locationSources[k] : nil,
                              hint: Suggest.hint(for: place, in: locations.sorted()) ?? "locations are the 'location' values in the roster")
                }
            }
        }

        for program in portal.programs {
            for (i, slug) in program.agenda.enumerated() {
                let at = program.agendaLocations[i]
                guard activitySlugs.contains(slug) else {
                    if unreadable.activities.contains(slug) { continue }
                    bag.error("unknown activity '\(slug)' in the agenda", at: at,
                              hint: bag.hint(for: slug, in: activitySlugs.sorted()) ?? "activities are the files in Content/activities/")
                    continue
                }
                if let activity = portal.activity(slug), !activity.formats.contains(program.format == .groups ? .groups : .pairs), program.format != .groups {
                    bag.error("'\(slug)' is an activity for groups, but '\(program.slug)' is a \(program.format.rawValue) program", at: at)
                }
            }
            let count = portal.participants.count { $0.programs.contains(program.slug) }
            if count == 0 && !unreadable.roster {
                bag.warning("nobody on the roster is enrolled in '\(program.slug)'", at: SourceLocation(file: program.sourceFile))
            }
        }
    }

    /// A manager chain that loops back on itself is reported once, at the entry that closes it.
    private static func checkManagerCycles(_ portal: Portal, bag: DiagnosticBag) {
        var state: [String: Int] = [:] // 1 = on the current path, 2 = done
        for start in portal.participants.indices where state[portal.participants[start].id] == nil {
            var path: [String] = []
            var current: String? = portal.participants[start].id
            while let id = current, state[id] == nil, let k = portal.participantIndex[id] {
                state[id] = 1
                path.append(id)
                let manager = portal.participants[k].manager
                current = manager == id ? nil : manager
            }
            if let id = current, state[id] == 1, let k = portal.participantIndex[id], let index = path.firstIndex(of: id) {
                let cycle = path[index...] + [id]
                bag.error("managers form a loop: \(cycle.joined(separator: " → "))", at: portal.participants[k].fieldLocations["manager"])
            }
            for id in path { state[id] = 2 }
        }
    }
}
