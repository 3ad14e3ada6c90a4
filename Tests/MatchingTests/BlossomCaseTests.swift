import Testing
@testable import Matching

/// Small graphs from the matching literature that force each blossom operation: forming
/// S-blossoms inside T-blossoms, relabelling nested blossoms, expanding a T-blossom with a
/// least-slack edge inside it, and the "nasty" case that augments through an expanded
/// blossom. Vertices are 1-based as in the sources; vertex 0 is isolated. `-1` = unmatched.
struct BlossomCase: Sendable, CustomTestStringConvertible {
    let name: String
    let edges: [(Int, Int, Int)]
    let maximumCardinality: Bool
    let mate: [Int]
    var testDescription: String { name }
}

let blossomCases: [BlossomCase] = [
    BlossomCase(name: "single edge", edges: [(0, 1, 1)], maximumCardinality: false, mate: [1, 0]),
    BlossomCase(name: "path of two", edges: [(1, 2, 10), (2, 3, 11)], maximumCardinality: false, mate: [-1, -1, 3, 2]),
    BlossomCase(name: "path of three", edges: [(1, 2, 5), (2, 3, 11), (3, 4, 5)], maximumCardinality: false, mate: [-1, -1, 3, 2, -1]),
    BlossomCase(name: "path of three, max cardinality", edges: [(1, 2, 5), (2, 3, 11), (3, 4, 5)], maximumCardinality: true, mate: [-1, 2, 1, 4, 3]),
    BlossomCase(name: "negative weights", edges: [(1, 2, 2), (1, 3, -2), (2, 3, 1), (2, 4, -1), (3, 4, -6)], maximumCardinality: false, mate: [-1, 2, 1, -1, -1]),
    BlossomCase(name: "negative weights, max cardinality", edges: [(1, 2, 2), (1, 3, -2), (2, 3, 1), (2, 4, -1), (3, 4, -6)], maximumCardinality: true, mate: [-1, 3, 4, 1, 2]),
    BlossomCase(name: "S-blossom", edges: [(1, 2, 8), (1, 3, 9), (2, 3, 10), (3, 4, 7)], maximumCardinality: false, mate: [-1, 2, 1, 4, 3]),
    BlossomCase(name: "S-blossom augmented", edges: [(1, 2, 8), (1, 3, 9), (2, 3, 10), (3, 4, 7), (1, 6, 5), (4, 5, 6)], maximumCardinality: false, mate: [-1, 6, 3, 2, 5, 4, 1]),
    BlossomCase(name: "T-blossom 1", edges: [(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 4), (1, 6, 3)], maximumCardinality: false, mate: [-1, 6, 3, 2, 5, 4, 1]),
    BlossomCase(name: "T-blossom 2", edges: [(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 3), (1, 6, 4)], maximumCardinality: false, mate: [-1, 6, 3, 2, 5, 4, 1]),
    BlossomCase(name: "T-blossom 3", edges: [(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 3), (3, 6, 4)], maximumCardinality: false, mate: [-1, 2, 1, 6, 5, 4, 3]),
    BlossomCase(name: "nested S-blossom", edges: [(1, 2, 9), (1, 3, 9), (2, 3, 10), (2, 4, 8), (3, 5, 8), (4, 5, 10), (5, 6, 6)], maximumCardinality: false, mate: [-1, 3, 4, 1, 2, 6, 5]),
    BlossomCase(name: "relabel nested S-blossom", edges: [(1, 2, 10), (1, 7, 10), (2, 3, 12), (3, 4, 20), (3, 5, 20), (4, 5, 25), (5, 6, 10), (6, 7, 10), (7, 8, 8)], maximumCardinality: false, mate: [-1, 2, 1, 4, 3, 6, 5, 8, 7]),
    BlossomCase(name: "expand nested S-blossom", edges: [(1, 2, 8), (1, 3, 8), (2, 3, 10), (2, 4, 12), (3, 5, 12), (4, 5, 14), (4, 6, 12), (5, 7, 12), (6, 7, 14), (7, 8, 12)], maximumCardinality: false, mate: [-1, 2, 1, 5, 6, 3, 4, 8, 7]),
    BlossomCase(name: "S-blossom relabelled T and expanded", edges: [(1, 2, 23), (1, 5, 22), (1, 6, 15), (2, 3, 25), (3, 4, 22), (4, 5, 25), (4, 8, 14), (5, 7, 13)], maximumCardinality: false, mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4]),
    BlossomCase(name: "nested S-blossom relabelled T and expanded", edges: [(1, 2, 19), (1, 3, 20), (1, 8, 8), (2, 3, 25), (2, 4, 18), (3, 5, 18), (4, 5, 13), (4, 7, 7), (5, 6, 7)], maximumCardinality: false, mate: [-1, 8, 3, 2, 7, 6, 5, 4, 1]),
    BlossomCase(name: "nasty T-blossom expansion", edges: [(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 35), (5, 7, 26), (9, 10, 5)], maximumCardinality: false, mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9]),
    BlossomCase(name: "nasty T-blossom expansion 2", edges: [(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 26), (5, 7, 40), (9, 10, 5)], maximumCardinality: false, mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9]),
    BlossomCase(name: "T-blossom expansion with least-slack edge inside", edges: [(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 28), (5, 7, 26), (9, 10, 5)], maximumCardinality: false, mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9]),
    BlossomCase(name: "nested nasty T-blossom expansion", edges: [(1, 2, 45), (1, 7, 45), (2, 3, 50), (3, 4, 45), (4, 5, 95), (4, 6, 94), (5, 6, 94), (6, 7, 50), (1, 8, 30), (3, 11, 35), (5, 9, 36), (7, 10, 26), (11, 12, 5)], maximumCardinality: false, mate: [-1, 8, 3, 2, 6, 9, 4, 10, 1, 5, 7, 12, 11]),
    BlossomCase(name: "relabel and expand nested blossom", edges: [(1, 2, 40), (1, 3, 40), (2, 3, 60), (2, 4, 55), (3, 5, 55), (4, 5, 50), (1, 8, 15), (5, 7, 30), (7, 6, 10), (8, 10, 10), (4, 9, 30)], maximumCardinality: false, mate: [-1, 2, 1, 5, 9, 3, 7, 6, 10, 4, 8]),
]

@Test(arguments: blossomCases)
func classicBlossomCase(_ c: BlossomCase) {
    let edges = c.edges.map { WeightedEdge($0.0, $0.1, $0.2) }
    let n = c.mate.count
    let m = maximumWeightMatching(vertexCount: n, edges: edges, maximumCardinality: c.maximumCardinality)
    #expect(m.mate.map { $0 ?? -1 } == c.mate)
    #expect(verifyOptimality(vertexCount: n, edges: edges, matching: m, maximumCardinality: c.maximumCardinality))
    let best = bruteForceMatching(n: n, edges: edges, maximumCardinality: c.maximumCardinality)
    #expect(m.totalWeight == best.weight)
}
