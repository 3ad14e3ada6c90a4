import Foundation

/// A program after matching and scheduling: everything its pages need.
public struct BuiltProgram: Sendable {
    public var match: ProgramMatch
    public var sessions: [Session]
    /// Sessions for whole pods (programs with `pods:`), in date order.
    public var podSessions: [Session] = []
    public var program: Program { match.program }

    /// The sessions of one unit (an index into `match.units`): what its agenda, calendar,
    /// members' pages and messages show. Every reader of a unit's dates goes through here, so
    /// that a schedule per unit changes one place.
    public func sessions(ofUnit unit: Int) -> [Session] { sessions }

    /// The pod sessions of one pod (an index into `match.pods`).
    public func sessions(ofPod pod: Int) -> [Session] { podSessions }
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
