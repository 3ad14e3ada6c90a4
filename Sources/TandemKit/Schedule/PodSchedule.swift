import Foundation

/// Pod sessions: the whole pod meets once midway through the round and, in programs of four
/// sessions or more, once more after the last pair session. These are the nominal sessions,
/// halfway between two pair sessions (or half a cadence after the last) at the program's
/// meeting time; each pod then meets on its own slot in the week of each nominal date
/// (`Meetings.pod`, `Scheduler.scheduleAll`).
extension Scheduler {
    /// Pod sessions run at least an hour: there are twice as many people to hear from.
    static let podMinutes = 60

    static func podSessions(for program: Program, portal: Portal, sessions: [Session]) -> [Session] {
        guard program.pods != nil, !sessions.isEmpty else { return [] }
        let n = sessions.count
        func halfway(after i: Int) -> LocalDate {
            let a = sessions[i].date
            if i + 1 < n { return a.adding(days: (sessions[i + 1].date.dayNumber - a.dayNumber) / 2) }
            let step = n > 1 ? a.dayNumber - sessions[i - 1].date.dayNumber : 14
            return a.adding(days: max(1, step / 2))
        }
        var dates = [halfway(after: (n - 1) / 2)]
        if n >= 4 { dates.append(halfway(after: n - 1)) }
        let activities = podActivities(program, portal: portal)
        let minutes = max(program.sessionMinutes, podMinutes)
        return dates.enumerated().map { k, date in
            let activity = activities.isEmpty ? nil : activities[k % activities.count]
            let isLast = k == dates.count - 1 && dates.count > 1
            return Session(number: k + 1, date: date, start: instant(date, program.meetingTime, program.timezone), minutes: minutes,
                           activity: activity,
                           plan: plan(minutes: minutes, activity: activity, isLast: isLast, isFirst: k == 0, isGroup: true),
                           followUps: podFollowUps(k, isLast: isLast, activity: activity))
        }
    }

    /// Activities for a whole pod: those written for groups only first (they never come up in
    /// pair sessions), then group-friendly ones the agenda does not use, then any that suit
    /// groups; each in slug order.
    static func podActivities(_ program: Program, portal: Portal) -> [Activity] {
        let groupish = portal.activities.filter { $0.formats.contains(.groups) }
        let groupOnly = groupish.filter(\.groupsOnly)
        let unused = groupish.filter { !$0.groupsOnly && !program.agenda.contains($0.slug) }
        let rest = groupish.filter { !$0.groupsOnly && program.agenda.contains($0.slug) }
        return groupOnly + unused + rest
    }

    static func podFollowUps(_ k: Int, isLast: Bool, activity: Activity?) -> [(String, String)] {
        [
            ("After this session", activity?.followUp ?? "Send the pod a short note with one idea from the other pair that you will try in your own sessions."),
            ("Think about", isLast
                ? "Who in your pod would you call when you need a view from their part of the company? Tell them."
                : "What does the other pair do in their sessions that you could borrow for yours?"),
        ]
    }
}
