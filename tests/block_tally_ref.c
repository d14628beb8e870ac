/* block_tally_ref.c: the plain tally, for tests/test_block_tally.c: br_tally_path with
 * its default adds (kernels/tally.h), as the CPU engine runs it. A file of its own because
 * the test's own file records the adds instead. */
#include "tally.h"

void brt_plain_tally(br_tally *t, const br_outcome *o);
void brt_plain_tally(br_tally *t, const br_outcome *o) { br_tally_path(t, o); }
