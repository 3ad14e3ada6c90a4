#ifndef TANDEM_SCORING_H
#define TANDEM_SCORING_H

#include <stdint.h>

/// The criteria, in the order of Criterion.allCases (a test checks that the two agree): the
/// index of each in `weight` and `max_level`.
enum tandem_criterion {
    tandem_goals_skills, tandem_shared_goals, tandem_shared_skills, tandem_interests, tandem_shared_groups,
    tandem_same_department, tandem_different_department, tandem_same_location, tandem_different_location,
    tandem_same_timezone, tandem_similar_seniority, tandem_seniority_gap, tandem_tenure_gap, tandem_overlap_hours,
    tandem_criteria
};

/// The columns of a program's scoring table (see ScoringTable in TandemKit), borrowed for
/// the length of one call. Bitsets are row-major: person i's words are
/// [i * words, (i + 1) * words). overlap_hours' points come from the week classes below.
typedef struct tandem_scoring {
    const uint64_t *skills, *goals, *interests, *groups;
    int32_t words, interest_words, group_words;
    const int32_t *department, *team, *location, *offset_minutes, *seniority, *joined_day, *manager;
    int32_t weight[tandem_criteria];
    /// Each criterion's highest level (Criterion.maxLevel): points are weight × level.
    int32_t max_level[tandem_criteria];
    /// Working-week classes, for overlap_hours and common_hours (NULL when the program uses
    /// neither): people with the same working days on the UTC clock share a class, and both
    /// depend on nothing else. Person i's class is week_class[i] (< week_classes, at most 64);
    /// for classes a and b, class_points[a * week_classes + b] is overlap_hours' weight times
    /// its level, and class_allowed[a * week_classes + b] whether common_hours allows the pair
    /// (1 or 0: 32-bit, so that the vectorised row loop can gather it).
    const int32_t *week_class;
    int32_t week_classes;
    const int32_t *class_points;
    const int32_t *class_allowed;
    int32_t rule_team, rule_department, rule_location;
    /// Largest allowed time-zone gap in minutes; INT32_MAX when the rule is off.
    int32_t max_gap;
    /// Smallest allowed seniority gap (mentoring formats only); INT32_MIN when off.
    int32_t min_gap;
    /// Mentoring or reverse mentoring; reverse mentoring.
    int32_t mentoring, reverse;
} tandem_scoring;

/// Scores person `x` against `candidates[0..<count]` (or against 0..<count when `candidates`
/// is NULL) into `out[y]`: the pair's score, or INT32_MIN when a hard rule forbids it or
/// y == x. Returns how many were allowed. For mentoring formats `x` is the mentor, unless
/// `x_is_mentee`. Rules that need sets (avoid lists, earlier partners) are not applied:
/// the caller patches those few pairs. Scores must fit in 32 bits (the caller checks).
int32_t tandem_score_row(const tandem_scoring *table, int32_t x, int32_t x_is_mentee,
                         const int32_t *candidates, int32_t count, int32_t *out);

/// The `k` best entries of a scored row under (score descending, vertex ascending): reads
/// `row[y]` for y in `candidates[0..<count]` (or 0..<count when NULL), which must be sorted
/// ascending, skipping INT32_MIN. Every other score must lie in low...high; `histogram` is
/// scratch of high - low + 1 zeros, left zeroed. Writes the chosen vertices (ascending)
/// and scores, and returns how many; -1 when a score lies outside low...high.
int32_t tandem_top_k(const int32_t *row, const int32_t *candidates, int32_t count, int32_t k,
                     int32_t low, int32_t high, int32_t *histogram,
                     int32_t *out_vertex, int32_t *out_score);

/// Which code path tandem_score_row takes on this machine: 2 = AVX2 and POPCNT,
/// 1 = POPCNT, 0 = portable. For tests and benchmarks.
int32_t tandem_scoring_level(void);

/// Forces a code path (clamped to what the machine supports), for tests; -1 restores the
/// automatic choice.
void tandem_scoring_force_level(int32_t level);


/// A program's scoring table transposed for the pruned top-k: for each skill, goal, interest,
/// group, department, location and UTC offset, the bitset of the people who have it, from
/// which a bound on every score in a row is computed 256 people at a time (see
/// tandem_sliced.c). Any weights; NULL for mentoring tables and when the columns hold too
/// many distinct values. Borrows the table's columns: free it first.
typedef struct tandem_sliced tandem_sliced;
tandem_sliced *tandem_sliced_create(const tandem_scoring *table, int32_t count);
void tandem_sliced_free(tandem_sliced *engine);
/// 64-bit words of scratch one tandem_sliced_row_pruned call needs.
int32_t tandem_sliced_scratch_words(const tandem_sliced *engine);
/// Whether a pruning engine laid people out by time zone and working week (a rule excludes
/// whole zones or weeks, so rows skip the words that hold nobody allowed).
int32_t tandem_sliced_laid_out(const tandem_sliced *engine);

/// Row `x` against everyone: the same allowed pairs and values as tandem_score_row, then
/// the caller's patches: `avoid` (people x may not meet) and `earlier` (earlier partners:
/// forbidden unless relieved[x] or relieved[y], then max(1, score - penalty)). Writes how
/// many were allowed to *allowed and the k best (k <= 4096) as tandem_top_k would choose
/// them (vertices ascending), found by a threshold top-k that scores only the people who
/// could still beat the k-th best. *pruned is 1 when someone allowed was never scored, 0
/// when every allowed person had to be; *scored counts the pairs scored one by one. *hint
/// carries a guess from row to row (start with INT32_MIN); it only splits the work, never
/// changes the result. Returns -1 when the engine cannot take the row.
int32_t tandem_sliced_row_pruned(const tandem_sliced *engine, int32_t x, int32_t k, const int32_t *avoid,
                                 int32_t avoid_count, const int32_t *earlier, int32_t earlier_count,
                                 const uint8_t *relieved, int32_t penalty, uint64_t *scratch, int32_t *allowed,
                                 int32_t *out_vertex, int32_t *out_score, int32_t *pruned, int64_t *scored,
                                 int32_t *hint);

#endif
