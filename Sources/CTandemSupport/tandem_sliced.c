// The exact top k of each person's row without scoring every pair (the pruned top-k below).
//
// The table is transposed once: for each skill, goal, interest, group, department,
// location and UTC offset value, the bitset of the people who have it. For a row, a bound on
// every person's score is then a sum of a few of those bitsets, added as bit-sliced counters
// (bit j of every person in plane j), 256 people per vector; only the people whose bound can
// still reach the k-th best are scored exactly (tandem_score_row). Hand-written for the same
// reasons as tandem_scoring.c; the Swift tests compare the result with every pair scored.
//
// (A whole-row bit-sliced scorer for non-negative weights lived here too. Measured against
// this pruned top-k on the synthetic portals at 2,000, 10,000 and 12,000 people it saved
// nothing: 5 against 7 ms, 72-80 against 59-66 ms, 131-163 against 66-77 ms for the largest
// program's candidates, so it went.)
#include "tandem_scoring.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

// The 256-bit vector helpers are always inlined, so no vector crosses a call boundary in the
// portable build: the ABI note about AVX-sized vectors does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

typedef uint64_t v4 __attribute__((vector_size(32)));

// Time zones, seniorities and week classes keep small per-value tables on the stack (a
// company has a few dozen of each at most); departments and locations only need a bitset
// per value, so a large company's hundreds of them are taken as they come.
enum { max_distinct = 64, max_places = 1 << 16 };

struct tandem_sliced {
    tandem_scoring table;
    int32_t n, words;  // words: per bitset, a multiple of 4
    uint64_t *valid;
    uint64_t *skill_map, *goal_map, *interest_map, *group_map;
    int32_t *department_index, *location_index, *offset_index;
    int32_t seniority_count, seniority_value[max_distinct];
    uint64_t *department_map, *location_map, *offset_map, *near_map, *far_map;
    // Working-week classes (overlap_hours, common_hours): the people of each class, and per
    // class the people common_hours allows with it (NULL when it allows everyone).
    uint64_t *class_map, *class_ok_map;
    // People sorted by team code and by manager: the members of team v are
    // team_order[team_start[v] ..< team_start[v + 1]], the reports of x likewise.
    int32_t *team_order, *team_start, top_team;
    int32_t *report_order, *report_start, top_manager;
    // Bit positions (pruning engines with a time-zone or working-hours rule): person i sits
    // at bit pos[i] of every bitset, and who[p] is the person at bit p. People are laid out
    // by UTC offset and working-week class, so the people such a rule excludes fill whole
    // words that a row skips. NULL: person i at bit i. Scores, the heap and its ties use
    // people, never positions, so the result does not depend on the layout.
    int32_t *pos, *who;
    // tenure_gap with a positive weight: joining days in buckets of `tenure_width` days from
    // `tenure_first`, and per bucket b the people whose bucket is at most b (`tenure_map`,
    // `tenure_buckets` bitsets), so the people of any run of buckets are two loads a word.
    int32_t tenure_first, tenure_width, tenure_buckets;
    uint64_t *tenure_map;
};

/// Bit position of person i.
INLINE int32_t bit_of(const tandem_sliced *e, int32_t i) { return e->pos ? e->pos[i] : i; }

INLINE v4 load4(const uint64_t *p) {
    v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void store4(uint64_t *p, v4 v) { memcpy(p, &v, sizeof v); }

INLINE uint32_t distance32(int32_t a, int32_t b) {
    uint32_t d = (uint32_t)a - (uint32_t)b;
    return (int32_t)d < 0 ? 0u - d : d;
}

static int compare_int32(const void *a, const void *b) {
    const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/// Dense indices of a column's distinct values (sorted) into `index` (if non-NULL); their
/// values into `values` (if non-NULL). Returns how many, or -1 when more than `cap`.
static int32_t distinct_values(const int32_t *column, int32_t n, int32_t *index, int32_t *values, int32_t cap) {
    int32_t *sorted = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (!sorted) return -1;
    memcpy(sorted, column, sizeof(int32_t) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(int32_t), compare_int32);
    int32_t count = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i] == sorted[i - 1]) continue;
        if (count == cap) { free(sorted); return -1; }
        sorted[count++] = sorted[i];
    }
    for (int32_t i = 0; index && i < n; i++) {
        int32_t lo = 0, hi = count - 1;
        while (lo < hi) {
            const int32_t mid = (lo + hi) / 2;
            if (sorted[mid] < column[i]) lo = mid + 1; else hi = mid;
        }
        index[i] = lo;
    }
    if (values) memcpy(values, sorted, sizeof(int32_t) * (size_t)count);
    free(sorted);
    return count;
}

/// People with key >= 0 sorted by key (stable) into `order`, and `*starts` (malloc'd, top + 2
/// entries): the people with key v are order[starts[v] ..< starts[v + 1]]. Returns the
/// largest key, or -2 when out of memory.
static int32_t runs_by_key(const int32_t *key, int32_t n, int32_t *order, int32_t **starts) {
    int32_t top = -1;
    for (int32_t i = 0; i < n; i++) if (key[i] > top) top = key[i];
    int32_t *start = calloc((size_t)top + 2, sizeof(int32_t));
    int32_t *fill = malloc(sizeof(int32_t) * ((size_t)top + 2));
    if (!start || !fill) { free(start); free(fill); return -2; }
    for (int32_t i = 0; i < n; i++) if (key[i] >= 0) start[key[i] + 1] += 1;
    for (int32_t v = 0; v <= top; v++) start[v + 1] += start[v];
    for (int32_t v = 0; v <= top; v++) fill[v] = start[v];
    for (int32_t i = 0; i < n; i++) if (key[i] >= 0) order[fill[key[i]]++] = i;
    free(fill);
    *starts = start;
    return top;
}

void tandem_sliced_free(tandem_sliced *e) {
    if (!e) return;
    free(e->valid);
    free(e->skill_map); free(e->goal_map); free(e->interest_map); free(e->group_map);
    free(e->department_index); free(e->location_index); free(e->offset_index);
    free(e->department_map); free(e->location_map); free(e->offset_map); free(e->near_map); free(e->far_map);
    free(e->class_map); free(e->class_ok_map);
    free(e->team_order); free(e->team_start);
    free(e->report_order); free(e->report_start);
    free(e->pos); free(e->who);
    free(e->tenure_map);
    free(e);
}

static void set_bit(uint64_t *map, int32_t i) { map[i >> 6] |= (uint64_t)1 << (i & 63); }

/// Bitsets per item of a person-major bitset column (`words` words a person).
static uint64_t *item_maps(const uint64_t *column, int32_t words, int32_t n, int32_t stride, const int32_t *pos) {
    uint64_t *maps = calloc((size_t)words * 64 * (size_t)stride, sizeof(uint64_t));
    if (!maps) return NULL;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t w = 0; w < words; w++) {
            uint64_t bits = column[(int64_t)i * words + w];
            while (bits) {
                const int32_t b = __builtin_ctzll(bits);
                bits &= bits - 1;
                set_bit(maps + (int64_t)(w * 64 + b) * stride, pos ? pos[i] : i);
            }
        }
    }
    return maps;
}

static uint64_t *value_maps(const int32_t *index, int32_t count, int32_t n, int32_t stride, const int32_t *pos) {
    uint64_t *maps = calloc((size_t)(count > 0 ? count : 1) * (size_t)stride, sizeof(uint64_t));
    if (!maps) return NULL;
    for (int32_t i = 0; i < n; i++) set_bit(maps + (int64_t)index[i] * stride, pos ? pos[i] : i);
    return maps;
}

/// The engine of a non-mentoring table: any weights (negative ones, tenure) are accepted,
/// since candidates are scored by tandem_score_row; the bitsets only bound the scores.
tandem_sliced *tandem_sliced_create(const tandem_scoring *t, int32_t n) {
    if (n <= 0 || t->mentoring) return NULL;
    const int32_t classes = t->week_class ? t->week_classes : 0;
    if (classes > max_distinct) return NULL;
    const int64_t memory = (int64_t)(t->words * 128 + t->interest_words * 64 + t->group_words * 64 + 4 * max_distinct) * n / 8;
    if (memory > ((int64_t)256 << 20)) return NULL;

    tandem_sliced *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->table = *t;
    e->n = n;
    e->words = ((n + 63) / 64 + 3) / 4 * 4;
    const int32_t W = e->words;
    e->valid = calloc((size_t)W, sizeof(uint64_t));
    e->department_index = malloc(sizeof(int32_t) * (size_t)n);
    e->location_index = malloc(sizeof(int32_t) * (size_t)n);
    e->offset_index = malloc(sizeof(int32_t) * (size_t)n);
    e->team_order = malloc(sizeof(int32_t) * (size_t)n);
    e->report_order = malloc(sizeof(int32_t) * (size_t)n);
    if (!e->valid || !e->department_index || !e->location_index || !e->offset_index ||
        !e->team_order || !e->report_order) {
        tandem_sliced_free(e);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++) set_bit(e->valid, i);
    int32_t offsets[max_distinct];
    const int32_t departments = distinct_values(t->department, n, e->department_index, NULL, max_places);
    const int32_t locations = distinct_values(t->location, n, e->location_index, NULL, max_places);
    const int32_t zones = distinct_values(t->offset_minutes, n, e->offset_index, offsets, max_distinct);
    e->seniority_count = distinct_values(t->seniority, n, NULL, e->seniority_value, max_distinct);
    int all_allowed = 1;
    for (int32_t c = 0; c < classes * classes; c++) all_allowed &= t->class_allowed[c] != 0;
    // Rules that exclude whole time zones or working weeks: people are laid out by offset
    // and class (see `pos`).
    if (zones > 0 && ((int32_t)distance32(offsets[0], offsets[zones - 1]) > t->max_gap || !all_allowed)) {
        int32_t *key = malloc(sizeof(int32_t) * (size_t)n);
        e->pos = malloc(sizeof(int32_t) * (size_t)n);
        e->who = malloc(sizeof(int32_t) * (size_t)n);
        int32_t *starts = NULL;
        if (!key || !e->pos || !e->who) { free(key); tandem_sliced_free(e); return NULL; }
        for (int32_t i = 0; i < n; i++) key[i] = e->offset_index[i] * (classes > 0 ? classes : 1) + (classes > 0 ? t->week_class[i] : 0);
        const int32_t top = runs_by_key(key, n, e->who, &starts);
        free(key);
        free(starts);
        if (top == -2) { tandem_sliced_free(e); return NULL; }
        for (int32_t p = 0; p < n; p++) e->pos[e->who[p]] = p;
    }
    e->skill_map = item_maps(t->skills, t->words, n, W, e->pos);
    e->goal_map = item_maps(t->goals, t->words, n, W, e->pos);
    e->interest_map = item_maps(t->interests, t->interest_words, n, W, e->pos);
    e->group_map = item_maps(t->groups, t->group_words, n, W, e->pos);
    // A bitset per department and per location: at most 256 MiB for both.
    const int64_t place_bytes = ((int64_t)(departments > 0 ? departments : 0) + (locations > 0 ? locations : 0)) * W * 8;
    if (!e->skill_map || !e->goal_map || !e->interest_map || !e->group_map || departments < 0 || locations < 0 ||
        zones < 0 || e->seniority_count < 0 || place_bytes > ((int64_t)256 << 20)) {
        tandem_sliced_free(e);
        return NULL;
    }
    e->department_map = value_maps(e->department_index, departments, n, W, e->pos);
    e->location_map = value_maps(e->location_index, locations, n, W, e->pos);
    e->offset_map = value_maps(e->offset_index, zones, n, W, e->pos);
    // Per offset: those 1–180 minutes away (one time-zone level), and those beyond the
    // largest allowed gap.
    e->near_map = calloc((size_t)zones * (size_t)W, sizeof(uint64_t));
    e->far_map = calloc((size_t)zones * (size_t)W, sizeof(uint64_t));
    if (!e->department_map || !e->location_map || !e->offset_map || !e->near_map || !e->far_map) {
        tandem_sliced_free(e);
        return NULL;
    }
    for (int32_t a = 0; a < zones; a++) {
        for (int32_t b = 0; b < zones; b++) {
            const uint32_t gap = distance32(offsets[a], offsets[b]);
            const uint64_t *from = e->offset_map + (int64_t)b * W;
            if (gap != 0 && gap <= 180) for (int32_t w = 0; w < W; w++) e->near_map[(int64_t)a * W + w] |= from[w];
            if ((int32_t)gap > t->max_gap) for (int32_t w = 0; w < W; w++) e->far_map[(int64_t)a * W + w] |= from[w];
        }
    }
    if (classes > 0) {
        e->class_map = value_maps(t->week_class, classes, n, W, e->pos);
        if (!e->class_map) {
            tandem_sliced_free(e);
            return NULL;
        }
        if (!all_allowed) {
            e->class_ok_map = calloc((size_t)classes * (size_t)W, sizeof(uint64_t));
            if (!e->class_ok_map) {
                tandem_sliced_free(e);
                return NULL;
            }
            for (int32_t a = 0; a < classes; a++) {
                for (int32_t b = 0; b < classes; b++) {
                    if (!t->class_allowed[a * classes + b]) continue;
                    const uint64_t *from = e->class_map + (int64_t)b * W;
                    for (int32_t w = 0; w < W; w++) e->class_ok_map[(int64_t)a * W + w] |= from[w];
                }
            }
        }
    }
    if (t->weight[tandem_tenure_gap] > 0) {
        // At most 256 buckets of at least 30 days: 3 MiB at 100,000 people. Wider buckets
        // only loosen the bound.
        int32_t first = INT32_MAX, last = INT32_MIN;
        for (int32_t i = 0; i < n; i++) {
            const int32_t d = t->joined_day[i];
            if (d == INT32_MIN) continue;
            if (d < first) first = d;
            if (d > last) last = d;
        }
        if (first <= last) {
            const int64_t span = (int64_t)last - first + 1;
            e->tenure_first = first;
            e->tenure_width = (int32_t)(span > 30 * 256 ? (span + 255) / 256 : 30);
            e->tenure_buckets = (int32_t)((span + e->tenure_width - 1) / e->tenure_width);
            e->tenure_map = calloc((size_t)e->tenure_buckets * (size_t)W, sizeof(uint64_t));
            if (!e->tenure_map) {
                tandem_sliced_free(e);
                return NULL;
            }
            for (int32_t i = 0; i < n; i++) {
                const int32_t d = t->joined_day[i];
                if (d != INT32_MIN) set_bit(e->tenure_map + (int64_t)((d - first) / e->tenure_width) * W, bit_of(e, i));
            }
            for (int32_t b = 1; b < e->tenure_buckets; b++) {
                for (int32_t w = 0; w < W; w++) e->tenure_map[(int64_t)b * W + w] |= e->tenure_map[(int64_t)(b - 1) * W + w];
            }
        }
    }
    e->top_team = runs_by_key(t->team, n, e->team_order, &e->team_start);
    e->top_manager = runs_by_key(t->manager, n, e->report_order, &e->report_start);
    if (e->top_team == -2 || e->top_manager == -2) {
        tandem_sliced_free(e);
        return NULL;
    }
    return e;
}

int32_t tandem_sliced_laid_out(const tandem_sliced *e) { return e->who != NULL; }

// Scratch: the allowed mask, the first pass's band, the bound's planes (up to 10) and two
// int32 arrays of n (candidates, scores).
int32_t tandem_sliced_scratch_words(const tandem_sliced *e) { return 12 * e->words + e->n + 2; }

INLINE void clear_bit(uint64_t *map, int32_t i) { map[i >> 6] &= ~((uint64_t)1 << (i & 63)); }

/// Adds `mask` times `c` (c >= 0) into the bit-sliced accumulator `p` of `planes` bits.
INLINE void add_scaled(v4 *p, int32_t planes, int32_t c, v4 mask) {
    while (c) {
        const int32_t q = __builtin_ctz((unsigned)c);
        c &= c - 1;
        v4 carry = mask;
        for (int32_t r = q; r < planes; r++) {
            const v4 t = p[r] & carry;
            p[r] ^= carry;
            carry = t;
        }
    }
}

/// Counter c (3 bits, saturating at 7) += mask.
INLINE void count3(v4 *c0, v4 *c1, v4 *c2, v4 m) {
    const v4 t0 = *c0 & m;
    *c0 ^= m;
    const v4 t1 = *c1 & t0;
    *c1 ^= t0;
    const v4 over = *c2 & t1;
    *c2 |= t1;
    *c0 |= over;
    *c1 |= over;
}

/// Items set in person i's bitset (`words` words) into `items`; returns how many.
INLINE int32_t items_of(const uint64_t *column, int32_t i, int32_t words, int32_t *items) {
    int32_t count = 0;
    for (int32_t w = 0; w < words; w++) {
        uint64_t bits = column[(int64_t)i * words + w];
        while (bits) {
            items[count++] = w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
        }
    }
    return count;
}

/// Mask of the people (four words, `p`: planes of bit-sliced counters) whose count is at least `t`.
INLINE v4 at_least4(const v4 *p, int32_t planes, int32_t t) {
    const v4 zero = {0, 0, 0, 0};
    v4 greater = zero, equal = ~zero;
    for (int32_t b = planes - 1; b >= 0; b--) {
        if ((t >> b) & 1) {
            equal &= p[b];
        } else {
            greater |= equal & p[b];
            equal &= ~p[b];
        }
    }
    return greater | equal;
}

/// Row x's allowed mask before the rules that cover many people: everyone valid but x, x's
/// manager and reports, and (not_same_team) x's team.
INLINE void few_people_rules(const tandem_sliced *e, int32_t x, uint64_t *allowed) {
    const tandem_scoring *t = &e->table;
    memcpy(allowed, e->valid, sizeof(uint64_t) * (size_t)e->words);
    clear_bit(allowed, bit_of(e, x));
    if (t->manager[x] >= 0 && t->manager[x] < e->n) clear_bit(allowed, bit_of(e, t->manager[x]));
    if (x <= e->top_manager) {
        for (int32_t i = e->report_start[x]; i < e->report_start[x + 1]; i++) clear_bit(allowed, bit_of(e, e->report_order[i]));
    }
    if (t->rule_team && t->team[x] > 0 && t->team[x] <= e->top_team) {
        for (int32_t i = e->team_start[t->team[x]]; i < e->team_start[t->team[x] + 1]; i++) clear_bit(allowed, bit_of(e, e->team_order[i]));
    }
}

// Exact top k without scoring every pair: a threshold top-k in the manner of Fagin, Lotem
// and Naor's Threshold Algorithm ("Optimal aggregation algorithms for middleware", PODS
// 2001; JCSS 66(4), 2003), with one list under sorted access. The score is a sum of
// per-criterion terms with small ranges. The "pivots" are the set criteria worth the most
// (weight times its cap: usually goals_skills, whose inverted index is the bitsets of the
// people holding each skill and each goal, then shared goals or interests); their points
// plus the department, location and time-zone points give P(y) for every person in the row,
// from bit-sliced counters over those bitsets, a few word operations per 64 people. People
// are then taken by P, highest levels first, and scored exactly (tandem_score_row). Everyone
// not yet scored has P at most L, so a score at most L plus the largest value every other
// criterion can take for this person (`rest`). Once that bound is below the k-th best
// score found, nobody unseen can enter the top k, not even on a tie (ties go to the lower
// vertex, so a bound equal to the k-th best does not stop the scan). The result is the
// exhaustive row's top k, pair for pair. Weights that leave nothing to prune on make every
// allowed person a candidate: slower, never wrong.

typedef struct { int32_t vertex, score; } ranked;

/// Lower score, or the same score and a higher vertex: what leaves the top k first.
INLINE int ranked_worse(ranked a, ranked b) { return a.score < b.score || (a.score == b.score && a.vertex > b.vertex); }

/// Offers `item` to a min-heap (worst on top) of at most k entries.
INLINE void heap_offer(ranked *heap, int32_t *size, int32_t k, ranked item) {
    if (*size < k) {
        int32_t i = (*size)++;
        heap[i] = item;
        while (i > 0) {
            const int32_t parent = (i - 1) / 2;
            if (!ranked_worse(heap[i], heap[parent])) break;
            const ranked t = heap[i]; heap[i] = heap[parent]; heap[parent] = t;
            i = parent;
        }
    } else if (k > 0 && ranked_worse(heap[0], item)) {
        heap[0] = item;
        int32_t i = 0;
        for (;;) {
            const int32_t l = 2 * i + 1, r = l + 1;
            int32_t m = i;
            if (l < *size && ranked_worse(heap[l], heap[m])) m = l;
            if (r < *size && ranked_worse(heap[r], heap[m])) m = r;
            if (m == i) break;
            const ranked t = heap[i]; heap[i] = heap[m]; heap[m] = t;
            i = m;
        }
    }
}

static int compare_ranked_vertex(const void *a, const void *b) {
    const int32_t x = ((const ranked *)a)->vertex, y = ((const ranked *)b)->vertex;
    return (x > y) - (x < y);
}

INLINE int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

INLINE int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// The people certainly fewer than `days` days apart from x in joining date: the buckets
/// wholly inside (day - days, day + days), as the bitsets to AND (`*upto`) and to clear
/// (`*below`, NULL for none). False when no bucket is wholly inside.
INLINE int tenure_within(const tandem_sliced *e, int32_t day, int32_t days, const uint64_t **upto, const uint64_t **below) {
    const int64_t W = e->words, from = (int64_t)day - days - e->tenure_first, to = (int64_t)day + days - e->tenure_first;
    int64_t lo = floor_div(from, e->tenure_width) + 1, hi = floor_div(to, e->tenure_width) - 1;
    if (lo < 0) lo = 0;
    if (hi > e->tenure_buckets - 1) hi = e->tenure_buckets - 1;
    if (lo > hi) return 0;
    *upto = e->tenure_map + hi * W;
    *below = lo > 0 ? e->tenure_map + (lo - 1) * W : NULL;
    return 1;
}
INLINE int32_t cap32(int32_t a, int32_t b) { return a < b ? a : b; }

INLINE int32_t pruned_body(const tandem_sliced *e, int32_t x, int32_t k, const int32_t *avoid, int32_t avoid_count,
                           const int32_t *earlier, int32_t earlier_count, const uint8_t *relieved, int32_t penalty,
                           uint64_t *scratch, int32_t *allowed_out, int32_t *out_vertex, int32_t *out_score,
                           int32_t *pruned_out, int64_t *scored_out, int32_t *hint) {
    const tandem_scoring *t = &e->table;
    const int32_t W = e->words, n = e->n;
    const int32_t *w = t->weight;
    uint64_t *allowed = scratch, *top_band = scratch + W, *counter = scratch + 2 * (int64_t)W;
    int32_t *candidates = (int32_t *)(counter + 10 * (int64_t)W), *row = candidates + n;
    *pruned_out = 1;
    *scored_out = 0;
    if (k <= 0 || k > 4096) return -1;

    // The allowed mask: everyone the rules allow with x.
    few_people_rules(e, x, allowed);
    const uint64_t *same_department = e->department_map + (int64_t)e->department_index[x] * W;
    const uint64_t *same_location = e->location_map + (int64_t)e->location_index[x] * W;
    const uint64_t *far_zone = e->far_map + (int64_t)e->offset_index[x] * W;
    const uint64_t *class_ok = e->class_ok_map ? e->class_ok_map + (int64_t)t->week_class[x] * W : NULL;
    // One loop per rule, with the test outside: a test inside the loop became masked loads,
    // and a masked load from a NULL `class_ok` cost about half of this function's time
    // at 100,000 people (perf, AMD EPYC).
    for (int32_t at = 0; at < W; at++) allowed[at] &= ~far_zone[at];
    if (t->rule_department) for (int32_t at = 0; at < W; at++) allowed[at] &= ~same_department[at];
    if (t->rule_location) for (int32_t at = 0; at < W; at++) allowed[at] &= same_location[at];
    if (class_ok) for (int32_t at = 0; at < W; at++) allowed[at] &= class_ok[at];
    for (int32_t i = 0; i < avoid_count; i++) {
        const int32_t y = avoid[i];
        if (y >= 0 && y < n) clear_bit(allowed, bit_of(e, y));
    }

    ranked heap[4096];
    int32_t size = 0, extra_count = 0;
    // Earlier partners leave the mask; a relieved one is scored now, with the penalty.
    for (int32_t i = 0; i < earlier_count; i++) {
        const int32_t y = earlier[i];
        if (y < 0 || y >= n) continue;
        const int32_t b = bit_of(e, y);
        if (!((allowed[b >> 6] >> (b & 63)) & 1)) continue;
        clear_bit(allowed, b);
        if (!relieved[x] && !relieved[y]) continue;
        extra_count += 1;
        tandem_score_row(t, x, 0, &y, 1, row);
        const int32_t s = row[y] == INT32_MIN ? INT32_MIN : max32(1, row[y] - penalty);
        if (s != INT32_MIN) heap_offer(heap, &size, k, (ranked){y, s});
    }
    int32_t total = extra_count;
    for (int32_t at = 0; at < W; at++) total += __builtin_popcountll(allowed[at]);
    *allowed_out = total;

    // This person's items; the pivot is the set criterion with the largest weight × cap.
    int32_t goals[256], skills[256], likes[256], circles[256];
    if (t->words * 64 > 256 || t->interest_words * 64 > 256 || t->group_words * 64 > 256) return -1;
    const int32_t goal_count = items_of(t->goals, x, t->words, goals);
    const int32_t skill_count = items_of(t->skills, x, t->words, skills);
    const int32_t like_count = items_of(t->interests, x, t->interest_words, likes);
    const int32_t circle_count = items_of(t->groups, x, t->group_words, circles);
    // Highest level each set criterion can reach with this person (a level counts shared items).
    const int32_t reach[5] = {cap32(4, goal_count + skill_count), cap32(3, goal_count), cap32(3, skill_count),
                              cap32(3, like_count), cap32(2, circle_count)};
    // P(y), computed for everyone: the pivots' exact points plus the exact department,
    // location and time-zone points, shifted to start at 0, and a bound on a positive
    // tenure_gap. Every other criterion adds at most `rest` (its largest value for anyone),
    // so score(x, y) <= P(y) + rest.
    const int use_department = w[tandem_same_department] != w[tandem_different_department], use_location = w[tandem_same_location] != w[tandem_different_location];
    int64_t p_max = (use_department ? labs((long)w[tandem_same_department] - w[tandem_different_department]) : 0) + (use_location ? labs((long)w[tandem_same_location] - w[tandem_different_location]) : 0) + 2 * labs((long)w[tandem_same_timezone]);
    // tenure_gap with a positive weight: w for each of "not certainly within 365 days" and
    // "not certainly within 90 days" of x's joining date, for people whose date is known
    // (by buckets of days: a bucket that straddles a limit counts as apart).
    const int32_t tenure_weight = w[tandem_tenure_gap];
    const int use_tenure = e->tenure_map && t->joined_day[x] != INT32_MIN && p_max + 2 * (int64_t)tenure_weight < 1024;
    const uint64_t *known = NULL, *within_year[2] = {NULL, NULL}, *within_quarter[2] = {NULL, NULL};
    int year_any = 0, quarter_any = 0;
    if (use_tenure) {
        known = e->tenure_map + (int64_t)(e->tenure_buckets - 1) * W;
        year_any = tenure_within(e, t->joined_day[x], 365, &within_year[0], &within_year[1]);
        quarter_any = tenure_within(e, t->joined_day[x], 90, &within_quarter[0], &within_quarter[1]);
        p_max += 2 * (int64_t)tenure_weight;
    }
    // The pivots: up to three set criteria with positive points, largest weight × reach
    // first, as many as P's ten planes hold. Each pivot in P tightens the bound, so fewer
    // people are scored one by one, and costs a few word operations per 64 people: on the
    // 100,000-person benchmark portal two pivots scored about 700 pairs a row, three about
    // 160 and were the fastest (4.7–5.2 s against 5.5–5.8 s with two or four).
    enum { max_pivots = 3 };
    int32_t pivot[5] = {-1, -1, -1, -1, -1}, pivots = 0, is_pivot[5] = {0, 0, 0, 0, 0};
    for (;;) {
        int32_t best = 0, pick = -1;
        for (int32_t c = 0; c < 5; c++) {
            if (!is_pivot[c] && w[c] > 0 && w[c] * reach[c] > best) { best = w[c] * reach[c]; pick = c; }
        }
        if (pick < 0 || pivots == max_pivots || p_max + best >= 1024) break;
        pivot[pivots++] = pick;
        is_pivot[pick] = 1;
        p_max += best;
    }
    int32_t rest = 0;
    for (int32_t c = 0; c < 5; c++) if (!is_pivot[c]) rest += max32(0, w[c] * reach[c]);
    rest += use_department ? cap32(w[tandem_same_department], w[tandem_different_department]) : w[tandem_same_department];
    rest += use_location ? cap32(w[tandem_same_location], w[tandem_different_location]) : w[tandem_same_location];
    // Tenure adds nothing when x's joining date is unknown.
    rest += cap32(0, 2 * w[tandem_same_timezone]) + (use_tenure || t->joined_day[x] == INT32_MIN ? 0 : max32(0, 2 * w[tandem_tenure_gap]));
    if (e->class_map) {
        // overlap_hours: the most this person's class gets with any class.
        int32_t top = 0;
        for (int32_t c = 0; c < t->week_classes; c++) top = max32(top, t->class_points[(int64_t)t->week_class[x] * t->week_classes + c]);
        rest += top;
    }
    {
        const int32_t sx = t->seniority[x];
        int32_t top = 0;  // people of unknown seniority add nothing
        for (int32_t j = 0; j < e->seniority_count && sx >= 0; j++) {
            const int32_t sy = e->seniority_value[j];
            if (sy < 0) continue;
            const uint32_t d = distance32(sx, sy);
            const int32_t gap = (int32_t)d;
            top = max32(top, w[tandem_similar_seniority] * (d == 0 ? 2 : d == 1 ? 1 : 0) + w[tandem_seniority_gap] * (gap <= 0 ? 0 : (gap < 3 ? gap : 3)));
        }
        rest += top;
    }
    int32_t p_planes = 1;
    while (p_planes < 10 && ((int64_t)1 << p_planes) <= p_max) p_planes++;
    if (((int64_t)1 << p_planes) <= p_max) return -1;
    uint64_t *p_plane = counter;  // p_planes planes of W words
    // The first pass's band, P >= guess (see below), worked out while P is in registers.
    const int64_t guess = *hint == INT32_MIN ? p_max / 2 : (int64_t)*hint - rest;
    const int32_t first_floor = guess < 0 ? 0 : guess > p_max ? (int32_t)p_max + 1 : (int32_t)guess;
    const uint64_t *same_zone = e->offset_map + (int64_t)e->offset_index[x] * W;
    const uint64_t *near_zone = e->near_map + (int64_t)e->offset_index[x] * W;
    {
        const uint64_t *maps[5][2] = {{NULL, NULL}};
        const int32_t *lists[5][2] = {{NULL, NULL}};
        int32_t counts[5][2] = {{0, 0}};
        for (int32_t p = 0; p < pivots; p++) {
            switch (pivot[p]) {
            case -1: break;
            case 0: maps[p][0] = e->skill_map; lists[p][0] = goals; counts[p][0] = goal_count;
                    maps[p][1] = e->goal_map; lists[p][1] = skills; counts[p][1] = skill_count; break;
            case 1: maps[p][0] = e->goal_map; lists[p][0] = goals; counts[p][0] = goal_count; break;
            case 2: maps[p][0] = e->skill_map; lists[p][0] = skills; counts[p][0] = skill_count; break;
            case 3: maps[p][0] = e->interest_map; lists[p][0] = likes; counts[p][0] = like_count; break;
            default: maps[p][0] = e->group_map; lists[p][0] = circles; counts[p][0] = circle_count; break;
            }
        }
        const v4 zero = {0, 0, 0, 0}, ones = ~zero;
        for (int32_t at = 0; at < W; at += 4) {
            // Nobody allowed in these 256 bits: P is never read there.
            const v4 here = load4(allowed + at);
            if (!(here[0] | here[1] | here[2] | here[3])) {
                store4(top_band + at, zero);
                continue;
            }
            v4 acc[10];
            for (int32_t r = 0; r < p_planes; r++) acc[r] = zero;
            for (int32_t p = 0; p < pivots; p++) {
                v4 c0 = zero, c1 = zero, c2 = zero;
                for (int32_t m = 0; m < 2; m++) {
                    for (int32_t i = 0; i < counts[p][m]; i++) count3(&c0, &c1, &c2, load4(maps[p][m] + (int64_t)lists[p][m][i] * W + at));
                }
                // level = min(reach, hits): people at or above the reach take its bits.
                const int32_t top = reach[pivot[p]];
                const v4 capped = top == 1 ? (c0 | c1 | c2) : top == 2 ? (c1 | c2) : top == 3 ? ((c0 & c1) | c2) : c2;
                const v4 b0 = (capped & ((top & 1) ? ones : zero)) | (~capped & c0);
                const v4 b1 = (capped & ((top & 2) ? ones : zero)) | (~capped & c1);
                const v4 b2 = (capped & ((top & 4) ? ones : zero)) | (~capped & c2);
                add_scaled(acc, p_planes, w[pivot[p]], b0);
                add_scaled(acc, p_planes, 2 * w[pivot[p]], b1);
                add_scaled(acc, p_planes, 4 * w[pivot[p]], b2);
            }
            if (use_department) {
                const v4 same = load4(same_department + at);
                add_scaled(acc, p_planes, (int32_t)labs((long)w[tandem_same_department] - w[tandem_different_department]), w[tandem_same_department] > w[tandem_different_department] ? same : ~same);
            }
            if (use_location) {
                const v4 same = load4(same_location + at);
                add_scaled(acc, p_planes, (int32_t)labs((long)w[tandem_same_location] - w[tandem_different_location]), w[tandem_same_location] > w[tandem_different_location] ? same : ~same);
            }
            if (w[tandem_same_timezone] > 0) {
                add_scaled(acc, p_planes, w[tandem_same_timezone], load4(near_zone + at));
                add_scaled(acc, p_planes, 2 * w[tandem_same_timezone], load4(same_zone + at));
            } else if (w[tandem_same_timezone] < 0) {
                add_scaled(acc, p_planes, -w[tandem_same_timezone], load4(near_zone + at));
                add_scaled(acc, p_planes, -2 * w[tandem_same_timezone], ~(load4(same_zone + at) | load4(near_zone + at)));
            }
            if (use_tenure) {
                const v4 them = load4(known + at);
                v4 year = zero, quarter = zero;
                if (year_any) year = load4(within_year[0] + at) & ~(within_year[1] ? load4(within_year[1] + at) : zero);
                if (quarter_any) quarter = load4(within_quarter[0] + at) & ~(within_quarter[1] ? load4(within_quarter[1] + at) : zero);
                add_scaled(acc, p_planes, tenure_weight, them & ~year);
                add_scaled(acc, p_planes, tenure_weight, them & ~quarter);
            }
            for (int32_t r = 0; r < p_planes; r++) store4(p_plane + (int64_t)r * W + at, acc[r]);
            store4(top_band + at, here & (first_floor > p_max ? zero : at_least4(acc, p_planes, first_floor)));
        }
    }

    int64_t scored = 0;
    // Levels of P are taken from the top down, a pass each: first everyone with P at least
    // `guess` (the previous row's k-th best score less `rest`: rows of one program have
    // similar k-th bests; it only splits the work, the result does not depend on it), then,
    // while fewer than k are found, ever wider bands below (1, 2, 4… levels), and once k are
    // found, everyone whose bound still reaches the k-th best. Everyone left out has a bound
    // below the final k-th best (a bound equal to it could still win a tie on the lower
    // index, so it is taken).
    int64_t floor_p = first_floor, step = 1;  // everyone with P >= floor_p has been taken
    for (int32_t pass = 0;; pass++) {
        int64_t from = first_floor, to = INT64_MAX;  // P in [from, to)
        if (pass > 0) {
            if (size == k && (int64_t)heap[0].score >= floor_p + rest) break;
            if (floor_p <= 0) break;
            to = floor_p;
            from = size == k ? (int64_t)heap[0].score - rest : floor_p - step;
            step *= 2;
        }
        // P lies in 0...p_max: clip the range, and skip it when nobody can be in it.
        if (from < 0) from = 0;
        floor_p = from;
        if (from > p_max || from >= to) continue;
        const int32_t lo = (int32_t)from, hi = to > p_max ? -1 : (int32_t)to;
        int32_t count = 0;
        const v4 zero = {0, 0, 0, 0};
        for (int32_t at = 0; at < W; at += 4) {
            v4 m;
            if (pass == 0) {
                m = load4(top_band + at);
            } else {
                m = load4(allowed + at);
                v4 planes[10];
                for (int32_t r = 0; r < p_planes; r++) planes[r] = load4(p_plane + (int64_t)r * W + at);
                if (lo > 0) m &= at_least4(planes, p_planes, lo);
                if (hi >= 0) m &= ~at_least4(planes, p_planes, hi);
            }
            if (!(m[0] | m[1] | m[2] | m[3])) continue;
            for (int32_t j = 0; j < 4; j++) {
                uint64_t bits = m[j];
                const int32_t base = (at + j) * 64;
                if (e->who) {
                    while (bits) {
                        candidates[count++] = e->who[base + __builtin_ctzll(bits)];
                        bits &= bits - 1;
                    }
                } else {
                    while (bits) {
                        candidates[count++] = base + __builtin_ctzll(bits);
                        bits &= bits - 1;
                    }
                }
            }
        }
        scored += count;
        tandem_score_row(t, x, 0, candidates, count, row);
        for (int32_t i = 0; i < count; i++) {
            const int32_t y = candidates[i];
            if (row[y] != INT32_MIN) heap_offer(heap, &size, k, (ranked){y, row[y]});
        }
    }
    if (size == k) *hint = heap[0].score;
    *scored_out = scored + extra_count;
    // Every allowed person scored one by one: the row was not pruned, only scored whole.
    *pruned_out = scored < total - extra_count;
    qsort(heap, (size_t)size, sizeof(ranked), compare_ranked_vertex);
    for (int32_t i = 0; i < size; i++) {
        out_vertex[i] = heap[i].vertex;
        out_score[i] = heap[i].score;
    }
    return size;
}

typedef int32_t (*pruned_function)(const tandem_sliced *, int32_t, int32_t, const int32_t *, int32_t, const int32_t *,
                                   int32_t, const uint8_t *, int32_t, uint64_t *, int32_t *, int32_t *, int32_t *,
                                   int32_t *, int64_t *, int32_t *);

static int32_t pruned_portable(const tandem_sliced *e, int32_t x, int32_t k, const int32_t *avoid, int32_t na,
                               const int32_t *earlier, int32_t ne, const uint8_t *relieved, int32_t penalty,
                               uint64_t *scratch, int32_t *allowed, int32_t *ov, int32_t *os, int32_t *pr, int64_t *sc, int32_t *h) {
    return pruned_body(e, x, k, avoid, na, earlier, ne, relieved, penalty, scratch, allowed, ov, os, pr, sc, h);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
__attribute__((target("popcnt")))
static int32_t pruned_popcnt(const tandem_sliced *e, int32_t x, int32_t k, const int32_t *avoid, int32_t na,
                             const int32_t *earlier, int32_t ne, const uint8_t *relieved, int32_t penalty,
                             uint64_t *scratch, int32_t *allowed, int32_t *ov, int32_t *os, int32_t *pr, int64_t *sc, int32_t *h) {
    return pruned_body(e, x, k, avoid, na, earlier, ne, relieved, penalty, scratch, allowed, ov, os, pr, sc, h);
}

__attribute__((target("avx2,popcnt")))
static int32_t pruned_avx2(const tandem_sliced *e, int32_t x, int32_t k, const int32_t *avoid, int32_t na,
                           const int32_t *earlier, int32_t ne, const uint8_t *relieved, int32_t penalty,
                           uint64_t *scratch, int32_t *allowed, int32_t *ov, int32_t *os, int32_t *pr, int64_t *sc, int32_t *h) {
    return pruned_body(e, x, k, avoid, na, earlier, ne, relieved, penalty, scratch, allowed, ov, os, pr, sc, h);
}
#endif

int32_t tandem_sliced_row_pruned(const tandem_sliced *e, int32_t x, int32_t k, const int32_t *avoid, int32_t avoid_count,
                                 const int32_t *earlier, int32_t earlier_count, const uint8_t *relieved, int32_t penalty,
                                 uint64_t *scratch, int32_t *allowed, int32_t *out_vertex, int32_t *out_score,
                                 int32_t *pruned, int64_t *scored, int32_t *hint) {
    pruned_function f = pruned_portable;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    switch (tandem_scoring_level()) {
    case 2: f = pruned_avx2; break;
    case 1: f = pruned_popcnt; break;
    default: break;
    }
#endif
    return f(e, x, k, avoid, avoid_count, earlier, earlier_count, relieved, penalty, scratch, allowed, out_vertex,
             out_score, pruned, scored, hint);
}

