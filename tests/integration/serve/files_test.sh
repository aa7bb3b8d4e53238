#!/usr/bin/env bash
# files_test.sh SLUICE - files the daemon and `sluice logs` are pointed at that are not
# (yet) ordinary files: a score log that is a FIFO nobody reads (refused at --check and at
# start, instead of blocking in open(2) for ever), a config file that is a FIFO (refused by
# every command), and `sluice logs --follow` on a log that
# does not exist yet (waits for it, as `tail -F` does).
set -euo pipefail
sluice=$1
work=$(mktemp -d /tmp/sluice-serve-files.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"
# refused_at_once CONFIG WHAT EXIT MESSAGE MODE...: each `sluice --config CONFIG MODE` ends
# by itself (does not block on WHAT) with exit status EXIT (any non-zero for "nonzero") and
# MESSAGE in its output.
refused_at_once() {
  local config=$1 what=$2 want=$3 message=$4 mode code
  shift 4
  for mode in "$@"; do
    set +e
    # shellcheck disable=SC2086
    # -k: `serve` blocks SIGTERM (it takes signals with sigtimedwait) before loading.
    timeout -k 5 20 "$sluice" --config "$config" $mode >"$work/out" 2>&1
    code=$?
    set -e
    [ "$code" -ne 124 ] && [ "$code" -ne 137 ] || fail "$mode blocked on the $what"
    if [ "$want" = nonzero ]; then
      [ "$code" -ne 0 ] || fail "$mode with a $what: exit 0: $(cat "$work/out")"
    else
      [ "$code" -eq "$want" ] || fail "$mode with a $what: exit $code: $(cat "$work/out")"
    fi
    grep -q "$message" "$work/out" || fail "$mode: $(cat "$work/out")"
  done
}

# 1. A score log that is a FIFO with no reader.
mkfifo "$work/fifo.log"
write_serve_config "$work/fifo.yaml" "$work/fifo.log" "$work"
refused_at_once "$work/fifo.yaml" "FIFO score log" 1 \
  "score log $work/fifo.log: a FIFO or socket nobody reads" "serve --check" "serve"

# 1b. A config file that is a FIFO: refused at once by every command (open(2) used to wait
# for a writer for ever).
mkfifo "$work/fifo-config.yaml"
refused_at_once "$work/fifo-config.yaml" "FIFO config" nonzero \
  "$work/fifo-config.yaml: cannot read config file: not a regular file" \
  "serve --check" "score $work/fifo.yaml" "rules check" "logs"

# 2. `logs --follow` on a file that is not there yet: a note, then its lines once it is.
"$sluice" logs --follow "$work/later.log" >"$work/follow.out" 2>"$work/follow.err" &
follower=$!
sleep 1
kill -0 "$follower" 2>/dev/null || fail "logs --follow exited: $(cat "$work/follow.err")"
grep -q "$work/later.log does not exist yet; waiting for it to appear" "$work/follow.err" ||
  fail "no note on stderr: $(cat "$work/follow.err")"
printf '%s\n' '{"time":"2026-11-29T10:00:00.000Z","source":"cli","from":"late@example.org","subject":"appeared later","size":10,"score":1.5,"action":"accept","error":false,"hits":[],"notes":[]}' \
  >"$work/later.log"
for _ in $(seq 1 50); do
  grep -q "late@example.org" "$work/follow.out" && break
  sleep 0.1
done
grep -q "late@example.org" "$work/follow.out" || fail "the line never showed: $(cat "$work/follow.out")"
kill "$follower"
wait "$follower" 2>/dev/null || true
echo "serve files: ok"
