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

/// Largest matching that covers every vertex of `mustCover`, or -1 if none does.
func bruteForceCover(n: Int, edges: [WeightedEdge], mustCover: [Int]) -> Int {
    var best = -1
    forEachMatching(n: n, edges: edges) { pairs, _ in
        let covered = Set(pairs.flatMap { [$0.a, $0.b] })
        if mustCover.allSatisfy(covered.contains) { best = max(best, pairs.count) }
    }
    return best
}

/// Heaviest matching of exactly `size` pairs covering `mustCover`.
func bruteForceCoverWeight(n: Int, edges: [WeightedEdge], mustCover: [Int], size: Int) -> Int {
    var best = Int.min
    forEachMatching(n: n, edges: edges) { pairs, weight in
        let covered = Set(pairs.flatMap { [$0.a, $0.b] })
        if pairs.count == size && mustCover.allSatisfy(covered.contains) { best = max(best, weight) }
    }
    return best
}

func forEachMatching(n: Int, edges: [WeightedEdge], _ body: ([Pair], Int) -> Void) {
    let graph = simpleEdges(vertexCount: n, edges)
    var used = [Bool](repeating: false, count: n)
    var chosen: [Pair] = []
    func search(_ from: Int, _ weight: Int) {
        body(chosen, weight)
        for k in from..<graph.count where !used[graph[k].u] && !used[graph[k].v] {
            used[graph[k].u] = true; used[graph[k].v] = true
            chosen.append(Pair(graph[k].u, graph[k].v))
            search(k + 1, weight + graph[k].weight)
            chosen.removeLast()
            used[graph[k].u] = false; used[graph[k].v] = false
        }
    }
    search(0, 0)
}
