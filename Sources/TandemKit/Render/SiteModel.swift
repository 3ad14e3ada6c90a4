import Foundation

/// A program after matching and scheduling: everything its pages need.
public struct BuiltProgram: Sendable {
    public var match: ProgramMatch
    /// The program's nominal sessions (its start, cadence and meeting time): the activity,
    /// plan and follow-ups of each session number. A unit's own dates are `sessions(ofUnit:)`.
    public var sessions: [Session]
    public var program: Program { match.program }

    /// The day the program's last session takes place: each match meets on its own day, so
    /// the latest of any match's or pod's sessions (the nominal last date before scheduling).
    /// Worked out once: every page and message shows it.
    public let lastDate: LocalDate

    public init(match: ProgramMatch) {
        self.match = match
        self.sessions = match.schedule.template
        let scheduled = (match.schedule.units + match.schedule.pods).joined().filter { $0.skipped == nil }.map(\.date)
        lastDate = scheduled.max() ?? sessions.last?.date ?? match.program.start
    }

    /// The sessions of one unit (an index into `match.units`): what its agenda, calendar,
    /// members' pages and messages show. Every reader of a unit's dates goes through here.
    public func sessions(ofUnit unit: Int) -> [Session] {
        unit < match.schedule.units.count && !match.schedule.units[unit].isEmpty ? match.schedule.units[unit] : sessions
    }

    /// The pod sessions of one pod (an index into `match.pods`).
    public func sessions(ofPod pod: Int) -> [Session] {
        pod < match.schedule.pods.count ? match.schedule.pods[pod] : []
    }

    /// What every pod's sessions share (activity, plan, follow-ups): the first pod's.
    public var podTemplate: [Session] { match.schedule.pods.first ?? [] }

    /// The pod's slot (an index into `match.pods`), when it has one: every pod session keeps
    /// it unless the session says why it moved.
    public func slot(ofPod pod: Int) -> SlotChoice? {
        pod < match.schedule.podSlots.count ? match.schedule.podSlots[pod] : nil
    }

    /// The unit's slot, when it has one.
    public func slot(ofUnit unit: Int) -> SlotChoice? {
        unit < match.schedule.slots.count ? match.schedule.slots[unit] : nil
    }
}

/// The frozen model the renderer reads from many threads at once.
public struct SiteModel: Sendable {
    public var portal: Portal
    public var programs: [BuiltProgram]
    /// Seconds since 1970 used for DTSTAMP and "next session": SOURCE_DATE_EPOCH when set,
    /// otherwise nil (every program's first session counts as next).
    public var now: Int?

    public var pageCount: Int {
        let fixed = 1 + 2 + portal.activities.count
        return fixed + programs.reduce(0) { $0 + 2 + $1.match.people.count + $1.match.units.count + $1.match.pods.count }
    }
}
