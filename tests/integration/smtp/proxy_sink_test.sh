#!/bin/bash
# proxy_sink_test.sh SLUICE - `sluice serve` with the SMTP proxy in front of smtp-sink:
# swaks and raw conversations (pipelining, dot-stuffing, 8-bit/UTF-8, STARTTLS, several
# messages per session, RSET, bad input) and the faults (client gone mid-DATA, downstream
# stopped mid-transaction, sluice killed mid-DATA). Each check compares what the client
# was told with what reached the sink.
source "$(dirname "$0")/lib.sh"

make_cert
start_sink
write_config "$SINK_PORT" "tls_cert: $W/cert.pem" "tls_key: $W/key.pem"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

SWAKS=(swaks --server 127.0.0.1 --port "$PROXY_PORT" --from alice@example.org --to bob@smtpsink.test
       --helo client.test --timeout 20)

out=$("${SWAKS[@]}" --h-Subject "plain message" --body "clean body" 2>&1)
check "swaks: plain message accepted" test $? -eq 0
check "sink got it with X-Spam-Status: No" sink_has "X-Spam-Status: No, score="
check "sink got the body" sink_has "clean body"
check "client saw the downstream's own 250 (smtp-sink's text)" grep -qx "<-  250 2.0.0 Ok" <<<"$out"

"${SWAKS[@]}" --pipeline --h-Subject "pipelined" --body "pipelined body" >/dev/null 2>&1
check "swaks --pipeline accepted" test $? -eq 0
check "pipelined message delivered" sink_has "pipelined body"

"${SWAKS[@]}" --h-Subject "dots" --body $'.leading dot\n..two dots\n.\nlast' >/dev/null 2>&1
check "dot-stuffed body accepted" test $? -eq 0
check "dots survive both ways" grep -rqzP '\n\.leading dot\n\.\.two dots\n\.\nlast' "$W/sink"

before=$(sink_count)
out=$("${SWAKS[@]}" --h-Subject "SLUICE-TEST-SPAM buy now" --body "spam" 2>&1)
rc=$?
check "spam rejected after DATA (swaks rc 26)" test $rc -eq 26
check "spam reply is 550 5.7.1" grep -q "<\*\* 550 5.7.1" <<<"$out"
check "spam not delivered" test "$(sink_count)" -eq "$before"

# swaks here lacks Net::SSLeay; Python's smtplib speaks STARTTLS.
out=$($CLIENT tls "$PROXY_PORT" "over tls" "tls body" 2>&1)
check "STARTTLS with the self-signed certificate" test $? -eq 0
check "TLS was negotiated (and STARTTLS not offered again)" grep -q "TLS started: TLSv1" <<<"$out"
check "TLS message delivered" sink_has "tls body"
check "commands pipelined after STARTTLS in the clear are discarded" \
  $CLIENT tls_injection "$PROXY_PORT"

check "several messages and RSET in one session" $CLIENT multi "$PROXY_PORT" 3
check "all of them delivered" sink_has "message number 2"
# smtp-sink does not offer SMTPUTF8: sluice must refuse a UTF-8 envelope (553 5.6.7) rather
# than pass it to a hop that cannot take it; 8-bit bodies go through. (postfix_test.sh
# checks the SMTPUTF8 pass-through against a Postfix that offers it.)
check "8-bit body accepted, SMTPUTF8 refused for a hop without it" $CLIENT utf8 "$PROXY_PORT" refused
check "BODY=8BITMIME passed on" sink_has "X-Mail-Args: <alice@example.org> BODY=8BITMIME"
check "UTF-8 body byte for byte" sink_has "Grüße aus Köln — ünïcödé ✓"
check "raw 8-bit bytes kept" grep -rqaF $'raw 8-bit \xe9\xe8 latin-1' "$W/sink"
check "bad input answered, session survives" $CLIENT badinput "$PROXY_PORT"

# Faults.
$CLIENT disconnect_mid_data "$PROXY_PORT" "HALF-A"
sleep 0.5
check "client gone mid-DATA: nothing delivered" bash -c "! grep -rqF HALF-A '$W/sink'"

check "downstream stopped mid-transaction: client gets 4xx" \
  $CLIENT downstream_stops "$PROXY_PORT" "HALF-B" "$SINK_PID"
check "... and the sink has nothing" bash -c "! grep -rqF HALF-B '$W/sink'"
start_sink
"${SWAKS[@]}" --h-Subject "after restart" --body "downstream back" >/dev/null 2>&1
check "downstream back: mail flows again" test $? -eq 0

scored=$(grep -c '"source":"smtp"' "$W/score.log" 2>/dev/null || echo 0)
check "one score-log line per scored message ($scored)" test "$scored" -ge 10

check "sluice killed mid-DATA: nothing acknowledged" \
  $CLIENT kill_mid_data "$PROXY_PORT" "HALF-C" "$SLUICE_PID"
sleep 0.3
check "... and nothing delivered" bash -c "! grep -rqF HALF-C '$W/sink'"

finish
