/* sweep.c: the --sweep grid over each scenario (sweep.h). */
#include "sweep.h"

#include <stdlib.h>
#include <string.h>

typedef struct axis {
    char key[128];
    char **values;
    size_t n;
} axis;

static void free_axes(axis *a, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < a[i].n; ++j)
            free(a[i].values[j]);
        free(a[i].values);
    }
    free(a);
}

/* "section.key=v1,v2,..." -> key and values, every value non-empty. */
static br_status parse_axis(const char *s, axis *a, char *err, size_t errlen)
{
    const char *eq = strchr(s, '=');
    const char *dot = strchr(s, '.');
    if (!eq || !dot || dot > eq || eq == s || (size_t)(eq - s) >= sizeof a->key)
        return br_fail(err, errlen, BR_E_USAGE, "--sweep '%s': allowed: section.key=v1,v2,... "
                       "(e.g. --sweep costs.capex=2B,3B)", s);
    memcpy(a->key, s, (size_t)(eq - s));
    a->key[eq - s] = '\0';
    for (const char *p = eq + 1;;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return br_fail(err, errlen, BR_E_USAGE, "--sweep '%s': empty value; allowed: "
                           "section.key=v1,v2,...", s);
        char **nv = realloc(a->values, (a->n + 1) * sizeof *nv);
        if (!nv || !(nv[a->n] = strndup(p, len))) {
            if (nv)
                a->values = nv;
            return br_fail(err, errlen, BR_E_NOMEM, "--sweep: out of memory");
        }
        a->values = nv;
        a->n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return BR_OK;
}

/* Grid point `idx` of `base`: every axis applied, named base[k=v,...]. */
static br_status make_point(const br_scenario *base, const axis *ax, size_t n_ax, size_t idx,
                            br_scenario **out, char *err, size_t errlen)
{
    char name[4096];
    size_t pos = (size_t)snprintf(name, sizeof name, "%s[", base->name);
    size_t pick[64];
    for (size_t i = n_ax; i-- > 0;) {
        pick[i] = idx % ax[i].n;
        idx /= ax[i].n;
    }
    br_scenario *cur = NULL;
    br_status st = BR_OK;
    for (size_t i = 0; i < n_ax && st == BR_OK; ++i) {
        char assign[1024];
        snprintf(assign, sizeof assign, "%s=%s", ax[i].key, ax[i].values[pick[i]]);
        br_scenario *next = NULL;
        st = br_scenario_with(cur ? cur : base, assign, &next, err, errlen);
        br_scenario_free(cur);
        cur = next;
        if (pos < sizeof name)
            pos += (size_t)snprintf(name + pos, sizeof name - pos, "%s%s", i ? "," : "", assign);
    }
    if (st != BR_OK) { /* br_scenario_with words it as a --set; here it is a --sweep */
        if (strncmp(err, "--set ", 6) == 0) {
            char msg[BR_ERRLEN];
            snprintf(msg, sizeof msg, "--sweep %s", err + 6);
            snprintf(err, errlen, "%s", msg);
        }
        return st;
    }
    if (pos < sizeof name)
        pos += (size_t)snprintf(name + pos, sizeof name - pos, "]");
    if (pos >= BR_NAME_MAX) {
        br_scenario_free(cur);
        return br_fail(err, errlen, BR_E_USAGE, "--sweep: the grid point name '%s' is longer "
                       "than %d characters; sweep fewer keys or shorten scenario.name",
                       name, BR_NAME_MAX - 1);
    }
    memcpy(cur->name, name, pos + 1); /* pos < BR_NAME_MAX: it fits */
    *out = cur;
    return BR_OK;
}

br_status br_sweep_expand(br_scenario *const *bases, size_t n_bases,
                          const char *const *sweeps, size_t n_sweeps, br_scenario ***out,
                          size_t *n_out, char *err, size_t errlen)
{
    *out = NULL;
    *n_out = 0;
    if (n_sweeps > 64)
        return br_fail(err, errlen, BR_E_USAGE, "--sweep: at most 64 keys");
    axis *ax = calloc(n_sweeps + 1, sizeof *ax);
    if (!ax)
        return br_fail(err, errlen, BR_E_NOMEM, "--sweep: out of memory");
    br_status st = BR_OK;
    size_t points = 1;
    for (size_t i = 0; i < n_sweeps && st == BR_OK; ++i) {
        st = parse_axis(sweeps[i], &ax[i], err, errlen);
        if (st == BR_OK && (points *= ax[i].n) * n_bases > BR_SWEEP_MAX_POINTS)
            st = br_fail(err, errlen, BR_E_USAGE, "--sweep: more than %d scenarios in the "
                         "grid", BR_SWEEP_MAX_POINTS);
    }
    br_scenario **sc = st == BR_OK ? calloc(points * n_bases + 1, sizeof *sc) : NULL;
    if (st == BR_OK && !sc)
        st = br_fail(err, errlen, BR_E_NOMEM, "--sweep: out of memory");
    size_t n = 0;
    for (size_t b = 0; b < n_bases && st == BR_OK; ++b)
        for (size_t p = 0; p < points && st == BR_OK; ++p)
            if ((st = make_point(bases[b], ax, n_sweeps, p, &sc[n], err, errlen)) == BR_OK)
                n++;
    free_axes(ax, n_sweeps);
    if (st != BR_OK) {
        for (size_t i = 0; i < n; ++i)
            br_scenario_free(sc[i]);
        free(sc);
        return st;
    }
    *out = sc;
    *n_out = n;
    return BR_OK;
}
