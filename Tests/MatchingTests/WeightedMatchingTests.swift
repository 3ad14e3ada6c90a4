import Testing
@testable import Matching

@Test func emptyGraphHasNoPairs() {
    #expect(maximumWeightMatching(vertexCount: 0, edges: []).pairs.isEmpty)
    #expect(maximumWeightMatching(vertexCount: 3, edges: []).pairs.isEmpty)
}

@Test(arguments: [true, false])
func randomSmallGraphsMatchBruteForce(maximumCardinality: Bool) {
    var rng = SplitMix64(seed: maximumCardinality ? 1 : 2)
    for round in 0..<400 {
        let n = 1 + rng.below(10)
        let density = [0.2, 0.4, 0.7, 1.0][round % 4]
        let weights = [(-5)...20, 0...3, 1...1_000_000, (-100)...(-1), 5...5][round % 5]
        let edges = randomGraph(&rng, n: n, density: density, weights: weights)
        let m = maximumWeightMatching(vertexCount: n, edges: edges, maximumCardinality: maximumCardinality)
        let best = bruteForceMatching(n: n, edges: edges, maximumCardinality: maximumCardinality)
        #expect(isValidMatching(m, n: n, edges: edges))
        #expect(m.totalWeight == best.weight, "round \(round): n=\(n) \(edges)")
        if maximumCardinality { #expect(m.pairs.count == best.cardinality, "round \(round)") }
        #expect(verifyOptimality(vertexCount: n, edges: edges, matching: m, maximumCardinality: maximumCardinality))
    }
}

@Test(arguments: [true, false])
func randomMediumGraphsCarryACertificate(maximumCardinality: Bool) {
    var rng = SplitMix64(seed: maximumCardinality ? 3 : 4)
    for round in 0..<300 {
        let n = 10 + rng.below(50)
        let density = [0.05, 0.1, 0.3, 0.8][round % 4]
        let weights = [1...4, (-3)...10, 1...1_000_000, 7...7, 0...1][round % 5]
        let edges = randomGraph(&rng, n: n, density: density, weights: weights)
        let m = maximumWeightMatching(vertexCount: n, edges: edges, maximumCardinality: maximumCardinality)
        #expect(isValidMatching(m, n: n, edges: edges))
        let graph = simpleEdges(vertexCount: n, edges)
        var matcher = BlossomMatcher(vertexCount: n, edges: graph, maximumCardinality: maximumCardinality)
        matcher.run()
        #expect(matcher.certificate().proves(vertexCount: n, edges: graph, mate: m.mate, maximumCardinality: maximumCardinality),
                "round \(round)")
    }
}

@Test func duplicateEdgesKeepTheHeaviestAndSelfLoopsAreIgnored() {
    let edges = [WeightedEdge(0, 1, 1), WeightedEdge(1, 0, 7), WeightedEdge(2, 2, 100), WeightedEdge(1, 2, 5), WeightedEdge(0, 1, 3)]
    let m = maximumWeightMatching(vertexCount: 4, edges: edges)
    #expect(m.pairs == [Pair(0, 1)])
    #expect(m.totalWeight == 7)
    #expect(m.mate[3] == nil)
}

@Test func maximumCardinalityComesBeforeWeight() {
    // The heavy middle edge alone beats the two outer ones by weight, not by count.
    let edges = [WeightedEdge(0, 1, 1), WeightedEdge(1, 2, 100), WeightedEdge(2, 3, 1)]
    #expect(maximumWeightMatching(vertexCount: 4, edges: edges, maximumCardinality: true).pairs == [Pair(0, 1), Pair(2, 3)])
    #expect(maximumWeightMatching(vertexCount: 4, edges: edges, maximumCardinality: false).pairs == [Pair(1, 2)])
}

@Test func verifierRejectsASuboptimalMatching() {
    let edges = [WeightedEdge(0, 1, 2), WeightedEdge(1, 2, 3), WeightedEdge(2, 3, 2)]
    let greedy = PairMatching(mate: [nil, 2, 1, nil], pairs: [Pair(1, 2)], totalWeight: 3)
    #expect(!verifyOptimality(vertexCount: 4, edges: edges, matching: greedy, maximumCardinality: false))
    #expect(!verifyOptimality(vertexCount: 4, edges: edges, matching: greedy, maximumCardinality: true))
    let best = maximumWeightMatching(vertexCount: 4, edges: edges)
    #expect(best.totalWeight == 4)
    #expect(verifyOptimality(vertexCount: 4, edges: edges, matching: best))
}

@Test func sameInputGivesSameOutput() {
    var rng = SplitMix64(seed: 9)
    let edges = randomGraph(&rng, n: 300, density: 0.05, weights: 1...3)
    #expect(maximumWeightMatching(vertexCount: 300, edges: edges) == maximumWeightMatching(vertexCount: 300, edges: edges))
}

/// All-equal weights create long alternating paths and deep blossom nesting; nothing in the
/// solver may recurse on them.
@Test func allEqualWeightsOnAHundredThousandVerticesDoNotOverflowTheStack() {
    let n = 100_000
    var rng = SplitMix64(seed: 5)
    var edges = (0..<(n - 1)).map { WeightedEdge($0, $0 + 1, 1) }
    for _ in 0..<(n / 2) { edges.append(WeightedEdge(rng.below(n), rng.below(n), 1)) }
    let m = maximumWeightMatching(vertexCount: n, edges: edges)
    #expect(m.pairs.count == n / 2)
    let path = maximumWeightMatching(vertexCount: n + 1, edges: (0..<n).map { WeightedEdge($0, $0 + 1, 1) })
    #expect(path.pairs.count == n / 2)
}

/// Triangulated grids with a few distinct weights grow nested blossoms that are expanded
/// while in a tree, relabelled within it and re-formed: the paths where a blossom's group
/// moves to its largest child and its vertices are not revisited.
@Test(arguments: [true, false])
func nestedBlossomsOnGridsCarryACertificate(maximumCardinality: Bool) {
    for side in stride(from: 12, through: 32, by: 4) {
        var edges: [WeightedEdge] = []
        for r in 0..<side {
            for c in 0..<side {
                let v = r * side + c
                if c + 1 < side { edges.append(WeightedEdge(v, v + 1, (r * 31 + c * 17) % 4 + 1)) }
                if r + 1 < side { edges.append(WeightedEdge(v, v + side, (r * 13 + c * 29) % 4 + 1)) }
                if r + 1 < side && c + 1 < side { edges.append(WeightedEdge(v, v + side + 1, (r * 7 + c * 11) % 4 + 1)) }
            }
        }
        let n = side * side
        let m = maximumWeightMatching(vertexCount: n, edges: edges, maximumCardinality: maximumCardinality)
        #expect(isValidMatching(m, n: n, edges: edges))
        #expect(verifyOptimality(vertexCount: n, edges: edges, matching: m, maximumCardinality: maximumCardinality), "side \(side)")
    }
}
