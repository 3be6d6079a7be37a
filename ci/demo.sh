#!/bin/bash
# The main job: builds the release preset and runs `smmucheck demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh release
build/release/harness/smmucheck demo
