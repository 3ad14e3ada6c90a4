import CTandemSupport
import Dispatch
import Foundation
import Matching

/// How a candidate graph was found. Every method is exact: the graph holds every allowed
/// pair (`complete`) or each person's k best allowed partners exactly as an all-pairs scan
/// ranks them (score descending, ties to the lower index), whichever way they were found.
public enum CandidateMethod: String, Sendable {
    /// Every allowed pair (small programs).
    case complete
    /// Every pair scored by the row kernel, each person's k best kept (tables the pruned
    /// engine cannot take: mentoring, too many distinct values).
    case exhaustive
    /// Each person's k best by a threshold top-k that skips the people who cannot beat the
    /// k-th best found (`tandem_sliced_row_pruned`).
    case pruned
}

/// What the candidate stage did, for `--verbose`, the report and `match --json`. `wholeRows`
/// counts rows scored whole (every pair), by whichever method.
public struct CandidateInfo: Sendable, Equatable {
    public var method: CandidateMethod
    /// Partners kept per person (nil for `complete`).
    public var k: Int?
    /// Rows found by pruning, and rows the pruned method scored whole (too many people could
    /// still beat the k-th best, or the weights give nothing to prune on).
    public var prunedRows = 0, wholeRows = 0
    /// Pairs scored one by one by the pruned method.
    public var pairsScored = 0
    /// Always true: no candidate is ever sampled, capped or cut by time.
    public var exact: Bool { true }
    /// Seconds spent finding the candidates.
    public var seconds = 0.0
    /// Which engine and scorer ran (machine-dependent: for `--verbose`, never for pages).
    public var scoring = ""

    /// One line, for `--verbose` and the report.
    public var summary: String {
        switch method {
        case .complete: return "complete graph (every allowed pair)"
        case .exhaustive: return "exhaustive top-\(k ?? 0) (exact: every pair scored)"
        case .pruned:
            return "pruned top-\(k ?? 0) (exact: threshold top-k): \(prunedRows) rows pruned, \(wholeRows) scored whole, "
                + String(format: "%.0f pairs scored a pruned row", Double(pairsScored) / Double(max(1, prunedRows)))
        }
    }
}

/// The graph the solver sees: enrolled people as vertices (sorted by id), allowed pairs as
/// integer-weighted edges. Small programs get every allowed pair; larger ones keep each
/// person's `k` best allowed partners (the union over both ends), in O(n·k) memory. The top k
/// is always exact, at any size: a threshold top-k finds the k best without scoring most
/// pairs, or, where it cannot run, every pair is scored.
struct CandidateGraph: Sendable {
    var vertexCount: Int
    var edges: [WeightedEdge]
    /// How many allowed partners each vertex had before any top-k cut (for feasibility reports).
    var allowedCount: [Int]
    var isComplete: Bool
    var info: CandidateInfo

    /// Programs up to this size use all pairs.
    static let completeLimit = 1_500

    /// `method` forces `.exhaustive` or `.pruned` (tests); nil chooses by size and weights, or as the
    /// environment variable TANDEM_CANDIDATES says (`exhaustive` or `pruned`: for benchmarks;
    /// every method gives the same graph).
    static func build(_ table: ScoringTable, k: Int, method forced: CandidateMethod? = nil) -> CandidateGraph {
        let started = DispatchTime.now().uptimeNanoseconds
        let chosen = forced ?? ProcessInfo.processInfo.environment["TANDEM_CANDIDATES"].flatMap { name in
            CandidateMethod(rawValue: name).flatMap { $0 == .complete ? nil : $0 }
        }
        var graph = make(table, k: k, method: chosen)
        graph.info.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return graph
    }

    private static func make(_ table: ScoringTable, k: Int, method forced: CandidateMethod?) -> CandidateGraph {
        let n = table.count
        if forced == nil && n <= completeLimit || forced == .complete {
            var edges: [WeightedEdge] = []
            var allowedCount = [Int](repeating: 0, count: n)
            var row = [Int32](repeating: Int32.min, count: n)
            for x in 0..<n {
                allowedCount[x] = table.scanRow(x, into: &row)
                for y in (x + 1)..<max(x + 1, n) where row[y] != Int32.min {
                    edges.append(WeightedEdge(x, y, Int(row[y])))
                }
            }
            return CandidateGraph(vertexCount: n, edges: edges, allowedCount: allowedCount, isComplete: true,
                                  info: CandidateInfo(method: .complete, k: nil, scoring: "every row scored whole, " + table.scoringPath))
        }
        let k = max(0, k)
        // The pruned top-k where the table suits its engine (any weights; not mentoring, a
        // few dozen time zones and week classes at most), else every pair through the row
        // kernel. Both exact. A whole-row bit-sliced scorer once served 1,501–12,000 people;
        // the pruned top-k was as fast or faster there (see tandem_sliced.c) and it went.
        let pruning = k > 0 && forced != .exhaustive ? table.slicedRows() : nil
        // Rows are independent: score them in parallel, keep the k best per row (flat, k
        // slots a row), merge in row order.
        var chosen = [Int32](repeating: 0, count: n * k), chosenScore = [Int32](repeating: 0, count: n * k)
        var taken = [Int32](repeating: 0, count: n), counts = [Int](repeating: 0, count: n)
        let chunkCount = chunks(of: n).count
        var stats = [(pruned: Int, whole: Int, scored: Int)](repeating: (0, 0, 0), count: chunkCount)
        chosen.withUnsafeMutableBufferPointer { chosenBuffer in
            chosenScore.withUnsafeMutableBufferPointer { scoreBuffer in
                taken.withUnsafeMutableBufferPointer { takenBuffer in
                    counts.withUnsafeMutableBufferPointer { countBuffer in
                        stats.withUnsafeMutableBufferPointer { statBuffer in
                            nonisolated(unsafe) let vb = chosenBuffer, sb = scoreBuffer, tb = takenBuffer, cb = countBuffer, st = statBuffer
                            forEachChunk(of: n) { c, range in
                                var row: [Int32] = []
                                var selector = TopSelector(table: table, k: k)
                                var scratch: [UInt64] = []
                                var hint = Int32.min
                                for x in range {
                                    if let pruning, let found = pruning.prunedRow(x, k: k, scratch: &scratch, hint: &hint, vertices: vb.baseAddress! + x * k,
                                                                                   scores: sb.baseAddress! + x * k) {
                                        cb[x] = found.allowed
                                        tb[x] = Int32(found.taken)
                                        if found.pruned { st[c].pruned += 1 } else { st[c].whole += 1 }
                                        st[c].scored += found.scored
                                        continue
                                    }
                                    if row.isEmpty { row = [Int32](repeating: Int32.min, count: n) }
                                    cb[x] = table.scanRow(x, into: &row)
                                    tb[x] = selector.select(row, candidates: nil, count: n,
                                                            into: vb.baseAddress! + x * k, scores: sb.baseAddress! + x * k)
                                    st[c].whole += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        var info = CandidateInfo(method: pruning != nil ? .pruned : .exhaustive, k: k,
                                 scoring: (pruning.map { $0.laidOut ? "pruned rows (people laid out by time zone and working week)" : "pruned rows" }
                                     ?? "rows scored whole") + ", " + table.scoringPath)
        for s in stats { info.prunedRows += s.pruned; info.wholeRows += s.whole; info.pairsScored += s.scored }
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
        return CandidateGraph(vertexCount: n, edges: edges, allowedCount: counts, isComplete: false, info: info)
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
