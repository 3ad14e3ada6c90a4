// Checking a matching against a dual solution, independently of how either was found.
//
// Weighted part (LP duality for Edmonds' matching polytope, doubled to stay integral): with
// blossom duals Z ≥ 0 and every edge's slack y[a] + y[b] + Σ{Z_B : a, b ∈ B} − 2w ≥ 0, any
// matching M' of size k satisfies
//     2·w(M') ≤ Σ y + Σ Z_B·⌊|B|/2⌋ − (n − 2k)·yMin,
// where yMin is 0 (all y ≥ 0 required) without maximum cardinality, and the smallest vertex
// dual with it. A matching reaching the bound is the heaviest of its size.
// Cardinality part (Tutte–Berge): for any vertex set X, no matching has more than
// (n + |X| − odd(G − X)) / 2 edges.

extension MatchingCertificate {
    /// True when `mate` is a valid matching on `edges` (simple, no self-loops) and this
    /// certificate proves it optimal for the given mode.
    func proves(vertexCount n: Int, edges: [WeightedEdge], mate: [Int?], maximumCardinality: Bool) -> Bool {
        guard mate.count == n, vertexDual.count == n, vertexParent.count == n else { return false }
        let blossomCount = blossomDual.count
        guard blossomParent.count == blossomCount, blossomDual.allSatisfy({ $0 >= 0 }) else { return false }

        // Depth of each blossom, and the parent chain as a lookup.
        var depth = [Int](repeating: -1, count: blossomCount)
        for b in 0..<blossomCount where depth[b] < 0 {
            var chain: [Int] = []
            var c = b
            while c >= 0 && depth[c] < 0 {
                chain.append(c)
                c = blossomParent[c]
                if chain.count > blossomCount { return false }
            }
            var d = c >= 0 ? depth[c] : -1
            for x in chain.reversed() { d += 1; depth[x] = d }
        }
        // Σ of Z over a blossom and all its ancestors.
        var inheritedDual = [Int](repeating: 0, count: blossomCount)
        for b in (0..<blossomCount).sorted(by: { depth[$0] < depth[$1] }) {
            inheritedDual[b] = blossomDual[b] + (blossomParent[b] >= 0 ? inheritedDual[blossomParent[b]] : 0)
        }
        func commonDual(_ a: Int, _ b: Int) -> Int {
            var x = vertexParent[a], y = vertexParent[b]
            while x != y {
                if x < 0 || y < 0 { return 0 }
                if depth[x] >= depth[y] { x = blossomParent[x] } else { y = blossomParent[y] }
            }
            return x < 0 ? 0 : inheritedDual[x]
        }

        var weightOf: [Pair: Int] = [:]
        for e in edges {
            weightOf[Pair(e.u, e.v)] = e.weight
            if vertexDual[e.u] + vertexDual[e.v] + commonDual(e.u, e.v) - 2 * e.weight < 0 { return false }
        }

        var matchedWeight = 0
        var matchedCount = 0
        for v in 0..<n {
            guard let m = mate[v] else { continue }
            guard m >= 0, m < n, m != v, mate[m] == v, let w = weightOf[Pair(v, m)] else { return false }
            if v < m { matchedWeight += w; matchedCount += 1 }
        }

        var yMin = 0
        if maximumCardinality {
            yMin = vertexDual.min() ?? 0
        } else if vertexDual.contains(where: { $0 < 0 }) {
            return false
        }
        var size = [Int](repeating: 0, count: blossomCount)
        for v in 0..<n where vertexParent[v] >= 0 { size[vertexParent[v]] += 1 }
        for b in (0..<blossomCount).sorted(by: { depth[$0] > depth[$1] }) where blossomParent[b] >= 0 {
            size[blossomParent[b]] += size[b]
        }
        var bound = vertexDual.reduce(0, +) - (n - 2 * matchedCount) * yMin
        for b in 0..<blossomCount { bound += blossomDual[b] * (size[b] / 2) }
        guard 2 * matchedWeight == bound else { return false }

        guard maximumCardinality else { return true }
        guard let barrier else { return false }
        return matchedCount == tutteBergeBound(vertexCount: n, edges: edges, barrier: barrier)
    }
}

/// Upper bound (n + |X| − odd(G − X)) / 2 on the size of any matching.
func tutteBergeBound(vertexCount n: Int, edges: [WeightedEdge], barrier: [Int]) -> Int {
    var removed = [Bool](repeating: false, count: n)
    for x in barrier { removed[x] = true }
    var parent = Array(0..<n)
    func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var c = x
        while parent[c] != r { let next = parent[c]; parent[c] = r; c = next }
        return r
    }
    for e in edges where !removed[e.u] && !removed[e.v] {
        let a = find(e.u), b = find(e.v)
        if a != b { parent[max(a, b)] = min(a, b) }
    }
    var componentSize = [Int](repeating: 0, count: n)
    for v in 0..<n where !removed[v] { componentSize[find(v)] += 1 }
    let odd = componentSize.filter { $0 % 2 == 1 }.count
    return (n + barrier.count - odd) / 2
}
