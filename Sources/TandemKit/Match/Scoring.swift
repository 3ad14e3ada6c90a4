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
    /// 64-bit words per person in the skill/goal, interest and group bitsets.
    private let words: Int
    private let interestWords: Int
    private let groupWords: Int
    private var skills: [UInt64] = [], goals: [UInt64] = [], interests: [UInt64] = [], groups: [UInt64] = []
    private var department: [Int32] = [], team: [Int32] = [], location: [Int32] = []
    private var offsetMinutes: [Int32] = [], seniority: [Int32] = [], joinedDay: [Int32] = []
    private var managerOf: [Int32] = []
    private var avoids: [Set<Int32>] = []
    private var hasAvoid: [Bool] = []
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
        // Goals and skills share one vocabulary (a goal is met by the same phrase as a skill);
        // interests and groups get their own, so each set usually fits in one 64-bit word.
        func vocabulary(_ lists: (Participant) -> [[String]]) -> [String: Int] {
            var v: [String: Int] = [:]
            for p in people { for list in lists(p) { for item in list where v[item] == nil { v[item] = v.count } } }
            return v
        }
        let talk = vocabulary { [$0.skills, $0.goals] }, likes = vocabulary { [$0.interests] }, circles = vocabulary { [$0.groups] }
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
        let referenceDate = Self.referenceDate(program.start)
        var zoneOffsets: [String: Int32] = [:]
        let index = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1.id, Int32($0)) })
        for p in people {
            func bits(_ items: [String], _ vocabulary: [String: Int], _ count: Int) -> [UInt64] {
                var row = [UInt64](repeating: 0, count: count)
                for item in items { let b = vocabulary[item]!; row[b >> 6] |= 1 << UInt64(b & 63) }
                return row
            }
            skills += bits(p.skills, talk, talkWords); goals += bits(p.goals, talk, talkWords)
            interests += bits(p.interests, likes, likeWords); groups += bits(p.groups, circles, circleWords)
            department.append(code("d:" + p.department.lowercased()))
            team.append(p.team.map { code("t:" + p.department.lowercased() + "/" + $0.lowercased()) } ?? 0)
            location.append(code("l:" + p.location.lowercased()))
            if zoneOffsets[p.timezone] == nil {
                zoneOffsets[p.timezone] = Int32((Zones.offset(p.timezone, at: Int(referenceDate.timeIntervalSince1970)) ?? 0) / 60)
            }
            offsetMinutes.append(zoneOffsets[p.timezone]!)
            seniority.append(Int32(p.seniority ?? -1))
            joinedDay.append(p.joined.map { Int32($0.dayNumber) } ?? Int32.min)
            managerOf.append(p.manager.flatMap { index[$0] } ?? -1)
            avoids.append(Set(p.avoid.compactMap { index[$0] }))
            hasAvoid.append(!avoids[avoids.count - 1].isEmpty)
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

    /// Scores `x` against every `y` in `candidates` (or everyone when nil) into `row`
    /// (`Int32.min` where a hard rule forbids the pair or `y == x`), and returns how many were
    /// allowed. This is the candidate graph's inner loop: the same rules and levels as
    /// `violatedRule` and `score`, with the fields read through unsafe buffers and the
    /// weights hoisted out of the loop. A test checks it against `score` pair by pair.
    func scanRow(_ x: Int, candidates: [Int]? = nil, into row: inout [Int32]) -> Int {
        let n = count, wc = words, wci = interestWords, wcg = groupWords
        var wv = [Int](repeating: 0, count: Criterion.allCases.count)
        for (i, w) in weights.enumerated() { wv[i] = w }
        let (wGS, wSG, wSS, wI, wGr) = (wv[0], wv[1], wv[2], wv[3], wv[4])
        let (wSD, wDD, wSL, wDL, wTZ) = (wv[5], wv[6], wv[7], wv[8], wv[9])
        let (wSim, wSen, wTen) = (wv[10], wv[11], wv[12])
        let mentoring = program.format.isMentoring, reverse = program.format == .reverse
        let checkPrevious = rules.previous && !previousPartners.isEmpty
        let (ruleTeam, ruleDepartment, ruleLocation) = (rules.team, rules.department, rules.location)
        let xHasAvoid = hasAvoid[x]
        let maxGap = self.maxGap.map { Int32($0) } ?? Int32.max
        let minGap = program.format.isMentoring ? self.minSeniorityGap.map { Int32($0) } : nil
        let x32 = Int32(x)
        var allowedCount = 0
        // Everything the loop reads goes through unsafe buffers: no retains, no bounds or
        // uniqueness checks per pair. The buffers never outlive this call.
        skills.withUnsafeBufferPointer { sk in goals.withUnsafeBufferPointer { go in
        interests.withUnsafeBufferPointer { it in groups.withUnsafeBufferPointer { gr in
        department.withUnsafeBufferPointer { dep in team.withUnsafeBufferPointer { tm in location.withUnsafeBufferPointer { loc in
        offsetMinutes.withUnsafeBufferPointer { off in seniority.withUnsafeBufferPointer { sen in joinedDay.withUnsafeBufferPointer { joined in
        managerOf.withUnsafeBufferPointer { mgr in hasAvoid.withUnsafeBufferPointer { avoidFlag in
        row.withUnsafeMutableBufferPointer { out in
            // Most pairs share nothing, and the portable build counts bits in software:
            // testing for zero first skips almost every count.
            @inline(__always) func overlap(_ a: UnsafeBufferPointer<UInt64>, _ i: Int, _ b: UnsafeBufferPointer<UInt64>, _ j: Int, _ wc: Int) -> Int {
                if wc == 1 {
                    let both = a[i] & b[j]
                    return both == 0 ? 0 : both.nonzeroBitCount
                }
                var c = 0
                for k in 0..<wc {
                    let both = a[i &* wc &+ k] & b[j &* wc &+ k]
                    if both != 0 { c &+= both.nonzeroBitCount }
                }
                return c
            }
            @inline(__always) func value(_ y: Int) -> Int32 {
                if y == x || mgr[x] == Int32(y) || mgr[y] == x32 { return Int32.min }
                if (xHasAvoid || avoidFlag[y]) && (avoids[x].contains(Int32(y)) || avoids[y].contains(x32)) { return Int32.min }
                if ruleTeam && tm[x] != 0 && tm[x] == tm[y] { return Int32.min }
                if ruleDepartment && dep[x] == dep[y] { return Int32.min }
                if ruleLocation && loc[x] != loc[y] { return Int32.min }
                let tzGap = abs(off[x] - off[y])
                if tzGap > maxGap { return Int32.min }
                if let minGap {
                    let gap = reverse ? sen[y] - sen[x] : sen[x] - sen[y]
                    if sen[x] < 0 || sen[y] < 0 || gap < minGap { return Int32.min }
                }
                let previous = checkPrevious && previousPartners.contains(Pair(x, y))
                if previous && !repeatAllowed.contains(x) && !repeatAllowed.contains(y) { return Int32.min }
                var s = 0
                if wGS != 0 {
                    let level = mentoring ? overlap(go, y, sk, x, wc) &* 2 &+ overlap(go, x, sk, y, wc) : overlap(go, x, sk, y, wc) &+ overlap(go, y, sk, x, wc)
                    s &+= wGS &* min(4, level)
                }
                if wSG != 0 { s &+= wSG &* min(3, overlap(go, x, go, y, wc)) }
                if wSS != 0 { s &+= wSS &* min(3, overlap(sk, x, sk, y, wc)) }
                if wI != 0 { s &+= wI &* min(3, overlap(it, x, it, y, wci)) }
                if wGr != 0 { s &+= wGr &* min(2, overlap(gr, x, gr, y, wcg)) }
                let sameDepartment = dep[x] == dep[y], sameLocation = loc[x] == loc[y]
                s += sameDepartment ? wSD : wDD
                s += sameLocation ? wSL : wDL
                if wTZ != 0 { s += wTZ * (tzGap == 0 ? 2 : tzGap <= 180 ? 1 : 0) }
                if (wSim != 0 || wSen != 0), sen[x] >= 0, sen[y] >= 0 {
                    let d = abs(sen[x] - sen[y])
                    if wSim != 0 { s += wSim * (d == 0 ? 2 : d == 1 ? 1 : 0) }
                    if wSen != 0 {
                        let gap = mentoring ? (reverse ? sen[y] - sen[x] : sen[x] - sen[y]) : d
                        s += wSen * Int(min(3, max(0, gap)))
                    }
                }
                if wTen != 0, joined[x] != Int32.min, joined[y] != Int32.min {
                    let d = abs(joined[x] - joined[y])
                    s += wTen * (d >= 365 ? 2 : d >= 90 ? 1 : 0)
                }
                if previous { s = max(1, s - ScoringTable.repeatPenalty) }
                return Int32(clamping: s)
            }
            if let candidates {
                for y in candidates {
                    let v = value(y)
                    out[y] = v
                    if v != Int32.min { allowedCount += 1 }
                }
            } else {
                for y in 0..<n {
                    let v = value(y)
                    out[y] = v
                    if v != Int32.min { allowedCount += 1 }
                }
            }
        }}}}}}}}}}}}}
        return allowedCount
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
