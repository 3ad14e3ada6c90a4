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
        let matcher = BlossomMatcher(vertexCount: n, edges: graph, maximumCardinality: maximumCardinality)
        matcher.run()
        #expect(matcher.certificate().proves(vertexCount: n, edges: graph, mate: m.mate, maximumCardinality: maximumCardinality),
                "round \(round)")
    }
}
