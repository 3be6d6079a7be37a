#!/bin/bash
# The main job: builds the release preset, runs the demo, runs the whole corpus through the reference
# model with a summary, diffs the optimized model against the reference over the corpus, runs a short
# benchmark, and replays one scenario as a trace.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh release
smmucheck=build/release/harness/smmucheck
echo "=== smmucheck demo"
$smmucheck demo
echo "=== smmucheck run corpus/"
$smmucheck run corpus/
echo "=== smmucheck diff corpus/ (reference against the optimized model, and its batch API)"
$smmucheck diff corpus/
echo "=== smmucheck bench (short)"
$smmucheck bench --seconds 0.3
echo "=== smmucheck replay corpus/stage1/s1_4k_page_read.textproto"
$smmucheck replay corpus/stage1/s1_4k_page_read.textproto
