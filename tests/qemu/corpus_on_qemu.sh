#!/bin/bash
# The corpus on QEMU's SMMUv3 (`smmucheck diff --model qemu`): every scenario QEMU can express runs, and
# the divergences are exactly the known ones of tests/qemu/known_divergences.txt, each judged against
# the spec in docs/qemu-peer.md. A new divergence, or a known one that went away, fails; so does a
# scenario that errors. Skipped (exit 77) without qemu-system-aarch64. Usage: SMMUCHECK SOURCE_DIR
set -uo pipefail
smmucheck=$1 src=$2
command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 not installed: skipped"; exit 77; }
out=$(cd "$src" && "$smmucheck" diff --model qemu corpus/)
status=$?
echo "$out" | tail -1
if [ $status -eq 2 ] || echo "$out" | grep -q '^ERROR'; then
  echo "$out" | grep '^ERROR'
  echo "scenarios failed to run on QEMU (exit $status)"
  exit 1
fi
got=$(echo "$out" | awk '/^DIVERGE/ {print $2, $3}' | sort)
want=$(grep -v '^#' "$src/tests/qemu/known_divergences.txt" | grep . | sort)
if [ "$got" != "$want" ]; then
  echo "divergences on QEMU differ from tests/qemu/known_divergences.txt (< known, > now):"
  diff <(echo "$want") <(echo "$got")
  exit 1
fi
echo "$(echo "$got" | grep -c .) known divergences, no new one"
