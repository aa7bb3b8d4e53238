#!/bin/bash
# signals_test.sh SLUICE - `sluice serve` with the SMTP proxy and the daemon's signals, at
# the protocol level: SIGHUP reloads without dropping a session that has a transaction
# open (it delivers before and after); SIGTERM tells a client idle between transactions
# 421 4.3.2 at once, and the daemon exits 0 after saying "stopped".
source "$(dirname "$0")/lib.sh"

start_sink
write_config "$SINK_PORT"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

check "SIGHUP mid-transaction: the session survives and delivers" \
  $CLIENT reload_mid_session "$PROXY_PORT" "$SLUICE_PID" "$W/sluice.err"
check "... the message sent across the reload reached the sink" wait_sink "sent while sluice reloaded"
check "... and the next one on the same session" wait_sink "second message after reload"

check "SIGTERM: an idle client is told 421 4.3.2" $CLIENT idle_at_stop "$PROXY_PORT" "$SLUICE_PID"
wait "$SLUICE_PID"
rc=$?
check "SIGTERM: exit status 0 ($rc)" test "$rc" -eq 0
check "SIGTERM: said stopped" grep -q "sluice: stopped" "$W/sluice.err"

finish
