#!/usr/bin/env bash
# Download (not install) the Debian packages burnrate builds against into .gpudeps/, so
# they can travel to a GPU machine that has nvcc and CMake but no network (the `device`
# tool: carry ".gpudeps"). bench/gpu_validate.sh unpacks them there with dpkg -x.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpudeps
mkdir -p .git/info
grep -qxF "/.gpudeps/" .git/info/exclude 2>/dev/null || echo "/.gpudeps/" >> .git/info/exclude
apt-get update -qq
cd .gpudeps
apt-get download libinih-dev libinih1 libinireader0 libcjson-dev libcjson1 \
  libxxhash-dev libxxhash0 libcmocka-dev libcmocka0 pkgconf pkgconf-bin libpkgconf3 2>&1 | tail -2
ls -la
