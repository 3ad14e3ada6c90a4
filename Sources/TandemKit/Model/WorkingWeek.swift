import Foundation

/// When someone works: the days of their week and the hours of those days, on their own wall
/// clock. Portal default Monday–Friday 09:00–17:00 (`working_hours`, `working_days` in
/// portal.yaml), overridden per person with the same two keys in the roster.
public struct WorkingWeek: Sendable, Hashable {
    /// 0 = Monday … 6 = Sunday.
    public var days: Set<Int> { didSet { mask = WorkingWeek.mask(days) } }
    /// Minutes after midnight: the working day runs from `start` to `end` (end > start).
    public var start: Int
    public var end: Int
    /// `days` as bits, for the scheduler's inner loops.
    private(set) var mask: Int

    public init(days: Set<Int> = [0, 1, 2, 3, 4], start: Int = 9 * 60, end: Int = 17 * 60) {
        self.days = days
        self.start = start
        self.end = end
        self.mask = WorkingWeek.mask(days)
    }

    private static func mask(_ days: Set<Int>) -> Int { days.reduce(0) { $0 | (1 << $1) } }
    func works(on weekday: Int) -> Bool { mask & (1 << weekday) != 0 }

    public static let standard = WorkingWeek()

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// "09:00-17:00"
    public var hoursText: String { WorkingWeek.clock(start) + "-" + WorkingWeek.clock(end) }

    static func clock(_ minutes: Int) -> String {
        Scheduler.twoDigits(minutes / 60) + ":" + Scheduler.twoDigits(minutes % 60)
    }

    /// Parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
    static func parseClock(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts[0].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isASCII),
              let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 24 * 60 else { return nil }
        return h * 60 + m
    }

    /// Parses "09:00-17:00". The error says what is wrong.
    static func parseHours(_ text: String) -> Result<(Int, Int), HoursError> {
        let t = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "–", with: "-")
        if t.isEmpty { return .failure(.empty) }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = parseClock(String(parts[0])), let b = parseClock(String(parts[1])) else { return .failure(.unreadable) }
        guard b > a else { return .failure(.endsBeforeStart) }
        return .success((a, b))
    }

    enum HoursError: Error { case empty, unreadable, endsBeforeStart }

    /// Parses "mon"…"sun" (also full English names, any case) into 0…6.
    static func parseDay(_ text: String) -> Int? {
        let t = text.lowercased()
        if let i = dayNames.firstIndex(of: t) { return i }
        if let i = LocalDate.weekdayNames.firstIndex(where: { $0.lowercased() == t }) { return i }
        return nil
    }

    /// How far [from, to) lies from the working hours of its day, in minutes: 0 when it
    /// touches them, a full day on a day off. Tells an 08:00 start from a midnight one.
    func gap(weekday: Int, from: Int, to: Int) -> Int {
        let day = Int((Double(from) / 1440).rounded(.down))
        let wd = ((weekday + day) % 7 + 7) % 7
        guard works(on: wd) else { return 1440 }
        let a = from - day * 1440, b = to - day * 1440
        return max(0, start - b, a - end)
    }

    /// Minutes of [from, to) (minutes after local midnight, may run past 24:00 into the next
    /// day) that fall outside working time, given the weekday of the first day.
    func minutesOutside(weekday: Int, from: Int, to: Int) -> Int {
        var outside = 0
        var t = from
        while t < to {
            let dayIndex = Int((Double(t) / 1440).rounded(.down))
            let dayEnd = min(to, (dayIndex + 1) * 1440)
            let wd = ((weekday + dayIndex) % 7 + 7) % 7
            let local = t - dayIndex * 1440, localEnd = dayEnd - dayIndex * 1440
            if works(on: wd) {
                let inside = max(0, min(localEnd, end) - max(local, start))
                outside += (localEnd - local) - inside
            } else {
                outside += localEnd - local
            }
            t = dayEnd
        }
        return outside
    }
}

/// A person's own `working_hours` and/or `working_days` from the roster.
public struct WeekOverride: Sendable, Hashable {
    public var start: Int?
    public var end: Int?
    public var days: Set<Int>?

    func over(_ base: WorkingWeek) -> WorkingWeek {
        WorkingWeek(days: days ?? base.days, start: start ?? base.start, end: end ?? base.end)
    }

    /// Every field set: the portal's default where the roster gave none.
    func filled(_ base: WorkingWeek) -> WeekOverride {
        let week = over(base)
        return WeekOverride(start: week.start, end: week.end, days: week.days)
    }
}

/// How long two people's working days overlap, for the `overlap_hours` criterion and the
/// `common_hours` rule: the longest stretch on any working day of both, at the zones'
/// offsets on the program's start date.
enum WorkingOverlap {
    /// Each working day as minutes from Monday 00:00 UTC.
    static func intervals(_ week: WorkingWeek, offsetMinutes: Int) -> [(Int, Int)] {
        week.days.sorted().map { d in (d * 1440 + week.start - offsetMinutes, d * 1440 + week.end - offsetMinutes) }
    }

    static func minutes(_ a: [(Int, Int)], _ b: [(Int, Int)]) -> Int {
        var best = 0
        for x in a {
            for y in b {
                for shift in [-10_080, 0, 10_080] { best = max(best, min(x.1, y.1 + shift) - max(x.0, y.0 + shift)) }
            }
        }
        return best
    }

    /// The week of a participant whose week the loader filled in (the standard one otherwise).
    static func week(_ p: Participant) -> WorkingWeek { p.week.map { $0.over(.standard) } ?? .standard }

    /// Overlap of two participants around a program's start.
    static func minutes(_ a: Participant, _ b: Participant, on date: LocalDate) -> Int {
        let noon = date.dayNumber * 86_400 + 12 * 3600
        let oa = (Zones.offset(a.timezone, at: noon) ?? 0) / 60, ob = (Zones.offset(b.timezone, at: noon) ?? 0) / 60
        return minutes(intervals(week(a), offsetMinutes: oa), intervals(week(b), offsetMinutes: ob))
    }

    /// "3 hours", "1 hour 30 minutes" of overlap as a level: 6 h or more 3, 3 h 2, 1 h 1.
    static func level(_ minutes: Int) -> Int { minutes >= 360 ? 3 : minutes >= 180 ? 2 : minutes >= 60 ? 1 : 0 }
}

/// A public holiday from portal.yaml: everyone's, or only for people at some locations.
public struct Holiday: Sendable {
    public var date: LocalDate
    /// Empty: a holiday for everyone.
    public var locations: [String]
    var locationSources: [SourceLocation] = []

    func applies(to person: Participant) -> Bool { locations.isEmpty || locations.contains(person.location) }
}

/// A stretch of days someone is away (both ends included).
public struct AwayRange: Sendable, Hashable {
    public var from: LocalDate
    public var to: LocalDate
    func contains(_ date: LocalDate) -> Bool { from <= date && date <= to }
}

/// A unit's weekly meeting slot: a weekday and a start time on one zone's wall clock, as
/// written in lock files: `tue 15:00 Europe/London`.
public struct Slot: Sendable, Hashable, CustomStringConvertible {
    /// 0 = Monday … 6 = Sunday.
    public var weekday: Int
    /// Minutes after midnight.
    public var minute: Int
    public var zone: String

    public var description: String { "\(WorkingWeek.dayNames[weekday]) \(WorkingWeek.clock(minute)) \(zone)" }

    /// "Tuesday 15:00"
    var spoken: String { "\(LocalDate.weekdayNames[weekday]) \(WorkingWeek.clock(minute))" }

    /// Parses `tue 15:00 Europe/London`; nil with the reason otherwise.
    static func parse(_ text: String) -> Result<Slot, SlotError> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 3 else { return .failure(.shape) }
        guard let day = WorkingWeek.parseDay(words[0]) else { return .failure(.day(words[0])) }
        guard let minute = WorkingWeek.parseClock(words[1]), minute < 24 * 60 else { return .failure(.time(words[1])) }
        guard ZoneName.isKnown(words[2]) else { return .failure(.zone(words[2])) }
        return .success(Slot(weekday: day, minute: minute, zone: words[2]))
    }

    enum SlotError: Error {
        case shape, day(String), time(String), zone(String)
        var message: String {
            switch self {
            case .shape: return "a slot is written '<weekday> <HH:MM> <time zone>', e.g. 'tue 15:00 Europe/London'"
            case let .day(d): return "unknown weekday '\(d)' in the slot"
            case let .time(t): return "'\(t)' is not a time of day written HH:MM"
            case let .zone(z): return "unknown time zone '\(z)' in the slot"
            }
        }
        var hint: String? {
            switch self {
            case let .day(d): return Suggest.hint(for: d.lowercased(), in: WorkingWeek.dayNames) ?? "weekdays: mon, tue, wed, thu, fri, sat, sun"
            case .zone: return "time zones are IANA names such as Europe/London or America/Chicago"
            default: return nil
            }
        }
    }
}

/// Reading the working-week keys, shared by portal.yaml and the roster.
enum WeekReader {
    /// `working_hours` and `working_days` from `r`, laid over `base`.
    static func read(_ r: MappingReader, over base: WorkingWeek) -> WorkingWeek {
        read(r).map { $0.over(base) } ?? base
    }

    /// `working_hours` and `working_days` from `r`; nil when neither is given.
    static func read(_ r: MappingReader) -> WeekOverride? {
        guard r.has("working_hours") || r.has("working_days") else { return nil }
        var week = WeekOverride()
        if let node = r.node("working_hours") {
            let text = node.string ?? ""
            switch WorkingWeek.parseHours(node.string == nil ? "?" : text) {
            case let .success((a, b)): week.start = a; week.end = b
            case .failure(.empty):
                r.bag.error("'working_hours' must not be empty", at: r.location(of: "working_hours"), hint: "write the hours as \"09:00-17:00\"")
            case .failure(.endsBeforeStart):
                r.bag.error("working hours '\(text)' end before they start", at: r.location(of: "working_hours"),
                            hint: "write the earlier time first, e.g. \"09:00-17:00\"; hours past midnight are not supported")
            case .failure(.unreadable):
                r.bag.error("'working_hours' must be written \"HH:MM-HH:MM\", found \(YAMLValue.describe(node))", at: r.location(of: "working_hours"),
                            hint: "e.g. working_hours: \"09:00-17:00\"")
            }
        }
        if r.has("working_days") {
            let items = r.stringList("working_days")
            var days = Set<Int>()
            for item in items {
                guard let d = WorkingWeek.parseDay(item.value) else {
                    r.bag.error("unknown weekday '\(item.value)' in 'working_days'", at: item.location,
                                hint: Suggest.hint(for: item.value.lowercased(), in: WorkingWeek.dayNames) ?? "weekdays: mon, tue, wed, thu, fri, sat, sun")
                    continue
                }
                days.insert(d)
            }
            if items.isEmpty {
                r.bag.error("'working_days' must list at least one weekday", at: r.location(of: "working_days"), hint: "e.g. [mon, tue, wed, thu, fri]")
            } else if !days.isEmpty {
                week.days = days
            }
        }
        return week
    }

    /// `holidays:` in portal.yaml: dates, or `{ date: …, locations: [...] }`.
    static func holidays(_ r: MappingReader) -> [Holiday] {
        guard let node = r.node("holidays"), !YAMLValue.isNull(node) else { return [] }
        guard let items = node.items else {
            r.bag.error("'holidays' must be a list of dates, found \(YAMLValue.describe(node))", at: r.location(of: "holidays"),
                        hint: "e.g. holidays: [2027-01-01, { date: 2027-04-05, locations: [London] }]")
            return []
        }
        var out: [Holiday] = []
        for item in items {
            if let text = item.string {
                guard let date = LocalDate(text.trimmingCharacters(in: .whitespaces)) else {
                    r.bag.error("a holiday must be a calendar date written YYYY-MM-DD, found '\(text)'", at: r.source.location(item),
                                hint: "e.g. 2027-04-05, or { date: 2027-04-05, locations: [London] } for some locations only")
                    continue
                }
                out.append(Holiday(date: date, locations: []))
                continue
            }
            guard let h = MappingReader(item, source: r.source, bag: r.bag, what: "a holiday") else { continue }
            defer { h.finish(allowed: ["date", "locations", "name"]) }
            _ = h.string("name")
            guard let date = h.date("date", required: true) else { continue }
            let locations = h.stringList("locations")
            out.append(Holiday(date: date, locations: locations.map(\.value), locationSources: locations.map(\.location)))
        }
        return out
    }

    /// `away:` in the roster: `[{ from: 2027-02-01, to: 2027-02-14 }]`.
    static func away(_ r: MappingReader) -> [AwayRange] {
        guard let node = r.node("away"), !YAMLValue.isNull(node) else { return [] }
        guard let items = node.items else {
            r.bag.error("'away' must be a list of date ranges, found \(YAMLValue.describe(node))", at: r.location(of: "away"),
                        hint: "e.g. away: [{ from: 2027-02-01, to: 2027-02-14 }]")
            return []
        }
        var out: [AwayRange] = []
        for item in items {
            guard let a = MappingReader(item, source: r.source, bag: r.bag, what: "an away range") else { continue }
            defer { a.finish(allowed: ["from", "to"]) }
            guard let from = a.date("from", required: true), let to = a.date("to", required: true) else { continue }
            guard to >= from else {
                r.bag.error("this away range ends (\(to)) before it starts (\(from))", at: a.location(of: "to"),
                            hint: "'from' is the first day away and 'to' the last")
                continue
            }
            out.append(AwayRange(from: from, to: to))
        }
        return out
    }
}
