import Foundation

/// What the pages of one program share, worked out once before its pages are rendered on many
/// threads: the calendar lines of its sessions, and each session's wall-clock time in every
/// time zone its participants live in. Thousands of pages read these instead of recomputing
/// them (and instead of contending for the time-zone memo's lock).
final class ProgramParts: Sendable {
    /// A session's start on one zone's wall clock.
    struct LocalTime: Sendable {
        let date: LocalDate
        let longDate: String
        let time: String
        let offsetMinutes: Int
        /// Starts before 07:00 or ends after 21:00 (or on another day) on this clock.
        let outsideWorkingHours: Bool
    }

    /// View-model pieces of the pages three folders down (participant, agenda and pod pages):
    /// the program's summary, the participant page's session rows (without the local time),
    /// and the agenda rows of sessions and pod sessions (without each member's time).
    let summary: ViewObject
    let personRows: [ViewObject]
    let agendaRows: [ViewObject]
    let podAgendaRows: [ViewObject]
    /// The participant page's pod session rows, without the pod, the local time and "next".
    let podPersonRows: [ViewObject]
    static let root = "../../../"

    let sessionEvents: [ICalendar.SharedEvent]
    let podSessionEvents: [ICalendar.SharedEvent]
    /// Zone → start of each session (`sessions`) and pod session (`podSessions`) in it.
    private let sessionTimes: [String: [LocalTime]]
    private let podSessionTimes: [String: [LocalTime]]

    init(_ b: BuiltProgram, now: Int?, pages: Pages) {
        let root = ProgramParts.root
        summary = pages.programSummary(b, root: root)
        var rows = pages.sessionRows(b, root: root)
        for (k, s) in b.sessions.enumerated() {
            rows[k]["length"] = Duration.words(minutes: s.minutes)
            rows[k]["followUps"] = Pages.followUpRows(s)
        }
        personRows = rows
        agendaRows = b.sessions.map { pages.sharedAgendaRow($0, root: root) }
        podAgendaRows = b.podSessions.map { pages.sharedAgendaRow($0, root: root) }
        podPersonRows = b.podSessions.map { Pages.podPersonRow($0, root: root) }
        let p = b.program
        let zone = Zones.zone(p.timezone)
        let stamp = now ?? (p.start.dayNumber * 86_400)
        sessionEvents = b.sessions.map { s in
            ICalendar.SharedEvent(start: s.start, end: s.end,
                                  summary: "\(p.title) \(s.number)/\(b.sessions.count)" + (s.activity.map { ": \($0.title)" } ?? ""),
                                  descriptionTail: Pages.eventDescription(s, heading: ""), zone: zone, stamp: stamp)
        }
        podSessionEvents = b.podSessions.map { s in
            ICalendar.SharedEvent(start: s.start, end: s.end,
                                  summary: "\(p.title) pod session \(s.number)/\(b.podSessions.count)" + (s.activity.map { ": \($0.title)" } ?? ""),
                                  descriptionTail: Pages.eventDescription(s, heading: ""), zone: zone, stamp: stamp)
        }
        var zones = Set(b.match.people.map(\.timezone))
        zones.insert(p.timezone)
        func table(_ sessions: [Session]) -> [String: [LocalTime]] {
            var times: [String: [LocalTime]] = [:]
            for z in zones {
                times[z] = sessions.map { ProgramParts.compute($0, z) }
            }
            return times
        }
        sessionTimes = table(b.sessions)
        podSessionTimes = b.podSessions.isEmpty ? [:] : table(b.podSessions)
    }

    /// Session `k`'s start in `zone`.
    func local(session k: Int, of b: BuiltProgram, in zone: String) -> LocalTime {
        if let times = sessionTimes[zone] { return times[k] }
        return ProgramParts.compute(b.sessions[k], zone)
    }

    /// Pod session `k`'s start in `zone`.
    func local(podSession k: Int, of b: BuiltProgram, in zone: String) -> LocalTime {
        if let times = podSessionTimes[zone] { return times[k] }
        return ProgramParts.compute(b.podSessions[k], zone)
    }

    private static func compute(_ s: Session, _ zone: String) -> LocalTime {
        let local = Scheduler.local(s.start, in: zone)
        return LocalTime(date: local.date, longDate: local.date.longText, time: local.time, offsetMinutes: local.offsetMinutes,
                         outsideWorkingHours: Pages.isOutsideWorkingHours(s, zone: zone))
    }
}
