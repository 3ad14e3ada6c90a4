@testable import Matching

/// Random graph with `n` vertices, each possible edge present with probability `density`,
/// weights in `weights`.
func randomGraph(_ rng: inout SplitMix64, n: Int, density: Double, weights: ClosedRange<Int>) -> [WeightedEdge] {
    var edges: [WeightedEdge] = []
    for u in 0..<n {
        for v in (u + 1)..<max(u + 1, n) where Double(rng.below(1_000_000)) < density * 1_000_000 {
            edges.append(WeightedEdge(u, v, weights.lowerBound + rng.below(weights.count)))
        }
    }
    return edges
}

/// Best (cardinality, weight) over all matchings, by enumeration; with `maximumCardinality`
/// cardinality is compared first, otherwise only weight counts.
func bruteForceMatching(n: Int, edges: [WeightedEdge], maximumCardinality: Bool) -> (cardinality: Int, weight: Int) {
    var weight = [[Int?]](repeating: [Int?](repeating: nil, count: n), count: n)
    for e in edges where e.u != e.v {
        let w = max(weight[e.u][e.v] ?? Int.min, e.weight)
        weight[e.u][e.v] = w
        weight[e.v][e.u] = w
    }
    var used = [Bool](repeating: false, count: n)
    var best = (cardinality: 0, weight: 0)
    func better(_ a: (Int, Int), _ b: (Int, Int)) -> Bool {
        maximumCardinality ? a > b : a.1 > b.1
    }
    func search(_ from: Int, _ cardinality: Int, _ total: Int) {
        if better((cardinality, total), best) { best = (cardinality, total) }
        guard let v = (from..<n).first(where: { !used[$0] }) else { return }
        used[v] = true
        search(v + 1, cardinality, total)
        for u in (v + 1)..<n where !used[u] {
            if let w = weight[v][u] {
                used[u] = true
                search(v + 1, cardinality + 1, total + w)
                used[u] = false
            }
        }
        used[v] = false
    }
    search(0, 0, 0)
    return best
}

/// True when `mate` is symmetric and uses only edges of the graph.
func isValidMatching(_ m: PairMatching, n: Int, edges: [WeightedEdge]) -> Bool {
    let allowed = Set(edges.map { Pair($0.u, $0.v) })
    for v in 0..<n {
        if let u = m.mate[v] {
            if m.mate[u] != v || u == v || !allowed.contains(Pair(u, v)) { return false }
        }
    }
    return m.pairs.count == m.mate.compactMap({ $0 }).count / 2
}
