// Entry points. TEMPORARY greedy bodies so the pipeline compiles while the exact solvers
// are written; the matching work replaces this file.

public func solvePairing(_ problem: PairingProblem) -> PairingResult {
    let m = maximumWeightMatching(vertexCount: problem.vertexCount, edges: problem.edges)
    let left = (0..<problem.vertexCount).filter { m.mate[$0] == nil }
    return PairingResult(matching: m, pairs: m.pairs, trios: [], sitOut: [], isolated: left)
}

public func solveMentoring(_ problem: MentoringProblem) -> MentoringResult {
    var room = problem.capacity
    var mentorOf = [Int?](repeating: nil, count: problem.menteeCount)
    var total = 0
    for e in problem.edges.sorted(by: { $0.weight > $1.weight }) where mentorOf[e.v] == nil && room[e.u] > 0 {
        mentorOf[e.v] = e.u; room[e.u] -= 1; total += e.weight
    }
    return MentoringResult(mentorOf: mentorOf, totalWeight: total)
}

public func solveGrouping(_ problem: GroupingProblem) -> GroupingResult {
    var groups: [[Int]] = []
    var current: [Int] = []
    for v in 0..<problem.vertexCount {
        current.append(v)
        if current.count == problem.maxSize { groups.append(current); current = [] }
    }
    if !current.isEmpty { groups.append(current) }
    return GroupingResult(groups: groups, objective: 0, unplaced: [])
}
