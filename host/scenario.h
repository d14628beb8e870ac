/* scenario.h: the resolved parameters of one scenario (MODEL.md s.8), in the host's
 * units: money in USD (double), time in months, rates per month unless `annual`.
 * host/scenario.c fills it from an INI file plus --set overrides and validates every
 * rule; host/model_build.c turns it into the float br_model the kernels run. */
#ifndef BR_SCENARIO_H
#define BR_SCENARIO_H

#include "burnrate.h"
#include "br_limits.h"

#include <stdbool.h>
#include <stdio.h>

#define BR_NAME_MAX 128
#define BR_DESC_MAX 1024
#define BR_PATH_MAX 4096
/* Implementation limit (docs/model.md s.8): money magnitudes are at most 1e15 USD,
 * so every amount and every sum of a month stays finite in float32 arithmetic. */
#define BR_MONEY_ABS_MAX 1e15
/* Room for the key table (host/scenario_keys.c); a static assert keeps it honest. */
#define BR_SCENARIO_MAX_KEYS 64

/* Correlation pairs in [correlation], in this order; the 4x4 matrix is over
 * (revenue, growth, capex, cashflow). */
enum { BR_CORR_RG, BR_CORR_RK, BR_CORR_RC, BR_CORR_GK, BR_CORR_GC, BR_CORR_KC, BR_N_CORR };

/* A stress test: shifts applied to a scenario's values (host/stress.c), from a
 * [stress.NAME] section of its file or a preset. */
#define BR_STRESS_NAME_MAX 32
typedef struct br_stress_shift {
    char key[64];   /* section.key */
    char shift[64]; /* +30%, -50%, *0.5, +0.04, =VALUE */
    int line;       /* in the scenario file; 0 for a preset */
} br_stress_shift;
typedef struct br_stress_def {
    char name[BR_STRESS_NAME_MAX];
    br_stress_shift *shifts;
    size_t n;
} br_stress_def;

struct br_scenario {
    char path[BR_PATH_MAX];       /* file it came from */
    char name[BR_NAME_MAX];       /* scenario.name, default: file name sans extension */
    char description[BR_DESC_MAX];
    int horizon_months;           /* 1..1200 */

    double cash_initial, cash_minimum; /* USD */

    double revenue_initial;            /* USD / month */
    double revenue_growth;             /* monthly log-growth at month 0 */
    double revenue_growth_longrun;     /* g_inf */
    double revenue_growth_halflife_months;
    double revenue_growth_vol, revenue_vol;
    double revenue_gross_margin;
    double revenue_stress_growth_penalty;
    double revenue_cap;                /* USD / month */

    double costs_opex, costs_capex;               /* USD / month */
    double costs_opex_growth, costs_capex_growth; /* per month, log */
    int *capex_schedule_months;                   /* ascending, first is 1 */
    double *capex_schedule_amounts;               /* USD / month */
    size_t n_capex_schedule;                      /* 0: no schedule */
    double costs_capex_vol;
    double costs_compute_opex_rate; /* per month, of installed capex */
    double costs_cashflow_vol;      /* USD / month */

    double market_stress_entry, market_stress_exit;
    int market_initial; /* 0 normal, 1 stressed */

    double equity_trigger_months; /* 0: never raise */
    int equity_min_gap_months;
    double equity_success_normal, equity_success_stressed;
    double equity_round_median; /* USD */
    double equity_round_vol;
    double equity_revenue_elasticity;
    int equity_max_rounds; /* -1: unlimited */
    int equity_months_since_last_round;

    double debt_facility, debt_initial_drawn, debt_draw_buffer; /* USD */
    double debt_rate, debt_stress_spread;                       /* annual */

    double backstop_probability;
    double backstop_amount; /* USD */
    int backstop_max_uses;

    double correlation[BR_N_CORR];
    bool correlation_repaired; /* --repair-correlation replaced it (Higham 2002) */
    double cholesky[4][4];     /* lower factor of the (possibly repaired) matrix */

    /* Where each key of br_scenario_keys[] came from: 0 default, > 0 line of `path`,
     * -1 a --set override. Defaults that follow other keys and --set replacements by
     * br_scenario_with are resolved from this. */
    int key_source[BR_SCENARIO_MAX_KEYS];

    /* Its file's [stress.NAME] sections (not part of the scenario's identity). */
    br_stress_def *stress;
    size_t n_stress;
    /* A stressed copy (host/stress.c): the stress's name and the base's; "" otherwise. */
    char stressed_by[BR_STRESS_NAME_MAX];
    char stress_base[BR_NAME_MAX];
};

/* ---- stress tests (host/stress.c) ---------------------------------------------------- */
struct br_scenario_key;
/* Whether `s` is a well-formed shift for key k (message into err when not). */
br_status br_stress_check_shift(const struct br_scenario_key *k, const char *shift,
                                const char *where, char *err, size_t errlen);
/* A copy of sc with the stress applied, named "<name>+<stress>". BR_E_INPUT naming the
 * stress, shift and the value's problem when a shifted value is not allowed. */
br_status br_stress_apply(const br_scenario *sc, const br_stress_def *d, br_scenario **out,
                          char *err, size_t errlen);
/* The stress `name` for sc: its file's [stress.name] or a preset; NULL if neither. */
const br_stress_def *br_stress_find(const br_scenario *sc, const char *name);
/* Every preset and sc's own sections, one a line with their shifts. */
void br_stress_list(const br_scenario *sc, FILE *f);

/* Print every resolved parameter, defaults included, one `section.key = value` a line. */
void br_scenario_print(const br_scenario *sc, FILE *f);

/* Visit every resolved parameter as (section.key, numeric value or NULL, text value
 * or NULL): the JSON `parameters` object and `validate` are written from this. */
typedef void (*br_param_visit)(void *ctx, const char *key, const double *num,
                               const char *text);
void br_scenario_each_param(const br_scenario *sc, br_param_visit visit, void *ctx);

/* Identity of a scenario: XXH3-64 of its resolved parameters as br_scenario_print
 * writes them (bench references and checkpoints are keyed by it). 0 if out of memory. */
uint64_t br_scenario_id(const br_scenario *sc);

/* Whether --repair-correlation is in force for loads that follow (default off). */
void br_scenario_set_repair_correlation(bool on);

/* ---- the key table (host/scenario_keys.c) -----------------------------------------
 * One entry per `section.key` of MODEL.md s.8. Parsing, range checks, the nearest-key
 * suggestion, br_scenario_print and br_scenario_each_param all read this table. */
typedef enum br_key_type {
    BR_KEY_MONEY,    /* double, USD, K/M/B/T suffixes, |x| <= BR_MONEY_ABS_MAX */
    BR_KEY_REAL,     /* double */
    BR_KEY_INT,      /* int */
    BR_KEY_TEXT,     /* char[size] */
    BR_KEY_ENUM,     /* int, index into choices */
    BR_KEY_SCHEDULE  /* costs.capex_schedule: month:money list */
} br_key_type;

enum {
    BR_RANGE_LO = 1,      /* has a lower bound */
    BR_RANGE_LO_OPEN = 2, /* ... exclusive */
    BR_RANGE_HI = 4,      /* has an upper bound */
    BR_RANGE_HI_OPEN = 8, /* ... exclusive */
    BR_KEY_UNLIMITED = 16, /* integer: "unlimited" (stored as -1) is accepted */
    BR_KEY_REQUIRED = 32   /* no default: the scenario must give it */
};

struct br_scenario_key {
    const char *section, *key;
    br_key_type type;
    size_t offset; /* of the field in struct br_scenario */
    size_t size;   /* BR_KEY_TEXT: the field's size, terminator included */
    unsigned flags;
    double lo, hi; /* range, per flags */
    double def;    /* default (number, enum index); text defaults are resolved in code */
    const char *const *choices; /* BR_KEY_ENUM, NULL-terminated */
    const char *unit, *help;
};

extern const struct br_scenario_key br_scenario_keys[];
extern const size_t br_n_scenario_keys;

/* ---- internal to host/scenario*.c: what reads the table ----------------------------- */
enum { BR_PARSE_OK, BR_PARSE_MALFORMED, BR_PARSE_NONFINITE, BR_PARSE_RANGE, BR_PARSE_NOT_INT,
       BR_PARSE_TOO_BIG };
/* Whole-string parses returning BR_PARSE_*: decimal reals (no hex, NaN, Inf), money with
 * a K/M/B/T suffix and |x| <= BR_MONEY_ABS_MAX, integers ("unlimited" -> -1 if allowed). */
int br_key_parse_real(const char *s, double *out);
int br_key_parse_money(const char *s, double *out);
int br_key_parse_int(const char *s, bool unlimited, int *out);
const char *br_key_problem(int parse_result);
/* Shortest text that reads back exactly; money with the largest fitting suffix (2.57B). */
void br_key_fmt_real(double v, char *buf, size_t n);
void br_key_fmt_money(double v, char *buf, size_t n);
const struct br_scenario_key *br_key_find(const char *section, const char *key);
bool br_key_section_known(const char *section);
bool br_key_in_range(const struct br_scenario_key *k, double v);
/* Nearest key or section by edit distance when it is close enough to be a typo, or NULL. */
const struct br_scenario_key *br_key_suggest(const char *section, const char *key);
const char *br_key_suggest_section(const char *section);
void br_key_list_sections(char *buf, size_t n);
/* Messages: `WHERE: unknown key 'a.b'; did you mean 'a.c'?` and
 * `WHERE: section.key = 'VALUE': PROBLEM; allowed: RANGE`. Return BR_E_INPUT. */
br_status br_key_unknown(const char *where, const char *section, const char *key, char *err,
                         size_t errlen);
br_status br_key_bad_value(const char *where, const struct br_scenario_key *k,
                           const char *value, const char *problem, char *err, size_t errlen);
/* snprintf into err (when err and errlen are set); returns st. */
br_status br_fail(char *err, size_t errlen, br_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* BR_SCENARIO_H */
