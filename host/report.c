/* report.c: summary text, JSON (cJSON) and CSV from a br_result. Nothing here can
 * print a NaN: every statistic is computed from integer tallies and guarded. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void br_format_money(char *buf, size_t len, double usd)
{
    const char *sign = usd < 0 ? "-" : "";
    const double a = fabs(usd);
    if (a >= 1e12)
        snprintf(buf, len, "%s$%.2fT", sign, a / 1e12);
    else if (a >= 1e9)
        snprintf(buf, len, "%s$%.2fB", sign, a / 1e9);
    else if (a >= 1e6)
        snprintf(buf, len, "%s$%.1fM", sign, a / 1e6);
    else
        snprintf(buf, len, "%s$%.0f", sign, a);
}

static void month_q(char *buf, size_t len, int q, int H)
{
    if (q > H)
        snprintf(buf, len, ">%d", H);
    else
        snprintf(buf, len, "%d", q);
}

static void text_month_dist(FILE *f, const char *label, const br_month_dist *d, int H)
{
    if (d->n == 0) {
        fprintf(f, "  %-22s no paths\n", label);
        return;
    }
    char q[BR_NQ][16];
    for (int i = 0; i < BR_NQ; ++i)
        month_q(q[i], sizeof q[i], d->q[i], H);
    fprintf(f, "  %-22s mean %.1f  p05 %s  p25 %s  p50 %s  p75 %s  p95 %s  beyond %d: %.2f%%\n",
            label, d->mean, q[0], q[1], q[2], q[3], q[4], H, 100 * d->beyond);
}

void br_report_text(const br_result *r, FILE *f)
{
    for (size_t i = 0; i < r->n_items; ++i) {
        const br_scenario_result *it = &r->items[i];
        const br_stats *s = &it->stats;
        const int H = s->horizon;
        fprintf(f, "scenario %s: %d months, %llu paths, seed %llu\n", it->scenario->name, H,
                (unsigned long long)s->paths, (unsigned long long)r->seed);
        fprintf(f, "  %-22s %.4f%% +- %.4f%% (95%% CI %.4f%% .. %.4f%%)\n", "insolvency by horizon",
                100 * s->p_insolvent, 100 * s->stderr_p, 100 * s->ci95[0], 100 * s->ci95[1]);
        fprintf(f, "  %-22s", "  at 12 / 24 / 36");
        for (int k = 0; k < 3; ++k)
            if (s->at[k] >= 0)
                fprintf(f, "%s %.4f%%", k ? " /" : "", 100 * s->at[k]);
            else
                fprintf(f, "%s n/a", k ? " /" : "");
        fputc('\n', f);
        text_month_dist(f, "runway (months)", &s->runway, H);
        text_month_dist(f, "time to insolvency", &s->time_to_insolvency, H);
        char a[32], b[32], c[32], d[32], e[32];
        if (s->terminal_cash.n > 0) {
            br_format_money(a, sizeof a, s->terminal_cash.mean);
            br_format_money(b, sizeof b, s->terminal_cash.p05);
            br_format_money(c, sizeof c, s->terminal_cash.p50);
            br_format_money(d, sizeof d, s->terminal_cash.p95);
            br_format_money(e, sizeof e, s->terminal_cash.cvar05);
            fprintf(f, "  %-22s mean %s  p05 %s  p50 %s  p95 %s  CVaR5%% %s\n",
                    "terminal cash", a, b, c, d, e);
        } else {
            fprintf(f, "  %-22s no surviving paths\n", "terminal cash");
        }
        br_format_money(a, sizeof a, s->equity_raised_mean);
        br_format_money(b, sizeof b, s->debt_drawn_mean);
        fprintf(f, "  %-22s %.2f equity rounds raising %s, debt drawn %s (means per path)\n",
                "funding", s->equity_rounds_mean, a, b);
        br_format_money(a, sizeof a, s->need_p50);
        br_format_money(b, sizeof b, s->need_p95);
        fprintf(f, "  %-22s backstop used on %.2f%% of paths; external need p50 %s, p95 %s\n",
                "", 100 * s->backstop_probability, a, b);
        if (it->fan) {
            br_fan_stats fs;
            br_fan_compute(it->fan, it->tally, H, &fs);
            fprintf(f, "  %-22s", "cash fan p05/p50/p95");
            for (int m = 12; m <= H && m <= 36; m += 12) {
                if (!(fs.survival[m - 1] > 0)) {
                    fprintf(f, "  m%d: no survivors", m);
                    continue;
                }
                br_format_money(a, sizeof a, fs.q[0][m - 1]);
                br_format_money(b, sizeof b, fs.q[2][m - 1]);
                br_format_money(c, sizeof c, fs.q[4][m - 1]);
                fprintf(f, "  m%d: %s/%s/%s", m, a, b, c);
            }
            fputc('\n', f);
        }
        if (r->target_se > 0 || r->target_rel > 0) {
            const br_precision *p = &it->precision;
            fprintf(f, "  %-22s %s after %llu paths: stderr %.3g, relative %.3g%s\n",
                    "precision target", p->met ? "met" : "NOT met", (unsigned long long)p->paths,
                    p->stderr_p, p->rel, p->met ? "" : " (stopped at --max-paths)");
        }
        fprintf(f, "  %-22s %016llx\n", "verification hash", (unsigned long long)it->hash);
    }
    fprintf(f, "run: %s backend on %s; %.3f s, %.3g path-months/s\n", r->backend, r->device,
            r->elapsed_s, r->path_months_per_s);
}

void br_report_stress_text(const br_result *r, FILE *f)
{
    for (size_t b = 0; b < r->n_items; ++b) {
        const br_scenario_result *base = &r->items[b];
        if (base->scenario->stressed_by[0])
            continue;
        size_t cases[64], n = 0;
        for (size_t i = 0; i < r->n_items && n < 64; ++i)
            if (strcmp(r->items[i].scenario->stress_base, base->scenario->name) == 0)
                cases[n++] = i;
        if (n == 0)
            continue;
        fprintf(f, "\nstress test: %s (same paths: differences are not noise)\n", base->scenario->name);
        fprintf(f, "  %-26s %14s", "", "base");
        for (size_t c = 0; c < n; ++c)
            fprintf(f, " %22.22s", r->items[cases[c]].scenario->stressed_by);
        fputc('\n', f);
        /* Probabilities as percentages with the change in points; months and money
         * with the change as a difference. */
        enum { PCT, MONTHS, MONEY };
        static const struct { const char *label; int kind; } rows[] = {
            {"insolvency by horizon", PCT}, {"insolvency by month 24", PCT},
            {"runway p50 (months)", MONTHS}, {"runway p05 (months)", MONTHS},
            {"terminal cash p50", MONEY}, {"equity raised (mean)", MONEY},
            {"backstop used", PCT},
        };
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; ++k) {
            fprintf(f, "  %-26s", rows[k].label);
            double v0 = 0;
            for (size_t c = 0; c <= n; ++c) {
                const br_stats *s = &(c ? &r->items[cases[c - 1]] : base)->stats;
                const double v[] = {s->p_insolvent, s->at[1], s->runway.q[2], s->runway.q[0],
                                    s->terminal_cash.p50, s->equity_raised_mean,
                                    s->backstop_probability};
                const double x = v[k];
                char cell[80], m1[24], m2[24];
                if (rows[k].kind == PCT && x < 0)
                    snprintf(cell, sizeof cell, "n/a");
                else if (rows[k].kind == PCT)
                    c ? snprintf(cell, sizeof cell, "%.2f%% (%+.2f)", 100 * x, 100 * (x - v0))
                      : snprintf(cell, sizeof cell, "%.2f%%", 100 * x);
                else if (rows[k].kind == MONTHS)
                    x > s->horizon ? snprintf(cell, sizeof cell, ">%d", s->horizon)
                    : c            ? snprintf(cell, sizeof cell, "%.0f (%+.0f)", x, x - v0)
                                   : snprintf(cell, sizeof cell, "%.0f", x);
                else {
                    br_format_money(m1, sizeof m1, x);
                    br_format_money(m2, sizeof m2, x - v0);
                    c ? snprintf(cell, sizeof cell, "%s (%s%s)", m1, x >= v0 ? "+" : "", m2)
                      : snprintf(cell, sizeof cell, "%s", m1);
                }
                fprintf(f, c ? " %22s" : " %14s", cell);
                if (c == 0)
                    v0 = x;
            }
            fputc('\n', f);
        }
    }
}

static cJSON *num_or_null(double v, int ok) { return ok ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

/* Month statistics: quantiles beyond the horizon are null; the histogram has H+1
 * counts, months 1..H and then beyond. */
static cJSON *json_month_dist(const br_month_dist *d, const uint64_t *hist, int H)
{
    cJSON *o = cJSON_CreateObject();
    static const char *names[BR_NQ] = {"p05", "p25", "p50", "p75", "p95"};
    cJSON_AddItemToObject(o, "mean", num_or_null(d->mean, d->n > 0));
    for (int i = 0; i < BR_NQ; ++i)
        cJSON_AddItemToObject(o, names[i], num_or_null(d->q[i], d->n > 0 && d->q[i] <= H));
    cJSON_AddNumberToObject(o, "beyond_horizon", d->beyond);
    cJSON *h = cJSON_AddArrayToObject(o, "histogram");
    for (int t = 1; t <= H; ++t)
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double)hist[t]));
    cJSON_AddItemToArray(h, cJSON_CreateNumber((double)hist[0]));
    return o;
}

static void add_param(void *ctx, const char *key, const double *num, const char *text)
{
    cJSON *o = ctx;
    if (num)
        cJSON_AddItemToObject(o, key, isfinite(*num) ? cJSON_CreateNumber(*num) : cJSON_CreateNull());
    else
        cJSON_AddStringToObject(o, key, text ? text : "");
}

/* cash_fan: {p05: [H], ..., p95: [H], survival: [H]}, null where nobody survives. */
static cJSON *json_fan(const br_scenario_result *it, int H)
{
    static const char *names[BR_NQ] = {"p05", "p25", "p50", "p75", "p95"};
    br_fan_stats fs;
    br_fan_compute(it->fan, it->tally, H, &fs);
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < BR_NQ; ++i) {
        cJSON *a = cJSON_AddArrayToObject(o, names[i]);
        for (int m = 0; m < H; ++m)
            cJSON_AddItemToArray(a, num_or_null(fs.q[i][m], isfinite(fs.q[i][m])));
    }
    cJSON *a = cJSON_AddArrayToObject(o, "survival");
    for (int m = 0; m < H; ++m)
        cJSON_AddItemToArray(a, num_or_null(fs.survival[m], isfinite(fs.survival[m])));
    cJSON_AddNumberToObject(o, "resolution", exp2(1.0 / (1 << BR_FAN_SUB_BITS)) - 1);
    return o;
}

static cJSON *json_scenario(const br_result *r, const br_scenario_result *it)
{
    const br_stats *s = &it->stats;
    const int H = s->horizon;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", it->scenario->name);
    cJSON_AddNumberToObject(o, "horizon_months", H);
    cJSON_AddNumberToObject(o, "paths", (double)s->paths);
    cJSON *params = cJSON_AddObjectToObject(o, "parameters");
    br_scenario_each_param(it->scenario, add_param, params);

    cJSON *ins = cJSON_AddObjectToObject(o, "insolvency");
    cJSON_AddNumberToObject(ins, "probability", s->p_insolvent);
    cJSON_AddNumberToObject(ins, "stderr", s->stderr_p);
    cJSON *ci = cJSON_AddArrayToObject(ins, "ci95");
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(s->ci95[0]));
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(s->ci95[1]));
    cJSON *bm = cJSON_AddArrayToObject(ins, "by_month");
    for (int t = 0; t < H; ++t)
        cJSON_AddItemToArray(bm, cJSON_CreateNumber(s->by_month[t]));
    static const char *at[3] = {"at_12", "at_24", "at_36"};
    for (int k = 0; k < 3; ++k)
        cJSON_AddItemToObject(ins, at[k], num_or_null(s->at[k], s->at[k] >= 0));

    cJSON_AddItemToObject(o, "runway_months", json_month_dist(&s->runway, it->tally->runway, H));
    uint64_t tti[BR_MAX_HORIZON + 1];
    memcpy(tti, it->tally->insolvent, sizeof tti);
    tti[0] = 0;
    cJSON_AddItemToObject(o, "time_to_insolvency_months",
                          json_month_dist(&s->time_to_insolvency, tti, H));

    const br_money_stats *c = &s->terminal_cash;
    const int has = c->n > 0;
    cJSON *tc = cJSON_AddObjectToObject(o, "terminal_cash");
    cJSON_AddItemToObject(tc, "mean", num_or_null(c->mean, has));
    cJSON_AddItemToObject(tc, "p05", num_or_null(c->p05, has));
    cJSON_AddItemToObject(tc, "p50", num_or_null(c->p50, has));
    cJSON_AddItemToObject(tc, "p95", num_or_null(c->p95, has));
    cJSON_AddItemToObject(tc, "var05", num_or_null(c->var05, has));
    cJSON_AddItemToObject(tc, "cvar05", num_or_null(c->cvar05, has));
    cJSON_AddNumberToObject(tc, "surviving_paths", (double)c->n);

    cJSON *fu = cJSON_AddObjectToObject(o, "funding");
    cJSON_AddNumberToObject(fu, "equity_rounds_mean", s->equity_rounds_mean);
    cJSON_AddNumberToObject(fu, "equity_raised_mean", s->equity_raised_mean);
    cJSON_AddNumberToObject(fu, "debt_drawn_mean", s->debt_drawn_mean);
    cJSON_AddNumberToObject(fu, "backstop_probability", s->backstop_probability);
    cJSON_AddNumberToObject(fu, "need_mean", s->need_mean);
    cJSON_AddNumberToObject(fu, "need_p50", s->need_p50);
    cJSON_AddNumberToObject(fu, "need_p95", s->need_p95);

    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)it->hash);
    cJSON_AddStringToObject(o, "verification_hash", hex);
    if (it->fan)
        cJSON_AddItemToObject(o, "cash_fan", json_fan(it, H));
    if (it->scenario->stressed_by[0]) {
        cJSON *st = cJSON_AddObjectToObject(o, "stress");
        cJSON_AddStringToObject(st, "name", it->scenario->stressed_by);
        cJSON_AddStringToObject(st, "base", it->scenario->stress_base);
    }
    if (r->target_se > 0 || r->target_rel > 0) {
        cJSON *pr = cJSON_AddObjectToObject(o, "precision");
        cJSON_AddBoolToObject(pr, "met", it->precision.met);
        cJSON_AddNumberToObject(pr, "paths_used", (double)it->precision.paths);
        cJSON_AddNumberToObject(pr, "stderr", it->precision.stderr_p);
        cJSON_AddNumberToObject(pr, "relative_error", it->precision.rel);
    }
    return o;
}

cJSON *br_report_json(const br_result *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "version", BR_VERSION);
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddNumberToObject(run, "paths", (double)r->paths);
    /* Seeds above 2^53 do not survive a JSON number: those are written as a string. */
    if (r->seed <= (UINT64_C(1) << 53)) {
        cJSON_AddNumberToObject(run, "seed", (double)r->seed);
    } else {
        char seed[24];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
        cJSON_AddStringToObject(run, "seed", seed);
    }
    cJSON_AddStringToObject(run, "backend", r->backend);
    cJSON_AddStringToObject(run, "device", r->device);
    cJSON_AddNumberToObject(run, "threads", r->threads);
    cJSON_AddNumberToObject(run, "ranks", r->ranks);
    cJSON_AddNumberToObject(run, "elapsed_s", r->elapsed_s);
    cJSON_AddNumberToObject(run, "path_months_per_s", r->path_months_per_s);
    if (r->target_se > 0 || r->target_rel > 0) {
        cJSON *tg = cJSON_AddObjectToObject(run, "target");
        cJSON_AddItemToObject(tg, "stderr", num_or_null(r->target_se, r->target_se > 0));
        cJSON_AddItemToObject(tg, "relative_error", num_or_null(r->target_rel, r->target_rel > 0));
        cJSON_AddNumberToObject(tg, "max_paths", (double)r->paths);
        bool met = true;
        for (size_t i = 0; i < r->n_items; ++i)
            met = met && r->items[i].precision.met;
        cJSON_AddBoolToObject(tg, "met", met);
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "scenarios");
    for (size_t i = 0; i < r->n_items; ++i)
        cJSON_AddItemToArray(arr, json_scenario(r, &r->items[i]));
    return root;
}

br_status br_report_json_write(const br_result *r, const char *path, br_outset *set,
                               char *err, size_t errlen)
{
    cJSON *root = br_report_json(r);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        snprintf(err, errlen, "out of memory while formatting JSON");
        return BR_E_NOMEM;
    }
    br_status st = BR_OK;
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        fputc('\n', stdout);
    } else {
        FILE *f = br_outset_open(set, path, err, errlen);
        if (!f)
            st = BR_E_IO;
        else
            fprintf(f, "%s\n", text);
    }
    free(text);
    return st;
}

/* File-name-safe form of a scenario name. */
static void safe_name(char *out, size_t len, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; ++i) {
        const char c = name[i];
        const int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

br_status br_report_csv_write(const br_result *r, const char *dir, br_outset *set,
                              char *err, size_t errlen)
{
    char path[BR_PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = br_outset_open(set, path, err, errlen);
    if (!f)
        return BR_E_IO;
    fprintf(f, "scenario,horizon_months,paths,insolvency_probability,stderr,ci95_lo,ci95_hi,"
               "at_12,at_24,at_36,runway_mean,runway_p05,runway_p25,runway_p50,runway_p75,"
               "runway_p95,runway_beyond_horizon,terminal_cash_mean,terminal_cash_p05,"
               "terminal_cash_p50,terminal_cash_p95,terminal_cash_cvar05,equity_rounds_mean,"
               "equity_raised_mean,debt_drawn_mean,backstop_probability,need_p50,need_p95,"
               "verification_hash\n");
    for (size_t i = 0; i < r->n_items; ++i) {
        const br_scenario_result *it = &r->items[i];
        const br_stats *s = &it->stats;
        const int H = s->horizon;
        fputc('"', f); /* CSV quoting: a quote inside the name is doubled */
        for (const char *c = it->scenario->name; *c; ++c)
            fputs(*c == '"' ? "\"\"" : (char[2]){*c, '\0'}, f);
        fprintf(f, "\",%d,%llu,%.10g,%.10g,%.10g,%.10g", H,
                (unsigned long long)s->paths, s->p_insolvent, s->stderr_p, s->ci95[0],
                s->ci95[1]);
        for (int k = 0; k < 3; ++k)
            s->at[k] >= 0 ? fprintf(f, ",%.10g", s->at[k]) : fprintf(f, ",");
        fprintf(f, ",%.6g", s->runway.mean);
        for (int k = 0; k < BR_NQ; ++k)
            s->runway.q[k] <= H ? fprintf(f, ",%d", s->runway.q[k]) : fprintf(f, ",");
        fprintf(f, ",%.10g", s->runway.beyond);
        const br_money_stats *c = &s->terminal_cash;
        if (c->n > 0)
            fprintf(f, ",%.6e,%.6e,%.6e,%.6e,%.6e", c->mean, c->p05, c->p50, c->p95, c->cvar05);
        else
            fprintf(f, ",,,,,");
        fprintf(f, ",%.6g,%.6e,%.6e,%.10g,%.6e,%.6e,%016llx\n", s->equity_rounds_mean,
                s->equity_raised_mean, s->debt_drawn_mean, s->backstop_probability,
                s->need_p50, s->need_p95, (unsigned long long)it->hash);

        /* One file per scenario: a name that another scenario of this run already
         * maps to (same name, or the same once made file-safe) gets a -2, -3 ... */
        char name[BR_NAME_MAX + 16];
        safe_name(name, BR_NAME_MAX, it->scenario->name);
        int dup = 1;
        for (size_t j = 0; j < i; ++j) {
            char other[BR_NAME_MAX];
            safe_name(other, sizeof other, r->items[j].scenario->name);
            dup += strcmp(other, name) == 0;
        }
        if (dup > 1) {
            const size_t len = strlen(name);
            snprintf(name + len, sizeof name - len, "-%d", dup);
        }
        snprintf(path, sizeof path, "%s/%s_months.csv", dir, name);
        FILE *g = br_outset_open(set, path, err, errlen);
        if (!g)
            return BR_E_IO;
        fprintf(g, "month,insolvency_cumulative,insolvent_in_month,runway_ends_in_month%s\n",
                it->fan ? ",survival,cash_p05,cash_p25,cash_p50,cash_p75,cash_p95" : "");
        br_fan_stats *fs = it->fan ? malloc(sizeof *fs) : NULL;
        if (fs)
            br_fan_compute(it->fan, it->tally, H, fs);
        for (int t = 1; t <= H; ++t) {
            fprintf(g, "%d,%.10g,%llu,%llu", t, s->by_month[t - 1],
                    (unsigned long long)it->tally->insolvent[t],
                    (unsigned long long)it->tally->runway[t]);
            if (fs) {
                fprintf(g, ",%.10g", fs->survival[t - 1]);
                for (int k = 0; k < BR_NQ; ++k)
                    isfinite(fs->q[k][t - 1]) ? fprintf(g, ",%.6e", fs->q[k][t - 1])
                                              : fprintf(g, ",");
            }
            fputc('\n', g);
        }
        free(fs);
    }
    return BR_OK;
}
