#!/bin/bash
# The main job: builds the release preset, runs the demo, runs the whole corpus through the reference
# model with a summary, and replays one scenario as a trace.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh release
smmucheck=build/release/harness/smmucheck
echo "=== smmucheck demo"
$smmucheck demo
echo "=== smmucheck run corpus/"
$smmucheck run corpus/
echo "=== smmucheck replay corpus/stage1/s1_4k_page_read.textproto"
$smmucheck replay corpus/stage1/s1_4k_page_read.textproto
