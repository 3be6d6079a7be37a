#!/bin/bash
# Builds the dev preset (ASan + UBSan) and the differential fuzz target (the fuzz preset's diff_fuzzer and its
# seeds, for the tiny nightly's campaign: the ctest nightly.tiny), and runs every test. Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh dev
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target diff_fuzzer fuzz_seeds -- -j"$(nproc)" >/dev/null
ctest --preset dev -j"$(nproc)"
