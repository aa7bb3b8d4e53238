#!/usr/bin/env bash
# run.sh - what `make run` starts: sluice on its embedded defaults.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
if "$build/sluice" help serve >/dev/null 2>&1; then
  exec "$build/sluice" serve
fi
# Until the daemon exists: decode the shipped sample message.
exec "$build/sluice" mime "$here/tests/data/sample.eml"
