#!/bin/bash
# `smmucheck coverage` on the whole conformance suite (cli.coverage): the three files are written, the markdown
# is printed, and the suite's known facts are in it: CMD_SYNC and CMD_CFGI_STE consumed (§4.7.3, §4.3.2),
# C_BAD_STE recorded (§7.3.4), STE.Config read with several values (§5.2). A --coverage-build that is not a
# coverage build is refused with exit 2, naming the path and the reason. Usage: cli_coverage.sh SMMUCHECK
set -uo pipefail
smmucheck=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "cli.coverage: $*" >&2; exit 1; }
"$smmucheck" coverage --out "$d/out" >"$d/stdout" || fail "exit $? (stderr above)"
for f in coverage.json coverage.md coverage.html; do test -s "$d/out/$f" || fail "no $f"; done
grep -q '^# Conformance suite coverage' "$d/stdout" || fail "the markdown is not printed"
md=$d/out/coverage.md
# A table row with a count of one or more in the column after the section.
grep -Eq '^\| CMD_SYNC \| §[0-9.]+ \| [1-9][0-9]* \|' "$md" || fail "CMD_SYNC not consumed"
grep -Eq '^\| CMD_CFGI_STE \| §[0-9.]+ \| [1-9][0-9]* \|' "$md" || fail "CMD_CFGI_STE not consumed"
grep -Eq '^\| C_BAD_STE \| §[0-9.]+ \| [1-9][0-9]* \|' "$md" || fail "C_BAD_STE not recorded"
grep -Eq '^\| Config \| q0\[[0-9]+:[0-9]+\] \| §[0-9.]+ \| exercised \|' "$md" || fail "STE Config not exercised"
grep -q 'not measured (no --coverage-build' "$md" || fail "no note on the line coverage not measured"
grep -q '<table id="cov-commands">' "$d/out/coverage.html" || fail "no commands table in the HTML"
# Bad input: a directory that is not a coverage build, and a path that does not exist.
for bad in "$d" "$d/none"; do
  "$smmucheck" coverage --out "$d/x" --coverage-build "$bad" 2>"$d/err"
  rc=$?
  test "$rc" -eq 2 || fail "--coverage-build $bad: exit $rc, not 2"
  grep -qF "$bad" "$d/err" || fail "--coverage-build $bad: the error does not name the path: $(cat "$d/err")"
done
grep -q 'not a directory' "$d/err" || fail "no reason for $d/none: $(cat "$d/err")"
"$smmucheck" coverage --out "$d/x" --coverage-build "$d" 2>"$d/err"
grep -q 'not a coverage build' "$d/err" || fail "no reason for $d: $(cat "$d/err")"
test ! -e "$d/x/coverage.json" || fail "a report was written for bad input"
echo "cli.coverage: ok"
