#!/usr/bin/env bash
# run.sh - what `make run` starts: `sluice serve` on the embedded defaults, in the foreground
# (milter on inet:11339@127.0.0.1, score log in the state directory; Ctrl-C stops it).
#
# On a fresh machine the starter Bayes model does not exist yet: it is built first with
# models/build.sh (the `make model` recipe: fetch the public corpus, train on its training
# split). Without it sluice still runs, on rules alone, and says so in every score-log line.
# Extra arguments go to `sluice serve`; SLUICE_CONFIG or `--config` style use: see sluice(8).
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
[[ $build = /* ]] || build=$here/$build

if ! "$build/sluice" help serve >/dev/null 2>&1; then
  echo "run.sh: this build has no 'sluice serve'; decoding the sample message instead" >&2
  exec "$build/sluice" mime "$here/tests/data/sample.eml"
fi

# The state directory the embedded default uses (filter/config/config.cc: ${STATE}).
if [ -n "${SLUICE_STATE:-}" ]; then
  state=$SLUICE_STATE
elif [ -d /var/lib/sluice ]; then
  state=/var/lib/sluice
else
  state=$here/build/state
fi
mkdir -p "$state"
if [ -z "${SLUICE_CONFIG:-}" ] && [ ! -e /etc/sluice/sluice.yaml ] && [ ! -d "$state/bayes" ]; then
  if [ -x "$here/models/build.sh" ]; then
    echo "run.sh: no Bayes model in $state/bayes yet: building the starter model (make model)" >&2
    "$here/models/build.sh" "$build" || echo "run.sh: model build failed; serving on rules alone" >&2
  fi
fi
echo "run.sh: sluice serve (milter on the configured socket; Ctrl-C or SIGTERM stops it)" >&2
exec "$build/sluice" serve "$@"
