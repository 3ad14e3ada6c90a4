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
        // Rows are independent: score them in parallel, keep the k best per row, merge in row order.
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (n + workers * 8 - 1) / (workers * 8))
        let chunks = (n + chunk - 1) / chunk
        nonisolated(unsafe) var rows = [[(Int, Int)]](repeating: [], count: n)
        nonisolated(unsafe) var counts = [Int](repeating: 0, count: n)
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                nonisolated(unsafe) let rb = rowBuffer, cb = countBuffer
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    var row = [Int32](repeating: Int32.min, count: n)
                    for x in (c * chunk)..<min(n, (c + 1) * chunk) {
                        var best = TopK(k: k)
                        if let sampler {
                            let candidates = sampler.candidates(for: x)
                            cb[x] = table.scanRow(x, candidates: candidates, into: &row)
                            for y in candidates where row[y] != Int32.min { best.offer(score: Int(row[y]), vertex: y) }
                        } else {
                            cb[x] = table.scanRow(x, into: &row)
                            for y in 0..<n where row[y] != Int32.min { best.offer(score: Int(row[y]), vertex: y) }
                        }
                        rb[x] = best.items
                    }
                }
            }
        }
        var all: [(u: Int32, v: Int32, w: Int32)] = []
        all.reserveCapacity(n * k)
        for x in 0..<n {
            for (score, y) in rows[x] { all.append((Int32(min(x, y)), Int32(max(x, y)), Int32(score))) }
        }
        all.sort { ($0.u, $0.v) < ($1.u, $1.v) }
        var edges: [WeightedEdge] = []
        edges.reserveCapacity(all.count)
        for (i, e) in all.enumerated() where i == 0 || (all[i - 1].u, all[i - 1].v) != (e.u, e.v) {
            edges.append(WeightedEdge(Int(e.u), Int(e.v), Int(e.w)))
        }
        return CandidateGraph(vertexCount: n, edges: edges, allowedCount: counts, isComplete: false)
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

    func candidates(for x: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(CandidateSampler.window * 8 + CandidateSampler.spread)
        func take(_ list: [Int32]) {
            guard !list.isEmpty else { return }
            let start = (x &* 2_654_435_761) % list.count
            for i in 0..<min(CandidateSampler.window, list.count) { out.append(Int(list[(start + i) % list.count])) }
        }
        for g in goalsOf[x] { take(holdersOfSkill[Int(g)]) }
        for s in skillsOf[x] { take(holdersOfGoal[Int(s)]) }
        let stride = max(1, n / CandidateSampler.spread)
        for i in 0..<min(n, CandidateSampler.spread) { out.append((x + 1 + i * stride + i) % n) }
        out.sort()
        var unique: [Int] = []
        unique.reserveCapacity(out.count)
        for y in out where y != x && unique.last != y { unique.append(y) }
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
