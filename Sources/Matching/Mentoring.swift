// Mentor → mentee assignment as a min-cost transportation problem, solved by successive
// shortest paths with node potentials (Ahuja, Magnanti & Orlin, "Network Flows", §9.7).
// Each mentee sends one unit to a sink, either through a mentor (cost −score, mentor arcs to
// the sink carry the capacity) or through a "not assigned" arc whose cost exceeds all scores
// together, so the optimum first assigns as many mentees as possible, then maximises the
// score. Mentees are routed one at a time by a Dijkstra search that stops as soon as it
// reaches the sink, as in the Jonker–Volgenant assignment algorithm; a later mentee can
// displace an earlier one when that is better overall. Hand-written: the module is pure
// Swift without dependencies, and no maintained Swift package offers min-cost flow.

/// Assigns mentees to mentors within capacity: the most mentees possible, then the highest
/// total score. Duplicate (mentor, mentee) edges keep the highest score; edges naming
/// out-of-range indices are ignored. Deterministic.
public func solveMentoring(_ problem: MentoringProblem) -> MentoringResult {
    let mentors = problem.mentorCount, mentees = problem.menteeCount
    guard mentees > 0 else { return MentoringResult(mentorOf: [], totalWeight: 0) }
    // One edge per (mentee, mentor), the heaviest, in that order.
    var candidates = problem.edges.filter { $0.u >= 0 && $0.u < mentors && $0.v >= 0 && $0.v < mentees }
    candidates.sort { ($0.v, $0.u, $1.weight) < ($1.v, $1.u, $0.weight) }
    var best: [WeightedEdge] = []
    best.reserveCapacity(candidates.count)
    for e in candidates where best.last.map({ $0.u != e.u || $0.v != e.v }) ?? true { best.append(e) }
    // Nodes: mentees, then mentors, then the sink.
    let sink = mentees + mentors
    let unassignedCost = best.reduce(1) { $0 + abs($1.weight) }
    var network = FlowNetwork(nodeCount: sink + 1)
    var assignmentArcs: [(arc: Int, mentee: Int, mentor: Int, weight: Int)] = []
    assignmentArcs.reserveCapacity(best.count)
    for e in best {
        assignmentArcs.append((network.addArc(e.v, mentees + e.u, capacity: 1, cost: -e.weight), e.v, e.u, e.weight))
    }
    for m in 0..<mentors {
        let room = m < problem.capacity.count ? max(0, problem.capacity[m]) : 0
        network.addArc(mentees + m, sink, capacity: room, cost: 0)
    }
    for j in 0..<mentees { network.addArc(j, sink, capacity: 1, cost: unassignedCost) }
    network.routeOneUnitEach(from: Array(0..<mentees), to: sink)

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
    private var tail: [Int] = []
    private var residual: [Int] = []
    private var cost: [Int] = []
    private var capacity: [Int] = []

    init(nodeCount: Int) { self.nodeCount = nodeCount }

    /// Adds an arc and returns its index.
    @discardableResult
    mutating func addArc(_ from: Int, _ to: Int, capacity c: Int, cost w: Int) -> Int {
        let index = head.count
        tail.append(from); tail.append(to)
        head.append(to); head.append(from)
        residual.append(c); residual.append(0)
        cost.append(w); cost.append(-w)
        capacity.append(c); capacity.append(0)
        return index
    }

    func flow(_ arc: Int) -> Int { capacity[arc] - residual[arc] }

    /// Sends one unit from each source in turn along a cheapest residual path to `sink`.
    /// The network must be acyclic with every arc pointing from `sources` towards `sink`
    /// through at most one intermediate layer, and each source must reach the sink.
    ///
    /// Arcs are scanned in CSR order (by tail, then index), skipping those without room. A
    /// bitset over the CSR positions marks the arcs with room, so a node whose arcs are
    /// mostly full (a mentor's reverse arcs: one per possible mentee, open only for its
    /// assigned ones) is scanned in time proportional to its open arcs, not its degree.
    ///
    /// A node is not queued at a distance the sink already has: it could only be settled
    /// at or after the sink's distance, where it changes neither the path (parents change on
    /// strict improvement only) nor any potential (`distance - reach` is then zero). Most
    /// late searches find a way to the sink early, so this keeps their queue small.
    mutating func routeOneUnitEach(from sources: [Int], to sink: Int) {
        var start = [Int](repeating: 0, count: nodeCount + 1)
        for t in tail { start[t + 1] += 1 }
        for i in 0..<nodeCount { start[i + 1] += start[i] }
        var fill = start
        var arcsOut = [Int](repeating: 0, count: head.count)
        var position = [Int](repeating: 0, count: head.count)
        for (a, t) in tail.enumerated() { arcsOut[fill[t]] = a; position[a] = fill[t]; fill[t] += 1 }
        // Head and cost of the arc at each CSR position, read sequentially by the scan.
        let arcAt = arcsOut.map { OpenArc(head: head[$0], cost: cost[$0]) }
        var open = [UInt64](repeating: 0, count: (head.count + 63) / 64 + 1)
        for i in 0..<head.count where residual[arcsOut[i]] > 0 { open[i >> 6] |= 1 << UInt64(i & 63) }

        // Potentials making every residual arc's reduced cost non-negative. Only forward
        // arcs have room yet and the network is layered (sources, middle, sink): relaxing
        // the arcs into the middle layer, then those into the sink, settles them.
        let unreached = Int.max
        var node = [SearchNode](repeating: SearchNode(potential: 0, distance: unreached, parentArc: -1, done: false), count: nodeCount)
        for intoSink in [false, true] {
            for a in stride(from: 0, to: head.count, by: 2) where residual[a] > 0 && (head[a] == sink) == intoSink {
                node[head[a]].potential = min(node[head[a]].potential, node[tail[a]].potential + cost[a])
            }
        }

        var touched: [Int] = []
        var heap = EventHeap()
        for s in sources {
            // The sink's tentative distance: nothing at or beyond it needs queueing.
            var bound = unreached
            node[s].distance = 0
            touched.append(s)
            heap.push(HeapEntry(time: 0, code: s))
            // The sink is never queued: it is settled at `bound` once nothing nearer is left.
            while let top = heap.pop(), top.time < bound {
                let u = top.code
                guard !node[u].done, top.time == node[u].distance else { continue }
                node[u].done = true
                // The open arcs of u in CSR order: set bits of `open` in start[u]..<start[u + 1].
                var i = start[u]
                let end = start[u + 1]
                let base = top.time &+ node[u].potential
                while i < end {
                    let word = open[i >> 6] >> UInt64(i & 63)
                    if word == 0 { i = (i | 63) + 1; continue }
                    i += word.trailingZeroBitCount
                    guard i < end else { break }
                    let arc = arcAt[i]
                    let v = arc.head
                    let d = base &+ arc.cost &- node[v].potential
                    if d < node[v].distance && d < bound {
                        if node[v].distance == unreached { touched.append(v) }
                        node[v].distance = d
                        node[v].parentArc = arcsOut[i]
                        if v == sink { bound = d } else { heap.push(HeapEntry(time: d, code: v)) }
                    }
                    i += 1
                }
            }
            heap.removeAll()
            let reach = node[sink].distance
            precondition(reach != unreached, "every source has a path to the sink")
            var v = sink
            while v != s {
                let a = node[v].parentArc
                residual[a] -= 1
                residual[a ^ 1] += 1
                for b in [a, a ^ 1] {
                    let bit = UInt64(1) << UInt64(position[b] & 63)
                    if residual[b] > 0 { open[position[b] >> 6] |= bit } else { open[position[b] >> 6] &= ~bit }
                }
                v = tail[a]
            }
            for v in touched {
                if node[v].done && node[v].distance < reach { node[v].potential += node[v].distance - reach }
                node[v].distance = unreached
                node[v].done = false
                node[v].parentArc = -1
            }
            touched.removeAll(keepingCapacity: true)
        }
    }
}

/// An arc with room, as the scan reads it.
struct OpenArc {
    var head: Int
    var cost: Int
}

/// A node's potential and its state in the current search, side by side: the scan reads the
/// potential and distance of every head it meets.
struct SearchNode {
    var potential: Int
    var distance: Int
    var parentArc: Int
    var done: Bool
}
