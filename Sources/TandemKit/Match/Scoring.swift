import CTandemSupport
import Foundation
import Matching

/// One criterion's contribution to a pair's score.
public struct ScorePart: Sendable, Hashable {
    public var criterion: Criterion
    public var points: Int
}

/// A pair's score with its per-criterion breakdown, kept for explanations.
public struct PairScore: Sendable, Hashable {
    public var total: Int
    public var parts: [ScorePart]
    /// Points taken off because the two already met in an earlier round (see `ScoringTable.repeatPenalty`).
    public var penalty: Int = 0
    /// Points added because one of them asked for the other (`prefer`, the program's `prefer_weight`).
    public var bonus: Int = 0
}

/// Integer features of the enrolled participants of one program, laid out for fast scoring:
/// skill/goal/interest/group sets as bitsets over the program's vocabulary, categorical
/// fields as small integers. Scoring a pair is a handful of popcounts.
struct ScoringTable: Sendable {
    let program: Program
    let people: [Participant]
    /// 64-bit words per person in the skill/goal, interest and group bitsets.
    private let words: Int
    private let interestWords: Int
    private let groupWords: Int
    private var skills: [UInt64] = [], goals: [UInt64] = [], interests: [UInt64] = [], groups: [UInt64] = []
    private var department: [Int32] = [], team: [Int32] = [], location: [Int32] = []
    private var offsetMinutes: [Int32] = [], seniority: [Int32] = [], joinedDay: [Int32] = []
    private var managerOf: [Int32] = []
    /// Each person's working days in UTC minutes of the week (overlap_hours, common_hours only).
    private var workIntervals: [[(Int, Int)]] = []
    private var avoids: [Set<Int32>] = []
    private var hasAvoid: [Bool] = []
    /// For mentoring: true for mentors. Unused otherwise.
    var isMentor: [Bool] = []
    /// Pairs matched in earlier rounds (index pairs, a < b), forbidden by not_previous_partner.
    var previousPartners: Set<Pair> = [] {
        didSet {
            var of: [Int: [Int32]] = [:]
            for p in previousPartners { of[p.a, default: []].append(Int32(p.b)); of[p.b, default: []].append(Int32(p.a)) }
            previousOf = of
        }
    }
    /// Each person's earlier partners (from `previousPartners`), for patching scanned rows.
    private var previousOf: [Int: [Int32]] = [:]
    /// Everyone each person avoids or is avoided by, or whose match with them an admin
    /// ended, for patching scanned rows.
    private var avoidNeighbours: [[Int32]] = []
    /// `avoidNeighbours` from the roster alone.
    private var rosterAvoidNeighbours: [[Int32]] = []
    /// Pairs whose match an admin ended (`ended:` in a lock file, this round or earlier):
    /// never matched again, whatever the program's rules.
    var endedPairs: Set<Pair> = [] {
        didSet {
            var neighbours = rosterAvoidNeighbours
            for p in endedPairs.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) where p.a < neighbours.count && p.b < neighbours.count {
                if !neighbours[p.a].contains(Int32(p.b)) { neighbours[p.a].append(Int32(p.b)) }
                if !neighbours[p.b].contains(Int32(p.a)) { neighbours[p.b].append(Int32(p.a)) }
            }
            avoidNeighbours = neighbours
        }
    }
    /// For each person, everyone they asked for or who asked for them (`prefer`), sorted:
    /// such a pair gains `preferWeight` points on every scoring path.
    private var preferred: [[Int32]] = []
    private var hasPreferences = false
    private let preferWeight: Int
    /// The columns again, in memory the C kernel can borrow.
    private let columns: ScoringColumns
    /// People whom not_previous_partner alone would leave with nobody: they may meet a previous
    /// partner again, at `repeatPenalty` points.
    var repeatAllowed: Set<Int> = []
    static let repeatPenalty = 10

    private let weights: [Int]
    private let maxGap: Int?
    private let minSeniorityGap: Int?
    private let rules: (team: Bool, department: Bool, location: Bool, previous: Bool)

    init(program: Program, people: [Participant]) {
        self.program = program
        self.people = people
        // Goals and skills share one vocabulary (a goal is met by the same phrase as a skill);
        // interests and groups get their own, so each set usually fits in one 64-bit word.
        // Phrases are numbered in order of first appearance. (People are read in place by
        // index throughout: a Participant copy retains a score of strings.)
        var talk: [String: Int] = [:], likes: [String: Int] = [:], circles: [String: Int] = [:]
        for i in people.indices {
            for item in people[i].skills where talk[item] == nil { talk[item] = talk.count }
            for item in people[i].goals where talk[item] == nil { talk[item] = talk.count }
            for item in people[i].interests where likes[item] == nil { likes[item] = likes.count }
            for item in people[i].groups where circles[item] == nil { circles[item] = circles.count }
        }
        let talkWords = max(1, (talk.count + 63) / 64), likeWords = max(1, (likes.count + 63) / 64), circleWords = max(1, (circles.count + 63) / 64)
        words = talkWords
        interestWords = likeWords
        groupWords = circleWords
        var w = [Int](repeating: 0, count: Criterion.allCases.count)
        for (criterion, weight) in program.weights { w[Criterion.allCases.firstIndex(of: criterion)!] = weight }
        weights = w
        maxGap = program.maxTimezoneGapMinutes
        minSeniorityGap = program.minSeniorityGap
        rules = (program.has(.notSameTeam), program.has(.notSameDepartment), program.has(.sameLocation), program.has(.notPreviousPartner))
        var codes: [String: Int32] = [:]
        func code(_ s: String) -> Int32 {
            if let c = codes[s] { return c }
            let c = Int32(codes.count + 1)
            codes[s] = c
            return c
        }
        // Codes by the strings as written, so that each is lowercased and joined once.
        var departmentCode: [String: Int32] = [:], teamCode: [String: [String: Int32]] = [:], locationCode: [String: Int32] = [:]
        let referenceDate = Self.referenceDate(program.start)
        var zoneOffsets: [String: Int32] = [:]
        var index: [String: Int32] = [:]
        index.reserveCapacity(people.count)
        for i in people.indices { index[people[i].id] = Int32(i) }
        let n = people.count
        skills = [UInt64](repeating: 0, count: n * talkWords); goals = skills
        interests = [UInt64](repeating: 0, count: n * likeWords)
        groups = [UInt64](repeating: 0, count: n * circleWords)
        func set(_ column: inout [UInt64], _ i: Int, _ words: Int, _ items: [String], _ vocabulary: [String: Int]) {
            for item in items { let b = vocabulary[item]!; column[i * words + b >> 6] |= 1 << UInt64(b & 63) }
        }
        for i in people.indices {
            set(&skills, i, talkWords, people[i].skills, talk); set(&goals, i, talkWords, people[i].goals, talk)
            set(&interests, i, likeWords, people[i].interests, likes); set(&groups, i, circleWords, people[i].groups, circles)
            let dept = people[i].department
            if departmentCode[dept] == nil { departmentCode[dept] = code("d:" + dept.lowercased()) }
            department.append(departmentCode[dept]!)
            if let t = people[i].team {
                if teamCode[dept]?[t] == nil { teamCode[dept, default: [:]][t] = code("t:" + dept.lowercased() + "/" + t.lowercased()) }
                team.append(teamCode[dept]![t]!)
            } else {
                team.append(0)
            }
            let place = people[i].location
            if locationCode[place] == nil { locationCode[place] = code("l:" + place.lowercased()) }
            location.append(locationCode[place]!)
            let zone = people[i].timezone
            if zoneOffsets[zone] == nil {
                zoneOffsets[zone] = Int32((Zones.offset(zone, at: Int(referenceDate.timeIntervalSince1970)) ?? 0) / 60)
            }
            offsetMinutes.append(zoneOffsets[zone]!)
            seniority.append(Int32(people[i].seniority ?? -1))
            joinedDay.append(people[i].joined.map { Int32($0.dayNumber) } ?? Int32.min)
            managerOf.append(people[i].manager.flatMap { index[$0] } ?? -1)
            avoids.append(people[i].avoid.isEmpty ? [] : Set(people[i].avoid.compactMap { index[$0] }))
            hasAvoid.append(!avoids[avoids.count - 1].isEmpty)
            isMentor.append(people[i].roles[program.slug] == .mentor)
        }
        if program.weight(.overlapHours) != 0 || program.commonHoursMinutes != nil {
            let offsets = offsetMinutes
            workIntervals = people.indices.map { WorkingOverlap.intervals(WorkingOverlap.week(people[$0]), offsetMinutes: Int(offsets[$0])) }
        }
        var neighbours = [[Int32]](repeating: [], count: people.count)
        for (x, set) in avoids.enumerated() {
            for y in set.sorted() { neighbours[x].append(y); neighbours[Int(y)].append(Int32(x)) }
        }
        avoidNeighbours = neighbours
        rosterAvoidNeighbours = neighbours
        var wanted = [[Int32]](repeating: [], count: people.count)
        preferWeight = program.preferWeight
        if program.preferWeight != 0 {
            for i in people.indices {
                for id in people[i].prefer {
                    guard let j = index[id], Int(j) != i else { continue }
                    if !wanted[i].contains(j) { wanted[i].append(j) }
                    if !wanted[Int(j)].contains(Int32(i)) { wanted[Int(j)].append(Int32(i)) }
                }
            }
        }
        for i in wanted.indices where !wanted[i].isEmpty { wanted[i].sort(); hasPreferences = true }
        preferred = wanted
        columns = ScoringColumns(
            skills: skills, goals: goals, interests: interests, groups: groups,
            words: (talkWords, likeWords, circleWords),
            categorical: [department, team, location, offsetMinutes, seniority, joinedDay, managerOf],
            weights: w, program: program,
            weekClasses: workIntervals.isEmpty ? nil
                : WeekClasses(workIntervals, weight: program.weight(.overlapHours), commonMinutes: program.commonHoursMinutes))
    }

    static func referenceDate(_ day: LocalDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day.dayNumber) * 86_400 + 12 * 3600)
    }

    var count: Int { people.count }

    /// Minutes the two working days overlap (see `WorkingOverlap`); only worked out for
    /// programs that use `overlap_hours` or `common_hours`.
    func overlapMinutes(_ x: Int, _ y: Int) -> Int {
        guard x < workIntervals.count, y < workIntervals.count else { return 0 }
        return WorkingOverlap.minutes(workIntervals[x], workIntervals[y])
    }

    func timezoneOffsetMinutes(_ i: Int) -> Int { Int(offsetMinutes[i]) }

    /// Which scorer rows go through (see `ScoringColumns.path`).
    var scoringPath: String { columns.path }

    /// The first hard rule that forbids pairing `x` with `y`, or nil when they may be matched.
    /// For mentoring programs `x` is the mentor and `y` the mentee.
    func violatedRule(_ x: Int, _ y: Int) -> String? {
        if x == y { return "self" }
        if managerOf[x] == Int32(y) || managerOf[y] == Int32(x) { return "not_manager" }
        if avoids[x].contains(Int32(y)) || avoids[y].contains(Int32(x)) { return "avoid" }
        if !endedPairs.isEmpty && endedPairs.contains(Pair(x, y)) { return "ended" }
        if rules.team && team[x] != 0 && team[x] == team[y] { return "not_same_team" }
        if rules.department && department[x] == department[y] { return "not_same_department" }
        if rules.location && location[x] != location[y] { return "same_location" }
        if let maxGap, abs(offsetMinutes[x] - offsetMinutes[y]) > maxGap { return "max_timezone_gap" }
        if let commonHours = program.commonHoursMinutes, overlapMinutes(x, y) < commonHours { return "common_hours" }
        if let minSeniorityGap, program.format.isMentoring {
            let gap = program.format == .reverse ? seniority[y] - seniority[x] : seniority[x] - seniority[y]
            if seniority[x] < 0 || seniority[y] < 0 || gap < minSeniorityGap { return "min_seniority_gap" }
        }
        if rules.previous && !previousPartners.isEmpty && previousPartners.contains(Pair(x, y))
            && !repeatAllowed.contains(x) && !repeatAllowed.contains(y) { return "not_previous_partner" }
        return nil
    }

    /// Allows repeats for everyone whom not_previous_partner alone leaves without an allowed
    /// partner (or mentor/mentee). Returns them, sorted.
    mutating func allowRepeatsWhereNeeded() -> [Int] {
        guard rules.previous, !previousPartners.isEmpty else { return [] }
        var partners: [Int: [Int]] = [:]
        for p in previousPartners { partners[p.a, default: []].append(p.b); partners[p.b, default: []].append(p.a) }
        func rule(_ x: Int, _ y: Int) -> String? {
            guard program.format.isMentoring else { return violatedRule(x, y) }
            return isMentor[x] == isMentor[y] ? "role" : isMentor[x] ? violatedRule(x, y) : violatedRule(y, x)
        }
        var needy: [Int] = []
        for x in partners.keys.sorted() where !(0..<count).contains(where: { $0 != x && rule(x, $0) == nil }) {
            if partners[x]!.contains(where: { rule(x, $0) == "not_previous_partner" }) { needy.append(x) }
        }
        repeatAllowed = Set(needy)
        return needy
    }

    /// The points a pair gains because one of them asked for the other.
    func bonus(_ x: Int, _ y: Int) -> Int {
        hasPreferences && preferred[x].contains(Int32(y)) ? preferWeight : 0
    }

    /// Whether `x` asked for `y` (`prefer`).
    func asked(_ x: Int, for y: Int) -> Bool { people[x].prefer.contains(people[y].id) }

    /// Everyone `x` asked for or was asked for by.
    func preferences(of x: Int) -> [Int32] { hasPreferences ? preferred[x] : [] }

    private func penalty(_ x: Int, _ y: Int) -> Int {
        !previousPartners.isEmpty && previousPartners.contains(Pair(x, y)) ? ScoringTable.repeatPenalty : 0
    }

    @inline(__always)
    private func overlap(_ a: [UInt64], _ x: Int, _ b: [UInt64], _ y: Int, words: Int) -> Int {
        var c = 0
        let ox = x * words, oy = y * words
        for k in 0..<words { c += (a[ox + k] & b[oy + k]).nonzeroBitCount }
        return c
    }

    /// The raw (unweighted) level of each criterion for a pair.
    private func level(_ criterion: Criterion, _ x: Int, _ y: Int) -> Int {
        switch criterion {
        case .goalsSkills:
            if program.format.isMentoring { return min(4, overlap(goals, y, skills, x, words: words) * 2 + overlap(goals, x, skills, y, words: words)) }
            return min(4, overlap(goals, x, skills, y, words: words) + overlap(goals, y, skills, x, words: words))
        case .sharedGoals: return min(3, overlap(goals, x, goals, y, words: words))
        case .sharedSkills: return min(3, overlap(skills, x, skills, y, words: words))
        case .interests: return min(3, overlap(interests, x, interests, y, words: interestWords))
        case .sharedGroups: return min(2, overlap(groups, x, groups, y, words: groupWords))
        case .sameDepartment: return department[x] == department[y] ? 1 : 0
        case .differentDepartment: return department[x] != department[y] ? 1 : 0
        case .sameLocation: return location[x] == location[y] ? 1 : 0
        case .differentLocation: return location[x] != location[y] ? 1 : 0
        case .sameTimezone:
            let gap = abs(offsetMinutes[x] - offsetMinutes[y])
            return gap == 0 ? 2 : gap <= 180 ? 1 : 0
        case .similarSeniority:
            guard seniority[x] >= 0, seniority[y] >= 0 else { return 0 }
            let gap = abs(seniority[x] - seniority[y])
            return gap == 0 ? 2 : gap == 1 ? 1 : 0
        case .seniorityGap:
            guard seniority[x] >= 0, seniority[y] >= 0 else { return 0 }
            let gap: Int32
            switch program.format {
            case .mentoring: gap = seniority[x] - seniority[y]
            case .reverse: gap = seniority[y] - seniority[x]
            default: gap = abs(seniority[x] - seniority[y])
            }
            return Int(min(3, max(0, gap)))
        case .overlapHours:
            return WorkingOverlap.level(overlapMinutes(x, y))
        case .tenureGap:
            guard joinedDay[x] != Int32.min, joinedDay[y] != Int32.min else { return 0 }
            let gap = abs(joinedDay[x] - joinedDay[y])
            return gap >= 365 ? 2 : gap >= 90 ? 1 : 0
        }
    }

    /// Total score of an allowed pair (hot path: no allocation).
    func score(_ x: Int, _ y: Int) -> Int {
        var total = 0
        for (i, criterion) in Criterion.allCases.enumerated() where weights[i] != 0 {
            total += weights[i] * level(criterion, x, y)
        }
        let cut = penalty(x, y)
        return (cut == 0 ? total : max(1, total - cut)) + bonus(x, y)
    }

    /// The pruned top-k engine for this table (`SlicedRows.prunedRow`), or nil when the table
    /// does not suit it (see `tandem_sliced_create`).
    func slicedRows() -> SlicedRows? {
        guard columns.bounds != nil, let engine = columns.makeSliced(count: count) else { return nil }
        var relieved = [UInt8](repeating: 0, count: count)
        for x in repeatAllowed where x >= 0 && x < count { relieved[x] = 1 }
        return SlicedRows(engine: engine, columns: columns, avoid: avoidNeighbours,
                          earlier: rules.previous ? previousOf : [:], relieved: relieved,
                          scanned: hasPreferences ? preferred.map { !$0.isEmpty } : [])
    }

    /// Everyone `x` was matched with in earlier rounds.
    func earlierPartners(of x: Int) -> [Int32] { previousOf[x] ?? [] }

    /// The value the candidate graph gives a pair: the score of mentor (or first person) `m`
    /// with mentee `e`, or `Int32.min` when a hard rule forbids it. Unlike `score`, the repeat
    /// penalty applies only under not_previous_partner. The readable reference for `scanRow`.
    func pairValue(_ m: Int, _ e: Int) -> Int32 {
        guard violatedRule(m, e) == nil else { return Int32.min }
        var total = 0
        for (i, criterion) in Criterion.allCases.enumerated() where weights[i] != 0 {
            total += weights[i] * level(criterion, m, e)
        }
        if rules.previous && !previousPartners.isEmpty && previousPartners.contains(Pair(m, e)) {
            total = max(1, total - ScoringTable.repeatPenalty)
        }
        return Int32(clamping: total + bonus(m, e))
    }

    /// The lowest and highest score any pair can get, when every score fits the C kernel
    /// (32-bit arithmetic with room to spare); nil otherwise.
    var scoreBounds: (low: Int32, high: Int32)? {
        guard let b = columns.bounds else { return nil }
        return hasPreferences ? (b.low, b.high + Int32(clamping: preferWeight)) : b
    }

    /// Scores `x` against every `y` in `candidates` (sorted ascending; everyone when nil) into
    /// `row[y]`: `pairValue` of the pair, or `Int32.min` where a hard rule forbids it or
    /// `y == x`. For mentoring formats `x` is the mentor, or the mentee when `asMentee`.
    /// Returns how many were allowed. This is the candidate graph's inner loop: the C kernel
    /// `tandem_score_row` scores the row, then the few pairs that avoid lists and earlier
    /// rounds concern are patched here. Tests check it against `pairValue` pair by pair.
    func scanRow(_ x: Int, candidates: [Int32]? = nil, asMentee: Bool = false, into row: inout [Int32]) -> Int {
        guard columns.bounds != nil else {
            var allowed = 0
            func visit(_ y: Int) {
                row[y] = asMentee ? pairValue(y, x) : pairValue(x, y)
                if row[y] != Int32.min { allowed += 1 }
            }
            if let candidates { for y in candidates { visit(Int(y)) } } else { for y in 0..<count { visit(y) } }
            return allowed
        }
        var allowed = row.withUnsafeMutableBufferPointer { out -> Int in
            if let candidates {
                return candidates.withUnsafeBufferPointer { list in
                    Int(columns.scoreRow(Int32(x), asMentee: asMentee, candidates: list.baseAddress, count: Int32(list.count), out: out.baseAddress!))
                }
            }
            return Int(columns.scoreRow(Int32(x), asMentee: asMentee, candidates: nil, count: Int32(count), out: out.baseAddress!))
        }
        let avoiding = avoidNeighbours[x], earlier = rules.previous ? (previousOf[x] ?? []) : []
        let wanted = hasPreferences ? preferred[x] : []
        guard !avoiding.isEmpty || !earlier.isEmpty || !wanted.isEmpty else { return allowed }
        func scanned(_ y: Int32) -> Bool {
            guard let candidates else { return true }
            var lo = 0, hi = candidates.count
            while lo < hi { let mid = (lo + hi) / 2; if candidates[mid] < y { lo = mid + 1 } else { hi = mid } }
            return lo < candidates.count && candidates[lo] == y
        }
        for y in avoiding where scanned(y) && row[Int(y)] != Int32.min {
            row[Int(y)] = Int32.min
            allowed -= 1
        }
        for y in earlier where scanned(y) && row[Int(y)] != Int32.min {
            if repeatAllowed.contains(x) || repeatAllowed.contains(Int(y)) {
                row[Int(y)] = max(1, row[Int(y)] - Int32(ScoringTable.repeatPenalty))
            } else {
                row[Int(y)] = Int32.min
                allowed -= 1
            }
        }
        // Preferences: a bonus on top of whatever the rules left allowed.
        for y in wanted where scanned(y) && row[Int(y)] != Int32.min {
            row[Int(y)] = row[Int(y)] &+ Int32(clamping: preferWeight)
        }
        return allowed
    }

    /// Score with its breakdown, for explanations.
    func breakdown(_ x: Int, _ y: Int) -> PairScore {
        var parts: [ScorePart] = []
        for (i, criterion) in Criterion.allCases.enumerated() where weights[i] != 0 {
            let points = weights[i] * level(criterion, x, y)
            if points != 0 { parts.append(ScorePart(criterion: criterion, points: points)) }
        }
        let sum = parts.reduce(0) { $0 + $1.points }, cut = penalty(x, y), extra = bonus(x, y)
        return PairScore(total: (cut == 0 ? sum : max(1, sum - cut)) + extra, parts: parts.sorted { ($0.points, $1.criterion) > ($1.points, $0.criterion) },
                         penalty: cut == 0 ? 0 : sum - max(1, sum - cut), bonus: extra)
    }
}

/// People grouped by their working days on the UTC clock (`WorkingOverlap.intervals`):
/// overlap_hours and common_hours depend on nothing else, so the C kernels read them from a
/// class-by-class table. A portal has a few zones and a few working weeks, so a few classes;
/// beyond `limit` (the pruned engine's bound on distinct values) there is no table and
/// the program is scored in Swift (`ScoringTable.pairValue`).
struct WeekClasses {
    static let limit = 64
    /// Each person's class.
    var classOf: [Int32] = []
    /// Per pair of classes (row-major): overlap_hours' weight times its level, and whether
    /// common_hours allows the pair (1) or not (0).
    var points: [Int32] = []
    var allowed: [Int32] = []
    var count = 0

    init?(_ intervals: [[(Int, Int)]], weight: Int, commonMinutes: Int?) {
        var index: [[Int]: Int32] = [:]
        var members: [[(Int, Int)]] = []
        classOf.reserveCapacity(intervals.count)
        for week in intervals {
            let key = week.flatMap { [$0.0, $0.1] }
            if let c = index[key] { classOf.append(c); continue }
            guard members.count < Self.limit else { return nil }
            index[key] = Int32(members.count)
            classOf.append(Int32(members.count))
            members.append(week)
        }
        count = members.count
        for a in members {
            for b in members {
                let minutes = WorkingOverlap.minutes(a, b)
                points.append(Int32(clamping: weight * WorkingOverlap.level(minutes)))
                allowed.append(commonMinutes.map { minutes >= $0 } ?? true ? 1 : 0)
            }
        }
    }
}

/// A scoring table's columns in manually allocated memory with fixed addresses, described by
/// the `tandem_scoring` header the C kernel reads. Immutable after init.
final class ScoringColumns: @unchecked Sendable {
    private let wordStorage: UnsafeMutableBufferPointer<UInt64>
    private let intStorage: UnsafeMutableBufferPointer<Int32>
    /// `WeekClasses`: each person's class, then the points table, then the allowed table.
    private let classStorage: UnsafeMutableBufferPointer<Int32>
    private var header = tandem_scoring()
    /// See `ScoringTable.scoreBounds`.
    let bounds: (low: Int32, high: Int32)?
    /// Why rows are scored in Swift when `bounds` is nil.
    let swiftReason: String?

    init(skills: [UInt64], goals: [UInt64], interests: [UInt64], groups: [UInt64], words: (Int, Int, Int),
         categorical: [[Int32]], weights: [Int], program: Program, weekClasses: WeekClasses? = nil) {
        let sets = [skills, goals, interests, groups]
        let classColumns = weekClasses.map { [$0.classOf, $0.points, $0.allowed] } ?? []
        classStorage = .allocate(capacity: max(1, classColumns.reduce(0) { $0 + $1.count }))
        if let weekClasses {
            var at = 0
            var starts: [UnsafePointer<Int32>] = []
            for column in classColumns {
                _ = UnsafeMutableBufferPointer(rebasing: classStorage[at..<(at + column.count)]).initialize(from: column)
                starts.append(UnsafePointer(classStorage.baseAddress! + at))
                at += column.count
            }
            header.week_class = starts[0]
            header.week_classes = Int32(weekClasses.count)
            header.class_points = starts[1]
            header.class_allowed = starts[2]
        }
        wordStorage = .allocate(capacity: max(1, sets.reduce(0) { $0 + $1.count }))
        intStorage = .allocate(capacity: max(1, categorical.reduce(0) { $0 + $1.count }))
        var wordStarts: [UnsafePointer<UInt64>] = [], intStarts: [UnsafePointer<Int32>] = []
        var at = 0
        for column in sets {
            _ = UnsafeMutableBufferPointer(rebasing: wordStorage[at..<(at + column.count)]).initialize(from: column)
            wordStarts.append(UnsafePointer(wordStorage.baseAddress! + at))
            at += column.count
        }
        at = 0
        for column in categorical {
            _ = UnsafeMutableBufferPointer(rebasing: intStorage[at..<(at + column.count)]).initialize(from: column)
            intStarts.append(UnsafePointer(intStorage.baseAddress! + at))
            at += column.count
        }
        header.skills = wordStarts[0]; header.goals = wordStarts[1]; header.interests = wordStarts[2]; header.groups = wordStarts[3]
        header.words = Int32(words.0); header.interest_words = Int32(words.1); header.group_words = Int32(words.2)
        header.department = intStarts[0]; header.team = intStarts[1]; header.location = intStarts[2]
        header.offset_minutes = intStarts[3]; header.seniority = intStarts[4]; header.joined_day = intStarts[5]; header.manager = intStarts[6]
        withUnsafeMutableBytes(of: &header.weight) { raw in
            let w = raw.bindMemory(to: Int32.self)
            for i in 0..<min(w.count, weights.count) { w[i] = Int32(clamping: weights[i]) }
        }
        withUnsafeMutableBytes(of: &header.max_level) { raw in
            let levels = raw.bindMemory(to: Int32.self)
            for (i, criterion) in Criterion.allCases.enumerated() where i < levels.count { levels[i] = Int32(criterion.maxLevel) }
        }
        header.rule_team = program.has(.notSameTeam) ? 1 : 0
        header.rule_department = program.has(.notSameDepartment) ? 1 : 0
        header.rule_location = program.has(.sameLocation) ? 1 : 0
        header.max_gap = program.maxTimezoneGapMinutes.map { Int32(clamping: $0) } ?? Int32.max
        header.min_gap = program.format.isMentoring ? program.minSeniorityGap.map { Int32(clamping: max($0, Int(Int32.min) + 1)) } ?? Int32.min : Int32.min
        header.mentoring = program.format.isMentoring ? 1 : 0
        header.reverse = program.format == .reverse ? 1 : 0
        // Levels per criterion in Criterion.allCases order; department and location each
        // contribute one of two weights.
        let maxLevel = Criterion.allCases.map(\.maxLevel)
        var low = 0, high = 0
        for i in weights.indices where i < maxLevel.count && ![5, 6, 7, 8].contains(i) {
            low += min(0, weights[i] * maxLevel[i])
            high += max(0, weights[i] * maxLevel[i])
        }
        for (same, different) in [(5, 6), (7, 8)] {
            low += min(weights[same], weights[different])
            high += max(weights[same], weights[different])
        }
        // The repeat penalty yields max(1, s - penalty): at most s, at least min(1, s).
        low = min(low, 1)
        // overlap_hours and common_hours come from the week classes; without them (too many
        // classes) a program using either is scored on the Swift path (`pairValue`), which
        // the kernel tests compare against.
        let overlapIndex = Criterion.allCases.firstIndex(of: .overlapHours)!
        let fits = weights.count >= maxLevel.count && weights[maxLevel.count...].allSatisfy { $0 == 0 }
            && (weekClasses != nil || program.commonHoursMinutes == nil && weights[overlapIndex] == 0)
            && weights.allSatisfy { abs($0) <= 1_000_000 }
            && low >= -(1 << 28) && high <= 1 << 28
        bounds = fits ? (Int32(low), Int32(high)) : nil
        swiftReason = fits ? nil : weekClasses == nil && (program.commonHoursMinutes != nil || weights[overlapIndex] != 0)
            ? "more than \(WeekClasses.limit) distinct working weeks for the C kernels' overlap table"
            : "weights or scores too large for the C kernels' 32-bit sums"
    }

    /// Which scorer a table's rows go through, for `--verbose`.
    var path: String {
        if let swiftReason { return "Swift, pair by pair (\(swiftReason))" }
        return "C kernels (" + ["portable", "POPCNT", "AVX2 and POPCNT"][ScoringColumns.kernelLevel] + ")"
    }

    deinit {
        wordStorage.deallocate()
        intStorage.deallocate()
        classStorage.deallocate()
    }

    /// The kernel's code path on this machine (2 AVX2, 1 POPCNT, 0 portable), and a way to
    /// force a lower one (nil restores the automatic choice), for tests and benchmarks.
    static var kernelLevel: Int { Int(tandem_scoring_level()) }
    static func forceKernelLevel(_ level: Int?) { tandem_scoring_force_level(Int32(level ?? -1)) }

    func makeSliced(count: Int) -> OpaquePointer? {
        withUnsafePointer(to: header) { tandem_sliced_create($0, Int32(count)) }
    }

    func scoreRow(_ x: Int32, asMentee: Bool, candidates: UnsafePointer<Int32>?, count: Int32, out: UnsafeMutablePointer<Int32>) -> Int32 {
        withUnsafePointer(to: header) { tandem_score_row($0, x, asMentee ? 1 : 0, candidates, count, out) }
    }
}

/// Rows of a table by the pruned top-k (`tandem_sliced_row_pruned`): each person's allowed
/// count and k best partners, with avoid lists and earlier partners applied as
/// `ScoringTable.scanRow` applies them.
final class SlicedRows: @unchecked Sendable {
    private let engine: OpaquePointer
    /// The engine borrows the columns' memory.
    private let columns: ScoringColumns
    private let avoid: [[Int32]]
    private let earlier: [Int: [Int32]]
    private let relieved: [UInt8]
    /// Rows the engine leaves to `ScoringTable.scanRow` (people with preferences, whose
    /// bonus can change which partners are best).
    private let scanned: [Bool]
    let scratchWords: Int

    fileprivate init(engine: OpaquePointer, columns: ScoringColumns, avoid: [[Int32]], earlier: [Int: [Int32]], relieved: [UInt8], scanned: [Bool]) {
        self.scanned = scanned
        self.engine = engine
        self.columns = columns
        self.avoid = avoid
        self.earlier = earlier
        self.relieved = relieved
        scratchWords = Int(tandem_sliced_scratch_words(engine))
    }

    deinit { tandem_sliced_free(engine) }

    /// Whether the engine laid people out by time zone and working week (see tandem_sliced.c).
    var laidOut: Bool { tandem_sliced_laid_out(engine) != 0 }

    /// Row `x`'s allowed count and k best partners (vertices ascending, into `vertices` and
    /// `scores`), exactly as `ScoringTable.scanRow` and a top-k would give them, found by the
    /// threshold top-k of `tandem_sliced_row_pruned`: `pruned` tells whether the row was pruned or scored whole, `scored` how many pairs
    /// were scored one by one. Nil when the engine cannot take this row.
    /// `hint` is carried from row to row (start with `Int32.min`): it splits the work, never
    /// changes the result.
    func prunedRow(_ x: Int, k: Int, scratch: inout [UInt64], hint: inout Int32, vertices: UnsafeMutablePointer<Int32>,
                   scores: UnsafeMutablePointer<Int32>) -> (allowed: Int, taken: Int, pruned: Bool, scored: Int)? {
        // A row with requests goes to the ordinary scan, which adds their bonus.
        if !scanned.isEmpty && scanned[x] { return nil }
        if scratch.count < scratchWords { scratch = [UInt64](repeating: 0, count: scratchWords) }
        var allowed: Int32 = 0, pruned: Int32 = 0, scored: Int64 = 0
        let avoiding = avoid[x], partners = earlier[x] ?? []
        let taken = avoiding.withUnsafeBufferPointer { a in
            partners.withUnsafeBufferPointer { e in
                relieved.withUnsafeBufferPointer { r in
                    scratch.withUnsafeMutableBufferPointer { s in
                        tandem_sliced_row_pruned(engine, Int32(x), Int32(k), a.baseAddress, Int32(a.count), e.baseAddress, Int32(e.count),
                                                 r.baseAddress, Int32(ScoringTable.repeatPenalty), s.baseAddress, &allowed, vertices, scores,
                                                 &pruned, &scored, &hint)
                    }
                }
            }
        }
        return taken < 0 ? nil : (Int(allowed), Int(taken), pruned != 0, Int(scored))
    }
}
