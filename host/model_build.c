/* model_build.c: scenario (double, host units) -> br_model (float, kernel units). */
#include "model_build.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* amount * exp(rate * months), without NaN for a zero amount. */
static double grown(double amount, double rate, double months)
{
    return amount == 0.0 ? 0.0 : amount * exp(rate * months);
}

/* Capex plan for month t (docs/model.md s.3): a schedule is piecewise constant, with
 * capex_growth applied from the start of each step; otherwise capex grows from month 1. */
static double capex_plan(const br_scenario *sc, int t)
{
    if (sc->n_capex_schedule == 0)
        return grown(sc->costs_capex, sc->costs_capex_growth, t - 1);
    size_t i = 0;
    while (i + 1 < sc->n_capex_schedule && sc->capex_schedule_months[i + 1] <= t)
        ++i;
    return grown(sc->capex_schedule_amounts[i], sc->costs_capex_growth,
                 t - sc->capex_schedule_months[i]);
}

/* Month tables are clamped to +-1e20 USD/month: a growth of 1/month over 1200 months
 * would otherwise overflow, and the kernels multiply a plan by a shock of up to e^11 and
 * sum 1200 months of it, which must stay below FLT_MAX (3.4e38). A zero amount stays
 * zero whatever its growth (0 * exp(large) would be 0 * Inf = NaN). */
#define BR_TABLE_MAX 1e20
static float money_f(double x)
{
    if (x != x)
        return 0.0f;
    return (float)(x > BR_TABLE_MAX ? BR_TABLE_MAX : (x < -BR_TABLE_MAX ? -BR_TABLE_MAX : x));
}

/* Revenue in log form (kernels/model.h step 3; docs/model.md s.9): R = Rb e^logr with
 * the base Rb = max(R0, cap e^-87), so that log(cap / Rb) <= 87 stays inside br_expf's
 * range however small R0 is (as float, R0 >= 1.4e-45 and cap <= 1e15: the start,
 * log(R0 / Rb), is above -51). With R0 = 0 revenue stays 0: Rb = 0. */
static void revenue_logs(const br_scenario *sc, br_model *m)
{
    const float r0 = (float)sc->revenue_initial, cap = m->rev_cap;
    m->rev_base = m->logr0 = m->log_cap = m->round_off = 0.0f;
    if (!(r0 > 0.0f))
        return;
    m->rev_base = (float)fmax((double)r0, (double)cap * exp(-87.0));
    m->logr0 = (float)log((double)r0 / (double)m->rev_base);
    /* The cap of logr: log(cap / Rb), raised until the kernels' own Rb * br_expf(.)
     * reaches the cap, so that a capped month's revenue, min(Rb e^logr, cap), is the cap
     * itself. The step doubles: near logr = 0 one float ulp of logr moves e^logr by far
     * less than one ulp of R. */
    float up = (float)log((double)cap / (double)m->rev_base);
    float step = fmaxf(nextafterf(fabsf(up), INFINITY) - fabsf(up), 0x1p-26f);
    for (int i = 0; i < 64 && m->rev_base * br_expf(up) < cap; ++i, step *= 2.0f)
        up += step;
    m->log_cap = up;
    m->round_off = (float)((double)m->elasticity * -(double)m->logr0);
}

void br_model_build(const br_scenario *sc, br_model *m)
{
    memset(m, 0, sizeof *m);
    m->horizon = sc->horizon_months;
    m->regime0 = sc->market_initial;
    m->last0 = -sc->equity_months_since_last_round;
    m->min_gap = sc->equity_min_gap_months;
    m->max_rounds = sc->equity_max_rounds < 0 ? INT32_MAX : sc->equity_max_rounds;
    if (sc->equity_trigger_months <= 0)
        m->max_rounds = 0; /* trigger 0: never raise, even with negative cash */
    m->backstop_max = sc->backstop_max_uses;

    m->cash0 = (float)sc->cash_initial;
    m->cash_min = (float)sc->cash_minimum;
    m->g0 = (float)sc->revenue_growth;
    m->g_inf = (float)sc->revenue_growth_longrun;
    m->phi = (float)exp2(-1.0 / sc->revenue_growth_halflife_months);
    m->growth_vol = (float)sc->revenue_growth_vol;
    m->vol = (float)sc->revenue_vol;
    m->vol_drift = (float)(-0.5 * sc->revenue_vol * sc->revenue_vol);
    m->gross_margin = (float)sc->revenue_gross_margin;
    m->stress_penalty = (float)sc->revenue_stress_growth_penalty;
    m->rev_cap = (float)sc->revenue_cap;

    m->capex_vol = (float)sc->costs_capex_vol;
    m->capex_drift = (float)(-0.5 * sc->costs_capex_vol * sc->costs_capex_vol);
    m->compute_rate = (float)sc->costs_compute_opex_rate;
    m->cashflow_vol = (float)sc->costs_cashflow_vol;

    m->entry_k = br_uniform_count((float)sc->market_stress_entry);
    m->exit_k = br_uniform_count((float)sc->market_stress_exit);

    m->trigger = (float)sc->equity_trigger_months;
    m->success_k[0] = br_uniform_count((float)sc->equity_success_normal);
    m->success_k[1] = br_uniform_count((float)sc->equity_success_stressed);
    m->round_median = (float)sc->equity_round_median;
    m->round_vol = (float)sc->equity_round_vol;
    /* With no starting revenue (0 as a float) the round size ignores revenue: ratio 1. */
    m->elasticity = (float)sc->revenue_initial > 0.0f ? (float)sc->equity_revenue_elasticity
                                                      : 0.0f;

    m->facility = (float)sc->debt_facility;
    m->debt0 = (float)sc->debt_initial_drawn;
    m->draw_buffer = (float)sc->debt_draw_buffer;
    m->rate_month[0] = (float)(sc->debt_rate / 12.0);
    m->rate_month[1] = (float)((sc->debt_rate + sc->debt_stress_spread) / 12.0);

    m->backstop_k = br_uniform_count((float)sc->backstop_probability);
    m->backstop_amount = (float)sc->backstop_amount;
    revenue_logs(sc, m); /* after rev_cap and elasticity */

    int k = 0;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j <= i; ++j)
            m->chol[k++] = (float)sc->cholesky[i][j];

    for (int t = 1; t <= sc->horizon_months; ++t) {
        m->opex[t - 1] = money_f(grown(sc->costs_opex, sc->costs_opex_growth, t));
        m->plan[t - 1] = money_f(capex_plan(sc, t));
    }
}
