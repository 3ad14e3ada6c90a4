import CTandemSupport
import Dispatch
import Foundation
import Matching

/// The graph the solver sees: enrolled people as vertices (sorted by id), allowed pairs as
/// integer-weighted edges. Small programs get every allowed pair; large ones keep each
/// person's `k` best allowed partners (the union over both ends), in O(n·k) memory.
struct CandidateGraph: Sendable {
    var vertexCount: Int
    var edges: [WeightedEdge]
    /// How many allowed partners each vertex had before any top-k cut (for feasibility reports).
    var allowedCount: [Int]
    var isComplete: Bool

    /// Programs up to this size use all pairs.
    static let completeLimit = 1_500
    /// Up to this size every allowed pair is scored and each person keeps their exact top k.
    /// Beyond it (n² pair scores would dominate the build) each person's candidates are those
    /// whose skills meet their goals or whose goals meet their skills, plus a deterministic
    /// spread of everyone else; the top k is exact over that sample, and the matching stays
    /// exact on the graph it is given.
    static let exhaustiveLimit = 12_000

    static func build(_ table: ScoringTable, k: Int) -> CandidateGraph {
        let n = table.count
        if n <= completeLimit {
            var edges: [WeightedEdge] = []
            var allowedCount = [Int](repeating: 0, count: n)
            var row = [Int32](repeating: Int32.min, count: n)
            for x in 0..<n {
                allowedCount[x] = table.scanRow(x, into: &row)
                for y in (x + 1)..<max(x + 1, n) where row[y] != Int32.min {
                    edges.append(WeightedEdge(x, y, Int(row[y])))
                }
            }
            return CandidateGraph(vertexCount: n, edges: edges, allowedCount: allowedCount, isComplete: true)
        }
        let sampler = n > exhaustiveLimit ? CandidateSampler(table) : nil
        let k = max(0, k)
        // Whole rows go through the bit-sliced engine where the table suits it.
        let sliced = sampler == nil && k > 0 ? table.slicedRows() : nil
        // Rows are independent: score them in parallel, keep the k best per row (flat, k
        // slots a row), merge in row order.
        var chosen = [Int32](repeating: 0, count: n * k), chosenScore = [Int32](repeating: 0, count: n * k)
        var taken = [Int32](repeating: 0, count: n), counts = [Int](repeating: 0, count: n)
        chosen.withUnsafeMutableBufferPointer { chosenBuffer in
            chosenScore.withUnsafeMutableBufferPointer { scoreBuffer in
                taken.withUnsafeMutableBufferPointer { takenBuffer in
                    counts.withUnsafeMutableBufferPointer { countBuffer in
                        nonisolated(unsafe) let vb = chosenBuffer, sb = scoreBuffer, tb = takenBuffer, cb = countBuffer
                        forEachChunk(of: n) { _, range in
                            var row: [Int32] = []
                            var selector = TopSelector(table: table, k: k)
                            var scratch: [UInt64] = [], marks: [UInt64] = []
                            for x in range {
                                if let sliced, let (allowed, count) = sliced.row(x, k: k, scratch: &scratch, vertices: vb.baseAddress! + x * k,
                                                                                scores: sb.baseAddress! + x * k) {
                                    cb[x] = allowed
                                    tb[x] = Int32(count)
                                    continue
                                }
                                if row.isEmpty { row = [Int32](repeating: Int32.min, count: n) }
                                let candidates = sampler?.candidates(for: x, marks: &marks)
                                cb[x] = table.scanRow(x, candidates: candidates, into: &row)
                                tb[x] = selector.select(row, candidates: candidates, count: n,
                                                        into: vb.baseAddress! + x * k, scores: sb.baseAddress! + x * k)
                            }
                        }
                    }
                }
            }
        }
        // Each edge (u, v) with u < v, bucketed by u, then sorted by v within the bucket; an
        // edge chosen from both ends appears twice with the same score and is kept once.
        var start = [Int](repeating: 0, count: n + 1)
        for x in 0..<n {
            for i in 0..<Int(taken[x]) { start[min(x, Int(chosen[x * k + i])) + 1] += 1 }
        }
        for u in 0..<n { start[u + 1] += start[u] }
        var fill = start
        var bucket = [(v: Int32, w: Int32)](repeating: (0, 0), count: start[n])
        for x in 0..<n {
            for i in 0..<Int(taken[x]) {
                let y = Int(chosen[x * k + i]), u = min(x, y)
                bucket[fill[u]] = (Int32(max(x, y)), chosenScore[x * k + i])
                fill[u] += 1
            }
        }
        var edges: [WeightedEdge] = []
        edges.reserveCapacity(start[n])
        for u in 0..<n {
            bucket[start[u]..<start[u + 1]].sort { $0.v < $1.v }
            for i in start[u]..<start[u + 1] where i == start[u] || bucket[i - 1].v != bucket[i].v {
                edges.append(WeightedEdge(u, Int(bucket[i].v), Int(bucket[i].w)))
            }
        }
        return CandidateGraph(vertexCount: n, edges: edges, allowedCount: counts, isComplete: false)
    }

    /// Consecutive ranges covering 0..<n, a few per core, for `forEachChunk`.
    static func chunks(of n: Int) -> [Range<Int>] {
        guard n > 0 else { return [] }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (n + workers * 8 - 1) / (workers * 8))
        return stride(from: 0, to: n, by: chunk).map { $0..<min(n, $0 + chunk) }
    }

    /// Runs `body` on each of `chunks(of: n)` in parallel, with the chunk's number.
    static func forEachChunk(of n: Int, _ body: @Sendable (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let ranges = chunks(of: n)
        DispatchQueue.concurrentPerform(iterations: ranges.count) { c in body(c, ranges[c]) }
    }
}

/// Picks the k best entries of scanned rows under (score descending, vertex ascending): by
/// counting (`tandem_top_k`) when the table's scores span a small range, else with a heap.
struct TopSelector {
    let k: Int
    private let bounds: (low: Int32, high: Int32)?
    private var histogram: [Int32]

    init(table: ScoringTable, k: Int) { self.init(bounds: table.scoreBounds, k: k) }

    /// `bounds`: the lowest and highest score a row may hold, or nil to always use the heap.
    init(bounds: (low: Int32, high: Int32)?, k: Int) {
        self.k = k
        self.bounds = bounds.flatMap { Int($0.high) - Int($0.low) < 1 << 16 && $0.low > Int32.min ? $0 : nil }
        histogram = [Int32](repeating: 0, count: self.bounds.map { Int($0.high) - Int($0.low) + 1 } ?? 0)
    }

    /// Selects from `row[y]` for y in `candidates` (sorted; 0..<count when nil), skipping
    /// `Int32.min`; writes up to k vertices (ascending) and their scores; returns how many.
    mutating func select(_ row: [Int32], candidates: [Int32]?, count: Int,
                         into vertices: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Int32>) -> Int32 {
        guard k > 0 else { return 0 }
        if let bounds {
            let found = row.withUnsafeBufferPointer { r in
                histogram.withUnsafeMutableBufferPointer { h in
                    if let candidates {
                        return candidates.withUnsafeBufferPointer { c in
                            tandem_top_k(r.baseAddress, c.baseAddress, Int32(c.count), Int32(k), bounds.low, bounds.high, h.baseAddress, vertices, scores)
                        }
                    }
                    return tandem_top_k(r.baseAddress, nil, Int32(count), Int32(k), bounds.low, bounds.high, h.baseAddress, vertices, scores)
                }
            }
            if found >= 0 { return found }
        }
        var best = TopK(k: k)
        if let candidates {
            for y in candidates where row[Int(y)] != Int32.min { best.offer(score: Int(row[Int(y)]), vertex: Int(y)) }
        } else {
            for y in 0..<count where row[y] != Int32.min { best.offer(score: Int(row[y]), vertex: y) }
        }
        let items = best.items.sorted { $0.1 < $1.1 }
        for (i, item) in items.enumerated() {
            vertices[i] = Int32(item.1)
            scores[i] = Int32(item.0)
        }
        return Int32(items.count)
    }
}

/// Candidate lists for very large programs: for each of a person's goals, a window of the
/// people who list it as a skill (and the other way round), then a fixed-stride spread over
/// everyone. Windows start at a position derived from the person's index, so different
/// people see different slices of a popular skill, and the result never depends on timing.
struct CandidateSampler: Sendable {
    private let holdersOfSkill: [[Int32]]
    private let holdersOfGoal: [[Int32]]
    private let goalsOf: [[Int32]]
    private let skillsOf: [[Int32]]
    private let n: Int
    static let window = 48
    static let spread = 192

    init(_ table: ScoringTable) {
        var vocabulary: [String: Int32] = [:]
        func code(_ s: String) -> Int32 {
            if let c = vocabulary[s] { return c }
            let c = Int32(vocabulary.count)
            vocabulary[s] = c
            return c
        }
        var goalsOf: [[Int32]] = [], skillsOf: [[Int32]] = []
        for p in table.people {
            goalsOf.append(p.goals.map(code))
            skillsOf.append(p.skills.map(code))
        }
        var bySkill = [[Int32]](repeating: [], count: vocabulary.count)
        var byGoal = [[Int32]](repeating: [], count: vocabulary.count)
        for (i, skills) in skillsOf.enumerated() { for s in skills { bySkill[Int(s)].append(Int32(i)) } }
        for (i, goals) in goalsOf.enumerated() { for g in goals { byGoal[Int(g)].append(Int32(i)) } }
        holdersOfSkill = bySkill
        holdersOfGoal = byGoal
        self.goalsOf = goalsOf
        self.skillsOf = skillsOf
        n = table.count
    }

    func candidates(for x: Int) -> [Int32] {
        var marks: [UInt64] = []
        return candidates(for: x, marks: &marks)
    }

    /// The candidates of `x`, sorted, without duplicates or `x` itself. `marks` is scratch
    /// (a bit per person, left all zero): marking and reading the marked words back in
    /// order sorts and removes duplicates in one go.
    func candidates(for x: Int, marks: inout [UInt64]) -> [Int32] {
        let words = (n + 63) / 64
        if marks.count < words { marks = [UInt64](repeating: 0, count: words) }
        var unique: [Int32] = []
        unique.reserveCapacity(CandidateSampler.window * 8 + CandidateSampler.spread)
        marks.withUnsafeMutableBufferPointer { m in
            func take(_ list: [Int32]) {
                guard !list.isEmpty else { return }
                let start = (x &* 2_654_435_761) % list.count
                for i in 0..<min(CandidateSampler.window, list.count) {
                    let y = Int(list[(start + i) % list.count])
                    m[y >> 6] |= 1 << UInt64(y & 63)
                }
            }
            for g in goalsOf[x] { take(holdersOfSkill[Int(g)]) }
            for s in skillsOf[x] { take(holdersOfGoal[Int(s)]) }
            let stride = max(1, n / CandidateSampler.spread)
            for i in 0..<min(n, CandidateSampler.spread) {
                let y = (x + 1 + i * stride + i) % n
                m[y >> 6] |= 1 << UInt64(y & 63)
            }
            m[x >> 6] &= ~(1 << UInt64(x & 63))
            for w in 0..<words where m[w] != 0 {
                var bits = m[w]
                m[w] = 0
                while bits != 0 {
                    unique.append(Int32(w * 64 + bits.trailingZeroBitCount))
                    bits &= bits - 1
                }
            }
        }
        return unique
    }
}

/// The k highest (score, vertex) entries, ties to the lower vertex: a small min-heap.
struct TopK {
    let k: Int
    private(set) var heap: [(Int, Int)] = []

    init(k: Int) { self.k = k; heap.reserveCapacity(k) }

    /// Worse means lower score, or equal score and higher vertex.
    private static func worse(_ a: (Int, Int), _ b: (Int, Int)) -> Bool {
        a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)
    }

    mutating func offer(score: Int, vertex: Int) {
        let item = (score, vertex)
        if heap.count < k {
            heap.append(item)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard TopK.worse(heap[i], heap[parent]) else { break }
                heap.swapAt(i, parent)
                i = parent
            }
        } else if k > 0, TopK.worse(heap[0], item) {
            heap[0] = item
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && TopK.worse(heap[l], heap[m]) { m = l }
                if r < heap.count && TopK.worse(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
    }

    var items: [(Int, Int)] { heap }
}
