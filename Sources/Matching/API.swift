// The public surface of the Matching module: plain value types over 0-based vertex
// indices and integer weights. Callers (TandemKit) sort their participants by id before
// numbering them, so "ties broken by lowest index" means "ties broken by id".

/// An undirected edge between two distinct vertices with an integer weight.
public struct WeightedEdge: Hashable, Sendable {
    public var u: Int
    public var v: Int
    public var weight: Int

    public init(_ u: Int, _ v: Int, _ weight: Int) {
        self.u = u
        self.v = v
        self.weight = weight
    }
}

/// Two matched vertices, always stored with `a < b`.
public struct Pair: Hashable, Sendable, Comparable {
    public let a: Int
    public let b: Int

    public init(_ x: Int, _ y: Int) {
        a = min(x, y)
        b = max(x, y)
    }

    public static func < (lhs: Pair, rhs: Pair) -> Bool {
        (lhs.a, lhs.b) < (rhs.a, rhs.b)
    }
}

/// The result of a general-graph matching.
public struct PairMatching: Sendable, Equatable {
    /// `mate[v]` is the vertex matched to `v`, or `nil`.
    public var mate: [Int?]
    /// Matched pairs sorted by `(a, b)`.
    public var pairs: [Pair]
    /// Sum of the weights of the matched edges.
    public var totalWeight: Int

    public init(mate: [Int?], pairs: [Pair], totalWeight: Int) {
        self.mate = mate
        self.pairs = pairs
        self.totalWeight = totalWeight
    }
}

/// What to do with the people a pairing cannot pair.
public enum OddPolicy: String, Sendable, CaseIterable {
    /// Each leftover joins the pair that gains the most from them (a trio).
    case trio
    /// Someone sits the round out; chosen among `PairingProblem.sitOutEligible`.
    case sitOut = "sit-out"
}

/// A one-on-one pairing problem over a candidate graph.
public struct PairingProblem: Sendable {
    public var vertexCount: Int
    /// Allowed pairs and their scores. Pairs absent from the list are never matched
    /// (hard rules remove edges before the solver sees the graph).
    public var edges: [WeightedEdge]
    public var oddPolicy: OddPolicy
    /// Vertices that may be chosen to sit out (e.g. those who did not sit out last round).
    /// If nobody eligible can sit out, anybody may.
    public var sitOutEligible: [Bool]
    /// When true, first maximise the lowest score among the pairs, then the total.
    public var fairness: Bool
    /// Score of putting `x` in a trio with `a` and `b` (nil: not allowed). Used for the trio
    /// policy, since a sparse candidate graph may lack the edges a trio needs.
    public var trioScore: (@Sendable (_ x: Int, _ a: Int, _ b: Int) -> Int?)?

    public init(
        vertexCount: Int, edges: [WeightedEdge], oddPolicy: OddPolicy = .trio,
        sitOutEligible: [Bool]? = nil, fairness: Bool = false,
        trioScore: (@Sendable (_ x: Int, _ a: Int, _ b: Int) -> Int?)? = nil
    ) {
        self.vertexCount = vertexCount
        self.edges = edges
        self.oddPolicy = oddPolicy
        self.sitOutEligible = sitOutEligible ?? Array(repeating: true, count: vertexCount)
        self.fairness = fairness
        self.trioScore = trioScore
    }
}

/// A solved pairing: every vertex appears exactly once in `pairs`, `trios`, `sitOut`
/// or `isolated`.
public struct PairingResult: Sendable, Equatable {
    /// The matching the solver returned (before trios are formed).
    public var matching: PairMatching
    /// Pairs that stayed pairs, sorted.
    public var pairs: [Pair]
    /// Pairs that took in a leftover, as sorted triples.
    public var trios: [[Int]]
    /// Vertices that sit this round out by the odd-count policy.
    public var sitOut: [Int]
    /// Vertices with no allowed partner at all (no edges), or left over when no trio fits.
    public var isolated: [Int]
    /// The dual solution proving `matching` optimal (see `PairingCertificate`).
    public var certificate: PairingCertificate?

    public init(matching: PairMatching, pairs: [Pair], trios: [[Int]], sitOut: [Int], isolated: [Int]) {
        self.matching = matching
        self.pairs = pairs
        self.trios = trios
        self.sitOut = sitOut
        self.isolated = isolated
    }
}

/// The dual solution of a maximum-weight maximum-cardinality matching (Edmonds' blossom
/// algorithm), all values doubled so that they stay integers. With `y` the vertex duals,
/// `z` the blossom duals and `B(v)` the blossoms holding `v` (its innermost blossom and that
/// blossom's ancestors), it proves a matching M of the graph optimal when:
/// - every edge (u, v, w) has y[u] + y[v] + Σ z over the blossoms holding both ends ≥ 2w;
/// - every z ≥ 0;
/// - 2·w(M) = Σ y + Σ z_B·⌊|B|/2⌋ − (n − 2|M|)·min(y) (then no matching of |M| edges is
///   heavier);
/// - |M| = (n + |X| − odd(G − X)) / 2 for the barrier X (Tutte–Berge: no matching is larger).
public struct MatchingDuals: Sendable, Equatable {
    /// Doubled vertex duals, one per vertex.
    public var vertexDual: [Int]
    /// Each blossom's parent blossom (-1 at the top) and doubled dual.
    public var blossomParent: [Int]
    public var blossomDual: [Int]
    /// Each vertex's innermost blossom, or -1.
    public var vertexBlossom: [Int]
    /// A Tutte–Berge barrier: vertices whose removal leaves enough odd components.
    public var barrier: [Int]
}

/// What `solvePairing` proves: its final solve was a maximum-weight maximum-cardinality
/// matching of the candidate graph, modified as recorded here.
public struct PairingCertificate: Sendable, Equatable {
    public var duals: MatchingDuals
    /// With a sit-out (odd count, `.sitOut`): an extra vertex, numbered `vertexCount`,
    /// joined to each vertex of `sitOutJoined` by an edge of this weight; the person the
    /// solver matched with it sits out (`sitOutMate`).
    public var sitOutWeight: Int?
    public var sitOutJoined: [Int]
    public var sitOutMate: Int?
    /// With fairness: candidate edges below this score were removed before the final solve.
    public var floor: Int?
}

/// Mentor → mentee assignment with per-mentor capacity.
public struct MentoringProblem: Sendable {
    public var mentorCount: Int
    public var menteeCount: Int
    /// `capacity[m]`: how many mentees mentor `m` can take.
    public var capacity: [Int]
    /// Allowed (mentor, mentee) pairs with their scores: `u` is the mentor index in
    /// `0..<mentorCount`, `v` the mentee index in `0..<menteeCount`.
    public var edges: [WeightedEdge]

    public init(mentorCount: Int, menteeCount: Int, capacity: [Int], edges: [WeightedEdge]) {
        self.mentorCount = mentorCount
        self.menteeCount = menteeCount
        self.capacity = capacity
        self.edges = edges
    }
}

public struct MentoringResult: Sendable, Equatable {
    /// `mentorOf[j]`: the mentor assigned to mentee `j`, or nil when no allowed mentor had room.
    public var mentorOf: [Int?]
    public var totalWeight: Int

    public init(mentorOf: [Int?], totalWeight: Int) {
        self.mentorOf = mentorOf
        self.totalWeight = totalWeight
    }
}

/// Partition into groups whose sizes lie in `minSize...maxSize`.
public struct GroupingProblem: Sendable {
    public var vertexCount: Int
    public var minSize: Int
    public var maxSize: Int
    /// Score of having `x` and `y` in the same group; nil forbids it.
    public var score: @Sendable (_ x: Int, _ y: Int) -> Int?
    /// Upper bound on local-search moves; keeps run time bounded and output deterministic.
    public var moveBudget: Int

    public init(
        vertexCount: Int, minSize: Int, maxSize: Int, moveBudget: Int = 200_000,
        score: @escaping @Sendable (_ x: Int, _ y: Int) -> Int?
    ) {
        self.vertexCount = vertexCount
        self.minSize = minSize
        self.maxSize = maxSize
        self.score = score
        self.moveBudget = moveBudget
    }
}

public struct GroupingResult: Sendable, Equatable {
    /// Groups as sorted vertex lists, sorted by first member.
    public var groups: [[Int]]
    /// Sum over groups of the scores of all pairs within the group.
    public var objective: Int
    /// Vertices that could not be placed in any group without breaking a rule.
    public var unplaced: [Int]

    public init(groups: [[Int]], objective: Int, unplaced: [Int]) {
        self.groups = groups
        self.objective = objective
        self.unplaced = unplaced
    }
}

/// Groups `unitCount` units (numbered `0..<unitCount`: pairs, groups, teams) into pods of
/// about `podSize` units, maximising the sum of `score` over the unit pairs inside each pod.
/// The remainder is spread over the pods (7 units in pods of 3 give pods of 4 and 3); fewer
/// than `podSize` units make a single pod. Every unit is in exactly one pod; pods are sorted
/// lists, sorted by first unit. Deterministic; `moveBudget` bounds the local search.
public func solvePods(
    unitCount: Int, podSize: Int, moveBudget: Int = 200_000,
    score: @escaping @Sendable (_ x: Int, _ y: Int) -> Int
) -> [[Int]] {
    formPods(unitCount: unitCount, podSize: podSize, moveBudget: moveBudget, score: score)
}
