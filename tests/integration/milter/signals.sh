#!/usr/bin/env bash
# signals.sh - bursts of SIGUSR1 (logrotate) and SIGHUP (reload) at the real `sluice serve`:
# the milter keeps serving and the daemon keeps running. libmilter starts its own thread
# that waits for SIGHUP/SIGTERM/SIGINT and *stops* the milter on any of them; a SIGHUP that
# came while the main thread was busy with the signal before went to that thread, and the
# daemon then exited with status 0 (so systemd's Restart=on-failure left it down).
# Usage: signals.sh BUILD_DIR
BUILD=$(cd "${1:?usage: signals.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
fx_netns "$@"
fx_init signals

SOCK=unix:$W/milter.sock
fx_sluice_config "$W/s.yaml" "$SOCK"
fx_sluice_start "$W/s.yaml" || exit 1
serving() {  # the milter socket takes a connection
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])' \
    "$W/milter.sock" 2>/dev/null
}
check "serving before the signals" serving
for round in 1 2 3; do
  for i in $(seq 100); do
    kill -USR1 "$SLUICE_PID"
    kill -HUP "$SLUICE_PID"
  done
  sleep 0.2
done
# libmilter's listener notices a stop within its select timeout (seconds): give it time.
sleep 8
check "daemon alive after 300 SIGUSR1+SIGHUP pairs" fx_alive "$SLUICE_PID"
check "milter still serving" serving
check "reloads happened" grep -q 'sluice: reloaded' "$W/sluice.err"
check "never said stopped" bash -c "! grep -q 'sluice: stopped' '$W/sluice.err'"
kill -TERM "$SLUICE_PID"
stopped() { ! fx_alive "$SLUICE_PID"; }
check "SIGTERM still stops it" fx_eventually 15 stopped
check "said stopped" grep -q 'sluice: stopped' "$W/sluice.err"
fx_finish
