/* transforms.h: PLACEHOLDER (being replaced by the real fma-based versions). */
#ifndef BR_TRANSFORMS_H
#define BR_TRANSFORMS_H
#include "br_hd.h"
#include <math.h>
BR_HD float br_uniform(uint32_t x) { return ((float)(x >> 8) + 0.5f) * 0x1p-24f; }
BR_HD float br_expf(float x) { x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x); return expf(x); }
BR_HD float br_logf(float x) { return logf(x < 1.17549435e-38f ? 1.17549435e-38f : x); }
BR_HD float br_normal(uint32_t x)
{
    uint32_t m = (x >> 31) ? ~x : x;
    float v = ((float)m + 0.5f) * 0x1p-32f;
    float t = sqrtf(-2.0f * logf(v));
    float z = t - (2.515517f + 0.802853f * t + 0.010328f * t * t) /
                      (1.0f + 1.432788f * t + 0.189269f * t * t + 0.001308f * t * t * t);
    return (x >> 31) ? z : -z;
}
#endif
