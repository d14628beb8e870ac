#!/usr/bin/env bash
# Per-task overhead of the engine: what a (scenario, work unit) task costs beyond its
# paths. A sweep of S scenarios with one path each is S tasks that do (almost) no work,
# so its run time is the overhead of S tasks: hand-out, model build, backend call, tally
# merge, progress (and, over ranks, the messages). Divided by the time of one real task
# (65,536 paths x 60 months of the base scenario, measured in the same session) it is the
# share of a run that the overhead takes, whatever the run's number of tasks.
# Issue goal: 10^4 tasks cost under 1% of the run. One rank, and two (one thread each)
# when mpirun is found.
# Usage: bench/task_overhead.sh [BUILD_DIR] [SCENARIOS]   (defaults: build, 2000 = 40 x 50)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-2000}
exe="$build/burnrate"
[ -x "$exe" ] || { echo "no $exe: build first" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sc=scenarios/xai-2026-base.ini
a=40 b=$(((n + 39) / 40))
opex=$(python3 -c "print(','.join('%dM' % (600 + i) for i in range($a)))")
vol=$(python3 -c "print(','.join('%.4f' % (0.05 + 0.0001 * i) for i in range($b)))")
el() { python3 -c "import json; print(json.load(open('$tmp/r.json'))['run']['elapsed_s'])"; }
echo "# burnrate task overhead: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
launches=("1-rank" "$exe" "")
if command -v mpirun >/dev/null; then
    launches+=("2-ranks" "mpirun --oversubscribe -np 2 $exe" "--threads 1")
fi
for ((i = 0; i < ${#launches[@]}; i += 3)); do
    name=${launches[i]}
    read -r -a cmd <<< "${launches[i + 1]}"
    read -r -a opt <<< "${launches[i + 2]}"
    # One real task per rank-thread, many times over: 16 units of the base scenario.
    "${cmd[@]}" run "$sc" --paths 1048576 "${opt[@]}" --quiet --json "$tmp/r.json"
    task=$(python3 -c "print($(el) / 16)")
    "${cmd[@]}" run "$sc" --paths 1 --sweep costs.opex="$opex" --sweep revenue.vol="$vol" \
        "${opt[@]}" --quiet --json "$tmp/r.json"
    tasks=$((a * b))
    over=$(el)
    python3 -c "
per = $over / $tasks; task = $task
print('%-8s %d empty tasks in %.3f s: %.3f ms per task; a real task (65536 paths x 60 months) %.1f ms' % ('$name', $tasks, $over, 1e3 * per, 1e3 * task))
print('%-8s 10^4 tasks: overhead %.2f s of a %.0f s run = %.3f%%' % ('$name', 1e4 * per, 1e4 * task, 100 * per / task))"
done
