import CTandemSupport
import Foundation
@testable import Matching
import Testing
@testable import TandemKit

@Suite struct ScoringTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The candidate graph's fast row scan must agree with the readable rule and score
    /// functions for every pair of every demo program.
    @Test func rowScanAgreesWithRulesAndScores() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: Self.repoRoot, bag: bag)
        #expect(!bag.hasErrors)
        for program in portal.programs {
            var table = ScoringTable(program: program, people: portal.participants.filter { $0.programs.contains(program.slug) })
            // Exercise the previous-partner path too.
            table.previousPartners = [Pair(0, 1), Pair(2, 3)]
            var row = [Int32](repeating: 0, count: table.count)
            var checked = 0
            for x in 0..<table.count {
                let allowed = table.scanRow(x, into: &row)
                var expectedAllowed = 0
                for y in 0..<table.count {
                    if x != y, table.violatedRule(x, y) == nil {
                        expectedAllowed += 1
                        #expect(Int(row[y]) == table.score(x, y), "\(program.slug): \(x)-\(y)")
                        #expect(table.breakdown(x, y).total == table.score(x, y))
                    } else {
                        #expect(row[y] == Int32.min, "\(program.slug): \(x)-\(y) should be forbidden")
                    }
                    checked += 1
                }
                #expect(allowed == expectedAllowed)
            }
            #expect(checked == table.count * table.count)
        }
    }
}

/// The C row kernel against the readable reference (`violatedRule`, `level`) on random
/// tables: every format, rule and criterion, multi-word bitsets, avoid lists, earlier
/// partners with and without relief, on each code path this machine has.
@Suite struct ScoringKernelTests {
    /// Matching's fixed-seed generator, with the few draws the tests need.
    struct Random {
        private var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func below(_ n: Int) -> Int { generator.below(n) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ items: [T], upTo most: Int) -> [T] {
            var out: [T] = []
            for _ in 0..<below(most + 1) { out.append(items[below(items.count)]) }
            return out
        }
    }

    static func randomTable(_ rng: inout Random, template: (Program, Participant), formats: [ProgramFormat] = ProgramFormat.allCases,
                            criteria: [Criterion] = Criterion.allCases, people: ClosedRange<Int> = 20...69,
                            extraRules: [Rule] = []) -> ScoringTable {
        var program = template.0
        program.format = formats[rng.below(formats.count)]
        program.weights = criteria.compactMap { rng.chance(60) ? ($0, rng.below(101)) : nil }
        var rules: [Rule] = []
        for rule in [Rule.notManager, .notSameTeam, .notSameDepartment, .notPreviousPartner, .sameLocation] where rng.chance(35) { rules.append(rule) }
        if rng.chance(40) { rules.append(.maxTimezoneGap(minutes: [0, 60, 180, 330, 600][rng.below(5)])) }
        if rng.chance(40) { rules.append(.minSeniorityGap(rng.below(4))) }
        if rng.chance(30) && !extraRules.contains(where: { if case .commonHours = $0 { return true } else { return false } }) {
            rules.append(.commonHours(minutes: [30, 60, 180, 300][rng.below(4)]))
        }
        program.rules = rules + extraRules
        // Vocabularies of 5 to 150 phrases: one to three 64-bit words per set.
        let talk = (0..<[5, 40, 70, 150][rng.below(4)]).map { "t\($0)" }
        let likes = (0..<[3, 20, 90][rng.below(3)]).map { "i\($0)" }
        let circles = (0..<[2, 6, 70][rng.below(3)]).map { "g\($0)" }
        let zones = ["Europe/London", "Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Auckland"]
        let n = people.lowerBound + rng.below(people.count)
        let ids = (0..<n).map { String(format: "p%03d", $0) }
        var people: [Participant] = []
        for id in ids {
            var p = template.1
            p.id = id
            p.department = ["Eng", "eng", "Sales", "Data"][rng.below(4)]
            p.team = rng.chance(70) ? ["a", "b", "c"][rng.below(3)] : nil
            p.location = ["Berlin", "london", "London", "Pune"][rng.below(4)]
            p.timezone = zones[rng.below(zones.count)]
            p.seniority = rng.chance(85) ? rng.below(8) : nil
            p.joined = rng.chance(85) ? LocalDate(year: 2015 + rng.below(12), month: 1 + rng.below(12), day: 1 + rng.below(28)) : nil
            p.manager = rng.chance(40) ? ids[rng.below(n)] : nil
            p.avoid = rng.chance(15) ? rng.pick(ids, upTo: 3) : []
            p.roles = [program.slug: rng.chance(40) ? .mentor : .mentee]
            p.programs = [program.slug]
            p.skills = Array(Set(rng.pick(talk, upTo: 12)))
            p.goals = Array(Set(rng.pick(talk, upTo: 8)))
            p.interests = Array(Set(rng.pick(likes, upTo: 6)))
            p.groups = Array(Set(rng.pick(circles, upTo: 4)))
            p.prefer = rng.chance(15) ? rng.pick(ids, upTo: 2) : []
            // A few working weeks of their own (overlap_hours, common_hours): early, late,
            // four days, or none that overlaps the usual one.
            let weeks: [WeekOverride?] = [nil, nil, nil, nil, WeekOverride(start: 7 * 60, end: 15 * 60),
                                          WeekOverride(start: 11 * 60 + 30, end: 20 * 60), WeekOverride(days: [0, 1, 2, 3]),
                                          WeekOverride(start: 20 * 60, end: 23 * 60, days: [5, 6])]
            p.week = weeks[rng.below(weeks.count)]
            people.append(p)
        }
        program.preferWeight = [0, 1, 20, 500][rng.below(4)]
        var table = ScoringTable(program: program, people: people)
        if rng.chance(40) {
            var ended: Set<Pair> = []
            for _ in 0..<rng.below(n / 2 + 1) {
                let a = rng.below(n), b = rng.below(n)
                if a != b { ended.insert(Pair(a, b)) }
            }
            table.endedPairs = ended
        }
        if rng.chance(70) {
            var earlier: Set<Pair> = []
            for _ in 0..<rng.below(n) {
                let a = rng.below(n), b = rng.below(n)
                if a != b { earlier.insert(Pair(a, b)) }
            }
            table.previousPartners = earlier
            table.repeatAllowed = Set((0..<n).filter { _ in rng.chance(20) })
        }
        return table
    }

    /// The C kernels index weights and levels by the criteria in one order: Criterion.allCases.
    @Test func theKernelsCriteriaAreCriterionAllCases() {
        let c: [(Criterion, tandem_criterion)] = [
            (.goalsSkills, tandem_goals_skills), (.sharedGoals, tandem_shared_goals), (.sharedSkills, tandem_shared_skills),
            (.interests, tandem_interests), (.sharedGroups, tandem_shared_groups), (.sameDepartment, tandem_same_department),
            (.differentDepartment, tandem_different_department), (.sameLocation, tandem_same_location),
            (.differentLocation, tandem_different_location), (.sameTimezone, tandem_same_timezone),
            (.similarSeniority, tandem_similar_seniority), (.seniorityGap, tandem_seniority_gap), (.tenureGap, tandem_tenure_gap),
            (.overlapHours, tandem_overlap_hours),
        ]
        #expect(c.map(\.0) == Criterion.allCases)
        #expect(c.allSatisfy { Criterion.allCases.firstIndex(of: $0.0) == Int($0.1.rawValue) })
        #expect(Int(tandem_criteria.rawValue) == Criterion.allCases.count)
    }

    @Test func kernelAgreesWithReferenceOnRandomTables() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        let template = (try #require(portal.programs.first), try #require(portal.participants.first))
        defer { ScoringColumns.forceKernelLevel(nil) }
        var paths = Set<Int>()
        var rng = Random(state: 42)
        for level in 0...2 {
            ScoringColumns.forceKernelLevel(level)
            paths.insert(ScoringColumns.kernelLevel)
            for _ in 0..<60 {
                let table = Self.randomTable(&rng, template: template)
                #expect(table.scoreBounds != nil)
                let n = table.count
                var row = [Int32](repeating: 0, count: n)
                for x in 0..<n {
                    let allowed = table.scanRow(x, into: &row)
                    var expected = 0
                    for y in 0..<n {
                        let want = table.pairValue(x, y)
                        #expect(row[y] == want, "\(table.program.format) \(x)-\(y)")
                        if want != Int32.min {
                            expected += 1
                            let bounds = try #require(table.scoreBounds)
                            #expect(want >= bounds.low && want <= bounds.high)
                        }
                    }
                    #expect(allowed == expected)
                    // A sorted sample, with x as the mentee when the format has roles.
                    let sample = (0..<n).filter { _ in rng.chance(50) }.map { Int32($0) }
                    let asMentee = table.program.format.isMentoring && rng.chance(50)
                    row = [Int32](repeating: 7, count: n)
                    let sampled = table.scanRow(x, candidates: sample, asMentee: asMentee, into: &row)
                    var expectedSampled = 0
                    for y in sample.map(Int.init) {
                        let want = asMentee ? table.pairValue(y, x) : table.pairValue(x, y)
                        #expect(row[y] == want, "\(table.program.format) sample \(x)-\(y) asMentee \(asMentee)")
                        if want != Int32.min { expectedSampled += 1 }
                    }
                    #expect(sampled == expectedSampled)
                    #expect(Set(0..<n).subtracting(sample.map(Int.init)).allSatisfy { row[$0] == 7 }, "only candidates are written")
                }
            }
        }
        #expect(paths.contains(0))
    }

    /// overlap_hours and common_hours come to the C kernels as a table per pair of working-week
    /// classes; rows agree with `pairValue` pair by pair. With more classes than the table
    /// takes (everyone their own hours), the program is scored in Swift, with the same values.
    @Test func overlapHoursAndCommonHoursComeFromWeekClassesAndAgree() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        let template = (try #require(portal.programs.first), try #require(portal.participants.first))
        var rng = Random(state: 7)
        var forbidden = 0, scored = 0, kernel = 0, swift = 0
        for k in 0..<30 {
            var table = Self.randomTable(&rng, template: template, criteria: [.overlapHours, .goalsSkills, .sameTimezone],
                                         people: k % 5 == 4 ? 70...90 : 20...69,
                                         extraRules: k % 2 == 0 ? [.commonHours(minutes: [45, 120, 300][k % 3])] : [])
            if table.program.weight(.overlapHours) == 0 && k % 2 == 1 { continue }
            if k % 5 == 4 {
                // Everyone their own hours: more week classes than the kernels' table holds.
                var people = table.people
                for i in people.indices { people[i].week = WeekOverride(start: 6 * 60 + i, end: 14 * 60 + i) }
                table = ScoringTable(program: table.program, people: people)
                #expect(table.scoreBounds == nil && table.slicedRows() == nil)
                swift += 1
            } else {
                #expect(table.scoreBounds != nil)
                kernel += 1
            }
            table.previousPartners = [Pair(0, 1)]
            let n = table.count
            var row = [Int32](repeating: 0, count: n)
            for x in 0..<n {
                let allowed = table.scanRow(x, into: &row)
                var expected = 0
                for y in 0..<n {
                    let want = table.pairValue(x, y)
                    #expect(row[y] == want)
                    if want != Int32.min { expected += 1 }
                    if x != y, let rule = table.violatedRule(x, y), rule == "common_hours" {
                        forbidden += 1
                        #expect(table.overlapMinutes(x, y) < table.program.commonHoursMinutes!)
                    }
                    if table.program.weight(.overlapHours) != 0, x != y, table.violatedRule(x, y) == nil {
                        let part = table.breakdown(x, y).parts.first { $0.criterion == .overlapHours }?.points ?? 0
                        #expect(part == table.program.weight(.overlapHours) * WorkingOverlap.level(table.overlapMinutes(x, y)))
                        scored += 1
                    }
                }
                #expect(allowed == expected)
            }
        }
        #expect(kernel > 0 && swift > 0)
        #expect(forbidden > 0 && scored > 0)
        // London and Chicago overlap by two hours in January: the sentence says so.
        var a = template.1, b = template.1
        a.timezone = "Europe/London"; b.timezone = "America/Chicago"
        #expect(WorkingOverlap.minutes(a, b, on: LocalDate("2027-01-18")!) == 120)
        var program = template.0
        program.weights = [(.overlapHours, 2)]
        let reasons = Explain.reasons(viewer: a, peer: b, score: PairScore(total: 2, parts: [ScorePart(criterion: .overlapHours, points: 2)], penalty: 0),
                                      program: program, viewerIsMentor: nil)
        #expect(reasons.map(\.text).contains("Your working hours overlap by 2 hours, so a meeting is easy to fit in."))
    }

    /// The counting top-k picks exactly what the heap picks: score descending, ties to the
    /// lower vertex, over full rows and sorted samples.
    @Test func countingTopKAgreesWithHeap() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        let template = (try #require(portal.programs.first), try #require(portal.participants.first))
        var rng = Random(state: 7)
        for _ in 0..<40 {
            let table = Self.randomTable(&rng, template: template)
            let n = table.count
            for k in [0, 1, 3, 10, 200] {
                var selector = TopSelector(table: table, k: k)
                var row = [Int32](repeating: 0, count: n)
                var vertices = [Int32](repeating: -1, count: max(k, 1)), scores = vertices
                for x in 0..<n {
                    _ = table.scanRow(x, into: &row)
                    let sample: [Int32]? = rng.chance(50) ? (0..<n).filter { _ in rng.chance(60) }.map { Int32($0) } : nil
                    let taken = Int(selector.select(row, candidates: sample, count: n, into: &vertices, scores: &scores))
                    var heap = TopK(k: k)
                    for y in sample.map({ $0.map(Int.init) }) ?? Array(0..<n) where row[y] != Int32.min { heap.offer(score: Int(row[y]), vertex: y) }
                    let want = heap.items.sorted { $0.1 < $1.1 }
                    #expect(taken == want.count)
                    #expect((0..<taken).map { Int(vertices[$0]) } == want.map(\.1))
                    #expect((0..<taken).map { Int(scores[$0]) } == want.map(\.0))
                }
            }
        }
    }
}

extension ScoringKernelTests {
    /// Long rows with few distinct scores (ties everywhere), forbidden entries and samples:
    /// the counting selection, which keeps a bounded buffer under a rising threshold, picks
    /// what the heap picks.
    @Test func countingTopKAgreesWithHeapOnLongTiedRows() {
        var rng = Random(state: 3)
        for trial in 0..<24 {
            let n = [100, 3_000, 12_000][trial % 3]
            let high = Int32([1, 5, 40][rng.below(3)])
            let row = (0..<n).map { _ in rng.chance(20) ? Int32.min : Int32(rng.below(Int(high) + 1)) }
            for k in [1, 24, 700, 1_500] {
                var selector = TopSelector(bounds: (0, high), k: k)
                var vertices = [Int32](repeating: -1, count: k), scores = vertices
                let sample: [Int32]? = rng.chance(50) ? (0..<n).filter { _ in rng.chance(70) }.map { Int32($0) } : nil
                let taken = Int(selector.select(row, candidates: sample, count: n, into: &vertices, scores: &scores))
                var heap = TopK(k: k)
                for y in sample.map({ $0.map(Int.init) }) ?? Array(0..<n) where row[y] != Int32.min { heap.offer(score: Int(row[y]), vertex: y) }
                let want = heap.items.sorted { $0.1 < $1.1 }
                #expect(taken == want.count, "n \(n) k \(k)")
                #expect((0..<taken).map { Int(vertices[$0]) } == want.map(\.1), "n \(n) k \(k)")
                #expect((0..<taken).map { Int(scores[$0]) } == want.map(\.0), "n \(n) k \(k)")
            }
        }
    }
}

extension ScoringKernelTests {
    /// The pruned top-k gives each row the allowed count and top k that the row kernel and
    /// the counting selection give, on each of the kernels' code paths: pairs and groups
    /// formats, rows of one to seven 64-bit words, every criterion and rule, avoid lists,
    /// earlier partners with and without relief.
    @Test func prunedRowsAgreeWithKernelRows() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        let template = (try #require(portal.programs.first), try #require(portal.participants.first))
        defer { ScoringColumns.forceKernelLevel(nil) }
        var rng = Random(state: 11)
        for level in 0...2 {
            ScoringColumns.forceKernelLevel(level)
            for _ in 0..<25 {
                let table = Self.randomTable(&rng, template: template, formats: [.pairs, .groups],
                                             criteria: Criterion.allCases, people: 30...449)
                let sliced = try #require(table.slicedRows())
                let n = table.count
                var row = [Int32](repeating: 0, count: n), scratch: [UInt64] = []
                for k in [1, 5, 24, 500] {
                    var selector = TopSelector(table: table, k: k)
                    var hint = Int32.min
                    var vertices = [Int32](repeating: -1, count: k), scores = vertices
                    var wantVertices = vertices, wantScores = vertices
                    for x in 0..<n {
                        // Rows of people with preferences are left to the scanned path.
                        guard let result = sliced.prunedRow(x, k: k, scratch: &scratch, hint: &hint, vertices: &vertices, scores: &scores) else {
                            #expect(!table.preferences(of: x).isEmpty, "row \(x)")
                            continue
                        }
                        let allowed = table.scanRow(x, into: &row)
                        let taken = Int(selector.select(row, candidates: nil, count: n, into: &wantVertices, scores: &wantScores))
                        #expect(result.allowed == allowed, "row \(x)")
                        #expect(result.taken == taken, "row \(x) k \(k)")
                        #expect(Array(vertices.prefix(result.taken)) == Array(wantVertices.prefix(taken)), "row \(x) k \(k)")
                        #expect(Array(scores.prefix(result.taken)) == Array(wantScores.prefix(taken)), "row \(x) k \(k)")
                    }
                }
            }
        }
    }
}

extension ScoringTests {
    /// Matching the programs side by side gives what matching them one after another gives.
    @Test func matchAllAgreesWithProgramByProgram() throws {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: Self.repoRoot, bag: bag)
        let today = try #require(LocalDate(year: 2027, month: 1, day: 1))
        let together = ProgramMatcher.matchAll(portal, locks: [:], today: today)
        let apart = portal.programs.map { ProgramMatcher.match($0, portal: portal, today: today) }
        #expect(together.count == apart.count && !apart.isEmpty)
        for (a, b) in zip(together, apart) {
            #expect(a.program.slug == b.program.slug)
            #expect(a.units.map(\.id) == b.units.map(\.id))
            #expect(a.edges == b.edges)
            #expect(a.objective == b.objective)
            #expect(a.allowedCount == b.allowedCount)
        }
    }
}
