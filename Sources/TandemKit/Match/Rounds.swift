import Foundation
import Matching

/// One round of a program as locked in `Content/matches/<program>/round-<n>.yaml`: the published
/// matches, who sat out or stayed unmatched, and what changed since it was first locked.
public struct RoundLock: Sendable {
    public var program: String
    public var round: Int
    public var format: ProgramFormat
    /// When the round was first locked.
    public var locked: LocalDate
    /// When a roster change last altered it.
    public var updated: LocalDate?
    public var matches: [LockedUnit]
    public var satOut: [LockedPerson]
    public var unmatched: [LockedPerson]
    /// People who asked not to be matched this round (`pause`, `skip_rounds`), with the reason.
    public var paused: [LockedPerson] = []
    /// Matches an admin ended (`ended:` entries): the reason is for admins only.
    public var ended: [EndedMatch] = []
    /// Matches that were published and later broken up (someone left).
    public var dissolved: [DissolvedUnit]
    /// Each pod's meeting slot (`pods:`, programs with pods), in pod order.
    public var pods: [LockedPod] = []
    /// The file's path relative to the portal root.
    public var file: String

    static func path(program: String, round: Int) -> String { "Content/matches/\(program)/round-\(round).yaml" }
}

public struct LockedUnit: Sendable {
    /// Participant ids; sorted, except mentoring where the mentor comes first.
    public var members: [String]
    /// The score when the unit was locked (informative: pages show the current score).
    public var score: Int?
    /// Set for matches made after the round was first locked.
    public var added: LocalDate?
    /// The pod the unit belongs to (programs with `pods:`).
    public var pod: Int?
    /// The unit's meeting slot (`slot: tue 15:00 Europe/London`) and, when no slot suits
    /// everyone, the one used on every other session (`alternate_slot:`).
    public var slot: Slot?
    public var alternateSlot: Slot?
    var slotLocation: SourceLocation?
    var memberLocations: [SourceLocation] = []
    var location: SourceLocation?
}

/// A `pods:` entry of a lock file: the slot every session of pod `pod` keeps.
public struct LockedPod: Sendable {
    public var pod: Int
    public var slot: Slot?
    /// With no common slot, the slot of every other pod session (as for a match).
    public var alternateSlot: Slot?
    var slotLocation: SourceLocation?
    var location: SourceLocation?
}

public struct LockedPerson: Sendable {
    public var id: String
    public var reason: String
    var location: SourceLocation?
}

public struct DissolvedUnit: Sendable {
    public var members: [String]
    public var reason: String
    public var date: LocalDate?
}

/// An `ended:` entry of a lock file: a match an admin stopped. Its members are never matched
/// with each other again, in this round or a later one.
public struct EndedMatch: Sendable {
    public var members: [String]
    public var on: LocalDate
    /// For admins only: shown in the report, never on a participant-facing page or file.
    public var reason: String
    /// True: the people left alone are matched again at the next build among everyone free.
    public var rematch: Bool
    var location: SourceLocation?
    var memberLocations: [SourceLocation] = []
}

/// The lock files of one program: the current round's (if any) and every earlier one.
public struct ProgramLocks: Sendable {
    public var current: RoundLock?
    /// Sorted by round.
    public var earlier: [RoundLock] = []

    public init(current: RoundLock? = nil, earlier: [RoundLock] = []) {
        self.current = current
        self.earlier = earlier
    }
}

/// What earlier rounds say about the people enrolled now: who met whom, who sat out how often.
struct RoundHistory {
    /// Index pairs (into the enrolled people) that shared a unit in an earlier round.
    var pairs: Set<Pair> = []
    /// Earlier round in which each pair first met, for the report.
    var roundOf: [Pair: Int] = [:]
    var sitOuts: [Int]
    /// Index pairs whose match an admin ended, in an earlier round or this one: never again.
    var ended: Set<Pair> = []

    init(_ locks: [RoundLock], current: RoundLock? = nil, index: [String: Int], count: Int) {
        sitOuts = [Int](repeating: 0, count: count)
        for lock in locks + (current.map { [$0] } ?? []) {
            for entry in lock.ended {
                let known = entry.members.compactMap { index[$0] }
                for i in 0..<known.count {
                    for j in (i + 1)..<max(i + 1, known.count) where known[i] != known[j] { ended.insert(Pair(known[i], known[j])) }
                }
            }
        }
        for lock in locks {
            let units = lock.matches.map(\.members) + lock.dissolved.map(\.members)
            for members in units {
                let known = members.compactMap { index[$0] }
                for i in 0..<known.count {
                    for j in (i + 1)..<max(i + 1, known.count) where known[i] != known[j] {
                        let pair = Pair(known[i], known[j])
                        if pairs.insert(pair).inserted { roundOf[pair] = lock.round }
                    }
                }
            }
            for person in lock.satOut { if let i = index[person.id] { sitOuts[i] += 1 } }
        }
    }

    /// Nobody sits out twice before everyone has sat out once: only those with the fewest
    /// sit-outs so far may be chosen.
    var sitOutEligible: [Bool] {
        let least = sitOuts.min() ?? 0
        return sitOuts.map { $0 == least }
    }
}

/// How the current round relates to its lock file and to earlier rounds.
public struct RoundState: Sendable {
    /// The lock as it is on disk after this run (or would be, for `check` and `match`).
    public var lock: RoundLock?
    /// True when `lock` differs from the file on disk (missing, or a roster change applied).
    public var needsWrite = false
    /// True when a lock file for this round existed before this run.
    public var wasLocked = false
    /// Rounds with a lock file before the current one.
    public var earlierRounds: [Int] = []
    /// Pairs inside this round's units who already met in an earlier round, with that round.
    public var repeats: [(a: Int, b: Int, round: Int)] = []
    /// People whom not_previous_partner alone left with nobody: repeats allowed, at a penalty.
    public var repeatAllowed: [Int] = []
    /// Warnings about this round (repeats, locked matches that now break a rule).
    public var notes: [Diagnostic] = []
    /// Warnings for `tandem check` only: what the next build will change on its own.
    public var checkNotes: [Diagnostic] = []

    public init() {}
}
