#!/bin/bash
# load_test.sh SLUICE - bounded load: smtp-source with LOAD_SESSIONS (200) parallel sessions
# and LOAD_MESSAGES (20,000) messages into sluice -> smtp-sink, with a SIGHUP reload (new
# config and engine while sessions are open) in the middle. Passes when every message was
# acknowledged, the sink holds exactly as many, none twice (unique Message-Id), and the
# score log has one line per message. Not part of `make test` (target smtp_load_test).
source "$(dirname "$0")/lib.sh"
SESSIONS=${LOAD_SESSIONS:-200}
MESSAGES=${LOAD_MESSAGES:-20000}
ulimit -n 65536 2>/dev/null

start_sink
write_config "$SINK_PORT" "max_connections: 2000" "max_connections_per_ip: 1000"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

start=$(date +%s.%N)
smtp-source -c -s "$SESSIONS" -m "$MESSAGES" -l 2048 -f load@example.org -t load@smtpsink.test \
  "127.0.0.1:$PROXY_PORT" >"$W/source.out" 2>"$W/source.err" &
source_pid=$!
# Reload once a fifth of the messages are in.
for i in $(seq 600); do
  [ "$(sink_count)" -ge $((MESSAGES / 5)) ] && break
  sleep 0.1
done
kill -HUP "$SLUICE_PID"
reload_at=$(sink_count)
wait "$source_pid"
source_rc=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
sleep 0.5  # the score log writer flushes behind the replies

delivered=$(sink_count)
unique=$(grep -rh '^Message-Id:' "$W/sink" | sort -u | wc -l)
logged=$(grep -c '"source":"smtp"' "$W/score.log")
acked=$(tr '\r' '\n' <"$W/source.out" | grep -E '^[0-9]+$' | tail -1)
echo "# $MESSAGES messages, $SESSIONS sessions, ${elapsed}s; reload after $reload_at messages"
echo "# acknowledged=$acked delivered=$delivered unique=$unique logged=$logged"
check "smtp-source finished cleanly" test "$source_rc" -eq 0 -a ! -s "$W/source.err"
check "every message acknowledged" test "${acked:-0}" -eq "$MESSAGES"
check "sink holds as many as were acknowledged" test "$delivered" -eq "${acked:-0}"
check "none duplicated" test "$unique" -eq "$delivered"
check "one score-log line per message" test "$logged" -eq "$delivered"
check "the reload happened mid-run" grep -q "reloaded" "$W/sluice.err"
check "reload came while mail was flowing" test "$reload_at" -lt "$MESSAGES"
finish
