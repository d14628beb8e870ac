#!/usr/bin/env bash
# CI for robustness: (1) the whole test suite under AddressSanitizer + UBSan (the
# `sanitize` preset: gcc, float-divide-by-zero and float-cast-overflow, no recovery),
# but for the Slurm test and the charts (labels slurm, plot: daemons, Slurm's waits,
# Python and Chromium; no C code that the other tests do not run; both run in the release
# suite);
# (2) the scenario parser fuzzed with libFuzzer (clang) for FUZZ_SECONDS (default 60) on a
# copy of fuzz/corpus with fuzz/scenario.dict, after replaying tests/regress, tests/bad,
# tests/bad-extra and the corpus. Any failure fails the script; every step runs, so one
# report shows them all.
# Environment: FUZZ_SECONDS (60), FUZZ_MAX_LEN (4096), CTEST_JOBS (nproc),
# BR_SANITIZE_DIR (a build folder other than the preset's build-sanitize),
# BR_FUZZ_DIR (build-fuzz). Needs clang and libclang-rt-14-dev for step 2.
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-4096}
CTEST_JOBS=${CTEST_JOBS:-$(nproc)}
FUZZ_DIR=${BR_FUZZ_DIR:-build-fuzz}
failed=()
t_start=$SECONDS

step() { echo; echo "=== ci-robustness: $* ==="; }

# ---- 1. sanitizers over the whole suite ----------------------------------------------
step "sanitize build"
t0=$SECONDS
if [ -n "${BR_SANITIZE_DIR:-}" ]; then
  cmake --preset sanitize -B "$BR_SANITIZE_DIR" >/dev/null &&
    cmake --build "$BR_SANITIZE_DIR" -j "$(nproc)"
else
  cmake --preset sanitize >/dev/null && cmake --build --preset sanitize -j "$(nproc)"
fi || failed+=("sanitize build")
t_build=$((SECONDS - t0))

step "sanitize test suite"
t0=$SECONDS
if [ -n "${BR_SANITIZE_DIR:-}" ]; then
  ctest --test-dir "$BR_SANITIZE_DIR" --output-on-failure --timeout 1200 -j "$CTEST_JOBS" \
    -LE "slurm|plot"
else
  ctest --preset sanitize -j "$CTEST_JOBS" -LE "slurm|plot"
fi || failed+=("sanitize test suite")
t_suite=$((SECONDS - t0))

# ---- 2. fuzzing -------------------------------------------------------------------------
step "fuzzer build (clang, libFuzzer + ASan + UBSan)"
t0=$SECONDS
fuzzer="$FUZZ_DIR/fuzz_scenario"
if ! command -v clang >/dev/null; then
  echo "ci-robustness: clang not found (Debian: apt-get install clang libclang-rt-14-dev)"
  failed+=("fuzzer build: no clang")
elif ! { cmake -S fuzz -B "$FUZZ_DIR" -DCMAKE_C_COMPILER=clang >/dev/null &&
         cmake --build "$FUZZ_DIR" -j "$(nproc)"; }; then
  failed+=("fuzzer build")
fi
t_fbuild=$((SECONDS - t0))

execs="n/a"; rate="n/a"
t0=$SECONDS
if [ -x "$fuzzer" ] && [[ ! " ${failed[*]} " =~ "fuzzer build" ]]; then
  step "replay: tests/regress, tests/bad, tests/bad-extra, fuzz/corpus"
  mapfile -t replay < <(ls -d tests/regress/* tests/bad/*.ini tests/bad-extra/*.ini fuzz/corpus/* 2>/dev/null)
  if ! "$fuzzer" -runs=1 "${replay[@]}" >"$FUZZ_DIR/replay.log" 2>&1; then
    grep -E "invariant broken|ERROR|runtime error|Running: " "$FUZZ_DIR/replay.log" | tail -20
    failed+=("fuzz replay")
  else
    echo "replayed ${#replay[@]} inputs: no crash"
  fi

  step "fuzz ${FUZZ_SECONDS}s"
  work=$(mktemp -d /tmp/br_fuzz_corpus.XXXXXX)
  cp fuzz/corpus/* "$work/"
  mkdir -p "$FUZZ_DIR/artifacts"
  "$fuzzer" -dict=fuzz/scenario.dict -max_len="$FUZZ_MAX_LEN" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
    -artifact_prefix="$FUZZ_DIR/artifacts/" "$work" >"$FUZZ_DIR/fuzz.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FUZZ_DIR/fuzz.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$FUZZ_DIR/fuzz.log")
  if [ $rc -ne 0 ]; then
    grep -E "invariant broken|ERROR|runtime error|SUMMARY|Test unit written" "$FUZZ_DIR/fuzz.log" | tail -20
    echo "ci-robustness: the input above crashed the harness; add it to tests/regress/"
    failed+=("fuzzing")
  fi
  rm -rf "$work"
fi
t_fuzz=$((SECONDS - t0))

# ---- report -----------------------------------------------------------------------------
step "summary"
echo "sanitize build ${t_build}s, sanitize suite ${t_suite}s, fuzzer build ${t_fbuild}s," \
     "replay + fuzz ${t_fuzz}s; total $((SECONDS - t_start))s"
echo "fuzz: ${execs:-n/a} executions in ${FUZZ_SECONDS}s (${rate:-n/a} exec/s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "ci-robustness: FAILED: ${failed[*]}"
  exit 1
fi
echo "ci-robustness: ok"
