import Foundation

/// One meeting of a pair or group.
public struct Session: Sendable {
    public var number: Int
    public var date: LocalDate
    /// Start as seconds since 1970 (UTC), from the program's meeting time in its time zone.
    public var start: Int
    public var minutes: Int
    public var activity: Activity?
    /// Time boxes that add up to the session length.
    public var plan: [(label: String, minutes: Int, detail: String)]
}

/// Meeting dates from start + cadence + count, each session with its activity.
enum Scheduler {
    static func sessions(for program: Program, portal: Portal) -> [Session] {
        let activities = agendaActivities(program, portal: portal)
        return (0..<program.sessions).map { i in
            let date = program.cadence.date(ofSession: i, from: program.start)
            let activity = activities.isEmpty ? nil : activities[i % activities.count]
            return Session(number: i + 1, date: date, start: instant(date, program.meetingTime, program.timezone),
                           minutes: program.sessionMinutes, activity: activity,
                           plan: plan(minutes: program.sessionMinutes, activity: activity, isLast: i == program.sessions - 1))
        }
    }

    /// The agenda's activities, or — when the program names none — every activity that suits
    /// its format, in slug order.
    static func agendaActivities(_ program: Program, portal: Portal) -> [Activity] {
        if !program.agenda.isEmpty { return program.agenda.compactMap { portal.activity($0) } }
        let format: ProgramFormat = program.format == .groups ? .groups : .pairs
        return portal.activities.filter { $0.formats.contains(format) }
    }

    /// UTC seconds of a wall-clock time in a time zone (daylight saving resolved by two passes).
    static func instant(_ date: LocalDate, _ time: (hour: Int, minute: Int), _ zoneName: String) -> Int {
        let wall = date.dayNumber * 86_400 + time.hour * 3600 + time.minute * 60
        guard let zone = TimeZone(identifier: zoneName) else { return wall }
        var guess = wall - zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall)))
        guess = wall - zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess)))
        return guess
    }

    /// Wall-clock date and "HH:MM" of an instant in a time zone.
    static func local(_ instant: Int, in zoneName: String) -> (date: LocalDate, time: String, offsetMinutes: Int) {
        let offset = TimeZone(identifier: zoneName)?.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))) ?? 0
        let wall = instant + offset
        let day = Int((Double(wall) / 86_400).rounded(.down))
        let seconds = wall - day * 86_400
        return (LocalDate(dayNumber: day), String(format: "%02d:%02d", seconds / 3600, (seconds % 3600) / 60), offset / 60)
    }

    /// Check-in, activity, reflection and next steps, sized to the session and rounded to
    /// five minutes; the activity takes whatever the other boxes leave.
    static func plan(minutes: Int, activity: Activity?, isLast: Bool) -> [(String, Int, String)] {
        func box(_ share: Double, minimum: Int) -> Int { max(minimum, Int((Double(minutes) * share / 5).rounded()) * 5) }
        let checkIn = minutes >= 30 ? box(0.12, minimum: 5) : 3
        let reflection = minutes >= 30 ? box(0.15, minimum: 5) : 3
        let nextSteps = minutes >= 30 ? box(0.1, minimum: 5) : 2
        let core = max(5, minutes - checkIn - reflection - nextSteps)
        let title = activity?.title ?? "Open conversation"
        return [
            ("Check in", checkIn, "How has the time since you last met gone? Share one win and one thing on your mind."),
            (title, core, activity?.summary ?? "Talk through what each of you wants to get out of the program."),
            ("Reflect", reflection, "What surprised you? What will you take away from today?"),
            ("Next steps", nextSteps, isLast
                ? "Agree how you will stay in touch after the program, and thank each other."
                : "Agree one action each before the next session, and confirm the date."),
        ]
    }
}
