/* scenario.h: the resolved parameters of one scenario (MODEL.md s.8), in the host's
 * units: money in USD (double), time in months, rates per month unless `annual`.
 * host/scenario.c fills it from an INI file plus --set overrides and validates every
 * rule; host/model_build.c turns it into the float br_model the kernels run. */
#ifndef BR_SCENARIO_H
#define BR_SCENARIO_H

#include "burnrate.h"

#include <stdbool.h>
#include <stdio.h>

#define BR_MAX_HORIZON 1200
#define BR_NAME_MAX 128
#define BR_DESC_MAX 1024
#define BR_PATH_MAX 4096
/* Implementation limit (docs/model.md s.8): money magnitudes are at most 1e15 USD,
 * so every amount and every sum of a month stays finite in float32 arithmetic. */
#define BR_MONEY_ABS_MAX 1e15

/* Correlation pairs in [correlation], in this order; the 4x4 matrix is over
 * (revenue, growth, capex, cashflow). */
enum { BR_CORR_RG, BR_CORR_RK, BR_CORR_RC, BR_CORR_GK, BR_CORR_GC, BR_CORR_KC, BR_N_CORR };

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
};

/* Print every resolved parameter, defaults included, one `section.key = value` a line. */
void br_scenario_print(const br_scenario *sc, FILE *f);

/* Visit every resolved parameter as (section.key, numeric value or NULL, text value
 * or NULL): the JSON `parameters` object and `validate` are written from this. */
typedef void (*br_param_visit)(void *ctx, const char *key, const double *num,
                               const char *text);
void br_scenario_each_param(const br_scenario *sc, br_param_visit visit, void *ctx);

/* Whether --repair-correlation is in force for loads that follow (default off). */
void br_scenario_set_repair_correlation(bool on);

#endif /* BR_SCENARIO_H */
