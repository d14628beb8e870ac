/* bench.h: what `burnrate bench` reports beyond a run: the machine, the build, the
 * known verification hashes, and an accuracy-per-time figure of merit. */
#ifndef BR_BENCH_H
#define BR_BENCH_H

#include "result.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

/* The reference hash for (resolved scenario, seed, paths), if one is recorded: a run
 * whose hash differs computed something else than every earlier verified run. */
bool br_bench_known_hash(const br_scenario *sc, uint64_t seed, uint64_t paths,
                         uint64_t *expected);
/* Figure of merit: 1 / (relative standard error of the insolvency probability squared
 * times seconds); higher is better; 0 when the probability is 0. */
double br_bench_fom(const br_stats *s, double seconds);
/* "gcc 12.2.0 -O3 ... -march=x86-64-v3", from the compile definitions. */
const char *br_bench_build(void);
/* CPU model and core count. */
void br_bench_cpu(char *buf, size_t len);

#endif /* BR_BENCH_H */
