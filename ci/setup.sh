#!/bin/bash
# Installs every Debian 12 package smmucheck needs to build, test and run. Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  # toolchain: clang-14 with sanitizer and libFuzzer runtimes, llvm-cov/llvm-profdata, CMake, Ninja
  clang-14 libclang-rt-14-dev llvm-14 cmake ninja-build git ca-certificates
  # libraries
  libfmt-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler
  # the Z3 checker (harness/z3)
  libz3-dev
  # the QEMU peer model (qemu-system-aarch64 with an SMMUv3)
  qemu-system-arm
  python3  # the JUnit XML check of `smmucheck conform` (tests/conform/check_junit.py)
  afl++  # AFL++ (afl-clang-fast, afl-fuzz, libAFLDriver) for the fuzzers' afl presets
  chromium fonts-dejavu-core  # the browser test of the nightly and coverage reports (headless screenshots)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run ci/setup.sh as root" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
