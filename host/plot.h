/* plot.h: charts and the HTML report, drawn by scripts/burnrate_plot.py (matplotlib). */
#ifndef BR_PLOT_H
#define BR_PLOT_H

#include "burnrate.h"

#include <stdbool.h>
#include <stddef.h>

/* Run the plotting script on the JSON results `jsons` into `dir` (with index.html when
 * html). The interpreter is $BURNRATE_PYTHON or /usr/bin/python3 (Debian's, where
 * python3-matplotlib lives); the script $BURNRATE_PLOT_SCRIPT or the source tree's.
 * BR_E_USAGE/BR_E_INPUT when the script says its input is bad (exit 2), BR_E_RUNTIME
 * when it cannot run or fails. */
br_status br_plot(const char *const *jsons, size_t n, const char *dir, bool html, bool quiet,
                  char *err, size_t errlen);

#endif /* BR_PLOT_H */
