// Mentor → mentee assignment as min-cost maximum flow: source → mentor (capacity), mentor →
// mentee (capacity 1, cost −score), mentee → sink (capacity 1). Solved with the primal-dual
// method (Ahuja, Magnanti & Orlin, "Network Flows", §9.8): Dijkstra with node potentials
// finds the shortest-path distances, then a blocking flow (Dinic) saturates every
// zero-reduced-cost path at once, so the number of Dijkstra runs is the number of distinct
// path lengths rather than the number of mentees. Hand-written because the module is pure
// Swift with no dependencies, and no maintained Swift package provides min-cost flow.

/// Assigns mentees to mentors within capacity: the most mentees possible, then the highest
/// total score. Duplicate (mentor, mentee) edges keep the highest score; edges naming
/// out-of-range indices are ignored. Deterministic.
public func solveMentoring(_ problem: MentoringProblem) -> MentoringResult {
    let mentors = problem.mentorCount, mentees = problem.menteeCount
    var best: [Pair: Int] = [:]
    for e in problem.edges where e.u >= 0 && e.u < mentors && e.v >= 0 && e.v < mentees {
        let key = Pair(e.u, mentors + e.v)
        best[key] = max(best[key] ?? Int.min, e.weight)
    }
    let source = mentors + mentees, sink = source + 1
    var network = FlowNetwork(nodeCount: sink + 1)
    for m in 0..<mentors {
        let room = m < problem.capacity.count ? problem.capacity[m] : 0
        if room > 0 { network.addArc(source, m, capacity: room, cost: 0) }
    }
    var assignmentArcs: [(arc: Int, mentor: Int, mentee: Int, weight: Int)] = []
    for (key, weight) in best.sorted(by: { $0.key < $1.key }) {
        assignmentArcs.append((network.addArc(key.a, key.b, capacity: 1, cost: -weight), key.a, key.b - mentors, weight))
    }
    for j in 0..<mentees { network.addArc(mentors + j, sink, capacity: 1, cost: 0) }
    network.minCostMaxFlow(source: source, sink: sink)

    var mentorOf = [Int?](repeating: nil, count: mentees)
    var total = 0
    for a in assignmentArcs where network.flow(a.arc) > 0 {
        mentorOf[a.mentee] = a.mentor
        total += a.weight
    }
    return MentoringResult(mentorOf: mentorOf, totalWeight: total)
}

/// A residual network: arc `i` and its reverse `i ^ 1` are stored next to each other.
struct FlowNetwork {
    private let nodeCount: Int
    private var head: [Int] = []
    private var residual: [Int] = []
    private var cost: [Int] = []
    private var originalCapacity: [Int] = []
    private var tails: [Int] = []

    init(nodeCount: Int) { self.nodeCount = nodeCount }

    /// Adds an arc and returns its index.
    @discardableResult
    mutating func addArc(_ from: Int, _ to: Int, capacity: Int, cost c: Int) -> Int {
        let index = head.count
        tails += [from, to]
        head += [to, from]
        residual += [capacity, 0]
        cost += [c, -c]
        originalCapacity += [capacity, 0]
        return index
    }

    func flow(_ arc: Int) -> Int { originalCapacity[arc] - residual[arc] }

    mutating func minCostMaxFlow(source: Int, sink: Int) {
        // CSR adjacency over all arcs (both directions).
        var start = [Int](repeating: 0, count: nodeCount + 1)
        for t in tails { start[t + 1] += 1 }
        for i in 0..<nodeCount { start[i + 1] += start[i] }
        var fill = start
        var arcsOut = [Int](repeating: 0, count: head.count)
        for (a, t) in tails.enumerated() { arcsOut[fill[t]] = a; fill[t] += 1 }

        // Initial potentials from Bellman–Ford over the arcs with capacity (few rounds: the
        // network is layered, so distances settle after its depth).
        let unreachable = Int.max / 4
        var potential = [Int](repeating: unreachable, count: nodeCount)
        potential[source] = 0
        var changed = true
        while changed {
            changed = false
            for a in 0..<head.count where residual[a] > 0 && potential[tails[a]] < unreachable {
                let candidate = potential[tails[a]] + cost[a]
                if candidate < potential[head[a]] { potential[head[a]] = candidate; changed = true }
            }
        }

        var distance = [Int](repeating: 0, count: nodeCount)
        var level = [Int](repeating: 0, count: nodeCount)
        var nextArc = [Int](repeating: 0, count: nodeCount)
        while true {
            // Dijkstra on reduced costs.
            for i in 0..<nodeCount { distance[i] = unreachable }
            distance[source] = 0
            var heap = EventHeap()
            heap.push(HeapEntry(time: 0, code: source))
            while let top = heap.pop() {
                let u = top.code
                guard top.time == distance[u] else { continue }
                for i in start[u]..<start[u + 1] {
                    let a = arcsOut[i]
                    guard residual[a] > 0 else { continue }
                    let v = head[a]
                    let d = top.time + cost[a] + potential[u] - potential[v]
                    if d < distance[v] { distance[v] = d; heap.push(HeapEntry(time: d, code: v)) }
                }
            }
            guard distance[sink] < unreachable else { return }
            for i in 0..<nodeCount where potential[i] < unreachable {
                potential[i] += min(distance[i], distance[sink])
            }

            // Blocking flow on the arcs whose reduced cost is now zero.
            func admissible(_ a: Int) -> Bool {
                residual[a] > 0 && cost[a] + potential[tails[a]] - potential[head[a]] == 0
            }
            while true {
                for i in 0..<nodeCount { level[i] = -1 }
                level[source] = 0
                var bfs = [source]
                var at = 0
                while at < bfs.count {
                    let u = bfs[at]
                    at += 1
                    for i in start[u]..<start[u + 1] where admissible(arcsOut[i]) && level[head[arcsOut[i]]] < 0 {
                        level[head[arcsOut[i]]] = level[u] + 1
                        bfs.append(head[arcsOut[i]])
                    }
                }
                guard level[sink] >= 0 else { break }
                for i in 0..<nodeCount { nextArc[i] = start[i] }
                // Iterative DFS: `path` holds the arcs from the source to the current node.
                var path: [Int] = []
                var u = source
                while true {
                    if u == sink {
                        let pushed = path.map { residual[$0] }.min()!
                        for a in path { residual[a] -= pushed; residual[a ^ 1] += pushed }
                        path.removeAll(keepingCapacity: true)
                        u = source
                        continue
                    }
                    var advanced = false
                    while nextArc[u] < start[u + 1] {
                        let a = arcsOut[nextArc[u]]
                        if admissible(a) && level[head[a]] == level[u] + 1 {
                            path.append(a)
                            u = head[a]
                            advanced = true
                            break
                        }
                        nextArc[u] += 1
                    }
                    if advanced { continue }
                    guard let last = path.popLast() else { break }
                    u = tails[last]
                    nextArc[u] += 1
                }
            }
        }
    }
}
