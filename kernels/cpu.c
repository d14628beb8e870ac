/* cpu.c: the CPU engine. Paths are stepped in blocks of BR_CPU_LANES held as structure
 * of arrays; the month loop is outside and the loop over lanes inside is `omp simd`,
 * whose body is the whole month of kernels/model.h inlined, so gcc turns it into
 * straight-line AVX2/FMA code. A block stops as soon as all its paths are settled.
 * OpenMP threads take whole work units; each adds to its own tally, merged at the end
 * with integer adds, so the result does not depend on the split. */
#include "cpu.h"

#include <omp.h>
#include <stdlib.h>

typedef struct br_lanes {
    float cash[BR_CPU_LANES], shadow[BR_CPU_LANES], revenue[BR_CPU_LANES];
    float growth[BR_CPU_LANES], installed[BR_CPU_LANES], debt[BR_CPU_LANES];
    float need[BR_CPU_LANES], raised[BR_CPU_LANES];
    int32_t regime[BR_CPU_LANES], last[BR_CPU_LANES], uses[BR_CPU_LANES];
    int32_t rounds[BR_CPU_LANES], insolvent[BR_CPU_LANES], runway[BR_CPU_LANES];
} br_lanes;

static inline __attribute__((always_inline)) br_path lane_load(const br_lanes *b, int l)
{
    br_path s;
    s.cash = b->cash[l];
    s.shadow = b->shadow[l];
    s.revenue = b->revenue[l];
    s.growth = b->growth[l];
    s.installed = b->installed[l];
    s.debt = b->debt[l];
    s.need = b->need[l];
    s.raised = b->raised[l];
    s.regime = b->regime[l];
    s.last = b->last[l];
    s.uses = b->uses[l];
    s.rounds = b->rounds[l];
    s.insolvent = b->insolvent[l];
    s.runway = b->runway[l];
    return s;
}

static inline __attribute__((always_inline)) void lane_store(br_lanes *b, int l,
                                                             const br_path *s)
{
    b->cash[l] = s->cash;
    b->shadow[l] = s->shadow;
    b->revenue[l] = s->revenue;
    b->growth[l] = s->growth;
    b->installed[l] = s->installed;
    b->debt[l] = s->debt;
    b->need[l] = s->need;
    b->raised[l] = s->raised;
    b->regime[l] = s->regime;
    b->last[l] = s->last;
    b->uses[l] = s->uses;
    b->rounds[l] = s->rounds;
    b->insolvent[l] = s->insolvent;
    b->runway[l] = s->runway;
}

/* Step the block of paths p0 .. p0+BR_CPU_LANES-1 (p0 a multiple of BR_CPU_LANES, so
 * the low words of the path indices never carry) to the end of the horizon. With a fan
 * tally, the first n lanes add their cash after every month (a scalar pass, outside the
 * vectorised loop, so the plain run is untouched). */
static void block_run(const br_model *m, uint64_t seed, uint64_t p0, br_lanes *b,
                      uint64_t *fan, int n)
{
    const uint32_t p_lo = (uint32_t)p0, p_hi = (uint32_t)(p0 >> 32);
    br_path s0;
    br_path_init(m, &s0);
    for (int l = 0; l < BR_CPU_LANES; ++l)
        lane_store(b, l, &s0);
    for (int32_t t = 1; t <= m->horizon; ++t) {
        int32_t any_active = 0;
#pragma omp simd reduction(| : any_active)
        for (int l = 0; l < BR_CPU_LANES; ++l) {
            br_path s = lane_load(b, l);
            br_path_month(m, &s, t, seed, p_lo + (uint32_t)l, p_hi);
            lane_store(b, l, &s);
            any_active |= br_path_active(&s);
        }
        if (fan)
            for (int l = 0; l < n; ++l)
                br_fan_month(fan, t, b->insolvent[l], b->cash[l]);
        if (!any_active)
            break;
    }
}

static br_outcome lane_outcome(const br_model *m, const br_lanes *b, int l)
{
    const br_path s = lane_load(b, l);
    return br_path_outcome(m, &s);
}

/* Paths [first, end) of one unit; first is a multiple of BR_CPU_LANES. fan and row:
 * the optional tallies (kernels/tally.h), NULL when off. */
static void run_range(const br_model *m, uint64_t seed, uint64_t first, uint64_t end,
                      br_lanes *b, br_tally *t, uint64_t *fan, uint64_t *row)
{
    for (uint64_t p0 = first; p0 < end; p0 += BR_CPU_LANES) {
        const uint64_t n = end - p0 < BR_CPU_LANES ? end - p0 : BR_CPU_LANES;
        block_run(m, seed, p0, b, fan, (int)n);
        for (uint64_t l = 0; l < n; ++l) {
            const br_outcome o = lane_outcome(m, b, (int)l);
            br_tally_path(t, &o);
            if (row)
                br_unit_path(row, &o);
        }
    }
}

int br_cpu_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                     const uint64_t *units, size_t n_units, int threads, br_tally *out,
                     const br_extra *x)
{
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    const size_t fan_words = x && x->fan ? (size_t)m->horizon * BR_FAN_BINS : 0;
    br_tally *local = calloc((size_t)nt, sizeof *local);
    br_lanes *lanes = aligned_alloc(64, (size_t)nt * sizeof *lanes);
    uint64_t *fans = fan_words ? calloc((size_t)nt * fan_words, sizeof *fans) : NULL;
    if (!local || !lanes || (fan_words && !fans)) {
        free(local);
        free(lanes);
        free(fans);
        return -1;
    }
#pragma omp parallel num_threads(nt)
    {
        const int me = omp_get_thread_num();
        uint64_t *fan = fans ? fans + (size_t)me * fan_words : NULL;
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < n_units; ++i) {
            const uint64_t first = units[i] * BR_UNIT_PATHS;
            const uint64_t end =
                n_paths - first < BR_UNIT_PATHS ? n_paths : first + BR_UNIT_PATHS;
            uint64_t *row = x && x->unit_rows ? x->unit_rows + i * BR_UNIT_ROW(m->horizon)
                                              : NULL;
            if (first < n_paths)
                run_range(m, seed, first, end, &lanes[me], &local[me], fan, row);
        }
    }
    for (int i = 0; i < nt; ++i)
        br_tally_merge(out, &local[i]);
    for (size_t i = 0; fans && i < (size_t)nt * fan_words; ++i)
        x->fan[i % fan_words] += fans[i];
    free(local);
    free(lanes);
    free(fans);
    return 0;
}

void br_cpu_outcomes(const br_model *m, uint64_t seed, uint64_t p0, size_t n,
                     br_outcome *out)
{
    br_lanes *b = aligned_alloc(64, sizeof *b);
    if (!b)
        return;
    /* Blocks start on multiples of BR_CPU_LANES, as in the engine. */
    uint64_t first = p0 - p0 % BR_CPU_LANES;
    for (uint64_t q = first; q < p0 + n; q += BR_CPU_LANES) {
        block_run(m, seed, q, b, NULL, 0);
        for (int l = 0; l < BR_CPU_LANES; ++l) {
            const uint64_t p = q + (uint64_t)l;
            if (p >= p0 && p < p0 + n)
                out[p - p0] = lane_outcome(m, b, l);
        }
    }
    free(b);
}
