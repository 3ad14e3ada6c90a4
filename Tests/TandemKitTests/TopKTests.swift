import Foundation
import Matching
import Testing
@testable import TandemKit

/// The pruned top-k (threshold top-k, `tandem_sliced_row_pruned`) against a brute-force
/// top-k: every pair scored by the row kernel (itself checked against `pairValue` pair by
/// pair in ScoringKernelTests), the k best kept by a heap under (score descending, vertex
/// ascending). Random rosters of a few thousand people, every criterion and rule switched on
/// and off at random, negative weights, tenure, ties, avoid lists and earlier partners.
@Suite struct TopKTests {
    typealias Random = ScoringKernelTests.Random

    static func template() throws -> (Program, Participant) {
        let bag = DiagnosticBag()
        let portal = PortalLoader.load(root: ScoringTests.repoRoot, bag: bag)
        return (try #require(portal.programs.first), try #require(portal.participants.first))
    }

    /// The same people and history under other weights.
    static func reweighted(_ table: ScoringTable, _ weights: [(Criterion, Int)]) -> ScoringTable {
        var program = table.program
        program.weights = weights
        var copy = ScoringTable(program: program, people: table.people)
        copy.previousPartners = table.previousPartners
        copy.repeatAllowed = table.repeatAllowed
        return copy
    }

    /// Each person's k best allowed partners by scoring every pair: (allowed counts, edges as
    /// `CandidateGraph` merges them).
    static func bruteForce(_ table: ScoringTable, k: Int) -> (allowed: [Int], edges: [WeightedEdge]) {
        let n = table.count
        var row = [Int32](repeating: Int32.min, count: n)
        var allowed = [Int](repeating: 0, count: n)
        var best: [Pair: Int] = [:]
        for x in 0..<n {
            allowed[x] = table.scanRow(x, into: &row)
            var heap = TopK(k: k)
            for y in 0..<n where row[y] != Int32.min { heap.offer(score: Int(row[y]), vertex: y) }
            for (score, y) in heap.items { best[Pair(x, y)] = score }
        }
        let edges = best.map { WeightedEdge($0.key.a, $0.key.b, $0.value) }.sorted { ($0.u, $0.v) < ($1.u, $1.v) }
        return (allowed, edges)
    }

    /// The criteria the C engines score: all of them (`overlap_hours` and the `common_hours`
    /// rule through the working-week classes).
    static let kernelCriteria = Criterion.allCases

    static func check(_ table: ScoringTable, k: Int, _ label: String, pruning: Bool = true) -> CandidateInfo {
        let want = bruteForce(table, k: k)
        let pruned = CandidateGraph.build(table, k: k, method: .pruned)
        #expect(pruned.info.method == (pruning ? .pruned : .exhaustive), "\(label): the pruned engine took the table, or left it")
        #expect(pruned.allowedCount == want.allowed, "\(label): allowed counts")
        #expect(pruned.edges.count == want.edges.count, "\(label): edge count")
        // The first difference, rather than two long lists.
        let differ = zip(pruned.edges, want.edges).first { $0 != $1 }
        #expect(differ == nil, "\(label): first different edge \(String(describing: differ))")
        return pruned.info
    }

    @Test func prunedTopKEqualsBruteForceOnRandomRosters() throws {
        let template = try Self.template()
        var rng = Random(state: 2_027)
        var prunedRows = 0
        for trial in 0..<8 {
            let table = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs, .groups], people: 1_500...3_000)
            // Random weights in -40...100 on a random subset of the criteria (negative ones
            // included), and the table's own draw.
            var weights: [(Criterion, Int)] = []
            for c in Self.kernelCriteria where rng.chance(55) { weights.append((c, rng.below(141) - 40)) }
            let k = [1, 5, 24, 60][trial % 4]
            prunedRows += Self.check(table, k: k, "trial \(trial) own weights").prunedRows
            _ = Self.check(Self.reweighted(table, weights), k: k, "trial \(trial) weights \(weights)")
        }
        #expect(prunedRows > 0, "some rows were pruned rather than scored whole")
    }

    /// Weights that leave nothing or little to prune on, and ties everywhere.
    @Test func prunedTopKIsExactWhenPruningCannotHelp() throws {
        let template = try Self.template()
        var rng = Random(state: 99)
        let table = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs], people: 2_000...2_400)
        let cases: [(String, [(Criterion, Int)])] = [
            ("no weights: every score 0", []),
            ("categorical only", [(.differentDepartment, 3), (.sameTimezone, 2), (.similarSeniority, 1)]),
            ("tenure only", [(.tenureGap, 4)]),
            ("all ones: ties", Self.kernelCriteria.map { ($0, 1) }),
            ("all negative", Self.kernelCriteria.map { ($0, -3) }),
            ("negative pivot candidate", [(.goalsSkills, -5), (.interests, 2), (.sameLocation, 1)]),
            ("demo-like", [(.goalsSkills, 5), (.sharedGoals, 2), (.interests, 2), (.differentDepartment, 3), (.sameTimezone, 2), (.sharedGroups, 1)]),
        ]
        for (label, weights) in cases {
            for k in [1, 24] { _ = Self.check(Self.reweighted(table, weights), k: k, "\(label) k \(k)") }
        }
        // overlap_hours, and the common_hours rule, through the working-week classes.
        var common = table.program
        common.rules.append(.commonHours(minutes: 120))
        let strict = ScoringTable(program: common, people: table.people)
        for k in [1, 24] {
            _ = Self.check(Self.reweighted(table, [(.overlapHours, 3), (.goalsSkills, 5)]), k: k, "overlap_hours k \(k)")
            let info = Self.check(Self.reweighted(strict, [(.overlapHours, -2), (.goalsSkills, 5), (.sameTimezone, 1)]), k: k, "common_hours k \(k)")
            // The rule excludes whole working weeks: the engine lays people out by them.
            #expect(info.scoring.contains("laid out by time zone and working week"), "\(info.scoring)")
        }
    }

    /// A large company's hundreds of departments and locations: the engines take them (a
    /// bitset per value), so the pruned top-k still runs, with the brute-force result.
    @Test func hundredsOfDepartmentsAndLocationsArePrunedToo() throws {
        let template = try Self.template()
        var rng = Random(state: 314)
        let table = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs], people: 2_000...2_200)
        var people = table.people
        for i in people.indices {
            people[i].department = "dept-\(i % 300)"
            people[i].location = "office-\(i % 130)"
        }
        var program = table.program
        program.weights = [(.goalsSkills, 5), (.differentDepartment, 3), (.sameLocation, 2), (.sameTimezone, 1)]
        program.rules.removeAll { if case .commonHours = $0 { return true } else { return false } }
        for rules in [[Rule](), [.notSameDepartment, .sameLocation]] {
            program.rules = rules
            let many = ScoringTable(program: program, people: people)
            let info = Self.check(many, k: 24, "300 departments, 130 locations, rules \(rules)")
            #expect(info.prunedRows + info.wholeRows == many.count)
        }
    }

    /// tenure_gap is in the bound by buckets of joining days (at least 30 days, wider over a
    /// long span): exact for dates on every side of the 90- and 365-day limits, for spans that
    /// widen the buckets and for unknown dates, and the bound is what prunes.
    @Test func tenureIsBoundedByJoiningDateBuckets() throws {
        let template = try Self.template()
        var rng = Random(state: 1_965)
        let base = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs], people: 1_800...2_000)
        var program = base.program
        program.rules = [.notManager]
        let pivot = try #require(LocalDate(year: 2020, month: 6, day: 15))
        let spans: [(String, (inout Random) -> LocalDate?)] = [
            ("a few years", { r in LocalDate(year: 2018 + r.below(6), month: 1 + r.below(12), day: 1 + r.below(28)) }),
            ("sixty years: wide buckets", { r in r.chance(90) ? LocalDate(year: 1965 + r.below(61), month: 1 + r.below(12), day: 1 + r.below(28)) : nil }),
            ("days around the limits", { r in pivot.adding(days: [0, 1, 89, 90, 91, 364, 365, 366, -89, -90, -364, -365, 700][r.below(13)] + r.below(3) - 1) }),
            ("mostly unknown", { r in r.chance(20) ? LocalDate(year: 2010 + r.below(15), month: 1 + r.below(12), day: 1 + r.below(28)) : nil }),
        ]
        for (label, day) in spans {
            var people = base.people
            for i in people.indices { people[i].joined = day(&rng) }
            for weights: [(Criterion, Int)] in [[(.tenureGap, 9), (.goalsSkills, 1)], [(.tenureGap, 3), (.goalsSkills, 5), (.sameLocation, 2)]] {
                program.weights = weights
                let table = ScoringTable(program: program, people: people)
                let info = Self.check(table, k: 24, "\(label), \(weights)")
                if label == "days around the limits" && weights.count == 2 && weights[0].1 == 9 {
                    // The bound knows who is certainly within 90 or 365 days: 195 pairs a
                    // pruned row here, 776 with tenure left out of it.
                    #expect(info.pairsScored < info.prunedRows * 400, "\(info.summary)")
                }
            }
        }
    }

    /// Above the complete graph's limit the automatic method is the pruned top-k, and
    /// scoring every pair finds the same graph.
    @Test func automaticMethodAboveTheCompleteLimitIsPruned() throws {
        let template = try Self.template()
        var rng = Random(state: 5)
        let table = ScoringKernelTests.randomTable(&rng, template: template, formats: [.pairs], people: 1_600...1_700)
        let automatic = CandidateGraph.build(table, k: 24)
        #expect(automatic.info.method == .pruned)
        let exhaustive = CandidateGraph.build(table, k: 24, method: .exhaustive)
        #expect(exhaustive.info.method == .exhaustive)
        #expect(exhaustive.edges == automatic.edges)
        #expect(exhaustive.allowedCount == automatic.allowedCount)
    }
}
