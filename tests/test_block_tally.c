/* test_block_tally: the CUDA engine's block tallies, run on the CPU. The GPU sums a
 * block's paths in shared-memory slots through warp-aggregated atomics and flushes the
 * slots once (kernels/cuda.cu); the arithmetic of that (kernels/block_tally.h: the slot of
 * every br_tally field and back, the 16-bit chunks of a money sum and their exact 128-bit
 * recombination, the carry between the two 64-bit words) is plain code, and this test
 * runs the very same functions. What it cannot run, the warp intrinsics, it emulates as
 * their CUDA documentation defines them:
 *   __match_any_sync(mask, addr): the active lanes with the same address;
 *   __reduce_add_sync(peers, v): the 32-bit (wrapping) sum over those lanes;
 *   the group's lowest lane does the atomic; __activemask(): the lanes at the call site.
 * A block's tally built this way must equal, bit for bit, the plain tally the CPU engine
 * adds path by path (tests/block_tally_ref.c, br_tally_path with its default adds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* br_tally_path's adds, recorded instead of done: (call site, byte offset from the
 * tally being recorded, value). Defined before tally.h, as kernels/cuda.cu does. */
struct br_i128;
static void rec_u64(int site, const void *field, uint64_t v);
static void rec_money(int site, const void *sum, float x);
#define BR_TALLY_ADD_U64(ptr, v) rec_u64(__LINE__, (ptr), (uint64_t)(v))
#define BR_TALLY_ADD_MONEY(sum, x) rec_money(__LINE__, (sum), (x))

#include "block_tally.h"

void brt_plain_tally(br_tally *t, const br_outcome *o); /* tests/block_tally_ref.c */

#define WARP 32
#define MAX_ADDS 16 /* adds per path: br_tally_path makes at most 12 */

/* ---- recording ------------------------------------------------------------------------ */

typedef struct add {
    int site;
    size_t off;
    int money;
    uint64_t u;  /* count */
    int64_t v;   /* whole USD, br_money_fixed */
} add;

static br_tally rec_target; /* the address br_tally_path is given while recording */
static add rec_buf[MAX_ADDS];
static int rec_n;

static void rec_push(int site, const void *p, int money, uint64_t u, int64_t v)
{
    assert_true(rec_n < MAX_ADDS);
    rec_buf[rec_n].site = site;
    rec_buf[rec_n].off = (size_t)((const char *)p - (const char *)&rec_target);
    rec_buf[rec_n].money = money;
    rec_buf[rec_n].u = u;
    rec_buf[rec_n].v = v;
    ++rec_n;
}
static void rec_u64(int site, const void *field, uint64_t v) { rec_push(site, field, 0, v, 0); }
static void rec_money(int site, const void *sum, float x)
{
    rec_push(site, sum, 1, 0, br_money_fixed(x));
}

/* ---- a block, as the kernel runs it -------------------------------------------------- */

typedef struct block {
    int32_t horizon;
    uint64_t *slots;  /* br_s_slots(horizon): the shared memory */
    br_tally *global; /* the device's tally: histograms now, the slots at the flush */
} block;

/* 128-bit a += (hi:lo) as two 64-bit atomics: what br_atomic_add_u128 does. */
static void add_u128(uint64_t *a, uint64_t lo, uint64_t hi)
{
    const uint64_t old = a[0];
    a[0] += lo;
    a[1] += br_u128_high_add(old, lo, hi);
}

/* One warp's paths through br_tally_path: each call site runs for the lanes that reach
 * it (__activemask), grouped by address; each group's sum goes to its slot or, for a
 * histogram bin, to the global tally. */
static void warp_tally(block *b, const br_outcome *o, int lanes)
{
    add adds[WARP][MAX_ADDS];
    int n[WARP], next[WARP];
    for (int l = 0; l < lanes; ++l) {
        rec_n = 0;
        br_tally_path(&rec_target, &o[l]);
        memcpy(adds[l], rec_buf, sizeof rec_buf);
        n[l] = rec_n;
        next[l] = 0;
    }
    /* Call sites in program order (__LINE__ grows along br_tally_path). */
    for (;;) {
        int site = -1;
        for (int l = 0; l < lanes; ++l)
            if (next[l] < n[l] && (site < 0 || adds[l][next[l]].site < site))
                site = adds[l][next[l]].site;
        if (site < 0)
            break;
        int active[WARP], n_active = 0;
        for (int l = 0; l < lanes; ++l)
            if (next[l] < n[l] && adds[l][next[l]].site == site)
                active[n_active++] = l;
        int done[WARP] = {0};
        for (int i = 0; i < n_active; ++i) {
            if (done[i])
                continue;
            const add *lead = &adds[active[i]][next[active[i]]];
            /* __match_any_sync: the lanes of this call with the leader's address. */
            uint32_t s32 = 0, c_sum[3] = {0, 0, 0};
            int32_t top_sum = 0;
            for (int j = i; j < n_active; ++j) {
                const add *a = &adds[active[j]][next[active[j]]];
                if (done[j] || a->off != lead->off)
                    continue;
                done[j] = 1;
                if (a->money) { /* __reduce_add_sync of each chunk, 32-bit */
                    uint32_t c[3];
                    int32_t top;
                    br_i64_chunks(a->v, c, &top);
                    for (int k = 0; k < 3; ++k)
                        c_sum[k] += c[k];
                    top_sum = (int32_t)((uint32_t)top_sum + (uint32_t)top);
                } else {
                    s32 += (uint32_t)a->u; /* br_group_add_u64 reduces 32 bits */
                }
            }
            if (lead->money) {
                const size_t slot = br_slot_of(lead->off, b->horizon);
                assert_true(slot >= BR_S_SUMS && slot < BR_S_HEAD && (slot - BR_S_SUMS) % 2 == 0);
                const br_i128 s = br_chunk_sums_i128(c_sum[0], c_sum[1], c_sum[2], top_sum);
                add_u128(&b->slots[slot], s.lo, s.hi);
            } else {
                const size_t slot = br_slot_of(lead->off, b->horizon);
                if (slot == BR_SLOT_GLOBAL)
                    *(uint64_t *)((char *)b->global + lead->off) += s32;
                else
                    b->slots[slot] += s32;
            }
        }
        for (int i = 0; i < n_active; ++i)
            ++next[active[i]];
    }
}

/* The block's one flush (the end of br_units_kernel). */
static void block_flush(block *b)
{
    char *const g = (char *)b->global;
    const size_t n_slots = br_s_slots(b->horizon);
    for (size_t i = 0; i < n_slots; ++i) {
        const uint64_t v = b->slots[i];
        if (i >= BR_S_SUMS && i < BR_S_HEAD) {
            if ((i - BR_S_SUMS) % 2 == 0)
                add_u128((uint64_t *)(g + br_slot_field(i, b->horizon)), v, b->slots[i + 1]);
            continue;
        }
        *(uint64_t *)(g + br_slot_field(i, b->horizon)) += v;
    }
}

/* ---- outcomes ------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Money across every regime of the tallies: 0, the centre bin, the histogram's octaves,
 * both overflow ends, past the +-2^62 clamp, negative zero, subnormals. */
static float money(void)
{
    const uint64_t r = rng();
    switch (r % 8) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return (float)((int64_t)(r >> 16) % 1000000); /* centre bin, either sign */
    case 3: return 1e-40f * (float)(r >> 60);              /* subnormal */
    case 4: return ((r >> 8) & 1 ? -1.0f : 1.0f) * 3e19f;  /* past the clamp */
    default: {
        /* sign, exponent 2^0 .. 2^63, mantissa: every octave of the histogram */
        const uint32_t bits = (uint32_t)((r >> 32) & 0x807fffffu) | ((uint32_t)(127 + (r >> 8) % 64) << 23);
        float x;
        memcpy(&x, &bits, sizeof x);
        return x;
    }
    }
}

static br_outcome outcome(int32_t horizon)
{
    br_outcome o;
    const uint64_t r = rng();
    o.insolvent = r % 3 ? 0 : (int32_t)(1 + (r >> 8) % (uint64_t)horizon);
    o.runway = (int32_t)((r >> 20) % ((uint64_t)horizon + 1));
    o.rounds = (int32_t)((r >> 32) % ((uint64_t)horizon + 1)); /* at most one a month */
    o.uses = (int32_t)((r >> 44) % 4 == 0 ? (r >> 46) % ((uint64_t)horizon + 1) : 0);
    o.cash = money();
    o.need = r % 5 ? br_maxf(money(), 0.0f) : 0.0f;
    o.raised = br_maxf(money(), 0.0f);
    o.drawn = money();
    return o;
}

/* ---- tests ---------------------------------------------------------------------------- */

static const int32_t horizons[] = {1, 2, 13, 60, 120, 600, BR_MAX_HORIZON};
#define N_HORIZONS (sizeof horizons / sizeof horizons[0])

/* Every field a path adds to has its own slot, below br_s_slots, and the flush adds the
 * slot back to that field; the histograms (and anything outside the tally) are global. */
static void test_every_field_has_its_slot_and_back(void **state)
{
    (void)state;
    for (size_t h = 0; h < N_HORIZONS; ++h) {
        const int32_t H = horizons[h];
        const size_t n_slots = br_s_slots(H);
        size_t *owner = calloc(n_slots, sizeof *owner);
        assert_non_null(owner);
        size_t fields = 0;
        for (size_t off = 0; off < sizeof(br_tally); off += 8) {
            const int in_hist = off >= offsetof(br_tally, cash_hist) && off < offsetof(br_tally, rounds);
            const int past_h = (off >= offsetof(br_tally, insolvent) + 8 * ((size_t)H + 1) &&
                                off < offsetof(br_tally, runway)) ||
                               (off >= offsetof(br_tally, runway) + 8 * ((size_t)H + 1) &&
                                off < offsetof(br_tally, cash_hist));
            if (past_h)
                continue; /* insolvent[t], runway[t] with t > H: no path adds there */
            const size_t slot = br_slot_of(off, H);
            if (in_hist) {
                assert_true(slot == BR_SLOT_GLOBAL);
                continue;
            }
            assert_true(slot < n_slots);
            assert_int_equal(owner[slot], 0); /* one field per slot */
            owner[slot] = off + 1;
            assert_int_equal(br_slot_field(slot, H), off);
            ++fields;
        }
        assert_int_equal(fields, n_slots); /* and every slot is some field's */
        /* The money sums are (lo, hi) pairs from BR_S_SUMS; the counts before them. */
        assert_int_equal(br_slot_of(offsetof(br_tally, cash_sum), H), BR_S_SUMS);
        assert_int_equal(br_slot_of(offsetof(br_tally, need_sum), H), BR_S_SUMS + 6);
        assert_int_equal(br_slot_of(offsetof(br_tally, need_sum.hi), H), BR_S_HEAD - 1);
        assert_int_equal(br_slot_of(offsetof(br_tally, insolvent), H), BR_S_HEAD);
        assert_int_equal(br_slot_of(offsetof(br_tally, runway) + 8 * (size_t)H, H), n_slots - 1);
        assert_true(br_slot_of(sizeof(br_tally), H) == BR_SLOT_GLOBAL);
        assert_true(br_slot_of((size_t)0 - 8, H) == BR_SLOT_GLOBAL); /* below the tally */
        free(owner);
    }
}

/* The chunks of any int64 recombine to it, and 32 lanes' chunk sums to their exact
 * 128-bit sum, at the extremes of the range too. */
static void test_chunk_sums_are_exact(void **state)
{
    (void)state;
    rng_state = 42;
    const int64_t edge[] = {0, 1, -1, INT64_MAX, INT64_MIN, (int64_t)1 << 62, -((int64_t)1 << 62),
                            0xffff, -0x10000, (int64_t)1 << 48, -((int64_t)1 << 48) - 1};
    for (int trial = 0; trial < 200000; ++trial) {
        const int lanes = 1 + (int)(rng() % WARP);
        uint32_t s[3] = {0, 0, 0};
        int32_t top_sum = 0;
        br_i128 exact = {0, 0};
        for (int l = 0; l < lanes; ++l) {
            const uint64_t r = rng();
            const int64_t v = trial < 11 ? edge[trial] : (r & 1) ? (int64_t)r : (int64_t)r >> (r % 64);
            uint32_t c[3];
            int32_t top;
            br_i64_chunks(v, c, &top);
            for (int k = 0; k < 3; ++k) {
                assert_true(c[k] <= 0xffffu);
                s[k] += c[k];
            }
            assert_true(top >= -32768 && top <= 32767);
            top_sum += top;
            br_i128_add_i64(&exact, v);
        }
        const br_i128 got = br_chunk_sums_i128(s[0], s[1], s[2], top_sum);
        assert_true(got.lo == exact.lo && got.hi == exact.hi);
    }
}

/* The two-word add gives the exact 128-bit sum whatever the order of the adds. */
static void test_u128_adds_are_exact_in_any_order(void **state)
{
    (void)state;
    rng_state = 7;
    for (int trial = 0; trial < 20000; ++trial) {
        br_i128 v[8];
        br_i128 exact = {rng(), rng()};
        uint64_t a[2] = {exact.lo, exact.hi};
        for (int i = 0; i < 8; ++i) {
            v[i].lo = rng();
            v[i].hi = rng() % 3 == 0 ? ~0ull : rng() % 4;
            br_i128_add(&exact, v[i]);
        }
        for (int i = 0; i < 8; ++i) { /* a rotated order */
            const br_i128 x = v[(i + trial) % 8];
            add_u128(a, x.lo, x.hi);
        }
        assert_true(a[0] == exact.lo && a[1] == exact.hi);
    }
}

/* Blocks of warps, some partly active (the last unit's short tail, finished paths),
 * tally to the plain tally's bits. */
static void test_blocks_of_warps_tally_as_the_cpu_does(void **state)
{
    (void)state;
    rng_state = 2026;
    for (size_t h = 0; h < N_HORIZONS; ++h) {
        const int32_t H = horizons[h];
        br_tally *gpu = calloc(1, sizeof *gpu), *cpu = calloc(1, sizeof *cpu);
        uint64_t *slots = calloc(br_s_slots(H), sizeof *slots);
        assert_non_null(gpu);
        assert_non_null(cpu);
        assert_non_null(slots);
        uint64_t paths = 0;
        for (int blk = 0; blk < 6; ++blk) {
            block b = {H, slots, gpu};
            memset(slots, 0, br_s_slots(H) * sizeof *slots);
            for (int w = 0; w < 8; ++w) { /* a 256-thread block */
                br_outcome o[WARP];
                const int lanes = w == 7 ? 1 + (int)(rng() % WARP) : WARP;
                for (int l = 0; l < lanes; ++l) {
                    o[l] = outcome(H);
                    if (w == 3) /* a warp whose lanes all add to the same bins */
                        o[l] = o[0];
                    brt_plain_tally(cpu, &o[l]);
                }
                warp_tally(&b, o, lanes);
                paths += (uint64_t)lanes;
            }
            block_flush(&b);
        }
        assert_int_equal(cpu->paths, paths);
        assert_int_equal(gpu->paths, paths);
        assert_memory_equal(gpu, cpu, sizeof *cpu);
        free(slots);
        free(gpu);
        free(cpu);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_has_its_slot_and_back),
        cmocka_unit_test(test_chunk_sums_are_exact),
        cmocka_unit_test(test_u128_adds_are_exact_in_any_order),
        cmocka_unit_test(test_blocks_of_warps_tally_as_the_cpu_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
