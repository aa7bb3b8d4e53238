#!/usr/bin/env bash
# warm_cache.sh - compiles the shipped + test rules once into the shared test cache, so the
# milter integration tests (a ctest fixture depending on this) start in well under a second.
# Usage: warm_cache.sh BUILD_DIR
BUILD=$(cd "${1:?usage: warm_cache.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
fx_init warm
fx_sluice_config "$W/s.yaml" "inet:21099@127.0.0.1"
check "rules compile into the shared cache" "$SLUICE" --config "$W/s.yaml" serve --check
fx_finish
