import Foundation
import Matching

/// Applies a roster change to a locked round. Locked units whose members are all still
/// enrolled stay exactly as they are; newcomers, people whose unit broke up and people who
/// had no match are matched among themselves with the program's own solver and rules.
enum Reconcile {
    /// A lock describing a freshly solved round.
    static func lock(of result: ProgramMatch, locked: LocalDate) -> RoundLock {
        let ids = result.people.map(\.id)
        return RoundLock(
            program: result.program.slug, round: result.program.round, format: result.program.format, locked: locked,
            matches: result.units.map { LockedUnit(members: $0.members.map { ids[$0] }, score: $0.score) },
            satOut: result.unmatched.filter(\.satOut).map { LockedPerson(id: ids[$0.person], reason: $0.reason) },
            unmatched: result.unmatched.filter { !$0.satOut && !$0.paused }.map { LockedPerson(id: ids[$0.person], reason: $0.reason) },
            paused: result.unmatched.filter(\.paused).map { LockedPerson(id: ids[$0.person], reason: $0.reason) },
            dissolved: [], file: RoundLock.path(program: result.program.slug, round: result.program.round))
    }

    /// `departed` gives the reason for someone in the lock who is no longer on the roster at
    /// all (the roster sources no longer list them); nil: they left the program.
    static func run(_ lock: RoundLock, table: ScoringTable, index: [String: Int], eligible: [Bool], paused: [Int: String] = [:],
                    today: LocalDate, departed: (String) -> String? = { _ in nil }) -> (ProgramMatch, RoundLock) {
        let program = table.program
        let people = table.people
        var next = lock
        next.matches = []
        next.satOut = []
        next.unmatched = []
        next.paused = paused.keys.sorted { people[$0].id < people[$1].id }.map { LockedPerson(id: people[$0].id, reason: paused[$0]!) }
        var kept: [(members: [Int], entry: LockedUnit)] = []
        var pool: [Int] = []
        var why: [Int: String] = [:]
        var mentioned = Set<Int>()
        var changed = false
        func fresh(_ members: [Int]) -> LockedUnit {
            LockedUnit(members: ordered(members, table), score: ProgramMatcher.unit(members, kind: kind(members, program), table: table).score, added: today)
        }

        // Paused people leave their match; a changed pause list alone is a change.
        if next.paused.map(\.id) != lock.paused.map(\.id) || next.paused.map(\.reason) != lock.paused.map(\.reason) { changed = true }
        // Matches an admin ended leave the round; with `rematch: false` their members wait
        // for the next round.
        let endedSets = lock.ended.map { Set($0.members) }
        var heldBack = Set<Int>()
        for entry in lock.ended where !entry.rematch { heldBack.formUnion(entry.members.compactMap { index[$0] }) }
        for unit in lock.matches {
            if let e = endedSets.firstIndex(of: Set(unit.members)) {
                changed = true
                let entry = lock.ended[e]
                next.dissolved.append(DissolvedUnit(members: unit.members, reason: "ended on \(entry.on)", date: today))
                for x in unit.members.compactMap({ index[$0] }) {
                    mentioned.insert(x)
                    guard paused[x] == nil, !heldBack.contains(x) else { continue }
                    pool.append(x)
                    why[x] = "their match ended after round \(program.round) was locked"
                }
                continue
            }
            let all = unit.members.compactMap { index[$0] }
            mentioned.formUnion(all)
            let resting = all.filter { paused[$0] != nil }
            let present = all.filter { paused[$0] == nil }
            let gone = unit.members.filter { index[$0] == nil }
            let rolesHold = !program.format.isMentoring || (present.count == 2 && table.isMentor[present[0]] && !table.isMentor[present[1]])
            if gone.isEmpty && resting.isEmpty && present.count >= 2 && rolesHold {
                kept.append((present, unit))
                continue
            }
            changed = true
            let left = gone.filter { departed($0) == nil }
            let departures = gone.compactMap { id in departed(id).map { "'\(id)' \($0)" } }
            let reason = !gone.isEmpty ? (departures + (left.isEmpty ? [] : ["\(Explain.list(left.map { "'\($0)'" })) left the program"])).joined(separator: "; ")
                : !resting.isEmpty ? "\(Explain.list(resting.map { "'\(people[$0].id)'" })) paused"
                : present.count < 2 ? "a match needs at least two people" : "mentor and mentee roles changed"
            next.dissolved.append(DissolvedUnit(members: unit.members, reason: reason, date: today))
            let stayTogether = rolesHold && ((program.format == .pairs && present.count == 2) || (program.format == .groups && present.count >= program.groupSize.lowerBound))
            if stayTogether {
                kept.append((present, fresh(present)))
            } else {
                for x in present {
                    pool.append(x)
                    // Never blamed on anyone: a partner's pause is their own business.
                    why[x] = resting.isEmpty
                        ? "their match broke up after round \(program.round) was locked (\(reason))"
                        : "their match changed after round \(program.round) was locked"
                }
            }
        }
        var waiting: [Int] = []
        for person in lock.satOut + lock.unmatched {
            if let i = index[person.id] { mentioned.insert(i); if paused[i] == nil { waiting.append(i) } } else { changed = true }
        }
        // Held back by an ended match (rematch: false) unless a match of theirs is kept.
        let inKept = Set(kept.flatMap(\.members))
        heldBack.subtract(inKept)
        heldBack.subtract(paused.keys)
        waiting.removeAll { heldBack.contains($0) }
        var returning: [Int] = []
        for person in lock.paused {
            guard let i = index[person.id] else { continue }
            mentioned.insert(i)
            if paused[i] == nil { returning.append(i) }
        }
        mentioned.formUnion(paused.keys)
        let newcomers = people.indices.filter { !mentioned.contains($0) }
        if !newcomers.isEmpty { changed = true }
        guard changed else { return (result(from: lock, table: table), lock) }

        for x in newcomers { why[x] = "joined after round \(program.round) was locked" }
        // Back from a pause: matched with whoever is free, as a newcomer is.
        for x in returning { why[x] = "came back after round \(program.round) was locked" }
        pool = Array(Set(pool + newcomers + waiting + returning)).filter { !heldBack.contains($0) }.sorted()

        // Mentors with room left take part in the pool with what is left of their capacity.
        var room: [Int: Int] = [:]
        if program.format.isMentoring {
            var taken = [Int: Int]()
            for unit in kept { taken[unit.members[0], default: 0] += 1 }
            for m in people.indices where table.isMentor[m] && paused[m] == nil {
                let left = people[m].capacity - (taken[m] ?? 0)
                if left > 0 { room[m] = left; pool.append(m) } else { pool.removeAll { $0 == m } }
            }
            pool = Array(Set(pool)).sorted()
        }

        var added: [[Int]] = []
        var left: [Unmatched] = []
        if !pool.isEmpty {
            let sub = restricted(table, to: pool, capacity: room)
            let solved = ProgramMatcher.solve(sub, eligible: pool.map { eligible[$0] })
            added = solved.units.map { $0.members.map { pool[$0] } }
            left = solved.unmatched.map { Unmatched(person: pool[$0.person], reason: $0.reason, satOut: $0.satOut) }
        }
        if program.format.isMentoring {
            // A mentor who keeps a mentee is not "unmatched" for having room left.
            let busy = Set(kept.map { $0.members[0] } + added.map { $0[0] })
            left.removeAll { busy.contains($0.person) }
        }

        // Someone left over on their own may still fit into a locked unit without reshuffling it.
        var units = kept.map { (members: $0.members, entry: $0.entry) }
        if program.format == .groups {
            for (g, group) in added.enumerated().reversed() where group.count < program.groupSize.lowerBound {
                added.remove(at: g)
                left += group.map { Unmatched(person: $0, reason: "") }
            }
        }
        var stillLeft: [Unmatched] = []
        for person in left.sorted(by: { $0.person < $1.person }) {
            let x = person.person
            if program.format == .pairs && program.oddPolicy == .trio, let (u, replacement) = fitIntoPair(x, units: units, table: table) {
                let old = units[u]
                next.dissolved.append(DissolvedUnit(members: old.entry.members, reason: newcomers.contains(x) ? "'\(people[x].id)' joined after the round was locked" : "'\(people[x].id)' joined them", date: today))
                units.remove(at: u)
                for members in replacement { units.append((members, fresh(members))) }
                continue
            }
            if program.format == .groups, let u = fitIntoGroup(x, units: units, table: table) {
                let old = units[u]
                next.dissolved.append(DissolvedUnit(members: old.entry.members, reason: "'\(people[x].id)' joined the group", date: today))
                let grown = old.members + [x]
                units[u] = (grown, fresh(grown))
                continue
            }
            var p = person
            if p.reason.isEmpty {
                p.reason = "no group has room for them without breaking a rule"
            } else if program.format == .pairs, let context = why[x], !p.reason.hasPrefix("no allowed") {
                p.reason = p.satOut ? context + "; " + p.reason
                    : context + " and nobody free is allowed to meet them; they are matched with the next newcomer or in the next round"
            }
            stillLeft.append(p)
        }
        for members in added {
            units.append((members, fresh(members)))
        }
        // New entries carry the score they were made with; kept ones stay as written.
        next.matches = units.map(\.entry).sorted { $0.members.joined(separator: "--") < $1.members.joined(separator: "--") }
        for x in heldBack.sorted() {
            stillLeft.append(Unmatched(person: x, reason: "your match ended after round \(program.round) was locked; you are matched again next round"))
        }
        for p in stillLeft.sorted(by: { people[$0.person].id < people[$1.person].id }) {
            let entry = LockedPerson(id: people[p.person].id, reason: p.reason)
            if p.satOut { next.satOut.append(entry) } else { next.unmatched.append(entry) }
        }
        next.updated = today
        return (result(from: next, table: table), next)
    }

    /// The program's matching as a lock describes it; every score is computed afresh.
    /// `solved`, when given, is the fresh solve the lock was made from: its graph is reused.
    static func result(from lock: RoundLock, table: ScoringTable, solved: ProgramMatch? = nil) -> ProgramMatch {
        // A local `people`: a closure reading `table.people` copied the whole table.
        let people = table.people
        let index = people.positionsByID
        var result = ProgramMatcher.empty(table)
        let resting = Set(lock.paused.compactMap { index[$0.id] })
        let graph = solved.map { ($0.edges, $0.allowedCount, $0.candidates) } ?? candidates(table, without: resting)
        result.edges = graph.0
        result.allowedCount = graph.1
        result.candidates = graph.2
        result.certificate = solved?.certificate
        result.units = lock.matches.compactMap { entry in
            let members = entry.members.compactMap { index[$0] }
            return members.count == entry.members.count ? ProgramMatcher.unit(members, kind: kind(members, table.program), table: table) : nil
        }.sorted { $0.id < $1.id }
        result.unmatched = (lock.satOut.map { ($0, 1) } + lock.unmatched.map { ($0, 0) } + lock.paused.map { ($0, 2) }).compactMap { p, kind in
            index[p.id].map { Unmatched(person: $0, reason: p.reason, satOut: kind == 1, paused: kind == 2) }
        }.sorted { people[$0.person].id < people[$1.person].id }
        result.solverPairs = solved?.solverPairs ?? result.units.filter { $0.kind == .pair }.map { Pair($0.members[0], $0.members[1]) }
        result.objective = result.units.reduce(0) { $0 + $1.score }
        return result
    }

    /// The candidate graph without the people in `resting` (paused), as a fresh solve sees it.
    private static func candidates(_ table: ScoringTable, without resting: Set<Int>) -> (edges: [WeightedEdge], allowedCount: [Int], info: CandidateInfo?) {
        guard !resting.isEmpty else { return candidates(table) }
        let active = (0..<table.count).filter { !resting.contains($0) }
        let (edges, allowed, info) = candidates(restricted(table, to: active, capacity: [:]))
        var allowedCount = allowed.isEmpty ? [] : [Int](repeating: 0, count: table.count)
        for (k, i) in active.enumerated() where k < allowed.count { allowedCount[i] = allowed[k] }
        return (edges.map { WeightedEdge(active[$0.u], active[$0.v], $0.weight) }, allowedCount, info)
    }

    /// The candidate graph and allowed counts the report and `match --json` show.
    private static func candidates(_ table: ScoringTable) -> (edges: [WeightedEdge], allowedCount: [Int], info: CandidateInfo?) {
        switch table.program.format {
        case .pairs:
            let g = CandidateGraph.build(table, k: table.program.candidates)
            return (g.edges, g.allowedCount, g.info)
        case .groups:
            guard table.count <= CandidateGraph.completeLimit else { return ([], [], nil) }
            let g = CandidateGraph.build(table, k: table.program.candidates)
            return (g.edges, g.allowedCount, g.info)
        case .mentoring, .reverse:
            let g = ProgramMatcher.mentoringGraph(table)
            return (g.edges.map { WeightedEdge(g.mentors[$0.u], g.mentees[$0.v], $0.weight) }, g.allowedCount, ProgramMatcher.mentoringInfo(table))
        }
    }

    static func kind(_ members: [Int], _ program: Program) -> UnitKind {
        LockWriter.kind(members.count, program.format)
    }

    /// Members in the order a lock file and a unit id use: by id, mentor first for mentoring.
    static func ordered(_ members: [Int], _ table: ScoringTable) -> [String] {
        if table.program.format.isMentoring { return members.map { table.people[$0].id } }
        return members.map { table.people[$0].id }.sorted()
    }

    /// The same program's scoring over some of its people (indices into `table.people`),
    /// with mentors' capacities replaced where given.
    static func restricted(_ table: ScoringTable, to indices: [Int], capacity: [Int: Int]) -> ScoringTable {
        var people = indices.map { table.people[$0] }
        for (k, i) in indices.enumerated() { if let c = capacity[i] { people[k].capacity = c } }
        var sub = ScoringTable(program: table.program, people: people)
        let local = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($1, $0) })
        sub.previousPartners = Set(table.previousPartners.compactMap { p in local[p.a].flatMap { a in local[p.b].map { Pair(a, $0) } } })
        sub.endedPairs = Set(table.endedPairs.compactMap { p in local[p.a].flatMap { a in local[p.b].map { Pair(a, $0) } } })
        _ = sub.allowRepeatsWhereNeeded()
        return sub
    }

    /// For a pairs program with the trio policy: take one member out of a locked trio to meet
    /// `x` (the other two stay together), or else join the locked pair that gains most.
    /// Either way only one or two people get a new partner and nobody loses theirs.
    static func fitIntoPair(_ x: Int, units: [(members: [Int], entry: LockedUnit)], table: ScoringTable) -> (Int, [[Int]])? {
        var best: (gain: Int, unit: Int, split: [[Int]])?
        for (u, unit) in units.enumerated() where unit.members.count == 3 {
            for t in unit.members where table.violatedRule(x, t) == nil {
                let gain = table.score(x, t)
                if best == nil || gain > best!.gain { best = (gain, u, [[t, x].sorted(), unit.members.filter { $0 != t }]) }
            }
        }
        if let best { return (best.unit, best.split) }
        var join: (gain: Int, unit: Int)?
        for (u, unit) in units.enumerated() where unit.members.count == 2 && unit.members.allSatisfy({ table.violatedRule(x, $0) == nil }) {
            let gain = unit.members.reduce(0) { $0 + table.score(x, $1) }
            if join == nil || gain > join!.gain { join = (gain, u) }
        }
        return join.map { ($0.unit, [(units[$0.unit].members + [x]).sorted()]) }
    }

    /// For a groups program: the locked group with room that gains most from `x`.
    static func fitIntoGroup(_ x: Int, units: [(members: [Int], entry: LockedUnit)], table: ScoringTable) -> Int? {
        var best: (gain: Int, unit: Int)?
        for (u, unit) in units.enumerated() where unit.members.count < table.program.groupSize.upperBound
            && unit.members.allSatisfy({ table.violatedRule(x, $0) == nil }) {
            let gain = unit.members.reduce(0) { $0 + table.score(x, $1) }
            if best == nil || gain > best!.gain { best = (gain, u) }
        }
        return best?.unit
    }
}
