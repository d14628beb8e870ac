/* scenario_keys.c: the one table of scenario keys (MODEL.md s.8): type, field, range,
 * default, unit and help of every `section.key`, and what reads it: value syntax,
 * ranges, nearest-key suggestions, br_scenario_print and br_scenario_each_param. */
#include "scenario.h"

#include <xxhash.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEY(i) (&br_scenario_keys[i])
#define CFIELD(sc, k, type) ((const type *)((const char *)(sc) + (k)->offset))

#define F(field) offsetof(struct br_scenario, field)
#define CORR(i) (offsetof(struct br_scenario, correlation) + (i) * sizeof(double))
#define TEXT(field) F(field), sizeof(((struct br_scenario *)0)->field)

/* Ranges. Money is always bounded by the implementation limit BR_MONEY_ABS_MAX. */
#define ANY_MONEY BR_RANGE_LO | BR_RANGE_HI, -BR_MONEY_ABS_MAX, BR_MONEY_ABS_MAX
#define NONNEG_MONEY BR_RANGE_LO | BR_RANGE_HI, 0.0, BR_MONEY_ABS_MAX
#define CLOSED(a, b) BR_RANGE_LO | BR_RANGE_HI, (a), (b)
#define AT_LEAST(a) BR_RANGE_LO, (a), 0.0
/* Counts are bounded so that month arithmetic (t - last) stays far from int overflow. */
#define COUNT BR_RANGE_LO | BR_RANGE_HI, 0.0, 1e6

static const char *const market_states[] = {"normal", "stressed", NULL};

const struct br_scenario_key br_scenario_keys[] = {
    {"scenario", "name", BR_KEY_TEXT, TEXT(name), BR_RANGE_LO, 1, 0, 0, NULL, "text",
     "name in reports (default: the file name without extension)"},
    {"scenario", "description", BR_KEY_TEXT, TEXT(description), 0, 0, 0, 0, NULL, "text",
     "free text"},
    {"scenario", "horizon_months", BR_KEY_INT, F(horizon_months), 0, CLOSED(1, BR_MAX_HORIZON), 60,
     NULL, "months", "months simulated"},

    {"cash", "initial", BR_KEY_MONEY, F(cash_initial), 0, BR_KEY_REQUIRED | ANY_MONEY, 0, NULL,
     "USD", "cash on hand at month 0"},
    {"cash", "minimum", BR_KEY_MONEY, F(cash_minimum), 0, ANY_MONEY, 0, NULL, "USD",
     "cash below this is insolvency (and ends the runway)"},

    {"revenue", "initial", BR_KEY_MONEY, F(revenue_initial), 0, NONNEG_MONEY, 0, NULL, "USD/month",
     "monthly revenue at month 0"},
    {"revenue", "growth", BR_KEY_REAL, F(revenue_growth), 0, CLOSED(-1, 1), 0, NULL, "log/month",
     "monthly log-growth of revenue at month 0"},
    {"revenue", "growth_longrun", BR_KEY_REAL, F(revenue_growth_longrun), 0, CLOSED(-1, 1), 0, NULL,
     "log/month", "long-run monthly log-growth (default: revenue.growth)"},
    {"revenue", "growth_halflife_months", BR_KEY_REAL, F(revenue_growth_halflife_months), 0,
     BR_RANGE_LO | BR_RANGE_LO_OPEN, 0.0, 0.0, 12, NULL, "months",
     "half-life of growth's reversion to the long run"},
    {"revenue", "growth_vol", BR_KEY_REAL, F(revenue_growth_vol), 0, CLOSED(0, 2), 0, NULL,
     "log/month", "monthly shock to growth (s.d.)"},
    {"revenue", "vol", BR_KEY_REAL, F(revenue_vol), 0, CLOSED(0, 2), 0, NULL, "log/month",
     "monthly shock to revenue (s.d.)"},
    {"revenue", "gross_margin", BR_KEY_REAL, F(revenue_gross_margin), 0, CLOSED(-1, 1), 1, NULL,
     "fraction", "share of revenue left after direct costs"},
    {"revenue", "stress_growth_penalty", BR_KEY_REAL, F(revenue_stress_growth_penalty), 0,
     CLOSED(0, 1), 0, NULL, "log/month", "growth lost each stressed month"},
    {"revenue", "cap", BR_KEY_MONEY, F(revenue_cap), 0,
     BR_RANGE_LO | BR_RANGE_LO_OPEN | BR_RANGE_HI, 0.0, BR_MONEY_ABS_MAX, 1e13, NULL, "USD/month",
     "ceiling on monthly revenue"},

    {"costs", "opex", BR_KEY_MONEY, F(costs_opex), 0, NONNEG_MONEY, 0, NULL, "USD/month",
     "operating expenses at month 0"},
    {"costs", "opex_growth", BR_KEY_REAL, F(costs_opex_growth), 0, CLOSED(-1, 1), 0, NULL,
     "log/month", "monthly log-growth of opex"},
    {"costs", "capex", BR_KEY_MONEY, F(costs_capex), 0, NONNEG_MONEY, 0, NULL, "USD/month",
     "capital expenditure in month 1"},
    {"costs", "capex_growth", BR_KEY_REAL, F(costs_capex_growth), 0, CLOSED(-1, 1), 0, NULL,
     "log/month", "monthly log-growth of the capex plan"},
    {"costs", "capex_schedule", BR_KEY_SCHEDULE, 0, 0, NONNEG_MONEY, 0, NULL,
     "month:USD/month list", "piecewise-constant capex plan, e.g. 1:2.57B, 13:3.2B"},
    {"costs", "capex_vol", BR_KEY_REAL, F(costs_capex_vol), 0, CLOSED(0, 2), 0, NULL, "log/month",
     "monthly shock to capex (s.d.)"},
    {"costs", "compute_opex_rate", BR_KEY_REAL, F(costs_compute_opex_rate), 0, CLOSED(0, 1), 0,
     NULL, "1/month", "running cost per month of each dollar of installed capex"},
    {"costs", "cashflow_vol", BR_KEY_MONEY, F(costs_cashflow_vol), 0, NONNEG_MONEY, 0, NULL,
     "USD/month", "monthly shock to operating cash flow (s.d.)"},

    {"market", "stress_entry", BR_KEY_REAL, F(market_stress_entry), 0, CLOSED(0, 1), 0, NULL,
     "probability/month", "chance a normal month turns stressed"},
    {"market", "stress_exit", BR_KEY_REAL, F(market_stress_exit), 0, CLOSED(0, 1), 1, NULL,
     "probability/month", "chance a stressed month turns normal"},
    {"market", "initial", BR_KEY_ENUM, F(market_initial), 0, 0, 0, 0, 0, market_states, "regime",
     "regime at month 0"},

    {"equity", "trigger_months", BR_KEY_REAL, F(equity_trigger_months), 0, AT_LEAST(0), 0, NULL,
     "months of burn", "raise when cash covers fewer months of burn (0: never)"},
    {"equity", "min_gap_months", BR_KEY_INT, F(equity_min_gap_months), 0, COUNT, 0, NULL, "months",
     "least time between rounds"},
    {"equity", "success_normal", BR_KEY_REAL, F(equity_success_normal), 0, CLOSED(0, 1), 0, NULL,
     "probability", "chance a round closes in a normal month"},
    {"equity", "success_stressed", BR_KEY_REAL, F(equity_success_stressed), 0, CLOSED(0, 1), 0,
     NULL, "probability", "chance a round closes in a stressed month"},
    {"equity", "round_median", BR_KEY_MONEY, F(equity_round_median), 0, NONNEG_MONEY, 0, NULL,
     "USD", "median round size at month-0 revenue"},
    {"equity", "round_vol", BR_KEY_REAL, F(equity_round_vol), 0, CLOSED(0, 2), 0, NULL, "log",
     "spread of round sizes (s.d.)"},
    {"equity", "revenue_elasticity", BR_KEY_REAL, F(equity_revenue_elasticity), 0, CLOSED(-2, 2), 0,
     NULL, "ratio", "round size ~ (revenue / initial revenue)^this"},
    {"equity", "max_rounds", BR_KEY_INT, F(equity_max_rounds), 0, BR_KEY_UNLIMITED | COUNT, -1,
     NULL, "rounds", "most rounds a path may raise"},
    {"equity", "months_since_last_round", BR_KEY_INT, F(equity_months_since_last_round), 0, COUNT,
     1000, NULL, "months", "months from the last round to month 0"},

    {"debt", "facility", BR_KEY_MONEY, F(debt_facility), 0, NONNEG_MONEY, 0, NULL, "USD",
     "size of the credit facility"},
    {"debt", "initial_drawn", BR_KEY_MONEY, F(debt_initial_drawn), 0, NONNEG_MONEY, 0, NULL, "USD",
     "drawn at month 0 (at most debt.facility)"},
    {"debt", "draw_buffer", BR_KEY_MONEY, F(debt_draw_buffer), 0, NONNEG_MONEY, 0, NULL, "USD",
     "drawn above the shortfall"},
    {"debt", "rate", BR_KEY_REAL, F(debt_rate), 0, CLOSED(0, 1), 0, NULL, "1/year",
     "interest rate, annual"},
    {"debt", "stress_spread", BR_KEY_REAL, F(debt_stress_spread), 0, CLOSED(0, 1), 0, NULL,
     "1/year", "extra annual rate in stressed months"},

    {"backstop", "probability", BR_KEY_REAL, F(backstop_probability), 0, CLOSED(0, 1), 0, NULL,
     "probability", "chance the backstop answers a shortfall"},
    {"backstop", "amount", BR_KEY_MONEY, F(backstop_amount), 0, NONNEG_MONEY, 0, NULL, "USD",
     "injection when it does (at least the shortfall)"},
    {"backstop", "max_uses", BR_KEY_INT, F(backstop_max_uses), 0, COUNT, 0, NULL, "uses",
     "most injections a path may get"},

    {"correlation", "revenue_growth", BR_KEY_REAL, CORR(BR_CORR_RG), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the revenue and growth shocks"},
    {"correlation", "revenue_capex", BR_KEY_REAL, CORR(BR_CORR_RK), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the revenue and capex shocks"},
    {"correlation", "revenue_cashflow", BR_KEY_REAL, CORR(BR_CORR_RC), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the revenue and cash-flow shocks"},
    {"correlation", "growth_capex", BR_KEY_REAL, CORR(BR_CORR_GK), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the growth and capex shocks"},
    {"correlation", "growth_cashflow", BR_KEY_REAL, CORR(BR_CORR_GC), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the growth and cash-flow shocks"},
    {"correlation", "capex_cashflow", BR_KEY_REAL, CORR(BR_CORR_KC), 0, CLOSED(-1, 1), 0, NULL,
     "correlation", "between the capex and cash-flow shocks"},
};

const size_t br_n_scenario_keys = sizeof br_scenario_keys / sizeof br_scenario_keys[0];

_Static_assert(sizeof br_scenario_keys / sizeof br_scenario_keys[0] <= BR_SCENARIO_MAX_KEYS,
               "raise BR_SCENARIO_MAX_KEYS");

br_status br_fail(char *err, size_t errlen, br_status st, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ---- numbers in and out ----------------------------------------------------------- */

static bool nonfinite_word(const char *s)
{
    if (*s == '+' || *s == '-')
        ++s;
    return strcasecmp(s, "nan") == 0 || strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0;
}

/* A decimal number, whole string, no hex, no words: strtod alone accepts too much. */
int br_key_parse_real(const char *s, double *out)
{
    if (nonfinite_word(s))
        return BR_PARSE_NONFINITE;
    if (!*s || strspn(s, "0123456789.eE+-") != strlen(s) || !strpbrk(s, "0123456789"))
        return BR_PARSE_MALFORMED;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end)
        return BR_PARSE_MALFORMED;
    if (!isfinite(v))
        return BR_PARSE_RANGE;
    *out = v;
    return BR_PARSE_OK;
}

static const struct {
    char suffix;
    double mult;
} money_suffixes[] = {{'T', 1e12}, {'B', 1e9}, {'M', 1e6}, {'K', 1e3}};

int br_key_parse_money(const char *s, double *out)
{
    if (nonfinite_word(s))
        return BR_PARSE_NONFINITE;
    char buf[256];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return BR_PARSE_MALFORMED;
    memcpy(buf, s, n + 1);
    double mult = 1.0;
    for (size_t i = 0; i < sizeof money_suffixes / sizeof money_suffixes[0]; ++i)
        if (buf[n - 1] == money_suffixes[i].suffix) {
            mult = money_suffixes[i].mult;
            buf[--n] = '\0';
            break;
        }
    double v;
    int r = br_key_parse_real(buf, &v);
    if (r == BR_PARSE_RANGE)
        return BR_PARSE_TOO_BIG;
    if (r != BR_PARSE_OK)
        return BR_PARSE_MALFORMED;
    v *= mult;
    if (!isfinite(v) || fabs(v) > BR_MONEY_ABS_MAX)
        return BR_PARSE_TOO_BIG;
    *out = v;
    return BR_PARSE_OK;
}

int br_key_parse_int(const char *s, bool unlimited, int *out)
{
    if (unlimited && strcmp(s, "unlimited") == 0) {
        *out = -1;
        return BR_PARSE_OK;
    }
    const char *d = s + (*s == '+' || *s == '-');
    if (!*d || strspn(d, "0123456789") != strlen(d)) {
        double v;
        int r = br_key_parse_real(s, &v);
        return r == BR_PARSE_OK ? BR_PARSE_NOT_INT : r;
    }
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
        return BR_PARSE_RANGE;
    *out = (int)v;
    return BR_PARSE_OK;
}

/* Shortest decimal that reads back as v. */
void br_key_fmt_real(double v, char *buf, size_t n)
{
    int prec = 1;
    for (; prec < 17; ++prec) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* Plain digits below 1e7 (270, not 2.7e+02); above, the short exponent form. */
    char e[32];
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    int exp10 = atoi(strchr(e, 'e') + 1);
    if (exp10 >= prec && exp10 < 7)
        prec = exp10 + 1;
    snprintf(buf, n, "%.*g", prec, v);
    /* 2.7e+08 -> 2.7e8, 1e-05 -> 1e-5: the form people write. */
    char *x = strchr(buf, 'e');
    if (x) {
        char *d = x + 1, *src = x + 1;
        if (*src == '+')
            ++src;
        else if (*src == '-')
            *d++ = *src++;
        while (*src == '0' && src[1])
            ++src;
        memmove(d, src, strlen(src) + 1);
    }
}

/* Money with the largest suffix that reads back exactly: 2570000000 -> 2.57B. */
void br_key_fmt_money(double v, char *buf, size_t n)
{
    for (size_t i = 0; i < sizeof money_suffixes / sizeof money_suffixes[0]; ++i) {
        double m = money_suffixes[i].mult;
        if (fabs(v) < m)
            continue;
        char tmp[64];
        br_key_fmt_real(v / m, tmp, sizeof tmp);
        if (!strchr(tmp, 'e') && strtod(tmp, NULL) * m == v) {
            snprintf(buf, n, "%s%c", tmp, money_suffixes[i].suffix);
            return;
        }
    }
    br_key_fmt_real(v, buf, n);
}

/* ---- the table -------------------------------------------------------------------- */

const struct br_scenario_key *br_key_find(const char *section, const char *key)
{
    for (size_t i = 0; i < br_n_scenario_keys; ++i)
        if (strcmp(KEY(i)->section, section) == 0 && strcmp(KEY(i)->key, key) == 0)
            return KEY(i);
    return NULL;
}

bool br_key_section_known(const char *section)
{
    for (size_t i = 0; i < br_n_scenario_keys; ++i)
        if (strcmp(KEY(i)->section, section) == 0)
            return true;
    return false;
}

/* Optimal string alignment distance (edits and transpositions), case-insensitive. */
static int edit_distance(const char *a, const char *b)
{
    enum { M = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= M || lb >= M)
        return INT_MAX;
    int d[M][M];
    for (size_t i = 0; i <= la; ++i)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; ++j)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; ++i)
        for (size_t j = 1; j <= lb; ++j) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* How far off a name may be and still be called a typo of `target`. */
static int typo_limit(const char *target)
{
    int lim = (int)strlen(target) / 4;
    return lim < 1 ? 1 : (lim > 3 ? 3 : lim);
}

/* The key a misspelt `section.key` most likely meant, or NULL. */
const struct br_scenario_key *br_key_suggest(const char *section, const char *key)
{
    if (br_key_section_known(section)) /* a key of another section, spelt right */
        for (size_t i = 0; i < br_n_scenario_keys; ++i)
            if (strcmp(KEY(i)->key, key) == 0)
                return KEY(i);
    char full[160];
    snprintf(full, sizeof full, "%s.%s", section, key);
    const struct br_scenario_key *best = NULL;
    int best_d = INT_MAX;
    for (size_t i = 0; i < br_n_scenario_keys; ++i) {
        char cand[64];
        snprintf(cand, sizeof cand, "%s.%s", KEY(i)->section, KEY(i)->key);
        int d = edit_distance(full, cand);
        if (d <= typo_limit(cand) && d < best_d) {
            best = KEY(i);
            best_d = d;
        }
    }
    return best;
}

const char *br_key_suggest_section(const char *section)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (size_t i = 0; i < br_n_scenario_keys; ++i) {
        if (i > 0 && strcmp(KEY(i)->section, KEY(i - 1)->section) == 0)
            continue;
        int d = edit_distance(section, KEY(i)->section);
        if (d <= typo_limit(KEY(i)->section) && d < best_d) {
            best = KEY(i)->section;
            best_d = d;
        }
    }
    return best;
}

void br_key_list_sections(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < br_n_scenario_keys && used < n; ++i) {
        if (i > 0 && strcmp(KEY(i)->section, KEY(i - 1)->section) == 0)
            continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", KEY(i)->section);
    }
}

static void list_keys(const char *section, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < br_n_scenario_keys && used < n; ++i)
        if (strcmp(KEY(i)->section, section) == 0)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", KEY(i)->key);
}

br_status br_key_unknown(const char *where, const char *section, const char *key, char *err,
                         size_t errlen)
{
    const struct br_scenario_key *s = br_key_suggest(section, key);
    if (s)
        return br_fail(err, errlen, BR_E_INPUT, "%s: unknown key '%s.%s'; did you mean '%s.%s'?",
                       where, section, key, s->section, s->key);
    if (br_key_section_known(section)) {
        char keys[512];
        list_keys(section, keys, sizeof keys);
        return br_fail(err, errlen, BR_E_INPUT, "%s: unknown key '%s.%s'; keys in [%s]: %s", where,
                       section, key, section, keys);
    }
    return br_fail(err, errlen, BR_E_INPUT, "%s: unknown key '%s.%s'", where, section, key);
}

/* "0 .. 2", ">= 0", "> 0 and <= 1e15", "normal, stressed", ... */
static void describe_allowed(const struct br_scenario_key *k, char *buf, size_t n)
{
    char lo[40], hi[40];
    br_key_fmt_real(k->lo, lo, sizeof lo);
    br_key_fmt_real(k->hi, hi, sizeof hi);
    const unsigned f = k->flags;
    switch (k->type) {
    case BR_KEY_TEXT:
        if (f & BR_RANGE_LO)
            snprintf(buf, n, "text of %s .. %zu bytes", lo, k->size - 1);
        else
            snprintf(buf, n, "text of at most %zu bytes", k->size - 1);
        return;
    case BR_KEY_ENUM: {
        size_t used = 0;
        buf[0] = '\0';
        for (const char *const *c = k->choices; *c && used < n; ++c)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", *c);
        return;
    }
    case BR_KEY_SCHEDULE:
        snprintf(buf, n,
                 "month:money pairs separated by commas, months strictly ascending from 1 "
                 "to scenario.horizon_months, amounts %s .. %s",
                 lo, hi);
        return;
    default: break;
    }
    const char *tail = (f & BR_KEY_UNLIMITED) ? " or unlimited" : "";
    if ((f & BR_RANGE_LO) && (f & BR_RANGE_HI)) {
        if (!(f & (BR_RANGE_LO_OPEN | BR_RANGE_HI_OPEN)))
            snprintf(buf, n, "%s .. %s%s", lo, hi, tail);
        else
            snprintf(buf, n, "%s %s and %s %s%s", (f & BR_RANGE_LO_OPEN) ? ">" : ">=", lo,
                     (f & BR_RANGE_HI_OPEN) ? "<" : "<=", hi, tail);
    } else if (f & BR_RANGE_LO) {
        snprintf(buf, n, "%s %s%s", (f & BR_RANGE_LO_OPEN) ? ">" : ">=", lo, tail);
    } else if (f & BR_RANGE_HI) {
        snprintf(buf, n, "%s %s%s", (f & BR_RANGE_HI_OPEN) ? "<" : "<=", hi, tail);
    } else {
        snprintf(buf, n, "any number%s", tail);
    }
}

bool br_key_in_range(const struct br_scenario_key *k, double v)
{
    const unsigned f = k->flags;
    if (f & BR_RANGE_LO) {
        if ((f & BR_RANGE_LO_OPEN) ? !(v > k->lo) : !(v >= k->lo))
            return false;
    }
    if (f & BR_RANGE_HI) {
        if ((f & BR_RANGE_HI_OPEN) ? !(v < k->hi) : !(v <= k->hi))
            return false;
    }
    return true;
}

br_status br_key_bad_value(const char *where, const struct br_scenario_key *k, const char *value,
                           const char *problem, char *err, size_t errlen)
{
    char allowed[256];
    describe_allowed(k, allowed, sizeof allowed);
    return br_fail(err, errlen, BR_E_INPUT, "%s: %s.%s = '%s': %s; allowed: %s", where, k->section,
                   k->key, value, problem, allowed);
}

const char *br_key_problem(int r)
{
    switch (r) {
    case BR_PARSE_MALFORMED: return "not a number";
    case BR_PARSE_NONFINITE: return "not a finite number";
    case BR_PARSE_NOT_INT: return "not an integer";
    case BR_PARSE_TOO_BIG:
        return "beyond the implementation limit on money (magnitude at most 1e15)";
    default: return "out of range";
    }
}

/* ---- output ------------------------------------------------------------------------- */

/* The schedule as text, "1:2.57B, 13:3.2B", or "none"; malloc'd, NULL when out of memory. */
static char *schedule_text(const br_scenario *sc)
{
    if (sc->n_capex_schedule == 0)
        return strdup("none");
    size_t cap = sc->n_capex_schedule * 48 + 1, used = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < sc->n_capex_schedule; ++i) {
        char m[48];
        br_key_fmt_money(sc->capex_schedule_amounts[i], m, sizeof m);
        used += (size_t)snprintf(s + used, cap - used, "%s%d:%s", i ? ", " : "",
                                 sc->capex_schedule_months[i], m);
    }
    return s;
}

void br_scenario_each_param(const br_scenario *sc, br_param_visit visit, void *ctx)
{
    if (!sc || !visit)
        return;
    double num;
    for (size_t i = 0; i < br_n_scenario_keys; ++i) {
        const struct br_scenario_key *k = KEY(i);
        char name[64];
        snprintf(name, sizeof name, "%s.%s", k->section, k->key);
        switch (k->type) {
        case BR_KEY_MONEY:
        case BR_KEY_REAL: visit(ctx, name, CFIELD(sc, k, double), NULL); break;
        case BR_KEY_INT:
            if (*CFIELD(sc, k, int) < 0 && (k->flags & BR_KEY_UNLIMITED)) {
                visit(ctx, name, NULL, "unlimited");
            } else {
                num = *CFIELD(sc, k, int);
                visit(ctx, name, &num, NULL);
            }
            break;
        case BR_KEY_TEXT: visit(ctx, name, NULL, CFIELD(sc, k, char)); break;
        case BR_KEY_ENUM: visit(ctx, name, NULL, k->choices[*CFIELD(sc, k, int)]); break;
        case BR_KEY_SCHEDULE: {
            char *s = schedule_text(sc);
            visit(ctx, name, NULL, s ? s : "(out of memory)");
            free(s);
            break;
        }
        }
    }
    /* MODEL.md s.4: a repaired correlation matrix must say so in the output. */
    num = sc->correlation_repaired ? 1.0 : 0.0;
    visit(ctx, "correlation.repaired", &num, NULL);
}

struct print_ctx {
    const br_scenario *sc;
    FILE *f;
    size_t i;
};

static void print_one(void *ctx, const char *key, const double *num, const char *text)
{
    struct print_ctx *p = ctx;
    if (p->i >= br_n_scenario_keys) {
        if (num && *num != 0)
            fprintf(p->f, "# correlation repaired: replaced by the nearest correlation matrix "
                          "(Higham 2002)\n");
        return;
    }
    const struct br_scenario_key *k = KEY(p->i++);
    char buf[64];
    if (num && k->type == BR_KEY_MONEY)
        br_key_fmt_money(*num, buf, sizeof buf);
    else if (num)
        br_key_fmt_real(*num, buf, sizeof buf);
    fprintf(p->f, "%s = %s  # %s\n", key, num ? buf : text, k->unit);
}

void br_scenario_print(const br_scenario *sc, FILE *f)
{
    if (!sc || !f)
        return;
    struct print_ctx p = {sc, f, 0};
    br_scenario_each_param(sc, print_one, &p);
}

uint64_t br_scenario_id(const br_scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 0;
    br_scenario_print(sc, f);
    fclose(f);
    const uint64_t h = XXH3_64bits(buf, len);
    free(buf);
    return h;
}
