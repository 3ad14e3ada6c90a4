import Foundation
import Matching

/// A pod: a few pairs (or trios) of one program who meet together once or twice a round, so
/// people hear how other pairs work and gain perspectives beyond their own match.
public struct Pod: Sendable, Equatable {
    /// 1-based, as written in the lock file (`pod: 3`); stable for the round.
    public var number: Int
    /// Indices into `ProgramMatch.units`, sorted.
    public var units: [Int]

    /// The pod page's file name under `programs/<slug>/pods/`.
    public var slug: String { "pod-\(number)" }
}

/// Groups a round's units into pods and keeps them in the round's lock file.
///
/// Pods are stored in the lock (`pod: N` on each match) rather than derived on every build:
/// derivation would be deterministic, but one newcomer pair could then regroup every pod
/// after people had met theirs. Units that carry a pod number keep it; units without one (a
/// round locked before pods were switched on, or matches added after a roster change) first
/// fill pods that have fewer than `pods` units, then form new pods among themselves, and the
/// rest join the pod they mix with best. The pod score between two units rewards members from
/// different departments and locations and penalises wide gaps between their time zones.
enum PodPlanner {
    /// Points for each pair of people, one from each unit.
    static let differentDepartment = 3, differentLocation = 2
    /// Time-zone gaps up to this many hours cost nothing; each hour beyond costs `hourPenalty`.
    static let freeHours = 3, hourPenalty = 3

    static func plan(_ match: ProgramMatch, lock: RoundLock) -> ([Pod], RoundLock) {
        var lock = lock
        guard let size = match.program.pods, match.program.format == .pairs, !match.units.isEmpty else {
            for k in lock.matches.indices { lock.matches[k].pod = nil }
            lock.pods = []
            return ([], lock)
        }
        // Lock entries by member set; the units of a locked round come from these entries.
        var entryOf: [Set<String>: Int] = [:]
        for (k, entry) in lock.matches.enumerated() { entryOf[Set(entry.members)] = k }
        let entries = match.units.map { unit in entryOf[Set(unit.members.map { match.people[$0].id })] }

        var byNumber: [Int: [Int]] = [:]
        var loose: [Int] = []
        for (u, entry) in entries.enumerated() {
            if let entry, let number = lock.matches[entry].pod { byNumber[number, default: []].append(u) } else { loose.append(u) }
        }
        let score = scorer(match)
        var pods = byNumber.map { Pod(number: $0.key, units: $0.value) }.sorted { $0.number < $1.number }
        if !loose.isEmpty {
            place(loose, into: &pods, size: size, score: score)
        }
        for k in pods.indices { pods[k].units.sort() }
        for (k, pod) in pods.enumerated() {
            for u in pod.units { if let entry = entries[u] { lock.matches[entry].pod = pods[k].number } }
        }
        return (pods, lock)
    }

    static func podOfUnit(_ pods: [Pod], unitCount: Int) -> [Int?] {
        var out = [Int?](repeating: nil, count: unitCount)
        for (k, pod) in pods.enumerated() { for u in pod.units { out[u] = k } }
        return out
    }

    /// Places units without a pod: first into pods short of `size`, then new pods among the
    /// rest (via `solvePods`), and any remainder into the pod it mixes with best.
    static func place(_ loose: [Int], into pods: inout [Pod], size: Int, score: @escaping @Sendable (Int, Int) -> Int) {
        func gain(_ u: Int, _ pod: Pod) -> Int { pod.units.reduce(0) { $0 + score(u, $1) } }
        var waiting = loose
        // Fill pods that lost units, best fit first; ties go to the lower pod number.
        while let open = pods.indices.filter({ pods[$0].units.count < size }).min(by: { pods[$0].units.count < pods[$1].units.count }),
              !waiting.isEmpty {
            let best = waiting.max { (gain($0, pods[open]), $1) < (gain($1, pods[open]), $0) }!
            pods[open].units.append(best)
            waiting.removeAll { $0 == best }
        }
        guard !waiting.isEmpty else { return }
        var next = (pods.map(\.number).max() ?? 0) + 1
        if waiting.count >= size || pods.isEmpty {
            let local = waiting
            let fresh = solvePods(unitCount: local.count, podSize: size, moveBudget: ProgramMatcher.groupMoveBudget(local.count)) { score(local[$0], local[$1]) }
            for members in fresh {
                pods.append(Pod(number: next, units: members.map { local[$0] }))
                next += 1
            }
            return
        }
        for u in waiting {
            let best = pods.indices.max { (gain(u, pods[$0]), -pods[$0].units.count, -pods[$0].number) < (gain(u, pods[$1]), -pods[$1].units.count, -pods[$1].number) }!
            pods[best].units.append(u)
        }
    }

    /// The pod score of two units (indices into `match.units`): precomputed for up to
    /// `matrixLimit` units, computed on demand beyond.
    static let matrixLimit = 1_500

    static func scorer(_ match: ProgramMatch, matrix: Bool = true) -> @Sendable (Int, Int) -> Int {
        let instant = Scheduler.instant(match.program.start, match.program.meetingTime, match.program.timezone)
        let everyone = match.people
        let offsets = everyone.indices.map { Zones.offset(everyone[$0].timezone, at: instant) ?? 0 }
        // Departments and locations as small integers: the score compares them pair by pair.
        var codes: [String: Int] = [:]
        func code(_ s: String) -> Int {
            if let c = codes[s] { return c }
            codes[s] = codes.count
            return codes.count - 1
        }
        // By index: mapping over the people copied each one (a retain per field).
        let people = everyone.indices.map { (department: code("d:" + everyone[$0].department), location: code("l:" + everyone[$0].location)) }
        let members = match.units.map(\.members)
        let unitScore: @Sendable (Int, Int) -> Int = { i, j in
            var s = 0
            for a in members[i] {
                for b in members[j] {
                    if people[a].department != people[b].department { s += differentDepartment }
                    if people[a].location != people[b].location { s += differentLocation }
                    let hours = abs(offsets[a] - offsets[b]) / 3600
                    if hours > freeHours { s -= hourPenalty * (hours - freeHours) }
                }
            }
            return s
        }
        let n = members.count
        guard matrix, n <= matrixLimit else { return unitScore }
        var matrix = [Int](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let s = unitScore(i, j)
                matrix[i * n + j] = s
                matrix[j * n + i] = s
            }
        }
        let frozen = matrix
        return { frozen[$0 * n + $1] }
    }

    /// The sum of the pod scores inside a pod, for the report.
    static func score(_ pod: Pod, _ score: (Int, Int) -> Int) -> Int {
        var total = 0
        for i in 0..<pod.units.count { for j in (i + 1)..<max(i + 1, pod.units.count) { total += score(pod.units[i], pod.units[j]) } }
        return total
    }
}
