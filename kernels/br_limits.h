/* br_limits.h: limits shared by the kernels and the host (docs/model.md s.8). */
#ifndef BR_LIMITS_H
#define BR_LIMITS_H

#define BR_MAX_HORIZON 1200 /* months: scenario.horizon_months is 1 .. 1200 */

#endif /* BR_LIMITS_H */
