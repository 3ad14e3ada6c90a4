import Foundation
import Matching
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

    /// Above the exhaustive limit each person is scored against a sample; the sample is
    /// deterministic, never contains the person, and includes people whose skills meet their goals.
    @Test func samplerIsDeterministicAndRelevant() throws {
        let portal = try TestPortal.small()
        defer { portal.remove() }
        let bag = DiagnosticBag()
        let loaded = PortalLoader.load(root: portal.root, bag: bag)
        let program = try #require(loaded.programs.first)
        let table = ScoringTable(program: program, people: loaded.participants)
        let sampler = CandidateSampler(table)
        let ada = try #require(table.people.firstIndex { $0.id == "ada" })
        let bo = try #require(table.people.firstIndex { $0.id == "bo" })
        let first = sampler.candidates(for: ada)
        #expect(first == sampler.candidates(for: ada))
        #expect(!first.contains(ada))
        #expect(first.contains(bo))
        #expect(first == first.sorted() && Set(first).count == first.count)
    }
}
