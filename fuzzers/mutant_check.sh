#!/usr/bin/env bash
# fuzzers/mutant_check.sh: measures diff_fuzzer's power to find bugs in optimized/, with mutants: patches that
# each put one realistic bug into the optimized model (fuzzers/mutants/*.patch, a one-line description
# before the diff). Too slow for CI; run it by hand.
#
#   fuzzers/mutant_check.sh [PATCH_DIR] [--time T] [--seed N] [--sanity S] [--only SUBSTR]... [--rev REV]
#                           [--base-patch FILE]... [--work DIR] [--jobs J]
#   fuzzers/mutant_check.sh --check-apply [PATCH_DIR]      (ctest fuzz.mutants_apply)
#
# What it does, once: clones the repository's committed REV (default HEAD; uncommitted work in the working
# tree is not included, and the commit used is printed) into WORK/src (default ${TMPDIR:-/tmp}/smmucheck-mutants),
# applies any --base-patch there, and configures one build in WORK/build: libFuzzer without sanitizers, Release,
# fault injection off. The mutants are logic bugs that the differential oracle sees, not memory errors, so
# ASan/UBSan would only cost throughput (2-3x); the fuzz preset keeps them for the nightly campaigns. It
# builds the unpatched tree, keeps its diff_fuzzer and smmucheck in WORK/base, and runs the unpatched target
# for S seconds (--sanity, default 60; 0 skips) in fork mode to list any divergence it finds: there should be
# none.
#
# Then, for each patch: resets the clone, applies the patch, rebuilds incrementally (only what the patch
# touches), and runs one single-core libFuzzer campaign of at most T seconds (default 600) with a fixed
# -seed on the seed corpus (fuzz_seeds: seeds from corpus/) with dict/scenario.dict. The target is
# diff_fuzzer's own run_diff_input() behind a thin entry point (mutant_check_fuzzer, built in the clone
# only): a divergence the unpatched diff_fuzzer shows on the same input is not the mutant's doing, so it is
# counted (SMMUCHECK-BASELINE-SHARED) and fuzzing goes on; any other divergence prints its
# `SMMUCHECK-DIVERGENCE: <signature>` line and crashes, as diff_fuzzer does. The crash input becomes a
# scenario (fuzz_decode), is reduced by the patched build's `smmucheck reduce` (with --model opt or
# opt:batch, whichever diverged), and the reduced scenario's steps are counted; it is also replayed on the
# unpatched smmucheck, which must find no divergence in it.
#
# Prints a table (mutant, description, found, seconds to find, signature, reduced steps, notes) and writes
# it with the reproducers to WORK/results. "seed corpus" in the notes: the crash came while libFuzzer was
# still running the initial corpus, before any mutation.
set -u -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
patch_dir=$root/fuzzers/mutants
time_limit=600
seed=1
sanity=60
rev=HEAD
work=${TMPDIR:-/tmp}/smmucheck-mutants
jobs=$(nproc 2>/dev/null || echo 2)
check_apply=0
only=()
base_patches=()

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --time) time_limit=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --sanity) sanity=$2; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    --rev) rev=$2; shift 2 ;;
    --base-patch) base_patches+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --check-apply) check_apply=1; shift ;;
    -h|--help) usage ;;
    -*) echo "mutant_check: unknown option $1" >&2; usage ;;
    *) patch_dir=$1; shift ;;
  esac
done
patch_dir=$(cd "$patch_dir" 2>/dev/null && pwd) || { echo "mutant_check: no directory $patch_dir" >&2; exit 2; }
shopt -s nullglob
patches=("$patch_dir"/*.patch)
[ ${#patches[@]} -gt 0 ] || { echo "mutant_check: no *.patch in $patch_dir" >&2; exit 2; }

description() { sed -n '/^diff --git /q; /[^[:space:]]/{p;q}' "$1"; }

# --- CI: every patch has a description and applies at the source root -----------------------------------
if [ $check_apply = 1 ]; then
  if ! command -v git >/dev/null; then
    echo "fuzz.mutants_apply: skipped, git is not installed"
    exit 0
  fi
  cd "$root"
  # git apply works outside a repository too (like patch, relative to the current directory). The ceiling
  # keeps it from taking an enclosing repository for ours when this tree is not a checkout itself.
  export GIT_CEILING_DIRECTORIES=$(dirname "$root")
  bad=0
  for p in "${patches[@]}"; do
    name=$(basename "$p" .patch)
    d=$(description "$p")
    if [ -z "$d" ] || [ "${d#diff --git}" != "$d" ]; then
      echo "FAIL $name: no one-line description before the diff"
      bad=1
    elif ! grep -q '^diff --git ' "$p"; then
      echo "FAIL $name: no diff"
      bad=1
    elif out=$(git apply --check "$p" 2>&1); then
      echo "ok   $name: $d"
    else
      echo "FAIL $name: does not apply to $root"
      printf '%s\n' "$out" | sed 's/^/     /'
      bad=1
    fi
  done
  [ $bad = 0 ] && echo "${#patches[@]} mutants apply"
  exit $bad
fi

# --- The scratch clone and its build ---------------------------------------------------------------------
command -v git >/dev/null && command -v cmake >/dev/null && command -v ninja >/dev/null ||
  { echo "mutant_check: needs git, cmake and ninja" >&2; exit 2; }
sha=$(git -C "$root" rev-parse --verify "$rev^{commit}") || { echo "mutant_check: no commit $rev" >&2; exit 2; }
src=$work/src build=$work/build base=$work/base results=$work/results runs=$work/runs
mkdir -p "$work" "$base" "$results" "$runs"
log=$work/mutant_check.log
: >"$log"
say() { echo "$*" | tee -a "$log"; }
gitq() { git -C "$src" -c user.name=mutant_check -c user.email=mutant_check@localhost -c advice.detachedHead=false "$@"; }

say "mutant_check: $(git -C "$root" log -1 --format='%h %s' "$sha")"
say "  commit $sha (the committed tree: uncommitted changes in $root are not included)"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- optimized fuzzers harness specs 2>/dev/null)" ]; then
  say "  note: $root has uncommitted changes under optimized/ fuzzers/ harness/ specs/; they are not measured"
fi
# Reuse the clone (files that did not change keep their times, so the build stays incremental).
if [ ! -d "$src/.git" ]; then
  git clone -q --no-checkout "$root" "$src" || exit 2
fi
gitq fetch -q --no-tags "$root" "+HEAD:refs/mutant_check/head" "+refs/heads/*:refs/mutant_check/heads/*" || exit 2
gitq checkout -q --force --detach "$sha" && gitq reset -q --hard "$sha" && gitq clean -fdqx || exit 2
for p in "${base_patches[@]}"; do
  say "  base patch: $p"
  gitq apply "$p" || { say "mutant_check: base patch $p does not apply"; exit 2; }
done

# The campaign's entry point: diff_fuzzer.cpp's run_diff_input() (and its mutator hooks), crashing only on a
# divergence the unpatched diff_fuzzer (SMMUCHECK_BASELINE_FUZZER) does not have on the same input.
cat >"$src/fuzzers/mutant_check_fuzzer.cpp" <<'EOF'
// Generated by fuzzers/mutant_check.sh in its scratch clone only.
#define LLVMFuzzerTestOneInput smmucheck_diff_fuzzer_entry
#include "fuzzers/diff_fuzzer.cpp"
#undef LLVMFuzzerTestOneInput

#include <unistd.h>

namespace {
// Whether the unpatched build's diff_fuzzer diverges on the input too (it exits non-zero on a divergence).
bool baseline_diverges(const uint8_t* data, size_t size) {
  const char* base = std::getenv("SMMUCHECK_BASELINE_FUZZER");
  if (!base || !*base) return false;
  char path[] = "/tmp/smmucheck-mutant-input-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return false;
  const bool written = write(fd, data, size) == static_cast<ssize_t>(size);
  close(fd);
  const std::string cmd = std::string("'") + base + "' '" + path + "' >/dev/null 2>&1";
  const int rc = written ? std::system(cmd.c_str()) : 0;
  unlink(path);
  return rc != 0;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto d = smmu::fuzz::run_diff_input(data, size)) {
    if (baseline_diverges(data, size)) {
      std::fprintf(stderr, "SMMUCHECK-BASELINE-SHARED: %s\n", d->signature.c_str());
      return 0;
    }
    std::fprintf(stderr, "smmucheck: first divergence at step %d (%s): %s %s / %s\n", d->step, d->model.c_str(),
                 d->difference.what.c_str(), d->difference.a_value.c_str(), d->difference.b_value.c_str());
    std::fprintf(stderr, "SMMUCHECK-DIVERGENCE: %s\n", d->signature.c_str());
    std::abort();
  }
  return 0;
}
EOF
cat >>"$src/fuzzers/CMakeLists.txt" <<'EOF'

# fuzzers/mutant_check.sh (its scratch clone only): diff_fuzzer that ignores divergences the unpatched build has.
add_executable(mutant_check_fuzzer mutant_check_fuzzer.cpp)
target_link_libraries(mutant_check_fuzzer PRIVATE smmu_fuzz_codec)
target_link_options(mutant_check_fuzzer PRIVATE -fsanitize=fuzzer)
EOF
gitq add -A && gitq commit -qm "mutant_check base" || exit 2

if [ ! -f "$build/CMakeCache.txt" ]; then
  say "  configuring $build (Release, libFuzzer, no sanitizers)"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_BUILD_TYPE=Release -DSMMUCHECK_FUZZ=ON -DSMMUCHECK_FAULT_INJECTION=OFF \
    -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link >>"$log" 2>&1 ||
    { say "mutant_check: configure failed (see $log)"; exit 2; }
fi
targets=(diff_fuzzer mutant_check_fuzzer fuzz_decode smmucheck fuzz_seeds)
build_tree() { cmake --build "$build" -j "$jobs" --target "${targets[@]}" >>"$log" 2>&1; }
fz=$build/fuzzers
say "  building the unpatched tree"
build_tree || { say "mutant_check: the unpatched tree does not build (see $log)"; exit 2; }
cp "$fz/diff_fuzzer" "$build/fuzz_decode" "$build/harness/smmucheck" "$base/"

# libFuzzer, single process, fixed seed; corpus DIR gets new units, the seeds are read only.
campaign() {  # campaign OUTDIR SECONDS [extra libFuzzer flags...]
  local out=$1 secs=$2
  shift 2
  rm -rf "$out" && mkdir -p "$out/corpus" "$out/artifacts"
  (cd "$out" && timeout -k 10 $((secs + 120)) "$fz/mutant_check_fuzzer" -seed="$seed" -max_total_time="$secs" \
     -max_len=4096 -timeout=30 -dict="$fz/dict/scenario.dict" -print_final_stats=1 -artifact_prefix="$out/artifacts/" "$@" \
     "$out/corpus" "$fz/seeds/scenario" >"$out/fuzz.log" 2>&1)
}
signature_of() { sed -n 's/^SMMUCHECK-DIVERGENCE: //p' "$1" | head -1; }
model_of() { case $1 in ref-optbatch:*) echo opt:batch ;; *) echo opt ;; esac; }
keep_steps() {  # keep_steps FILE N: keeps the first N top-level step blocks of a scenario in text format
  awk -v n="$2" '/^step \{/ { if (++k > n) { skip = 1; next } }
                 skip { if ($0 ~ /^\}/) skip = 0; next }
                 { print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# --- Sanity: the unpatched build finds nothing -----------------------------------------------------------
baseline_note="not run"
if [ "$sanity" -gt 0 ]; then
  say "  sanity: the unpatched diff_fuzzer for ${sanity}s (-seed=$seed, fork mode, crashes listed and ignored)"
  campaign "$runs/unpatched" "$sanity" -fork=1 -ignore_crashes=1
  n=0
  : >"$results/unpatched-divergences.txt"
  for a in "$runs/unpatched/artifacts"/crash-*; do
    n=$((n + 1))
    s=$("$base/diff_fuzzer" "$a" 2>&1 | sed -n 's/^SMMUCHECK-DIVERGENCE: //p' | head -1)
    echo "${s:-(no divergence line)} $a" >>"$results/unpatched-divergences.txt"
  done
  if [ $n = 0 ]; then
    baseline_note="clean: no divergence in ${sanity}s"
  else
    baseline_note="NOT clean: $n divergence(s) in ${sanity}s, listed in $results/unpatched-divergences.txt"
    sort "$results/unpatched-divergences.txt" | cut -d' ' -f1 | uniq -c | sed 's/^/    /' | tee -a "$log"
  fi
  say "  sanity: $baseline_note"
fi

# --- The mutants -------------------------------------------------------------------------------------------
table=$results/summary.md
{
  echo "commit $sha, --time $time_limit, -seed=$seed; unpatched build: $baseline_note"
  echo
  echo "| mutant | description | found | time to find (s) | signature | reduced steps | notes |"
  echo "|---|---|---|---|---|---|---|"
} >"$table"
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 | $7 |" >>"$table"; }

for p in "${patches[@]}"; do
  name=$(basename "$p" .patch)
  if [ ${#only[@]} -gt 0 ]; then
    keep=0
    for o in "${only[@]}"; do [[ $name == *"$o"* ]] && keep=1; done
    [ $keep = 1 ] || continue
  fi
  desc=$(description "$p")
  say ""
  say "== $name: $desc"
  gitq reset -q --hard && gitq clean -fdq
  if ! gitq apply "$p" 2>>"$log"; then
    say "   does not apply"; row "$name" "$desc" "-" "-" "-" "-" "does not apply"; continue
  fi
  t0=$(date +%s)
  if ! build_tree; then
    say "   does not build (see $log)"; row "$name" "$desc" "-" "-" "-" "-" "does not build"; continue
  fi
  say "   built in $(($(date +%s) - t0))s; fuzzing up to ${time_limit}s"
  out=$runs/$name
  start=$(date +%s.%N)
  SMMUCHECK_BASELINE_FUZZER=$base/diff_fuzzer campaign "$out" "$time_limit"
  shared=$(grep -c '^SMMUCHECK-BASELINE-SHARED: ' "$out/fuzz.log")
  notes=""
  [ "$shared" -gt 0 ] && notes="$shared divergence(s) shared with the unpatched build ignored"
  crashes=("$out/artifacts"/crash-*)  # nullglob: empty when there is none (ls would list the directory)
  crash=""
  [ ${#crashes[@]} -gt 0 ] && crash=$(ls -t "${crashes[@]}" | tail -1)
  sig=$(signature_of "$out/fuzz.log")
  if [ -z "$crash" ] || [ -z "$sig" ]; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -1)
    hangs=("$out/artifacts"/timeout-*)  # nullglob: empty when there is none
    hang=${hangs[0]:-}
    [ -n "$hang" ] && notes="stopped by an input slower than 30 s: $hang${notes:+; $notes}"
    say "   not found (${execs:-?} inputs run)${hang:+; stopped by a slow input $hang}"
    row "$name" "$desc" "no" "-" "-" "-" "${execs:-?} inputs${notes:+; $notes}"
    continue
  fi
  secs=$(awk -v a="$(stat -c %.3Y "$crash")" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
  grep -q 'INITED' "$out/fuzz.log" || notes="seed corpus${notes:+; $notes}"
  model=$(model_of "$sig")
  repro=$results/$name.textproto reduced=$results/$name.reduced.textproto
  rm -f "$repro" "$reduced"
  "$build/fuzz_decode" "$crash" >"$repro" 2>>"$log"
  # diff_fuzzer compares the steps before one the runner cannot carry out ("step N: the command queue is
  # full"); the decoded scenario keeps them all, so cut it there as the target did.
  cut_at=$("$build/harness/smmucheck" diff "$repro" --model "$model" 2>&1 | sed -n 's/.*: step \([0-9]*\): .*/\1/p' | head -1)
  if [ -n "$cut_at" ]; then
    keep_steps "$repro" "$cut_at"
    notes="scenario cut at step $cut_at, as the target ran it${notes:+; $notes}"
  fi
  "$build/harness/smmucheck" reduce "$repro" --model "$model" -o "$reduced" >>"$log" 2>&1
  rc=$?
  if [ $rc = 1 ] && [ -f "$reduced" ]; then  # reduce exits 1: the reduced scenario still diverges
    steps=$(grep -c '^step {' "$reduced")
    "$base/smmucheck" diff "$reduced" --model "$model" >/dev/null 2>&1
    case $? in
      0) ;;
      1) notes="reduced scenario diverges unpatched too${notes:+; $notes}" ;;
      *) notes="reduced scenario does not run unpatched${notes:+; $notes}" ;;
    esac
  else
    steps="($(grep -c '^step {' "$repro") unreduced)"
    notes="smmucheck reduce exited $rc${notes:+; $notes}"
  fi
  say "   found in ${secs}s: $sig; reduced to $steps steps ($reduced)${notes:+; $notes}"
  row "$name" "$desc" "yes" "$secs" "\`$sig\`" "$steps" "$notes"
done
gitq reset -q --hard && gitq clean -fdq

echo
cat "$table"
echo
echo "table, reproducers and logs: $results, $runs, $log"
