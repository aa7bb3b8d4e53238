#!/usr/bin/env bash
# reload_stop_test.sh SLUICE - SIGTERM while a SIGHUP reload is still running stops the
# daemon at once (exit 0, score log flushed) instead of waiting for the reload to end (a
# cold rules compile takes up to a minute; systemd SIGKILLs after TimeoutStopSec). The
# reload is held up for ever by a config whose rule file is a FIFO nobody writes: the reload
# thread then waits in open(2) while reading the rules. (A FIFO config file itself is refused
# at once since LoadConfig opens it without blocking.)
set -euo pipefail
sluice=$1
work=$(mktemp -d /tmp/sluice-reload-stop.XXXXXX)
trap 'kill -KILL $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"

write_serve_config "$work/sluice.yaml" "$work/score.log" "$work" "spill_dir: $work"
"$sluice" --config "$work/sluice.yaml" serve 2>"$work/err" &
daemon=$!
for _ in $(seq 1 100); do
  grep -qs "milter listening" "$work/err" && break
  sleep 0.1
done
grep -q "milter listening" "$work/err" || fail "did not start: $(cat "$work/err")"
mkfifo "$work/rules.fifo"
sed "s|rules: \[\]|rules: [$work/rules.fifo]|" "$work/sluice.yaml" >"$work/next.yaml"
grep -q "rules.fifo" "$work/next.yaml" || fail "test setup: rule file not named"
mv "$work/next.yaml" "$work/sluice.yaml"
kill -HUP "$daemon"
sleep 1
kill -0 "$daemon" 2>/dev/null || fail "the reload stopped the daemon: $(cat "$work/err")"
kill -TERM "$daemon"
code=0
for _ in $(seq 1 200); do  # libmilter takes up to 5 s to see the stop
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$daemon" 2>/dev/null; then
  fail "still running 20 s after SIGTERM during a reload: $(cat "$work/err")"
fi
wait "$daemon" || code=$?
[ "$code" -eq 0 ] || fail "exit $code after SIGTERM: $(cat "$work/err")"
grep -q "stopped (a reload in progress was abandoned)" "$work/err" || fail "$(cat "$work/err")"
echo "reload stop: ok"
