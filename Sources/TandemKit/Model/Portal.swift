import Foundation

/// How a program groups people.
public enum ProgramFormat: String, Sendable, CaseIterable {
    /// One-on-one peers.
    case pairs
    /// Groups of three or more.
    case groups
    /// Senior mentor → junior mentee, mentors with a capacity.
    case mentoring
    /// Junior teaches senior: same solver as mentoring, roles reversed in the wording.
    case reverse

    var isMentoring: Bool { self == .mentoring || self == .reverse }
}

public enum Cadence: String, Sendable, CaseIterable {
    case weekly, biweekly, monthly

    func date(ofSession index: Int, from start: LocalDate) -> LocalDate {
        switch self {
        case .weekly: return start.adding(days: 7 * index)
        case .biweekly: return start.adding(days: 14 * index)
        case .monthly: return start.adding(months: index)
        }
    }

    var phrase: String {
        switch self {
        case .weekly: return "every week"
        case .biweekly: return "every two weeks"
        case .monthly: return "once a month"
        }
    }
}

public enum MentoringRole: String, Sendable, CaseIterable {
    case mentor, mentee
}

/// One person on the roster: a plain value. A copy (`let p = people[i]`) retains its strings
/// and lists; on a 20,000-person build such copies were 1.7% of the CPU samples, and the
/// copy-on-write box this type used to be (a copy retained one box, behind 26 `_modify`
/// accessors) made the build no faster (27-29 s against 33-37 s of CPU, paired runs).
public struct Participant: Sendable, Identifiable {
    public var id: String
    public var name: String
    public var email: String
    public var pronouns: String?
    public var title: String
    public var department: String
    public var team: String?
    public var manager: String?
    public var location: String
    public var timezone: String
    public var seniority: Int?
    public var joined: LocalDate?
    public var programs: [String]
    public var roles: [String: MentoringRole]
    public var capacity: Int
    public var skills: [String]
    public var goals: [String]
    public var interests: [String]
    public var groups: [String]
    public var avoid: [String]
    public var link: String?
    public var bio: String?
    /// Roster fields used for matching but never rendered.
    public var privateFields: Set<String>
    /// Where this participant's entry starts, and where each reference field sits.
    public var sourceLocation: SourceLocation
    var fieldLocations: [String: SourceLocation] = [:]
    var listLocations: [String: [SourceLocation]] = [:]
    /// The person's own working week when the roster gives one (see `Portal.week(of:)`):
    /// the roster's `working_hours` / `working_days`, laid over the portal's.
    public var week: WeekOverride?
    /// Date ranges the person is away.
    public var away: [AwayRange] = []
    /// `pause: true`: not matched in any program until removed.
    public var pause = false
    /// `skip_rounds`: program slug → rounds this person sits out.
    public var skipRounds: [String: [Int]] = [:]
    /// `prefer`: ids this person would like to be matched with (private to them).
    public var prefer: [String] = []

    /// Why this person is not matched in the current round of `program`: they asked not to
    /// be (`pause`, `skip_rounds`), or their `away` dates cover most of the round's sessions
    /// (more than half of the program's session dates).
    func pauseReason(in program: Program) -> String? {
        if pause { return "you asked to pause matching, so you are not matched in any program until you return" }
        if skipRounds[program.slug]?.contains(program.round) == true { return "you asked to skip round \(program.round) of this program" }
        if !away.isEmpty && program.sessions > 0 {
            let dates = (0..<program.sessions).map { program.cadence.date(ofSession: $0, from: program.start) }
            let missed = dates.count { day in away.contains { $0.contains(day) } }
            if missed * 2 > dates.count {
                return "you are away for \(missed) of the \(dates.count) sessions of this round, so you are matched again when you are back"
            }
        }
        return nil
    }

    func isPrivate(_ field: String) -> Bool { !privateFields.isEmpty && privateFields.contains(field) }
}

extension Array where Element == Participant {
    /// Each person's position, by id (ids are unique once a roster is read). By index:
    /// enumerating the people copied each one (a retain per field).
    var positionsByID: [String: Int] { Dictionary(uniqueKeysWithValues: indices.map { (self[$0].id, $0) }) }
}

/// Soft criteria: each gives integer points per pair, scaled by the program's weight.
public enum Criterion: String, Sendable, CaseIterable, Comparable {
    case goalsSkills = "goals_skills"
    case sharedGoals = "shared_goals"
    case sharedSkills = "shared_skills"
    case interests
    case sharedGroups = "shared_groups"
    case sameDepartment = "same_department"
    case differentDepartment = "different_department"
    case sameLocation = "same_location"
    case differentLocation = "different_location"
    case sameTimezone = "same_timezone"
    case similarSeniority = "similar_seniority"
    case seniorityGap = "seniority_gap"
    case tenureGap = "tenure_gap"
    /// How many hours the two working days overlap (the C kernels read it per pair of
    /// working-week classes, see `WeekClasses`).
    case overlapHours = "overlap_hours"

    public static func < (a: Criterion, b: Criterion) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The highest level a pair can reach (points are weight × level); `ScoringTable.level`
    /// computes the levels, and the C kernels read these (`tandem_scoring.max_level`).
    public var maxLevel: Int {
        switch self {
        case .goalsSkills: return 4
        case .sharedGoals, .sharedSkills, .interests, .seniorityGap, .overlapHours: return 3
        case .sharedGroups, .sameTimezone, .similarSeniority, .tenureGap: return 2
        case .sameDepartment, .differentDepartment, .sameLocation, .differentLocation: return 1
        }
    }
}

/// Hard rules: a pair that breaks one is never matched.
public enum Rule: Sendable, Hashable, CustomStringConvertible {
    case notManager
    case notSameTeam
    case notSameDepartment
    case notPreviousPartner
    case sameLocation
    case maxTimezoneGap(minutes: Int)
    case minSeniorityGap(Int)
    /// The two must share at least this many working minutes on some working day.
    case commonHours(minutes: Int)

    static let plainNames = ["not_manager", "not_same_team", "not_same_department", "not_previous_partner", "same_location"]
    static let parameterNames = ["max_timezone_gap", "min_seniority_gap", "common_hours"]

    public var description: String {
        switch self {
        case .notManager: return "not_manager"
        case .notSameTeam: return "not_same_team"
        case .notSameDepartment: return "not_same_department"
        case .notPreviousPartner: return "not_previous_partner"
        case .sameLocation: return "same_location"
        case let .maxTimezoneGap(minutes): return "max_timezone_gap: \(Duration.text(minutes: minutes))"
        case let .minSeniorityGap(gap): return "min_seniority_gap: \(gap)"
        case let .commonHours(minutes): return "common_hours: \(Duration.text(minutes: minutes))"
        }
    }
}

/// A program definition from `Content/programs/<slug>.md`.
public struct Program: Sendable, Identifiable {
    public var id: String { slug }
    public var slug: String
    public var title: String
    public var summary: String
    public var format: ProgramFormat
    public var groupSize: ClosedRange<Int>
    public var start: LocalDate
    public var cadence: Cadence
    public var sessions: Int
    public var sessionMinutes: Int
    public var meetingTime: (hour: Int, minute: Int)
    public var timezone: String
    public var round: Int
    public var oddPolicy: OddPolicyName
    public var fairness: Bool
    public var candidates: Int
    public var weights: [(criterion: Criterion, weight: Int)]
    public var rules: [Rule]
    public var agenda: [String]
    public var pods: Int?
    /// Days before each session that a reminder goes out and the calendar alarm rings
    /// (`reminders: 2d`); nil for `reminders: off` (the default).
    public var reminderDays: Int?
    /// `follow_up: true`: a message to matches the check-ins list as never having met.
    public var followUp: Bool = false
    /// Header names of the check-in export (`Content/checkins/<slug>.csv`).
    public var checkinColumns = CheckinColumns()
    /// Points a pair gains when one of them asked for the other (`prefer`).
    public var preferWeight = Program.defaultPreferWeight
    static let defaultPreferWeight = 20
    /// `shortlist: 5`: each person's page lists their best allowed partners.
    public var shortlist: Int?
    /// The report flags a match whose answers say "did not meet" this many times in a row.
    public var healthMissed = 2
    public var bodyHTML: String
    public var sourceFile: String
    var fieldLocations: [String: SourceLocation] = [:]
    var agendaLocations: [SourceLocation] = []

    func weight(_ criterion: Criterion) -> Int { weights.first { $0.criterion == criterion }?.weight ?? 0 }
    func has(_ rule: Rule) -> Bool { rules.contains(rule) }
    var maxTimezoneGapMinutes: Int? {
        for case let .maxTimezoneGap(m) in rules { return m }
        return nil
    }
    var commonHoursMinutes: Int? {
        for case let .commonHours(m) in rules { return m }
        return nil
    }
    var minSeniorityGap: Int? {
        for case let .minSeniorityGap(g) in rules { return g }
        return nil
    }
}

public enum OddPolicyName: String, Sendable, CaseIterable {
    case trio
    case sitOut = "sit-out"
}

/// A structured trait for the pyramid-of-success sheet.
public struct Trait: Sendable {
    public var name: String
    public var note: String
}

/// An activity guide from `Content/activities/<slug>.md`.
public struct Activity: Sendable, Identifiable {
    public var id: String { slug }
    public var slug: String
    public var title: String
    public var summary: String
    public var durationMinutes: Int
    public var formats: Set<ProgramFormat>
    public var materials: [String]
    public var prep: String?
    public var followUp: String?
    public var questions: [String]
    public var traits: [Trait]
    public var prompts: [String]
    public var bodyHTML: String
    public var sourceFile: String

    var groupsOnly: Bool { formats == [.groups] }
}

/// Portal-wide settings from `Content/portal.yaml`.
public struct PortalSettings: Sendable {
    public var title: String = "Peer Programs"
    public var tagline: String = ""
    public var description: String = ""
    public var contact: String?
    /// The address the site is published at, ending in "/": absolute links in messages,
    /// calendars and matches.csv. Nil when not given.
    public var baseURL: String?
    /// Each build writes Outbox/ beside the site (`messages: true`; needs base_url and contact).
    public var messages: Bool = false
    public var allowRawHTML: Bool = false
    public var noindex: Bool = false
    /// Participant, agenda and report pages get unguessable names and no page lists people.
    public var unlisted: Bool = false
    /// The key for those names; read from TANDEM_URL_SECRET or `url_secret_file`, never written.
    var urlSecret: [UInt8] = []
    /// Everyone's working week unless the roster says otherwise.
    public var workingWeek = WorkingWeek.standard
    /// Public holidays, for everyone or per location.
    public var holidays: [Holiday] = []
    /// `roster:` and `locations:`: the files the roster is built from (empty: roster.yaml alone).
    var roster = RosterSettings()
}

/// Everything read from a portal's `Content/`, validated and cross-checked.
public struct Portal: Sendable {
    public var root: URL
    public var settings: PortalSettings
    /// Sorted by id.
    public var participants: [Participant]
    /// Sorted by slug.
    public var programs: [Program]
    /// Sorted by slug.
    public var activities: [Activity]
    /// Check-in survey exports by program slug (`Content/checkins/<slug>.csv`).
    public var checkins: [String: CheckinImport] = [:]

    public func participant(_ id: String) -> Participant? { participantIndex[id].map { participants[$0] } }
    public func activity(_ slug: String) -> Activity? { activities.first { $0.slug == slug } }
    /// A participant's working week: their own, or the portal's.
    public func week(of p: Participant) -> WorkingWeek { p.week.map { $0.over(settings.workingWeek) } ?? settings.workingWeek }

    var participantIndex: [String: Int] = [:]
    /// Fingerprints of the files the portal was loaded from, by path (see `SourceDigests`).
    var sources: [String: Fingerprint] = [:]
    /// Each participant's roster entry, by id, when the roster's layout lets entries stand
    /// alone (see `RosterLoader.entryDigests`); nil otherwise.
    var participantDigests: [String: Fingerprint]?
    /// The files that list the people (`roster:` sources without `match_by`), when the roster
    /// comes from them: someone in a lock file but no longer in them has left.
    var rosterListings: [String] = []

    init(root: URL, settings: PortalSettings, participants: [Participant], programs: [Program], activities: [Activity]) {
        self.root = root
        self.settings = settings
        self.participants = participants.sorted { $0.id < $1.id }
        self.programs = programs.sorted { $0.slug < $1.slug }
        self.activities = activities.sorted { $0.slug < $1.slug }
        for (i, p) in self.participants.enumerated() { participantIndex[p.id] = i }
    }
}

enum Duration {
    /// Parses "45m", "1h", "1h30m", "90" (minutes), "4h" → minutes.
    static func minutes(_ text: String) -> Int? {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        if let plain = Int(t) { return plain > 0 ? plain : nil }
        var total = 0, number = "", sawUnit = false
        for c in t {
            if c.isASCII && c.isNumber { number.append(c); continue }
            guard let n = Int(number) else { return nil }
            switch c {
            case "h": total += n * 60
            case "m": total += n
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0 else { return nil }
        return total
    }

    static func text(minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        if h == 0 { return "\(m)m" }
        return m == 0 ? "\(h)h" : "\(h)h\(m)m"
    }

    /// "45 minutes", "1 hour 30 minutes"
    static func words(minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        var parts: [String] = []
        if h > 0 { parts.append(h == 1 ? "1 hour" : "\(h) hours") }
        if m > 0 || h == 0 { parts.append(m == 1 ? "1 minute" : "\(m) minutes") }
        return parts.joined(separator: " ")
    }
}
