// Partitioning into groups by local search: a randomised greedy seed, then first-improvement
// hill climbing with moves (one vertex to another group) and swaps (two vertices trade
// groups), the standard neighbourhoods for graph partitioning with size bounds (as in
// Kernighan–Lin style heuristics). Exact optimisation is NP-hard already for groups of three.
// Randomness comes from a fixed-seed SplitMix64, so the same problem always gives the same
// groups. The score is only ever asked about pairs that would share a group, so the cost
// stays linear in the budget however large the roster is.

/// Splits `0..<vertexCount` into groups with sizes in `minSize...maxSize`, never putting a
/// forbidden pair (score nil) together, and raising the sum of within-group pair scores by up
/// to `moveBudget` local-search steps.
///
/// When sizes cannot be met exactly:
/// - fewer vertices than `minSize`: one group of all of them (the only sensible group);
/// - otherwise as many groups as the vertices can fill to `minSize`, capped to
///   `maxSize` each; vertices beyond that capacity go to `unplaced` (for example 5 people in
///   groups of 3–4 make one group of 4 and leave one unplaced).
/// A vertex that is forbidden with every group that has room also goes to `unplaced`, as do
/// the members of a group that ends below `minSize` because of such exclusions.
public func solveGrouping(_ problem: GroupingProblem) -> GroupingResult {
    let n = problem.vertexCount
    guard n > 0 else { return GroupingResult(groups: [], objective: 0, unplaced: []) }
    let lo = max(1, problem.minSize), hi = max(lo, problem.maxSize)
    var groupCount: Int, capacity: Int
    if n < lo {
        groupCount = 1
        capacity = n
    } else {
        groupCount = (n + hi - 1) / hi
        if groupCount * lo > n { groupCount = n / lo }
        capacity = min(n, groupCount * hi)
    }
    var search = PartitionSearch(
        vertexCount: n, sizes: evenSizes(total: capacity, groups: groupCount),
        minSize: min(lo, capacity), maxSize: hi, score: problem.score)
    search.improve(budget: problem.moveBudget)
    search.placeLeftovers()
    search.releaseUndersizedGroups()
    return search.result()
}

/// Groups `unitCount` units (pairs, groups, …) into pods of `podSize`, scoring pods by the
/// sum of `score` over their unit pairs. The remainder is spread over the pods (7 units in
/// pods of 3 give pods of 4 and 3); fewer than `podSize` units form a single pod. Every unit
/// is in exactly one pod; pods are sorted lists, sorted by first unit.
func formPods(unitCount: Int, podSize: Int, moveBudget: Int, score: @escaping @Sendable (Int, Int) -> Int) -> [[Int]] {
    guard unitCount > 0 else { return [] }
    let pods = max(1, unitCount / max(1, podSize))
    let sizes = evenSizes(total: unitCount, groups: pods)
    var search = PartitionSearch(
        vertexCount: unitCount, sizes: sizes, minSize: sizes.min()!, maxSize: sizes.max()!,
        score: { score($0, $1) })
    search.improve(budget: moveBudget)
    return search.result().groups
}

/// `groups` sizes differing by at most one, larger first, summing to `total`.
private func evenSizes(total: Int, groups: Int) -> [Int] {
    (0..<groups).map { total / groups + ($0 < total % groups ? 1 : 0) }
}

private struct PartitionSearch {
    let n: Int
    let minSize: Int
    let maxSize: Int
    let score: (Int, Int) -> Int?
    var members: [[Int]]
    /// Group of each vertex, or -1 when unplaced.
    var groupOf: [Int]
    var rng: SplitMix64

    /// Greedy seed: vertices in a shuffled order each join the best of a few random groups
    /// that still have room and allow them (or the first such group if none of those does).
    init(vertexCount: Int, sizes: [Int], minSize: Int, maxSize: Int, score: @escaping (Int, Int) -> Int?) {
        n = vertexCount
        self.minSize = minSize
        self.maxSize = maxSize
        self.score = score
        members = sizes.map { _ in [] }
        groupOf = Array(repeating: -1, count: vertexCount)
        rng = SplitMix64(seed: 0x7A4D_E15E ^ UInt64(vertexCount))
        var order = Array(0..<vertexCount)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var open = Array(sizes.indices).filter { sizes[$0] > 0 }
        for v in order where !open.isEmpty {
            var best: (gain: Int, slot: Int)?
            for _ in 0..<min(8, open.count) {
                let slot = rng.below(open.count)
                if let gain = gain(v, joining: open[slot]), best == nil || gain > best!.gain { best = (gain, slot) }
            }
            if best == nil, let slot = open.indices.first(where: { gain(v, joining: open[$0]) != nil }) {
                best = (0, slot)
            }
            guard let slot = best?.slot else { continue }
            let g = open[slot]
            members[g].append(v)
            groupOf[v] = g
            if members[g].count == sizes[g] { open.swapAt(slot, open.count - 1); open.removeLast() }
        }
    }

    /// Sum of `v`'s scores with the members of `g` other than `v` and `except`; nil if any
    /// of them is forbidden with `v`.
    func gain(_ v: Int, joining g: Int, except: Int = -1) -> Int? {
        var total = 0
        for m in members[g] where m != v && m != except {
            guard let s = score(v, m) else { return nil }
            total += s
        }
        return total
    }

    mutating func move(_ v: Int, to g: Int) {
        let from = groupOf[v]
        if from >= 0, let i = members[from].firstIndex(of: v) { members[from].remove(at: i) }
        if g >= 0 { members[g].append(v) }
        groupOf[v] = g
    }

    /// First-improvement local search: alternately tries a random swap and a random move and
    /// keeps it only if the objective strictly rises.
    mutating func improve(budget: Int) {
        guard members.count > 1 || groupOf.contains(-1) else { return }
        for step in 0..<budget {
            let v = rng.below(n)
            let gv = groupOf[v]
            guard gv >= 0 else { continue }
            if step % 2 == 0 {
                let u = rng.below(n)
                let gu = groupOf[u]
                guard gu >= 0, gu != gv,
                      let vThere = gain(v, joining: gu, except: u), let uHere = gain(u, joining: gv, except: v),
                      let vHere = gain(v, joining: gv), let uThere = gain(u, joining: gu)
                else { continue }
                if vThere + uHere > vHere + uThere {
                    move(v, to: gu)
                    move(u, to: gv)
                }
            } else {
                let g = rng.below(members.count)
                guard g != gv, members[g].count < maxSize, members[gv].count > minSize,
                      let there = gain(v, joining: g), let here = gain(v, joining: gv)
                else { continue }
                if there > here { move(v, to: g) }
            }
        }
    }

    /// Unplaced vertices join the best group with room that allows them, if any.
    mutating func placeLeftovers() {
        for v in 0..<n where groupOf[v] < 0 {
            var best: (gain: Int, group: Int)?
            for g in members.indices where members[g].count < maxSize {
                if let gain = gain(v, joining: g), best == nil || gain > best!.gain { best = (gain, g) }
            }
            if let best { move(v, to: best.group) }
        }
    }

    /// A group left below the minimum by exclusions cannot stand: its members move to other
    /// groups with room where allowed, the others become unplaced.
    mutating func releaseUndersizedGroups() {
        for g in members.indices where !members[g].isEmpty && members[g].count < minSize {
            for v in members[g] {
                move(v, to: -1)
                let target = members.indices.first {
                    $0 != g && members[$0].count >= minSize && members[$0].count < maxSize && gain(v, joining: $0) != nil
                }
                if let target { move(v, to: target) }
            }
        }
    }

    func result() -> GroupingResult {
        var groups = members.filter { !$0.isEmpty }.map { $0.sorted() }
        groups.sort { $0[0] < $1[0] }
        var objective = 0
        for group in groups {
            for i in group.indices { for j in group.indices where j > i { objective += score(group[i], group[j]) ?? 0 } }
        }
        return GroupingResult(groups: groups, objective: objective, unplaced: (0..<n).filter { groupOf[$0] < 0 })
    }
}
