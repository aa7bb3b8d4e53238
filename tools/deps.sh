#!/usr/bin/env bash
# deps.sh - install the Debian packages sluice builds, tests and benchmarks with.
#
# Idempotent and non-interactive: does nothing when every package is present.
# Usage: tools/deps.sh [build|test|bench|all]   (default: all but bench)
set -euo pipefail

build_pkgs=(g++ make cmake pkg-config clang libclang-rt-14-dev
  libmilter-dev librocksdb-dev libyaml-cpp-dev libbenchmark-dev libgtest-dev libgmock-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libasio-dev libssl-dev libpcre2-dev)
# Hyperscan is x86-only; Vectorscan offers the same API (and pkg-config name) on other CPUs.
case "$(uname -m)" in
  x86_64) build_pkgs+=(libhyperscan-dev) ;;
  *) build_pkgs+=(libvectorscan-dev) ;;
esac
test_pkgs=(python3 postfix swaks miltertest openssl iproute2 util-linux procps
  m4 libwrap0 liblockfile1 libdb5.3 libnsl2 libsasl2-2 nodejs npm time)
bench_pkgs=(bogofilter nodejs npm time)

want=("${build_pkgs[@]}")
case "${1:-test}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  # Node.js from another source may bundle npm (and conflict with Debian's npm package).
  case "$p" in nodejs|npm) command -v "$p" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not write /etc/postfix/main.cf or start: tests run private instances.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections 2>/dev/null || true
# Keep package scripts from starting daemons (opendkim, postfix) on a machine without one.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
trap '[ $made_policy -eq 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
