/* sensitivity.c: `burnrate sensitivity`: a one-at-a-time tornado. Each key is moved down
 * and up by a relative delta; the base and every moved copy run in one br_run_ex on the
 * same seed and paths, so path p sees the same random numbers in every copy (common
 * random numbers, docs/model.md s.2) and a swing is not buried in run-to-run noise. Its
 * statistics are in sensitivity_stats.c; this file plans the copies and reports. */
#include "cli.h"
#include "parallel.h"
#include "plot.h"
#include "report.h"
#include "result.h"
#include "sensitivity_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Below this many work units the batch-means standard errors are themselves noisy
 * (relative error about 1/sqrt(2(U-1)), over 25%). */
#define SENS_MIN_UNITS 8

/* Without --vary: the twelve real-valued keys that move insolvency most in
 * scenarios/xai-2026-base.ini (measured at +-10%, from a 15-pp swing for capex down to
 * 1.7 pp for the debt facility): the burn, the cash and revenue growth that meet it, and
 * every source of financing with the market regime that gates it. Integer keys move by
 * more than delta (6 -> 5, 7 months), so they are left to --vary. */
static const char *const default_keys[] = {
    "costs.capex", "equity.round_median", "revenue.growth", "equity.success_normal",
    "costs.opex", "cash.initial", "market.stress_exit", "market.stress_entry",
    "equity.revenue_elasticity", "costs.compute_opex_rate", "backstop.probability",
    "debt.facility",
};

typedef struct sens_key {
    const struct br_scenario_key *k;
    char name[64];          /* section.key */
    double base, low, high; /* the key's units (USD, months, probability, ...) */
    bool clamped;           /* low or high was moved back into the allowed range */
    int h_low, h_high;      /* each copy's horizon, months (differs only for the horizon) */
    br_swing sw;
} sens_key;

typedef struct sens_plan {
    br_scenario *base;
    sens_key keys[BR_SCENARIO_MAX_KEYS];
    size_t n;
    br_scenario *sc[1 + 2 * BR_SCENARIO_MAX_KEYS]; /* base, then low and high per key */
    size_t n_sc;
} sens_plan;

static int fail(br_status st, const char *msg)
{
    if (br_par_rank() == 0)
        fprintf(stderr, "burnrate: %s\n", msg);
    return br_status_exit_code(st);
}

static void note(const char *msg)
{
    if (br_par_rank() == 0)
        fprintf(stderr, "burnrate: sensitivity: %s\n", msg);
}

/* ---- which keys, and where they move ------------------------------------------------- */

/* "section.key" -> its table entry; unknown keys get the parser's message. */
static br_status find_key(const char *name, const struct br_scenario_key **k, char *err)
{
    char sec[64];
    const char *dot = strchr(name, '.');
    if (!dot || dot == name || !dot[1] || (size_t)(dot - name) >= sizeof sec)
        return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--vary '%s': allowed: section.key, e.g. "
                       "costs.opex (burnrate validate SCENARIO.ini lists every key)", name);
    memcpy(sec, name, (size_t)(dot - name));
    sec[dot - name] = '\0';
    if (!(*k = br_key_find(sec, dot + 1)))
        return br_key_unknown("--vary", sec, dot + 1, err, BR_ERRLEN);
    return BR_OK;
}

/* The key's value in sc as a number; BR_E_INPUT naming it when it is not one. */
static br_status key_number(const br_scenario *sc, const struct br_scenario_key *k,
                            const char *name, double *v, char *err)
{
    const char *p = (const char *)sc + k->offset;
    if (k->type == BR_KEY_MONEY || k->type == BR_KEY_REAL) {
        *v = *(const double *)p;
        return BR_OK;
    }
    if (k->type == BR_KEY_INT && *(const int *)p >= 0) {
        *v = *(const int *)p;
        return BR_OK;
    }
    if (k->type == BR_KEY_INT) /* "unlimited" */
        return br_fail(err, BR_ERRLEN, BR_E_INPUT, "--vary %s: it is 'unlimited' in %s, not a "
                       "number to move; give it a number with --set %s=N", name, sc->path, name);
    return br_fail(err, BR_ERRLEN, BR_E_INPUT, "--vary %s: not a numeric key (%s); allowed: "
                   "keys with a money, real or integer value", name, k->unit);
}

/* v put back into k's allowed range (an open bound: the nearest value inside). */
static double clamp_to_range(const struct br_scenario_key *k, double v, bool *clamped)
{
    if (br_key_in_range(k, v))
        return v;
    *clamped = true;
    const bool is_int = k->type == BR_KEY_INT;
    if ((k->flags & BR_RANGE_LO) && v <= k->lo) {
        if (!(k->flags & BR_RANGE_LO_OPEN))
            return k->lo;
        return is_int ? k->lo + 1 : nextafter(k->lo, INFINITY);
    }
    if (!(k->flags & BR_RANGE_HI_OPEN))
        return k->hi;
    return is_int ? k->hi - 1 : nextafter(k->hi, -INFINITY);
}

/* base x factor to 15 significant digits (650M x 0.9 is 585M, not 585000000.00000006:
 * the value run is the value reported, and reads like the one written); integers round,
 * and move by one when rounding undoes the move. */
static double moved_value(const struct br_scenario_key *k, double base, double factor,
                          bool *clamped)
{
    char text[32];
    snprintf(text, sizeof text, "%.15g", base * factor);
    double v = strtod(text, NULL);
    if (k->type == BR_KEY_INT) {
        v = round(v);
        if (v == base)
            v = base + ((factor > 1) == (base > 0) ? 1 : -1);
    }
    return clamp_to_range(k, v, clamped);
}

/* One key into the plan, or a note why not (its value is 0: a relative move is none). */
static br_status add_key(sens_plan *p, const char *name, double delta, char *err)
{
    const struct br_scenario_key *k = NULL;
    double v = 0;
    br_status st = find_key(name, &k, err);
    if (st == BR_OK)
        st = key_number(p->base, k, name, &v, err);
    if (st != BR_OK)
        return st;
    for (size_t i = 0; i < p->n; ++i)
        if (p->keys[i].k == k)
            return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--vary: %s given twice", name);
    if (v == 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "skipping %s: it is 0 in this scenario, and a relative move "
                 "of 0 is no move%s", name, k == br_key_find("costs", "capex") &&
                 p->base->n_capex_schedule ? " (its capex plan is costs.capex_schedule)" : "");
        note(msg);
        return BR_OK;
    }
    sens_key *s = &p->keys[p->n++];
    *s = (sens_key){.k = k, .base = v};
    snprintf(s->name, sizeof s->name, "%s.%s", k->section, k->key);
    s->low = moved_value(k, v, 1 - delta, &s->clamped);
    s->high = moved_value(k, v, 1 + delta, &s->clamped);
    return BR_OK;
}

/* The --vary list (comma-separated), or the defaults. */
static br_status plan_keys(const br_cli *cli, sens_plan *p, char *err)
{
    if (!cli->vary) {
        for (size_t i = 0; i < sizeof default_keys / sizeof *default_keys; ++i) {
            const br_status st = add_key(p, default_keys[i], cli->delta, err);
            if (st != BR_OK)
                return st;
        }
        return p->n ? BR_OK : br_fail(err, BR_ERRLEN, BR_E_INPUT, "sensitivity: every default "
                                      "key is 0 in %s; name keys with --vary", p->base->path);
    }
    if (!*cli->vary)
        return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--vary '': allowed: section.key,"
                       "section.key,... (e.g. costs.opex,revenue.growth)");
    for (const char *s = cli->vary; *s;) {
        const size_t len = strcspn(s, ",");
        char name[128];
        if (len == 0 || len >= sizeof name)
            return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--vary '%s': allowed: section.key,"
                           "section.key,... (e.g. costs.opex,revenue.growth)", cli->vary);
        if (p->n == BR_SCENARIO_MAX_KEYS)
            return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--vary: at most %d keys",
                           BR_SCENARIO_MAX_KEYS);
        memcpy(name, s, len);
        name[len] = '\0';
        const br_status st = add_key(p, name, cli->delta, err);
        if (st != BR_OK)
            return st;
        s += len + (s[len] == ',');
    }
    return p->n ? BR_OK : br_fail(err, BR_ERRLEN, BR_E_INPUT, "sensitivity: nothing to vary: "
                                  "every key given is 0 in %s", p->base->path);
}

/* ---- the scenarios and the run ------------------------------------------------------- */

/* A copy of the base with one key at value v (%.17g: the text reads back as v exactly). */
static br_status make_copy(const sens_plan *p, const sens_key *s, double v, const char *side,
                           br_scenario **out, char *err)
{
    char assign[160];
    if (s->k->type == BR_KEY_INT)
        snprintf(assign, sizeof assign, "%s=%d", s->name, (int)v);
    else
        snprintf(assign, sizeof assign, "%s=%.17g", s->name, v);
    char why[BR_ERRLEN];
    const br_status st = br_scenario_with(p->base, assign, out, why, sizeof why);
    if (st != BR_OK)
        br_fail(err, BR_ERRLEN, st, "--vary %s: the %s copy (%s) is not a valid scenario: %s",
                s->name, side, assign, why);
    return st;
}

/* Base, --set applied; then the keys; then every copy. */
static br_status plan_scenarios(const br_cli *cli, sens_plan *p, char *err)
{
    if (cli->n_files != 1)
        return br_fail(err, BR_ERRLEN, BR_E_USAGE, "sensitivity: one scenario file, not %zu",
                       cli->n_files);
    if (cli->n_sweeps)
        return br_fail(err, BR_ERRLEN, BR_E_USAGE, "--sweep: allowed with run and validate, "
                       "not sensitivity (it moves keys itself: --vary)");
    br_scenario_set_repair_correlation(cli->repair_correlation);
    br_status st = br_scenario_load(cli->files[0], cli->sets, cli->n_sets, &p->base, err,
                                    BR_ERRLEN);
    if (st == BR_OK)
        st = plan_keys(cli, p, err);
    if (st != BR_OK)
        return st;
    p->sc[p->n_sc++] = p->base;
    for (size_t i = 0; i < p->n && st == BR_OK; ++i) {
        const sens_key *k = &p->keys[i];
        if ((st = make_copy(p, k, k->low, "low", &p->sc[p->n_sc], err)) == BR_OK)
            p->n_sc++;
        if (st == BR_OK && (st = make_copy(p, k, k->high, "high", &p->sc[p->n_sc], err)) == BR_OK)
            p->n_sc++;
    }
    return st;
}

static void plan_free(sens_plan *p)
{
    for (size_t i = 0; i < p->n_sc; ++i)
        br_scenario_free(p->sc[i]);
    if (p->n_sc == 0)
        br_scenario_free(p->base);
}

/* Progress on a terminal once a run has taken a second (like run's). */
typedef struct progress {
    struct timespec t0;
    bool tty, shown;
} progress;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *pr = ctx;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    const double s = (double)(t.tv_sec - pr->t0.tv_sec) +
                     1e-9 * (double)(t.tv_nsec - pr->t0.tv_nsec); /* seconds */
    if (!pr->tty || s < 1.0)
        return;
    fprintf(stderr, "\r  %5.1f%%  %llu / %llu paths  %.1f s", 100.0 * (double)done / (double)total,
            (unsigned long long)done, (unsigned long long)total, s);
    pr->shown = true;
}

/* Every copy in one run, same seed and paths, keeping each work unit's row. */
static br_status run_all(const br_cli *cli, const sens_plan *p, br_result **r, char *err)
{
    progress pr = {.tty = br_par_rank() == 0 && !cli->quiet && isatty(STDERR_FILENO)};
    clock_gettime(CLOCK_MONOTONIC, &pr.t0);
    const br_run_config cfg = {
        .paths = cli->paths ? cli->paths : BR_DEFAULT_PATHS, .seed = cli->seed,
        .threads = cli->threads, .backend = cli->backend, .fan = cli->fan,
        .progress = on_progress, .progress_ctx = &pr,
    };
    const br_run_opts opts = {.unit_rows = true};
    const br_status st = br_run_ex((const br_scenario *const *)p->sc, p->n_sc, &cfg, &opts, r,
                                   err, BR_ERRLEN);
    if (pr.shown)
        fputs("\r\033[K", stderr);
    return st;
}

static br_unit_view view_of(const br_scenario_result *it)
{
    return (br_unit_view){it->unit_rows, it->n_units, it->scenario->horizon_months};
}

/* Largest |swing| first; ties keep the order asked for. */
static int by_swing(const void *a, const void *b)
{
    const sens_key *x = a, *y = b;
    const double dx = fabs(x->sw.swing), dy = fabs(y->sw.swing);
    return dx > dy ? -1 : dx < dy ? 1 : (x < y ? -1 : x > y);
}

static br_status compute_rows(sens_plan *p, const br_result *r, char *err)
{
    for (size_t i = 0; i < p->n; ++i) {
        /* Copies are in plan order (low, high per key); the sort comes after. */
        const br_unit_view lo = view_of(&r->items[1 + 2 * i]);
        const br_unit_view hi = view_of(&r->items[2 + 2 * i]);
        p->keys[i].h_low = lo.horizon;
        p->keys[i].h_high = hi.horizon;
        const br_status st = br_swing_compute(&lo, &hi, &p->keys[i].sw, err, BR_ERRLEN);
        if (st != BR_OK)
            return st;
    }
    qsort(p->keys, p->n, sizeof *p->keys, by_swing);
    return BR_OK;
}

/* ---- output ---------------------------------------------------------------------------- */

/* A key's value for people: money as $2.31B, other numbers to four digits. */
static void fmt_value(const sens_key *s, double v, char *buf, size_t n)
{
    if (s->k->type == BR_KEY_MONEY)
        br_format_money(buf, n, v);
    else
        snprintf(buf, n, "%.4g", v);
}

/* Months, or ">H" for a median beyond the horizon. */
static void fmt_months(double m, int H, char *buf, size_t n)
{
    m > H ? snprintf(buf, n, ">%d", H) : snprintf(buf, n, "%.1f", m);
}

/* "+1.23 +- 0.042" (x scale; the error to two digits), or "+- n/a" without one. */
static void fmt_pm(double v, double se, double scale, char *buf, size_t n)
{
    isfinite(se) ? snprintf(buf, n, "%+.2f +- %.2g", scale * v, scale * se)
                 : snprintf(buf, n, "%+.2f +- n/a", scale * v);
}

static void print_row(const sens_key *s, FILE *f)
{
    const br_swing *w = &s->sw;
    char lo[32], hi[32], sw[48], ratio[16], rl[16], rh[16], rw[40], rs[48];
    fmt_value(s, s->low, lo, sizeof lo);
    fmt_value(s, s->high, hi, sizeof hi);
    fmt_pm(w->swing, w->swing_se, 100, sw, sizeof sw);
    isfinite(w->swing_se) && w->independent_se > 0
        ? snprintf(ratio, sizeof ratio, "%.2f", w->swing_se / w->independent_se)
        : snprintf(ratio, sizeof ratio, "n/a");
    fmt_months(w->runway_low, s->h_low, rl, sizeof rl);
    fmt_months(w->runway_high, s->h_high, rh, sizeof rh);
    snprintf(rw, sizeof rw, "%s / %s", rl, rh);
    fmt_pm(w->runway_swing, w->runway_swing_se, 1, rs, sizeof rs);
    fprintf(f, "  %-24s %10s %10s %7.2f%% %7.2f%%  %-17s %7s  %-13s  %s%s\n", s->name, lo, hi,
            100 * w->p_low, 100 * w->p_high, sw, ratio, rw, rs, s->clamped ? "  (clamped)" : "");
}

/* The tornado: base at the top, then one row per key, largest |swing| first. */
static void print_table(const br_cli *cli, const sens_plan *p, const br_result *r, FILE *f)
{
    const br_scenario_result *b = &r->items[0];
    const int H = b->scenario->horizon_months;
    const br_unit_view bv = view_of(b);
    char m[32];
    fmt_months(br_view_median_runway(&bv), H, m, sizeof m);
    fprintf(f, "sensitivity: %s, each key moved down and up by %g%%; %llu paths, seed %llu, "
            "the same paths in every copy\n", b->scenario->name, 100 * cli->delta,
            (unsigned long long)r->paths, (unsigned long long)r->seed);
    fprintf(f, "  base: insolvency by month %d %.2f%%, median runway %s months\n", H,
            100 * b->stats.p_insolvent, m);
    fprintf(f, "  %-24s %10s %10s %8s %8s  %-17s %7s  %-13s  %s\n", "key", "low", "high",
            "P(low)", "P(high)", "swing +- se (pp)", "CRN/ind", "runway lo/hi",
            "runway swing +- se");
    for (size_t i = 0; i < p->n; ++i)
        print_row(&p->keys[i], f);
    fprintf(f, "  se: batch means over %llu work units of the same paths; CRN/ind: that se over "
            "the se two independent runs would have\n", (unsigned long long)b->n_units);
    fprintf(f, "run: %s backend on %s; %.3f s, %.3g path-months/s\n", r->backend, r->device,
            r->elapsed_s, r->path_months_per_s);
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *row_json(const sens_key *s)
{
    const br_swing *w = &s->sw;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", s->name);
    cJSON_AddNumberToObject(o, "low_value", s->low);
    cJSON_AddNumberToObject(o, "high_value", s->high);
    cJSON_AddBoolToObject(o, "clamped", s->clamped);
    cJSON_AddNumberToObject(o, "insolvency_low", w->p_low);
    cJSON_AddNumberToObject(o, "insolvency_high", w->p_high);
    cJSON_AddNumberToObject(o, "swing", w->swing);
    cJSON_AddItemToObject(o, "swing_stderr", num_or_null(w->swing_se));
    cJSON_AddNumberToObject(o, "independent_stderr", w->independent_se);
    cJSON_AddItemToObject(o, "runway_median_low", num_or_null(w->runway_low));
    cJSON_AddItemToObject(o, "runway_median_high", num_or_null(w->runway_high));
    cJSON_AddItemToObject(o, "runway_swing", num_or_null(w->runway_swing));
    cJSON_AddItemToObject(o, "runway_swing_stderr", num_or_null(w->runway_swing_se));
    return o;
}

/* The run's JSON with only the base in "scenarios", plus "sensitivity" (the charting
 * script reads exactly these names). */
static cJSON *sens_json(const br_cli *cli, const sens_plan *p, const br_result *r)
{
    br_result base_only = *r;
    base_only.n_items = 1;
    cJSON *root = br_report_json(&base_only);
    if (!root)
        return NULL;
    const br_scenario_result *b = &r->items[0];
    const br_unit_view bv = view_of(b);
    cJSON *s = cJSON_AddObjectToObject(root, "sensitivity");
    cJSON_AddStringToObject(s, "scenario", b->scenario->name);
    cJSON_AddNumberToObject(s, "delta", cli->delta);
    cJSON_AddNumberToObject(s, "paths", (double)r->paths);
    cJSON *base = cJSON_AddObjectToObject(s, "base");
    cJSON_AddNumberToObject(base, "insolvency_probability", b->stats.p_insolvent);
    cJSON_AddItemToObject(base, "median_runway", num_or_null(br_view_median_runway(&bv)));
    cJSON *rows = cJSON_AddArrayToObject(s, "rows");
    for (size_t i = 0; i < p->n; ++i)
        cJSON_AddItemToArray(rows, row_json(&p->keys[i]));
    return root;
}

/* The JSON text to path ("-": stdout now), else into the output set. */
static br_status put_json(const char *text, const char *path, br_outset *set, char *err)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        fputc('\n', stdout);
        return BR_OK;
    }
    FILE *f = br_outset_open(set, path, err, BR_ERRLEN);
    if (!f)
        return BR_E_IO;
    fprintf(f, "%s\n", text);
    return BR_OK;
}

static void csv_num(FILE *f, double v)
{
    isfinite(v) ? fprintf(f, ",%.10g", v) : fputc(',', f);
}

/* A key's value as the JSON has it: 15 digits when they read back, else 17. */
static void exact_value(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, n, "%.17g", v);
}

/* DIR/sensitivity.csv: one line per key, the JSON row's names as columns. */
static br_status put_csv(const char *dir, const sens_plan *p, br_outset *set, char *err)
{
    char path[BR_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    FILE *f = br_outset_open(set, path, err, BR_ERRLEN);
    if (!f)
        return BR_E_IO;
    fputs("key,low_value,high_value,clamped,insolvency_low,insolvency_high,swing,swing_stderr,"
          "independent_stderr,runway_median_low,runway_median_high,runway_swing,"
          "runway_swing_stderr\n", f);
    for (size_t i = 0; i < p->n; ++i) {
        const sens_key *s = &p->keys[i];
        const br_swing *w = &s->sw;
        char lo[48], hi[48];
        exact_value(s->low, lo, sizeof lo);
        exact_value(s->high, hi, sizeof hi);
        fprintf(f, "%s,%s,%s,%s", s->name, lo, hi, s->clamped ? "true" : "false");
        const double v[] = {w->p_low, w->p_high, w->swing, w->swing_se, w->independent_se,
                            w->runway_low, w->runway_high, w->runway_swing, w->runway_swing_se};
        for (size_t k = 0; k < sizeof v / sizeof *v; ++k)
            csv_num(f, v[k]);
        fputc('\n', f);
    }
    return BR_OK;
}

/* --json, --csv and --report's result.json all or nothing, then the charts. */
static br_status write_outputs(const br_cli *cli, const sens_plan *p, const br_result *r,
                               char *err)
{
    char *text = NULL;
    if (cli->json || cli->report) {
        cJSON *doc = sens_json(cli, p, r);
        text = doc ? cJSON_Print(doc) : NULL;
        cJSON_Delete(doc);
        if (!text)
            return br_fail(err, BR_ERRLEN, BR_E_NOMEM, "out of memory while formatting JSON");
    }
    br_outset set = {0};
    char report_json[BR_PATH_MAX + 32] = "";
    br_status st = BR_OK;
    if (cli->json)
        st = put_json(text, cli->json, &set, err);
    if (st == BR_OK && cli->csv)
        st = put_csv(cli->csv, p, &set, err);
    if (st == BR_OK && cli->report) {
        snprintf(report_json, sizeof report_json, "%s/result.json", cli->report);
        st = br_make_dir(cli->report, err, BR_ERRLEN);
        if (st == BR_OK)
            st = put_json(text, report_json, &set, err);
    }
    free(text);
    st = st == BR_OK ? br_outset_commit(&set, err, BR_ERRLEN) : (br_outset_abort(&set), st);
    if (st == BR_OK && cli->report) {
        const char *j = report_json;
        st = br_plot(&j, 1, cli->report, true, cli->quiet, err, BR_ERRLEN);
    }
    return st;
}

/* Rank 0: the statistics, the outputs, the table. */
static int report(const br_cli *cli, sens_plan *p, const br_result *r)
{
    char err[BR_ERRLEN];
    br_status st = compute_rows(p, r, err);
    if (st == BR_OK && r->items[0].n_units < SENS_MIN_UNITS)
        fprintf(stderr, "burnrate: warning: sensitivity: %llu work unit(s) of %u paths; the "
                "standard errors come from the spread between units and are unreliable below "
                "%d (--paths %u or more)\n", (unsigned long long)r->items[0].n_units,
                BR_UNIT_PATHS, SENS_MIN_UNITS, SENS_MIN_UNITS * BR_UNIT_PATHS);
    if (st == BR_OK)
        st = write_outputs(cli, p, r, err);
    if (st != BR_OK)
        return fail(st, err);
    if (!cli->quiet) {
        FILE *out = (cli->json && strcmp(cli->json, "-") == 0) ? stderr : stdout;
        print_table(cli, p, r, out);
        if (cli->report)
            fprintf(out, "report: %s/index.html\n", cli->report);
    }
    return 0;
}

int br_cmd_sensitivity(const br_cli *cli)
{
    char err[BR_ERRLEN];
    br_par_init();
    /* Every rank plans the same copies itself; all go on only if all could. */
    sens_plan *p = calloc(1, sizeof *p);
    br_status st = p ? plan_scenarios(cli, p, err)
                     : br_fail(err, sizeof err, BR_E_NOMEM, "out of memory");
    st = br_par_agree(st, err, sizeof err);
    br_result *r = NULL;
    if (st == BR_OK)
        st = run_all(cli, p, &r, err);
    int code;
    if (st != BR_OK)
        code = fail(st, err);
    else
        code = br_par_rank() == 0 ? report(cli, p, r) : 0;
    br_result_free(r);
    if (p)
        plan_free(p);
    free(p);
    br_par_finalize();
    return code;
}
