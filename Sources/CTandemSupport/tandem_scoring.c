// The candidate graph's inner loop: one person scored against a whole row of others.
//
// Written in C rather than Swift for two reasons no library addresses: the portable x86-64
// build has no POPCNT, so Swift's nonzeroBitCount becomes a software count, and Swift has
// no per-function target attributes to select a faster instruction set at run time. Here
// the same loop is compiled three times (portable, POPCNT, AVX2 + POPCNT) and CPUID picks
// one on first use. The loop is branch-free (rules and levels become selects), so clang
// vectorises it; with AVX2 it scores four to eight pairs per step.
//
// The rules and levels mirror ScoringTable.violatedRule and ScoringTable.score exactly; the
// Swift tests compare the two on random tables for every code path.
#include "tandem_scoring.h"
#include <limits.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

INLINE int32_t count_bits(uint64_t v) { return (int32_t)__builtin_popcountll(v); }

INLINE int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

/// |a - b| for values whose difference fits in 32 bits, without signed-overflow UB otherwise.
INLINE uint32_t distance32(int32_t a, int32_t b) {
    uint32_t d = (uint32_t)a - (uint32_t)b;
    return (int32_t)d < 0 ? 0u - d : d;
}

INLINE int32_t overlap(const uint64_t *a, int32_t i, const uint64_t *b, int32_t j, int32_t words, int one_word) {
    if (one_word) return count_bits(a[i] & b[j]);
    const uint64_t *pa = a + (int64_t)i * words, *pb = b + (int64_t)j * words;
    int32_t c = 0;
    for (int32_t k = 0; k < words; k++) c += count_bits(pa[k] & pb[k]);
    return c;
}

/// The score of mentor (or first person) `m` with mentee (or second person) `e`, or
/// INT32_MIN when a rule forbids the pair.
INLINE int32_t pair_value(const tandem_scoring *t, int32_t m, int32_t e, int one_word, int classes) {
    const int32_t dm = t->department[m], de = t->department[e];
    const int32_t lm = t->location[m], le = t->location[e];
    const int32_t tm = t->team[m], te = t->team[e];
    const int32_t sm = t->seniority[m], se = t->seniority[e];
    const int32_t jm = t->joined_day[m], je = t->joined_day[e];
    const uint32_t tz = distance32(t->offset_minutes[m], t->offset_minutes[e]);
    const int32_t directed = (int32_t)(t->reverse ? (uint32_t)se - (uint32_t)sm : (uint32_t)sm - (uint32_t)se);
    const int known = (sm >= 0) & (se >= 0);

    int ok = (m != e) & (t->manager[m] != e) & (t->manager[e] != m);
    ok &= !(t->rule_team & (tm != 0) & (tm == te));
    ok &= !(t->rule_department & (dm == de));
    ok &= !(t->rule_location & (lm != le));
    ok &= (int32_t)tz <= t->max_gap;
    ok &= (t->min_gap == INT32_MIN) | (known & (directed >= t->min_gap));

    const int32_t met = overlap(t->goals, m, t->skills, e, t->words, one_word);
    const int32_t meets = overlap(t->goals, e, t->skills, m, t->words, one_word);
    const int32_t *w = t->weight;
    int32_t s = w[tandem_goals_skills] * min32(4, t->mentoring ? meets * 2 + met : met + meets);
    s += w[tandem_shared_goals] * min32(3, overlap(t->goals, m, t->goals, e, t->words, one_word));
    s += w[tandem_shared_skills] * min32(3, overlap(t->skills, m, t->skills, e, t->words, one_word));
    s += w[tandem_interests] * min32(3, overlap(t->interests, m, t->interests, e, t->interest_words, one_word));
    s += w[tandem_shared_groups] * min32(2, overlap(t->groups, m, t->groups, e, t->group_words, one_word));
    s += dm == de ? w[tandem_same_department] : w[tandem_different_department];
    s += lm == le ? w[tandem_same_location] : w[tandem_different_location];
    s += w[tandem_same_timezone] * (tz == 0 ? 2 : tz <= 180 ? 1 : 0);
    const uint32_t d = distance32(sm, se);
    const int32_t gap = t->mentoring ? directed : (int32_t)d;
    const int32_t seniority = w[tandem_similar_seniority] * (d == 0 ? 2 : d == 1 ? 1 : 0) + w[tandem_seniority_gap] * (gap <= 0 ? 0 : min32(3, gap));
    s += known ? seniority : 0;
    const uint32_t days = distance32(jm, je);
    const int32_t tenure = w[tandem_tenure_gap] * (days >= 365 ? 2 : days >= 90 ? 1 : 0);
    s += ((jm != INT32_MIN) & (je != INT32_MIN)) ? tenure : 0;
    if (classes) {
        const int32_t c = t->week_class[m] * t->week_classes + t->week_class[e];
        ok &= t->class_allowed[c];
        s += t->class_points[c];
    }
    return ok ? s : INT32_MIN;
}

/// The row loop; every flag is a constant at each call site, so each combination gets its
/// own straight-line loop.
INLINE int32_t row(const tandem_scoring *table, int32_t x, int mentee, const int32_t *candidates, int32_t count,
                   int32_t *restrict out, int one_word, int classes) {
    const tandem_scoring t = *table;
    int32_t allowed = 0;
    if (candidates) {
        for (int32_t i = 0; i < count; i++) {
            const int32_t y = candidates[i];
            const int32_t v = mentee ? pair_value(&t, y, x, one_word, classes) : pair_value(&t, x, y, one_word, classes);
            out[y] = v;
            allowed += v != INT32_MIN;
        }
    } else {
        for (int32_t y = 0; y < count; y++) {
            const int32_t v = mentee ? pair_value(&t, y, x, one_word, classes) : pair_value(&t, x, y, one_word, classes);
            out[y] = v;
            allowed += v != INT32_MIN;
        }
    }
    return allowed;
}

INLINE int32_t row_any(const tandem_scoring *t, int32_t x, int32_t mentee, const int32_t *candidates, int32_t count,
                       int32_t *restrict out) {
    const int one_word = t->words == 1 && t->interest_words == 1 && t->group_words == 1;
    // Working-week classes get loops of their own, so the others keep theirs free of the lookups.
    if (t->week_class) {
        if (one_word) {
            return mentee ? row(t, x, 1, candidates, count, out, 1, 1) : row(t, x, 0, candidates, count, out, 1, 1);
        }
        return mentee ? row(t, x, 1, candidates, count, out, 0, 1) : row(t, x, 0, candidates, count, out, 0, 1);
    }
    if (one_word) {
        return mentee ? row(t, x, 1, candidates, count, out, 1, 0) : row(t, x, 0, candidates, count, out, 1, 0);
    }
    return mentee ? row(t, x, 1, candidates, count, out, 0, 0) : row(t, x, 0, candidates, count, out, 0, 0);
}

typedef int32_t (*row_function)(const tandem_scoring *, int32_t, int32_t, const int32_t *, int32_t, int32_t *);

static int32_t row_portable(const tandem_scoring *t, int32_t x, int32_t mentee, const int32_t *candidates, int32_t count,
                            int32_t *restrict out) {
    return row_any(t, x, mentee, candidates, count, out);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#define TANDEM_X86 1

__attribute__((target("popcnt")))
static int32_t row_popcnt(const tandem_scoring *t, int32_t x, int32_t mentee, const int32_t *candidates, int32_t count,
                          int32_t *restrict out) {
    return row_any(t, x, mentee, candidates, count, out);
}

__attribute__((target("avx2,popcnt")))
static int32_t row_avx2(const tandem_scoring *t, int32_t x, int32_t mentee, const int32_t *candidates, int32_t count,
                        int32_t *restrict out) {
    return row_any(t, x, mentee, candidates, count, out);
}

/// 2 with AVX2 (and the OS saving YMM registers) and POPCNT, 1 with POPCNT, else 0.
static int32_t machine_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int popcnt = (c >> 23) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!popcnt) return 0;
    if (!osxsave || !avx) return 1;
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 6) != 6) return 1;
    if (__get_cpuid_max(0, 0) < 7) return 1;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 5) & 1 ? 2 : 1;
}
#else
static int32_t machine_level(void) { return 0; }
#endif

/// -1 until first use; then the level in force. Written with relaxed atomics: every thread
/// computes the same value, so a race only repeats the CPUID query.
static int32_t chosen_level = -1;

int32_t tandem_scoring_level(void) {
    int32_t level = __atomic_load_n(&chosen_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = machine_level();
        __atomic_store_n(&chosen_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

void tandem_scoring_force_level(int32_t level) {
    const int32_t best = machine_level();
    __atomic_store_n(&chosen_level, level < 0 ? best : (level < best ? level : best), __ATOMIC_RELAXED);
}

int32_t tandem_score_row(const tandem_scoring *table, int32_t x, int32_t x_is_mentee, const int32_t *candidates,
                         int32_t count, int32_t *out) {
    row_function f = row_portable;
#ifdef TANDEM_X86
    switch (tandem_scoring_level()) {
    case 2: f = row_avx2; break;
    case 1: f = row_popcnt; break;
    default: break;
    }
#endif
    return f(table, x, x_is_mentee != 0, candidates, count, out);
}

// Top k by counting: scores are small integers, so a histogram finds the k-th best score
// without sorting, and a pass in vertex order collects everything above it and the
// lowest-numbered vertices at it. A first pass keeps only entries at or above a running
// threshold in a small buffer (one comparison for most entries); whenever the buffer fills,
// the threshold rises to the k-th best score buffered so far, which the final k-th best
// cannot be below. Linear in the row, where a heap pays a log per entry.
enum { top_k_buffer = 2048 };

/// The k-th best score among `scores[0..<count]` (count >= k > 0), all within low...high.
static int32_t kth_best(const int32_t *scores, int32_t count, int32_t k, int32_t low, int32_t high, int32_t *histogram,
                        int32_t *at_threshold) {
    const int64_t span = (int64_t)high - low + 1;
    for (int32_t i = 0; i < count; i++) histogram[scores[i] - low] += 1;
    int32_t above = 0, threshold = low;
    *at_threshold = 0;
    for (int64_t s = span - 1; s >= 0; s--) {
        if (above + histogram[s] >= k) {
            threshold = (int32_t)(s + low);
            *at_threshold = k - above;
            break;
        }
        above += histogram[s];
    }
    memset(histogram, 0, (size_t)span * sizeof(int32_t));
    return threshold;
}

int32_t tandem_top_k(const int32_t *row_scores, const int32_t *candidates, int32_t count, int32_t k, int32_t low,
                     int32_t high, int32_t *histogram, int32_t *out_vertex, int32_t *out_score) {
    if (k <= 0) return 0;
    if (high < low || low == INT32_MIN) return -1;
    int32_t vertex[top_k_buffer], score[top_k_buffer];
    const int32_t capacity = k * 2 > top_k_buffer ? 0 : top_k_buffer;
    int32_t kept = 0, floor = low;
    if (!capacity) {
        // Very large k: two plain passes, counting then collecting.
        int32_t allowed = 0;
        for (int32_t i = 0; i < count; i++) {
            const int32_t v = row_scores[candidates ? candidates[i] : i];
            if (v == INT32_MIN) continue;
            if (v < low || v > high) return -1;
            histogram[v - low] += 1;
            allowed += 1;
        }
        int32_t threshold = INT32_MIN, at = 0;
        if (allowed > k) {
            int32_t above = 0;
            for (int64_t s = (int64_t)high - low; s >= 0; s--) {
                if (above + histogram[s] >= k) { threshold = (int32_t)(s + low); at = k - above; break; }
                above += histogram[s];
            }
        }
        memset(histogram, 0, ((size_t)high - low + 1) * sizeof(int32_t));
        for (int32_t i = 0; i < count; i++) {
            const int32_t y = candidates ? candidates[i] : i;
            const int32_t v = row_scores[y];
            if (v == INT32_MIN || v < threshold) continue;
            if (v == threshold) { if (at == 0) continue; at -= 1; }
            out_vertex[kept] = y;
            out_score[kept] = v;
            kept += 1;
        }
        return kept;
    }
    // Buffers (y, v) when v >= floor; on a full buffer, keeps the k best so far (everything
    // above the k-th best score and the first entries at it: later entries at that score have
    // higher vertices and lose) and raises the floor to that score.
#define TOP_K_OFFER(Y, V)                                                                       \
    do {                                                                                        \
        vertex[kept] = (Y);                                                                     \
        score[kept] = (V);                                                                      \
        kept += 1;                                                                              \
        if (kept == capacity) {                                                                 \
            int32_t at;                                                                         \
            floor = kth_best(score, kept, k, low, high, histogram, &at);                        \
            int32_t j = 0;                                                                      \
            for (int32_t m = 0; m < kept; m++) {                                                \
                if (score[m] < floor) continue;                                                 \
                if (score[m] == floor) { if (at == 0) continue; at -= 1; }                      \
                vertex[j] = vertex[m];                                                          \
                score[j] = score[m];                                                            \
                j += 1;                                                                         \
            }                                                                                   \
            kept = j;                                                                           \
        }                                                                                       \
    } while (0)
    int32_t i = 0;
    if (!candidates) {
        // Whole rows, eight entries at a time: a mask of those at or above the floor (most
        // blocks have none) and of those out of range.
        for (; i + 8 <= count; i += 8) {
            const int32_t *r = row_scores + i;
            uint32_t hits = 0, bad = 0;
            for (int32_t j = 0; j < 8; j++) {
                hits |= (uint32_t)(r[j] >= floor) << j;
                bad |= (uint32_t)((r[j] > high) | ((r[j] < low) & (r[j] != INT32_MIN)));
            }
            if (bad) return -1;
            while (hits) {
                const int32_t j = __builtin_ctz(hits);
                hits &= hits - 1;
                if (r[j] >= floor) TOP_K_OFFER(i + j, r[j]);
            }
        }
    }
    for (; i < count; i++) {
        const int32_t y = candidates ? candidates[i] : i;
        const int32_t v = row_scores[y];
        if (v < floor) {
            if (v != INT32_MIN && v < low) return -1;
            continue;
        }
        if (v > high) return -1;
        TOP_K_OFFER(y, v);
    }
#undef TOP_K_OFFER
    int32_t threshold = INT32_MIN, at = 0;
    if (kept > k) threshold = kth_best(score, kept, k, low, high, histogram, &at);
    int32_t taken = 0;
    for (int32_t m = 0; m < kept; m++) {
        const int32_t v = score[m];
        if (v < threshold) continue;
        if (v == threshold) { if (at == 0) continue; at -= 1; }
        out_vertex[taken] = vertex[m];
        out_score[taken] = v;
        taken += 1;
    }
    return taken;
}
