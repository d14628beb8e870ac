/* atomic_file.h: outputs that appear whole or not at all. Each file is written to a
 * temporary name in its own directory, flushed and fsync'ed; only when every file of a
 * set is complete are they renamed into place, so an error at any point leaves the
 * files that were there before untouched. */
#ifndef BR_ATOMIC_FILE_H
#define BR_ATOMIC_FILE_H

#include "burnrate.h"

#include <stdio.h>

#define BR_OUTSET_MAX 64

typedef struct br_outset {
    size_t n;
    FILE *f[BR_OUTSET_MAX];
    char *tmp[BR_OUTSET_MAX];
    char *final[BR_OUTSET_MAX];
} br_outset;

/* Open a temporary file that will become `path`; NULL with a message on failure. */
FILE *br_outset_open(br_outset *set, const char *path, char *err, size_t errlen);
/* Flush, check, fsync and close every file, then rename all into place. On any
 * failure nothing is renamed, the temporaries are removed and err says why. */
br_status br_outset_commit(br_outset *set, char *err, size_t errlen);
/* Remove every temporary (after an error elsewhere). */
void br_outset_abort(br_outset *set);

/* Create directory `dir` (and its parents) unless it exists, for --report DIR. */
br_status br_make_dir(const char *dir, char *err, size_t errlen);

#endif /* BR_ATOMIC_FILE_H */
