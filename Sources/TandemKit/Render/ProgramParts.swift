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

    /// Each session number's calendar event (summary and description); a unit's own times
    /// are put in with `ICalendar.SharedEvent.retimed`.
    let sessionEvents: [ICalendar.SharedEvent]
    let podSessionEvents: [ICalendar.SharedEvent]
    let zone: TimeZone?
    let stamp: Int

    init(_ b: BuiltProgram, now: Int?, pages: Pages) {
        // Participant, agenda and pod pages sit in sibling folders (people/, pairs/, pods/).
        let root = SiteAddresses.root(ofFolder: SiteAddresses.pairsFolder(b.program.slug))
        summary = pages.programSummary(b, root: root)
        var rows = pages.sessionRows(b, root: root)
        for (k, s) in b.sessions.enumerated() {
            rows[k]["length"] = Duration.words(minutes: s.minutes)
            rows[k]["followUps"] = Pages.followUpRows(s)
        }
        personRows = rows
        agendaRows = b.sessions.map { pages.sharedAgendaRow($0, root: root) }
        let podTemplate = b.podTemplate
        podAgendaRows = podTemplate.map { pages.sharedAgendaRow($0, root: root) }
        podPersonRows = podTemplate.map { Pages.podPersonRow($0, root: root) }
        let p = b.program
        zone = Zones.zone(p.timezone)
        stamp = now ?? (p.start.dayNumber * 86_400)
        let (zone, stamp) = (self.zone, self.stamp)
        sessionEvents = b.sessions.map { s in
            ICalendar.SharedEvent(start: s.start, end: s.end,
                                  summary: "\(p.title) \(s.number)/\(b.sessions.count)" + (s.activity.map { ": \($0.title)" } ?? ""),
                                  descriptionTail: Pages.eventDescription(s, heading: ""), zone: zone, stamp: stamp)
        }
        podSessionEvents = podTemplate.map { s in
            ICalendar.SharedEvent(start: s.start, end: s.end,
                                  summary: "\(p.title) pod session \(s.number)/\(podTemplate.count)" + (s.activity.map { ": \($0.title)" } ?? ""),
                                  descriptionTail: Pages.eventDescription(s, heading: ""), zone: zone, stamp: stamp)
        }
    }

    /// A session's start on `zone`'s wall clock.
    func local(_ s: Session, in zone: String) -> LocalTime { ProgramParts.compute(s, zone) }

    static func compute(_ s: Session, _ zone: String) -> LocalTime {
        let local = Scheduler.local(s.start, in: zone)
        return LocalTime(date: local.date, longDate: local.date.longText, time: local.time, offsetMinutes: local.offsetMinutes,
                         outsideWorkingHours: Pages.isOutsideWorkingHours(s, zone: zone))
    }
}
