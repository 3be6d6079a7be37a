#!/bin/bash
# Runs .clusterfuzzlite/build.sh outside Docker as OSS-Fuzz would for libFuzzer with ASan (the flags of
# OSS-Fuzz's address sanitizer build, clang-14 instead of its clang), then checks $OUT: every target, its
# seed corpus zip, dictionary and options, and that each target runs its seeds. Usage: SRC_DIR SCRATCH_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
scratch=$2
rm -rf "$scratch/out" "$scratch/seeds-run"
mkdir -p "$scratch/out" "$scratch/work" "$scratch/seeds-run"
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
(cd "$src" && env CC=clang-14 CXX=clang++-14 CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
   SRC="$scratch/no-src" OUT="$scratch/out" WORK="$scratch/work" .clusterfuzzlite/build.sh) >"$scratch/build.log" 2>&1 \
  || { tail -30 "$scratch/build.log"; echo "clusterfuzzlite build.sh failed (log: $scratch/build.log)"; exit 1; }
for t in diff_fuzzer scenario_codec_fuzzer textproto_fuzzer; do
  for f in "$t" "$t.dict" "$t.options" "${t}_seed_corpus.zip"; do
    [ -s "$scratch/out/$f" ] || { echo "missing or empty: \$OUT/$f"; exit 1; }
  done
  seeds=$scratch/seeds-run/$t
  mkdir -p "$seeds"
  (cd "$seeds" && cmake -E tar xf "$scratch/out/${t}_seed_corpus.zip")
  n=$(find "$seeds" -type f | wc -l)
  [ "$n" -ge 50 ] || { echo "$t: only $n seeds"; exit 1; }
  # Every seed once, then a few mutations: no crash, no divergence, no sanitizer report.
  "$scratch/out/$t" -dict="$scratch/out/$t.dict" -max_len=4096 -seed=1 -runs=$((n + 200)) "$seeds" \
    >"$scratch/$t.log" 2>&1 || { tail -30 "$scratch/$t.log"; echo "$t failed on its seeds"; exit 1; }
  echo "$t: $n seeds + 200 runs, $(grep -o 'exec/s: [0-9]*' "$scratch/$t.log" | tail -1)"
done
