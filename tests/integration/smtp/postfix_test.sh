#!/bin/bash
# postfix_test.sh SLUICE - sluice with a private Postfix instance:
#   in front of Postfix:   swaks -> sluice -> Postfix smtpd -> smtp-sink
#   behind Postfix:        swaks -> Postfix smtpd_proxy_filter -> sluice -> Postfix -> smtp-sink
# (the second path with XFORWARD, so the real client's HELO reaches the back smtpd).
# Checks relaying, 550 for spam, a recipient the downstream refuses among several, 8-bit
# mail, and what the final sink holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/postfix_fixture.sh"
trap 'pf_stop; cleanup' EXIT

start_sink
pf_start || { echo "not ok - postfix did not start"; cat "$W/postfix.err"; exit 1; }
write_config "$PF_IN"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

SWAKS=(swaks --server 127.0.0.1 --from alice@example.org --to bob@smtpsink.test --timeout 30)

# In front of Postfix.
out=$("${SWAKS[@]}" --port "$PROXY_PORT" --helo client-front.test --h-Subject "front of postfix" \
  --body "through sluice then postfix" 2>&1)
check "sluice -> postfix: accepted" test $? -eq 0
check "client got Postfix's queue id" grep -Eq "<-  250 2.0.0 Ok: ([0-9]+ bytes )?queued as" <<<"$out"
# Postfix offers CHUNKING: sluice relays with one BDAT LAST, which Postfix answers "N bytes".
check "relayed to Postfix with BDAT" grep -Eq "<-  250 2.0.0 Ok: [0-9]+ bytes queued as" <<<"$out"
check "sluice -> postfix: delivered with X-Spam headers" wait_sink "through sluice then postfix"
check "X-Spam-Status added" sink_has "X-Spam-Status: No"

out=$("${SWAKS[@]}" --port "$PROXY_PORT" --h-Subject "SLUICE-TEST-SPAM front" --body "spam front" 2>&1)
check "sluice -> postfix: spam gets 550 5.7.1" test $? -eq 26
check "refused recipient gets Postfix's own reply, others go through" \
  $CLIENT rcpts "$PROXY_PORT" "bob@smtpsink.test=250" "nobody@smtpsink.test=550" "carol@smtpsink.test=250"
check "... delivered to the accepted ones" wait_sink "X-Rcpt-Args: <carol@smtpsink.test>"
check "8-bit/SMTPUTF8 through Postfix" $CLIENT utf8 "$PROXY_PORT"
# Postfix took the UTF-8 envelope from sluice (smtp-sink, the last hop, lacks SMTPUTF8, so
# Postfix bounces it there: that is Postfix's business, sluice passed it on).
check "... Postfix queued the UTF-8 envelope" wait_maillog "from=<jürgen@example.org>"

# Behind Postfix (smtpd_proxy_filter), with XFORWARD.
out=$("${SWAKS[@]}" --port "$PF_FRONT" --helo client-xfwd.test --h-Subject "behind postfix" \
  --body "postfix then sluice" 2>&1)
check "postfix -> sluice -> postfix: accepted" test $? -eq 0
check "... delivered" wait_sink "postfix then sluice"
check "XFORWARD carried the real client's HELO to the back smtpd" \
  grep -rqE "Received: from client-xfwd.test" "$W/sink"
check "score log names the forwarded HELO" grep -q '"client-xfwd.test"' "$W/score.log"
out=$("${SWAKS[@]}" --port "$PF_FRONT" --h-Subject "SLUICE-TEST-SPAM behind" --body "spam behind" 2>&1)
check "postfix -> sluice: spam gets 550 5.7.1 through the front smtpd" \
  grep -q "<\*\* 550 5.7.1" <<<"$out"
sleep 1
check "... and is not delivered" bash -c "! grep -rqF 'spam behind' '$W/sink'"
check "... nor spam from the front path" bash -c "! grep -rqF 'spam front' '$W/sink'"
finish
