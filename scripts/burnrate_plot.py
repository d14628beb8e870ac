#!/usr/bin/python3
"""Charts and an HTML report from burnrate JSON results.

usage: burnrate_plot.py RESULT.json [RESULT2.json ...] --out DIR [--html] [--format png,svg] [--quiet]

Writes into DIR, for whatever data the results hold (docs/charts.md lists the JSON fields):
  insolvency   cumulative insolvency probability by month, 95% Wilson band per month
  runway       runway histogram (shadow path, no new financing), p05/p50/p95 marked
  cash_fan     cash among surviving paths, p05-p95 / p25-p75 bands, survival fraction
  tornado      one-at-a-time sensitivity of insolvency and median runway
  heatmap      insolvency over a two-key sweep grid (sweep: the one-key version)
  index.html   with --html: one page with the run info, a summary table and every chart
Several result files are charted together (their scenarios side by side).

Exit codes: 0 ok; 2 bad usage or an unreadable / invalid result file; 1 failure to write
(or matplotlib missing). The files written are printed, one per line, on stdout.
Needs matplotlib (Debian's /usr/bin/python3 has it); output is deterministic: the same
input gives byte-identical SVG and PNG files.
"""
import argparse
import html
import json
import math
import os
import re
import sys

EXIT_FAIL, EXIT_INPUT = 1, 2
Z95 = 1.959963984540054
MAX_BANDS = 8          # more scenarios than this: lines only, no bands
MAX_PANELS = 6         # small multiples per chart
MAX_TORNADO_ROWS = 16

PALETTE = ["#1f5aa6", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93",
           "#c05299", "#7a9a2e", "#8c5a3c", "#577590", "#7f7f7f"]
INK, MUTED, LIGHT = "#1f2933", "#616e7c", "#cbd2d9"
LOW_COLOR, HIGH_COLOR = "#3d7dca", "#e07a3f"


class InputError(Exception):
    """An unreadable or invalid result file: exit 2."""


class WriteError(Exception):
    """An output that could not be written: exit 1."""


# --------------------------------------------------------------------------- formatting

def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def fmt_pct(p, nd=None):
    if p is None:
        return "n/a"
    q = 100.0 * p
    if nd is None:
        nd = 0 if q == 0 or q == 100 else (2 if abs(q) < 1 else 1)
    return f"{q:.{nd}f}%"


def fmt_money(v):
    if v is None:
        return "n/a"
    a = abs(v)
    s = "-" if v < 0 else ""
    if a >= 1e12:
        return f"{s}${a / 1e12:.2f}T"
    if a >= 1e9:
        return f"{s}${a / 1e9:.2f}B"
    if a >= 1e6:
        return f"{s}${a / 1e6:.0f}M"
    return f"{s}${a:,.0f}"


def fmt_money_short(v):
    """$2B, $2.57B, $650M: for tick labels."""
    a = abs(v)
    for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if a >= div:
            return ("-" if v < 0 else "") + f"${a / div:.3g}{unit}"
    return f"${v:,.0f}"


def fmt_value(v):
    """A parameter value: money-sized numbers in $, others compactly."""
    if isinstance(v, str):
        return v
    if v is None:
        return "n/a"
    if abs(v) >= 1e6:
        a = abs(v)
        for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
            if a >= div:
                num = f"{a / div:.2f}".rstrip("0").rstrip(".")
                return ("-" if v < 0 else "") + f"${num}{unit}"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.4g}"


def fmt_months(m, horizon):
    if m is None:
        return f">{horizon}"
    return f"{m:.0f}" if m == int(m) else f"{m:.1f}"


def wilson(k, n, z=Z95):
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(max(p * (1 - p) / n + z * z / (4 * n * n), 0.0)) / d
    return (max(0.0, c - h), min(1.0, c + h))


SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}


def parse_number(text):
    """'2B', '250K', '0.3', '1e6' -> float, else None."""
    t = text.strip().replace("_", "")
    mult = 1.0
    if t and t[-1] in SUFFIX:
        mult = SUFFIX[t[-1]]
        t = t[:-1]
    try:
        v = float(t) * mult
    except ValueError:
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- input

class Checker:
    """Validates the parts of a result that the charts read; raises InputError."""

    def __init__(self, path):
        self.path = path

    def fail(self, loc, what):
        raise InputError(f"{self.path}: {loc}: {what}")

    def num(self, obj, key, loc, lo=None, hi=None, null=False, required=True):
        if key not in obj:
            if required:
                self.fail(loc, f"missing \"{key}\"")
            return None
        v = obj[key]
        if v is None and null:
            return None
        if not is_num(v):
            self.fail(f"{loc}.{key}", f"expected a number{' or null' if null else ''}, got {json.dumps(v)[:40]}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.fail(f"{loc}.{key}", f"{v} is out of range {lo} .. {hi}")
        return v

    def array(self, obj, key, loc, n, lo=None, hi=None, null=False):
        v = obj.get(key)
        if not isinstance(v, list):
            self.fail(f"{loc}.{key}", "expected an array")
        if len(v) != n:
            self.fail(f"{loc}.{key}", f"has {len(v)} entries, expected {n}")
        out = []
        for i, x in enumerate(v):
            if x is None and null:
                out.append(None)
                continue
            if not is_num(x):
                self.fail(f"{loc}.{key}[{i}]", f"expected a number{' or null' if null else ''}, got {json.dumps(x)[:40]}")
            if (lo is not None and x < lo) or (hi is not None and x > hi):
                self.fail(f"{loc}.{key}[{i}]", f"{x} is out of range {lo} .. {hi}")
            out.append(float(x))
        return out

    def section(self, obj, key, loc):
        if key not in obj or obj[key] is None:
            return None
        if not isinstance(obj[key], dict):
            self.fail(f"{loc}.{key}", "expected an object")
        return obj[key]


def load_result(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte offset {e.start})")

    def no_constants(name):
        raise ValueError(f"{name} is not valid JSON")

    try:
        doc = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}")
    except (ValueError, RecursionError) as e:
        raise InputError(f"{path}: invalid JSON: {e}")
    return validate(doc, path)


def validate(doc, path):
    c = Checker(path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a burnrate result (the top level is not an object)")
    scs = doc.get("scenarios")
    if not isinstance(scs, list) or not scs:
        raise InputError(f"{path}: not a burnrate result (no \"scenarios\" array, or it is empty)")
    run = doc.get("run") if isinstance(doc.get("run"), dict) else {}
    out = []
    for i, s in enumerate(scs):
        loc = f"scenarios[{i}]"
        if not isinstance(s, dict):
            c.fail(loc, "expected an object")
        name = s.get("name")
        if not isinstance(name, str) or not name:
            c.fail(f"{loc}.name", "expected a non-empty string")
        H = c.num(s, "horizon_months", loc, lo=1, hi=100000)
        if H != int(H):
            c.fail(f"{loc}.horizon_months", "expected a whole number")
        H = int(H)
        n = c.num(s, "paths", loc, lo=1)
        sc = {"name": name, "H": H, "paths": int(n), "file": path, "raw": s,
              "params": s.get("parameters") if isinstance(s.get("parameters"), dict) else {}}
        ins = c.section(s, "insolvency", loc)
        if ins is not None:
            l2 = loc + ".insolvency"
            sc["p"] = c.num(ins, "probability", l2, 0, 1, required=False)
            sc["stderr"] = c.num(ins, "stderr", l2, 0, 1, required=False)
            ci = ins.get("ci95")
            if ci is not None:
                sc["ci95"] = c.array(ins, "ci95", l2, 2, 0, 1)
            if "by_month" in ins:
                sc["by_month"] = c.array(ins, "by_month", l2, H, 0, 1)
            for k in ("at_12", "at_24", "at_36"):
                sc[k] = c.num(ins, k, l2, 0, 1, null=True, required=False)
        rw = c.section(s, "runway_months", loc)
        if rw is not None:
            l2 = loc + ".runway_months"
            sc["runway"] = {k: c.num(rw, k, l2, 0, null=True, required=False)
                            for k in ("mean", "p05", "p25", "p50", "p75", "p95", "beyond_horizon")}
            if "histogram" in rw:
                sc["runway_hist"] = c.array(rw, "histogram", l2, H + 1, lo=0)
        tc = c.section(s, "terminal_cash", loc)
        if tc is not None:
            sc["terminal"] = {k: c.num(tc, k, loc + ".terminal_cash", null=True, required=False)
                              for k in ("mean", "p05", "p50", "p95", "var05", "cvar05", "surviving_paths")}
        fu = c.section(s, "funding", loc)
        if fu is not None:
            sc["funding"] = {k: c.num(fu, k, loc + ".funding", null=True, required=False)
                             for k in ("equity_rounds_mean", "equity_raised_mean", "debt_drawn_mean",
                                       "backstop_probability", "need_mean", "need_p50", "need_p95")}
        fan = c.section(s, "cash_fan", loc)
        if fan is not None:
            l2 = loc + ".cash_fan"
            sc["fan"] = {k: c.array(fan, k, l2, H, null=True) for k in ("p05", "p25", "p50", "p75", "p95")}
            sc["fan"]["survival"] = (c.array(fan, "survival", l2, H, 0, 1, null=True)
                                     if "survival" in fan else None)
        h = s.get("verification_hash")
        sc["hash"] = h if isinstance(h, str) else None
        out.append(sc)
    sens = None
    if doc.get("sensitivity") is not None:
        sens = validate_sensitivity(c, doc["sensitivity"])
    return {"path": path, "version": doc.get("version"), "run": run, "scenarios": out,
            "sensitivity": sens}


def validate_sensitivity(c, s):
    loc = "sensitivity"
    if not isinstance(s, dict):
        c.fail(loc, "expected an object")
    base = c.section(s, "base", loc) or {}
    rows = s.get("rows")
    if not isinstance(rows, list):
        c.fail(f"{loc}.rows", "expected an array")
    out = {"scenario": s.get("scenario") if isinstance(s.get("scenario"), str) else "",
           "delta": c.num(s, "delta", loc, null=True, required=False),
           "paths": c.num(s, "paths", loc, lo=1, null=True, required=False),
           "base_p": c.num(base, "insolvency_probability", loc + ".base", 0, 1, null=True, required=False),
           "base_runway": c.num(base, "median_runway", loc + ".base", null=True, required=False),
           "rows": []}
    for i, r in enumerate(rows):
        l2 = f"{loc}.rows[{i}]"
        if not isinstance(r, dict):
            c.fail(l2, "expected an object")
        key = r.get("key")
        if not isinstance(key, str) or not key:
            c.fail(f"{l2}.key", "expected a non-empty string")
        row = {"key": key, "clamped": r.get("clamped") is True}
        for k in ("low_value", "high_value"):
            v = r.get(k)
            row[k] = v if isinstance(v, str) else c.num(r, k, l2, null=True, required=False)
        for k in ("insolvency_low", "insolvency_high"):
            row[k] = c.num(r, k, l2, 0, 1)
        for k in ("swing", "swing_stderr", "independent_stderr", "runway_median_low",
                  "runway_median_high", "runway_swing", "runway_swing_stderr"):
            row[k] = c.num(r, k, l2, null=True, required=False)
        out["rows"].append(row)
    return out


SWEEP_RE = re.compile(r"^(?P<base>.+?)\[(?P<body>[^\[\]]+)\]$")


def parse_sweep_name(name):
    """'base[k1=v1,k2=v2]' -> (base, [(k1, 'v1'), (k2, 'v2')]) or None."""
    m = SWEEP_RE.match(name)
    if not m:
        return None
    pairs = []
    for part in m.group("body").split(","):
        if "=" not in part:
            return None
        k, v = part.split("=", 1)
        if not k.strip():
            return None
        pairs.append((k.strip(), v.strip()))
    return m.group("base"), pairs


def detect_sweep(scenarios):
    """A grid sweep over the same keys for every scenario: {'keys': [...], 'groups': [...]}."""
    parsed = [parse_sweep_name(s["name"]) for s in scenarios]
    if not parsed or any(p is None for p in parsed):
        return None
    keys = [k for k, _ in parsed[0][1]]
    if any([k for k, _ in p[1]] != keys for p in parsed) or len(set(keys)) != len(keys):
        return None
    groups = {}
    for s, (base, pairs) in zip(scenarios, parsed):
        g = groups.setdefault(base, {"base": base, "points": []})
        vals = []
        for k, text in pairs:
            pv = s["params"].get(k)
            num = pv if is_num(pv) else parse_number(text)
            vals.append((text, num))
        g["points"].append((vals, s))
    return {"keys": keys, "groups": list(groups.values())}


# --------------------------------------------------------------------------- plotting

class Plotter:
    def __init__(self, out_dir, formats, results):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
        self.plt, self.ticker, self.mpl = plt, ticker, matplotlib
        self.out = out_dir
        self.formats = formats
        self.results = results
        self.written = []
        self.charts = []      # (name, caption) in the order produced
        self.notes = []       # charts skipped, with why
        matplotlib.rcParams.update({
            "svg.hashsalt": "burnrate",
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "text.color": INK,
            "axes.edgecolor": "#9aa5b1",
            "axes.linewidth": 0.8,
            "axes.labelcolor": INK,
            "axes.labelsize": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.titlepad": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "axes.axisbelow": True,
            "grid.color": "#e4e7eb",
            "grid.linewidth": 0.8,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "xtick.major.size": 3,
            "ytick.major.size": 0,
            "legend.frameon": False,
            "legend.fontsize": 9,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "figure.dpi": 100,
            "savefig.dpi": 150,
        })
        self.scenarios = []
        seen = {}
        for r in results:
            for s in r["scenarios"]:
                seen[s["name"]] = seen.get(s["name"], 0) + 1
        for r in results:
            stem = os.path.splitext(os.path.basename(r["path"]))[0]
            for s in r["scenarios"]:
                s["display"] = s["name"] if seen[s["name"]] == 1 else f"{s['name']} ({stem})"
                s["label"] = s["display"]
                self.scenarios.append(s)
        self.sweep = detect_sweep(self.scenarios)
        self.legend_title = None
        if self.sweep and len(self.sweep["groups"]) == 1:
            self.legend_title = self.sweep["groups"][0]["base"]
            for vals, s in self.sweep["groups"][0]["points"]:
                s["label"] = ", ".join(f"{k}={t}" for k, (t, _) in zip(self.sweep["keys"], vals))
        n = len(self.scenarios)
        if n <= len(PALETTE):
            cols = PALETTE
        else:
            cmap = matplotlib.colormaps["viridis"]
            cols = [matplotlib.colors.to_hex(cmap(0.92 * i / (n - 1))) for i in range(n)]
        for i, s in enumerate(self.scenarios):
            s["color"] = cols[i % len(cols)]

    # ---- figure scaffolding

    def footer_text(self, scenarios=None):
        rs = self.results
        parts = []
        vers = {r["version"] for r in rs if r["version"]}
        parts.append("burnrate " + vers.pop() if len(vers) == 1 else "burnrate")
        sc = scenarios if scenarios is not None else self.scenarios
        paths = {s["paths"] for s in sc}
        if len(paths) == 1:
            parts.append(f"{paths.pop():,} paths per scenario")
        seeds = {str(r["run"].get("seed")) for r in rs if r["run"].get("seed") is not None}
        if len(seeds) == 1:
            parts.append("seed " + seeds.pop())
        if len(sc) == 1 and sc[0].get("hash"):
            parts.append("verification hash " + sc[0]["hash"])
        return "  \u00b7  ".join(parts)

    def figure(self, w, h, title, subtitle=None, footer=None):
        fig = self.plt.figure(figsize=(w, h), layout="constrained")
        top_in = 0.62 if subtitle else 0.42
        bot_in = 0.30 if footer else 0.08
        fig.text(0.11 / w, 1 - 0.14 / h, title, ha="left", va="top", fontsize=14,
                 fontweight="bold", color=INK)
        self.subtitle = None
        if subtitle:
            self.subtitle = fig.text(0.11 / w, 1 - 0.40 / h, subtitle, ha="left", va="top",
                                     fontsize=9.5, color=MUTED)
        if footer:
            fig.text(0.11 / w, 0.08 / h, footer, ha="left", va="bottom", fontsize=7.5,
                     color="#9aa5b1")
        # rect is (left, bottom, width, height) in figure coordinates
        fig.get_layout_engine().set(rect=(0, bot_in / h, 1, 1 - (top_in + bot_in) / h),
                                    w_pad=0.06, h_pad=0.06)
        return fig

    def save(self, fig, name, caption):
        for fmt in self.formats:
            path = os.path.join(self.out, f"{name}.{fmt}")
            tmp = path + ".tmp"
            md = ({"Date": None, "Creator": "burnrate_plot"} if fmt == "svg"
                  else {"Software": "burnrate_plot (matplotlib)"})
            try:
                fig.savefig(tmp, format=fmt, metadata=md)
                os.replace(tmp, path)
            except OSError as e:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                self.plt.close(fig)
                raise WriteError(f"{path}: cannot write: {e.strerror or e}")
            self.written.append(path)
        self.plt.close(fig)
        self.charts.append((name, caption))

    def skip(self, chart, why):
        self.notes.append(f"{chart}: skipped ({why})")

    def month_axis(self, ax, H, lo=0):
        step = 12 if H - lo >= 36 else (6 if H - lo >= 12 else (2 if H - lo >= 6 else 1))
        ax.xaxis.set_major_locator(self.ticker.MultipleLocator(step))
        if step >= 6:
            ax.xaxis.set_minor_locator(self.ticker.MultipleLocator(step // 2 if step == 12 else 1))
            ax.tick_params(axis="x", which="minor", length=2, color="#bcc5ce")

    def pct_axis(self, ax, axis="y", decimals=None):
        fmt = self.ticker.PercentFormatter(xmax=1.0, decimals=decimals)
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)

    # ---- 1. insolvency

    def insolvency(self):
        sc = [s for s in self.scenarios if s.get("by_month")]
        if not sc:
            return self.skip("insolvency", "no insolvency.by_month")
        bands = len(sc) <= MAX_BANDS
        H = max(s["H"] for s in sc)
        longest = max(len(s["label"]) for s in sc)
        legend = len(sc) <= 24
        below = legend and (len(sc) > 5 or longest > 30)
        leg_rows = math.ceil(len(sc) / max(1, min(len(sc), 120 // (longest + 6), 4))) if below else 0
        fig = self.figure(10, 5.8 + (0.55 + 0.2 * leg_rows if below else 0),
                          "Cumulative probability of insolvency",
                          "Share of paths whose cash is below the minimum after every financing "
                          "mechanism, by month" + ("  \u00b7  shaded: 95% Wilson interval" if bands else "")
                          + ("" if legend else f"  \u00b7  {len(sc)} scenarios, coloured in order (dark first)"),
                          self.footer_text(sc))
        ax = fig.add_subplot()
        top = 0.0
        ends = []
        for s in sc:
            bm = s["by_month"]
            x = list(range(0, s["H"] + 1))
            y = [0.0] + bm
            if bands:
                lo, hi = zip(*[wilson(round(p * s["paths"]), s["paths"]) for p in y])
                ax.fill_between(x, lo, hi, color=s["color"], alpha=0.18, linewidth=0)
                top = max(top, max(hi))
            ax.plot(x, y, color=s["color"], linewidth=2.0 if len(sc) <= 6 else 1.5,
                    label=s["label"], solid_capstyle="round")
            top = max(top, max(y))
            ends.append([y[-1], s["H"], s])
        top = min(1.0, max(top * 1.12, 0.01))
        ax.set_ylim(0, top)
        ax.set_xlim(0, H + (H * 0.09 if len(sc) <= 12 else 0))
        # end labels, pushed apart so they do not overlap
        if len(sc) <= 12:
            gap = top * 0.045
            ends.sort(key=lambda e: e[0])
            pos = [e[0] for e in ends]
            for i in range(1, len(pos)):
                pos[i] = max(pos[i], pos[i - 1] + gap)
            over = pos[-1] - top * 0.98 if pos else 0
            if over > 0:
                pos = [p - over for p in pos]
                for i in range(len(pos) - 2, -1, -1):
                    pos[i] = min(pos[i], pos[i + 1] - gap)
            for (yv, h, s), yp in zip(ends, pos):
                ax.annotate(fmt_pct(yv), xy=(h, yv), xytext=(h + H * 0.012, yp),
                            textcoords="data", va="center", ha="left", fontsize=9,
                            color=s["color"], fontweight="bold")
        if len(sc) == 1:   # the headline months, marked and labelled
            s0 = sc[0]
            for m in (12, 24, 36):
                if m < s0["H"]:
                    v = s0["by_month"][m - 1]
                    ax.plot([m], [v], "o", color=s0["color"], markersize=5, zorder=4,
                            markeredgecolor="white", markeredgewidth=1)
                    ax.annotate(f"month {m}: {fmt_pct(v)}", (m, v), xytext=(-6, 8),
                                textcoords="offset points", ha="right", va="bottom",
                                fontsize=8.5, color=INK)
        self.month_axis(ax, H)
        self.pct_axis(ax, decimals=0 if top >= 0.05 else 1)
        ax.set_xlabel("Month")
        ax.set_ylabel("P(insolvent by month)")
        for m in (12, 24, 36, 48, 60, 72, 84, 96, 108, 120):
            if m < H:
                ax.axvline(m, color="#eef0f2", linewidth=0.8, zorder=0)
        if len(sc) > 1 and legend:
            if not below:
                ax.legend(loc="upper left", title=self.legend_title, title_fontsize=9,
                          alignment="left")
            else:   # below the chart, out of the way of the curves
                ncol = max(1, min(len(sc), 120 // (longest + 6), 4))
                ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=ncol,
                          title=self.legend_title, title_fontsize=9, alignment="left",
                          fontsize=8.5 if len(sc) > 8 else 9)
        self.save(fig, "insolvency",
                  "Cumulative probability that a path is insolvent by each month (cash below the "
                  "minimum after equity, debt and backstop); shaded bands are 95% Wilson intervals.")

    # ---- 2. runway

    def runway(self):
        sc = [s for s in self.scenarios if s.get("runway_hist") and sum(s["runway_hist"]) > 0]
        if not sc:
            return self.skip("runway", "no runway_months.histogram")
        H = max(s["H"] for s in sc)
        firsts, lasts = [], []
        for s in sc:
            nz = [t + 1 for t, c in enumerate(s["runway_hist"][:-1]) if c > 0]
            if nz:
                firsts.append(nz[0])
                lasts.append(nz[-1])
        lo = max(1, min(firsts) - 2) if firsts else 1
        hi = min(H, max(lasts) + 2) if lasts else min(H, 12)
        while hi - lo < 12 and (lo > 1 or hi < H):
            if lo > 1:
                lo -= 1
            if hi - lo < 12 and hi < H:
                hi += 1
        gap = max(1.5, (hi - lo) * 0.06)
        xb = hi + gap + 0.5                       # the "beyond the horizon" bar
        sub = "Months until cash runs out on the shadow path (same revenue and costs, no new financing)"
        multiples = len(sc) <= MAX_PANELS
        if multiples:
            h = 1.35 + 1.65 * len(sc) if len(sc) > 1 else 5.6
            fig = self.figure(10, max(h, 4.6), "Runway without new financing", sub,
                              self.footer_text(sc))
            axes = fig.subplots(len(sc), 1, sharex=True, squeeze=False)[:, 0]
            for ax, s in zip(axes, sc):
                self._runway_panel(ax, s, lo, hi, xb, single=len(sc) == 1)
            ax = axes[-1]
            ticks = self._month_ticks(lo, hi)
            ax.set_xticks(ticks + [xb])
            ax.set_xticklabels([str(t) for t in ticks] + [f"beyond\n{H}"])
            ax.set_xlim(lo - 0.7, xb + 0.9)
            ax.set_xlabel("Runway (months)")
            if len(sc) > 1:
                fig.supylabel("Probability", fontsize=10, color=INK)
        else:
            fig = self.figure(10, min(14.0, 1.6 + 0.32 * len(sc)), "Runway without new financing",
                              sub + "  \u00b7  dot: median", self.footer_text(sc))
            ax = fig.add_subplot()
            self._runway_matrix(fig, ax, sc, lo, hi, H)
        self.save(fig, "runway",
                  "Distribution of the runway: the month in which cash would run out if no new "
                  "money came in; lines mark the 5th, 50th and 95th percentiles, the grey bar the "
                  "paths that never run out within the horizon.")

    @staticmethod
    def _month_ticks(lo, hi):
        span = hi - lo
        step = 12 if span > 48 else (6 if span > 24 else (3 if span > 12 else (2 if span > 8 else 1)))
        first = int(math.ceil(lo / step) * step)
        return list(range(max(first, 1) if first > 0 else step, hi + 1, step)) or [lo]

    def _runway_panel(self, ax, s, lo, hi, xb, single):
        hist = s["runway_hist"]
        tot = float(sum(hist))
        probs = [c / tot for c in hist[:-1]]
        beyond = hist[-1] / tot
        months = list(range(1, len(probs) + 1))
        ax.bar(months, probs, width=0.82, color=s["color"], linewidth=0, zorder=2)
        maxp = max(probs) if probs else 0.0
        # when nearly every path outlasts the horizon, a full-height "beyond" bar would
        # flatten the in-horizon months: scale to those and cut the beyond bar, labelled
        truncated = maxp > 0 and beyond > 4 * maxp
        ymax = maxp if truncated else max(maxp, beyond, 1e-9)
        shown = ymax * 1.12 if truncated else beyond
        ax.bar([xb], [shown], width=0.82 * 1.6, color="#9aa5b1", hatch="////",
               edgecolor="white", linewidth=0, zorder=2)
        if truncated:
            for dy in (0.80, 0.86):
                ax.plot([xb - 0.8, xb + 0.8], [shown * dy, shown * (dy + 0.05)], color="white",
                        linewidth=2.2, zorder=3, solid_capstyle="butt")
        ax.set_ylim(0, ymax * 1.42)
        ax.axvline((hi + xb) / 2 + 0.2, color="#d5dbe1", linewidth=0.8, linestyle=(0, (2, 2)))
        self.pct_axis(ax, decimals=None if ymax >= 0.05 else 1)
        loc = self.ticker.MaxNLocator(4)
        ticks = [t for t in loc.tick_values(0, ymax * 1.1) if 0 <= t <= min(1.0, ymax * 1.1) + 1e-12]
        ax.yaxis.set_major_locator(self.ticker.FixedLocator(ticks))
        rw = s.get("runway") or {}
        H = s["H"]
        groups = []                       # coincident quantiles share one line and label
        for name in ("p05", "p50", "p95"):
            if name not in rw:
                continue
            v = rw[name]
            for g in groups:
                if g[0] == v:
                    g[1].append(name)
                    break
            else:
                groups.append([v, [name]])
        for k, (v, names) in enumerate(groups):
            x = xb if v is None else v
            hgt = ymax * (1.30 - 0.13 * k)
            main = "p50" in names
            ax.plot([x, x], [0, hgt - ymax * 0.035], color=INK, linewidth=1.4 if main else 0.9,
                    linestyle="-" if main else (0, (3, 2)), zorder=1.5)
            right = x > hi
            ax.text(x, hgt, f" {' = '.join(names)}: {fmt_months(v, H)} mo ", ha="right" if right else "left",
                    va="center", fontsize=8.5, color=INK, fontweight="bold" if main else "normal")
        box = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}
        if hi - lo <= 24 and sum(1 for p in probs if p > 0) <= 12:
            for t, p in zip(months, probs):
                if p >= 0.001 and lo <= t <= hi:
                    ax.text(t, p + ymax * 0.015, fmt_pct(p), ha="center", va="bottom", fontsize=7.5,
                            color=MUTED, bbox=box, zorder=4)
        if truncated:
            ax.text(xb, shown * 0.4, fmt_pct(beyond), ha="center", va="center", rotation=90,
                    fontsize=8.5, fontweight="bold", color="white", zorder=4,
                    bbox={"facecolor": "#7b8794", "edgecolor": "none", "pad": 1.5})
        else:
            ax.text(xb, shown + ymax * 0.015, fmt_pct(beyond), ha="center", va="bottom",
                    fontsize=7.5, color=MUTED, bbox=box, zorder=4)
        label = s["label"] if not single else None
        info = []
        if rw.get("mean") is not None:
            info.append(f"mean {rw['mean']:.1f} mo")
        info.append(f"beyond {H}: {fmt_pct(beyond)}" + (" (bar cut)" if truncated else ""))
        ax.set_title("  \u00b7  ".join(info), loc="right", fontsize=8.5, color=MUTED,
                     fontweight="normal", pad=3)
        if label:
            ax.set_title(label, fontsize=10, color=s["color"], pad=3)
        else:
            ax.set_ylabel("Probability")

    def _runway_matrix(self, fig, ax, sc, lo, hi, H):
        import numpy as np
        cols = list(range(lo, hi + 1))
        m = np.zeros((len(sc), len(cols) + 1))
        for i, s in enumerate(sc):
            hist = s["runway_hist"]
            tot = float(sum(hist))
            for j, t in enumerate(cols):
                if t <= len(hist) - 1:
                    m[i, j] = hist[t - 1] / tot
            m[i, -1] = hist[-1] / tot
        im = ax.imshow(m, aspect="auto", cmap="Blues", interpolation="nearest",
                       vmin=0, vmax=max(m.max(), 1e-9))
        for i, s in enumerate(sc):
            p50 = (s.get("runway") or {}).get("p50")
            j = len(cols) if p50 is None else cols.index(int(p50)) if int(p50) in cols else None
            if j is not None:
                ax.plot([j], [i], "o", color="#e07a3f", markersize=4)
        ax.set_yticks(range(len(sc)))
        ax.set_yticklabels([s["label"] for s in sc], fontsize=max(4.0, min(8.0, 8.0 * 36 / len(sc))))
        ticks = self._month_ticks(lo, hi)
        ax.set_xticks([cols.index(t) for t in ticks if t in cols] + [len(cols)])
        ax.set_xticklabels([str(t) for t in ticks if t in cols] + [f"beyond {H}"])
        ax.set_xlabel("Runway (months)")
        ax.grid(False)
        cb = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
        cb.ax.yaxis.set_major_formatter(self.ticker.PercentFormatter(xmax=1.0))
        cb.set_label("Probability", fontsize=9)
        cb.outline.set_visible(False)

    # ---- 3. cash fan

    def cash_fan(self):
        sc = [s for s in self.scenarios if s.get("fan")]
        if not sc:
            return self.skip("cash_fan", "no scenarios[].cash_fan")
        shown = sc[:MAX_PANELS]
        n = len(shown)
        ncol = 1 if n == 1 else (2 if n in (2, 4) else 3)
        nrow = math.ceil(n / ncol)
        w = 10 if ncol == 1 else (12 if ncol == 2 else 14)
        h = (6.4 if n == 1 else 1.5 + 4.3 * nrow)
        sub = ("Cash among paths still solvent, $B  \u00b7  dark band: 25th-75th percentile, light band: "
               "5th-95th, line: median  \u00b7  lower panel: share of paths surviving")
        if len(sc) > n:
            sub += f"  \u00b7  first {n} of {len(sc)} scenarios"
        fig = self.figure(w, h, "Cash on hand: fan chart", sub, self.footer_text(shown))
        gs = fig.add_gridspec(nrow, ncol)
        fan_axes, ranges = [], []
        ymin, ymax = 0.0, 0.0
        for k, s in enumerate(shown):
            cell = gs[k // ncol, k % ncol].subgridspec(2, 1, height_ratios=[3.2, 1], hspace=0.06)
            ax = fig.add_subplot(cell[0])
            ax2 = fig.add_subplot(cell[1], sharex=ax)
            fan_axes.append(ax)
            lo_, hi_ = self._fan_panel(ax, ax2, s, single=(n == 1))
            ranges.append((lo_, hi_))
            ymin, ymax = min(ymin, lo_), max(ymax, hi_)
        # a shared cash scale unless the scenarios differ too much to read on one
        shared = max(r[1] for r in ranges) <= 3 * min(max(r[1], 1e-9) for r in ranges)
        if not shared and self.subtitle is not None:
            self.subtitle.set_text(self.subtitle.get_text() + "  \u00b7  each panel on its own cash scale")
        for ax, (lo_, hi_) in zip(fan_axes, ranges):
            if shared:
                lo_, hi_ = ymin, ymax
            pad = (hi_ - lo_) * 0.06
            ax.set_ylim(lo_ - pad if lo_ < 0 else 0, hi_ + pad)
        self.save(fig, "cash_fan",
                  "Cash of the surviving paths by month: the median line with its 25-75% and 5-95% "
                  "bands (in $B); the lower panel shows the share of paths still solvent.")

    def _fan_panel(self, ax, ax2, s, single):
        import numpy as np
        f = s["fan"]
        H = s["H"]
        x = list(range(1, H + 1))
        arr = {k: np.array([np.nan if v is None else v / 1e9 for v in f[k]]) for k in
               ("p05", "p25", "p50", "p75", "p95")}
        c0 = s["params"].get("cash.initial")
        if is_num(c0):
            x = [0] + x
            arr = {k: np.concatenate([[c0 / 1e9], v]) for k, v in arr.items()}
        col = s["color"]
        ax.fill_between(x, arr["p05"], arr["p95"], color=col, alpha=0.16, linewidth=0,
                        label="5th-95th percentile")
        ax.fill_between(x, arr["p25"], arr["p75"], color=col, alpha=0.34, linewidth=0,
                        label="25th-75th percentile")
        ax.plot(x, arr["p50"], color=col, linewidth=2.0, label="median")
        cmin = s["params"].get("cash.minimum")
        if is_num(cmin) and cmin != 0:
            ax.axhline(cmin / 1e9, color=INK, linewidth=0.8, linestyle=(0, (4, 3)))
            ax.text(x[-1], cmin / 1e9, f"minimum cash {fmt_money(cmin)} ", fontsize=8,
                    color=MUTED, va="bottom", ha="right")
        ax.set_ylabel("Cash ($B)")
        ax.yaxis.set_major_formatter(self.ticker.FuncFormatter(lambda v, _: f"${v:,.0f}B"))
        ax.tick_params(axis="x", labelbottom=False)
        if single:
            ax.legend(loc="upper left", ncol=3)
        else:
            ax.set_title(s["label"], fontsize=10, color=col, pad=3)
        surv = f.get("survival")
        if surv is None and s.get("by_month"):
            surv = [1 - p for p in s["by_month"]]
        if surv is not None:
            sx = list(range(1, H + 1))
            sv = [np.nan if v is None else v for v in surv]
            if x[0] == 0:
                sx, sv = [0] + sx, [1.0] + sv
            ax2.fill_between(sx, 0, sv, color=col, alpha=0.12, linewidth=0)
            ax2.plot(sx, sv, color=col, linewidth=1.5)
            last = next((v for v in reversed(sv) if not np.isnan(v)), None)
            if last is not None:
                ax2.annotate(f"{fmt_pct(last)} surviving", (sx[-1], last), xytext=(-2, 5),
                             textcoords="offset points", ha="right", va="bottom", fontsize=8.5,
                             color=col, fontweight="bold")
        ax2.set_ylim(0, 1.05)
        ax2.yaxis.set_major_locator(self.ticker.FixedLocator([0, 0.5, 1.0]))
        self.pct_axis(ax2)
        ax2.set_ylabel("Surviving", fontsize=9)
        ax2.set_xlabel("Month")
        ax2.set_xlim(x[0], H)
        self.month_axis(ax2, H)
        vals = np.concatenate([arr["p05"], arr["p95"]])
        vals = vals[~np.isnan(vals)]
        return (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)

    # ---- 4. tornado

    def tornado(self):
        with_s = [r for r in self.results if r["sensitivity"] and r["sensitivity"]["rows"]]
        if not with_s:
            return self.skip("tornado", "no top-level \"sensitivity\" object")
        for i, r in enumerate(with_s):
            self._tornado_one(r, "tornado" if i == 0 else f"tornado-{i + 1}")

    def _tornado_one(self, r, name):
        sv = r["sensitivity"]
        rows = sorted(sv["rows"], key=lambda q: -abs(q["insolvency_high"] - q["insolvency_low"]))
        total = len(rows)
        rows = rows[:MAX_TORNADO_ROWS]
        n = len(rows)
        base = sv["base_p"]
        if base is None:
            base = sum((q["insolvency_low"] + q["insolvency_high"]) / 2 for q in rows) / n
        delta = sv["delta"]
        dtxt = (f"{100 * delta:g}%" if delta is not None else "delta")
        has_rw = any(q.get("runway_median_low") is not None and q.get("runway_median_high") is not None
                     for q in rows)
        sub = (f"{sv['scenario'] or 'scenario'}: each input moved {dtxt} down and up, one at a time"
               f"  \u00b7  base {fmt_pct(base)} insolvent"
               + (f", median runway {fmt_months(sv['base_runway'], '')} mo" if has_rw and sv["base_runway"] is not None else "")
               + ("  \u00b7  whiskers: 95% CI of the swing" if any(q.get("swing_stderr") for q in rows) else "")
               + ("  \u00b7  * clamped to the key's range" if any(q.get("clamped") for q in rows) else ""))
        if total > n:
            sub += f"  \u00b7  top {n} of {total} inputs"
        foot = []
        if r["version"]:
            foot.append(f"burnrate {r['version']}")
        if sv["paths"]:
            foot.append(f"{int(sv['paths']):,} paths per point")
        if r["run"].get("seed") is not None:
            foot.append(f"seed {r['run']['seed']}")
        fig = self.figure(13 if has_rw else 10, 1.9 + 0.44 * n, "What moves the risk: sensitivity",
                          sub, "  \u00b7  ".join(foot))
        if has_rw:
            axes = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.45, 1]})
        else:
            axes = [fig.add_subplot()]
        ys = list(range(n - 1, -1, -1))
        dl = f"\u2212{dtxt}" if delta is not None else "low"
        dh = f"+{dtxt}" if delta is not None else "high"
        self._tornado_panel(axes[0], rows, ys, base, "insolvency_low", "insolvency_high",
                            "swing_stderr", pct=True, dl=dl, dh=dh)
        axes[0].set_yticks(ys)
        axes[0].set_yticklabels([q["key"] for q in rows])
        axes[0].set_xlabel("P(insolvent by the horizon)")
        axes[0].set_title("Insolvency probability", fontsize=10.5)
        axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8.5,
                       handlelength=1.2, borderaxespad=0.3)
        axes[0].tick_params(axis="y", labelcolor=INK, labelsize=9.5)
        if has_rw:
            rb = sv["base_runway"]
            if rb is None:
                vals = [v for q in rows for v in (q["runway_median_low"], q["runway_median_high"]) if v is not None]
                rb = sorted(vals)[len(vals) // 2]
            self._tornado_panel(axes[1], rows, ys, rb, "runway_median_low", "runway_median_high",
                                "runway_swing_stderr", pct=False, dl=dl, dh=dh, labels=False)
            axes[1].set_xlabel("Median runway (months)")
            axes[1].set_title("Median runway without new financing", fontsize=10.5)
            axes[1].tick_params(axis="y", left=False)
        for ax in axes:
            ax.set_ylim(-0.7, n - 0.3)
            ax.grid(axis="x", color="#eef0f2")
            ax.grid(axis="y", visible=False)
            ax.spines["left"].set_visible(False)
        self.save(fig, name,
                  "One-at-a-time sensitivity: each bar spans the result with the input lowered "
                  "(blue) and raised (orange) around the base (grey line); the longest bars, at the "
                  "top, are the inputs that matter most.")

    def _tornado_panel(self, ax, rows, ys, base, klo, khi, kse, pct, dl, dh, labels=True):
        """Bars from the base to the result at the low and at the high input; the whisker on
        the high end is the 95% CI of the swing (high - low)."""
        span_lo, span_hi = base, base
        ends = []
        for q, y in zip(rows, ys):
            vl, vh = q.get(klo), q.get(khi)
            for v, col, lab in ((vl, LOW_COLOR, f"input {dl}"), (vh, HIGH_COLOR, f"input {dh}")):
                if v is None:
                    continue
                ax.barh(y, v - base, left=base, height=0.62, color=col, linewidth=0, zorder=2,
                        label=lab if y == ys[0] else None)
                span_lo, span_hi = min(span_lo, v), max(span_hi, v)
            se = q.get(kse)
            err = Z95 * se if (vl is not None and vh is not None and se) else 0.0
            if err:
                ax.errorbar([vh], [y], xerr=[[err], [err]], fmt="none", ecolor=INK,
                            elinewidth=0.9, capsize=2.5, zorder=4)
                span_lo, span_hi = min(span_lo, vh - err), max(span_hi, vh + err)
            ends.append((q, y, vl, vh, err))
        width = max(span_hi - span_lo, 1e-3 if pct else 1.0)
        pad = 0.012 * width

        def label(v, raw):
            if not labels:
                return fmt_months(v, "")
            return fmt_pct(v) if raw is None else fmt_value(raw)

        for q, y, vl, vh, err in ends:
            items = []
            for v, raw, e in ((vl, q.get("low_value"), 0.0), (vh, q.get("high_value"), err)):
                if v is None or (not labels and abs(v - base) < 0.01 * width):
                    continue
                items.append((v, raw, e))
            if len(items) == 2 and (items[0][0] - base) * (items[1][0] - base) > 0:
                # both on one side of the base: one label at the outer end
                outer = max(items, key=lambda it: abs(it[0] - base))
                e = max(it[2] for it in items)
                txt = f"{label(items[0][0], items[0][1])} / {label(items[1][0], items[1][1])}"
                items = [(outer[0], None, e, txt)]
            else:
                items = [(v, raw, e, label(v, raw)) for v, raw, e in items]
            if labels and q.get("clamped"):
                items = [(v, raw, e, txt + "*") for v, raw, e, txt in items]
            for v, _, e, txt in items:
                right = v >= base
                x = v + (pad + e if right else -pad - e)
                ax.text(x, y, txt, ha="left" if right else "right", va="center", fontsize=8,
                        color=INK, zorder=5)
        ax.axvline(base, color="#52606d", linewidth=1.2, zorder=5)
        ax.set_xlim(span_lo - 0.2 * width, span_hi + 0.2 * width)
        if pct:
            self.pct_axis(ax, axis="x")
            span = 1.44 * width
            step = next((st for st in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
                         if span / st <= 8), 0.25)
            ax.xaxis.set_major_locator(self.ticker.MultipleLocator(step))
            ax.xaxis.set_major_formatter(self.ticker.PercentFormatter(
                xmax=1.0, decimals=0 if step >= 0.01 else 1))
        else:
            ax.xaxis.set_major_locator(self.ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.tick_params(axis="x", length=3)

    # ---- 5. sweep: heat map (two keys) or line (one key)

    def sweep_charts(self):
        sw = self.sweep
        if not sw:
            return None     # most results are not sweeps: nothing to say
        if len(sw["keys"]) == 2:
            return self.heatmap(sw)
        if len(sw["keys"]) == 1:
            return self.sweep_line(sw)
        self.skip("heatmap/sweep", f"a sweep over {len(sw['keys'])} keys (charts cover 1 or 2)")

    @staticmethod
    def _axis_values(points, j):
        seen = []
        for vals, _ in points:
            if vals[j] not in seen:
                seen.append(vals[j])
        if all(v[1] is not None for v in seen):
            seen.sort(key=lambda v: v[1])
        return seen

    def heatmap(self, sw):
        import numpy as np
        k1, k2 = sw["keys"]
        groups = [g for g in sw["groups"] if all(s.get("p") is not None for _, s in g["points"])]
        if not groups:
            return self.skip("heatmap", "no insolvency.probability")
        groups = groups[:4]
        mats = []
        for g in groups:
            xs = self._axis_values(g["points"], 0)
            ys = self._axis_values(g["points"], 1)
            m = np.full((len(ys), len(xs)), np.nan)
            ci = {}
            for vals, s in g["points"]:
                i, j = ys.index(vals[1]), xs.index(vals[0])
                m[i, j] = s["p"]
                ci[(i, j)] = s.get("ci95") or list(wilson(round(s["p"] * s["paths"]), s["paths"]))
            mats.append((g, xs, ys, m, ci))
        vmax = max(np.nanmax(m) for _, _, _, m, _ in mats)
        vmax = min(1.0, max(0.05, math.ceil(vmax * 10 + 1e-9) / 10))
        ng = len(mats)
        ncx = max(len(xs) for _, xs, _, _, _ in mats)
        ncy = max(len(ys) for _, _, ys, _, _ in mats)
        pw = min(6.5, max(3.6, 0.95 * ncx + 1.6))
        w = max(8.0, pw * ng + 1.6)
        h = max(4.6, min(9.5, 0.62 * ncy + 2.6))
        fig = self.figure(w, h, "Insolvency probability across the sweep",
                          f"P(insolvent by month {max(s['H'] for s in self.scenarios)}) for each "
                          f"combination of {k1} and {k2}"
                          + ("  \u00b7  small text: 95% CI" if ncx * ncy <= 80 else ""),
                          self.footer_text())
        axes = fig.subplots(1, ng, squeeze=False)[0]
        cmap = self.mpl.colormaps["YlOrRd"]
        im = None
        for ax, (g, xs, ys, m, ci) in zip(axes, mats):
            im = ax.imshow(m, cmap=cmap, vmin=0, vmax=vmax, origin="lower", aspect="auto",
                           interpolation="nearest")
            big = len(xs) * len(ys) <= 80
            for i in range(len(ys)):
                for j in range(len(xs)):
                    if np.isnan(m[i, j]):
                        continue
                    r, gch, b, _ = cmap(m[i, j] / vmax)
                    dark = 0.299 * r + 0.587 * gch + 0.114 * b < 0.55
                    col = "white" if dark else INK
                    ax.text(j, i + (0.08 if big else 0), fmt_pct(m[i, j]), ha="center", va="center",
                            fontsize=11 if big else 7.5, fontweight="bold", color=col)
                    if big:
                        lo, hi = ci[(i, j)]
                        ax.text(j, i - 0.2, f"{100 * lo:.1f}\u2013{100 * hi:.1f}%", ha="center",
                                va="center", fontsize=7.5, color=col, alpha=0.9)
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([fmt_money_short(v[1]) if v[1] is not None and abs(v[1]) >= 1e6 else v[0] for v in xs])
            ax.set_yticks(range(len(ys)))
            ax.set_yticklabels([fmt_money_short(v[1]) if v[1] is not None and abs(v[1]) >= 1e6 else v[0] for v in ys])
            ax.set_xlabel(k1 + (" (USD)" if any(v[1] is not None and abs(v[1]) >= 1e6 for v in xs) else ""))
            ax.set_ylabel(k2 + (" (USD)" if any(v[1] is not None and abs(v[1]) >= 1e6 for v in ys) else ""))
            ax.grid(False)
            ax.set_xticks([j - 0.5 for j in range(1, len(xs))], minor=True)
            ax.set_yticks([i - 0.5 for i in range(1, len(ys))], minor=True)
            ax.grid(which="minor", color="white", linewidth=2.5)
            ax.tick_params(which="minor", length=0)
            for sp in ax.spines.values():
                sp.set_visible(False)
            ax.tick_params(length=0)
            if ng > 1:
                ax.set_title(g["base"], fontsize=10)
        cb = fig.colorbar(im, ax=list(axes), shrink=0.9, pad=0.02, aspect=25)
        cb.ax.yaxis.set_major_formatter(self.ticker.PercentFormatter(xmax=1.0))
        cb.set_label("P(insolvent by the horizon)", fontsize=9)
        cb.outline.set_visible(False)
        self.save(fig, "heatmap",
                  f"Insolvency probability by the horizon for every combination of {k1} (across) "
                  f"and {k2} (up); darker cells are riskier, small text gives the 95% interval.")

    def sweep_line(self, sw):
        key = sw["keys"][0]
        groups = [g for g in sw["groups"] if all(s.get("p") is not None for _, s in g["points"])]
        if not groups:
            return self.skip("sweep", "no insolvency.probability")
        numeric = all(vals[0][1] is not None for g in groups for vals, _ in g["points"])
        money = numeric and any(abs(vals[0][1]) >= 1e6 for g in groups for vals, _ in g["points"])
        fig = self.figure(10, 5.6, f"Insolvency probability vs {key}",
                          "P(insolvent by the horizon) at each swept value  \u00b7  "
                          "error bars: 95% Wilson interval", self.footer_text())
        ax = fig.add_subplot()
        cats = self._axis_values([p for g in groups for p in g["points"]], 0)
        top = 0
        allx = []
        for gi, g in enumerate(groups):
            pts = sorted(g["points"], key=lambda p: p[0][0][1] if numeric else cats.index(p[0][0]))
            xs, ys, el, eh = [], [], [], []
            for vals, s in pts:
                x = vals[0][1] / (1e9 if money else 1) if numeric else cats.index(vals[0])
                lo, hi = s.get("ci95") or wilson(round(s["p"] * s["paths"]), s["paths"])
                xs.append(x)
                ys.append(s["p"])
                el.append(s["p"] - lo)
                eh.append(hi - s["p"])
                top = max(top, hi)
            col = PALETTE[gi % len(PALETTE)]
            ax.errorbar(xs, ys, yerr=[el, eh], color=col, marker="o", markersize=6, linewidth=2,
                        elinewidth=1.2, capsize=4, label=g["base"])
            if len(xs) <= 14:
                for i, (x, y) in enumerate(zip(xs, ys)):
                    # label on the side of the point away from the line
                    prev_ = ys[i - 1] if i > 0 else None
                    next_ = ys[i + 1] if i + 1 < len(ys) else None
                    rising = ((next_ if next_ is not None else y) - (prev_ if prev_ is not None else y)) >= 0
                    ax.annotate(fmt_pct(y), (x, y), xytext=(-7 if rising else 7, 7),
                                textcoords="offset points", fontsize=8.5, color=col,
                                ha="right" if rising else "left", va="bottom", fontweight="bold")
            allx.extend(xs)
        ax.set_ylim(0, min(1.0, max(0.02, top * 1.12)))
        self.pct_axis(ax)
        ax.set_ylabel("P(insolvent by the horizon)")
        if numeric:
            ax.set_xlabel(f"{key} ($B)" if money else key)
            ux = sorted(set(allx))
            if len(ux) <= 12:
                ax.set_xticks(ux)
            if money:
                ax.xaxis.set_major_formatter(self.ticker.FuncFormatter(lambda v, _: f"${v:g}B"))
            span = (max(ux) - min(ux)) or 1.0
            ax.set_xlim(min(ux) - 0.08 * span, max(ux) + 0.08 * span)
        else:
            ax.set_xticks(range(len(cats)))
            ax.set_xticklabels([c[0] for c in cats])
            ax.set_xlabel(key)
        ax.grid(axis="x", color="#f0f2f4")
        if len(groups) > 1:
            ax.legend(loc="upper left")
        self.save(fig, "sweep",
                  f"Insolvency probability by the horizon at each value of {key}, with 95% "
                  f"confidence intervals; the slope shows how much the risk depends on it.")


# --------------------------------------------------------------------------- HTML

CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:1240px;margin:0 auto;padding:28px 32px 48px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:18px;margin:34px 0 10px;border-bottom:1px solid #e4e7eb;padding-bottom:6px}
.sub{color:#616e7c;margin:0 0 18px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0 6px}
th,td{padding:6px 9px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}
th{background:#f0f4f8;font-weight:600;color:#323f4b;white-space:normal;vertical-align:bottom}
td.l,th.l{text-align:left}
td.name{white-space:normal;max-width:300px;min-width:140px}
.runinfo td{white-space:normal}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.runinfo td{text-align:left}
.runinfo th{text-align:left;width:130px}
.wrap{overflow-x:auto}
figure{margin:18px 0 30px}
figure img{width:100%;height:auto;border:1px solid #e4e7eb}
figcaption{color:#52606d;font-size:13px;margin-top:6px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
"""


def breakable(name):
    """Escaped, with break opportunities after '[' and ',' (long sweep names)."""
    return "".join(html.escape(ch) + ("<wbr>" if ch in "[," else "") for ch in name)


def html_report(plotter, out_dir):
    E = html.escape
    res = plotter.results
    title = "burnrate risk report"
    names = [s["name"] for s in plotter.scenarios]
    lead = (names[0] if len(names) == 1 else
            (plotter.legend_title + " sweep" if plotter.legend_title else f"{len(names)} scenarios"))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{E(title)}: {E(lead)}</title>", f"<style>{CSS}</style></head><body><main>",
           f"<h1>Cash-runway risk: {E(lead)}</h1>",
           '<p class="sub">Monte Carlo results from burnrate. Probabilities are shares of simulated '
           "paths; money is USD; months count from the start of the scenario.</p>"]
    out.append("<h2>Run</h2>")
    fields = []

    def field(label, fn):
        vals = [fn(r) for r in res]
        if any(v is not None for v in vals):
            fields.append((label, ["n/a" if v is None else v for v in vals]))

    def runv(k, f=lambda v: E(str(v))):
        return lambda r: None if r["run"].get(k) is None else f(r["run"][k])

    field("Result file", lambda r: f"<code>{E(r['path'])}</code>")
    field("Version", lambda r: None if r["version"] is None else E(str(r["version"])))
    field("Paths", runv("paths", lambda v: f"{v:,} per scenario" if is_num(v) else E(str(v))))
    field("Seed", runv("seed"))
    field("Backend", runv("backend"))
    field("Device", runv("device"))
    field("Threads / ranks", lambda r: None if r["run"].get("threads") is None and r["run"].get("ranks") is None
          else f"{E(str(r['run'].get('threads', 'n/a')))} / {E(str(r['run'].get('ranks', 'n/a')))}")
    field("Elapsed", runv("elapsed_s", lambda v: f"{v:.3f} s" if is_num(v) else E(str(v))))
    field("Throughput", runv("path_months_per_s", lambda v: f"{v:.3g} path-months/s" if is_num(v) else E(str(v))))
    field("Scenarios", lambda r: E("; ".join(s["name"] for s in r["scenarios"][:6])
                                   + (f", \u2026 ({len(r['scenarios'])} in all)" if len(r["scenarios"]) > 6 else "")))
    out.append('<div class="wrap"><table class="runinfo">' + "".join(
        f"<tr><th>{a}</th>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>" for a, vals in fields)
        + "</table></div>")
    out.append("<h2>Summary</h2><div class=\"wrap\"><table><tr>"
               '<th class="l">Scenario</th><th>Insolvent by horizon<br>(95% CI)</th>'
               "<th>at 12 mo</th><th>at 24 mo</th><th>at 36 mo</th>"
               "<th>Runway p05 / p50 / p95<br>(months)</th><th>Terminal cash<br>p50</th>"
               "<th>Equity raised<br>(mean)</th><th>Backstop<br>used</th>"
               '<th class="l">Verification<br>hash</th></tr>')
    for s in plotter.scenarios:
        ci = s.get("ci95")
        p = s.get("p")
        pc = "n/a" if p is None else (fmt_pct(p, 2) + (f"<br><small>{fmt_pct(ci[0], 2)} \u2013 {fmt_pct(ci[1], 2)}</small>" if ci else ""))
        rw = s.get("runway") or {}
        H = s["H"]
        rws = " / ".join(fmt_months(rw.get(k), H) for k in ("p05", "p50", "p95")) if rw else "n/a"
        tc = (s.get("terminal") or {}).get("p50")
        fu = s.get("funding") or {}
        out.append(
            "<tr>"
            f'<td class="l name"><span class="swatch" style="background:{s["color"]}"></span>{breakable(s["display"])}</td>'
            f"<td>{pc}</td>"
            + "".join(f"<td>{fmt_pct(s.get(k), 2) if s.get(k) is not None else 'n/a'}</td>"
                      for k in ("at_12", "at_24", "at_36"))
            + f"<td>{rws}</td><td>{fmt_money(tc)}</td>"
            f"<td>{fmt_money(fu.get('equity_raised_mean'))}</td>"
            f"<td>{fmt_pct(fu.get('backstop_probability'), 1) if fu.get('backstop_probability') is not None else 'n/a'}</td>"
            f'<td class="l"><code>{E(s.get("hash") or "n/a")}</code></td></tr>')
    out.append("</table></div>")
    out.append("<h2>Charts</h2>")
    fmt = "svg" if "svg" in plotter.formats else plotter.formats[0]
    for name, cap in plotter.charts:
        out.append(f'<figure><img src="{E(name)}.{fmt}" alt="{E(name)} chart">'
                   f"<figcaption>{E(cap)}</figcaption></figure>")
    for r in res:
        sv = r["sensitivity"]
        if not sv or not sv["rows"]:
            continue
        out.append(f"<h2>Sensitivity: {E(sv['scenario'] or '')}</h2><div class=\"wrap\"><table><tr>"
                   '<th class="l">Input</th><th>Low value</th><th>High value</th>'
                   "<th>Insolvency low</th><th>Insolvency high</th><th>Swing (\u00b1 s.e.)</th>"
                   "<th>Median runway low / high</th></tr>")
        for q in sorted(sv["rows"], key=lambda q: -abs(q["insolvency_high"] - q["insolvency_low"])):
            sw = q["insolvency_high"] - q["insolvency_low"]
            se = f" \u00b1 {100 * q['swing_stderr']:.2f}" if q.get("swing_stderr") is not None else ""
            rl, rh = q.get("runway_median_low"), q.get("runway_median_high")
            out.append(f'<tr><td class="l"><code>{E(q["key"])}</code></td>'
                       f"<td>{E(fmt_value(q.get('low_value')))}</td><td>{E(fmt_value(q.get('high_value')))}</td>"
                       f"<td>{fmt_pct(q['insolvency_low'], 2)}</td><td>{fmt_pct(q['insolvency_high'], 2)}</td>"
                       f"<td>{100 * sw:+.2f}{se} pp</td>"
                       f"<td>{'n/a' if rl is None else fmt_months(rl, '')} / {'n/a' if rh is None else fmt_months(rh, '')}</td></tr>")
        out.append("</table></div>")
    out.append("</main></body></html>\n")
    path = os.path.join(out_dir, "index.html")
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
        os.replace(tmp, path)
    except OSError as e:
        raise WriteError(f"{path}: cannot write: {e.strerror or e}")
    plotter.written.append(path)


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="burnrate_plot.py",
        description="Charts (PNG/SVG) and an optional HTML report from burnrate JSON results.")
    ap.add_argument("results", nargs="+", metavar="RESULT.json", help="burnrate run --json output(s)")
    ap.add_argument("--out", required=True, metavar="DIR", help="directory for the charts (created)")
    ap.add_argument("--html", action="store_true", help="also write DIR/index.html")
    ap.add_argument("--format", default="png,svg", metavar="png,svg",
                    help="comma-separated image formats (png, svg; default both)")
    ap.add_argument("--quiet", action="store_true",
                    help="print neither the files written nor the charts skipped (errors still go to stderr)")
    a = ap.parse_args(argv)
    fmts = [f.strip().lower() for f in a.format.split(",") if f.strip()]
    bad = [f for f in fmts if f not in ("png", "svg")]
    if not fmts or bad:
        ap.error(f"--format: expected png and/or svg, got '{a.format}'")
    a.formats = list(dict.fromkeys(fmts))
    return a


def main(argv):
    a = parse_args(argv)
    try:
        results = [load_result(p) for p in a.results]
    except InputError as e:
        print(f"burnrate_plot: {e}", file=sys.stderr)
        return EXIT_INPUT
    try:
        import matplotlib  # noqa: F401  (only to say clearly when it is missing)
    except ImportError:
        print(f"burnrate_plot: {sys.executable} has no matplotlib; run it with /usr/bin/python3 "
              "(Debian's python3-matplotlib) or set BURNRATE_PYTHON", file=sys.stderr)
        return EXIT_FAIL
    try:
        os.makedirs(a.out, exist_ok=True)
    except OSError as e:
        print(f"burnrate_plot: {a.out}: cannot create the directory: {e.strerror or e}", file=sys.stderr)
        return EXIT_FAIL
    pl = Plotter(a.out, a.formats, results)
    try:
        for chart in (pl.insolvency, pl.runway, pl.cash_fan, pl.tornado, pl.sweep_charts):
            chart()
        if a.html:
            html_report(pl, a.out)
    except WriteError as e:
        print(f"burnrate_plot: {e}", file=sys.stderr)
        return EXIT_FAIL
    if not a.quiet:
        for n in pl.notes:
            print(f"burnrate_plot: note: {n}", file=sys.stderr)
        for p in pl.written:
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
