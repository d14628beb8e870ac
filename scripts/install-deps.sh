#!/usr/bin/env bash
# Install burnrate's build and test dependencies from Debian/Ubuntu packages.
# Usage: sudo scripts/install-deps.sh   (or as root; CI runs it as root)
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# gcc 12 (C11, OpenMP) and CMake >= 3.25; inih reads scenarios, cJSON writes results,
# xxHash makes the verification hash, cmocka runs the tests; python3 runs bench/;
# clang with libFuzzer fuzzes the scenario parser (scripts/ci-robustness.sh);
# Open MPI builds and tests multi-rank runs (optional at build time: cmake/mpi.cmake);
# matplotlib (Debian's /usr/bin/python3) draws `burnrate plot` charts and headless
# Chromium checks the HTML report; slurm-wlm and munge run the real batch-job test
# (tests/slurm/run.sh, a single-node Slurm on 127.0.0.1).
PKGS=(
  build-essential cmake pkg-config
  libinih-dev libcjson-dev libxxhash-dev libcmocka-dev
  python3
  clang libclang-rt-14-dev
  openmpi-bin libopenmpi-dev
  python3-matplotlib fonts-dejavu-core chromium
  slurm-wlm munge
)
# Skip apt entirely when everything is already there (fast CI re-runs).
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: ok (${#missing[@]} packages installed)"
