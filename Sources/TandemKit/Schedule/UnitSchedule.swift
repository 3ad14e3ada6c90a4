import Foundation

/// Where a unit meets each week: its slot (and the alternate one when no slot suits everyone),
/// and whether the slot lies inside every member's working hours.
public struct SlotChoice: Sendable {
    public var slot: Slot
    /// Used on every other session when there is no common slot, so that the early or late
    /// end falls on different members in turn.
    public var alternate: Slot?
    /// True when the slot lies inside every member's working hours on a working day.
    public var common: Bool
    /// Minutes outside working hours per member (same order as the unit's members) at the slot.
    public var outside: [Int] = []
}

/// Every unit's and pod's own dates in one program.
public struct ProgramSchedule: Sendable {
    /// The program's sessions at its own `start` + cadence + `meeting_time`: activities,
    /// plans and follow-ups per session number; the nominal dates of the program.
    public var template: [Session] = []
    /// Per unit (index into `ProgramMatch.units`).
    public var units: [[Session]] = []
    public var slots: [SlotChoice?] = []
    /// Per pod (index into `ProgramMatch.pods`).
    public var pods: [[Session]] = []
    /// Each pod's slot (index into `ProgramMatch.pods`): one weekday and time for all its sessions.
    public var podSlots: [SlotChoice?] = []
    public init() {}

    /// Units with no common slot.
    public var withoutCommonSlot: Int { slots.count { $0.map { !$0.common } ?? false } }
}

/// The sessions a slot places: how many, how long, the date of each for a given slot, and the
/// week searched for the slot (that of `anchor`, nearest to the program's meeting time on it).
struct Meetings {
    var count: Int
    var minutes: Int
    var anchor: LocalDate
    var date: (Int, Slot) -> LocalDate

    func start(_ i: Int, _ slot: Slot) -> Int { Scheduler.start(date(i, slot), slot) }

    /// A unit's sessions: the program's cadence from its start.
    static func unit(_ program: Program) -> Meetings {
        Meetings(count: program.sessions, minutes: program.sessionMinutes, anchor: program.start) { i, slot in
            Scheduler.date(ofSession: i, slot: slot, program: program)
        }
    }

    /// A pod's sessions: the slot's weekday in the week of each nominal pod session date
    /// (`Scheduler.inWeek`).
    static func pod(_ template: [Session], program: Program) -> Meetings {
        let dates = template.map(\.date)
        return Meetings(count: dates.count, minutes: template.first?.minutes ?? Scheduler.podMinutes, anchor: dates.first ?? program.start) { i, slot in
            Scheduler.inWeek(of: dates[i], slot)
        }
    }
}

/// Per-unit scheduling across all programs at once, so that nobody is double-booked.
///
/// Order: every unit whose slot is in its lock file keeps it (they are booked first), then
/// every pod whose slot is in its lock file, then the other units of each program in slug
/// order pick the fitting slot nearest to the program's meeting time, then the other pods
/// pick theirs around everyone's sessions. A pod's slot holds for all its pod sessions.
extension Scheduler {
    /// Someone in a unit, with what scheduling needs.
    struct Member {
        var id: String
        var name: String
        var zone: String
        var week: WorkingWeek
        var holidays: Set<Int>
        var away: [AwayRange]
        var location: String
        /// The roster marks their time zone private: the slot is never written in it.
        var zonePrivate = false

        /// Day number, weekday and minute of the day of an instant on this member's clock.
        func wall(_ instant: Int, offset: Int? = nil) -> (day: Int, weekday: Int, minute: Int) {
            Scheduler.clock(instant + (offset ?? Zones.offset(zone, at: instant) ?? 0))
        }

        func outside(_ instant: Int, minutes: Int, offset: Int? = nil) -> Int {
            let w = wall(instant, offset: offset)
            return week.minutesOutside(weekday: w.weekday, from: w.minute, to: w.minute + minutes)
        }

        func gap(_ instant: Int, minutes: Int, offset: Int? = nil) -> Int {
            let w = wall(instant, offset: offset)
            return week.gap(weekday: w.weekday, from: w.minute, to: w.minute + minutes)
        }

        /// Starts or ends on a Saturday or Sunday on this member's clock.
        func onWeekend(_ instant: Int, minutes: Int, offset: Int? = nil) -> Bool {
            let a = wall(instant, offset: offset).weekday
            let b = wall(instant + minutes * 60 - 60, offset: offset).weekday
            return a >= 5 || b >= 5
        }

        var firstName: String { name.split(separator: " ").first.map(String.init) ?? name }

        /// Why this member cannot meet on the local day of `instant`, or nil.
        func blocked(_ instant: Int, offset: Int? = nil) -> String? {
            guard !holidays.isEmpty || !away.isEmpty else { return nil }
            let day = wall(instant, offset: offset).day
            if holidays.contains(day) { return "a public holiday for \(firstName)" }
            let date = LocalDate(dayNumber: day)
            if away.contains(where: { $0.contains(date) }) { return "\(firstName) is away" }
            return nil
        }
    }

    /// Busy intervals per person id, across all programs.
    final class Bookings {
        private var busy: [String: [(start: Int, end: Int)]] = [:]
        func isFree(_ members: [Member], _ start: Int, _ end: Int) -> Bool {
            for m in members {
                if let list = busy[m.id], list.contains(where: { $0.start < end && start < $0.end }) { return false }
            }
            return true
        }
        /// Everyone's busy intervals, fetched once for a search over many candidate times.
        func lists(_ members: [Member]) -> [[(start: Int, end: Int)]] { members.compactMap { busy[$0.id] } }
        static func isFree(_ lists: [[(start: Int, end: Int)]], _ start: Int, _ end: Int) -> Bool {
            !lists.contains { $0.contains { $0.start < end && start < $0.end } }
        }
        func book(_ members: [Member], _ start: Int, _ end: Int) {
            for m in members { busy[m.id, default: []].append((start, end)) }
        }
    }

    static func members(_ ids: [Int], of m: ProgramMatch, portal: Portal, holidays: [Holiday]) -> [Member] {
        ids.map { i in
            let p = m.people[i]
            let days = Set(holidays.filter { $0.applies(to: p) }.map(\.date.dayNumber))
            return Member(id: p.id, name: p.name, zone: p.timezone, week: portal.week(of: p), holidays: days, away: p.away, location: p.location,
                          zonePrivate: p.isPrivate("timezone"))
        }
    }

    /// The slot's weekday in the week (Monday to Sunday) of `date`: where a pod session meets.
    static func inWeek(of date: LocalDate, _ slot: Slot) -> LocalDate { date.adding(days: slot.weekday - date.weekday) }

    /// Session `index`'s date for a slot: the first slot weekday on or after the program's
    /// start, then every week, every other week, or the same nth weekday of each month.
    static func date(ofSession index: Int, slot: Slot, program: Program) -> LocalDate {
        var first = program.start.adding(days: ((slot.weekday - program.start.weekday) % 7 + 7) % 7)
        switch program.cadence {
        case .weekly: return first.adding(days: 7 * index)
        case .biweekly: return first.adding(days: 14 * index)
        case .monthly:
            var nth = (first.day - 1) / 7
            if nth == 4 {
                // A fifth weekday is not in every month: start with the first one of the next month.
                first = nthWeekday(0, slot.weekday, year: first.year, month: first.month + 1)
                nth = 0
            }
            return nthWeekday(nth, slot.weekday, year: first.year, month: first.month + index)
        }
    }

    /// The `nth` (0-based) `weekday` of a month (months past 12 roll into later years).
    static func nthWeekday(_ nth: Int, _ weekday: Int, year: Int, month: Int) -> LocalDate {
        let total = year * 12 + (month - 1)
        let first = LocalDate(year: total / 12, month: total % 12 + 1, day: 1)!
        return first.adding(days: ((weekday - first.weekday) % 7 + 7) % 7 + 7 * nth)
    }

    static func start(_ date: LocalDate, _ slot: Slot) -> Int { instant(date, (slot.minute / 60, slot.minute % 60), slot.zone) }

    /// The slot's weekday and time on `zone`'s clock for an instant.
    static func slot(at instant: Int, in zone: String) -> Slot {
        let local = local(instant, in: zone)
        let parts = local.time.split(separator: ":")
        return Slot(weekday: local.date.weekday, minute: Int(parts[0])! * 60 + Int(parts[1])!, zone: zone)
    }

    /// Schedules every program: fills `schedule` of each match and writes the slots into the
    /// round locks. Warnings (no common slot, a locked slot outside someone's hours) go to `bag`.
    static func scheduleAll(_ matches: inout [ProgramMatch], portal: Portal, bag: DiagnosticBag) {
        let bookings = Bookings()
        let grids = WeekGrids()
        let holidays = portal.settings.holidays
        var pending: [(p: Int, u: Int)] = []
        // Results are gathered here and stored once at the end: writing into `matches` while a
        // copy of a program is held would copy its whole schedule on every unit.
        var templates: [[Session]] = [], units: [[[Session]]] = [], slots: [[SlotChoice?]] = []
        var newSlots: [(p: Int, entry: Int, choice: SlotChoice)] = []
        // Lock entries by member set, per program.
        var entryOf: [[Int?]] = []
        let unitMeetings = matches.map { Meetings.unit($0.program) }
        for m in matches {
            templates.append(sessions(for: m.program, portal: portal))
            units.append(Array(repeating: [], count: m.units.count))
            slots.append(Array(repeating: nil, count: m.units.count))
            var byMembers: [Set<String>: Int] = [:]
            for (k, entry) in (m.round.lock?.matches ?? []).enumerated() { byMembers[Set(entry.members)] = k }
            entryOf.append(m.units.map { byMembers[Set($0.members.map { m.people[$0].id })] })
        }
        // Locked slots first: they are published and stay put.
        for p in matches.indices {
            let m = matches[p]
            for u in m.units.indices {
                guard let e = entryOf[p][u], let entry = m.round.lock?.matches[e], let slot = entry.slot else {
                    pending.append((p, u))
                    continue
                }
                let ms = members(m.units[u].members, of: m, portal: portal, holidays: holidays)
                let choice = honour(slot, alternate: entry.alternateSlot, ms, program: m.program, meetings: unitMeetings[p],
                                    at: entry.slotLocation ?? entry.location, bag: bag)
                slots[p][u] = choice
                units[p][u] = materialize(choice, ms, program: m.program, meetings: unitMeetings[p], template: templates[p], bookings: bookings, grids: grids)
            }
        }
        // Then locked pod slots: a pod keeps its slot whoever joins or leaves it.
        var podTemplates: [[Session]] = [], podMeetings: [Meetings] = [], pods: [[[Session]]] = [], podSlots: [[SlotChoice?]] = []
        var pendingPods: [(p: Int, k: Int)] = []
        for p in matches.indices {
            let m = matches[p]
            let template = m.pods.isEmpty ? [] : podSessions(for: m.program, portal: portal, sessions: templates[p])
            let meetings = Meetings.pod(template, program: m.program)
            podTemplates.append(template)
            podMeetings.append(meetings)
            pods.append(Array(repeating: [], count: m.pods.count))
            podSlots.append(Array(repeating: nil, count: m.pods.count))
            guard !template.isEmpty else { continue }
            let locked = Dictionary((m.round.lock?.pods ?? []).map { ($0.pod, $0) }, uniquingKeysWith: { a, _ in a })
            for (k, pod) in m.pods.enumerated() {
                guard let entry = locked[pod.number], let slot = entry.slot else {
                    pendingPods.append((p, k))
                    continue
                }
                let ms = podMembers(pod, of: m, portal: portal, holidays: holidays)
                let choice = honour(slot, alternate: entry.alternateSlot, ms, program: m.program, meetings: meetings, pod: pod.number,
                                    at: entry.slotLocation ?? entry.location, bag: bag)
                podSlots[p][k] = choice
                pods[p][k] = materialize(choice, ms, program: m.program, meetings: meetings, template: template, bookings: bookings, grids: grids)
            }
        }
        // Then every other unit, program by program; mentors' mentees spread over days.
        // Weekdays a person already meets on, as bits (Monday = 1).
        var daysUsed: [String: Int] = [:]
        for (p, u) in pending {
            let m = matches[p]
            let ms = members(m.units[u].members, of: m, portal: portal, holidays: holidays)
            let choice = choose(ms, program: m.program, meetings: unitMeetings[p], bookings: bookings, daysUsed: daysUsed, grids: grids)
            let first = unitMeetings[p].start(0, choice.slot)
            for member in ms { daysUsed[member.id, default: 0] |= 1 << member.wall(first).weekday }
            slots[p][u] = choice
            units[p][u] = materialize(choice, ms, program: m.program, meetings: unitMeetings[p], template: templates[p], bookings: bookings, grids: grids)
            if let e = entryOf[p][u] { newSlots.append((p, e, choice)) }
            if !choice.common {
                warnNoCommonSlot(choice, ms, program: m.program, bag: bag)
            }
        }
        // The other pods last: one slot over the weeks of their pod sessions, around everyone's
        // own sessions.
        for (p, k) in pendingPods {
            let m = matches[p]
            let pod = m.pods[k]
            let ms = podMembers(pod, of: m, portal: portal, holidays: holidays)
            let meetings = podMeetings[p]
            let choice = choose(ms, program: m.program, meetings: meetings, bookings: bookings, daysUsed: [:], grids: grids)
            podSlots[p][k] = choice
            pods[p][k] = materialize(choice, ms, program: m.program, meetings: meetings, template: podTemplates[p], bookings: bookings, grids: grids)
            if !choice.common {
                warnNoCommonSlot(choice, ms, program: m.program, pod: pod.number, bag: bag)
            }
        }
        for p in matches.indices {
            var schedule = ProgramSchedule()
            schedule.template = templates[p]
            schedule.units = units[p]
            schedule.slots = slots[p]
            schedule.pods = pods[p]
            schedule.podSlots = podSlots[p]
            matches[p].schedule = schedule
            // The lock keeps one slot per pod, in pod order; pods that are gone lose theirs.
            guard matches[p].round.lock != nil else { continue }
            let written = zip(matches[p].pods, podSlots[p]).compactMap { pod, choice in
                choice.map { LockedPod(pod: pod.number, slot: $0.slot, alternateSlot: $0.alternate) }
            }.sorted { $0.pod < $1.pod }
            if !written.elementsEqual(matches[p].round.lock!.pods, by: { ($0.pod, $0.slot, $0.alternateSlot) == ($1.pod, $1.slot, $1.alternateSlot) }) {
                matches[p].round.lock!.pods = written
                matches[p].round.needsWrite = true
            }
        }
        for (p, e, choice) in newSlots where matches[p].round.lock != nil {
            matches[p].round.lock!.matches[e].slot = choice.slot
            matches[p].round.lock!.matches[e].alternateSlot = choice.alternate
            matches[p].round.needsWrite = true
        }
    }

    /// The members of a pod, pair by pair.
    static func podMembers(_ pod: Pod, of m: ProgramMatch, portal: Portal, holidays: [Holiday]) -> [Member] {
        members(pod.units.flatMap { m.units[$0].members }, of: m, portal: portal, holidays: holidays)
    }

    /// A slot from the lock file, kept as it is: warned about when it falls on someone's
    /// weekend or outside their hours (or when the members share no working hour at all).
    static func honour(_ slot: Slot, alternate: Slot?, _ ms: [Member], program: Program, meetings: Meetings, pod: Int? = nil,
                       at location: SourceLocation?, bag: DiagnosticBag) -> SlotChoice {
        var choice = evaluate(slot, alternate: alternate, ms, meetings: meetings)
        let weekend = onWeekend(slot, ms, meetings: meetings)
        choice.common = choice.outside.allSatisfy { $0 == 0 } && !weekend
        if !choice.common {
            if weekend || hasCommonSlot(ms, program: program, meetings: meetings) {
                checkLocked(slot, ms, meetings: meetings, at: location, bag: bag)
            } else {
                warnNoCommonSlot(choice, ms, program: program, pod: pod, bag: bag)
            }
        }
        return choice
    }

    /// Minutes outside each member's hours at the slot's first session.
    static func evaluate(_ slot: Slot, alternate: Slot?, _ ms: [Member], meetings: Meetings) -> SlotChoice {
        let at = meetings.start(0, slot)
        return SlotChoice(slot: slot, alternate: alternate, common: false, outside: ms.map { $0.outside(at, minutes: meetings.minutes) })
    }

    static func onWeekend(_ slot: Slot, _ ms: [Member], meetings: Meetings) -> Bool {
        let at = meetings.start(0, slot)
        return ms.contains { $0.onWeekend(at, minutes: meetings.minutes) }
    }

    /// The zone a unit's slot is written in: the program's when a member lives there, else
    /// the first member's (the mentor's, in mentoring); never a zone the roster keeps private
    /// (the slot appears on pages), in which case the program's.
    static func slotZone(_ ms: [Member], program: Program) -> String {
        let open = ms.filter { !$0.zonePrivate }
        return open.first { $0.zone == program.timezone }?.zone ?? open.first?.zone ?? program.timezone
    }

    /// Candidate start instants: every half hour of the week of `anchor` (a unit's: the
    /// program's start; a pod's: its first pod session), on the minute grid of the program's
    /// meeting time, which on `anchor` is the preference.
    static func candidates(_ program: Program, anchor: LocalDate) -> (pref: Int, list: [Int]) {
        let pref = instant(anchor, program.meetingTime, program.timezone)
        let monday = anchor.adding(days: -anchor.weekday)
        let base = instant(monday, (0, program.meetingTime.minute % 30), program.timezone)
        return (pref, (0..<(7 * 48)).map { base + $0 * 1800 })
    }

    /// Whether some half hour of the searched week suits every member.
    static func hasCommonSlot(_ ms: [Member], program: Program, meetings: Meetings) -> Bool {
        let (pref, list) = candidates(program, anchor: meetings.anchor)
        let offsets = ms.map { Zones.offset($0.zone, at: pref) ?? 0 }
        let minutes = meetings.minutes
        return list.contains { c in
            ms.indices.allSatisfy { j in
                !ms[j].onWeekend(c, minutes: minutes, offset: offsets[j]) && ms[j].outside(c, minutes: minutes, offset: offsets[j]) == 0
            }
        }
    }

    /// The unit's slot: inside everyone's hours on a working day, not clashing with anyone's
    /// other sessions, nearest to the program's meeting time; else the least-bad one.
    static func choose(_ ms: [Member], program: Program, meetings: Meetings, bookings: Bookings, daysUsed: [String: Int], grids: WeekGrids) -> SlotChoice {
        let (pref, list) = candidates(program, anchor: meetings.anchor)
        let minutes = meetings.minutes
        let zone = slotZone(ms, program: program)
        // Each member's clock is taken at its offset at the meeting time, all week.
        let cells = ms.map { grids.grid(wallBase: list[0] + (Zones.offset($0.zone, at: pref) ?? 0), minutes: minutes, week: $0.week).cells }
        struct Scored { var k: Int; var weekend: Bool; var total: Int; var gap: Int; var spread: Int; var distance: Int }
        var scored = list.indices.map { k in Scored(k: k, weekend: false, total: 0, gap: 0, spread: 0, distance: abs(list[k] - pref)) }
        for (j, member) in ms.enumerated() {
            let used = daysUsed[member.id] ?? 0
            for k in scored.indices {
                let cell = cells[j][k]
                scored[k].weekend = scored[k].weekend || cell.weekend
                scored[k].total += Int(cell.outside)
                scored[k].gap += Int(cell.gap)
                scored[k].spread += used >> Int(cell.weekday) & 1
            }
        }
        func outside(_ s: Scored) -> [Int] { cells.map { Int($0[s.k].outside) } }
        // Fewest minutes outside anyone's hours, then the nearest to them, then a day the
        // members do not meet others on, then the nearest to the program's meeting time.
        func before(_ a: Scored, _ b: Scored) -> Bool {
            (a.weekend ? 1 : 0, a.total, a.gap, a.spread, a.distance, a.k) < (b.weekend ? 1 : 0, b.total, b.gap, b.spread, b.distance, b.k)
        }
        func free(_ slot: Slot) -> Bool {
            (0..<meetings.count).allSatisfy { i in
                let s = meetings.start(i, slot)
                return bookings.isFree(ms, s, s + minutes * 60)
            }
        }
        // Usually the best candidate is free; only otherwise is the whole list ordered.
        var best = scored.min(by: before)!
        if !free(slot(at: list[best.k], in: zone)) {
            scored.sort(by: before)
            for s in scored.prefix(160) where free(slot(at: list[s.k], in: zone)) { best = s; break }
        }
        let bestOutside = outside(best)
        var choice = SlotChoice(slot: slot(at: list[best.k], in: zone), alternate: nil, common: !best.weekend && best.total == 0, outside: bestOutside)
        if !choice.common, meetings.count > 1, let worst = bestOutside.indices.max(by: { bestOutside[$0] < bestOutside[$1] }) {
            // Every other session, someone else takes the early or late end.
            func worstOf(_ s: Scored) -> Int { Int(cells[worst][s.k].outside) }
            let relief = scored.filter { !$0.weekend && $0.k != best.k && worstOf($0) < bestOutside[worst] && $0.total <= best.total }
                .sorted { (worstOf($0), $0.gap, $0.distance, $0.k) < (worstOf($1), $1.gap, $1.distance, $1.k) }
            if let other = relief.first(where: { free(slot(at: list[$0.k], in: zone)) }) {
                choice.alternate = slot(at: list[other.k], in: zone)
            }
        }
        return choice
    }

    /// The unit's sessions at its slot(s), each moved within its week or skipped when a member
    /// has a holiday, is away, or a daylight-saving change takes the slot outside their hours.
    static func materialize(_ choice: SlotChoice, _ ms: [Member], program: Program, meetings: Meetings, template: [Session], bookings: Bookings,
                            grids: WeekGrids) -> [Session] {
        let minutes = meetings.minutes
        let firstStart = template.isEmpty ? 0 : meetings.start(0, choice.slot)
        return template.indices.map { i in
            var s = template[i]
            let slot = i % 2 == 1 ? (choice.alternate ?? choice.slot) : choice.slot
            s.date = meetings.date(i, slot)
            s.start = start(s.date, slot)
            let outsideNow = ms.map { $0.outside(s.start, minutes: minutes) }.reduce(0, +)
            var reason: String?
            if let blocked = ms.lazy.compactMap({ $0.blocked(s.start) }).first {
                reason = blocked
            } else if choice.common && outsideNow > 0 {
                reason = "the clocks change, so the usual time falls outside someone's working hours"
            } else if !choice.common && outsideNow > 0, offsetsChanged(ms, from: firstStart, to: s.start),
                      let better = bestInWeek(ms, around: s.start, zone: slot.zone, minutes: minutes, maxOutside: 0, bookings: bookings, grids: grids) {
                // The clocks changed somewhere, and this week has a time inside everyone's hours.
                let was = local(s.start, in: slot.zone)
                s.start = better
                s.date = local(better, in: slot.zone).date
                s.moved = "Moved from \(was.date.longText) at \(was.time) (\(slot.zone)): after a daylight-saving change this week has a time inside everyone's working hours."
            } else if !bookings.isFree(ms, s.start, s.start + minutes * 60) {
                reason = "someone has another session at that time"
            }
            if let reason {
                let was = local(s.start, in: slot.zone)
                if let moved = bestInWeek(ms, around: s.start, zone: slot.zone, minutes: minutes,
                                          maxOutside: choice.common ? 0 : outsideNow, bookings: bookings, grids: grids) {
                    s.start = moved
                    s.date = local(moved, in: slot.zone).date
                    s.moved = "Moved from \(was.date.longText) at \(was.time) (\(slot.zone)): \(reason)."
                } else {
                    s.skipped = "No time that week suits everyone: \(reason)."
                    return s
                }
            }
            bookings.book(ms, s.start, s.start + minutes * 60)
            return s
        }
    }

    /// Whether some member's clock moved (daylight saving) between two instants: only then can
    /// a week without a common time at the slot's offsets have one.
    static func offsetsChanged(_ ms: [Member], from a: Int, to b: Int) -> Bool {
        ms.contains { Zones.offset($0.zone, at: a) != Zones.offset($0.zone, at: b) }
    }

    /// The best start in the week (Monday to Sunday on `zone`'s clock) of `around`: nobody on
    /// a weekend, a holiday or away, everyone free, at most `maxOutside` minutes outside
    /// hours in all; the nearest day first, then the nearest time.
    static func bestInWeek(_ ms: [Member], around: Int, zone: String, minutes: Int, maxOutside: Int?, bookings: Bookings, grids: WeekGrids) -> Int? {
        let here = local(around, in: zone)
        let monday = here.date.adding(days: -here.date.weekday)
        let parts = here.time.split(separator: ":")
        let minuteOfDay = Int(parts[0])! * 60 + Int(parts[1])!
        let base = instant(monday, (0, minuteOfDay % 30), zone)
        var best: (key: (Int, Int, Int), at: Int)?
        // Each member's offset, when it does not change during the week (the usual case): their
        // grid is then shared with every week and everyone whose clock reads the same.
        let weekEnd = base + 8 * 86_400
        let steady: [Int?] = ms.map { m in
            let a = Zones.offset(m.zone, at: base - 86_400), b = Zones.offset(m.zone, at: weekEnd)
            return a == b ? a : nil
        }
        let busy = bookings.lists(ms)
        let zoneSteady: Int? = Zones.offset(zone, at: base - 86_400) == Zones.offset(zone, at: weekEnd) ? Zones.offset(zone, at: base) : nil
        // Plain arrays for the loop below (copying a Member retains all its fields).
        let weeks = ms.map(\.week)
        let blockedDays: [[Int]] = ms.map { m in
            var days = Array(m.holidays.filter { $0 >= monday.dayNumber - 1 && $0 <= monday.dayNumber + 8 })
            for d in (monday.dayNumber - 1)...(monday.dayNumber + 8) where m.away.contains(where: { $0.contains(LocalDate(dayNumber: d)) }) { days.append(d) }
            return days
        }
        // Minutes outside hours in all per candidate; -1 where someone is on a weekend, a holiday or away.
        var outside = [Int](repeating: 0, count: WeekGrids.count)
        for j in ms.indices {
            let blocked = blockedDays[j]
            let grid = steady[j].map { grids.grid(wallBase: base + $0, minutes: minutes, week: weeks[j]) }
                ?? grids.grid(zone: ms[j].zone, base: base, minutes: minutes, week: weeks[j])
            for k in outside.indices where outside[k] >= 0 {
                let cell = grid.cells[k]
                if cell.weekend || (!blocked.isEmpty && blocked.contains(grid.firstDay + Int(cell.day))) {
                    outside[k] = -1
                } else {
                    outside[k] += Int(cell.outside)
                }
            }
        }
        let zoneOffsets = zoneSteady == nil ? grids.offsets(zone, base: base) : []
        for k in outside.indices where outside[k] >= 0 {
            if let maxOutside, outside[k] > maxOutside { continue }
            let c = base + k * WeekGrids.step
            let clock = Scheduler.clock(c + (zoneSteady ?? zoneOffsets[k]))
            let key = (outside[k], abs(clock.day - here.date.dayNumber), abs(clock.minute - minuteOfDay))
            // Whether everyone is free is asked only of a candidate that would win: the same
            // answer as filtering first, with far fewer look-ups.
            if best.map({ key < $0.key }) ?? true, Bookings.isFree(busy, c, c + minutes * 60) { best = (key, c) }
        }
        return best?.at
    }

    /// "Ada (Australia/Sydney, 09:00-17:00)"
    static func describe(_ m: Member) -> String { "\(m.name) (\(m.zone), \(m.week.hoursText))" }

    static func warnNoCommonSlot(_ choice: SlotChoice, _ ms: [Member], program: Program, pod: Int? = nil, bag: DiagnosticBag) {
        let who = ms.indices.filter { choice.outside[$0] > 0 }.map { "\(ms[$0].name) \(choice.outside[$0]) min" }
        bag.warning("no common working hour for \(pod.map { "pod \($0): " } ?? "")\(Explain.list(ms.map(describe))) in '\(program.slug)': they meet at the least-bad slot, \(choice.slot)"
                    + (choice.alternate.map { " and \($0) in turn" } ?? "") + " (outside hours: \(who.joined(separator: ", ")))",
                    at: SourceLocation(file: program.sourceFile),
                    hint: "their pages explain why; the rule 'common_hours: 45m' keeps people without a shared working hour from being matched")
    }

    /// A locked slot (perhaps edited by hand) that falls on someone's weekend or outside their hours.
    static func checkLocked(_ slot: Slot, _ ms: [Member], meetings: Meetings, at location: SourceLocation?, bag: DiagnosticBag) {
        let at = meetings.start(0, slot)
        for m in ms {
            let w = m.wall(at)
            let clock = "\(LocalDate.weekdayNames[w.weekday]) \(WorkingWeek.clock(w.minute)) in \(m.zone)"
            if m.onWeekend(at, minutes: meetings.minutes) {
                bag.warning("the slot '\(slot)' falls on a weekend for \(m.name) (\(clock))", at: location, hint: "choose a weekday that is a working day for everyone")
            } else if m.outside(at, minutes: meetings.minutes) > 0 {
                bag.warning("the slot '\(slot)' is outside working hours for \(m.name) (\(clock); their hours are \(m.week.hoursText))", at: location)
            }
        }
    }
}
