/* atomic_file.c: temporary file + fsync + rename. */
#include "atomic_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FILE *br_outset_open(br_outset *set, const char *path, char *err, size_t errlen)
{
    if (set->n == BR_OUTSET_MAX) {
        snprintf(err, errlen, "%s: too many output files in one run (at most %d)", path,
                 BR_OUTSET_MAX);
        return NULL;
    }
    const size_t len = strlen(path) + 32;
    char *tmp = malloc(len), *final = strdup(path);
    if (!tmp || !final) {
        free(tmp);
        free(final);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    /* Same directory as the target, so rename() is atomic (one filesystem). */
    snprintf(tmp, len, "%s.tmp.XXXXXX", path);
    const int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
                 strerror(errno));
        free(tmp);
        free(final);
        return NULL;
    }
    fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        free(final);
        return NULL;
    }
    set->f[set->n] = f;
    set->tmp[set->n] = tmp;
    set->final[set->n] = final;
    set->n++;
    return f;
}

static void release(br_outset *set)
{
    for (size_t i = 0; i < set->n; ++i) {
        free(set->tmp[i]);
        free(set->final[i]);
    }
    set->n = 0;
}

void br_outset_abort(br_outset *set)
{
    for (size_t i = 0; i < set->n; ++i) {
        if (set->f[i])
            fclose(set->f[i]);
        unlink(set->tmp[i]);
    }
    release(set);
}

br_status br_outset_commit(br_outset *set, char *err, size_t errlen)
{
    /* First make every file whole on disk; rename only if all of them are. */
    for (size_t i = 0; i < set->n; ++i) {
        FILE *f = set->f[i];
        int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
        const int e = errno;
        set->f[i] = NULL;
        if (fclose(f) != 0)
            bad = 1;
        if (bad) {
            snprintf(err, errlen, "%s: write failed: %s; the previous file, if any, is kept",
                     set->final[i], strerror(e ? e : EIO));
            for (size_t j = i + 1; j < set->n; ++j) {
                fclose(set->f[j]);
                set->f[j] = NULL;
            }
            br_outset_abort(set);
            return BR_E_IO;
        }
    }
    for (size_t i = 0; i < set->n; ++i) {
        if (rename(set->tmp[i], set->final[i]) != 0) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", set->final[i],
                     strerror(errno));
            br_outset_abort(set);
            return BR_E_IO;
        }
    }
    release(set);
    return BR_OK;
}

br_status br_make_dir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return BR_E_USAGE;
    }
    /* Each prefix in turn, then the whole: mkdir -p. */
    for (char *p = path + 1;; ++p) {
        const bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            struct stat st;
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create directory %s: %s", dir, path,
                         strerror(errno));
                return BR_E_IO;
            }
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "%s: %s is not a directory", dir, path);
                return BR_E_IO;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    return BR_OK;
}
