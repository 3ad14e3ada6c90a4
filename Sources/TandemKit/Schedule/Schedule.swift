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
    /// What to do between this session and the next: the activity's follow-up, a question to
    /// think about, and how to prepare for the next activity.
    public var followUps: [(label: String, text: String)]
    /// Why this session moved away from the unit's slot (a holiday, someone away, a
    /// daylight-saving change), in words; nil when it keeps the slot.
    public var moved: String? = nil
    /// Why this session does not take place; such a session stays on the pages with the
    /// reason and is left out of calendars.
    public var skipped: String? = nil

    /// Seconds since 1970 (UTC) when the session ends.
    public var end: Int { start + minutes * 60 }
}

/// Meeting dates from start + cadence + count, each session with its activity.
enum Scheduler {
    static func sessions(for program: Program, portal: Portal) -> [Session] {
        let activities = agendaActivities(program, portal: portal)
        let count = program.sessions
        let isGroup = program.format == .groups
        func activity(_ i: Int) -> Activity? { activities.isEmpty ? nil : activities[i % activities.count] }
        return (0..<count).map { i in
            let date = program.cadence.date(ofSession: i, from: program.start)
            let current = activity(i)
            return Session(number: i + 1, date: date, start: instant(date, program.meetingTime, program.timezone),
                           minutes: program.sessionMinutes, activity: current,
                           plan: plan(minutes: program.sessionMinutes, activity: current, isLast: i == count - 1,
                                      isFirst: i == 0, isGroup: isGroup),
                           followUps: followUps(after: i, of: count, activity: current, next: i + 1 < count ? activity(i + 1) : nil))
        }
    }

    /// The agenda's activities, or — when the program names none — every activity that suits
    /// its format, in slug order. Group-only activities never reach a pairs or mentoring
    /// program (the loader reports an agenda that names one; this keeps the schedule safe).
    static func agendaActivities(_ program: Program, portal: Portal) -> [Activity] {
        let format: ProgramFormat = program.format == .groups ? .groups : .pairs
        if !program.agenda.isEmpty {
            return program.agenda.compactMap { portal.activity($0) }.filter { format == .groups || !$0.groupsOnly }
        }
        return portal.activities.filter { $0.formats.contains(format) }
    }

    /// UTC seconds of a wall-clock time in a time zone (daylight saving resolved by two passes).
    static func instant(_ date: LocalDate, _ time: (hour: Int, minute: Int), _ zoneName: String) -> Int {
        let wall = date.dayNumber * 86_400 + time.hour * 3600 + time.minute * 60
        guard let first = Zones.offset(zoneName, at: wall) else { return wall }
        let guess = wall - first
        return wall - (Zones.offset(zoneName, at: guess) ?? first)
    }

    /// Wall-clock date and "HH:MM" of an instant in a time zone.
    static func local(_ instant: Int, in zoneName: String) -> (date: LocalDate, time: String, offsetMinutes: Int) {
        let offset = Zones.offset(zoneName, at: instant) ?? 0
        let wall = instant + offset
        let day = Int((Double(wall) / 86_400).rounded(.down))
        let seconds = wall - day * 86_400
        return (LocalDate(dayNumber: day), twoDigits(seconds / 3600) + ":" + twoDigits((seconds % 3600) / 60), offset / 60)
    }

    /// Day number, weekday (0 = Monday; day 0, 1 January 1970, was a Thursday) and minute of the
    /// day of a wall-clock time in seconds: the one conversion every slot search makes.
    static func clock(_ wall: Int) -> (day: Int, weekday: Int, minute: Int) {
        let day = Int((Double(wall) / 86_400).rounded(.down))
        return (day, ((day % 7) + 7 + 3) % 7, (wall - day * 86_400) / 60)
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }

    /// Check-in, activity, reflection and next steps, sized to the session and rounded to
    /// five minutes; the activity takes whatever the other boxes leave.
    static func plan(minutes: Int, activity: Activity?, isLast: Bool, isFirst: Bool = false,
                     isGroup: Bool = false) -> [(String, Int, String)] {
        func box(_ share: Double, minimum: Int) -> Int { max(minimum, Int((Double(minutes) * share / 5).rounded()) * 5) }
        let checkIn = minutes >= 30 ? box(0.12, minimum: 5) : 3
        let reflection = minutes >= 30 ? box(0.15, minimum: 5) : 3
        let nextSteps = minutes >= 30 ? box(0.1, minimum: 5) : 2
        let core = max(5, minutes - checkIn - reflection - nextSteps)
        let title = activity?.title ?? "Open conversation"
        let each = isGroup ? "Go round the group: each person shares" : "Each of you shares"
        let checkInText = isFirst
            ? "\(each) their role, how long they have been here, and one thing they hope to get from the program."
            : "\(each) one win and one thing on their mind since you last met."
        let reflectText = isLast
            ? "Look back over the whole program: what changed in how you work, and what will you keep doing?"
            : "What surprised you? What will you take away from today?"
        let nextText = isLast
            ? "Agree how you will stay in touch after the program, and thank each other."
            : "Agree one action each before the next session, and confirm the date."
        return [
            ("Check in", checkIn, checkInText),
            (title, core, activity?.summary ?? "Talk through what each of you wants to get out of the program."),
            ("Reflect", reflection, reflectText),
            ("Next steps", nextSteps, nextText),
        ]
    }

    /// Questions to carry from one session to the next, one per gap, in a fixed rotation.
    static let betweenQuestions = [
        "What from your last conversation do you keep coming back to?",
        "Where did you step a little outside your comfort zone since you last met?",
        "What is one piece of feedback you received recently, and what did you do with it?",
        "What would make the next session more useful for everyone?",
        "What have you learned about how another part of the company works?",
        "Which of your own strengths did you lean on most this time, and which did you leave unused?",
    ]

    /// Between-session follow-ups: after this session, something to think about, and how to
    /// prepare for the next activity. The last session closes the program instead.
    static func followUps(after index: Int, of count: Int, activity: Activity?, next: Activity?) -> [(String, String)] {
        var out: [(String, String)] = []
        out.append(("After this session", activity?.followUp
            ?? "Send a short note with the one action you agreed, so you can check in on it next time."))
        if index + 1 < count {
            out.append(("Think about", betweenQuestions[index % betweenQuestions.count]))
            if let prep = next?.prep { out.append(("Before the next session", prep)) }
        } else {
            out.append(("Think about", "Who else could you learn from in the way you learned from each other? Consider signing up again next round."))
        }
        return out
    }
}
