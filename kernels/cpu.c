/* cpu.c: the CPU engine. Paths are stepped in blocks of BR_CPU_LANES held as structure
 * of arrays; the month loop is outside, and each month runs loops over the block: the
 * two Philox draws of every lane (AVX2 intrinsics, portable fallback), the four normals
 * (AVX2 intrinsics: table rows loaded and transposed), the month
 * up to the equity decision (br_path_month_a), the rounds of the paths that close one
 * (br_round, gathered), and the rest of the month (br_path_month_b); the model parts
 * are inlined into omp simd loops, straight-line AVX2/FMA code. Every value is computed
 * by the same operations as br_path_run, so the outcomes are bit-identical. A block
 * stops as soon as all its paths are settled. OpenMP threads take whole work units;
 * each adds to its own tally, merged at the end with integer adds, so the result does
 * not depend on the split. */
#include "cpu.h"

#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

_Static_assert(BR_CPU_LANES % 64 == 0, "blocks are whole 64-lane chunks");

typedef struct br_lanes {
    float cash[BR_CPU_LANES], shadow[BR_CPU_LANES], logr[BR_CPU_LANES];
    float growth[BR_CPU_LANES], installed[BR_CPU_LANES], debt[BR_CPU_LANES];
    float need[BR_CPU_LANES], raised[BR_CPU_LANES];
    int32_t regime[BR_CPU_LANES], last[BR_CPU_LANES], uses[BR_CPU_LANES];
    int32_t rounds[BR_CPU_LANES], insolvent[BR_CPU_LANES], runway[BR_CPU_LANES];
    /* The month's Philox words: w[0..3] = draw a (counter 2(t-1)), w[4..7] = draw b. */
    uint32_t w[8][BR_CPU_LANES];
    /* The month's normals: z[0..3] of w[0..3], z[4] = zS of w[7]. */
    float z[4][BR_CPU_LANES];
    /* The month between br_path_month_a and _b, and the rounds of the closing paths. */
    float mid_C[BR_CPU_LANES], mid_logr[BR_CPU_LANES], round[BR_CPU_LANES];
    int32_t close[BR_CPU_LANES];
    /* Closing paths, compacted (padded to whole vectors). */
    int32_t c_lane[BR_CPU_LANES];
    float c_logr[BR_CPU_LANES], c_round[BR_CPU_LANES];
    uint32_t c_word[BR_CPU_LANES];
    /* Lane-only parts of Philox rounds 0 and 1 (see philox_block_init). */
    uint32_t la[BR_CPU_LANES], lb[BR_CPU_LANES], lc[BR_CPU_LANES];
} br_lanes;

/* ---- Philox for a whole block ----------------------------------------------------
 * Counter (n, 0, p_lo, p_hi), key (k0, k1). In round 0 the product M0*n and the words
 * 0 and p_hi are the same for every lane of a block (p_hi is, since a block never
 * crosses a multiple of 2^32), and M1*p_lo does not depend on n; so after round 0 the
 * state is (X, Y, U, V) with X, Y lane-only and U, V uniform, and after round 1 it is
 * (LA ^ ua, ub, LB ^ uc, LC) with LA, LB, LC lane-only (computed once per block) and
 * ua, ub, uc uniform (once per draw). Rounds 2..9 are then the full rounds. Exact
 * integer arithmetic: the words are those of br_philox_path, bit for bit. */
static inline uint32_t philox_hi(uint32_t m, uint32_t x)
{
    return (uint32_t)(((uint64_t)m * x) >> 32);
}

static void philox_block_init(uint64_t seed, uint32_t p_lo, br_lanes *b)
{
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int l = 0; l < BR_CPU_LANES; ++l) {
        const uint32_t pl = p_lo + (uint32_t)l;
        const uint32_t x = philox_hi(BR_PHILOX_M1, pl) ^ k0;
        const uint32_t y = BR_PHILOX_M1 * pl;
        b->la[l] = y ^ (k0 + BR_PHILOX_W0);
        b->lb[l] = philox_hi(BR_PHILOX_M0, x) ^ (k1 + BR_PHILOX_W1);
        b->lc[l] = BR_PHILOX_M0 * x;
    }
}

#if defined(__AVX2__)
/* Uniform parts after round 1 of draw n: ua, ub, uc. */
static void philox_uniform(uint64_t seed, uint32_t p_hi, uint32_t n, uint32_t u[3])
{
    const uint32_t k1 = (uint32_t)(seed >> 32);
    const uint32_t U = philox_hi(BR_PHILOX_M0, n) ^ p_hi ^ k1;
    u[0] = philox_hi(BR_PHILOX_M1, U);
    u[1] = BR_PHILOX_M1 * U;
    u[2] = BR_PHILOX_M0 * n;
}

/* Rounds 2..9 on 8 lanes held as even lanes (e*, 64-bit slots 0,2,4,6 of the 32-bit
 * vector) and odd lanes (o*, shifted down). vpmuludq multiplies the low 32 bits of each
 * 64-bit slot, so the high halves may hold anything: no shuffles between rounds. */
#define PHX_ROUND(c0, c1, c2, c3, K0, K1)                                                  \
    do {                                                                                   \
        const __m256i p0_ = _mm256_mul_epu32(c0, m0v), p1_ = _mm256_mul_epu32(c2, m1v);    \
        c0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1_, 32), c1), K0);       \
        c1 = p1_;                                                                          \
        c2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0_, 32), c3), K1);       \
        c3 = p0_;                                                                          \
    } while (0)

static void philox_month(uint64_t seed, uint32_t p_lo, uint32_t p_hi, uint32_t n,
                         br_lanes *b)
{
    (void)p_lo; /* in b->la, b->lb, b->lc */
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    const __m256i m0v = _mm256_set1_epi32((int)BR_PHILOX_M0);
    const __m256i m1v = _mm256_set1_epi32((int)BR_PHILOX_M1);
    __m256i K0[10], K1[10];
    for (int i = 2; i < 10; ++i) {
        K0[i] = _mm256_set1_epi32((int)(k0 + (uint32_t)i * BR_PHILOX_W0));
        K1[i] = _mm256_set1_epi32((int)(k1 + (uint32_t)i * BR_PHILOX_W1));
    }
    for (int d = 0; d < 2; ++d) {
        uint32_t u[3];
        philox_uniform(seed, p_hi, n + (uint32_t)d, u);
        const __m256i ua = _mm256_set1_epi32((int)u[0]), ub = _mm256_set1_epi32((int)u[1]);
        const __m256i uc = _mm256_set1_epi32((int)u[2]);
        uint32_t *w0 = b->w[4 * d], *w1 = b->w[4 * d + 1];
        uint32_t *w2 = b->w[4 * d + 2], *w3 = b->w[4 * d + 3];
        /* Two groups of 8 lanes at a time: four independent chains of rounds. */
        for (int l = 0; l < BR_CPU_LANES; l += 16) {
#define PHX_SETUP(e0, e1, e2, e3, o0, o1, o2, o3, l)                                        \
    const __m256i c0_##e0 =                                                                \
        _mm256_xor_si256(_mm256_load_si256((const __m256i *)&b->la[l]), ua);               \
    const __m256i c2_##e0 =                                                                \
        _mm256_xor_si256(_mm256_load_si256((const __m256i *)&b->lb[l]), uc);               \
    const __m256i c3_##e0 = _mm256_load_si256((const __m256i *)&b->lc[l]);                 \
    __m256i e0 = c0_##e0, e1 = ub, e2 = c2_##e0, e3 = c3_##e0;                             \
    __m256i o0 = _mm256_srli_epi64(c0_##e0, 32), o1 = ub;                                  \
    __m256i o2 = _mm256_srli_epi64(c2_##e0, 32), o3 = _mm256_srli_epi64(c3_##e0, 32)
#define PHX_STORE(w, e, o, l)                                                              \
    _mm256_store_si256((__m256i *)&w[l], _mm256_blend_epi32(e, _mm256_slli_epi64(o, 32), 0xAA))
            PHX_SETUP(a0, a1, a2, a3, ao0, ao1, ao2, ao3, l);
            PHX_SETUP(b0, b1, b2, b3, bo0, bo1, bo2, bo3, l + 8);
            for (int i = 2; i < 10; ++i) {
                PHX_ROUND(a0, a1, a2, a3, K0[i], K1[i]);
                PHX_ROUND(ao0, ao1, ao2, ao3, K0[i], K1[i]);
                PHX_ROUND(b0, b1, b2, b3, K0[i], K1[i]);
                PHX_ROUND(bo0, bo1, bo2, bo3, K0[i], K1[i]);
            }
            PHX_STORE(w0, a0, ao0, l);
            PHX_STORE(w1, a1, ao1, l);
            PHX_STORE(w2, a2, ao2, l);
            PHX_STORE(w3, a3, ao3, l);
            PHX_STORE(w0, b0, bo0, l + 8);
            PHX_STORE(w1, b1, bo1, l + 8);
            PHX_STORE(w2, b2, bo2, l + 8);
            PHX_STORE(w3, b3, bo3, l + 8);
#undef PHX_SETUP
#undef PHX_STORE
        }
    }
}
#undef PHX_ROUND
#else
/* Portable form: the same words from the full generator, lane by lane. */
static void philox_month(uint64_t seed, uint32_t p_lo, uint32_t p_hi, uint32_t n,
                         br_lanes *b)
{
    for (int l = 0; l < BR_CPU_LANES; ++l)
        for (int d = 0; d < 2; ++d) {
            const br_u32x4 r = br_philox_path(seed, p_lo + (uint32_t)l, p_hi, n + (uint32_t)d);
            for (int k = 0; k < 4; ++k)
                b->w[4 * d + k][l] = r.v[k];
        }
}
#endif

static inline __attribute__((always_inline)) br_path lane_load(const br_lanes *b, int l)
{
    br_path s;
    s.cash = b->cash[l];
    s.shadow = b->shadow[l];
    s.logr = b->logr[l];
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
    b->logr[l] = s->logr;
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

/* ---- normals for a whole block ------------------------------------------------------
 * The four normals z of draw a (zS, needed only by paths that close a round, is computed
 * with the round). br_normal reads one 16-byte table row per word; with AVX2 the eight
 * rows of eight words are loaded whole and transposed into the four coefficient
 * vectors (AVX2 gathers of single floats cost four times as much on the cores we
 * measured), then the same operations as br_normal, in its order. */
#if defined(__AVX2__)
static void normals_avx2(const uint32_t *restrict w, float *restrict z)
{
    const __m256i sign = _mm256_set1_epi32((int32_t)0x80000000u);
    const __m256i low_mask = _mm256_set1_epi32((1 << (23 - BR_NORMAL_SUB_BITS)) - 1);
    const __m256i one_bits = _mm256_set1_epi32(0x3f800000);
    const __m256i row0 = _mm256_set1_epi32(BR_NORMAL_ROW0);
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 mid = _mm256_set1_ps(1.0f + 0x1p-1f / (float)(1 << BR_NORMAL_SUB_BITS));
    for (int l = 0; l < BR_CPU_LANES; l += 8) {
        const __m256i x = _mm256_load_si256((const __m256i *)&w[l]);
        const __m256i m = _mm256_xor_si256(x, _mm256_srai_epi32(x, 31));
        const __m256 wf = _mm256_add_ps(_mm256_cvtepi32_ps(m), half); /* br_normal_w */
        const __m256i b = _mm256_castps_si256(wf);
        _Alignas(32) int32_t row[8];
        _mm256_store_si256((__m256i *)row,
                           _mm256_sub_epi32(_mm256_srli_epi32(b, 23 - BR_NORMAL_SUB_BITS), row0));
        const float *const c = br_normal_coef_h;
        const __m256 a0 = _mm256_loadu2_m128(c + 4 * row[4], c + 4 * row[0]);
        const __m256 a1 = _mm256_loadu2_m128(c + 4 * row[5], c + 4 * row[1]);
        const __m256 a2 = _mm256_loadu2_m128(c + 4 * row[6], c + 4 * row[2]);
        const __m256 a3 = _mm256_loadu2_m128(c + 4 * row[7], c + 4 * row[3]);
        const __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpacklo_ps(a2, a3);
        const __m256 t2 = _mm256_unpackhi_ps(a0, a1), t3 = _mm256_unpackhi_ps(a2, a3);
        const __m256 c0 = _mm256_shuffle_ps(t0, t1, 0x44), c1 = _mm256_shuffle_ps(t0, t1, 0xee);
        const __m256 c2 = _mm256_shuffle_ps(t2, t3, 0x44), c3 = _mm256_shuffle_ps(t2, t3, 0xee);
        const __m256 t = _mm256_sub_ps(
            _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(b, low_mask), one_bits)), mid);
        const __m256 q =
            _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_fmadd_ps(c3, t, c2), t, c1), t, c0);
        _mm256_store_ps(&z[l], _mm256_castsi256_ps(_mm256_xor_si256(
                                   _mm256_castps_si256(q), _mm256_andnot_si256(x, sign))));
    }
}
#endif

static void normals_month(br_lanes *b)
{
#if defined(__AVX2__)
    for (int k = 0; k < 4; ++k)
        normals_avx2(b->w[k], b->z[k]);
#else
    for (int k = 0; k < 4; ++k)
        for (int l = 0; l < BR_CPU_LANES; ++l)
            b->z[k][l] = br_normal(b->w[k][l]);
#endif
}

/* Bit l set when flag[l] != 0 (flags >= 0), l = 0..63. */
static uint64_t nonzero_lanes(const int32_t *flag)
{
    uint64_t mask = 0;
#if defined(__AVX2__)
    for (int l = 0; l < 64; l += 8) {
        const __m256i nz = _mm256_cmpgt_epi32(_mm256_load_si256((const __m256i *)&flag[l]),
                                              _mm256_setzero_si256());
        mask |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(nz)) << l;
    }
#else
    for (int l = 0; l < 64; ++l)
        mask |= (uint64_t)(flag[l] != 0) << l;
#endif
    return mask;
}

/* Step the block of paths p0 .. p0+BR_CPU_LANES-1 (p0 a multiple of BR_CPU_LANES, so
 * the low words of the path indices never carry) to the end of the horizon. With a fan
 * tally, the first n_valid lanes add their cash after every month (a scalar pass, outside the
 * vectorised loop, so the plain run is untouched). */
static void block_run(const br_model *m, uint64_t seed, uint64_t p0, br_lanes *b,
                      uint64_t *fan, int n_valid)
{
    const uint32_t p_lo = (uint32_t)p0, p_hi = (uint32_t)(p0 >> 32);
    br_path s0;
    br_path_init(m, &s0);
    for (int l = 0; l < BR_CPU_LANES; ++l)
        lane_store(b, l, &s0);
    philox_block_init(seed, p_lo, b);
    for (int l = 0; l < BR_CPU_LANES; ++l)
        b->round[l] = 0.0f; /* read (and discarded) where no round closes */
    for (int32_t t = 1; t <= m->horizon; ++t) {
        philox_month(seed, p_lo, p_hi, 2u * (uint32_t)(t - 1), b);
        normals_month(b);
        /* The month in three loops (model.h: br_path_month_a, br_round, _b). The
         * int16 flags are on purpose: the narrowest type in a loop sets gcc's
         * vectorisation factor, and 16 lanes (two AVX2 vectors per operation) give the
         * core two independent dependency chains side by side. */
        int16_t active[BR_CPU_LANES], any_close = 0;
#pragma omp simd reduction(| : any_close)
        for (int l = 0; l < BR_CPU_LANES; ++l) {
            br_path s = lane_load(b, l);
            const br_month_mid mid = br_path_month_a(m, &s, br_path_active(&s), t,
                                                     b->z[0][l], b->z[1][l],
                                                     b->z[2][l], b->z[3][l], b->w[4][l],
                                                     b->w[5][l]);
            b->regime[l] = s.regime;
            b->growth[l] = s.growth;
            b->logr[l] = s.logr;
            b->installed[l] = s.installed;
            b->shadow[l] = s.shadow;
            b->runway[l] = s.runway;
            b->need[l] = s.need;
            b->mid_C[l] = mid.C;
            b->mid_logr[l] = mid.logr;
            b->close[l] = mid.close;
            any_close |= (int16_t)mid.close;
        }
        /* Rounds (the normal zS and an exp) only for the paths that close one,
         * about 1 path-month in 10: gathered, computed 8 at a time, scattered back. */
        if (any_close) {
            int n = 0;
            for (int c = 0; c < BR_CPU_LANES; c += 64)
                for (uint64_t lanes = nonzero_lanes(&b->close[c]); lanes; lanes &= lanes - 1) {
                    const int l = c + __builtin_ctzll(lanes);
                    b->c_lane[n] = l;
                    b->c_logr[n] = b->mid_logr[l];
                    b->c_word[n] = b->w[7][l];
                    ++n;
                }
            const int n8 = (n + 7) & ~7;
            for (int j = n; j < n8; ++j) {
                b->c_logr[j] = 0.0f;
                b->c_word[j] = 0u;
            }
#pragma omp simd
            for (int j = 0; j < n8; ++j)
                b->c_round[j] = br_round(m, b->c_logr[j], br_normal(b->c_word[j]));
            for (int j = 0; j < n; ++j)
                b->round[b->c_lane[j]] = b->c_round[j];
        }
#pragma omp simd
        for (int l = 0; l < BR_CPU_LANES; ++l) {
            br_path s = lane_load(b, l);
            br_month_mid mid;
            mid.C = b->mid_C[l];
            mid.logr = b->mid_logr[l];
            mid.close = b->close[l];
            br_path_month_b(m, &s, t, mid, b->round[l], b->w[6][l]);
            b->cash[l] = s.cash;
            b->debt[l] = s.debt;
            b->rounds[l] = s.rounds;
            b->raised[l] = s.raised;
            b->last[l] = s.last;
            b->uses[l] = s.uses;
            b->insolvent[l] = s.insolvent;
            active[l] = (int16_t)br_path_active(&s);
        }
        if (fan)
            for (int l = 0; l < n_valid; ++l)
                br_fan_month(fan, t, b->insolvent[l], b->cash[l]);
        int16_t any_active = 0;
        for (int l = 0; l < BR_CPU_LANES; ++l)
            any_active |= active[l];
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

/* Per-thread tallies and lane blocks, kept between calls (by the calling thread): the
 * engine calls once per chunk, sometimes of one small unit, and fresh allocations of
 * this size cost page faults and, when freed, TLB shootdowns on every core. */
typedef struct cpu_scratch {
    int nt;
    size_t fan_words;
    br_tally *local;
    br_lanes *lanes;
    uint64_t *fans;
} cpu_scratch;
static _Thread_local cpu_scratch g_scratch;

static bool scratch_get(int nt, size_t fan_words)
{
    cpu_scratch *c = &g_scratch;
    if (nt > c->nt) {
        free(c->local);
        free(c->lanes);
        c->local = calloc((size_t)nt, sizeof *c->local);
        c->lanes = aligned_alloc(64, (size_t)nt * sizeof *c->lanes);
        c->nt = c->local && c->lanes ? nt : 0;
        free(c->fans);
        c->fans = NULL;
        c->fan_words = 0;
        if (!c->nt)
            return false;
    }
    if (fan_words > 0 && fan_words * (size_t)nt > c->fan_words * (size_t)c->nt) {
        free(c->fans);
        c->fans = malloc((size_t)nt * fan_words * sizeof *c->fans);
        c->fan_words = c->fans ? fan_words : 0;
        if (!c->fans)
            return false;
    }
    memset(c->local, 0, (size_t)nt * sizeof *c->local);
    if (fan_words)
        memset(c->fans, 0, (size_t)nt * fan_words * sizeof *c->fans);
    return true;
}

int br_cpu_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                     const uint64_t *units, size_t n_units, int threads, br_tally *out,
                     const br_extra *x)
{
    /* Threads that have work: no more than the units, or when units are shared by
     * block (below), than there are blocks of 8 x BR_CPU_LANES paths. */
    const size_t per_unit = BR_UNIT_PATHS / BR_CPU_LANES;
    size_t blocks = 0;
    for (size_t i = 0; i < n_units; ++i) {
        const uint64_t first = units[i] * BR_UNIT_PATHS;
        const uint64_t n = first >= n_paths ? 0 : n_paths - first;
        blocks += n >= BR_UNIT_PATHS ? per_unit : (size_t)((n + BR_CPU_LANES - 1) / BR_CPU_LANES);
    }
    const bool rows = x && x->unit_rows;
    const size_t want = rows ? n_units : (blocks + 7) / 8;
    int nt = threads > 0 ? threads : omp_get_max_threads();
    nt = (size_t)nt > want ? (int)(want > 0 ? want : 1) : nt;
    const size_t fan_words = x && x->fan ? (size_t)m->horizon * BR_FAN_BINS : 0;
    if (!scratch_get(nt, fan_words))
        return -1;
    br_tally *const local = g_scratch.local;
    br_lanes *const lanes = g_scratch.lanes;
    uint64_t *const fans = fan_words ? g_scratch.fans : NULL;
    /* Fewer units than threads (a small run's first unit, the MPI root's one unit at a
     * time): threads share the units' blocks instead, so none waits. The same paths go
     * to the same integer tallies either way; per-unit rows need a unit per thread. */
    const bool by_block = n_units < (size_t)nt && !rows;
#pragma omp parallel num_threads(nt)
    {
        const int me = omp_get_thread_num();
        uint64_t *fan = fans ? fans + (size_t)me * fan_words : NULL;
#pragma omp for schedule(dynamic, 8)
        for (size_t k = 0; k < (by_block ? n_units * per_unit : 0); ++k) {
            const uint64_t unit_end = (units[k / per_unit] + 1) * BR_UNIT_PATHS;
            const uint64_t first = units[k / per_unit] * BR_UNIT_PATHS +
                                   (k % per_unit) * BR_CPU_LANES;
            const uint64_t end0 = unit_end < n_paths ? unit_end : n_paths;
            const uint64_t end = end0 - first < BR_CPU_LANES ? end0 : first + BR_CPU_LANES;
            if (first < end0)
                run_range(m, seed, first, end, &lanes[me], &local[me], fan, NULL);
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < (by_block ? 0 : n_units); ++i) {
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
