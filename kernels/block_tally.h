/* block_tally.h: the arithmetic of the CUDA engine's block tallies (kernels/cuda.cu),
 * kept apart from the warp intrinsics so the CPU tests run the very same functions
 * (tests/test_block_tally.c). A block sums its paths' small tallies in shared memory,
 * one uint64 slot per br_tally field, and flushes them to the device's br_tally once;
 * the money histograms (and the optional tallies) go straight to global memory.
 *
 * Slots, for a model of horizon H:
 *   [0] paths, [1..3] rounds, backstop_paths, backstop_uses,
 *   [4..11] cash_sum, raised_sum, drawn_sum, need_sum as (lo, hi) pairs,
 *   [12 .. 12+H] insolvent[0..H], [13+H .. 13+2H] runway[0..H].
 * Slots 1..11 mirror br_tally from `rounds` to its end, in order. */
#ifndef BR_BLOCK_TALLY_H
#define BR_BLOCK_TALLY_H

#include <stddef.h>

#include "tally.h"

#define BR_S_TAIL 1  /* slot of rounds */
#define BR_S_SUMS 4  /* slot of cash_sum.lo */
#define BR_S_HEAD 12 /* slot of insolvent[0] */
#define BR_SLOT_GLOBAL ((size_t)-1)

/* Shared slots of a block for horizon H (months). */
BR_HD size_t br_s_slots(int32_t horizon) { return BR_S_HEAD + 2 * ((size_t)horizon + 1); }

/* Slot of the br_tally field at byte offset off; BR_SLOT_GLOBAL for a histogram bin and
 * for an address outside the tally (off >= sizeof(br_tally), which includes an address
 * below it, where off wraps). insolvent[t] and runway[t] need t <= horizon. */
BR_HD size_t br_slot_of(size_t off, int32_t horizon)
{
    const size_t H1 = (size_t)horizon + 1;
    if (off < offsetof(br_tally, insolvent))
        return 0;
    if (off < offsetof(br_tally, runway))
        return BR_S_HEAD + (off - offsetof(br_tally, insolvent)) / 8;
    if (off < offsetof(br_tally, cash_hist))
        return BR_S_HEAD + H1 + (off - offsetof(br_tally, runway)) / 8;
    if (off < offsetof(br_tally, rounds) || off >= sizeof(br_tally))
        return BR_SLOT_GLOBAL;
    return BR_S_TAIL + (off - offsetof(br_tally, rounds)) / 8;
}

/* Byte offset in br_tally of slot i's field (of the low word for a money sum's pair):
 * where the flush adds it. The inverse of br_slot_of. */
BR_HD size_t br_slot_field(size_t i, int32_t horizon)
{
    const size_t H1 = (size_t)horizon + 1;
    if (i == 0)
        return offsetof(br_tally, paths);
    if (i < BR_S_HEAD)
        return offsetof(br_tally, rounds) + 8 * (i - BR_S_TAIL);
    if (i < BR_S_HEAD + H1)
        return offsetof(br_tally, insolvent) + 8 * (i - BR_S_HEAD);
    return offsetof(br_tally, runway) + 8 * (i - BR_S_HEAD - H1);
}

/* A money sum's 128-bit add is split for the warp: an int64 v (whole USD) as the 16-bit
 * chunks v = c[0] + c[1] 2^16 + c[2] 2^32 + c[3] 2^48, the top one signed. A warp sums
 * each chunk over up to 32 lanes in 32 bits (__reduce_add_sync): the unsigned sums stay
 * below 2^21, the signed one within +-2^20, so nothing wraps. */
BR_HD void br_i64_chunks(int64_t v, uint32_t c[3], int32_t *top)
{
    const uint64_t u = (uint64_t)v;
    c[0] = (uint32_t)(u & 0xffffu);
    c[1] = (uint32_t)((u >> 16) & 0xffffu);
    c[2] = (uint32_t)((u >> 32) & 0xffffu);
    *top = (int32_t)(v >> 48); /* arithmetic shift: the signed top chunk */
}

/* The exact 128-bit sum of the lanes' values from their chunk sums s0..s2 (each < 2^21)
 * and s3 (signed): s0 + s1 2^16 + s2 2^32 + s3 2^48, two's complement. */
BR_HD br_i128 br_chunk_sums_i128(uint32_t s0, uint32_t s1, uint32_t s2, int32_t s3)
{
    const uint64_t low = (uint64_t)s0 + ((uint64_t)s1 << 16) + ((uint64_t)s2 << 32); /* < 2^54 */
    const int64_t top = s3;
    const uint64_t top_lo = (uint64_t)top << 48;  /* the low word of top 2^48 */
    const uint64_t top_hi = (uint64_t)(top >> 16); /* its high word, sign-extended */
    br_i128 r;
    r.lo = top_lo + low;
    r.hi = top_hi + (uint64_t)(r.lo < top_lo);
    return r;
}

/* The word to add to the high half when (hi:lo) is added to a 128-bit sum whose low word
 * was old_lo before this add: the carry out of the low word is seen by exactly the add
 * that wraps it, so 64-bit atomics on the two words give the exact sum in any order. */
BR_HD uint64_t br_u128_high_add(uint64_t old_lo, uint64_t lo, uint64_t hi)
{
    return hi + (uint64_t)(old_lo + lo < old_lo);
}

#endif /* BR_BLOCK_TALLY_H */
