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
    /// Label of each top-level blossom (S = outer, T = inner); meaningful only at top level.
    private var label: [Int8]
    /// Endpoint (on the parent's side) of the edge through which a top-level blossom got
    /// its label; -1 for tree roots.
    private var labelEnd: [Int]
    private var inBlossom: [Int]
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

    /// Root vertex of the tree a labelled vertex belongs to, and each tree's members
    /// (possibly with stale entries, filtered when the tree is dissolved).
    private var treeMembers: [[Int]]

    /// Global dual-change clock: total dual change so far.
    private var now = 0
    /// Each vertex's dual and, while labelled, the root of its tree: side by side, since
    /// labelling a blossom writes both for every vertex in it.
    private var vertexState: [VertexState]
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
        var adjacency = [Neighbour](repeating: Neighbour(vertex: 0, doubleWeight: 0, endpoint: 0), count: 2 * edges.count)
        for (k, e) in edges.enumerated() {
            adjacency[fill[e.u]] = Neighbour(vertex: e.v, doubleWeight: 2 * e.weight, endpoint: 2 * k + 1)
            fill[e.u] += 1
            adjacency[fill[e.v]] = Neighbour(vertex: e.u, doubleWeight: 2 * e.weight, endpoint: 2 * k)
            fill[e.v] += 1
        }
        self.adjacency = adjacency

        let maxWeight = edges.map(\.weight).max() ?? 0
        initialDual = maximumCardinality ? maxWeight : max(maxWeight, 0)
        mate = Array(repeating: -1, count: n)
        label = Array(repeating: Self.outer, count: n) + Array(repeating: Self.free, count: n)
        labelEnd = Array(repeating: -1, count: 2 * n)
        inBlossom = Array(0..<n)
        blossomParent = Array(repeating: -1, count: 2 * n)
        childStart = Array(repeating: 0, count: 2 * n)
        childCount = Array(repeating: 0, count: 2 * n)
        blossomBase = Array(0..<n) + Array(repeating: -1, count: n)
        unusedBlossoms = Array((n..<(2 * n)).reversed())
        treeMembers = (0..<n).map { [$0] }
        let start = LazyDual(offset: initialDual, rate: -1)
        vertexState = (0..<n).map { VertexState(dual: start, tree: $0) }
        blossomDual = Array(repeating: LazyDual(offset: 0, rate: 0), count: 2 * n)
        pendingScan = Array(repeating: false, count: n)

        scheduled = Array(repeating: Int.max, count: n)
        // Every vertex starts as a singleton S-tree and is scanned once at time 0.
        pendingScan = Array(repeating: true, count: n)
        queue = Array(0..<n)
    }

    // MARK: Duals

    @inline(__always) private func y(_ v: Int) -> Int { vertexState[v].dual.value(at: now) }
    @inline(__always) private func z(_ b: Int) -> Int { blossomDual[b].value(at: now) }
    @inline(__always) private func endpoint(_ p: Int) -> Int { p & 1 == 0 ? edgeU[p >> 1] : edgeV[p >> 1] }

    private mutating func setVertexRate(_ v: Int, _ rate: Int) {
        vertexState[v].dual.setRate(rate, at: now)
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

    private mutating func leaves(of b: Int) -> [Int] {
        var out: [Int] = []
        var stack = leafStack
        leafStack = []
        appendLeaves(of: b, to: &out, stack: &stack)
        leafStack = stack
        return out
    }

    // MARK: Labels and trees

    /// Gives top-level blossom `b` label `t` in tree `root`, entered through endpoint `p`.
    private mutating func setLabel(_ b: Int, _ t: Int8, entry p: Int, root: Int) {
        label[b] = t
        labelEnd[b] = p
        let rate = t == Self.outer ? -1 : 1
        setBlossomRate(b, -2 * rate)
        collectLeaves(of: b)
        for v in leafBuffer {
            setVertexRate(v, rate)
            vertexState[v].tree = root
            treeMembers[root].append(v)
            if t == Self.outer && !pendingScan[v] {
                pendingScan[v] = true
                queue.append(v)
            }
        }
        if t == Self.inner && b >= n {
            assert(z(b) % 2 == 0, "blossom duals stay even")
            events.push(HeapEntry(time: now + z(b) / 2, code: b))
        }
    }

    /// Labels the blossom containing `w` T (reached from the S-vertex at `endpoint(p)`) and
    /// its mate's blossom S.
    private mutating func labelInner(_ w: Int, entry p: Int) {
        let root = vertexState[endpoint(p)].tree
        let b = inBlossom[w]
        setLabel(b, Self.inner, entry: p, root: root)
        let base = blossomBase[b]
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
                switch label[inBlossom[v]] {
                case Self.outer: scan(v)
                case Self.free: reconnect([v])
                default: break
                }
            } else {
                let b = event.code
                if blossomParent[b] == -1 && blossomBase[b] >= 0 && label[b] == Self.inner && z(b) == 0 {
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
        let root = vertexState[v].tree
        for i in adjacencyStart[v]..<adjacencyStart[v + 1] {
            let edge = adjacency[i]
            let bw = inBlossom[edge.vertex]
            if bw == bv || label[bw] == Self.inner { continue }
            let s = yv + y(edge.vertex) - edge.doubleWeight
            assert(s >= 0, "edges between blossoms never have negative slack")
            if s == 0 {
                tightEdge(from: v, remote: edge.endpoint)
                // After an augmentation `v` may already sit in another tree, with a
                // new dual rate; it has then been queued for a fresh scan.
                bv = inBlossom[v]
                guard label[bv] == Self.outer, vertexState[v].tree == root else { return }
            } else if label[bw] == Self.free {
                next = min(next, now + s)
            } else {
                assert(s % 2 == 0, "S–S slack must be even")
                next = min(next, now + s / 2)
            }
        }
        if label[inBlossom[v]] == Self.outer { schedule(v, at: next) }
    }

    /// Handles a tight edge from S-vertex `v` to `endpoint(p)`.
    private mutating func tightEdge(from v: Int, remote p: Int) {
        let w = endpoint(p)
        let bw = inBlossom[w]
        if label[bw] == Self.free {
            labelInner(w, entry: p ^ 1)
        } else if label[bw] == Self.outer {
            if vertexState[v].tree != vertexState[w].tree {
                let rootV = vertexState[v].tree, rootW = vertexState[w].tree
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
            if label[b] & 4 != 0 { base = blossomBase[b]; break }
            path.append(b)
            label[b] = 5
            if labelEnd[b] == -1 {
                v = -1
            } else {
                let t = inBlossom[endpoint(labelEnd[b])]
                v = endpoint(labelEnd[t])
            }
            if w != -1 { swap(&v, &w) }
        }
        for b in path { label[b] = Self.outer }
        return base
    }

    /// Forms a new S-blossom from the cycle closed by edge `k` through `base`.
    private mutating func addBlossom(base: Int, edge k: Int) {
        var v = edgeU[k], w = edgeV[k]
        let bb = inBlossom[base]
        var bv = inBlossom[v], bw = inBlossom[w]
        let b = unusedBlossoms.removeLast()
        blossomBase[b] = base
        blossomParent[b] = -1
        blossomParent[bb] = b
        var children: [Int] = []
        var endpoints: [Int] = []
        while bv != bb {
            blossomParent[bv] = b
            children.append(bv)
            endpoints.append(labelEnd[bv])
            v = endpoint(labelEnd[bv])
            bv = inBlossom[v]
        }
        children.append(bb)
        children.reverse()
        endpoints.reverse()
        endpoints.append(2 * k)
        while bw != bb {
            blossomParent[bw] = b
            children.append(bw)
            endpoints.append(labelEnd[bw] ^ 1)
            w = endpoint(labelEnd[bw])
            bw = inBlossom[w]
        }
        label[b] = Self.outer
        labelEnd[b] = labelEnd[bb]
        blossomDual[b] = LazyDual(offset: 0, rate: 0)
        blossomDual[b].setRate(2, at: now)
        for c in children { setBlossomRate(c, 0) }
        childStart[b] = childPool.count
        childCount[b] = children.count
        childPool += children
        endpointPool += endpoints
        collectLeaves(of: b)
        for v in leafBuffer {
            if label[inBlossom[v]] == Self.inner {
                setVertexRate(v, -1)
                if !pendingScan[v] { pendingScan[v] = true; queue.append(v) }
            }
            inBlossom[v] = b
        }
    }

    /// Expands a T-blossom whose dual reached zero, relabelling its children so that the
    /// tree stays an alternating tree (Galil §3, "expand").
    private mutating func expandInnerBlossom(_ b: Int) {
        let children = Array(childPool[childStart[b]..<(childStart[b] + childCount[b])])
        let endpoints = Array(endpointPool[childStart[b]..<(childStart[b] + childCount[b])])
        let root = vertexState[blossomBase[b]].tree
        for s in children {
            blossomParent[s] = -1
            if s < n { inBlossom[s] = s } else { collectLeaves(of: s); for v in leafBuffer { inBlossom[v] = s } }
        }
        let entryChild = inBlossom[endpoint(labelEnd[b] ^ 1)]
        var j = children.firstIndex(of: entryChild)!
        let count = children.count
        let step: Int, trick: Int
        if j & 1 != 0 { j -= count; step = 1; trick = 0 } else { step = -1; trick = 1 }
        @inline(__always) func child(_ i: Int) -> Int { children[(i % count + count) % count] }
        @inline(__always) func endpointAt(_ i: Int) -> Int { endpoints[(i % count + count) % count] }

        // The even-length path from the entry child to the base alternates T and S.
        var p = labelEnd[b]
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
        setLabel(baseChild, Self.inner, entry: p, root: root)

        // The rest of the cycle leaves the tree; its vertices may be adjacent to S-vertices.
        var released: [Int] = []
        for s in children where !onPath.contains(s) {
            label[s] = Self.free
            labelEnd[s] = -1
            setBlossomRate(s, 0)
            collectLeaves(of: s)
            for v in leafBuffer {
                setVertexRate(v, 0)
                released.append(v)
            }
        }
        label[b] = Self.free
        labelEnd[b] = -1
        childCount[b] = 0
        blossomBase[b] = -1
        blossomDual[b] = LazyDual(offset: 0, rate: 0)
        unusedBlossoms.append(b)
        reconnect(released)
    }

    /// Vertices that just became unlabelled: join a tree at once through a tight edge to an
    /// S-vertex, or schedule when their edges to S-vertices become tight.
    private mutating func reconnect(_ vertices: [Int]) {
        for x in vertices where label[inBlossom[x]] == Self.free {
            var next = Int.max
            let yx = y(x)
            for i in adjacencyStart[x]..<adjacencyStart[x + 1] {
                let edge = adjacency[i]
                guard label[inBlossom[edge.vertex]] == Self.outer else { continue }
                let s = yx + y(edge.vertex) - edge.doubleWeight
                if s == 0 {
                    labelInner(x, entry: edge.endpoint)
                    break
                }
                next = min(next, now + s)
            }
            if label[inBlossom[x]] == Self.free { schedule(x, at: next) }
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
                if bs >= n { augmentBlossom(bs, s) }
                mate[s] = p
                if labelEnd[bs] == -1 { break }
                let t = endpoint(labelEnd[bs])
                let bt = inBlossom[t]
                s = endpoint(labelEnd[bt])
                let j = endpoint(labelEnd[bt] ^ 1)
                if bt >= n { augmentBlossom(bt, j) }
                mate[j] = labelEnd[bt]
                p = labelEnd[bt] ^ 1
            }
        }
    }

    /// Removes the labels of two trees whose roots were just matched; their vertices become
    /// unlabelled (all matched now) and may be picked up by the remaining trees.
    private mutating func dissolveTrees(_ a: Int, _ b: Int) {
        var released: [Int] = []
        for root in [a, b] {
            for v in treeMembers[root] where vertexState[v].dual.rate != 0 && vertexState[v].tree == root {
                let top = inBlossom[v]
                if label[top] != Self.free {
                    label[top] = Self.free
                    labelEnd[top] = -1
                    setBlossomRate(top, 0)
                }
                setVertexRate(v, 0)
                pendingScan[v] = false
                released.append(v)
            }
            treeMembers[root] = []
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
        let barrier = maximumCardinality ? (0..<n).filter { vertexState[$0].dual.rate == 1 } : nil
        return MatchingCertificate(
            vertexDual: (0..<n).map(y),
            blossomParent: (0..<n).filter { used[$0] }.map { remap(parent[$0]) },
            blossomDual: (0..<n).filter { used[$0] }.map { dual[$0] },
            vertexParent: vertexParent.map(remap),
            barrier: barrier)
    }
}

struct Neighbour {
    var vertex: Int
    var doubleWeight: Int
    var endpoint: Int
}

struct VertexState {
    var dual: LazyDual
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

    mutating func push(_ e: HeapEntry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard e < items[parent] else { break }
            items[i] = items[parent]
            i = parent
        }
        items[i] = e
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
