#!/bin/bash
# Line coverage of reference/ under the tests (unit tests and the corpus, which ctest runs through
# smmucheck), with clang source-based coverage (llvm-cov).
# Prints the per-file report and the total; writes build/coverage/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh coverage
out=build/coverage
rm -f "$out"/profiles/*.profraw
mkdir -p "$out/profiles"
LLVM_PROFILE_FILE="$PWD/$out/profiles/%p.profraw" ctest --preset coverage -j"$(nproc)" >/dev/null
llvm-profdata-14 merge -sparse "$out"/profiles/*.profraw -o "$out/tests.profdata"
binary="$out/tests/reference_tests"
objects=(-object "$out/harness/smmucheck")
llvm-cov-14 report "$binary" "${objects[@]}" -instr-profile="$out/tests.profdata" "$PWD/reference/"
llvm-cov-14 show "$binary" "${objects[@]}" -instr-profile="$out/tests.profdata" -format=html -output-dir="$out/html" "$PWD/reference/" >/dev/null
echo "coverage: HTML report in $out/html/index.html"
