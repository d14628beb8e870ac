/* checkpoint.c: write, read and check a run's checkpoint (checkpoint.h). */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define CK_MAGIC "BRCKPT02"
#define CK_VERSION_LEN 16

static uint64_t done_bytes(const br_ckpt *c)
{
    return (c->n_scenarios * c->n_units + 7) / 8;
}

/* Header: magic, version, then sizeof(br_tally), seed, paths, n_scenarios, n_units,
 * fan_stride, target_se and target_rel (as bits). Then per scenario its id and name, the
 * done bits, the tallies, the limits, the fan tallies; last an XXH3 of all before it. */
#define CK_HDR_WORDS 8
#define CK_HEADER (8 + CK_VERSION_LEN + CK_HDR_WORDS * 8)

static uint64_t file_size(const br_ckpt *c)
{
    return CK_HEADER + c->n_scenarios * (8 + BR_NAME_MAX) + done_bytes(c) +
           c->n_scenarios * (sizeof(br_tally) + 8 + 8 * c->fan_stride) + 8;
}

bool br_ckpt_alloc(br_ckpt *c)
{
    const uint64_t n = c->n_scenarios;
    c->ids = calloc(n + 1, sizeof *c->ids);
    c->names = calloc(n + 1, sizeof *c->names);
    c->done = calloc(done_bytes(c) + 1, 1);
    c->tallies = calloc(n + 1, sizeof *c->tallies);
    c->limits = calloc(n + 1, sizeof *c->limits);
    c->fan = calloc(n * c->fan_stride + 1, sizeof *c->fan);
    return c->ids && c->names && c->done && c->tallies && c->limits && c->fan;
}

static void put(unsigned char **p, const void *src, size_t n)
{
    memcpy(*p, src, n);
    *p += n;
}

br_status br_ckpt_write(const char *path, const br_ckpt *c, char *err, size_t errlen)
{
    const uint64_t size = file_size(c);
    unsigned char *buf = calloc(1, size), *p = buf;
    char *tmp = malloc(strlen(path) + 32), *prev = malloc(strlen(path) + 8);
    if (!buf || !tmp || !prev) {
        free(buf), free(tmp), free(prev);
        snprintf(err, errlen, "checkpoint %s: out of memory", path);
        return BR_E_NOMEM;
    }
    char version[CK_VERSION_LEN] = {0};
    strncpy(version, BR_VERSION, sizeof version - 1);
    uint64_t hdr[CK_HDR_WORDS] = {sizeof(br_tally), c->seed, c->paths, c->n_scenarios,
                                  c->n_units, c->fan_stride};
    memcpy(&hdr[6], &c->target_se, 8);
    memcpy(&hdr[7], &c->target_rel, 8);
    put(&p, CK_MAGIC, 8);
    put(&p, version, sizeof version);
    put(&p, hdr, sizeof hdr);
    for (uint64_t i = 0; i < c->n_scenarios; ++i) {
        put(&p, &c->ids[i], 8);
        put(&p, c->names[i], BR_NAME_MAX);
    }
    put(&p, c->done, done_bytes(c));
    put(&p, c->tallies, c->n_scenarios * sizeof(br_tally));
    put(&p, c->limits, c->n_scenarios * 8);
    put(&p, c->fan, c->n_scenarios * c->fan_stride * 8);
    const uint64_t h = XXH3_64bits(buf, size - 8);
    put(&p, &h, 8);

    snprintf(tmp, strlen(path) + 32, "%s.tmp.%ld", path, (long)getpid());
    snprintf(prev, strlen(path) + 8, "%s.prev", path);
    br_status st = BR_OK;
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "checkpoint %s: cannot create %s: %s", path, tmp, strerror(errno));
        st = BR_E_IO;
    }
    for (uint64_t off = 0; st == BR_OK && off < size;) {
        const ssize_t w = write(fd, buf + off, size - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "checkpoint %s: writing %s: %s", path, tmp, strerror(errno));
            st = BR_E_IO;
        } else {
            off += (uint64_t)w;
        }
    }
    if (st == BR_OK && fsync(fd) != 0) {
        snprintf(err, errlen, "checkpoint %s: fsync %s: %s", path, tmp, strerror(errno));
        st = BR_E_IO;
    }
    if (fd >= 0 && close(fd) != 0 && st == BR_OK) {
        snprintf(err, errlen, "checkpoint %s: closing %s: %s", path, tmp, strerror(errno));
        st = BR_E_IO;
    }
    /* Keep the one it replaces: a crash between the renames leaves path.prev whole. */
    if (st == BR_OK && rename(path, prev) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "checkpoint %s: renaming it to %s: %s", path, prev, strerror(errno));
        st = BR_E_IO;
    }
    if (st == BR_OK && rename(tmp, path) != 0) {
        snprintf(err, errlen, "checkpoint %s: renaming %s into place: %s", path, tmp,
                 strerror(errno));
        st = BR_E_IO;
    }
    if (st == BR_OK) { /* make the renames durable */
        char *d = strdup(path);
        const int dfd = d ? open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(d);
    } else {
        unlink(tmp);
    }
    free(buf), free(tmp), free(prev);
    return st;
}

static bool take(const unsigned char **p, const unsigned char *end, void *dst, size_t n)
{
    if ((size_t)(end - *p) < n)
        return false;
    memcpy(dst, *p, n);
    *p += n;
    return true;
}

/* One file; on failure why (without the path). */
static bool read_one(const char *path, br_ckpt *c, char *why, size_t whylen)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "%s", strerror(errno));
        return false;
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 20;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(why, whylen, "out of memory");
                return false;
            }
            buf = nb;
        }
        const size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    const bool ioerr = ferror(f);
    fclose(f);
    bool ok = false;
    if (ioerr) {
        snprintf(why, whylen, "read error");
    } else if (len >= 8 && memcmp(buf, CK_MAGIC, 6) == 0 && memcmp(buf, CK_MAGIC, 8) != 0) {
        snprintf(why, whylen, "checkpoint format %.2s, this burnrate reads %.2s; finish the "
                 "run with the burnrate that wrote it", (const char *)buf + 6, CK_MAGIC + 6);
    } else if (len < CK_HEADER + 8 || memcmp(buf, CK_MAGIC, 8) != 0) {
        snprintf(why, whylen, "not a burnrate checkpoint (or truncated)");
    } else {
        uint64_t h;
        memcpy(&h, buf + len - 8, 8);
        if (h != XXH3_64bits(buf, len - 8)) {
            snprintf(why, whylen, "checksum mismatch (truncated or corrupt)");
        } else {
            const unsigned char *p = buf + 8, *end = buf + len - 8;
            char version[CK_VERSION_LEN + 1] = {0};
            uint64_t hdr[CK_HDR_WORDS];
            take(&p, end, version, CK_VERSION_LEN);
            take(&p, end, hdr, sizeof hdr);
            c->seed = hdr[1], c->paths = hdr[2], c->n_scenarios = hdr[3], c->n_units = hdr[4];
            c->fan_stride = hdr[5];
            memcpy(&c->target_se, &hdr[6], 8);
            memcpy(&c->target_rel, &hdr[7], 8);
            if (strcmp(version, BR_VERSION) != 0 || hdr[0] != sizeof(br_tally)) {
                snprintf(why, whylen, "written by burnrate %s (tally layout %llu bytes); this "
                         "is burnrate %s (%zu bytes)", version, (unsigned long long)hdr[0],
                         BR_VERSION, sizeof(br_tally));
            } else if (c->n_scenarios > (1u << 20) || c->n_units > (UINT64_C(1) << 40) ||
                       c->fan_stride > (UINT64_C(1) << 32) || file_size(c) != len) {
                snprintf(why, whylen, "inconsistent sizes (corrupt)");
            } else {
                if (!br_ckpt_alloc(c)) {
                    snprintf(why, whylen, "out of memory");
                } else {
                    for (uint64_t i = 0; i < c->n_scenarios; ++i) {
                        take(&p, end, &c->ids[i], 8);
                        take(&p, end, c->names[i], BR_NAME_MAX);
                        c->names[i][BR_NAME_MAX - 1] = '\0';
                    }
                    take(&p, end, c->done, done_bytes(c));
                    take(&p, end, c->tallies, c->n_scenarios * sizeof(br_tally));
                    take(&p, end, c->limits, c->n_scenarios * 8);
                    ok = take(&p, end, c->fan, c->n_scenarios * c->fan_stride * 8);
                    if (!ok)
                        snprintf(why, whylen, "truncated");
                }
            }
        }
    }
    free(buf);
    if (!ok)
        br_ckpt_free(c);
    return ok;
}

br_status br_ckpt_read(const char *path, br_ckpt *c, char *warn, size_t warnlen, char *err,
                       size_t errlen)
{
    char why[512], why_prev[512];
    warn[0] = '\0';
    if (read_one(path, c, why, sizeof why))
        return BR_OK;
    char *prev = malloc(strlen(path) + 8);
    if (!prev) {
        snprintf(err, errlen, "--resume %s: out of memory", path);
        return BR_E_NOMEM;
    }
    sprintf(prev, "%s.prev", path);
    const bool ok = read_one(prev, c, why_prev, sizeof why_prev);
    if (ok)
        snprintf(warn, warnlen, "--resume %s: %s; using the previous checkpoint %s", path, why,
                 prev);
    else
        snprintf(err, errlen, "--resume %s: %s; and %s: %s", path, why, prev, why_prev);
    free(prev);
    return ok ? BR_OK : BR_E_INPUT;
}

br_status br_ckpt_check(const char *path, const br_ckpt *c, const br_ckpt *want, char *err,
                        size_t errlen)
{
    if (c->seed != want->seed)
        return br_fail(err, errlen, BR_E_INPUT, "--resume %s: --seed %llu differs from the "
                       "checkpoint's seed %llu", path, (unsigned long long)want->seed,
                       (unsigned long long)c->seed);
    if (c->paths != want->paths)
        return br_fail(err, errlen, BR_E_INPUT, "--resume %s: --paths %llu differs from the "
                       "checkpoint's %llu paths per scenario", path,
                       (unsigned long long)want->paths, (unsigned long long)c->paths);
    if ((c->fan_stride != 0) != (want->fan_stride != 0))
        return br_fail(err, errlen, BR_E_INPUT, "--resume %s: the checkpoint was written %s "
                       "--fan; resume %s it", path, c->fan_stride ? "with" : "without",
                       c->fan_stride ? "with" : "without");
    if (c->target_se != want->target_se || c->target_rel != want->target_rel)
        return br_fail(err, errlen, BR_E_INPUT, "--resume %s: precision target --target-se %g "
                       "--target-rel %g differs from the checkpoint's %g and %g (0: none)",
                       path, want->target_se, want->target_rel, c->target_se, c->target_rel);
    if (c->n_scenarios != want->n_scenarios)
        return br_fail(err, errlen, BR_E_INPUT, "--resume %s: this run has %llu scenarios, the "
                       "checkpoint %llu (first: '%s'); give the same files and --sweep", path,
                       (unsigned long long)want->n_scenarios,
                       (unsigned long long)c->n_scenarios, c->names[0]);
    for (uint64_t i = 0; i < c->n_scenarios; ++i) {
        if (strcmp(c->names[i], want->names[i]) != 0)
            return br_fail(err, errlen, BR_E_INPUT, "--resume %s: scenario %llu is '%s' in "
                           "this run but '%s' in the checkpoint", path,
                           (unsigned long long)i + 1, want->names[i], c->names[i]);
        if (c->ids[i] != want->ids[i])
            return br_fail(err, errlen, BR_E_INPUT, "--resume %s: scenario %llu '%s': its "
                           "resolved parameters (id %016llx) differ from the checkpoint's "
                           "(id %016llx); resume with the same files, --set and --sweep "
                           "(burnrate validate shows the parameters)", path,
                           (unsigned long long)i + 1, want->names[i],
                           (unsigned long long)want->ids[i], (unsigned long long)c->ids[i]);
    }
    return BR_OK;
}

void br_ckpt_free(br_ckpt *c)
{
    free(c->ids);
    free(c->names);
    free(c->done);
    free(c->tallies);
    free(c->limits);
    free(c->fan);
    c->ids = NULL;
    c->names = NULL;
    c->done = NULL;
    c->tallies = NULL;
    c->limits = NULL;
    c->fan = NULL;
}
