import Testing
@testable import Matching

/// Every vertex exactly once across the parts of a pairing result.
func accountsForEveryone(_ r: PairingResult, n: Int) -> Bool {
    let all = r.pairs.flatMap { [$0.a, $0.b] } + r.trios.flatMap { $0 } + r.sitOut + r.isolated
    return all.sorted() == Array(0..<n)
}

@Test func sitOutChoosesAnEligibleVertexAtNoLossOfPairs() {
    var rng = SplitMix64(seed: 11)
    for round in 0..<150 {
        let n = 3 + 2 * rng.below(4)  // odd, 3...9
        let edges = randomGraph(&rng, n: n, density: 0.8, weights: 1...9)
        let eligible = (0..<n).map { _ in rng.below(3) == 0 }
        let fairness = round % 2 == 1
        let r = solvePairing(PairingProblem(vertexCount: n, edges: edges, oddPolicy: .sitOut, sitOutEligible: eligible, fairness: fairness))
        #expect(accountsForEveryone(r, n: n))
        #expect(r.trios.isEmpty)
        let best = bruteForceMatching(n: n, edges: edges, maximumCardinality: true)
        #expect(r.pairs.count == best.cardinality)
        // Brute force: can some maximum matching leave only eligible vertices out?
        let hasEdge = Set(edges.flatMap { [$0.u, $0.v] })
        let ineligible = (0..<n).filter { hasEdge.contains($0) && !eligible[$0] }
        let restricted = bruteForceCover(n: n, edges: edges, mustCover: ineligible)
        if restricted == best.cardinality {
            #expect(r.sitOut.allSatisfy { eligible[$0] }, "round \(round)")
            if !fairness { #expect(r.matching.totalWeight == bruteForceCoverWeight(n: n, edges: edges, mustCover: ineligible, size: best.cardinality)) }
        }
    }
}

@Test func fairnessRaisesTheLowestPair() {
    // Max weight pairs (0,1)=10 and (2,3)=1; the fair choice is (0,2)=5 and (1,3)=5.
    let edges = [WeightedEdge(0, 1, 10), WeightedEdge(2, 3, 1), WeightedEdge(0, 2, 5), WeightedEdge(1, 3, 5)]
    let plain = solvePairing(PairingProblem(vertexCount: 4, edges: edges))
    #expect(plain.pairs == [Pair(0, 1), Pair(2, 3)])
    let fair = solvePairing(PairingProblem(vertexCount: 4, edges: edges, fairness: true))
    #expect(fair.pairs == [Pair(0, 2), Pair(1, 3)])
}

@Test func fairnessMatchesBruteForce() {
    var rng = SplitMix64(seed: 12)
    for _ in 0..<150 {
        let n = 2 + rng.below(8)
        let edges = randomGraph(&rng, n: n, density: 0.6, weights: 1...12)
        let r = solvePairing(PairingProblem(vertexCount: n, edges: edges, oddPolicy: .sitOut, fairness: true))
        #expect(accountsForEveryone(r, n: n))
        let best = bruteForceMatching(n: n, edges: edges, maximumCardinality: true)
        #expect(r.matching.pairs.count == best.cardinality)
        // The best floor: the highest weight t such that edges ≥ t still give `best.cardinality`.
        let floors = Set(edges.map(\.weight)).sorted().filter {
            t in bruteForceMatching(n: n, edges: edges.filter { $0.weight >= t }, maximumCardinality: true).cardinality == best.cardinality
        }
        if let floor = floors.last, best.cardinality > 0 {
            let lowest = r.matching.pairs.map { p in edges.filter { Pair($0.u, $0.v) == p }.map(\.weight).max()! }.min()!
            #expect(lowest == floor)
            let kept = edges.filter { $0.weight >= floor }
            #expect(r.matching.totalWeight == bruteForceMatching(n: n, edges: kept, maximumCardinality: true).weight)
        }
    }
}

@Test func trioJoinsTheBestPairAndIsolatedStayIsolated() {
    // 0-1 and 2-3 pair up; 4 likes both of 2 and 3 more than 0 and 1; 5 has no edges.
    let edges = [WeightedEdge(0, 1, 9), WeightedEdge(2, 3, 9), WeightedEdge(4, 0, 1), WeightedEdge(4, 1, 1),
                 WeightedEdge(4, 2, 3), WeightedEdge(4, 3, 2)]
    let r = solvePairing(PairingProblem(vertexCount: 6, edges: edges, oddPolicy: .trio))
    #expect(r.trios == [[2, 3, 4]])
    #expect(r.pairs == [Pair(0, 1)])
    #expect(r.isolated == [5])
    #expect(accountsForEveryone(r, n: 6))
    let custom = solvePairing(PairingProblem(vertexCount: 6, edges: edges, oddPolicy: .trio, trioScore: { x, a, _ in a == 0 ? 100 : 1 }))
    #expect(custom.trios == [[0, 1, 4]])
    let refused = solvePairing(PairingProblem(vertexCount: 6, edges: edges, oddPolicy: .trio, trioScore: { _, _, _ in nil }))
    #expect(refused.isolated == [4, 5])
    #expect(accountsForEveryone(refused, n: 6))
}

@Test func randomPairingsAccountForEveryone() {
    var rng = SplitMix64(seed: 13)
    for round in 0..<100 {
        let n = 1 + rng.below(40)
        let edges = randomGraph(&rng, n: n, density: 0.1, weights: (-2)...9)
        for policy in OddPolicy.allCases {
            let r = solvePairing(PairingProblem(vertexCount: n, edges: edges, oddPolicy: policy, fairness: round % 3 == 0))
            #expect(accountsForEveryone(r, n: n))
            #expect(r.trios.allSatisfy { $0.count == 3 && $0 == $0.sorted() })
        }
    }
}

@Test func mentoringMatchesBruteForce() {
    var rng = SplitMix64(seed: 14)
    for _ in 0..<200 {
        let mentors = 1 + rng.below(3), mentees = 1 + rng.below(6)
        let capacity = (0..<mentors).map { _ in rng.below(3) }
        var edges: [WeightedEdge] = []
        for m in 0..<mentors { for j in 0..<mentees where rng.below(3) > 0 { edges.append(WeightedEdge(m, j, rng.below(20) - 4)) } }
        let r = solveMentoring(MentoringProblem(mentorCount: mentors, menteeCount: mentees, capacity: capacity, edges: edges))
        var load = [Int](repeating: 0, count: mentors)
        var total = 0
        for (j, m) in r.mentorOf.enumerated() {
            guard let m else { continue }
            load[m] += 1
            let w = edges.first { $0.u == m && $0.v == j }
            #expect(w != nil)
            total += w?.weight ?? 0
        }
        #expect(zip(load, capacity).allSatisfy { $0 <= $1 })
        #expect(total == r.totalWeight)
        // Enumerate every assignment (mentee → mentor or nobody).
        var best = (count: 0, weight: 0)
        func search(_ j: Int, _ count: Int, _ weight: Int, _ load: inout [Int]) {
            if j == mentees { if (count, weight) > best { best = (count, weight) }; return }
            search(j + 1, count, weight, &load)
            for e in edges where e.v == j && load[e.u] < capacity[e.u] {
                load[e.u] += 1
                search(j + 1, count + 1, weight + e.weight, &load)
                load[e.u] -= 1
            }
        }
        var empty = [Int](repeating: 0, count: mentors)
        search(0, 0, 0, &empty)
        #expect(r.mentorOf.compactMap { $0 }.count == best.count)
        #expect(r.totalWeight == best.weight)
    }
}

/// Larger than brute force allows, often oversubscribed so that later mentees displace earlier
/// ones: the flow must agree with the blossom matching on a graph with one vertex per mentor
/// slot (most pairs first, then the highest total, in both).
@Test func mentoringAgreesWithMatchingOnMentorSlots() {
    var rng = SplitMix64(seed: 15)
    for round in 0..<150 {
        let mentors = 2 + rng.below(9), mentees = 5 + rng.below(56)
        let capacity = (0..<mentors).map { _ in rng.below(5) }
        var edges: [WeightedEdge] = []
        for m in 0..<mentors { for j in 0..<mentees where rng.below(10) < 3 { edges.append(WeightedEdge(m, j, rng.below(25) - 4)) } }
        let r = solveMentoring(MentoringProblem(mentorCount: mentors, menteeCount: mentees, capacity: capacity, edges: edges))
        var load = [Int](repeating: 0, count: mentors)
        for m in r.mentorOf.compactMap({ $0 }) { load[m] += 1 }
        #expect(zip(load, capacity).allSatisfy { $0 <= $1 }, "round \(round)")
        // Vertices: mentees, then each mentor's slots.
        var slotStart = [Int](repeating: mentees, count: mentors + 1)
        for m in 0..<mentors { slotStart[m + 1] = slotStart[m] + capacity[m] }
        var slotEdges: [WeightedEdge] = []
        for e in edges { for slot in slotStart[e.u]..<slotStart[e.u + 1] { slotEdges.append(WeightedEdge(e.v, slot, e.weight)) } }
        let reference = maximumWeightMatching(vertexCount: slotStart[mentors], edges: slotEdges)
        #expect(r.mentorOf.compactMap { $0 }.count == reference.pairs.count, "round \(round)")
        #expect(r.totalWeight == reference.totalWeight, "round \(round)")
    }
}

@Test func groupingRespectsSizesRulesAndObjective() {
    for (n, minSize, maxSize) in [(0, 3, 4), (2, 3, 4), (5, 3, 4), (10, 3, 4), (97, 3, 4), (500, 2, 5), (301, 4, 4)] {
        let score: @Sendable (Int, Int) -> Int? = { x, y in
            let h = (min(x, y) &* 7919 &+ max(x, y) &* 104_729) % 101
            return h < 4 ? nil : h
        }
        let problem = GroupingProblem(vertexCount: n, minSize: minSize, maxSize: maxSize, moveBudget: 20_000, score: score)
        let r = solveGrouping(problem)
        #expect((r.groups.flatMap { $0 } + r.unplaced).sorted() == Array(0..<n))
        for g in r.groups {
            #expect(g == g.sorted())
            #expect(n < minSize || (minSize...maxSize).contains(g.count), "n=\(n) group \(g)")
            for i in g.indices { for j in g.indices where j > i { #expect(score(g[i], g[j]) != nil) } }
        }
        let objective = r.groups.reduce(0) { sum, g in
            var s = sum
            for i in g.indices { for j in g.indices where j > i { s += score(g[i], g[j])! } }
            return s
        }
        #expect(objective == r.objective)
        #expect(solveGrouping(problem) == r)
    }
}

@Test func localSearchImprovesOnTheSeed() {
    let score: @Sendable (Int, Int) -> Int? = { x, y in (x % 10 == y % 10) ? 100 : 1 }
    let none = solveGrouping(GroupingProblem(vertexCount: 200, minSize: 4, maxSize: 4, moveBudget: 0, score: score))
    let some = solveGrouping(GroupingProblem(vertexCount: 200, minSize: 4, maxSize: 4, moveBudget: 50_000, score: score))
    #expect(some.objective > none.objective)
}

@Test func podsHoldEveryUnitOnce() {
    for (units, size) in [(0, 2), (1, 3), (2, 3), (7, 3), (10, 2), (101, 3)] {
        let pods = solvePods(unitCount: units, podSize: size, moveBudget: 5_000) { x, y in (x * 31 + y * 17) % 13 }
        #expect(pods.flatMap { $0 }.sorted() == Array(0..<units))
        if units >= size { #expect(pods.allSatisfy { $0.count >= size && $0.count < 2 * size }) }
        #expect(pods == solvePods(unitCount: units, podSize: size, moveBudget: 5_000) { x, y in (x * 31 + y * 17) % 13 })
    }
}

/// The certificate `solvePairing` hands out (the one `tandem match --json` prints) proves its
/// final solve optimal once the solver's graph is rebuilt from the certificate alone: the
/// candidate edges above the fairness floor, plus the sit-out vertex and its edges.
@Test func pairingCertificateProvesTheSolversGraph() throws {
    var rng = SplitMix64(seed: 21)
    var sitOuts = 0, floors = 0
    for trial in 0..<60 {
        let n = 5 + rng.below(24)
        var edges: [WeightedEdge] = []
        for u in 0..<n { for v in (u + 1)..<n where rng.below(100) < 35 { edges.append(WeightedEdge(u, v, rng.below(30) - 4)) } }
        let problem = PairingProblem(vertexCount: n, edges: edges, oddPolicy: trial % 2 == 0 ? .sitOut : .trio,
                                     fairness: trial % 3 == 0)
        let result = solvePairing(problem)
        let c = try #require(result.certificate)
        var graph = simpleEdges(vertexCount: n, edges).filter { e in c.floor.map { e.weight >= $0 } ?? true }
        var mate = result.matching.mate
        var count = n
        if let weight = c.sitOutWeight {
            sitOuts += 1
            count += 1
            for j in c.sitOutJoined { graph.append(WeightedEdge(j, n, weight)) }
            mate.append(c.sitOutMate)
            if let m = c.sitOutMate { mate[m] = n }
        }
        if c.floor != nil { floors += 1 }
        var certificate = MatchingCertificate(vertexDual: c.duals.vertexDual, blossomParent: c.duals.blossomParent,
                                              blossomDual: c.duals.blossomDual, vertexParent: c.duals.vertexBlossom,
                                              barrier: c.duals.barrier)
        #expect(certificate.proves(vertexCount: count, edges: graph, mate: mate, maximumCardinality: true), "trial \(trial)")
        // A lowered dual of a matched vertex breaks it.
        if let v = mate.indices.first(where: { mate[$0] != nil }) {
            certificate.vertexDual[v] -= 2
            #expect(!certificate.proves(vertexCount: count, edges: graph, mate: mate, maximumCardinality: true), "trial \(trial)")
        }
    }
    #expect(sitOuts > 0 && floors > 0, "the sit-out vertex and the fairness floor were both exercised")
}
