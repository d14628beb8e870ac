#!/usr/bin/env python3
"""NumPy reference implementation of the burn model (docs/model.md s.2-4, s.6).

What a Python quant would write: float64, vectorised over paths (arrays of shape
(paths,)), a loop over months, numpy.random.Generator with the Philox bit generator.
It does not reproduce the engine's Philox stream bit for bit; it is used as

  (a) a statistical cross-check of the C/CUDA engine: insolvency probabilities must
      agree within standard errors, and
  (b) the speed baseline of "the same model in NumPy".

Usage:
  python3 bench/numpy_model.py SCENARIO.ini --paths N [--seed S] [--json]
                               [--set section.key=value ...]

The scenario is parsed with configparser using the format of docs/scenario-format.md
(money suffixes K/M/B/T, `costs.capex_schedule = 1:2.57B, 13:3.2B`, the defaults of
docs/model.md s.8). Only light validation is done: the C engine is the validator.
"""

import argparse
import configparser
import json
import math
import os
import re
import sys
import time

import numpy as np

# ----------------------------------------------------------------------------------
# Scenario parsing
# ----------------------------------------------------------------------------------

_MONEY_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([KMBT]?)\s*$")
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

MONEY = "money"
REAL = "real"
INT = "int"
TEXT = "text"

# (section, key) -> (type, default). None: required or resolved from another key.
KEYS = {
    ("scenario", "name"): (TEXT, None),
    ("scenario", "description"): (TEXT, ""),
    ("scenario", "horizon_months"): (INT, 60),
    ("cash", "initial"): (MONEY, None),
    ("cash", "minimum"): (MONEY, 0.0),
    ("revenue", "initial"): (MONEY, 0.0),
    ("revenue", "growth"): (REAL, 0.0),
    ("revenue", "growth_longrun"): (REAL, None),  # default: revenue.growth
    ("revenue", "growth_halflife_months"): (REAL, 12.0),
    ("revenue", "growth_vol"): (REAL, 0.0),
    ("revenue", "vol"): (REAL, 0.0),
    ("revenue", "gross_margin"): (REAL, 1.0),
    ("revenue", "stress_growth_penalty"): (REAL, 0.0),
    ("revenue", "cap"): (MONEY, 1e13),
    ("costs", "opex"): (MONEY, 0.0),
    ("costs", "opex_growth"): (REAL, 0.0),
    ("costs", "capex"): (MONEY, 0.0),
    ("costs", "capex_growth"): (REAL, 0.0),
    ("costs", "capex_schedule"): ("schedule", None),
    ("costs", "capex_vol"): (REAL, 0.0),
    ("costs", "compute_opex_rate"): (REAL, 0.0),
    ("costs", "cashflow_vol"): (MONEY, 0.0),
    ("market", "stress_entry"): (REAL, 0.0),
    ("market", "stress_exit"): (REAL, 1.0),
    ("market", "initial"): ("regime", 0),
    ("equity", "trigger_months"): (REAL, 0.0),
    ("equity", "min_gap_months"): (INT, 0),
    ("equity", "success_normal"): (REAL, 0.0),
    ("equity", "success_stressed"): (REAL, 0.0),
    ("equity", "round_median"): (MONEY, 0.0),
    ("equity", "round_vol"): (REAL, 0.0),
    ("equity", "revenue_elasticity"): (REAL, 0.0),
    ("equity", "max_rounds"): ("rounds", None),  # None: unlimited
    ("equity", "months_since_last_round"): (INT, 1000),
    ("debt", "facility"): (MONEY, 0.0),
    ("debt", "initial_drawn"): (MONEY, 0.0),
    ("debt", "draw_buffer"): (MONEY, 0.0),
    ("debt", "rate"): (REAL, 0.0),
    ("debt", "stress_spread"): (REAL, 0.0),
    ("backstop", "probability"): (REAL, 0.0),
    ("backstop", "amount"): (MONEY, 0.0),
    ("backstop", "max_uses"): (INT, 0),
}
CORR_KEYS = ("revenue_growth", "revenue_capex", "revenue_cashflow",
             "growth_capex", "growth_cashflow", "capex_cashflow")
for _k in CORR_KEYS:
    KEYS[("correlation", _k)] = (REAL, 0.0)
# Index pairs of the 4x4 matrix over (revenue, growth, capex, cashflow).
CORR_INDEX = {"revenue_growth": (0, 1), "revenue_capex": (0, 2), "revenue_cashflow": (0, 3),
              "growth_capex": (1, 2), "growth_cashflow": (1, 3), "capex_cashflow": (2, 3)}


def parse_money(text):
    m = _MONEY_RE.match(text)
    if not m:
        raise ValueError(f"not an amount of money: {text!r}")
    value = float(m.group(1)) * _SUFFIX[m.group(2)]
    if not math.isfinite(value) or abs(value) > 1e15:
        raise ValueError(f"money out of range (|x| <= 1e15): {text!r}")
    return value


def parse_schedule(text):
    """`1:2.57B, 13:3.2B` -> [(1, 2.57e9), (13, 3.2e9)], months ascending from 1."""
    steps = []
    for item in text.split(","):
        month, sep, amount = item.partition(":")
        if not sep:
            raise ValueError(f"schedule entry is not month:money: {item.strip()!r}")
        steps.append((int(month), parse_money(amount)))
    months = [m for m, _ in steps]
    if not steps or months[0] != 1 or any(b <= a for a, b in zip(months, months[1:])):
        raise ValueError(f"schedule months must ascend from 1: {text!r}")
    return steps


def convert(kind, text):
    text = text.strip()
    if kind == MONEY:
        return parse_money(text)
    if kind == REAL:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"not finite: {text!r}")
        return value
    if kind == INT:
        return int(text)
    if kind == TEXT:
        return text
    if kind == "schedule":
        return parse_schedule(text)
    if kind == "regime":
        return {"normal": 0, "stressed": 1}[text]
    if kind == "rounds":
        return None if text == "unlimited" else int(text)
    raise AssertionError(kind)


def load_scenario(path, overrides=()):
    """Parse an INI scenario into a flat dict {'section.key': value} with defaults."""
    cp = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";",),
                                   inline_comment_prefixes=None,
                                   interpolation=None, strict=True, empty_lines_in_values=False)
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    given = {}
    for section in cp.sections():
        for key, text in cp.items(section, raw=True):
            if (section, key) not in KEYS:
                raise ValueError(f"{path}: unknown key {section}.{key}")
            given[(section, key)] = text
    for item in overrides:
        dotted, sep, text = item.partition("=")
        section, _, key = dotted.strip().partition(".")
        if not sep or (section, key) not in KEYS:
            raise ValueError(f"--set {item!r}: not section.key=value of a known key")
        given[(section, key)] = text

    sc = {}
    for (section, key), (kind, default) in KEYS.items():
        text = given.get((section, key))
        sc[f"{section}.{key}"] = default if text is None else convert(kind, text)
    if sc["cash.initial"] is None:
        raise ValueError(f"{path}: cash.initial is required")
    if sc["scenario.name"] is None:
        sc["scenario.name"] = os.path.splitext(os.path.basename(path))[0]
    if sc["revenue.growth_longrun"] is None:
        sc["revenue.growth_longrun"] = sc["revenue.growth"]
    if sc["costs.capex_schedule"] is not None and ("costs", "capex") in given:
        raise ValueError(f"{path}: costs.capex and costs.capex_schedule are exclusive")
    if sc["debt.initial_drawn"] > sc["debt.facility"]:
        raise ValueError(f"{path}: debt.initial_drawn exceeds debt.facility")
    return sc


def capex_plan(sc, H):
    """plan(t) for t = 1..H (docs/model.md s.3), as an array indexed t-1."""
    t = np.arange(1, H + 1, dtype=np.float64)
    growth = sc["costs.capex_growth"]
    schedule = sc["costs.capex_schedule"]
    if schedule is None:
        return sc["costs.capex"] * np.exp(growth * (t - 1))
    months = np.array([m for m, _ in schedule])
    amounts = np.array([a for _, a in schedule])
    step = np.searchsorted(months, t, side="right") - 1  # last M_i <= t
    return amounts[step] * np.exp(growth * (t - months[step]))


def correlation_cholesky(sc):
    """Lower Cholesky factor of the 4x4 correlation matrix (semi-definite allowed)."""
    A = np.eye(4)
    for name, (i, j) in CORR_INDEX.items():
        A[i, j] = A[j, i] = sc[f"correlation.{name}"]
    smallest = np.linalg.eigvalsh(A)[0]
    if smallest < -1e-12:
        raise ValueError(f"correlation matrix is not positive semi-definite "
                         f"(smallest eigenvalue {smallest:.6g})")
    L = np.zeros((4, 4))
    for j in range(4):
        d = A[j, j] - L[j, :j] @ L[j, :j]
        L[j, j] = math.sqrt(max(d, 0.0))
        for i in range(j + 1, 4):
            L[i, j] = (A[i, j] - L[i, :j] @ L[j, :j]) / L[j, j] if L[j, j] > 0 else 0.0
    return A, L


# ----------------------------------------------------------------------------------
# Simulation (docs/model.md s.2, in its order)
# ----------------------------------------------------------------------------------

def simulate(sc, paths, seed):
    H = sc["scenario.horizon_months"]
    rng = np.random.Generator(np.random.Philox(seed))
    _, L = correlation_cholesky(sc)

    t_axis = np.arange(1, H + 1, dtype=np.float64)
    opex_t = sc["costs.opex"] * np.exp(sc["costs.opex_growth"] * t_axis)
    plan_t = capex_plan(sc, H)

    cash_min = sc["cash.minimum"]
    R0 = sc["revenue.initial"]
    g_inf = sc["revenue.growth_longrun"]
    phi = 2.0 ** (-1.0 / sc["revenue.growth_halflife_months"])
    growth_vol = sc["revenue.growth_vol"]
    vol = sc["revenue.vol"]
    margin = sc["revenue.gross_margin"]
    penalty = sc["revenue.stress_growth_penalty"]
    cap = sc["revenue.cap"]
    capex_vol = sc["costs.capex_vol"]
    compute_rate = sc["costs.compute_opex_rate"]
    cf_vol = sc["costs.cashflow_vol"]
    entry, exit_ = sc["market.stress_entry"], sc["market.stress_exit"]
    trigger = sc["equity.trigger_months"]
    min_gap = sc["equity.min_gap_months"]
    success = np.array([sc["equity.success_normal"], sc["equity.success_stressed"]])
    round_median, round_vol = sc["equity.round_median"], sc["equity.round_vol"]
    elasticity = sc["equity.revenue_elasticity"]
    max_rounds = sc["equity.max_rounds"]
    max_rounds = np.iinfo(np.int64).max if max_rounds is None else max_rounds
    facility, D_init, buffer = (sc["debt.facility"], sc["debt.initial_drawn"],
                                sc["debt.draw_buffer"])
    rate = np.array([sc["debt.rate"], sc["debt.rate"] + sc["debt.stress_spread"]]) / 12.0
    bs_p, bs_amount, bs_max = (sc["backstop.probability"], sc["backstop.amount"],
                               sc["backstop.max_uses"])

    # State (s.1).
    C = np.full(paths, sc["cash.initial"])
    C0 = C.copy()
    R = np.full(paths, R0)
    g = np.full(paths, sc["revenue.growth"])
    I = np.zeros(paths)
    D = np.full(paths, D_init)
    S = np.full(paths, sc["market.initial"], dtype=np.int64)
    last = np.full(paths, -sc["equity.months_since_last_round"], dtype=np.int64)
    uses = np.zeros(paths, dtype=np.int64)
    # Outcomes.
    rounds = np.zeros(paths, dtype=np.int64)
    raised = np.zeros(paths)
    need = np.zeros(paths)
    runway = np.zeros(paths, dtype=np.int64)     # 0: beyond the horizon
    insolvent = np.zeros(paths, dtype=np.int64)  # 0: solvent through the horizon

    for t in range(1, H + 1):
        alive = insolvent == 0
        active = alive | (runway == 0)  # settled paths (both months known) stop
        if not active.any():
            break
        z = rng.standard_normal((4, paths))
        u1, u2, u3 = rng.random((3, paths))
        zS = rng.standard_normal(paths)

        # 1. Regime.
        S_new = np.where(S == 1, ~(u1 < exit_), u1 < entry).astype(np.int64)
        S = np.where(active, S_new, S)
        # 2. Correlated shocks (revenue, growth, capex, cashflow).
        eR, eG, eK, eC = L @ z
        # 3. Revenue.
        g = np.where(active, g_inf + phi * (g - g_inf) + growth_vol * eG, g)
        R = np.where(active,
                     np.minimum(R * np.exp(g - penalty * S + vol * eR - 0.5 * vol * vol), cap),
                     R)
        # 4. Costs.
        capex = plan_t[t - 1] * np.exp(capex_vol * eK - 0.5 * capex_vol * capex_vol)
        compute = compute_rate * I
        I = np.where(active, I + capex, I)
        month_rate = rate[S]
        interest = D * month_rate
        # 5. Cash flow; the shadow path pays interest on the initial debt only.
        operating = margin * R - opex_t[t - 1] - compute + cf_vol * eC
        flow = operating - capex - interest
        C = np.where(alive, C + flow, C)
        C0 = np.where(active, C0 + operating - capex - D_init * month_rate, C0)
        # 6. Runway and external funding need.
        runway[active & (runway == 0) & (C0 < cash_min)] = t
        need = np.where(active, np.maximum(need, cash_min - C0), need)
        # 7. Equity.
        if trigger > 0:
            burn = np.maximum(-flow, 0.0)
            attempt = (alive & (burn > 0) & (C < trigger * burn)
                       & (t - last >= min_gap) & (rounds < max_rounds))
            close = attempt & (u2 < success[S])
            if close.any():
                ratio = R / R0 if R0 > 0 else 1.0
                size = round_median * ratio ** elasticity * np.exp(round_vol * zS)
                C = np.where(close, C + size, C)
                raised = np.where(close, raised + size, raised)
                rounds += close
                last = np.where(close, t, last)
        # 8. Debt.
        want = alive & (C < cash_min) & (D < facility)
        draw = np.where(want, np.minimum(facility - D, cash_min - C + buffer), 0.0)
        D = D + draw
        C = C + draw
        # 9. Backstop.
        backstop = alive & (C < cash_min) & (uses < bs_max) & (u3 < bs_p)
        C = np.where(backstop, C + np.maximum(bs_amount, cash_min - C), C)
        uses += backstop
        # 10. Insolvency (absorbing: cash frozen, no more financing).
        insolvent[alive & (C < cash_min)] = t

    return {"H": H, "cash": C, "runway": runway, "insolvent": insolvent,
            "rounds": rounds, "raised": raised, "drawn": D - D_init, "uses": uses,
            "need": need}


# ----------------------------------------------------------------------------------
# Statistics (docs/model.md s.6), with the engine's quantile convention
# ----------------------------------------------------------------------------------

QUANTILES = (("p05", 0.05), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75), ("p95", 0.95))


def month_stats(months, H):
    """Months 1..H, 0 = beyond the horizon. Quantile q is the smallest month whose
    cumulative count reaches ceil(q*n); None (beyond the horizon) if none does. The
    mean counts paths beyond the horizon at H."""
    n = months.size
    if n == 0:
        return {"n": 0, "mean": None, **{k: None for k, _ in QUANTILES},
                "beyond_horizon": 0.0}
    hist = np.bincount(months, minlength=H + 1)
    cum = np.cumsum(hist[1:])
    out = {"n": int(n), "mean": float((np.where(months == 0, H, months)).mean())}
    for name, q in QUANTILES:
        rank = max(math.ceil(q * n), 1)
        m = int(np.searchsorted(cum, rank)) + 1
        out[name] = m if m <= H else None
    out["beyond_horizon"] = float(hist[0] / n)
    return out


def statistics(res, paths):
    H = res["H"]
    ins = res["insolvent"]
    n = paths
    by_month = np.cumsum(np.bincount(ins, minlength=H + 1)[1:]) / n
    p = float(by_month[-1])
    se = math.sqrt(p * (1 - p) / n)
    z = 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    insolvency = {"probability": p, "stderr": se,
                  "ci95": [max(0.0, centre - half), min(1.0, centre + half)]}
    for m in (12, 24, 36):
        insolvency[f"at_{m}"] = float(by_month[m - 1]) if m <= H else None
    insolvency["by_month"] = [float(x) for x in by_month]

    survivors = res["cash"][ins == 0]
    if survivors.size:
        srt = np.sort(survivors)
        k = max(math.ceil(0.05 * srt.size), 1)
        p05, p50, p95 = np.quantile(srt, [0.05, 0.5, 0.95])
        terminal = {"n": int(srt.size), "mean": float(srt.mean()), "p05": float(p05),
                    "p50": float(p50), "p95": float(p95), "var05": float(p05),
                    "cvar05": float(srt[:k].mean())}
    else:
        terminal = {"n": 0, "mean": None, "p05": None, "p50": None, "p95": None,
                    "var05": None, "cvar05": None}

    need_p50, need_p95 = np.quantile(res["need"], [0.5, 0.95])
    funding = {"equity_rounds_mean": float(res["rounds"].mean()),
               "equity_raised_mean": float(res["raised"].mean()),
               "debt_drawn_mean": float(res["drawn"].mean()),
               "backstop_probability": float((res["uses"] > 0).mean()),
               "need_mean": float(res["need"].mean()),
               "need_p50": float(need_p50), "need_p95": float(need_p95)}
    return {"insolvency": insolvency,
            "runway": month_stats(res["runway"], H),
            "time_to_insolvency": month_stats(ins[ins > 0], H),
            "terminal_cash": terminal,
            "funding": funding}


# ----------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------

def money(x):
    if x is None:
        return "n/a"
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def month(m, H):
    return f">{H}" if m is None else str(m)


def print_report(r):
    H = r["horizon_months"]
    ins, rw, tc, fu = r["insolvency"], r["runway"], r["terminal_cash"], r["funding"]
    print(f"scenario {r['scenario']}  paths {r['paths']}  horizon {H}  seed {r['seed']}")
    print(f"  elapsed {r['elapsed_s']:.3f} s  ({r['path_months_per_s']:.3e} path-months/s)")
    at = "  ".join(f"{m}m {100 * ins[f'at_{m}']:.2f}%" for m in (12, 24, 36)
                   if ins[f"at_{m}"] is not None)
    print(f"  insolvency by {H}m   {100 * ins['probability']:.3f}% "
          f"(stderr {100 * ins['stderr']:.3f}%, 95% CI {100 * ins['ci95'][0]:.3f}.."
          f"{100 * ins['ci95'][1]:.3f}%)  {at}")
    print(f"  runway               mean {rw['mean']:.1f}  " +
          "  ".join(f"{k} {month(rw[k], H)}" for k, _ in QUANTILES) +
          f"  beyond {100 * rw['beyond_horizon']:.2f}%")
    tti = r["time_to_insolvency"]
    if tti["n"]:
        print(f"  time to insolvency   mean {tti['mean']:.1f}  " +
              "  ".join(f"{k} {month(tti[k], H)}" for k, _ in QUANTILES))
    print(f"  terminal cash        mean {money(tc['mean'])}  p05 {money(tc['p05'])}  "
          f"p50 {money(tc['p50'])}  p95 {money(tc['p95'])}  CVaR5% {money(tc['cvar05'])}")
    print(f"  funding              equity rounds {fu['equity_rounds_mean']:.3f}  "
          f"raised {money(fu['equity_raised_mean'])}  debt drawn "
          f"{money(fu['debt_drawn_mean'])}  backstop {100 * fu['backstop_probability']:.2f}%"
          f"  need p50 {money(fu['need_p50'])} p95 {money(fu['need_p95'])}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", help="scenario INI file")
    ap.add_argument("--paths", type=int, required=True, help="number of paths")
    ap.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    ap.add_argument("--json", action="store_true", help="emit the result as JSON")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="override a scenario value (repeatable)")
    args = ap.parse_args(argv)
    if args.paths < 1:
        ap.error("--paths must be at least 1")
    try:
        sc = load_scenario(args.scenario, args.set)
    except (ValueError, KeyError, configparser.Error, OSError) as e:
        print(f"numpy_model: {e}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    res = simulate(sc, args.paths, args.seed)
    stats = statistics(res, args.paths)
    elapsed = time.perf_counter() - start
    H = res["H"]
    report = {"engine": "numpy", "numpy_version": np.__version__,
              "scenario": sc["scenario.name"], "file": args.scenario,
              "paths": args.paths, "seed": args.seed, "horizon_months": H,
              "elapsed_s": elapsed,
              "path_months_per_s": args.paths * H / elapsed if elapsed > 0 else None,
              **stats}
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
