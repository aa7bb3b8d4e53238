#!/usr/bin/env bash
# postfix.sh - sluice behind a real Postfix (smtpd_milters), mail sent with swaks, delivered
# to smtp-sink. Asserts what reached the sink (headers added, Subject rewritten, nothing else
# altered), what the client saw (550 for GTUBE, 451 when scoring fails with on_error:
# tempfail), quarantine into Postfix's hold queue, the score-log lines (queue id, client,
# recipients), and that with sluice SIGKILLed mid-message Postfix applies
# milter_default_action (tempfail: 451 to the client, nothing delivered; accept: delivered
# untouched) and no message the client was told was accepted is lost.
# Usage: postfix.sh BUILD_DIR
BUILD=$(cd "${1:?usage: postfix.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
fx_netns "$@"
fx_init postfix
command -v postfix >/dev/null && command -v swaks >/dev/null || skip "postfix/swaks not installed (tools/deps.sh test)"

SMTP=21125 SINK=21130 MPORT=21140
fx_sink_start $SINK || exit 1
fx_sluice_config "$W/s.yaml" "inet:$MPORT@127.0.0.1"
fx_sluice_start "$W/s.yaml" || exit 1
fx_postfix_start $SMTP $SINK "inet:127.0.0.1:$MPORT" tempfail || exit 1

ACCEPTED=()  # Message-IDs the client got a 250 for; each must end up delivered or held
send() {     # send TAG MSGID SUBJECT BODY [swaks args...]: a message we wrote ourselves
  local tag=$1 id=$2 subject=$3 body=$4
  shift 4
  printf 'From: Alice <alice@example.org>\r\nTo: bob@smtpsink.test\r\nSubject: %s\r\nDate: Sat, 28 Nov 2026 05:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\nsecond line\r\n' \
    "$subject" "$id" "$body" >"$W/msg.$tag"
  fx_swaks "$tag" $SMTP --from alice@example.org --to bob@smtpsink.test --data "@$W/msg.$tag" "$@"
  local rc=$?
  [ $rc -eq 0 ] && ACCEPTED+=("$id")
  return $rc
}
# smtp-sink's dump ends with blank lines of its own.
trim_tail() { awk '{l[NR]=$0} END{n=NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i]}'; }
# The delivered file minus what Postfix, smtp-sink and sluice add, to compare with what we sent.
strip_added() {
  awk 'BEGIN{inhdr=1} inhdr && /^\r?$/ {inhdr=0} inhdr && /^[ \t]/ {if (skip) next} inhdr && /^[^ \t]/ {skip = ($0 ~ /^(Received|X-Spam-[A-Za-z]+|X-Client-[A-Za-z]+|X-Helo-Args|X-Mail-Args|X-Rcpt-Args|Return-Path|X-Original-To|Delivered-To):/)} {if (!(inhdr && skip)) print}' "$1" | tr -d '\r'
}

check "clean: swaks accepted (rc 0)" send clean pf-clean@example.org "lunch on friday" "Shall we meet at noon?"
check "clean: delivered" fx_wait_sink_count 1
F=$(fx_sink_find pf-clean@example.org)
check "clean: X-Spam-Status: No added" grep -q '^X-Spam-Status: No, score=' "$F"
check "clean: X-Spam-Score added" grep -q '^X-Spam-Score: ' "$F"
check "clean: no X-Spam-Flag" bash -c "! grep -q '^X-Spam-Flag' '$F'"
check "clean: nothing else altered" diff <(tr -d '\r' <"$W/msg.clean" | trim_tail) <(strip_added "$F" | trim_tail)
check "log: clean line with Postfix queue id, client and helo" fx_log_match pf-clean@ '"queue_id":"[0-9A-F]{6,}",.*"client_ip":"127.0.0.1","client_name":"localhost","helo":"[^"]+"'

check "tag: swaks accepted" send tag pf-tag@example.org "deal of the day" "cheap sluice-test-tag-me"
check "tag: delivered" fx_wait_sink_count 2
F=$(fx_sink_find pf-tag@example.org)
check "tag: Subject rewritten" grep -q '^Subject: \[SPAM\] deal of the day' "$F"
check "tag: X-Spam-Flag: YES" grep -q '^X-Spam-Flag: YES' "$F"
check "tag: X-Spam-Status names the rule" bash -c "awk '/^X-Spam-Status:/{p=1;print;next} p&&/^[ \t]/{print;next} {p=0}' '$F' | grep -q SLUICE_TEST_TAG"
check "tag: body untouched" diff <(sed -n '/^\r\?$/,$p' "$W/msg.tag" | tr -d '\r' | trim_tail) <(sed -n '/^\r\?$/,$p' "$F" | tr -d '\r' | trim_tail)

send gtube pf-gtube@example.org "gtube" 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
check "gtube: client saw 550 5.7.1 (swaks rc 26)" bash -c "[ $? -eq 26 ] && grep -q '550 5.7.1 Message rejected as spam' '$W/swaks.gtube'"
check "log: gtube rejected" fx_log_match pf-gtube@ '"action":"reject"'

check "hold: swaks accepted" send hold pf-hold@example.org "hold me" "sluice-test-hold-me"
check "hold: in Postfix's hold queue" bash -c "for i in \$(seq 50); do grep -rlq pf-hold@ '$W/pfx/queue/hold' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"

check "multi-rcpt: accepted" send multi pf-multi@example.org "to two" "hello both" --to bob@smtpsink.test,carol@smtpsink.test
check "log: both recipients" bash -c "for i in \$(seq 50); do grep -F pf-multi@ '$W/score.log' | grep -q 'bob@smtpsink.test\",\"carol@smtpsink.test' && exit 0; sleep 0.1; done; exit 1"
check "multi-rcpt: delivered" fx_wait_sink_count 3

# Outbound (the client's network trusted, skip_outbound on): Postfix offers no-reply for MAIL,
# so sluice accepts the message unscored at end of message: even GTUBE is delivered, with no
# X-Spam header, and the log line has Postfix's queue id and the recipient.
reloads() { grep -c reloaded "$W/sluice.err"; }
reload_to() {  # reload_to CONFIG_SED: edit the config, SIGHUP, wait for the reload
  local n
  n=$(reloads)
  sed -i "$1" "$W/s.yaml"
  kill -HUP "$SLUICE_PID"
  fx_eventually 10 bash -c "[ \$(grep -c reloaded '$W/sluice.err') -gt $n ]"
}
check "outbound: trusted_networks reloaded" reload_to 's|^milter:$|milter:\n  trusted_networks: [127.0.0.0/8]|'
check "outbound: GTUBE from a trusted network accepted" send outbound pf-outbound@example.org "gtube out" 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
check "outbound: delivered" fx_wait_sink_count 4
F=$(fx_sink_find pf-outbound@example.org)
check "outbound: no X-Spam header (not scored)" bash -c "[ -n '$F' ] && ! grep -q '^X-Spam' '$F'"
check "outbound: nothing altered" diff <(tr -d '\r' <"$W/msg.outbound" | trim_tail) <(strip_added "$F" | trim_tail)
check "log: outbound line, not scored, with queue id and recipient" fx_log_match pf-outbound@ '"queue_id":"[0-9A-F]{6,}",.*"rcpts":\["bob@smtpsink.test"\].*"notes":\["outbound \(trusted network\): not scored"\]'
check "outbound: trusted_networks back to none" reload_to '/^  trusted_networks: \[127.0.0.0\/8\]$/d'

# sluice SIGKILLed while a client is in DATA: milter_default_action = tempfail.
python3 "$HERE/slow_client.py" $SMTP "$SLUICE_PID" pf-killed@example.org >"$W/slow.out" 2>&1
check "killed mid-message: client got 4xx (tempfail)" grep -q '^4' "$W/slow.out"
cat "$W/slow.out"
sleep 0.5
check "killed mid-message: nothing delivered" bash -c "! grep -rq pf-killed@ '$W/sink'"
# milter_default_action = accept: mail flows on, untouched, while sluice is down.
postconf -c "$W/pfx/conf" -e milter_default_action=accept
postfix -c "$W/pfx/conf" reload >/dev/null 2>&1
sleep 1
check "sluice down, default accept: accepted" send down pf-down@example.org "while down" "no milter"
check "sluice down: delivered without X-Spam headers" bash -c "for i in \$(seq 50); do F=\$(grep -rl pf-down@ '$W/sink'); [ -n \"\$F\" ] && ! grep -q '^X-Spam' \"\$F\" && exit 0; sleep 0.1; done; exit 1"

# Scoring fails inside sluice (spill dir missing) with on_error: tempfail -> 451 4.7.1.
fx_sluice_config "$W/s2.yaml" "inet:$MPORT@127.0.0.1" "on_error: tempfail"
sed -i "s|spill_bytes: 65536|spill_bytes: 1024|; s|spill_dir: .*|spill_dir: $W/no-such-dir|" "$W/s2.yaml"
fx_sluice_start "$W/s2.yaml" || exit 1
send err pf-err@example.org "big enough to spill" "$(head -c 4000 /dev/zero | tr '\0' x)"
check "scoring error, on_error tempfail: client saw 451 4.7.1" grep -q '451 4.7.1 Try again later' "$W/swaks.err"

check "nothing the client was told was accepted is lost" bash -c '
  for id in '"${ACCEPTED[*]}"'; do
    grep -rlq "$id" '"$W/sink"' || grep -rlq "$id" '"$W/pfx/queue/hold"' || { echo "lost: $id"; exit 1; }
  done'
fx_finish
