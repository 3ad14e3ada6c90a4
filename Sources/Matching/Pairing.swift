// One-on-one pairing on top of the exact matching: fairness threshold, odd-count policy
// (sit-out or trios) and the bookkeeping that guarantees everyone is accounted for.

/// Pairs the vertices of `problem` with the maximum number of pairs, then the largest total
/// score.
///
/// Invariants of the result:
/// - every vertex appears exactly once in `pairs`, `trios`, `sitOut` or `isolated`;
/// - `matching` is the maximum-cardinality matching the pairs and trios were built from, and
///   every pair (and the pair inside each trio) is one of its edges;
/// - `isolated` holds the vertices without any edge, and leftovers no trio could take;
/// - with `.sitOut`, the unmatched vertices with edges are `sitOut`, and they are all
///   eligible whenever some maximum matching leaves only eligible vertices out;
/// - with `fairness`, the lowest pair score is as high as any maximum matching allows, and the
///   total is maximal among the maximum matchings respecting that floor.
public func solvePairing(_ problem: PairingProblem) -> PairingResult {
    let n = problem.vertexCount
    let graph = simpleEdges(vertexCount: n, problem.edges)
    var hasEdge = [Bool](repeating: false, count: n)
    for e in graph { hasEdge[e.u] = true; hasEdge[e.v] = true }

    // For a sit-out, a dummy vertex joined to every eligible vertex lets the solver choose
    // who is left over. Its edges cost more than all real weight together, so it is used
    // only when it adds a pair, never to replace a real one.
    var solverEdges = graph
    var dummy: Int?
    let matchable = hasEdge.filter { $0 }.count
    if problem.oddPolicy == .sitOut && matchable % 2 == 1 {
        let penalty = graph.reduce(1) { $0 + abs($1.weight) }
        let d = n
        for v in 0..<n where hasEdge[v] && problem.sitOutEligible.indices.contains(v) && problem.sitOutEligible[v] {
            solverEdges.append(WeightedEdge(v, d, -penalty))
        }
        if solverEdges.count > graph.count { dummy = d }
    }
    let solverCount = dummy == nil ? n : n + 1

    var (solved, duals) = certifiedMaximumWeightMatching(vertexCount: solverCount, edges: solverEdges)
    var floorUsed: Int?
    if problem.fairness, let floor = fairFloor(vertexCount: solverCount, edges: solverEdges, dummy: dummy, unconstrained: solved) {
        (solved, duals) = certifiedMaximumWeightMatching(vertexCount: solverCount, edges: solverEdges.filter { $0.u == dummy || $0.v == dummy || $0.weight >= floor })
        floorUsed = floor
    }
    let dummyEdges = solverEdges[graph.count...]
    let certificate = PairingCertificate(
        duals: duals, sitOutWeight: dummy == nil ? nil : dummyEdges.first?.weight,
        sitOutJoined: dummy == nil ? [] : dummyEdges.map(\.u), sitOutMate: dummy.flatMap { solved.mate[$0] }, floor: floorUsed)
    if let dummy {
        if let partner = solved.mate[dummy] { solved.mate[partner] = nil }
        solved.mate.removeLast()
        solved = pairMatching(mate: solved.mate, edges: graph)
    }

    let leftovers = (0..<n).filter { hasEdge[$0] && solved.mate[$0] == nil }
    var isolated = (0..<n).filter { !hasEdge[$0] }
    var sitOut: [Int] = []
    var trios: [[Int]] = []
    var pairs = solved.pairs
    switch problem.oddPolicy {
    case .sitOut:
        sitOut = leftovers
    case .trio:
        let formed = formTrios(leftovers: leftovers, pairs: pairs, edges: graph, trioScore: problem.trioScore)
        trios = formed.trios
        pairs = formed.pairs
        isolated = (isolated + formed.unplaced).sorted()
    }
    var result = PairingResult(matching: solved, pairs: pairs, trios: trios, sitOut: sitOut, isolated: isolated)
    result.certificate = certificate
    return result
}

/// The highest floor on real edge weights that still allows a matching as large as
/// `unconstrained` (the heaviest maximum matching), or nil when that matching already
/// reaches it. Binary search over the distinct weights between two bounds: the lowest edge
/// of `unconstrained`, and the (d+1)-th smallest "heaviest incident edge" of the matchable
/// vertices, d being how many of them a maximum matching leaves out (one of those d+1
/// vertices must be matched, through an edge no heavier than its heaviest). Edges to
/// `dummy` are always kept and never count as the lowest.
private func fairFloor(vertexCount n: Int, edges: [WeightedEdge], dummy: Int?, unconstrained: PairMatching) -> Int? {
    func isDummy(_ e: WeightedEdge) -> Bool { e.v == dummy || e.u == dummy }
    var weightOf: [Pair: Int] = [:]
    var heaviest = [Int?](repeating: nil, count: n)
    for e in edges where !isDummy(e) {
        weightOf[Pair(e.u, e.v)] = e.weight
        heaviest[e.u] = max(heaviest[e.u] ?? Int.min, e.weight)
        heaviest[e.v] = max(heaviest[e.v] ?? Int.min, e.weight)
    }
    let realPairs = unconstrained.pairs.filter { $0.a != dummy && $0.b != dummy }
    guard let lower = realPairs.map({ weightOf[$0]! }).min() else { return nil }
    let bounds = heaviest.compactMap { $0 }.sorted()
    let uncovered = bounds.count - 2 * realPairs.count
    let upper = bounds[min(max(uncovered, 0), bounds.count - 1)]
    let candidates = Array(Set(edges.filter { !isDummy($0) && $0.weight > lower && $0.weight <= upper }.map(\.weight))).sorted()
    let target = unconstrained.pairs.count
    func feasible(_ floor: Int) -> Bool {
        maximumWeightMatching(vertexCount: n, edges: edges.filter { isDummy($0) || $0.weight >= floor }).pairs.count == target
    }
    // Invariant: the floor `lower` is feasible; candidates above `hi` are not.
    var lo = -1, hi = candidates.count - 1
    while lo < hi {
        let mid = (lo + hi + 1) / 2
        if feasible(candidates[mid]) { lo = mid } else { hi = mid - 1 }
    }
    return lo >= 0 ? candidates[lo] : nil
}

/// Gives each leftover (in index order) the free pair that scores best with it; a pair takes
/// at most one leftover. Without `trioScore`, a trio needs both edges and scores their sum.
private func formTrios(
    leftovers: [Int], pairs: [Pair], edges: [WeightedEdge],
    trioScore: (@Sendable (Int, Int, Int) -> Int?)?
) -> (pairs: [Pair], trios: [[Int]], unplaced: [Int]) {
    guard !leftovers.isEmpty, !pairs.isEmpty else { return (pairs, [], leftovers) }
    var weightOf: [Pair: Int] = [:]
    var pairIndex: [Pair: Int] = [:]
    for (i, p) in pairs.enumerated() { pairIndex[p] = i }
    var neighbours: [Int: [Int]] = [:]
    let isLeftover = Set(leftovers)
    for e in edges where isLeftover.contains(e.u) || isLeftover.contains(e.v) {
        weightOf[Pair(e.u, e.v)] = e.weight
        neighbours[e.u, default: []].append(e.v)
        neighbours[e.v, default: []].append(e.u)
    }
    var mateOf: [Int: Int] = [:]
    for p in pairs { mateOf[p.a] = p.b; mateOf[p.b] = p.a }

    var taken = [Bool](repeating: false, count: pairs.count)
    var trios: [[Int]] = []
    var unplaced: [Int] = []
    for x in leftovers {
        var best: (score: Int, index: Int)?
        func consider(_ i: Int, _ score: Int?) {
            guard let score, !taken[i] else { return }
            if best == nil || score > best!.score || (score == best!.score && i < best!.index) { best = (score, i) }
        }
        if let trioScore {
            for (i, p) in pairs.enumerated() where !taken[i] { consider(i, trioScore(x, p.a, p.b)) }
        } else {
            for a in neighbours[x] ?? [] {
                guard let b = mateOf[a], let wa = weightOf[Pair(x, a)], let wb = weightOf[Pair(x, b)] else { continue }
                consider(pairIndex[Pair(a, b)]!, wa + wb)
            }
        }
        if let best {
            taken[best.index] = true
            trios.append([x, pairs[best.index].a, pairs[best.index].b].sorted())
        } else {
            unplaced.append(x)
        }
    }
    let remaining = pairs.indices.filter { !taken[$0] }.map { pairs[$0] }
    return (remaining, trios.sorted { $0.lexicographicallyPrecedes($1) }, unplaced)
}
