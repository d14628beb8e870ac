#!/usr/bin/env bash
# CPU throughput of the burnrate engine on scenarios/xai-2026-base.ini, for 1..N
# threads, with the verification hash of each run (equal across thread counts).
# Usage: bench/cpu_scaling.sh [BUILD_DIR] [PATHS]    (defaults: build, 4M)
# Writes the raw output to bench/results/cpu-scaling-<host>-<date>-<HHMM>.txt and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
paths=${2:-4M}
exe="$build/burnrate"
[ -x "$exe" ] || { echo "no $exe: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
mkdir -p bench/results
out="bench/results/cpu-scaling-$(hostname -s)-$(date -u +%Y%m%d-%H%M).txt" # never over an earlier run
{
  echo "# burnrate CPU scaling: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# command: bench/cpu_scaling.sh $build $paths"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "# $("$exe" --version | tr '\n' ' ')"
  for t in $(seq 1 "$(nproc)"); do
    echo "## threads=$t"
    "$exe" bench --backend cpu --threads "$t" --paths "$paths"
  done
} | tee "$out"
echo "raw output: $out" >&2
