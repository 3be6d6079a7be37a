#!/bin/bash
# The main job: a short nightly. Builds the release preset (smmucheck), the fuzz preset's differential target
# (the night's campaign) and smmucheck in the coverage preset (llvm-cov line coverage of reference/ under the
# conformance suite), prints the demo's results (DMA transactions through a bundled configuration), then runs
# `smmucheck nightly` with its default budget into build/nightly: conformance on ref, opt and QEMU, corpus
# replay, the handover plans' proofs, the benchmark, coverage, a libFuzzer campaign (build/nightly/campaign,
# resumed by the next run) and triage. It writes build/nightly/report.html and summary.json and prints the
# markdown summary. Findings and regressions (nightly exit 1) are in the report; this script fails only when
# something could not run (exit 2).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh release
echo "=== building the fuzz preset's diff_fuzzer and smmucheck with coverage instrumentation"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target diff_fuzzer fuzz_seeds -- -j"$(nproc)" >/dev/null
cmake --preset coverage >/dev/null
cmake --build build/coverage --target smmucheck -- -j"$(nproc)" >/dev/null
smmucheck=build/release/harness/smmucheck
echo "=== smmucheck demo --quiet"
$smmucheck demo --quiet
echo "=== smmucheck nightly --out build/nightly --coverage-build build/coverage"
rc=0
$smmucheck nightly --out build/nightly --coverage-build build/coverage || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
echo "the night's report: build/nightly/report.html (exit $rc: $([ "$rc" = 0 ] && echo "nothing new, nothing regressed" || echo "a new finding or a regression; see the report"))"
