#!/usr/bin/env python3
"""Side by side: burnrate's CPU engine and the NumPy version of the same model
(bench/numpy_model.py), on the same scenario, on this machine, in this run.

The two use different random streams, so they cannot agree bit for bit; they must agree
statistically. The script checks that their insolvency probabilities (by the horizon and
at 12/24/36 months) differ by less than 4 combined standard errors before it prints the
speed ratio, and exits 1 when they do not.

usage: bench/compare_numpy.py [--exe build/burnrate] [--scenario FILE]
                              [--paths N] [--numpy-paths N] [--threads T]
"""
import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "burnrate"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "xai-2026-base.ini"))
    ap.add_argument("--paths", default="4M", help="paths for burnrate (default 4M)")
    ap.add_argument("--numpy-paths", type=int, default=200000,
                    help="paths for NumPy (default 200000; it is the slow one)")
    ap.add_argument("--threads", type=int, default=0, help="burnrate threads (default all)")
    a = ap.parse_args()

    cmd = [a.exe, "run", a.scenario, "--paths", a.paths, "--json", "-", "--quiet",
           "--backend", "cpu"]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    c = run_json(cmd)
    py = run_json([sys.executable, os.path.join(HERE, "numpy_model.py"), a.scenario,
                   "--paths", str(a.numpy_paths), "--json"])

    cs = c["scenarios"][0]["insolvency"]
    ps = py["insolvency"]
    print(f"scenario {c['scenarios'][0]['name']}")
    print(f"{'':22}{'burnrate (C, ' + c['run']['backend'] + ')':>26}{'NumPy':>26}")
    print(f"{'paths':22}{c['run']['paths']:>26,.0f}{py['paths']:>26,}")
    worst = 0.0
    rows = [("by horizon", cs["probability"], cs["stderr"], ps["probability"], ps["stderr"])]
    n_c, n_p = c["run"]["paths"], py["paths"]
    for k in ("at_12", "at_24", "at_36"):
        if cs.get(k) is None or ps.get(k) is None:
            continue
        pc, pp = cs[k], ps[k]
        rows.append((k, pc, math.sqrt(pc * (1 - pc) / n_c), pp, math.sqrt(pp * (1 - pp) / n_p)))
    for name, pc, sc, pp, sp in rows:
        se = math.hypot(sc, sp)
        z = abs(pc - pp) / se if se > 0 else (0.0 if pc == pp else math.inf)
        worst = max(worst, z)
        print(f"{'insolvency ' + name:22}{pc:>19.5f} ±{sc:.5f}{pp:>19.5f} ±{sp:.5f}   |z| = {z:.2f}")
    rate_c = c["run"]["path_months_per_s"]
    rate_p = py["path_months_per_s"]
    print(f"{'path-months/s':22}{rate_c:>26.4g}{rate_p:>26.4g}")
    if worst >= 4.0:
        print(f"DISAGREE: largest |z| = {worst:.2f} >= 4; no speed ratio printed", file=sys.stderr)
        return 1
    print(f"agree within 4 standard errors (largest |z| = {worst:.2f})")
    print(f"speed ratio burnrate / NumPy: {rate_c / rate_p:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
