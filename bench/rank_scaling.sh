#!/usr/bin/env bash
# Rank scaling of `burnrate run` under mpirun: strong (fixed total work, 1..R ranks) and
# weak (fixed work per rank), one thread per rank, on scenarios/xai-2026-base.ini.
# Efficiency = ideal / measured time: strong ideal = T(1) / ranks, weak ideal = T(1).
# Each point is the best (shortest) of REPEAT runs: on a shared VM a single run can lose
# a core to a neighbour for a second, which is not what scaling measures.
# Usage: bench/rank_scaling.sh [BUILD_DIR] [PATHS_PER_RANK] [MAX_RANKS] [REPEAT]
#        (defaults: build-mpi, 2M, nproc, 3). Every run's hash must equal the 1-rank one.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-mpi}
per_rank=${2:-2M}
max=${3:-$(nproc)}
repeat=${4:-3}
exe="$build/burnrate"
[ -x "$exe" ] || { echo "no $exe: configure with MPI and build first" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
sc=scenarios/xai-2026-base.ini
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths_n() { python3 -c "import sys; s=sys.argv[1]; m={'K':1e3,'M':1e6,'B':1e9}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))" "$1"; }
pr=$(paths_n "$per_rank")
# run RANKS PATHS -> "elapsed hash", the best of $repeat
run() {
    for _ in $(seq "$repeat"); do
        mpirun --oversubscribe -np "$1" "$exe" run "$sc" --paths "$2" --threads 1 \
            --backend cpu --quiet --json "$tmp/r.json"
        python3 -c "import json; d=json.load(open('$tmp/r.json')); print(d['run']['elapsed_s'], d['scenarios'][0]['verification_hash'])"
    done | sort -n | head -1
}
echo "# burnrate rank scaling: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, best of $repeat"
echo "# kind   ranks  paths      elapsed_s  efficiency  hash"
for kind in strong weak; do
    t1=
    for r in $(seq 1 "$max"); do
        if [ $kind = strong ]; then p=$((pr * max)); else p=$((pr * r)); fi
        read -r t h < <(run "$r" "$p")
        [ -n "$t1" ] || t1=$t
        if [ $kind = strong ]; then ideal=$(python3 -c "print($t1/$r)"); else ideal=$t1; fi
        printf "%-7s  %5d  %-9d  %9.3f  %10.3f  %s\n" $kind "$r" "$p" "$t" \
            "$(python3 -c "print($ideal/$t)")" "$h"
    done
done
