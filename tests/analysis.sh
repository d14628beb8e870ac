#!/usr/bin/env bash
# analysis.sh: precision targets, the cash fan chart and stress tests through the CLI.
# Usage: analysis.sh BURNRATE SCENARIO_DIR MODE, MODE one of
#   targets  a met target stops early and equals a plain run of the paths it used; an
#            unmet one stops at --max-paths and says so; the same over ranks (MPI builds)
#            and across a stop and --resume; usage errors
#   fan      cash_fan in JSON and CSV, survival against the insolvency curve; resume
#            with --fan equals an uninterrupted run; a mismatched resume is refused
#   stress   presets and [stress.NAME] sections: shifted values, side-by-side table,
#            bad names and shifts refused with file, line, key and what is allowed
# Results are compared as JSON with the timing and machine fields removed.
set -euo pipefail
B=$1 S=$2 MODE=$3
source "$(dirname "$0")/lib.sh"
scratch_dir
BASE=$S/xai-2026-base.ini

# py FILE... <<'PY': a Python check over JSON files (argv[1:]); a failed assert fails.
py() { python3 - "$@" || fail "check on $*"; }
# expect CODE TEXT cmd...: exits CODE and says TEXT on stderr
expect() {
    local code=$1 text=$2; shift 2
    set +e; "$@" > out.txt 2> err.txt; local rc=$?; set -e
    [ "$rc" = "$code" ] || fail "$* exited $rc, not $code: $(cat err.txt)"
    grep -qF -- "$text" err.txt || fail "$*: stderr lacks '$text': $(cat err.txt)"
}

case $MODE in
targets)
    # Met: the base scenario's probability (~0.29) has stderr 0.00044 at 2^20 paths, so
    # 0.0004 needs a second round; the result is that of a plain run of those paths.
    "$B" run "$BASE" --target-se 0.0004 --json t.json > t.txt
    grep -q "precision target *met after" t.txt || fail "text: $(cat t.txt)"
    py t.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); s = d["scenarios"][0]; p = s["precision"]
assert d["run"]["target"] == {"stderr": 0.0004, "relative_error": None,
                              "max_paths": 1000000000, "met": True}, d["run"]["target"]
assert p["met"] and p["stderr"] <= 0.0004 and p["paths_used"] == s["paths"]
assert 1048576 < p["paths_used"] < 8 * 1048576 and p["paths_used"] % 65536 == 0, p
print("met after", p["paths_used"], "paths, stderr", p["stderr"])
open("used", "w").write(str(p["paths_used"]))
PY
    "$B" run "$BASE" --paths "$(cat used)" --quiet --json plain.json
    py t.json plain.json <<'PY'
import json, sys
a, b = (json.load(open(f))["scenarios"][0] for f in sys.argv[1:])
assert a["verification_hash"] == b["verification_hash"], (a["verification_hash"], b["verification_hash"])
a.pop("precision")
assert a == b
PY
    # Unmet: the cap is reached, exactly, and the run says so (exit 0: a result).
    "$B" run "$BASE" --target-rel 0.0001 --max-paths 1.2M --json u.json > u.txt
    grep -q "NOT met after 1200000 paths" u.txt || fail "unmet text: $(cat u.txt)"
    py u.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); p = d["scenarios"][0]["precision"]
assert not d["run"]["target"]["met"] and not p["met"] and p["paths_used"] == 1200000, p
assert p["relative_error"] > 0.0001
PY
    "$B" run "$BASE" --paths 1.2M --quiet --json u-plain.json
    py u.json u-plain.json <<'PY'
import json, sys
a, b = (json.load(open(f))["scenarios"][0] for f in sys.argv[1:])
assert a["verification_hash"] == b["verification_hash"]
PY
    # Several scenarios: each stops on its own.
    "$B" run "$BASE" "$S/xai-capex-surge.ini" --target-se 0.0005 --max-paths 3M --quiet \
        --json two.json
    py two.json <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    assert s["precision"]["met"] and s["precision"]["stderr"] <= 0.0005, s["precision"]
    print(s["name"], s["precision"]["paths_used"])
PY
    # One thread takes chunks of 8 units: a stop after 9 tasks comes at the end of the
    # first round (16 units); --resume opens the second round and ends as uninterrupted.
    BURNRATE_TEST_STOP_AFTER_TASKS=9 "$B" run "$BASE" --target-se 0.0004 --threads 1 \
        --checkpoint ck.bin --quiet --json r.json 2> stop.txt
    grep -q "stopped by a signal" stop.txt || fail "no stop: $(cat stop.txt)"
    [ ! -e r.json ] || fail "a stopped run wrote its result"
    "$B" run "$BASE" --target-se 0.0004 --resume ck.bin --quiet --json r.json
    same t.json r.json
    # A stop during the last chunk stops nothing: the run ends and writes its result.
    rm -f ck.bin ck.bin.prev r.json
    BURNRATE_TEST_STOP_AFTER_TASKS=17 "$B" run "$BASE" --target-se 0.0004 --threads 1 \
        --checkpoint ck.bin --quiet --json r.json 2> stop.txt
    ! grep -q "stopped by a signal" stop.txt || fail "a late stop stopped: $(cat stop.txt)"
    same t.json r.json
    expect 2 "precision target" "$B" run "$BASE" --target-se 0.0002 --resume ck.bin --quiet
    if [ "${BR_TEST_MPI:-0}" = 1 ]; then
        mpirun --oversubscribe -np 3 "$B" run "$BASE" --target-se 0.0004 --threads 1 \
            --quiet --json m.json
        same t.json m.json
        echo "3 ranks: same result"
    fi
    expect 2 "--paths with a precision target" "$B" run "$BASE" --target-se 0.001 --paths 1M
    expect 2 "--max-paths: the cap of a precision target" "$B" run "$BASE" --max-paths 1M
    expect 2 "--target-se '0.7': allowed" "$B" run "$BASE" --target-se 0.7
    expect 2 "--target-rel '-1': allowed" "$B" run "$BASE" --target-rel -1
    ;;
fan)
    mkdir csv
    "$B" run "$BASE" --paths 300K --fan --quiet --json f.json --csv csv
    "$B" run "$BASE" --paths 300K --quiet --json nf.json
    py f.json nf.json <<'PY'
import json, sys
a, b = (json.load(open(f))["scenarios"][0] for f in sys.argv[1:])
H = a["horizon_months"]; f = a["cash_fan"]
for k in ("p05", "p25", "p50", "p75", "p95", "survival"):
    assert len(f[k]) == H, k
for m in range(H):
    q = [f[k][m] for k in ("p05", "p25", "p50", "p75", "p95")]
    if f["survival"][m] > 0:
        assert q == sorted(q), (m, q)
# survival is 1 - the cumulative insolvency curve
for m in range(H):
    assert abs(f["survival"][m] - (1 - a["insolvency"]["by_month"][m])) < 1e-12
# the last month's median is terminal cash p50 within the coarser bin (2.2%)
assert abs(f["p50"][-1] / a["terminal_cash"]["p50"] - 1) < 0.022
# the fan changes nothing else
assert a["verification_hash"] == b["verification_hash"]
print("fan ok: month", H, "p50", f["p50"][-1], "survival", f["survival"][-1])
PY
    head -1 csv/xai-2026-base_months.csv | grep -q "survival,cash_p05,cash_p25,cash_p50,cash_p75,cash_p95" ||
        fail "CSV fan columns"
    # 1M paths on one thread: two chunks of 8 units, a stop after the first.
    "$B" run "$BASE" --paths 1M --fan --quiet --json f1.json
    BURNRATE_TEST_STOP_AFTER_TASKS=2 "$B" run "$BASE" --paths 1M --fan --threads 1 \
        --checkpoint ck.bin --quiet 2> stop.txt
    grep -q "stopped by a signal" stop.txt || fail "no stop: $(cat stop.txt)"
    expect 2 "the checkpoint was written with --fan" "$B" run "$BASE" --paths 1M --resume ck.bin
    "$B" run "$BASE" --paths 1M --fan --resume ck.bin --quiet --json r.json
    same f1.json r.json
    expect 2 "--fan and --report: allowed with run and sensitivity" "$B" validate "$BASE" --fan
    ;;
stress)
    "$B" run "$BASE" --paths 200K --stress capex-overrun --stress funding-freeze \
        --json s.json > s.txt
    grep -q "^stress test: xai-2026-base" s.txt || fail "no side-by-side table: $(cat s.txt)"
    grep -q "insolvency by horizon" s.txt || fail "table rows"
    py s.json <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))["scenarios"]
assert [s["name"] for s in sc] == ["xai-2026-base", "xai-2026-base+capex-overrun",
                                   "xai-2026-base+funding-freeze"], [s["name"] for s in sc]
b, c, f = sc
assert c["stress"] == {"name": "capex-overrun", "base": "xai-2026-base"}
assert abs(c["parameters"]["costs.capex"] / b["parameters"]["costs.capex"] - 1.3) < 1e-12
assert f["parameters"]["equity.success_normal"] == b["parameters"]["equity.success_normal"] / 2
# same paths: more capex, or rarer funding, can only make insolvency likelier here
assert c["insolvency"]["probability"] > b["insolvency"]["probability"]
assert f["insolvency"]["probability"] > b["insolvency"]["probability"]
print("base %.4f capex-overrun %.4f funding-freeze %.4f" % tuple(
    s["insolvency"]["probability"] for s in sc))
PY
    "$B" run "$BASE" --stress list > list.txt
    for p in capex-overrun funding-freeze revenue-miss rate-shock no-backstop market-stress severe; do
        grep -q "^  $p " list.txt || fail "list lacks $p"
    done
    expect 2 "--stress 'nope': not a preset" "$B" run "$BASE" --paths 100K --stress nope
    # A scenario file's own stress sections.
    { cat "$BASE"; printf '\n[stress.board-case]\ncosts.opex = +20%%\ndebt.rate = +0.02\nmarket.initial = =stressed\n'; } > own.ini
    "$B" run own.ini --paths 100K --stress board-case --quiet --json o.json
    py o.json <<'PY'
import json, sys
b, s = json.load(open(sys.argv[1]))["scenarios"]
assert s["name"] == "xai-2026-base+board-case"
assert abs(s["parameters"]["costs.opex"] / b["parameters"]["costs.opex"] - 1.2) < 1e-12
assert abs(s["parameters"]["debt.rate"] - b["parameters"]["debt.rate"] - 0.02) < 1e-12
assert s["parameters"]["market.initial"] == "stressed"
PY
    "$B" run own.ini --stress list | grep -q "board-case *costs.opex +20%" || fail "own list"
    { cat "$BASE"; printf '\n[stress.bad]\ncosts.capex = 30%%\n'; } > bad1.ini
    L=$(($(wc -l < "$BASE") + 3))
    expect 2 "bad1.ini:$L: stress shift costs.capex = '30%': allowed: +N% or -N%" \
        "$B" validate bad1.ini
    { cat "$BASE"; printf '\n[stress.bad]\ncosts.capexx = +30%%\n'; } > bad2.ini
    expect 2 "unknown key 'costs.capexx'" "$B" validate bad2.ini
    { cat "$BASE"; printf '\n[stress.bad]\nmarket.initial = *2\n'; } > bad3.ini
    expect 2 "allowed: =VALUE (this key is not a number)" "$B" validate bad3.ini
    { cat "$BASE"; printf '\n[stress.bad]\nequity.success_normal = *3\n'; } > bad4.ini
    expect 2 "stress 'bad': equity.success_normal = '*3'" "$B" run bad4.ini --paths 100K --stress bad
    expect 2 "stress section [stress.]" "$B" validate <(cat "$BASE"; printf '\n[stress.]\n')
    ;;
*) fail "unknown mode $MODE" ;;
esac
echo "analysis $MODE: ok"
