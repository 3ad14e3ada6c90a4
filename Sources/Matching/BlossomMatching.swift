// Maximum-weight matching on a general graph: Edmonds' blossom algorithm with dual variables,
// in the primal-dual form described by Galil ("Efficient algorithms for finding maximum
// matching in graphs", ACM Computing Surveys 18(1), 1986), including the maximum-cardinality
// variant in which vertex duals may become negative.
//
// Hand-written because no maintained Swift package solves weighted matching on general
// (non-bipartite) graphs. Two changes to the textbook O(n³) presentation make it fast on the
// large sparse candidate graphs Tandem builds:
//
// * Alternating trees persist across augmentations. The textbook version throws away every
//   label after each augmentation and regrows all trees; here only the two trees joined by the
//   augmenting path are dissolved. That is valid because every free vertex is always the root
//   of a tree and all trees change their duals by the same amount, so labels elsewhere stay
//   consistent. The first augmentations then behave like a greedy matching on the heaviest
//   edges, and later ones touch only the neighbourhood of the trees involved.
// * The next dual change ("delta") comes from a priority queue of events instead of a scan
//   over all vertices. Duals are stored lazily as (value, time, rate) so that a dual change is
//   O(1): an event is "this edge becomes tight" or "this T-blossom's dual reaches zero" at a
//   known global time. Queue entries are never removed; each is re-validated when popped.
//
// * Work on a big blossom does not touch its vertices unless it must. The state a top-level
//   blossom shares with its vertices (label, tree, the rate of their duals) lives in a "group"
//   that the vertices point to, and a vertex's dual is its own offset plus its group's lazy
//   shift. Relabelling a blossom is then O(1) apart from queueing new S-vertices; forming or
//   expanding one moves the group to its largest child and re-points only the other
//   children's vertices (the smaller-half rule used for union–find by size). The order in
//   which vertices are queued, joined to trees and released is the one the per-vertex
//   version had, so the matching chosen among optimal ones does not change.
//
// All duals are kept doubled (y = 2u, Z = 2z) so that they stay integral: an edge (a, b)
// between different top-level blossoms has slack y[a] + y[b] - 2w.

/// Dual solution proving a matching optimal; see `MatchingCertificate.verify`.
struct MatchingCertificate {
    /// Doubled vertex duals.
    var vertexDual: [Int]
    /// Blossoms with their parent (a blossom index, or -1 for top level), member vertices
    /// implicit through `vertexParent`, and doubled dual.
    var blossomParent: [Int]
    var blossomDual: [Int]
    /// Innermost blossom containing each vertex, or -1.
    var vertexParent: [Int]
    /// For maximum-cardinality runs: a Tutte–Berge barrier (the final T-vertices) proving
    /// that no larger matching exists.
    var barrier: [Int]?
}

/// The blossom algorithm's state for one graph. Vertices are `0..<n`; blossoms reuse
/// numbers in `n..<2n`. Edge endpoints are numbered `2k` (the edge's `u`) and `2k + 1` (its
/// `v`), so `p ^ 1` is the opposite end of the same edge.
struct BlossomMatcher {
    private let n: Int
    private let maximumCardinality: Bool
    private let edgeU: [Int]
    private let edgeV: [Int]
    private let edgeWeight: [Int]
    /// For each vertex, its edges in CSR layout: the neighbour, twice the weight and the
    /// remote endpoint, stored side by side so that a scan reads memory sequentially.
    private let adjacencyStart: [Int]
    private let adjacency: [Neighbour]

    /// Remote endpoint of the matched edge, or -1.
    private var mate: [Int]
    private static let free: Int8 = 0, outer: Int8 = 1, inner: Int8 = 2
    /// Group of each vertex: the handle of its top-level blossom (see `TopState`).
    private var inBlossom: [Int]
    /// Per group: label (S = outer, T = inner). Apart from `tops`: a scan reads the label of
    /// every neighbour, and a byte per group stays in cache.
    private var groupLabel: [Int8]
    /// Per group: tree and lazy dual shift of its vertices.
    private var tops: [TopState]
    /// Per group: endpoint (on the parent's side) of the edge through which the top-level
    /// blossom got its label; -1 for tree roots.
    private var labelEnd: [Int]
    /// Per group: its top-level blossom (a vertex or a blossom number).
    private var groupTop: [Int]
    /// Per top-level blossom: its group.
    private var groupOf: [Int]
    private var unusedGroups: [Int] = []
    /// Each vertex's dual minus its group's shift.
    private var dualOffset: [Int]
    /// Number of vertices in each blossom (1 for a vertex).
    private var leafCount: [Int]
    private var blossomParent: [Int]
    /// Children of blossom `b`: `childPool[childStart[b] ..< childStart[b] + childCount[b]]`,
    /// and `endpointPool` at the same positions: endpoint `i` joins child `i` to child `i + 1`
    /// (cyclically). One flat pool instead of an array per blossom: walking the leaves of a
    /// deeply nested blossom then reads plain integers, with no array retained per level.
    private var childPool: [Int] = []
    private var endpointPool: [Int] = []
    private var childStart: [Int]
    private var childCount: [Int]
    private var blossomBase: [Int]
    private var unusedBlossoms: [Int]

    /// Each tree's members in the order they first joined it (possibly with stale entries,
    /// filtered when the tree is dissolved).
    private var treeMembers: [[Int]]
    /// For a vertex or blossom, a tree whose member list holds all its vertices (or -1).
    /// Lets a blossom that is relabelled within its tree skip its vertices.
    private var listedIn: [Int]
    /// Scratch for `dissolveTrees`: the dissolution that last released each vertex.
    private var releasedIn: [Int]
    private var dissolutions = 0

    /// Global dual-change clock: total dual change so far.
    private var now = 0
    private var blossomDual: [LazyDual]
    private let initialDual: Int

    private var queue: [Int] = []
    private var queueHead = 0
    private var pendingScan: [Bool]
    /// Each vertex has at most one live event: the time its earliest actionable edge (to an
    /// S-vertex, or from an S-vertex to a non-T one) becomes tight, as of its last scan.
    /// Older heap entries for the vertex no longer match this and are skipped.
    private var scheduled: [Int]
    private var events = EventHeap()
    private var leafBuffer: [Int] = []
    private var leafStack: [Int] = []

    /// Expects edges without self-loops or duplicates.
    init(vertexCount: Int, edges: [WeightedEdge], maximumCardinality: Bool) {
        n = vertexCount
        self.maximumCardinality = maximumCardinality
        edgeU = edges.map(\.u)
        edgeV = edges.map(\.v)
        edgeWeight = edges.map(\.weight)
        var degree = [Int](repeating: 0, count: n + 1)
        for e in edges { degree[e.u + 1] += 1; degree[e.v + 1] += 1 }
        for i in 0..<n { degree[i + 1] += degree[i] }
        adjacencyStart = degree
        var fill = degree
        precondition(2 * edges.count <= Int(Int32.max), "too many edges")
        var adjacency = [Neighbour](repeating: Neighbour(vertex: 0, endpoint: 0, doubleWeight: 0), count: 2 * edges.count)
        for (k, e) in edges.enumerated() {
            adjacency[fill[e.u]] = Neighbour(vertex: Int32(e.v), endpoint: Int32(2 * k + 1), doubleWeight: 2 * e.weight)
            fill[e.u] += 1
            adjacency[fill[e.v]] = Neighbour(vertex: Int32(e.u), endpoint: Int32(2 * k), doubleWeight: 2 * e.weight)
            fill[e.v] += 1
        }
        self.adjacency = adjacency

        let maxWeight = edges.map(\.weight).max() ?? 0
        initialDual = maximumCardinality ? maxWeight : max(maxWeight, 0)

        mate = Array(repeating: -1, count: n)
        inBlossom = Array(0..<n)
        groupLabel = Array(repeating: Self.outer, count: n)
        tops = (0..<n).map { TopState(shift: LazyDual(offset: 0, rate: -1), tree: $0) }
        labelEnd = Array(repeating: -1, count: n)
        groupTop = Array(0..<n)
        groupOf = Array(0..<n) + Array(repeating: -1, count: n)
        dualOffset = Array(repeating: initialDual, count: n)
        leafCount = Array(repeating: 1, count: n) + Array(repeating: 0, count: n)
        blossomParent = Array(repeating: -1, count: 2 * n)
        childStart = Array(repeating: 0, count: 2 * n)
        childCount = Array(repeating: 0, count: 2 * n)
        blossomBase = Array(0..<n) + Array(repeating: -1, count: n)
        unusedBlossoms = Array((n..<(2 * n)).reversed())
        treeMembers = (0..<n).map { [$0] }
        listedIn = Array(0..<n) + Array(repeating: -1, count: n)
        releasedIn = Array(repeating: -1, count: n)
        blossomDual = Array(repeating: LazyDual(offset: 0, rate: 0), count: 2 * n)
        pendingScan = Array(repeating: false, count: n)

        scheduled = Array(repeating: Int.max, count: n)
        // Every vertex starts as a singleton S-tree and is scanned once at time 0.
        pendingScan = Array(repeating: true, count: n)
        queue = Array(0..<n)
    }

    // MARK: Duals

    @inline(__always) private func y(_ v: Int) -> Int { dualOffset[v] + tops[inBlossom[v]].shift.value(at: now) }
    @inline(__always) private func z(_ b: Int) -> Int { blossomDual[b].value(at: now) }
    @inline(__always) private func endpoint(_ p: Int) -> Int { p & 1 == 0 ? edgeU[p >> 1] : edgeV[p >> 1] }

    /// The top-level blossom of group `g`.
    @inline(__always) private func top(_ g: Int) -> Int { groupTop[g] }

    /// Sets the dual rate of every vertex in group `g`.
    private mutating func setGroupRate(_ g: Int, _ rate: Int) {
        tops[g].shift.setRate(rate, at: now)
    }

    private mutating func setBlossomRate(_ b: Int, _ rate: Int) {
        guard b >= n else { return }
        blossomDual[b].setRate(rate, at: now)
    }

    /// Vertices of blossom `b`, appended to `out`: depth first, last child first
    /// (iteratively: nesting can be deep). `stack` is scratch.
    private func appendLeaves(of b: Int, to out: inout [Int], stack: inout [Int]) {
        if b < n { out.append(b); return }
        stack.removeAll(keepingCapacity: true)
        stack.append(b)
        while let top = stack.popLast() {
            if top < n {
                out.append(top)
            } else {
                let start = childStart[top]
                for i in start..<(start + childCount[top]) { stack.append(childPool[i]) }
            }
        }
    }

    /// Vertices of blossom `b` in `leafBuffer` (replacing its contents).
    private mutating func collectLeaves(of b: Int) {
        var out = leafBuffer, stack = leafStack
        leafBuffer = []
        leafStack = []
        out.removeAll(keepingCapacity: true)
        appendLeaves(of: b, to: &out, stack: &stack)
        leafBuffer = out
        leafStack = stack
    }

    // MARK: Labels and trees

    /// Gives the top-level blossom of group `g` label `t` in tree `root`, entered through
    /// endpoint `p`. Its vertices are visited only to queue new S-vertices for a scan and to
    /// list vertices new to the tree.
    private mutating func setLabel(_ g: Int, _ t: Int8, entry p: Int, root: Int) {
        let b = top(g)
        groupLabel[g] = t
        tops[g].tree = root
        labelEnd[g] = p
        let rate = t == Self.outer ? -1 : 1
        setBlossomRate(b, -2 * rate)
        setGroupRate(g, rate)
        if t == Self.outer || listedIn[b] != root {
            collectLeaves(of: b)
            for v in leafBuffer {
                if listedIn[v] != root {
                    listedIn[v] = root
                    treeMembers[root].append(v)
                }
                if t == Self.outer && !pendingScan[v] {
                    pendingScan[v] = true
                    queue.append(v)
                }
            }
            listedIn[b] = root
        }
        if t == Self.inner && b >= n {
            assert(z(b) % 2 == 0, "blossom duals stay even")
            events.push(HeapEntry(time: now + z(b) / 2, code: b))
        }
    }

    /// Labels the blossom containing `w` T (reached from the S-vertex at `endpoint(p)`) and
    /// its mate's blossom S.
    private mutating func labelInner(_ w: Int, entry p: Int) {
        let root = tops[inBlossom[endpoint(p)]].tree
        let g = inBlossom[w]
        setLabel(g, Self.inner, entry: p, root: root)
        let base = blossomBase[top(g)]
        let m = mate[base]
        setLabel(inBlossom[endpoint(m)], Self.outer, entry: m ^ 1, root: root)
    }

    // MARK: Main loop

    mutating func run() {
        while true {
            while queueHead < queue.count {
                let v = queue[queueHead]
                queueHead += 1
                if pendingScan[v] {
                    pendingScan[v] = false
                    scan(v)
                }
            }
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            guard let event = events.pop() else { break }
            if !maximumCardinality && event.time >= initialDual { break }
            now = max(now, event.time)
            if event.code < n {
                let v = event.code
                guard scheduled[v] == event.time else { continue }
                scheduled[v] = Int.max
                switch groupLabel[inBlossom[v]] {
                case Self.outer: scan(v)
                case Self.free: reconnect([v])
                default: break
                }
            } else {
                let b = event.code
                if blossomParent[b] == -1 && blossomBase[b] >= 0 && groupLabel[groupOf[b]] == Self.inner && z(b) == 0 {
                    expandInnerBlossom(b)
                }
            }
        }
        if !maximumCardinality { now = max(now, initialDual) }
    }

    private mutating func schedule(_ v: Int, at time: Int) {
        guard time < Int.max, maximumCardinality || time < initialDual else { return }
        scheduled[v] = time
        events.push(HeapEntry(time: time, code: v))
    }

    /// Examines the edges of an S-vertex: acts on tight ones and schedules the vertex for
    /// when the first of the others becomes tight. S–free slack shrinks by one per unit of
    /// time, S–S slack by two; S–T slack stays put.
    private mutating func scan(_ v: Int) {
        var next = Int.max
        var bv = inBlossom[v]
        let yv = y(v)
        let root = tops[bv].tree
        for i in adjacencyStart[v]..<adjacencyStart[v + 1] {
            let edge = adjacency[i]
            let w = Int(edge.vertex)
            let bw = inBlossom[w]
            let labelW = groupLabel[bw]
            if bw == bv || labelW == Self.inner { continue }
            let s = yv + dualOffset[w] + tops[bw].shift.value(at: now) - edge.doubleWeight
            assert(s >= 0, "edges between blossoms never have negative slack")
            if s == 0 {
                tightEdge(from: v, remote: Int(edge.endpoint))
                // After an augmentation `v` may already sit in another tree, with a
                // new dual rate; it has then been queued for a fresh scan.
                bv = inBlossom[v]
                guard groupLabel[bv] == Self.outer, tops[bv].tree == root else { return }
            } else if labelW == Self.free {
                next = min(next, now + s)
            } else {
                assert(s % 2 == 0, "S–S slack must be even")
                next = min(next, now + s / 2)
            }
        }
        if groupLabel[inBlossom[v]] == Self.outer { schedule(v, at: next) }
    }

    /// Handles a tight edge from S-vertex `v` to `endpoint(p)`.
    private mutating func tightEdge(from v: Int, remote p: Int) {
        let w = endpoint(p)
        let bw = inBlossom[w]
        if groupLabel[bw] == Self.free {
            labelInner(w, entry: p ^ 1)
        } else if groupLabel[bw] == Self.outer {
            let rootV = tops[inBlossom[v]].tree, rootW = tops[bw].tree
            if rootV != rootW {
                augment(p >> 1)
                dissolveTrees(rootV, rootW)
            } else {
                addBlossom(base: commonBase(v, w), edge: p >> 1)
            }
        }
    }

    // MARK: Blossoms

    /// Nearest common S-ancestor blossom's base of two S-vertices of the same tree.
    private mutating func commonBase(_ v0: Int, _ w0: Int) -> Int {
        var path: [Int] = []
        var v = v0, w = w0
        var base = -1
        while v != -1 {
            let b = inBlossom[v]
            if groupLabel[b] & 4 != 0 { base = blossomBase[top(b)]; break }
            path.append(b)
            groupLabel[b] = 5
            if labelEnd[b] == -1 {
                v = -1
            } else {
                let t = inBlossom[endpoint(labelEnd[b])]
                v = endpoint(labelEnd[t])
            }
            if w != -1 { swap(&v, &w) }
        }
        for b in path { groupLabel[b] = Self.outer }
        return base
    }

    /// Forms a new S-blossom from the cycle closed by edge `k` through `base`.
    private mutating func addBlossom(base: Int, edge k: Int) {
        var v = edgeU[k], w = edgeV[k]
        let gb = inBlossom[base]
        var gv = inBlossom[v], gw = inBlossom[w]
        let b = unusedBlossoms.removeLast()
        blossomBase[b] = base
        blossomParent[b] = -1
        // The children's groups, then their blossoms.
        var groups: [Int] = []
        var endpoints: [Int] = []
        while gv != gb {
            groups.append(gv)
            endpoints.append(labelEnd[gv])
            v = endpoint(labelEnd[gv])
            gv = inBlossom[v]
        }
        groups.append(gb)
        groups.reverse()
        endpoints.reverse()
        endpoints.append(2 * k)
        while gw != gb {
            groups.append(gw)
            endpoints.append(labelEnd[gw] ^ 1)
            w = endpoint(labelEnd[gw])
            gw = inBlossom[w]
        }
        let children = groups.map { top($0) }
        blossomDual[b] = LazyDual(offset: 0, rate: 0)
        blossomDual[b].setRate(2, at: now)
        var keep = 0
        for (i, c) in children.enumerated() {
            blossomParent[c] = b
            setBlossomRate(c, 0)
            leafCount[b] += leafCount[c]
            if leafCount[c] > leafCount[children[keep]] { keep = i }
        }
        childStart[b] = childPool.count
        childCount[b] = children.count
        childPool += children
        endpointPool += endpoints
        listedIn[b] = tops[gb].tree

        // T-children's vertices become S-vertices, queued in leaf order (last child first).
        for i in children.indices.reversed() where groupLabel[groups[i]] == Self.inner {
            collectLeaves(of: children[i])
            for v in leafBuffer where !pendingScan[v] { pendingScan[v] = true; queue.append(v) }
        }
        // The largest child's group becomes the blossom's; the other vertices move into it,
        // keeping their duals.
        let g = groups[keep]
        let shift = tops[g].shift.value(at: now)
        for i in children.indices where i != keep {
            let h = groups[i]
            let delta = tops[h].shift.value(at: now) - shift
            collectLeaves(of: children[i])
            for v in leafBuffer {
                dualOffset[v] += delta
                inBlossom[v] = g
            }
            groupOf[children[i]] = -1
            unusedGroups.append(h)
        }
        groupOf[children[keep]] = -1
        groupOf[b] = g
        groupTop[g] = b
        labelEnd[g] = labelEnd[gb]
        groupLabel[g] = Self.outer
        setGroupRate(g, -1)
    }

    /// Expands a T-blossom whose dual reached zero, relabelling its children so that the
    /// tree stays an alternating tree (Galil §3, "expand").
    private mutating func expandInnerBlossom(_ b: Int) {
        let children = Array(childPool[childStart[b]..<(childStart[b] + childCount[b])])
        let endpoints = Array(endpointPool[childStart[b]..<(childStart[b] + childCount[b])])
        let g = groupOf[b]
        let root = tops[g].tree
        let entry = labelEnd[g]
        // The largest child keeps the blossom's group; the others get groups of their own
        // with the same state, so that no dual changes.
        var keep = 0
        for (i, s) in children.enumerated() where leafCount[s] > leafCount[children[keep]] { keep = i }
        for (i, s) in children.enumerated() {
            blossomParent[s] = -1
            listedIn[s] = listedIn[b]
            guard i != keep else { continue }
            let h = unusedGroups.removeLast()
            tops[h] = tops[g]
            groupLabel[h] = groupLabel[g]
            labelEnd[h] = -1
            groupTop[h] = s
            groupOf[s] = h
            collectLeaves(of: s)
            for v in leafBuffer { inBlossom[v] = h }
        }
        groupTop[g] = children[keep]
        groupOf[children[keep]] = g
        groupOf[b] = -1
        let entryChild = top(inBlossom[endpoint(entry ^ 1)])
        var j = children.firstIndex(of: entryChild)!
        let count = children.count
        let step: Int, trick: Int
        if j & 1 != 0 { j -= count; step = 1; trick = 0 } else { step = -1; trick = 1 }
        @inline(__always) func child(_ i: Int) -> Int { children[(i % count + count) % count] }
        @inline(__always) func endpointAt(_ i: Int) -> Int { endpoints[(i % count + count) % count] }

        // The even-length path from the entry child to the base alternates T and S.
        var p = entry
        var onPath = Set<Int>()
        while j != 0 {
            onPath.insert(child(j))
            onPath.insert(child(j + step))
            labelInner(endpoint(p ^ 1), entry: p)
            j += step
            p = endpointAt(j - trick) ^ trick
            j += step
        }
        let baseChild = child(j)
        onPath.insert(baseChild)
        setLabel(groupOf[baseChild], Self.inner, entry: p, root: root)

        // The rest of the cycle leaves the tree; its vertices may be adjacent to S-vertices.
        var released: [Int] = []
        for s in children where !onPath.contains(s) {
            let h = groupOf[s]
            groupLabel[h] = Self.free
            labelEnd[h] = -1
            setBlossomRate(s, 0)
            setGroupRate(h, 0)
            collectLeaves(of: s)
            released += leafBuffer
        }
        childCount[b] = 0
        blossomBase[b] = -1
        blossomDual[b] = LazyDual(offset: 0, rate: 0)
        leafCount[b] = 0
        unusedBlossoms.append(b)
        reconnect(released)
    }

    /// Vertices that just became unlabelled: join a tree at once through a tight edge to an
    /// S-vertex, or schedule when their edges to S-vertices become tight.
    private mutating func reconnect(_ vertices: [Int]) {
        for x in vertices where groupLabel[inBlossom[x]] == Self.free {
            var next = Int.max
            let yx = y(x)
            for i in adjacencyStart[x]..<adjacencyStart[x + 1] {
                let edge = adjacency[i]
                let w = Int(edge.vertex)
                let bw = inBlossom[w]
                guard groupLabel[bw] == Self.outer else { continue }
                let s = yx + dualOffset[w] + tops[bw].shift.value(at: now) - edge.doubleWeight
                if s == 0 {
                    labelInner(x, entry: Int(edge.endpoint))
                    break
                }
                next = min(next, now + s)
            }
            if groupLabel[inBlossom[x]] == Self.free { schedule(x, at: next) }
        }
    }

    // MARK: Augmentation

    /// Swaps matched and unmatched edges along the even path inside blossom `b` from vertex
    /// `v` to the base, making `v` the new base. Nested blossoms go on a work list.
    private mutating func augmentBlossom(_ b0: Int, _ v0: Int) {
        var work = [(b0, v0)]
        while let (b, v) = work.popLast() {
            var t = v
            while blossomParent[t] != b { t = blossomParent[t] }
            if t >= n { work.append((t, v)) }
            let count = childCount[b], first = childStart[b]
            let i = childPool[first..<(first + count)].firstIndex(of: t)! - first
            var j = i
            let step: Int, trick: Int
            if i & 1 != 0 { j -= count; step = 1; trick = 0 } else { step = -1; trick = 1 }
            while j != 0 {
                j += step
                t = childPool[first + (j + count) % count]
                let p = endpointPool[first + (j - trick + count) % count] ^ trick
                if t >= n { work.append((t, endpoint(p))) }
                j += step
                t = childPool[first + (j + count) % count]
                if t >= n { work.append((t, endpoint(p ^ 1))) }
                mate[endpoint(p)] = p ^ 1
                mate[endpoint(p ^ 1)] = p
            }
            // Rotate left by i: the child at i moves to the front.
            for pool in [\Self.childPool, \Self.endpointPool] as [WritableKeyPath<Self, [Int]>] {
                self[keyPath: pool][first..<(first + i)].reverse()
                self[keyPath: pool][(first + i)..<(first + count)].reverse()
                self[keyPath: pool][first..<(first + count)].reverse()
            }
            blossomBase[b] = v
        }
    }

    /// Augments along the path through edge `k` joining two different trees.
    private mutating func augment(_ k: Int) {
        for (start, startP) in [(edgeU[k], 2 * k + 1), (edgeV[k], 2 * k)] {
            var s = start, p = startP
            while true {
                let bs = inBlossom[s]
                if top(bs) >= n { augmentBlossom(top(bs), s) }
                mate[s] = p
                if labelEnd[bs] == -1 { break }
                let t = endpoint(labelEnd[bs])
                let bt = inBlossom[t]
                s = endpoint(labelEnd[bt])
                let j = endpoint(labelEnd[bt] ^ 1)
                if top(bt) >= n { augmentBlossom(top(bt), j) }
                mate[j] = labelEnd[bt]
                p = labelEnd[bt] ^ 1
            }
        }
    }

    /// Removes the labels of two trees whose roots were just matched; their vertices become
    /// unlabelled (all matched now) and may be picked up by the remaining trees.
    private mutating func dissolveTrees(_ a: Int, _ b: Int) {
        var released: [Int] = []
        dissolutions += 1
        for root in [a, b] {
            for v in treeMembers[root] where releasedIn[v] != dissolutions {
                let g = inBlossom[v]
                guard groupLabel[g] != Self.free, tops[g].tree == root else { continue }
                releasedIn[v] = dissolutions
                pendingScan[v] = false
                released.append(v)
            }
            treeMembers[root] = []
        }
        for v in released {
            let g = inBlossom[v]
            guard groupLabel[g] != Self.free else { continue }
            groupLabel[g] = Self.free
            labelEnd[g] = -1
            setBlossomRate(top(g), 0)
            setGroupRate(g, 0)
        }
        reconnect(released)
    }

    // MARK: Results

    var mates: [Int?] { mate.map { $0 < 0 ? nil : endpoint($0) } }

    var result: PairMatching {
        var pairs: [Pair] = []
        var total = 0
        for v in 0..<n where mate[v] >= 0 && v < endpoint(mate[v]) {
            pairs.append(Pair(v, endpoint(mate[v])))
            total += edgeWeight[mate[v] >> 1]
        }
        return PairMatching(mate: mates, pairs: pairs, totalWeight: total)
    }

    func certificate() -> MatchingCertificate {
        var vertexParent = [Int](repeating: -1, count: n)
        var parent = [Int](repeating: -1, count: n)
        var dual = [Int](repeating: 0, count: n)
        var used = [Bool](repeating: false, count: n)
        for b in n..<(2 * n) where blossomBase[b] >= 0 {
            used[b - n] = true
            dual[b - n] = z(b)
            parent[b - n] = blossomParent[b] >= 0 ? blossomParent[b] - n : -1
        }
        for v in 0..<n where blossomParent[v] >= 0 { vertexParent[v] = blossomParent[v] - n }
        // Compact the blossom numbering to the blossoms in use.
        var newIndex = [Int](repeating: -1, count: n)
        var count = 0
        for i in 0..<n where used[i] { newIndex[i] = count; count += 1 }
        let remap = { (i: Int) in i < 0 ? -1 : newIndex[i] }
        let barrier = maximumCardinality ? (0..<n).filter { tops[inBlossom[$0]].shift.rate == 1 } : nil
        return MatchingCertificate(
            vertexDual: (0..<n).map(y),
            blossomParent: (0..<n).filter { used[$0] }.map { remap(parent[$0]) },
            blossomDual: (0..<n).filter { used[$0] }.map { dual[$0] },
            vertexParent: vertexParent.map(remap),
            barrier: barrier)
    }
}

/// 16 bytes: the scans stream through millions of these.
struct Neighbour {
    var vertex: Int32
    var endpoint: Int32
    var doubleWeight: Int
}

/// What a top-level blossom shares with its vertices besides its label: the tree (its root
/// vertex, while labelled) and the lazy change of their duals.
struct TopState {
    var shift: LazyDual
    var tree: Int
}

/// A dual variable changing at `rate` per unit of the global clock: `offset + rate * now`.
struct LazyDual {
    var offset: Int
    var rate: Int

    @inline(__always) func value(at now: Int) -> Int { offset + rate * now }

    mutating func setRate(_ newRate: Int, at now: Int) {
        offset += (rate - newRate) * now
        rate = newRate
    }
}

struct HeapEntry {
    var time: Int
    var code: Int

    @inline(__always) static func < (a: HeapEntry, b: HeapEntry) -> Bool {
        a.time != b.time ? a.time < b.time : a.code < b.code
    }
}

/// Binary min-heap ordered by (time, code), so equal times pop in a fixed order.
struct EventHeap {
    private var items: [HeapEntry] = []

    // The sifts work on the buffer directly: array subscripts would check uniqueness and
    // bounds at every level.
    mutating func push(_ e: HeapEntry) {
        items.append(e)
        items.withUnsafeMutableBufferPointer { items in
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard e < items[parent] else { break }
                items[i] = items[parent]
                i = parent
            }
            items[i] = e
        }
    }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func pop() -> HeapEntry? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items[0] = last
        siftDown(0)
        return top
    }

    private mutating func siftDown(_ start: Int) {
        items.withUnsafeMutableBufferPointer { items in
            let e = items[start]
            var i = start
            let count = items.count
            while true {
                var c = 2 * i + 1
                if c >= count { break }
                if c + 1 < count && items[c + 1] < items[c] { c += 1 }
                guard items[c] < e else { break }
                items[i] = items[c]
                i = c
            }
            items[i] = e
        }
    }
}
