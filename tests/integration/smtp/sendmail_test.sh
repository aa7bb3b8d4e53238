#!/bin/bash
# sendmail_test.sh SLUICE - sluice in front of a real sendmail 8.17:
#   swaks -> sluice -> sendmail (relays everything) -> smtp-sink
# Checks delivery with the X-Spam headers, an 8-bit UTF-8 body byte for byte, a recipient
# sendmail refuses (User unknown) among good ones, dot-stuffed lines, and 550 for spam.
# sendmail is unpacked into the build tree before entering the private network namespace
# (skipped if that fails) and runs without DNS: ../common/sendmail_fixture.sh.
SMROOT=${SLUICE_SENDMAIL_ROOT:?set by CMake: BUILD/test-mta/sendmail-root}
source "$(dirname "$0")/../common/sendmail_fixture.sh"
if [ "${SLUICE_ISOLATED:-0}" != 1 ]; then
  sm_unpack "$SMROOT"
  export SLUICE_ISOLATED=1
  exec "$(dirname "$0")/run_isolated.sh" "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
if ! sm_usable "$SMROOT"; then
  echo "# SKIP sendmail not available (unpacked sendmail-bin, m4)"
  exit 0
fi
SM_PORT=$((PORT_BASE + 35))

start_sink
sm_start "$SMROOT" "$W/sm" "$SM_PORT" "$SINK_PORT" || exit 1
wait_port "$SM_PORT" || { echo "not ok - sendmail did not start"; cat "$W/sm/sendmail.out"; exit 1; }
write_config "$SM_PORT"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

SWAKS=(swaks --server 127.0.0.1 --port "$PROXY_PORT" --from alice@example.org
       --to bob@smtpsink.test --helo client.test --timeout 20)

out=$("${SWAKS[@]}" --h-Subject "via sendmail" --body "through sluice then sendmail" 2>&1)
check "sluice -> sendmail: accepted" test $? -eq 0
check "client got sendmail's own 250 (its queue id)" grep -qE "<-  250 2.0.0 \S+ Message accepted" <<<"$out"
check "... delivered" wait_sink "through sluice then sendmail"
check "... with X-Spam-Status" sink_has "X-Spam-Status: No, score="

"${SWAKS[@]}" --h-Subject "dots" --body $'.leading dot\n..two dots\n.\nlast' >/dev/null 2>&1
check "dot-stuffed body accepted" test $? -eq 0
check "dots survive sluice and sendmail" bash -c "for i in \$(seq 50); do
  grep -rqzP '\n\.leading dot\r?\n\.\.two dots\r?\n\.\r?\nlast' '$W/sink' && exit 0; sleep 0.1; done; exit 1"

check "8-bit UTF-8 body with BODY=8BITMIME" $CLIENT utf8 "$PROXY_PORT" 8bit
check "... UTF-8 delivered byte for byte" wait_sink "Grüße aus Köln — ünïcödé ✓"
check "... raw 8-bit bytes kept" grep -rqaF $'raw 8-bit \xe9\xe8 latin-1' "$W/sink"

check "sendmail refuses one recipient (its 550 5.1.1), the others go through" \
  $CLIENT rcpts "$PROXY_PORT" "bob@smtpsink.test=250" "nosuchuser@mx.test.example=550" \
  "carol@smtpsink.test=250"
check "... delivered to the accepted ones" wait_sink "X-Rcpt-Args: <carol@smtpsink.test>"
check "... not to the refused one" bash -c "! grep -rqF nosuchuser '$W/sink'"

before=$(sink_count)
out=$("${SWAKS[@]}" --h-Subject "SLUICE-TEST-SPAM via sendmail" --body "SPAM-SM" 2>&1)
check "spam gets 550 5.7.1 (swaks rc 26)" test $? -eq 26
sleep 1
check "... and sendmail never got it" bash -c "! grep -rqF SPAM-SM '$W/sink'"
finish
