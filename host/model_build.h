/* model_build.h: a validated scenario compiled into the float model the kernels run. */
#ifndef BR_MODEL_BUILD_H
#define BR_MODEL_BUILD_H

#include "model.h"
#include "scenario.h"

/* Fill *m from sc (already validated). The month tables are computed in double on the
 * host and rounded once to float, so every backend reads the same values. */
void br_model_build(const br_scenario *sc, br_model *m);

#endif /* BR_MODEL_BUILD_H */
