// Benchmarks for the Matching solvers and an exporter for the networkx cross-check.
//
//   matching-bench [--runs N] [case ...]      time the solvers (median of N runs)
//   matching-bench export KIND N SEED [K]     print a graph and Tandem's matching as JSON
//                                             (KIND: topk, complete, random)
//   matching-bench file PATH [--runs N]       time the matching of a graph saved as text:
//                                             "n m" then one "u v w" line per edge (e.g. a
//                                             program's edges from `tandem match --json`)
//   matching-bench mentoring-file PATH [--runs N]   the same for a mentoring problem:
//                                             "mentors mentees m", a line of capacities,
//                                             then "mentor mentee w" lines
//
// Graphs are synthetic and deterministic: a SplitMix64 stream seeds everything.
import Foundation
import Matching

struct Generator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x1234_5678 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// People as points in the unit square; each links to its `k` nearest others, scored
/// 1...10_000 by closeness, like a roster's top-k candidate graph (clustered, many near-ties).
func topKGraph(n: Int, k: Int, seed: UInt64) -> [WeightedEdge] {
    var rng = Generator(seed: seed)
    let xs = (0..<n).map { _ in Double(rng.below(1 << 20)) / Double(1 << 20) }
    let ys = (0..<n).map { _ in Double(rng.below(1 << 20)) / Double(1 << 20) }
    let side = max(1, Int((Double(n) / 4).squareRoot()))
    var cells = [[Int]](repeating: [], count: side * side)
    func cell(_ v: Int) -> (Int, Int) { (min(side - 1, Int(xs[v] * Double(side))), min(side - 1, Int(ys[v] * Double(side)))) }
    for v in 0..<n { let (cx, cy) = cell(v); cells[cy * side + cx].append(v) }
    let typical = (Double(k) / Double(n) / Double.pi).squareRoot()
    var edges: [WeightedEdge] = []
    edges.reserveCapacity(n * k)
    for v in 0..<n {
        let (cx, cy) = cell(v)
        var candidates: [(Double, Int)] = []
        var ring = 0
        while true {
            for gy in (cy - ring)...(cy + ring) where gy >= 0 && gy < side {
                for gx in (cx - ring)...(cx + ring) where gx >= 0 && gx < side {
                    guard max(abs(gx - cx), abs(gy - cy)) == ring else { continue }
                    for u in cells[gy * side + gx] where u != v {
                        let dx = xs[u] - xs[v], dy = ys[u] - ys[v]
                        candidates.append(((dx * dx + dy * dy).squareRoot(), u))
                    }
                }
            }
            candidates.sort { $0 < $1 }
            // Every point outside the searched rings is at least `ring / side` away.
            if candidates.count >= k && candidates[k - 1].0 <= Double(ring) / Double(side) { break }
            if ring > side { break }
            ring += 1
        }
        for (d, u) in candidates.prefix(k) {
            edges.append(WeightedEdge(v, u, max(1, 10_000 - Int(5_000 * d / typical))))
        }
    }
    return edges
}

func completeGraph(n: Int, seed: UInt64) -> [WeightedEdge] {
    var rng = Generator(seed: seed)
    var edges: [WeightedEdge] = []
    edges.reserveCapacity(n * (n - 1) / 2)
    for u in 0..<n { for v in (u + 1)..<n { edges.append(WeightedEdge(u, v, rng.below(1_000_000))) } }
    return edges
}

func randomGraph(n: Int, edgeCount: Int, seed: UInt64) -> [WeightedEdge] {
    var rng = Generator(seed: seed)
    return (0..<edgeCount).map { _ in WeightedEdge(rng.below(n), rng.below(n), rng.below(20) - 3) }
}

func mentoringProblem(mentors: Int, mentees: Int, perMentee: Int, seed: UInt64) -> MentoringProblem {
    var rng = Generator(seed: seed)
    var edges: [WeightedEdge] = []
    for j in 0..<mentees {
        for _ in 0..<perMentee { edges.append(WeightedEdge(rng.below(mentors), j, 1 + rng.below(1000))) }
    }
    let capacity = (0..<mentors).map { _ in 8 + rng.below(4) }
    return MentoringProblem(mentorCount: mentors, menteeCount: mentees, capacity: capacity, edges: edges)
}

/// Pair score from a hash of the two ids; about one pair in fifty is forbidden.
func groupingScore(seed: UInt64) -> @Sendable (Int, Int) -> Int? {
    { x, y in
        var g = Generator(seed: seed ^ UInt64(min(x, y)) &* 1_000_003 ^ UInt64(max(x, y)) &* 998_244_353)
        let h = g.below(1000)
        return h < 20 ? nil : h
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func measure(_ name: String, runs: Int, detail: String, _ body: () -> String) {
    let clock = ContinuousClock()
    var times: [Double] = []
    var summary = ""
    for _ in 0..<runs {
        let start = clock.now
        summary = body()
        times.append(seconds(clock.now - start))
    }
    times.sort()
    let median = times[times.count / 2]
    print(name.padding(toLength: 30, withPad: " ", startingAt: 0),
          detail.padding(toLength: 28, withPad: " ", startingAt: 0),
          String(format: "%9.3f s", median), " ", summary)

}

func exportGraph(kind: String, n: Int, seed: UInt64, k: Int) {
    let edges: [WeightedEdge]
    switch kind {
    case "topk": edges = topKGraph(n: n, k: k, seed: seed)
    case "complete": edges = completeGraph(n: n, seed: seed)
    default: edges = randomGraph(n: n, edgeCount: n * k / 2, seed: seed)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let m = maximumWeightMatching(vertexCount: n, edges: edges)
    let elapsed = seconds(clock.now - start)
    var out = "{\"vertices\": \(n), \"seconds\": \(elapsed), \"edges\": ["
    out += edges.map { "[\($0.u),\($0.v),\($0.weight)]" }.joined(separator: ",")
    out += "], \"pairs\": ["
    out += m.pairs.map { "[\($0.a),\($0.b)]" }.joined(separator: ",")
    out += "], \"total\": \(m.totalWeight), \"cardinality\": \(m.pairs.count)}\n"
    FileHandle.standardOutput.write(out.data(using: .utf8)!)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "export" {
    guard arguments.count >= 4, let n = Int(arguments[2]), let seed = UInt64(arguments[3]) else {
        FileHandle.standardError.write("usage: matching-bench export KIND N SEED [K]\n".data(using: .utf8)!)
        exit(2)
    }
    exportGraph(kind: arguments[1], n: n, seed: seed, k: arguments.count > 4 ? Int(arguments[4]) ?? 24 : 24)
    exit(0)
}
/// The integers of a text file, in order (a `-` right before the digits makes one negative:
/// weights may be).
func integers(inFile path: String) throws -> [Int] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var numbers: [Int] = []
    var value = 0, inNumber = false, negative = false, previous: UInt8 = 0
    for byte in text.utf8 {
        if byte >= 48 && byte <= 57 {
            if !inNumber { negative = previous == 45 }
            value = value * 10 + Int(byte - 48)
            inNumber = true
        } else if inNumber {
            numbers.append(negative ? -value : value)
            value = 0
            inNumber = false
        }
        previous = byte
    }
    if inNumber { numbers.append(negative ? -value : value) }
    return numbers
}
if arguments.first == "mentoring-file", arguments.count >= 2 {
    let numbers = try integers(inFile: arguments[1])
    let (mentors, mentees, m) = (numbers[0], numbers[1], numbers[2])
    let capacity = Array(numbers[3..<(3 + mentors)])
    let edges = (0..<m).map { i in WeightedEdge(numbers[3 + mentors + 3 * i], numbers[4 + mentors + 3 * i], numbers[5 + mentors + 3 * i]) }
    let problem = MentoringProblem(mentorCount: mentors, menteeCount: mentees, capacity: capacity, edges: edges)
    let runs = arguments.count >= 4 && arguments[2] == "--runs" ? Int(arguments[3]) ?? 1 : 1
    measure("mentoring \(arguments[1].split(separator: "/").last!)", runs: runs, detail: "\(mentors)x\(mentees) m=\(m)") {
        let r = solveMentoring(problem)
        var hash: UInt64 = 1469598103934665603
        for (j, mentor) in r.mentorOf.enumerated() { hash = (hash ^ UInt64(bitPattern: Int64(j &* 1_000_003 &+ (mentor ?? -1)))) &* 1099511628211 }
        return "assigned=\(r.mentorOf.compactMap { $0 }.count) weight=\(r.totalWeight) hash=\(String(hash, radix: 16))"
    }
    exit(0)
}
if arguments.first == "file", arguments.count >= 2 {
    let numbers = try integers(inFile: arguments[1])
    let n = numbers[0]
    let edges = stride(from: 2, to: numbers.count - 2, by: 3).map { WeightedEdge(numbers[$0], numbers[$0 + 1], numbers[$0 + 2]) }
    let runs = arguments.count >= 4 && arguments[2] == "--runs" ? Int(arguments[3]) ?? 1 : 1
    measure("matching \(arguments[1].split(separator: "/").last!)", runs: runs, detail: "n=\(n) m=\(edges.count)") {
        let m = maximumWeightMatching(vertexCount: n, edges: edges)
        var hash: UInt64 = 1469598103934665603
        for p in m.pairs { hash = (hash ^ UInt64(p.a &* 1_000_003 &+ p.b)) &* 1099511628211 }
        return "pairs=\(m.pairs.count) weight=\(m.totalWeight) hash=\(String(hash, radix: 16))"
    }
    exit(0)
}
var runs = 5
if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let r = Int(arguments[i + 1]) {
    runs = r
    arguments.removeSubrange(i...(i + 1))
}
let selected = Set(arguments)
func wanted(_ name: String) -> Bool { selected.isEmpty || selected.contains(name) }

print("case".padding(toLength: 30, withPad: " ", startingAt: 0),
      "size".padding(toLength: 28, withPad: " ", startingAt: 0), "   median", "  result")
for (name, n) in [("topk-10k", 10_000), ("topk-100k", 100_000)] where wanted(name) {
    let edges = topKGraph(n: n, k: 24, seed: 1)
    measure("matching \(name)", runs: name == "topk-100k" ? min(runs, 3) : runs,
            detail: "n=\(n) m=\(edges.count)") {
        let m = maximumWeightMatching(vertexCount: n, edges: edges)
        return "pairs=\(m.pairs.count) weight=\(m.totalWeight)"
    }
}
if wanted("complete-2000") {
    let edges = completeGraph(n: 2000, seed: 1)
    measure("matching complete-2000", runs: min(runs, 3), detail: "n=2000 m=\(edges.count)") {
        let m = maximumWeightMatching(vertexCount: 2000, edges: edges)
        return "pairs=\(m.pairs.count) weight=\(m.totalWeight)"
    }
}
if wanted("pairing-10k") {
    let edges = topKGraph(n: 10_001, k: 24, seed: 2)
    let problem = PairingProblem(vertexCount: 10_001, edges: edges, oddPolicy: .trio, fairness: true)
    measure("pairing fair+trio 10k", runs: runs, detail: "n=10001 m=\(edges.count)") {
        let r = solvePairing(problem)
        return "pairs=\(r.pairs.count) trios=\(r.trios.count)"
    }
}
if wanted("mentoring") {
    let problem = mentoringProblem(mentors: 1000, mentees: 9000, perMentee: 24, seed: 1)
    measure("mentoring 1000x9000", runs: runs, detail: "m=\(problem.edges.count)") {
        let r = solveMentoring(problem)
        return "assigned=\(r.mentorOf.compactMap { $0 }.count) weight=\(r.totalWeight)"
    }
}
if wanted("grouping") {
    let problem = GroupingProblem(vertexCount: 10_000, minSize: 3, maxSize: 4, score: groupingScore(seed: 1))
    measure("grouping 10k sizes 3-4", runs: runs, detail: "budget=\(problem.moveBudget)") {
        let r = solveGrouping(problem)
        return "groups=\(r.groups.count) objective=\(r.objective) unplaced=\(r.unplaced.count)"
    }
}
