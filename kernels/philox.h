/* philox.h: Philox4x32-10 (Salmon et al., SC'11), the counter-based generator behind
 * every random number in burnrate. Path p, draw n uses counter (n, 0, p_lo, p_hi) and
 * key (seed_lo, seed_hi): the stream of cuRAND's curand_init(seed, p, 0) (MODEL.md s.5),
 * so a path's numbers depend only on (seed, p), never on who computes them. */
#ifndef BR_PHILOX_H
#define BR_PHILOX_H

#include "br_hd.h"

#define BR_PHILOX_M0 0xD2511F53u
#define BR_PHILOX_M1 0xCD9E8D57u
#define BR_PHILOX_W0 0x9E3779B9u /* golden ratio */
#define BR_PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

typedef struct br_u32x4 {
    uint32_t v[4];
} br_u32x4;

/* One round: two 32x32->64 products. gcc gets a 64-bit multiply, which it vectorises
 * (vpmuludq); nvcc gets the high and low halves as __umulhi and a 32-bit multiply, which
 * ptxas fuses into one IMAD.WIDE.U32 each (from the 64-bit form it added the high word
 * to a zero register after every product: 20 instructions per draw). */
BR_HD br_u32x4 br_philox_round(br_u32x4 c, uint32_t k0, uint32_t k1)
{
#if defined(__CUDA_ARCH__)
    const uint32_t hi0 = __umulhi(BR_PHILOX_M0, c.v[0]), lo0 = BR_PHILOX_M0 * c.v[0];
    const uint32_t hi1 = __umulhi(BR_PHILOX_M1, c.v[2]), lo1 = BR_PHILOX_M1 * c.v[2];
#else
    const uint64_t p0 = (uint64_t)BR_PHILOX_M0 * c.v[0];
    const uint64_t p1 = (uint64_t)BR_PHILOX_M1 * c.v[2];
    const uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    const uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
#endif
    br_u32x4 r;
    r.v[0] = hi1 ^ c.v[1] ^ k0;
    r.v[1] = lo1;
    r.v[2] = hi0 ^ c.v[3] ^ k1;
    r.v[3] = lo0;
    return r;
}

/* Round i's key word: key word k bumped i times by w (BR_PHILOX_W0 or _W1). */
BR_HD uint32_t br_philox_round_key(uint32_t k, int i, uint32_t w)
{
    return k + (uint32_t)i * w;
}

/* Where the rounds get their keys. By default computed here (gcc folds them into its
 * loop); kernels/cuda.cu reads them from a constant-memory table of the launch's seed
 * instead, so a round's xor takes its key as an operand rather than after 20 adds per
 * draw. That table holds br_philox_round_key of the same seed. */
#ifndef BR_PHILOX_KEY
#define BR_PHILOX_KEY(k, i, w) br_philox_round_key((k), (i), (w))
#endif

/* Philox4x32-10 of an arbitrary counter and key (the known-answer form). The ten
 * rounds are written out: a loop here would be an inner loop of the CPU engine's lane
 * loop, and gcc only vectorises a loop whose body has none (it unrolls this one too
 * late). Round i uses the key bumped i times. */
BR_HD br_u32x4 br_philox4x32_10(br_u32x4 c, uint32_t k0, uint32_t k1)
{
#define BR_PHILOX_ROUND_I(i)                                                                   \
    c = br_philox_round(c, BR_PHILOX_KEY(k0, i, BR_PHILOX_W0), BR_PHILOX_KEY(k1, i, BR_PHILOX_W1))
    BR_PHILOX_ROUND_I(0);
    BR_PHILOX_ROUND_I(1);
    BR_PHILOX_ROUND_I(2);
    BR_PHILOX_ROUND_I(3);
    BR_PHILOX_ROUND_I(4);
    BR_PHILOX_ROUND_I(5);
    BR_PHILOX_ROUND_I(6);
    BR_PHILOX_ROUND_I(7);
    BR_PHILOX_ROUND_I(8);
    BR_PHILOX_ROUND_I(9);
#undef BR_PHILOX_ROUND_I
    return c;
}

/* Draw n of path (p_hi:p_lo) under seed: counter (n, 0, p_lo, p_hi), key
 * (seed_lo, seed_hi). The path index comes in halves so that a vectorised loop over
 * consecutive paths works on 32-bit lanes only. */
BR_HD br_u32x4 br_philox_path(uint64_t seed, uint32_t p_lo, uint32_t p_hi, uint32_t n)
{
    br_u32x4 ctr;
    ctr.v[0] = n;
    ctr.v[1] = 0u;
    ctr.v[2] = p_lo;
    ctr.v[3] = p_hi;
    return br_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/* Draw n of path p under seed. */
BR_HD br_u32x4 br_philox_draw(uint64_t seed, uint64_t p, uint32_t n)
{
    return br_philox_path(seed, (uint32_t)p, (uint32_t)(p >> 32), n);
}

#endif /* BR_PHILOX_H */
