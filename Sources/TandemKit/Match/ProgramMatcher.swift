import Dispatch
import Foundation
import Matching

/// How a set of people were brought together in a program.
public enum UnitKind: String, Sendable {
    case pair, trio, group, mentoring
}

/// A pair, trio, group or mentor–mentee pair: the people who meet together.
public struct MatchUnit: Sendable {
    /// Stable, URL-safe: member ids joined by "--" (mentor first for mentoring).
    public var id: String
    public var kind: UnitKind
    /// Indices into `ProgramMatch.people`.
    public var members: [Int]
    /// Sum of the pair scores inside the unit.
    public var score: Int
    /// Every pair inside the unit with its breakdown.
    public var pairScores: [(a: Int, b: Int, score: PairScore)]
}

/// Someone enrolled who has no match this round, and why.
public struct Unmatched: Sendable {
    public var person: Int
    public var reason: String
    /// True when they sit out by the odd-count policy (as opposed to having nobody allowed).
    public var satOut: Bool = false
    /// True when they asked not to be matched this round (`pause`, `skip_rounds`).
    public var paused: Bool = false
}

/// The outcome of matching one program.
public struct ProgramMatch: Sendable {
    public var program: Program
    /// The enrolled participants, sorted by id; all indices in this value refer to it.
    public var people: [Participant]
    public var units: [MatchUnit]
    public var unmatched: [Unmatched]
    /// The candidate graph given to the solver (pairs/groups: over people; mentoring: mentor
    /// and mentee indices into `people`).
    public var edges: [WeightedEdge]
    /// The solver's own matching (pairs format), before trios were formed.
    public var solverPairs: [Pair]
    /// Number of allowed partners per person under the hard rules.
    public var allowedCount: [Int]
    public var objective: Int
    /// Unit indices per person.
    public var unitsOf: [[Int]]
    /// Pods of units (programs with `pods:`), numbered as in the lock file.
    public var pods: [Pod] = []
    /// Index into `pods` per unit, nil when the unit has no pod.
    public var podOfUnit: [Int?] = []
    /// The round's lock, history and what changed.
    public var round = RoundState()
    /// Each unit's and pod's own dates (filled by `Scheduler.scheduleAll`).
    public var schedule = ProgramSchedule()
    /// The scoring the matching used (with this round's history), for checks and the report.
    var table: ScoringTable?
    /// How the candidate graph was found (nil for groups above `CandidateGraph.completeLimit`,
    /// which score pairs on demand).
    public var candidates: CandidateInfo?
    /// The solver's proof of optimality on the candidate graph (pairs format, solved this
    /// run; nil when the round comes from its lock file).
    public var certificate: PairingCertificate?
    /// Per person, the allowed partners who would suit them best (programs with
    /// `shortlist:`), best first; empty otherwise.
    public var shortlists: [[Int]] = []
}

enum ProgramMatcher {
    /// Matches every program of the portal, several at once (programs are independent: each
    /// reads the portal and its own locks only); the results come in program order, exactly
    /// as `portal.programs.map { match($0, …) }` gives them.
    /// The biggest programs start first, so that the longest match does not begin last.
    static func matchAll(_ portal: Portal, locks: [String: ProgramLocks], today: LocalDate) -> [ProgramMatch] {
        let programs = portal.programs
        var enrolled = [Int](repeating: 0, count: programs.count)
        let position = Dictionary(programs.enumerated().map { ($1.slug, $0) }, uniquingKeysWith: { first, _ in first })
        for person in portal.participants { for slug in person.programs { if let p = position[slug] { enrolled[p] += 1 } } }
        let results = PoolResults<ProgramMatch>(count: programs.count)
        let pool = WorkPool()
        pool.add(programs.indices.sorted { (enrolled[$0], $1) > (enrolled[$1], $0) }.map { i in
            { @Sendable in
                let m = match(programs[i], portal: portal, locks: locks[programs[i].slug] ?? ProgramLocks(), today: today)
                results.set(i, m)
            }
        })
        pool.run()
        return results.all
    }

    /// Matches one program, honouring its lock file for the current round and the pairs and
    /// sit-outs of earlier rounds.
    static func match(_ program: Program, portal: Portal, locks: ProgramLocks = ProgramLocks(), today: LocalDate) -> ProgramMatch {
        let people = portal.participants.filter { $0.programs.contains(program.slug) }
        let index = people.positionsByID
        var table = ScoringTable(program: program, people: people)
        let history = RoundHistory(locks.earlier, current: locks.current, index: index, count: people.count)
        table.previousPartners = history.pairs
        table.endedPairs = history.ended
        let relieved = table.allowRepeatsWhereNeeded()
        var paused: [Int: String] = [:]
        for i in people.indices { if let reason = people[i].pauseReason(in: program) { paused[i] = reason } }
        var result: ProgramMatch
        var lock: RoundLock
        if let current = locks.current {
            // With the roster built from an HR export, someone no longer in it has left.
            let listing = portal.rosterListings.first.map { ($0 as NSString).lastPathComponent }
            let departed: (String) -> String? = { id in
                guard let listing, portal.participant(id) == nil else { return nil }
                return "no longer in \(listing)"
            }
            (result, lock) = Reconcile.run(current, table: table, index: index, eligible: history.sitOutEligible, paused: paused, today: today, departed: departed)
        } else {
            // The pages must not depend on whether the lock was just written or read back.
            let solved = solve(table, eligible: history.sitOutEligible, paused: paused)
            lock = Reconcile.lock(of: solved, locked: today)
            result = Reconcile.result(from: lock, table: table, solved: solved)
        }
        var unitsOf = [[Int]](repeating: [], count: people.count)
        for (u, unit) in result.units.enumerated() { for m in unit.members { unitsOf[m].append(u) } }
        result.unitsOf = unitsOf
        (result.pods, lock) = PodPlanner.plan(result, lock: lock)
        result.podOfUnit = PodPlanner.podOfUnit(result.pods, unitCount: result.units.count)

        var state = RoundState()
        state.lock = lock
        state.wasLocked = locks.current != nil
        state.needsWrite = locks.current.map { LockWriter.render($0, title: "") != LockWriter.render(lock, title: "") } ?? true
        state.earlierRounds = locks.earlier.map(\.round)
        state.repeatAllowed = relieved
        let roundAt = program.fieldLocations["round"] ?? SourceLocation(file: program.sourceFile)
        for unit in result.units {
            for pair in unit.pairScores {
                guard let earlier = history.roundOf[Pair(pair.a, pair.b)] else { continue }
                state.repeats.append((pair.a, pair.b, earlier))
                let (a, b) = (people[pair.a].id, people[pair.b].id)
                let needy = [pair.a, pair.b].filter { table.repeatAllowed.contains($0) }.map { "'\(people[$0].id)'" }
                state.notes.append(Diagnostic(.warning, "'\(a)' and '\(b)' meet again in round \(program.round) of '\(program.slug)' (they were matched in round \(earlier))"
                    + (needy.isEmpty ? "" : ": \(Explain.list(needy)) \(needy.count == 1 ? "has" : "have") no other allowed partner")
                    + "; the match loses \(ScoringTable.repeatPenalty) points", at: roundAt))
            }
        }
        if let current = locks.current {
            for entry in current.matches {
                for (k, id) in entry.members.enumerated() {
                    guard let i = index[id], paused[i] != nil else { continue }
                    state.checkNotes.append(Diagnostic(.warning, "'\(id)' is paused but still listed in the locked match \(entry.members.joined(separator: " + "))",
                                                       at: k < entry.memberLocations.count ? entry.memberLocations[k] : entry.location,
                                                       hint: "the next build takes them out of it and matches the others again among those free"))
                }
            }
            // An ended entry must name a match of this round.
            let units = Set((current.matches.map(\.members) + current.dissolved.map(\.members)).map { Set($0) })
            for entry in current.ended where !units.contains(Set(entry.members)) {
                state.notes.append(Diagnostic(.warning, "the ended match \(entry.members.joined(separator: " + ")) is not a match of round \(current.round)",
                                              at: entry.location ?? SourceLocation(file: current.file),
                                              hint: "copy 'members' from the match's entry under 'matches'"))
            }
            // A published match stays even if it now breaks a rule: the admin decides.
            let byMembers = Dictionary(current.matches.map { ($0.members, $0) }, uniquingKeysWith: { a, _ in a })
            for unit in result.units {
                guard let entry = byMembers[unit.members.map { people[$0].id }] else { continue }
                let broken = unit.pairScores.compactMap { pair -> String? in
                    let (x, y) = program.format.isMentoring ? (unit.members[0], unit.members[1]) : (pair.a, pair.b)
                    guard let rule = table.violatedRule(x, y), rule != "not_previous_partner" else { return nil }
                    return Feasibility.ruleName(rule, program)
                }
                guard !broken.isEmpty else { continue }
                let rules = broken.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                state.notes.append(Diagnostic(.warning, "locked match \(unit.members.map { people[$0].id }.joined(separator: " + ")) breaks \(Explain.list(rules))",
                                              at: entry.location ?? SourceLocation(file: current.file),
                                              hint: "delete it from the lock file to match them again on the next build"))
            }
        }
        result.round = state
        result.table = table
        if let size = program.shortlist { result.shortlists = shortlists(result, table: table, size: size) }
        return result
    }

    /// Each person's best allowed partners by fit (the score without any request bonus), from
    /// the candidate graph: every allowed pair in programs up to `CandidateGraph.completeLimit`
    /// people, each person's best candidates beyond. Current partners and paused people are
    /// left out; ties go to the lower id.
    static func shortlists(_ m: ProgramMatch, table: ScoringTable, size: Int) -> [[Int]] {
        var options = [[(fit: Int, who: Int)]](repeating: [], count: m.people.count)
        for e in m.edges {
            let fit = e.weight - table.bonus(e.u, e.v)
            options[e.u].append((fit, e.v))
            options[e.v].append((fit, e.u))
        }
        return options.enumerated().map { x, list in
            let current = Set(m.unitsOf[x].flatMap { m.units[$0].members })
            return list.filter { !current.contains($0.who) }.sorted { ($0.fit, $1.who) > ($1.fit, $0.who) }.prefix(size).map(\.who)
        }
    }

    /// Solves the program from scratch without the people in `paused`, who are listed as
    /// paused with their reason; indices stay those of `table`.
    static func solve(_ table: ScoringTable, eligible: [Bool], paused: [Int: String]) -> ProgramMatch {
        guard !paused.isEmpty else { return solve(table, eligible: eligible) }
        let active = (0..<table.count).filter { paused[$0] == nil }
        var result = empty(table)
        if !active.isEmpty {
            let sub = Reconcile.restricted(table, to: active, capacity: [:])
            let solved = solve(sub, eligible: active.map { eligible[$0] })
            result.units = solved.units.map { unit($0.members.map { active[$0] }, kind: $0.kind, table: table) }.sorted { $0.id < $1.id }
            result.unmatched = solved.unmatched.map { var u = $0; u.person = active[u.person]; return u }
            result.edges = solved.edges.map { WeightedEdge(active[$0.u], active[$0.v], $0.weight) }
            result.solverPairs = solved.solverPairs.map { Pair(active[$0.a], active[$0.b]) }
            if !solved.allowedCount.isEmpty {
                result.allowedCount = [Int](repeating: 0, count: table.count)
                for (k, i) in active.enumerated() { result.allowedCount[i] = solved.allowedCount[k] }
            }
            result.objective = solved.objective
        }
        for (i, reason) in paused { result.unmatched.append(Unmatched(person: i, reason: reason, paused: true)) }
        result.unmatched.sort { table.people[$0.person].id < table.people[$1.person].id }
        return result
    }

    /// Solves the whole program from scratch (no lock for this round yet).
    static func solve(_ table: ScoringTable, eligible: [Bool]) -> ProgramMatch {
        switch table.program.format {
        case .pairs: return matchPairs(table, eligible: eligible)
        case .groups: return matchGroups(table)
        case .mentoring, .reverse: return matchMentoring(table)
        }
    }

    static func empty(_ table: ScoringTable) -> ProgramMatch {
        ProgramMatch(program: table.program, people: table.people, units: [], unmatched: [], edges: [], solverPairs: [],
                     allowedCount: [], objective: 0, unitsOf: [])
    }

    static func unit(_ members: [Int], kind: UnitKind, table: ScoringTable) -> MatchUnit {
        var pairScores: [(Int, Int, PairScore)] = []
        for i in 0..<members.count {
            for j in (i + 1)..<members.count {
                pairScores.append((members[i], members[j], table.breakdown(members[i], members[j])))
            }
        }
        // The people, not the table, in the closure: a closure reading `table.people` copied
        // the whole table (a retain per array in it) at every comparison.
        let people = table.people
        let ordered = kind == .mentoring ? members : members.sorted { people[$0].id < people[$1].id }
        return MatchUnit(id: ordered.map { people[$0].id }.joined(separator: "--"), kind: kind, members: ordered,
                         score: pairScores.reduce(0) { $0 + $1.2.total }, pairScores: pairScores)
    }

    static func noPartnerReason(_ x: Int, _ table: ScoringTable) -> String {
        var counts: [String: Int] = [:]
        for y in 0..<table.count where y != x {
            if let rule = table.violatedRule(x, y) { counts[rule, default: 0] += 1 }
        }
        if table.count <= 1 { return "the only person enrolled" }
        let top = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(2).map { "\(Feasibility.ruleName($0.key, table.program)) excludes \($0.value)" }
        return "no allowed partner under the rules (\(top.joined(separator: ", ")))"
    }

    static func matchPairs(_ table: ScoringTable, eligible: [Bool]? = nil) -> ProgramMatch {
        let graph = CandidateGraph.build(table, k: table.program.candidates)
        let problem = PairingProblem(
            vertexCount: table.count, edges: graph.edges,
            oddPolicy: table.program.oddPolicy == .trio ? .trio : .sitOut,
            sitOutEligible: eligible, fairness: table.program.fairness,
            trioScore: { x, a, b in
                guard table.violatedRule(x, a) == nil, table.violatedRule(x, b) == nil else { return nil }
                return table.score(x, a) + table.score(x, b)
            })
        let solved = solvePairing(problem)
        var result = empty(table)
        result.edges = graph.edges
        result.allowedCount = graph.allowedCount
        result.candidates = graph.info
        result.certificate = solved.certificate
        result.solverPairs = solved.matching.pairs
        result.units = solved.pairs.map { unit([$0.a, $0.b], kind: .pair, table: table) }
            + solved.trios.map { unit($0, kind: .trio, table: table) }
        result.units.sort { $0.id < $1.id }
        for x in solved.sitOut {
            result.unmatched.append(Unmatched(person: x, reason: "sits out this round: an odd number of people are enrolled and the program pairs one-on-one", satOut: true))
        }
        for x in solved.isolated {
            result.unmatched.append(Unmatched(person: x, reason: graph.allowedCount[x] == 0 ? noPartnerReason(x, table) : "no partner left who is allowed under the rules"))
        }
        result.unmatched.sort { table.people[$0.person].id < table.people[$1.person].id }
        result.objective = result.units.reduce(0) { $0 + $1.score }
        return result
    }

    /// Local search samples moves at random; a hundred tries per person is past the point of
    /// improvement on every portal we measured, and keeps small programs instant.
    static func groupMoveBudget(_ n: Int) -> Int { max(2_000, min(200_000, n * 100)) }

    /// The grouping search asks for the same pair scores many times: small programs get a
    /// precomputed table (forbidden pairs as Int32.min), large ones score on demand.
    static func groupScore(_ table: ScoringTable) -> @Sendable (Int, Int) -> Int? {
        let n = table.count
        guard n <= 3_000 else { return { x, y in table.violatedRule(x, y) == nil ? table.score(x, y) : nil } }
        // Rows from the kernel, in parallel. The kernel's values differ from `score` only for
        // earlier partners (`score` takes the repeat penalty off even without
        // not_previous_partner), so those few pairs are taken from the reference.
        var matrix = [Int32](repeating: Int32.min, count: n * n)
        matrix.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let m = buffer
            CandidateGraph.forEachChunk(of: n) { _, range in
                var row = [Int32](repeating: Int32.min, count: n)
                for x in range {
                    _ = table.scanRow(x, into: &row)
                    for y in table.earlierPartners(of: x) {
                        row[Int(y)] = table.violatedRule(x, Int(y)) == nil ? Int32(clamping: table.score(x, Int(y))) : Int32.min
                    }
                    for y in 0..<n { m[x * n + y] = row[y] }
                }
            }
        }
        let frozen = matrix
        return { x, y in
            let s = frozen[x * n + y]
            return s == Int32.min ? nil : Int(s)
        }
    }

    static func matchGroups(_ table: ScoringTable) -> ProgramMatch {
        let program = table.program
        let solved = solveGrouping(GroupingProblem(
            vertexCount: table.count, minSize: program.groupSize.lowerBound, maxSize: program.groupSize.upperBound,
            moveBudget: groupMoveBudget(table.count), score: groupScore(table)))
        var result = empty(table)
        if table.count <= CandidateGraph.completeLimit {
            let graph = CandidateGraph.build(table, k: program.candidates)
            result.edges = graph.edges
            result.allowedCount = graph.allowedCount
            result.candidates = graph.info
        }
        result.units = solved.groups.map { unit($0, kind: .group, table: table) }.sorted { $0.id < $1.id }
        result.unmatched = solved.unplaced.map { Unmatched(person: $0, reason: "no group could take them without breaking a rule") }
        result.objective = solved.objective
        return result
    }

    /// Mentor–mentee candidates: every allowed pair while there are at most
    /// `denseMentoringLimit` pairs; beyond that each mentee keeps their `candidates` best
    /// mentors (a large program has far more pairs than the flow needs). Edges use mentor and
    /// mentee positions (`u` in `mentors`, `v` in `mentees`), sorted.
    static let denseMentoringLimit = 4_000_000

    static func mentoringGraph(_ table: ScoringTable) -> (mentors: [Int], mentees: [Int], edges: [WeightedEdge], allowedCount: [Int]) {
        let mentors = (0..<table.count).filter { table.isMentor[$0] }
        let mentees = (0..<table.count).filter { !table.isMentor[$0] }
        let dense = mentors.count * mentees.count <= denseMentoringLimit
        var allowedCount = [Int](repeating: 0, count: table.count)
        // Rows are scored in parallel, each into its own slot, and merged in order.
        if dense {
            // A row per mentor over all mentees: every allowed pair, in (mentor, mentee) order.
            let menteeIDs = mentees.map { Int32($0) }
            nonisolated(unsafe) var rows = [[WeightedEdge]](repeating: [], count: mentors.count)
            nonisolated(unsafe) var counts = [Int](repeating: 0, count: mentors.count)
            rows.withUnsafeMutableBufferPointer { rowBuffer in
                counts.withUnsafeMutableBufferPointer { countBuffer in
                    nonisolated(unsafe) let rb = rowBuffer, cb = countBuffer
                    CandidateGraph.forEachChunk(of: mentors.count) { _, range in
                        var row = [Int32](repeating: Int32.min, count: table.count)
                        for i in range {
                            cb[i] = table.scanRow(mentors[i], candidates: menteeIDs, into: &row)
                            var edges: [WeightedEdge] = []
                            for (j, e) in mentees.enumerated() where row[e] != Int32.min { edges.append(WeightedEdge(i, j, Int(row[e]))) }
                            rb[i] = edges
                        }
                    }
                }
            }
            for (i, m) in mentors.enumerated() { allowedCount[m] = counts[i] }
            let edges = Array(rows.joined())
            for e in edges { allowedCount[mentees[e.v]] += 1 }
            return (mentors, mentees, edges, allowedCount)
        }
        // A row per mentee over all mentors, keeping the mentee's `candidates` best mentors.
        let k = max(0, table.program.candidates)
        let mentorIDs = mentors.map { Int32($0) }
        var position = [Int](repeating: -1, count: table.count)
        for (i, m) in mentors.enumerated() { position[m] = i }
        let ranges = CandidateGraph.chunks(of: mentees.count)
        nonisolated(unsafe) var chosen = [Int32](repeating: 0, count: mentees.count * k), chosenScore = chosen
        nonisolated(unsafe) var taken = [Int32](repeating: 0, count: mentees.count), counts = [Int](repeating: 0, count: mentees.count)
        nonisolated(unsafe) var mentorCounts = [[Int]](repeating: [], count: ranges.count)
        chosen.withUnsafeMutableBufferPointer { chosenBuffer in
            chosenScore.withUnsafeMutableBufferPointer { scoreBuffer in
                taken.withUnsafeMutableBufferPointer { takenBuffer in
                    counts.withUnsafeMutableBufferPointer { countBuffer in
                        mentorCounts.withUnsafeMutableBufferPointer { mentorBuffer in
                            nonisolated(unsafe) let vb = chosenBuffer, sb = scoreBuffer, tb = takenBuffer, cb = countBuffer, mb = mentorBuffer
                            CandidateGraph.forEachChunk(of: mentees.count) { c, range in
                                var row = [Int32](repeating: Int32.min, count: table.count)
                                var selector = TopSelector(table: table, k: k)
                                var perMentor = [Int](repeating: 0, count: mentors.count)
                                for j in range {
                                    cb[j] = table.scanRow(mentees[j], candidates: mentorIDs, asMentee: true, into: &row)
                                    for (i, m) in mentors.enumerated() where row[m] != Int32.min { perMentor[i] += 1 }
                                    tb[j] = selector.select(row, candidates: mentorIDs, count: table.count,
                                                            into: vb.baseAddress! + j * k, scores: sb.baseAddress! + j * k)
                                }
                                mb[c] = perMentor
                            }
                        }
                    }
                }
            }
        }
        for (j, e) in mentees.enumerated() { allowedCount[e] = counts[j] }
        for perMentor in mentorCounts { for (i, m) in mentors.enumerated() { allowedCount[m] += perMentor[i] } }
        var edges: [WeightedEdge] = []
        for j in 0..<mentees.count {
            for slot in (j * k)..<(j * k + Int(taken[j])) { edges.append(WeightedEdge(position[Int(chosen[slot])], j, Int(chosenScore[slot]))) }
        }
        edges.sort { ($0.u, $0.v) < ($1.u, $1.v) }
        return (mentors, mentees, edges, allowedCount)
    }

    /// The mentoring graph's method: every allowed pair while dense, else each mentee's k
    /// best mentors with every mentor scored.
    static func mentoringInfo(_ table: ScoringTable) -> CandidateInfo {
        let mentors = table.isMentor.filter { $0 }.count
        let scoring = "each mentee's row against the mentors, " + table.scoringPath
        return mentors * (table.count - mentors) <= denseMentoringLimit ? CandidateInfo(method: .complete, k: nil, scoring: scoring)
            : CandidateInfo(method: .exhaustive, k: max(0, table.program.candidates), scoring: scoring)
    }

    static func matchMentoring(_ table: ScoringTable) -> ProgramMatch {
        let started = DispatchTime.now().uptimeNanoseconds
        let (mentors, mentees, edges, allowedCount) = mentoringGraph(table)
        var info = mentoringInfo(table)
        info.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let solved = solveMentoring(MentoringProblem(
            mentorCount: mentors.count, menteeCount: mentees.count,
            capacity: mentors.map { table.people[$0].capacity }, edges: edges))
        var result = empty(table)
        result.edges = edges.map { WeightedEdge(mentors[$0.u], mentees[$0.v], $0.weight) }
        result.allowedCount = allowedCount
        result.candidates = info
        for (j, mentor) in solved.mentorOf.enumerated() {
            if let mentor {
                result.units.append(unit([mentors[mentor], mentees[j]], kind: .mentoring, table: table))
            } else {
                let e = mentees[j]
                result.unmatched.append(Unmatched(person: e, reason: allowedCount[e] == 0
                    ? noPartnerReason(e, table).replacingOccurrences(of: "partner", with: "mentor")
                    : "every mentor they could be matched with is at capacity"))
            }
        }
        let busy = Set(result.units.map { $0.members[0] })
        for m in mentors where !busy.contains(m) {
            result.unmatched.append(Unmatched(person: m, reason: "no mentee this round: more mentor places than mentees"))
        }
        result.units.sort { $0.id < $1.id }
        result.unmatched.sort { table.people[$0.person].id < table.people[$1.person].id }
        result.objective = result.units.reduce(0) { $0 + $1.score }
        return result
    }
}
