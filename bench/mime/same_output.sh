#!/usr/bin/env bash
# same_output.sh - do two sluice builds decode every test message identically?
#
#   bench/mime/same_output.sh OLD_SLUICE NEW_SLUICE [FILE_OR_DIR...]
#
# Runs `sluice mime --json` of both binaries over every message of the corpus split lists
# (train+test, from $CORPUS_DIR or .cache/corpus), every file under tests/data and every file
# of ../shared/mime-cases (when it exists beside the repository), plus any extra files or
# directories given. The exit status of each run is part of what is compared. Prints each
# file whose output differs (with the first differing lines) and exits 1 if any did, 0 if
# all were the same. Speed work on filter/mime must leave this at 0 unless it fixes a bug.
set -euo pipefail
export LC_ALL=C
if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_SLUICE NEW_SLUICE [FILE_OR_DIR...]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS_DIR:-$here/.cache/corpus}
jobs=${JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
  for list in train.spam train.ham test.spam test.ham; do
    [ -f "$corpus/$list" ] || continue
    while IFS= read -r path; do
      [ -n "$path" ] || continue
      case $path in /*) echo "$path" ;; *) echo "$corpus/$path" ;; esac
    done <"$corpus/$list"
  done
  find "$here/tests/data" -type f
  [ -d "$here/../shared/mime-cases" ] && find "$here/../shared/mime-cases" -type f
  for extra in "$@"; do find "$extra" -type f; done
} | sort -u >"$work/files"
count=$(wc -l <"$work/files")
echo "same_output: $count files" >&2

# One line per file: path, exit status, digest of stdout+stderr.
digest_all() {
  local bin=$1 out=$2
  tr '\n' '\0' <"$work/files" |
    xargs -0 -P "$jobs" -n 64 bash -c '
      bin=$1; shift
      for f in "$@"; do
        sum=$("$bin" mime --json "$f" 2>&1 | md5sum)
        printf "%s\t%s\t%s\n" "$f" "${PIPESTATUS[0]}" "${sum%% *}"
      done' digest "$bin" | sort >"$out"
}
digest_all "$old" "$work/old" &
digest_all "$new" "$work/new"
wait
for side in old new; do
  if [ "$(wc -l <"$work/$side")" -ne "$count" ]; then
    echo "same_output: the $side run digested $(wc -l <"$work/$side") of $count files" >&2
    exit 2
  fi
done

differ=0
while IFS= read -r f; do
  differ=$((differ + 1))
  echo "DIFFERS: $f"
  diff <("$old" mime --json "$f" 2>&1 | tr ',' '\n') <("$new" mime --json "$f" 2>&1 | tr ',' '\n') |
    head -8 || true
done < <(join -t $'\t' "$work/old" "$work/new" | awk -F'\t' '$2 != $4 || $3 != $5 { print $1 }')
echo "same_output: $differ of $count files differ" >&2
[ "$differ" -eq 0 ]
