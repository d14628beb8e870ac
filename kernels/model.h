/* model.h: one month of the burn model (docs/model.md s.2), the only copy of the model.
 * gcc compiles it into the vectorised CPU loop (kernels/cpu.c), nvcc into the CUDA
 * kernel; both run these exact float32 operations in this order, with contraction off,
 * so a path's outcome is bit-identical on every backend.
 *
 * Written branch-free on purpose: every step computes its candidate and selects with a
 * mask, so the CPU loop over a block of paths becomes straight-line AVX2 code, and GPU
 * threads of a warp never diverge. Money is float32 USD; time is whole months. */
#ifndef BR_MODEL_H
#define BR_MODEL_H

#include "br_hd.h"
#include "philox.h"
#include "br_limits.h"
#include "transforms.h"

/* Largest equity round credited in one month (USD): with revenue_elasticity 2 and a
 * revenue far above its start, median * ratio^e would leave float range; rounds that
 * large mean the scenario is outside any real calibration, and the cap keeps cash
 * finite (docs/model.md s.9). */
#define BR_ROUND_MAX 1e18f

/* A scenario compiled for the kernels: the parameters as floats, monthly rates derived,
 * and the month-dependent deterministic parts (opex, capex plan) as tables computed
 * once on the host in double, so every backend reads the same float values. */
typedef struct br_model {
    int32_t horizon;      /* H, months */
    int32_t regime0;      /* 0 normal, 1 stressed */
    int32_t last0;        /* month of the last round before month 1: -months_since */
    int32_t min_gap;      /* months between rounds */
    int32_t max_rounds;   /* INT32_MAX when unlimited; 0 when the trigger is 0 */
    int32_t backstop_max; /* injections */
    float cash0, cash_min;                 /* USD */
    /* Revenue R = rev_base e^logr (step 3; docs/model.md s.9). rev_base is R0, or
     * rev_cap e^-87 when R0 is smaller (e^logr then never needs more than e^87 to reach
     * the cap), 0 when R0 = 0. */
    float rev_base;                        /* USD / month */
    float logr0;     /* log(R0 / rev_base): the starting logr, 0 unless R0 < cap e^-87 */
    float log_cap;   /* log(rev_cap / rev_base), rounded up: rev_base e^log_cap >= rev_cap */
    float round_off; /* elasticity * log(rev_base / R0): the round's (R/R0)^e, in logs */
    float g0, g_inf, phi, growth_vol;      /* per month */
    float vol, vol_drift;                  /* vol_drift = -vol^2 / 2 */
    float gross_margin, stress_penalty;
    float rev_cap;                         /* USD / month */
    float capex_vol, capex_drift;          /* capex_drift = -capex_vol^2 / 2 */
    float compute_rate;                    /* per month, of installed capex */
    float cashflow_vol;                    /* USD / month */
    /* The month's chance decisions u < p, as br_uniform_below thresholds of their
     * probabilities p (br_uniform_count): */
    int32_t entry_k, exit_k;               /* market.stress_entry, stress_exit */
    int32_t success_k[2];                  /* equity success, by regime */
    int32_t backstop_k;                    /* backstop.probability */
    float trigger;                         /* months of runway that trigger a raise; 0 never */
    float round_median, round_vol, elasticity;
    float facility, debt0, draw_buffer;    /* USD */
    float rate_month[2];                   /* (rate + spread*S) / 12, by regime */
    float backstop_amount;
    float chol[10]; /* lower Cholesky factor, rows packed: l00 l10 l11 l20 l21 l22 l30.. */
    float opex[BR_MAX_HORIZON]; /* opex(t) at [t-1], USD / month */
    float plan[BR_MAX_HORIZON]; /* capex plan(t) at [t-1], USD / month */
} br_model;

/* State of one path (docs/model.md s.1) plus what it reports. */
typedef struct br_path {
    float cash;      /* C */
    float shadow;    /* C0: the same path with no new financing */
    float logr;      /* log(R / rev_base): revenue is carried as R = rev_base e^logr */
    float growth;    /* g */
    float installed; /* I, capex installed since month 0 */
    float debt;      /* D */
    float need;      /* max over months of cash_min - C0, >= 0 */
    float raised;    /* equity raised, USD */
    int32_t regime;  /* S */
    int32_t last;    /* month of the last round */
    int32_t uses;    /* backstop injections */
    int32_t rounds;  /* equity rounds closed */
    int32_t insolvent; /* month of insolvency, 0: not (yet) */
    int32_t runway;    /* first month with C0 < cash_min, 0: not (yet) */
} br_path;

/* What a finished path adds to the tallies. */
typedef struct br_outcome {
    int32_t insolvent; /* month, 0: solvent through the horizon */
    int32_t runway;    /* month, 0: beyond the horizon */
    int32_t rounds, uses;
    float cash;   /* terminal cash of a surviving path (USD); last cash otherwise */
    float need;   /* external funding need (USD) */
    float raised; /* equity raised (USD) */
    float drawn;  /* debt drawn beyond debt.initial_drawn (USD) */
} br_outcome;

BR_HD float br_minf(float a, float b) { return a < b ? a : b; }
BR_HD float br_maxf(float a, float b) { return a > b ? a : b; }
/* cond ? a : b as a bitwise blend (cond is 0 or 1). Exact like the ternary; used where
 * gcc would otherwise rewrite `(cond ? a : b) < x` into a select between two masks of
 * different widths, which its vectoriser cannot do. */
BR_HD float br_selectf(int32_t cond, float a, float b)
{
    const uint32_t mask = 0u - (uint32_t)cond;
    return br_u2f((br_f2u(a) & mask) | (br_f2u(b) & ~mask));
}
BR_HD int32_t br_selecti(int32_t cond, int32_t a, int32_t b)
{
    const uint32_t mask = 0u - (uint32_t)cond;
    return (int32_t)(((uint32_t)a & mask) | ((uint32_t)b & ~mask));
}

BR_HD void br_path_init(const br_model *m, br_path *s)
{
    s->cash = m->cash0;
    s->shadow = m->cash0;
    s->logr = m->logr0;
    s->growth = m->g0;
    s->installed = 0.0f;
    s->debt = m->debt0;
    s->need = 0.0f;
    s->raised = 0.0f;
    s->regime = m->regime0;
    s->last = m->last0;
    s->uses = 0;
    s->rounds = 0;
    s->insolvent = 0;
    s->runway = 0;
}

/* A path stops once both its insolvency and its runway are settled (s.2, step 10). */
BR_HD int br_path_active(const br_path *s) { return (s->insolvent == 0) | (s->runway == 0); }

/* Month t (1-based) of a path in three parts (docs/model.md s.2 step by step):
 * br_path_month_a runs steps 1 to 7 up to the equity decision, br_round sizes the round,
 * br_path_month_b runs the rest. br_path_month_draws composes them; the CPU engine
 * runs the parts as separate loops over a block and sizes rounds only for the paths
 * that close one. The random numbers: normals z0..z3 of words 0..3 of draw a (counter
 * n = 2(t-1)), and words 0..3 of draw b (n + 1): u1, u2, u3 and the word of zS. */
typedef struct br_month_mid {
    float C;       /* cash after the month's flows, before financing */
    float logr;    /* log(R / rev_base) of the month: the round's revenue ratio */
    int32_t close; /* an equity round closes */
} br_month_mid;

/* Steps 1-7 up to the equity decision. Commits the regime, growth, revenue, installed
 * capex, shadow cash, runway and need (none of which the rest of the month reads) where
 * `active` = br_path_active(s): the CPU engine's block of paths runs on until all of
 * them are settled and passes it lane by lane; a path stepped alone is stepped only
 * while active (br_path_month) and passes 1, so the compiler drops the selects. */
BR_HD br_month_mid br_path_month_a(const br_model *m, br_path *s, int32_t active, int32_t t,
                                   float z0, float z1, float z2, float z3, uint32_t w_u1,
                                   uint32_t w_u2)
{
    const int32_t alive = s->insolvent == 0; /* insolvency is absorbing: cash frozen */

    /* 1. Regime: from normal, S = (u1 < entry); from stressed, S = !(u1 < exit). */
    const int32_t entry_k = m->entry_k, exit_k = m->exit_k; /* both loaded, then selected */
    const int32_t S = br_uniform_below(w_u1, s->regime ? exit_k : entry_k) ^ s->regime;

    /* 2. Shocks e = L z, order (revenue, growth, capex, cashflow). */
    const float *L = m->chol;
    const float eR = L[0] * z0;
    const float eG = fmaf(L[1], z0, L[2] * z1);
    const float eK = fmaf(L[3], z0, fmaf(L[4], z1, L[5] * z2));
    const float eC = fmaf(L[6], z0, fmaf(L[7], z1, fmaf(L[8], z2, L[9] * z3)));

    /* 3. Revenue: mean-reverting log-growth, lognormal shock, cap. R = min(R e^dlogR,
     * cap) is carried as logr = log(R / Rb) = min(logr + dlogR, log(cap / Rb)), with
     * R = Rb e^logr (Rb = rev_base, normally R0): the same in exact arithmetic, and the
     * round needs logr, not R (a log of R cost as much as the rest of the round).
     * log_cap is rounded so that a capped path's R is the cap exactly; br_expf clamps its
     * argument, so R is finite. */
    const float g = fmaf(m->phi, s->growth - m->g_inf, m->g_inf) + m->growth_vol * eG;
    const float penalty = S ? m->stress_penalty : 0.0f; /* = penalty * S exactly */
    const float dlogR = g - penalty + fmaf(m->vol, eR, m->vol_drift);
    const float logr = br_minf(s->logr + dlogR, m->log_cap);
    const float R = br_minf(m->rev_base * br_expf(logr), m->rev_cap);

    /* 4. Costs. compute uses capex installed before this month. */
    const float opex = m->opex[t - 1];
    const float capex = m->plan[t - 1] * br_expf(fmaf(m->capex_vol, eK, m->capex_drift));
    const float compute = m->compute_rate * s->installed;
    /* Both loaded, then selected: a conditional load would stop gcc vectorising. */
    const float rate_normal = m->rate_month[0], rate_stressed = m->rate_month[1];
    const float rate = S ? rate_stressed : rate_normal;
    const float interest = s->debt * rate;

    /* 5. Cash flow; the shadow path pays interest on the initial debt only. */
    const float operating = m->gross_margin * R - opex - compute + m->cashflow_vol * eC;
    const float flow = operating - capex - interest;
    const float C = s->cash + flow;
    const float C0 = s->shadow + (operating - capex - m->debt0 * rate);

    /* 6. Runway and external funding need. */
    const int32_t runway = br_selecti((s->runway == 0) & (C0 < m->cash_min), t, s->runway);
    const float need = br_maxf(s->need, m->cash_min - C0);

    /* 7. Equity: a round is attempted when the runway at the current burn is short.
     * C / burn < trigger is evaluated as C < trigger * burn (burn > 0); trigger 0 (never
     * raise) arrives as max_rounds 0 (host/model_build.c). */
    const float burn = br_maxf(-flow, 0.0f);
    const int32_t success_normal = m->success_k[0], success_stressed = m->success_k[1];
    const int32_t success_k = S ? success_stressed : success_normal;
    const int32_t attempt = alive & (flow < 0.0f) &
                            (C < m->trigger * burn) & (t - s->last >= m->min_gap) &
                            (s->rounds < m->max_rounds);
    br_month_mid mid;
    mid.C = C;
    mid.logr = logr;
    mid.close = attempt & br_uniform_below(w_u2, success_k);

    /* Commit. A settled path (both months known) keeps its state; an insolvent path's
     * shadow path runs on for the runway. */
    s->regime = br_selecti(active, S, s->regime);
    s->growth = br_selectf(active, g, s->growth);
    s->logr = br_selectf(active, logr, s->logr);
    s->installed = br_selectf(active, s->installed + capex, s->installed);
    s->shadow = br_selectf(active, C0, s->shadow);
    s->runway = br_selecti(active, runway, s->runway);
    s->need = br_selectf(active, need, s->need);
    return mid;
}

/* 7. The round, median * (R/R0)^e * exp(round_vol zS), taken as one exp of the summed
 * logs: e log(R/R0) = e logr + round_off (logr of the month), capped. */
BR_HD float br_round(const br_model *m, float logr, float zS)
{
    return br_minf(
        m->round_median * br_expf(fmaf(m->elasticity, logr, fmaf(m->round_vol, zS, m->round_off))),
        BR_ROUND_MAX);
}

/* Steps 7 (the round, when it closes) to 10. round is read only when mid.close. */
BR_HD void br_path_month_b(const br_model *m, br_path *s, int32_t t, br_month_mid mid,
                           float round, uint32_t w_u3)
{
    const int32_t alive = s->insolvent == 0;
    const int32_t close = mid.close;
    float C = br_selectf(close, mid.C + round, mid.C);

    /* 8. Debt: draw what restores cash_min plus the buffer, up to the facility. The
     * max() keeps C >= cash_min where rounding of (cash_min - C) would fall an ulp short. */
    const int32_t want_debt = alive & (C < m->cash_min) & (s->debt < m->facility);
    const float full = m->cash_min - C + m->draw_buffer;
    const float room = m->facility - s->debt;
    const float draw = br_minf(room, full);
    const float C_debt = full <= room ? br_maxf(C + draw, m->cash_min) : C + draw;
    C = br_selectf(want_debt, C_debt, C);
    const float D = br_selectf(want_debt, s->debt + draw, s->debt);

    /* 9. Backstop: the parent injects at least enough to restore cash_min. */
    const int32_t short_of_cash = alive & (C < m->cash_min);
    const int32_t backstop = short_of_cash & (s->uses < m->backstop_max) &
                             br_uniform_below(w_u3, m->backstop_k);
    const float inject = br_maxf(m->backstop_amount, m->cash_min - C);
    C = br_selectf(backstop, br_maxf(C + inject, m->cash_min), C);

    /* 10. Insolvency (absorbing). An injection leaves C >= cash_min, so a path is
     * insolvent exactly when it was short of cash and not rescued. */
    const int32_t insolvent = short_of_cash & !backstop;

    /* Commit. An insolvent path keeps its last cash and financing. */
    s->cash = br_selectf(alive, C, s->cash);
    s->debt = br_selectf(alive, D, s->debt);
    s->rounds = s->rounds + close;
    s->raised = br_selectf(close, s->raised + round, s->raised);
    s->last = br_selecti(close, t, s->last);
    s->uses = s->uses + backstop;
    s->insolvent = br_selecti(insolvent, t, s->insolvent);
}

/* The round of a month is read only where it closes (br_path_month_b), so a backend may
 * skip computing it where none closes: the CUDA engine skips it for a warp none of whose
 * paths closes one (kernels/cuda.cu; the CPU engine sizes rounds only for the paths
 * that close). By default it is always computed, branch-free. */
#ifndef BR_ROUND_WHEN
#define BR_ROUND_WHEN(close, round) (round)
#endif

/* Month t of an active path given its two Philox draws a (counter 2(t-1)) and b. */
BR_HD void br_path_month_draws(const br_model *m, br_path *s, int32_t t, br_u32x4 a,
                               br_u32x4 b)
{
    const br_month_mid mid = br_path_month_a(m, s, 1, t, br_normal(a.v[0]),
                                             br_normal(a.v[1]), br_normal(a.v[2]),
                                             br_normal(a.v[3]), b.v[0], b.v[1]);
    const float round = BR_ROUND_WHEN(mid.close, br_round(m, mid.logr, br_normal(b.v[3])));
    br_path_month_b(m, s, t, mid, round, b.v[2]);
}

/* Month t (1-based) of path (p_hi:p_lo), which must be active (br_path_active). */
BR_HD void br_path_month(const br_model *m, br_path *s, int32_t t, uint64_t seed,
                         uint32_t p_lo, uint32_t p_hi)
{
    const uint32_t n = 2u * (uint32_t)(t - 1);
    const br_u32x4 a = br_philox_path(seed, p_lo, p_hi, n);      /* the four normals z */
    const br_u32x4 b = br_philox_path(seed, p_lo, p_hi, n + 1u); /* u1, u2, u3, zS */
    br_path_month_draws(m, s, t, a, b);
}

BR_HD br_outcome br_path_outcome(const br_model *m, const br_path *s)
{
    br_outcome o;
    o.insolvent = s->insolvent;
    o.runway = s->runway;
    o.rounds = s->rounds;
    o.uses = s->uses;
    o.cash = s->cash;
    o.need = s->need;
    o.raised = s->raised;
    o.drawn = s->debt - m->debt0;
    return o;
}

/* The whole of one path: what a GPU thread runs and what the tests compare. */
BR_HD br_outcome br_path_run(const br_model *m, uint64_t seed, uint64_t p)
{
    br_path s;
    br_path_init(m, &s);
    for (int32_t t = 1; t <= m->horizon && br_path_active(&s); ++t)
        br_path_month(m, &s, t, seed, (uint32_t)p, (uint32_t)(p >> 32));
    return br_path_outcome(m, &s);
}

#endif /* BR_MODEL_H */
