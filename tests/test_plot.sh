#!/usr/bin/env bash
# Charts from real burnrate results (scripts/burnrate_plot.py), end to end:
#   a run (with --fan when the engine has it), a 2x2 and a 1-key sweep, and a sensitivity
#   analysis (`burnrate sensitivity` when the engine has it) are plotted; every expected
#   PNG is a real PNG (signature, > 10 KB, sensible size in pixels), every SVG parses as XML
#   with an <svg> root and holds drawn paths; a rerun gives byte-identical files; invalid
#   JSON exits 2 and an unwritable --out exits 1; the HTML report, rendered by headless
#   Chromium, shows the charts (non-white, coloured pixels).
# Where the engine lacks --fan or `sensitivity`, the fixture in tests/data/plot stands in
# (and the test says so). Skips (77) when the Python lacks matplotlib or Chromium is missing.
# usage: test_plot.sh BURNRATE_BIN
set -u
BR=${1:?usage: test_plot.sh BURNRATE_BIN}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${BURNRATE_PYTHON:-/usr/bin/python3}
PLOT=$ROOT/scripts/burnrate_plot.py
FIX=$ROOT/tests/data/plot
SCN=$ROOT/scenarios/xai-2026-base.ini

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$BR" ] || fail "no burnrate binary at $BR"
"$PY" -c 'import matplotlib' 2>/dev/null || skip "$PY has no matplotlib (install python3-matplotlib or set BURNRATE_PYTHON)"
CHROME=
for c in /usr/bin/chromium chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
[ -n "$CHROME" ] || skip "Chromium is not installed (needed to check the HTML report)"

W=$(mktemp -d "${TMPDIR:-/tmp}/burnrate-plot.XXXXXX") || fail "mktemp"
trap 'rm -rf "$W"' EXIT
T0=$(date +%s)

br() { "$BR" "$@" --quiet || fail "burnrate $* exited $?"; }
plot() {  # plot OUTDIR args...: run the plotter, keep its file list
  local out=$1; shift
  "$PY" "$PLOT" "$@" --out "$out" >"$out.list" 2>"$out.err" \
    || { cat "$out.err"; fail "burnrate_plot.py $* exited $?"; }
}

# --- results to plot
FAN=()
if "$BR" run --help 2>&1 | grep -q -- '--fan'; then
  FAN=(--fan)
  echo "run: real cash fan (--fan)"
else
  echo "run: burnrate run has no --fan yet; cash_fan comes from tests/data/plot/fan_fixture.json"
fi
br run "$SCN" --paths 100K "${FAN[@]}" --json "$W/run.json"
if [ ${#FAN[@]} -gt 0 ]; then
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "cash_fan" in d["scenarios"][0]' \
    "$W/run.json" || fail "run --fan wrote no scenarios[0].cash_fan"
  RUNS=("$W/run.json")
else
  RUNS=("$W/run.json" "$FIX/fan_fixture.json")
fi
SENS=$FIX/sensitivity_fixture.json
if "$BR" --help 2>&1 | grep -q 'burnrate sensitivity'; then
  "$BR" sensitivity "$SCN" --vary costs.capex,equity.success_normal,revenue.growth,cash.initial \
    --paths 128K --json "$W/sens.json" --quiet 2>"$W/sens.err"; rc=$?
  if [ $rc -ne 0 ] && grep -q 'not built' "$W/sens.err"; then
    echo "sensitivity: burnrate sensitivity is not built yet; using tests/data/plot/sensitivity_fixture.json"
  else
    [ $rc -eq 0 ] || { cat "$W/sens.err"; fail "burnrate sensitivity exited $rc"; }
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sensitivity"]["rows"]' \
      "$W/sens.json" || fail "burnrate sensitivity wrote no sensitivity.rows"
    echo "sensitivity: real (burnrate sensitivity)"
    SENS=$W/sens.json
  fi
else
  echo "sensitivity: burnrate has no sensitivity command yet; using tests/data/plot/sensitivity_fixture.json"
fi
br run "$SCN" --paths 100K --sweep costs.capex=2B,3B --sweep equity.success_normal=0.3,0.5 \
  --json "$W/sweep2.json"
br run "$SCN" --paths 20K --sweep costs.capex=2B,3B,4B --json "$W/sweep1.json"

# --- plots
plot "$W/report" "${RUNS[@]}" "$SENS" --html
plot "$W/grid" "$W/sweep2.json"
plot "$W/grid2" "$W/sweep2.json"
plot "$W/line" "$W/sweep1.json" --format svg,png

# --- every expected file: PNG and SVG well formed; the file lists printed; reruns identical
"$PY" - "$W" <<'EOF' || fail "chart files"
import os, struct, sys, xml.etree.ElementTree as ET
w = sys.argv[1]
want = {"report": ["insolvency", "runway", "cash_fan", "tornado"],
        "grid": ["insolvency", "runway", "heatmap"],
        "line": ["insolvency", "runway", "sweep"]}
bad = []
for d, charts in want.items():
    listed = set(open(os.path.join(w, d + ".list")).read().split())
    for c in charts:
        for ext in ("png", "svg"):
            p = os.path.join(w, d, f"{c}.{ext}")
            if p not in listed:
                bad.append(f"{p}: not in the list of files written")
            if not os.path.isfile(p):
                bad.append(f"{p}: missing")
                continue
            data = open(p, "rb").read()
            if ext == "png":
                if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
                    bad.append(f"{p}: not a PNG")
                    continue
                wd, ht = struct.unpack(">II", data[16:24])
                ok = len(data) > 10240 and 800 <= wd <= 4000 and 400 <= ht <= 4000
                print(f"  {d}/{c}.png  {wd}x{ht}  {len(data) // 1024} KB{'' if ok else '  <- BAD'}")
                if not ok:
                    bad.append(f"{p}: {len(data)} bytes, {wd}x{ht} px")
            else:
                try:
                    root = ET.fromstring(data)
                except ET.ParseError as e:
                    bad.append(f"{p}: not XML: {e}")
                    continue
                npath = sum(1 for e in root.iter() if e.tag.endswith("}path") or e.tag == "path")
                ok = root.tag.endswith("svg") and npath >= 10
                print(f"  {d}/{c}.svg  <{root.tag.split('}')[-1]}> {npath} paths  {len(data) // 1024} KB"
                      f"{'' if ok else '  <- BAD'}")
                if not ok:
                    bad.append(f"{p}: root <{root.tag}>, {npath} paths")
    if d == "report" and not os.path.isfile(os.path.join(w, d, "index.html")):
        bad.append("report/index.html: missing")
for c in want["grid"]:
    for ext in ("png", "svg"):
        a, b = (open(os.path.join(w, g, f"{c}.{ext}"), "rb").read() for g in ("grid", "grid2"))
        if a != b:
            bad.append(f"{c}.{ext}: a rerun on the same input gives a different file")
print("  rerun of the sweep plots: byte-identical" if not any("rerun" in b for b in bad) else "")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF

# --- bad input exits 2 with the file named; an unwritable --out exits 1
printf '{"version": "0.1.0", "scenarios": [' >"$W/bad.json"
"$PY" "$PLOT" "$W/bad.json" --out "$W/bad" >/dev/null 2>"$W/bad.err"; rc=$?
[ $rc -eq 2 ] || fail "invalid JSON: exit $rc, want 2"
grep -q "bad.json" "$W/bad.err" || fail "invalid JSON: message does not name the file: $(cat "$W/bad.err")"
echo '{"scenarios": []}' >"$W/empty.json"
"$PY" "$PLOT" "$W/empty.json" --out "$W/bad" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "JSON without scenarios: exit $rc, want 2"
echo "  invalid JSON -> exit 2: $(cat "$W/bad.err")"
: >"$W/notadir"
"$PY" "$PLOT" "$W/run.json" --out "$W/notadir/x" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "unwritable --out: exit $rc, want 1"
echo "  unwritable --out -> exit 1"

# --- the HTML report in a real browser
for c in insolvency runway cash_fan tornado; do
  grep -q "src=\"$c.svg\"" "$W/report/index.html" || fail "index.html does not show $c.svg"
done
timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$W/chrome-profile" --screenshot="$W/shot.png" --window-size=1400,3000 \
  "file://$W/report/index.html" >"$W/chrome.log" 2>&1
[ -s "$W/shot.png" ] || { tail -5 "$W/chrome.log"; fail "Chromium wrote no screenshot"; }
"$PY" - "$W/shot.png" <<'EOF' || fail "the HTML report does not show its charts"
import sys
import matplotlib.image as mpimg
import numpy as np
im = mpimg.imread(sys.argv[1])[..., :3]
h, w = im.shape[:2]
ink = im.min(axis=2) < 0.92                                  # not white / page background
coloured = (im.max(axis=2) - im.min(axis=2)) > 0.25          # saturated: chart colours
blue = (np.abs(im - np.array([0x1f, 0x5a, 0xa6]) / 255.0).max(axis=2) < 0.08).sum()
rows = ink.any(axis=1).mean()
print(f"  screenshot {w}x{h}: {100 * ink.mean():.1f}% non-white pixels, {100 * coloured.mean():.2f}% "
      f"coloured, {blue} px of the first series' blue, content on {100 * rows:.0f}% of rows")
# the page's text and tables alone give ~3% non-white, ~0.05% coloured and ~200 blue px
ok = ink.mean() > 0.05 and coloured.mean() > 0.004 and blue > 3000 and rows > 0.5
sys.exit(0 if ok else 1)
EOF
echo "PASS ($(( $(date +%s) - T0 )) s)"
