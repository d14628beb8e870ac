/* stress.c: stress tests. A stress is a list of shifts, each `section.key = SHIFT`:
 *   +30%  -50%      relative: the value times 1.30, 0.50
 *   *0.5  x2        multiply
 *   +0.04 -2B       add (money suffixes as in scenario files)
 *   =VALUE          replace (any value the key takes: =0, =stressed, =unlimited)
 * Numbers only move numeric keys; text, regime and schedule keys take =VALUE. Shifted
 * values are validated like --set, so a stress cannot produce a scenario a file could
 * not. Presets cover the shocks a lender's or board's stress pack asks for; a scenario
 * file adds its own in [stress.NAME] sections. */
#include "scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct preset_shift {
    const char *key, *shift;
} preset_shift;

typedef struct preset {
    const char *name, *what;
    preset_shift shifts[6];
} preset;

static const preset presets[] = {
    {"capex-overrun", "compute capex 30% over plan", {{"costs.capex", "+30%"}}},
    {"funding-freeze", "equity rounds half as likely to close",
     {{"equity.success_normal", "*0.5"}, {"equity.success_stressed", "*0.5"}}},
    {"revenue-miss", "revenue 30% below plan and growing half as fast",
     {{"revenue.initial", "-30%"}, {"revenue.growth", "*0.5"},
      {"revenue.growth_longrun", "*0.5"}}},
    {"rate-shock", "debt 4 points dearer", {{"debt.rate", "+0.04"}}},
    {"no-backstop", "no parent backstop", {{"backstop.probability", "=0"}}},
    {"market-stress", "a stressed market from month 1, entered twice as often",
     {{"market.initial", "=stressed"}, {"market.stress_entry", "*2"}}},
    {"severe", "capex +30%, equity success halved, revenue growth halved",
     {{"costs.capex", "+30%"}, {"equity.success_normal", "*0.5"},
      {"equity.success_stressed", "*0.5"}, {"revenue.growth", "*0.5"}}},
};
#define N_PRESETS (sizeof presets / sizeof presets[0])

/* The preset's shifts as a br_stress_def (static storage: presets are few and fixed). */
static const br_stress_def *preset_def(size_t i)
{
    static br_stress_shift shifts[N_PRESETS][6];
    static br_stress_def defs[N_PRESETS];
    br_stress_def *d = &defs[i];
    if (d->n == 0) {
        snprintf(d->name, sizeof d->name, "%s", presets[i].name);
        d->shifts = shifts[i];
        for (size_t k = 0; k < 6 && presets[i].shifts[k].key; ++k, ++d->n) {
            snprintf(shifts[i][k].key, sizeof shifts[i][k].key, "%s", presets[i].shifts[k].key);
            snprintf(shifts[i][k].shift, sizeof shifts[i][k].shift, "%s",
                     presets[i].shifts[k].shift);
        }
    }
    return d;
}

static bool numeric(const struct br_scenario_key *k)
{
    return k->type == BR_KEY_MONEY || k->type == BR_KEY_REAL || k->type == BR_KEY_INT;
}

/* Parse a shift: *op is '%', '*', '+' or '='; *v its number (the fraction for '%'). */
static bool parse_shift(const struct br_scenario_key *k, const char *s, char *op, double *v)
{
    if (s[0] == '=') {
        *op = '=';
        return s[1] != '\0';
    }
    if (!numeric(k))
        return false;
    if (s[0] == '*' || s[0] == 'x') {
        *op = '*';
        return br_key_parse_real(s + 1, v) == BR_PARSE_OK && *v >= 0;
    }
    if (s[0] != '+' && s[0] != '-')
        return false;
    const size_t n = strlen(s);
    if (n >= 2 && s[n - 1] == '%') {
        char num[64];
        if (n - 2 >= sizeof num)
            return false;
        memcpy(num, s + 1, n - 2);
        num[n - 2] = '\0';
        *op = '%';
        if (br_key_parse_real(num, v) != BR_PARSE_OK)
            return false;
        *v = (s[0] == '-' ? -*v : *v) / 100.0;
        return true;
    }
    *op = '+';
    const int r = k->type == BR_KEY_MONEY ? br_key_parse_money(s + 1, v)
                                          : br_key_parse_real(s + 1, v);
    if (r != BR_PARSE_OK)
        return false;
    *v = s[0] == '-' ? -*v : *v;
    return true;
}

br_status br_stress_check_shift(const struct br_scenario_key *k, const char *shift,
                                const char *where, char *err, size_t errlen)
{
    char op;
    double v;
    if (parse_shift(k, shift, &op, &v))
        return BR_OK;
    return br_fail(err, errlen, BR_E_INPUT, "%s: stress shift %s.%s = '%s': allowed: %s", where,
                   k->section, k->key, shift,
                   numeric(k) ? "+N% or -N% (relative), *F (multiply), +X or -X (add), =VALUE"
                              : "=VALUE (this key is not a number)");
}

br_status br_stress_apply(const br_scenario *sc, const br_stress_def *d, br_scenario **out,
                          char *err, size_t errlen)
{
    *out = NULL;
    br_scenario *cur = NULL;
    for (size_t i = 0; i < d->n; ++i) {
        const br_stress_shift *x = &d->shifts[i];
        const char *dot = strchr(x->key, '.');
        char sec[64] = "";
        if (dot && (size_t)(dot - x->key) < sizeof sec)
            memcpy(sec, x->key, (size_t)(dot - x->key));
        const struct br_scenario_key *k = dot ? br_key_find(sec, dot + 1) : NULL;
        char op = 0;
        double v = 0;
        if (!k || !parse_shift(k, x->shift, &op, &v)) {
            br_scenario_free(cur);
            return br_fail(err, errlen, BR_E_INPUT, "stress '%s': %s = '%s': not a known key "
                           "with a valid shift", d->name, x->key, x->shift);
        }
        const br_scenario *from = cur ? cur : sc;
        char assign[160];
        if (op == '=') {
            snprintf(assign, sizeof assign, "%s=%s", x->key, x->shift + 1);
        } else {
            const char *field = (const char *)from + k->offset;
            double now;
            if (k->type == BR_KEY_INT) {
                int iv;
                memcpy(&iv, field, sizeof iv);
                now = iv;
            } else {
                memcpy(&now, field, sizeof now);
            }
            double nv = op == '%' ? now * (1.0 + v) : op == '*' ? now * v : now + v;
            if (k->type == BR_KEY_INT)
                nv = nearbyint(nv);
            snprintf(assign, sizeof assign, "%s=%.17g", x->key, nv);
        }
        br_scenario *next = NULL;
        char why[BR_ERRLEN];
        const br_status st = br_scenario_with(from, assign, &next, why, sizeof why);
        br_scenario_free(cur);
        if (st != BR_OK) {
            char at[32] = "";
            if (x->line > 0)
                snprintf(at, sizeof at, " (line %d)", x->line);
            return br_fail(err, errlen, st, "stress '%s': %s = '%s'%s of %s: %s", d->name,
                           x->key, x->shift, at, sc->path, why);
        }
        cur = next;
    }
    if (!cur) /* sections and presets always have a shift; never a silent copy */
        return br_fail(err, errlen, BR_E_INPUT, "stress '%s': no shifts", d->name);
    if (snprintf(cur->name, sizeof cur->name, "%s+%s", sc->name, d->name) >=
        (int)sizeof cur->name) {
        br_scenario_free(cur);
        return br_fail(err, errlen, BR_E_INPUT, "stress '%s' of '%s': the name is longer than "
                       "%d characters", d->name, sc->name, BR_NAME_MAX - 1);
    }
    snprintf(cur->stressed_by, sizeof cur->stressed_by, "%s", d->name);
    snprintf(cur->stress_base, sizeof cur->stress_base, "%s", sc->name);
    *out = cur;
    return BR_OK;
}

const br_stress_def *br_stress_find(const br_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_stress; ++i)
        if (strcmp(sc->stress[i].name, name) == 0)
            return &sc->stress[i];
    for (size_t i = 0; i < N_PRESETS; ++i)
        if (strcmp(presets[i].name, name) == 0)
            return preset_def(i);
    return NULL;
}

static void list_one(const br_stress_def *d, const char *what, FILE *f)
{
    fprintf(f, "  %-16s", d->name);
    for (size_t k = 0; k < d->n; ++k)
        fprintf(f, "%s%s %s", k ? ", " : "", d->shifts[k].key, d->shifts[k].shift);
    if (what)
        fprintf(f, "  (%s)", what);
    fputc('\n', f);
}

void br_stress_list(const br_scenario *sc, FILE *f)
{
    fprintf(f, "stress presets:\n");
    for (size_t i = 0; i < N_PRESETS; ++i)
        list_one(preset_def(i), presets[i].what, f);
    if (sc && sc->n_stress) {
        fprintf(f, "stress sections of %s:\n", sc->path);
        for (size_t i = 0; i < sc->n_stress; ++i)
            list_one(&sc->stress[i], NULL, f);
    }
}
