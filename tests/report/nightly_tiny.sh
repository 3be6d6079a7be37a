#!/bin/bash
# CI's tiny nightly: `smmucheck nightly` with a small budget and a fixed seed, its summary.json checked, and its
# report rendered in headless Chromium (tests/report/browser_check.py). Usage: SMMUCHECK OUT_DIR [BUDGET]
set -uo pipefail
smmucheck=$1
out=$2
budget=${3:-150}
here=$(cd "$(dirname "$0")" && pwd)
command -v chromium >/dev/null || { echo "no chromium: run ci/setup.sh"; exit 77; }
rm -rf "$out"
"$smmucheck" nightly --budget "$budget" --seed 1 --out "$out" >"$out.log" 2>&1
rc=$?
grep '^nightly:' "$out.log"
if [ "$rc" -gt 1 ]; then
  tail -40 "$out.log"
  echo "FAIL: the nightly exited $rc (2: a stage could not run)"
  exit 1
fi
python3 - "$out/summary.json" "$rc" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)
check(s["schema"] == "smmucheck-nightly/1", "schema")
check(s["verdict"]["exit"] == rc, f"summary says exit {s['verdict']['exit']}, the process exited {rc}")
stages = {st["stage"]: st for st in s["stages"]}
for name in ("conform-ref", "conform-opt", "corpus-run", "corpus-diff", "prove", "bench", "coverage", "campaign"):
    check(name in stages, f"stage {name} missing")
for name in ("conform-ref", "conform-opt", "corpus-run", "corpus-diff", "prove", "bench"):
    check(stages.get(name, {}).get("status") == "ok", f"stage {name}: {stages.get(name)}")
for model in ("ref", "opt"):
    c = s["conformance"][model]["counts"]
    check(c.get("pass", 0) >= 150 and c.get("fail", 1) == 0 and c.get("error", 1) == 0, f"conformance {model}: {c}")
inv = [i for p in s["proofs"]["plans"] for i in p["invariants"]]
check(len(s["proofs"]["plans"]) >= 11 and inv and all(i["as_expected"] for i in inv), "a plan verdict is not the expected one")
check(all(w["ratios"] for w in s["bench"]["workloads"]) and len(s["bench"]["workloads"]) >= 5, "bench ratios")
check(s["seed"] == 1 and s["campaign"]["seed"] == 1, "the seed")
if stages.get("campaign", {}).get("status") == "ok":
    check(len(s["campaign"]["progress"]) >= 1, "the campaign's progress lines")
for p in problems:
    print("FAIL summary.json: " + p)
print(f"summary.json: exit {rc}, {len(s['stages'])} stages, {len(inv)} invariants, "
      f"campaign {stages.get('campaign', {}).get('status')}")
sys.exit(1 if problems else 0)
PY
python3 "$here/browser_check.py" "$out/report.html" "$out/report.png" summary-table conformance-table sections-table \
  proofs-table throughput-table cov-summary cov-commands "svg:Conformance vectors per model" "svg:Executions per second" \
  "svg:Coverage (edges)"
rc=$?
# The coverage report the night wrote, as its own page.
python3 "$here/browser_check.py" "$out/coverage/coverage.html" "$out/coverage.png" cov-summary cov-commands cov-events \
  || rc=1
exit $rc
