#!/bin/bash
# Builds the dev preset (ASan + UBSan) and runs every test. Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh dev
ctest --preset dev -j"$(nproc)"
