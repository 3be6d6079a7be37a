#!/bin/bash
# The main job: builds the release preset, runs the demo, runs the whole corpus through the reference
# model with a summary, diffs the optimized model against the reference over the corpus, runs a short
# benchmark, replays one scenario as a trace, proves or refutes the invariants of every handover plan in
# specs/plans/ (smmucheck prove: one verdict line per plan and invariant), runs the conformance vectors on
# the reference and the optimized model (smmucheck conform: failures and the table per spec section), then
# builds the fuzz preset and runs a bounded differential
# fuzz campaign (libFuzzer, one job, about a minute; build/campaign-main, resumed by the next run) and
# triages what it found. Findings are reported in the triage table, not as a failure of this script: it
# fails only when something could not run.
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
echo "=== smmucheck prove specs/plans/ (live update: each invariant of each handover plan, with Z3)"
$smmucheck prove specs/plans/ --out build/prove-out
echo "=== smmucheck conform (the conformance vectors on the reference and the optimized model, JUnit XML in build/)"
$smmucheck conform --model ref --junit build/conform-ref.xml | grep -v "^PASS"
$smmucheck conform --model opt --junit build/conform-opt.xml | grep -v "^PASS"
echo "=== smmucheck fuzz: a bounded differential campaign (libFuzzer with ASan+UBSan, one job, 60 s)"
ci/build.sh fuzz
campaign=build/campaign-main
fuzz_rc=0
$smmucheck fuzz --engine libfuzzer --jobs 1 --time 60 --interval 15s --out "$campaign" || fuzz_rc=$?
[ "$fuzz_rc" -le 1 ] || exit "$fuzz_rc"
echo "=== smmucheck triage $campaign"
triage_rc=0
$smmucheck triage "$campaign" || triage_rc=$?
[ "$triage_rc" -le 1 ] || exit "$triage_rc"
if [ "$triage_rc" = 1 ]; then
  echo "FINDINGS: the campaign found divergences that still reproduce (table above; replay each with its command)"
else
  echo "no finding reproduces"
fi
