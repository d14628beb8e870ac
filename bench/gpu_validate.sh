#!/usr/bin/env bash
# GPU validation for a machine with a CUDA device (issue: CUDA backend): build with CUDA,
# run the GPU twin tests, run them under compute-sanitizer (memcheck, racecheck,
# initcheck, synccheck), benchmark the CUDA backend and profile its kernel. Raw output
# goes to $OUT (or bench/results/) as gpu-validate-<date>-<HHMM>.txt.
#
# Usage: bash bench/gpu_validate.sh [all|test|sanitize|bench|profile]...
# Every stage first builds (incrementally) in build-gpu; `all` (the default) runs the
# four in order. A device call is limited to 10 minutes: on a cold machine run `test`
# first, then `sanitize`, then `bench profile`; should `sanitize` not fit, run its tools
# one call each: SANITIZE_TOOLS=memcheck bash bench/gpu_validate.sh sanitize, and so on.
#
# On the lent device (no network): first, here, `bash scripts/gpu-deps-fetch.sh`; then
#   device run, carry [".gpudeps"]:  bash bench/gpu_validate.sh test
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench/results}
mkdir -p "$out"
log="$out/gpu-validate-$(date -u +%Y%m%d-%H%M).txt"
exec > >(tee "$log") 2>&1

if [ -d .gpudeps ] && ! pkg-config --exists inih 2>/dev/null; then
  prefix=/tmp/brdeps
  for d in .gpudeps/*.deb; do dpkg -x "$d" "$prefix"; done
  export PKG_CONFIG_PATH="$prefix/usr/lib/x86_64-linux-gnu/pkgconfig:$prefix/usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$prefix"
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
  export PATH="$prefix/usr/bin:$PATH"
  command -v pkg-config >/dev/null || ln -sf "$prefix/usr/bin/pkgconf" "$prefix/usr/bin/pkg-config"
fi
# A GPU test that cannot find a usable device fails here instead of skipping (an old
# driver, say: CUDA 13's runtime needs driver r580 or newer), and every stage's exit
# status counts: the script exits 1 when any of them failed.
export BR_REQUIRE_GPU=1
for d in /usr/local/cuda/bin /usr/local/cuda/compute-sanitizer; do
  [ -d "$d" ] && PATH=$PATH:$d
done
failed=()
check() { # check NAME STATUS
  if [ "$2" -ne 0 ]; then failed+=("$1 (exit $2)"); echo "FAILED: $1 (exit $2)"; fi
}
echo "# date: $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
nvcc --version | tail -2

cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DBURNRATE_ENABLE_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="80-real;90-real;90-virtual" >/dev/null && \
  cmake --build build-gpu -j "$(nproc)" 2>&1 | tail -3 || { echo "BUILD FAILED"; exit 1; }
build-gpu/burnrate --version

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(all)
want() { local x; for x in "${stages[@]}"; do [ "$x" = all ] || [ "$x" = "$1" ] && return 0; done; return 1; }

if want test; then
echo "## ctest -L gpu"
(cd build-gpu && ctest -L gpu --output-on-failure)
check "ctest -L gpu" $?
echo "## ctest (everything)"
(cd build-gpu && ctest -j "$(nproc)" 2>&1 | tail -6; exit "${PIPESTATUS[0]}")
check "ctest" $?

fi

if want sanitize; then
echo "## compute-sanitizer (one work unit of paths per scenario: every access is checked)"
# transforms_equal (50M words through two elementwise kernels) is left to the plain run:
# under four instrumented tools it would not fit a 10-minute device call.
for tool in ${SANITIZE_TOOLS:-memcheck racecheck initcheck synccheck}; do
  echo "### $tool"
  BR_TWIN_PATHS=65536 BR_TWIN_SKIP=transforms_equal \
    compute-sanitizer --tool "$tool" --error-exitcode 9 \
    build-gpu/tests/test_gpu_matches_cpu 2>&1 | tail -6
  st=${PIPESTATUS[0]}
  echo "exit: $st"
  check "compute-sanitizer $tool" "$st"
done
fi

if want bench; then
echo "## bench --backend cuda"
for p in 4M 100M 1B; do
  build-gpu/burnrate bench --backend cuda --paths "$p"
  check "bench --paths $p" $?
done
build-gpu/burnrate bench --backend cuda --paths 1B --json "$out/gpu-bench-1B.json" --quiet
check "bench --paths 1B --json" $?
echo "## cpu reference on this machine"
build-gpu/burnrate bench --backend cpu --paths 4M
check "bench --backend cpu" $?
fi

if want profile; then
echo "## SASS: month loop and issue ceiling (sm_90)"
python3 bench/sass_loop.py 2>&1
check "sass_loop.py (needs nvcc and cuobjdump)" $?
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw --format=csv 2>&1

echo "## ncu: one br_units_kernel launch of bench --paths 64M"
if command -v ncu >/dev/null; then
  # What limits the kernel, measured: issue-slot use, pipe use, stall reasons, occupancy.
  # --clock-control none: measure at the clocks the device runs at, as bench does.
  ncu --clock-control none --kernel-name br_units_kernel --launch-count 1 \
      --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats \
      --section WarpStateStats --section Occupancy --section LaunchStats \
      build-gpu/burnrate bench --backend cuda --paths 64M 2>&1 | tail -120
  check "ncu" "${PIPESTATUS[0]}"
else
  echo "(no ncu on PATH)"
  check "ncu (not on PATH)" 1
fi

fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "# FAILED: ${failed[*]}"
  exit 1
fi
echo "# all stages passed"
