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
}

/// Integer features of the enrolled participants of one program, laid out for fast scoring:
/// skill/goal/interest/group sets as bitsets over the program's vocabulary, categorical
/// fields as small integers. Scoring a pair is a handful of popcounts.
struct ScoringTable: Sendable {
    let program: Program
    let people: [Participant]
    private let words: Int
    private var skills: [UInt64] = [], goals: [UInt64] = [], interests: [UInt64] = [], groups: [UInt64] = []
    private var department: [Int32] = [], team: [Int32] = [], location: [Int32] = []
    private var offsetMinutes: [Int32] = [], seniority: [Int32] = [], joinedDay: [Int32] = []
    private var managerOf: [Int32] = []
    private var avoids: [Set<Int32>] = []
    /// For mentoring: true for mentors. Unused otherwise.
    var isMentor: [Bool] = []
    /// Pairs matched in earlier rounds (index pairs, a < b), forbidden by not_previous_partner.
    var previousPartners: Set<Pair> = []
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
        var vocabulary: [String: Int] = [:]
        for p in people {
            for item in p.skills + p.goals + p.interests + p.groups where vocabulary[item] == nil {
                vocabulary[item] = vocabulary.count
            }
        }
        let wordCount = max(1, (vocabulary.count + 63) / 64)
        words = wordCount
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
        let referenceDate = Self.referenceDate(program.start)
        var zoneOffsets: [String: Int32] = [:]
        let index = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1.id, Int32($0)) })
        for p in people {
            func bits(_ items: [String]) -> [UInt64] {
                var row = [UInt64](repeating: 0, count: wordCount)
                for item in items { let b = vocabulary[item]!; row[b >> 6] |= 1 << UInt64(b & 63) }
                return row
            }
            skills += bits(p.skills); goals += bits(p.goals); interests += bits(p.interests); groups += bits(p.groups)
            department.append(code("d:" + p.department.lowercased()))
            team.append(p.team.map { code("t:" + p.department.lowercased() + "/" + $0.lowercased()) } ?? 0)
            location.append(code("l:" + p.location.lowercased()))
            if zoneOffsets[p.timezone] == nil {
                zoneOffsets[p.timezone] = Int32((TimeZone(identifier: p.timezone)?.secondsFromGMT(for: referenceDate) ?? 0) / 60)
            }
            offsetMinutes.append(zoneOffsets[p.timezone]!)
            seniority.append(Int32(p.seniority ?? -1))
            joinedDay.append(p.joined.map { Int32($0.dayNumber) } ?? Int32.min)
            managerOf.append(p.manager.flatMap { index[$0] } ?? -1)
            avoids.append(Set(p.avoid.compactMap { index[$0] }))
            isMentor.append(p.roles[program.slug] == .mentor)
        }
    }

    static func referenceDate(_ day: LocalDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day.dayNumber) * 86_400 + 12 * 3600)
    }

    var count: Int { people.count }

    func timezoneOffsetMinutes(_ i: Int) -> Int { Int(offsetMinutes[i]) }

    /// The first hard rule that forbids pairing `x` with `y`, or nil when they may be matched.
    /// For mentoring programs `x` is the mentor and `y` the mentee.
    func violatedRule(_ x: Int, _ y: Int) -> String? {
        if x == y { return "self" }
        if managerOf[x] == Int32(y) || managerOf[y] == Int32(x) { return "not_manager" }
        if avoids[x].contains(Int32(y)) || avoids[y].contains(Int32(x)) { return "avoid" }
        if rules.team && team[x] != 0 && team[x] == team[y] { return "not_same_team" }
        if rules.department && department[x] == department[y] { return "not_same_department" }
        if rules.location && location[x] != location[y] { return "same_location" }
        if let maxGap, abs(offsetMinutes[x] - offsetMinutes[y]) > maxGap { return "max_timezone_gap" }
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

    private func penalty(_ x: Int, _ y: Int) -> Int {
        !previousPartners.isEmpty && previousPartners.contains(Pair(x, y)) ? ScoringTable.repeatPenalty : 0
    }

    @inline(__always)
    private func overlap(_ a: [UInt64], _ x: Int, _ b: [UInt64], _ y: Int) -> Int {
        var c = 0
        let ox = x * words, oy = y * words
        for k in 0..<words { c += (a[ox + k] & b[oy + k]).nonzeroBitCount }
        return c
    }

    /// The raw (unweighted) level of each criterion for a pair.
    private func level(_ criterion: Criterion, _ x: Int, _ y: Int) -> Int {
        switch criterion {
        case .goalsSkills:
            if program.format.isMentoring { return min(4, overlap(goals, y, skills, x) * 2 + overlap(goals, x, skills, y)) }
            return min(4, overlap(goals, x, skills, y) + overlap(goals, y, skills, x))
        case .sharedGoals: return min(3, overlap(goals, x, goals, y))
        case .sharedSkills: return min(3, overlap(skills, x, skills, y))
        case .interests: return min(3, overlap(interests, x, interests, y))
        case .sharedGroups: return min(2, overlap(groups, x, groups, y))
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
        return cut == 0 ? total : max(1, total - cut)
    }

    /// Score with its breakdown, for explanations.
    func breakdown(_ x: Int, _ y: Int) -> PairScore {
        var parts: [ScorePart] = []
        for (i, criterion) in Criterion.allCases.enumerated() where weights[i] != 0 {
            let points = weights[i] * level(criterion, x, y)
            if points != 0 { parts.append(ScorePart(criterion: criterion, points: points)) }
        }
        let sum = parts.reduce(0) { $0 + $1.points }, cut = penalty(x, y)
        return PairScore(total: cut == 0 ? sum : max(1, sum - cut), parts: parts.sorted { ($0.points, $1.criterion) > ($1.points, $0.criterion) },
                         penalty: cut == 0 ? 0 : sum - max(1, sum - cut))
    }
}
