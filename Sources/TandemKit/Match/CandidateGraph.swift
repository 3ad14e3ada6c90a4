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

    static func build(_ table: ScoringTable, k: Int) -> CandidateGraph {
        let n = table.count
        if n <= completeLimit {
            var edges: [WeightedEdge] = []
            var allowedCount = [Int](repeating: 0, count: n)
            for x in 0..<n {
                for y in (x + 1)..<max(x + 1, n) where table.violatedRule(x, y) == nil {
                    edges.append(WeightedEdge(x, y, table.score(x, y)))
                    allowedCount[x] += 1
                    allowedCount[y] += 1
                }
            }
            return CandidateGraph(vertexCount: n, edges: edges, allowedCount: allowedCount, isComplete: true)
        }
        // Each row is independent: score it in parallel, keep the k best per row, merge in row order.
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (n + workers * 8 - 1) / (workers * 8)
        let chunks = (n + chunk - 1) / chunk
        nonisolated(unsafe) var rows = [[(Int, Int)]](repeating: [], count: n)
        nonisolated(unsafe) var counts = [Int](repeating: 0, count: n)
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                nonisolated(unsafe) let rb = rowBuffer, cb = countBuffer
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for x in (c * chunk)..<min(n, (c + 1) * chunk) {
                        var best = TopK(k: k)
                        var allowedHere = 0
                        for y in 0..<n where y != x && table.violatedRule(x, y) == nil {
                            allowedHere += 1
                            best.offer(score: table.score(x, y), vertex: y)
                        }
                        rb[x] = best.items
                        cb[x] = allowedHere
                    }
                }
            }
        }
        var seen = Set<Pair>()
        var edges: [WeightedEdge] = []
        edges.reserveCapacity(n * k)
        for x in 0..<n {
            for (score, y) in rows[x] where seen.insert(Pair(x, y)).inserted {
                edges.append(WeightedEdge(min(x, y), max(x, y), score))
            }
        }
        edges.sort { ($0.u, $0.v) < ($1.u, $1.v) }
        return CandidateGraph(vertexCount: n, edges: edges, allowedCount: counts, isComplete: false)
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
