#!/usr/bin/env bash
# build.sh BUILD_DIR - the starter Bayes model (`make model`).
#
# Fetches the public corpus (tools/fetch-corpus.sh) and trains on its training split
# (DEVELOPERS.md: spam-1, easy-ham-1, odd hard-ham-1) into the token DB the configuration
# names: scoring.bayes.db, by default ${STATE}/bayes, i.e. /var/lib/sluice/bayes when
# that directory exists, else build/state/bayes in the source tree. SLUICE_CONFIG or
# --config pick another configuration; SLUICE_STATE another state directory.
# Idempotent: messages already in the model are recognised by digest and not counted twice.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
shift || true
corpus=${CORPUS_DIR:-$here/.cache/corpus}
"$here/tools/fetch-corpus.sh"
echo "models/build.sh: training the starter model on the training split"
"$build/sluice" "$@" train -q --spam "@$corpus/train.spam" --ham "@$corpus/train.ham"
"$build/sluice" "$@" bayes stats
