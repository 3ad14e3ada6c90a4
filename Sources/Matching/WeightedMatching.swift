/// Maximum-weight matching on a general graph (exact; Edmonds' blossom algorithm).
///
/// With `maximumCardinality`, the heaviest among the matchings with the most pairs;
/// otherwise simply the heaviest matching (edges of weight ≤ 0 are then never useful).
/// Self-loops and edges naming vertices outside `0..<vertexCount` are ignored; of duplicate
/// edges the heaviest counts. The result depends only on the input.
public func maximumWeightMatching(vertexCount: Int, edges: [WeightedEdge], maximumCardinality: Bool = true) -> PairMatching {
    let graph = simpleEdges(vertexCount: vertexCount, edges)
    var matcher = BlossomMatcher(vertexCount: vertexCount, edges: graph, maximumCardinality: maximumCardinality)
    matcher.run()
    let result = matcher.result
    #if DEBUG
    if graph.count <= 50_000 {
        assert(matcher.certificate().proves(
            vertexCount: vertexCount, edges: graph, mate: result.mate, maximumCardinality: maximumCardinality),
            "matching failed its optimality certificate")
    }
    #endif
    return result
}

/// `maximumWeightMatching` with maximum cardinality, and the dual solution that proves the
/// result optimal (see `MatchingDuals`).
public func certifiedMaximumWeightMatching(vertexCount: Int, edges: [WeightedEdge]) -> (PairMatching, MatchingDuals) {
    let graph = simpleEdges(vertexCount: vertexCount, edges)
    var matcher = BlossomMatcher(vertexCount: vertexCount, edges: graph, maximumCardinality: true)
    matcher.run()
    let result = matcher.result
    let certificate = matcher.certificate()
    #if DEBUG
    if graph.count <= 50_000 {
        assert(certificate.proves(vertexCount: vertexCount, edges: graph, mate: result.mate, maximumCardinality: true),
               "matching failed its optimality certificate")
    }
    #endif
    return (result, MatchingDuals(vertexDual: certificate.vertexDual, blossomParent: certificate.blossomParent,
                                  blossomDual: certificate.blossomDual, vertexBlossom: certificate.vertexParent,
                                  barrier: certificate.barrier ?? []))
}

/// True when `matching` is a valid matching of the graph and as good as possible: the
/// heaviest matching, or with `maximumCardinality` the heaviest among those with the most
/// pairs. The proof is a dual solution checked from scratch (weighted LP duality plus a
/// Tutte–Berge barrier), so this also audits matchings from other solvers.
public func verifyOptimality(
    vertexCount: Int, edges: [WeightedEdge], matching: PairMatching, maximumCardinality: Bool = true
) -> Bool {
    guard matching.mate.count == vertexCount else { return false }
    let graph = simpleEdges(vertexCount: vertexCount, edges)
    var matcher = BlossomMatcher(vertexCount: vertexCount, edges: graph, maximumCardinality: maximumCardinality)
    matcher.run()
    let claimed = pairMatching(mate: matching.mate, edges: graph)
    return claimed == matching && matcher.certificate().proves(
        vertexCount: vertexCount, edges: graph, mate: matching.mate, maximumCardinality: maximumCardinality)
}

/// Edges with `u < v`, in range, no self-loops, one per pair (the heaviest), sorted by
/// `(u, v)` so that ties are met in index order.
func simpleEdges(vertexCount n: Int, _ edges: [WeightedEdge]) -> [WeightedEdge] {
    var normalised = edges.compactMap { e -> WeightedEdge? in
        guard e.u != e.v, e.u >= 0, e.v >= 0, e.u < n, e.v < n else { return nil }
        return WeightedEdge(min(e.u, e.v), max(e.u, e.v), e.weight)
    }
    normalised.sort { ($0.u, $0.v, $1.weight) < ($1.u, $1.v, $0.weight) }
    var result: [WeightedEdge] = []
    result.reserveCapacity(normalised.count)
    for e in normalised where result.last.map({ $0.u != e.u || $0.v != e.v }) ?? true {
        result.append(e)
    }
    return result
}

/// Pairs and total weight of `mate` over simple edges; `mate` must be a valid matching of them.
func pairMatching(mate: [Int?], edges: [WeightedEdge]) -> PairMatching {
    var weightOf: [Pair: Int] = [:]
    weightOf.reserveCapacity(edges.count)
    for e in edges { weightOf[Pair(e.u, e.v)] = e.weight }
    var pairs: [Pair] = []
    var total = 0
    for (v, m) in mate.enumerated() {
        if let m, v < m {
            pairs.append(Pair(v, m))
            total += weightOf[Pair(v, m)] ?? 0
        }
    }
    return PairMatching(mate: mate, pairs: pairs, totalWeight: total)
}
