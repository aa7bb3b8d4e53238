#!/usr/bin/env bash
# sendmail.sh - sluice behind a real sendmail 8.17 (INPUT_MAIL_FILTER), mail sent with swaks,
# relayed to smtp-sink. sendmail is unpacked into the build tree once (needs the Debian
# mirror; skipped if unreachable) and runs without DNS: ../common/sendmail_fixture.sh.
# Asserts headers, Subject rewrite, 550 for GTUBE, the score-log line (sendmail hands over
# the queue id at MAIL FROM) and 451 from sendmail with the milter down.
# Usage: sendmail.sh BUILD_DIR
BUILD=$(cd "${1:?usage: sendmail.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/../common/sendmail_fixture.sh"

SMROOT=$BUILD/test-mta/sendmail-root
SM=$SMROOT/usr/libexec/sendmail/sendmail
[ -n "${SLUICE_IN_NETNS:-}" ] || sm_unpack "$SMROOT"  # before entering the netns: it downloads
fx_netns "$@"
fx_init sendmail
[ -x "$SM" ] || skip "sendmail not unpacked (apt-get download sendmail-bin sendmail-cf failed)"
command -v m4 >/dev/null && command -v swaks >/dev/null || skip "m4/swaks not installed (tools/deps.sh test)"
ldd "$SM" | grep -q 'not found' && skip "sendmail's libraries missing: $(ldd "$SM" | grep 'not found' | tr -d '\t')"

SMTP=21135 SINK=21131 MPORT=21141
fx_sink_start $SINK || exit 1
fx_sluice_config "$W/s.yaml" "inet:$MPORT@127.0.0.1"
fx_sluice_start "$W/s.yaml" || exit 1

S=$W/sm
sm_start "$SMROOT" "$S" $SMTP $SINK \
  "INPUT_MAIL_FILTER(\`sluice', \`S=inet:$MPORT@127.0.0.1, F=T, T=C:5s;S:10s;R:10s;E:30s')dnl" || exit 1
fx_wait_port $SMTP 20 || { cat "$S/sendmail.out"; exit 1; }

send() {  # send TAG MSGID SUBJECT BODY
  printf 'From: Alice <alice@example.org>\r\nTo: bob@smtpsink.test\r\nSubject: %s\r\nDate: Sat, 28 Nov 2026 05:00:00 +0000\r\nMessage-ID: <%s>\r\n\r\n%s\r\n' \
    "$3" "$2" "$4" >"$W/msg.$1"
  fx_swaks "$1" $SMTP --from alice@example.org --to bob@smtpsink.test --data "@$W/msg.$1"
}

check "clean: accepted" send clean sm-clean@example.org "hello from sendmail" "plain words"
check "clean: delivered" fx_wait_sink_count 1 20
F=$(fx_sink_find sm-clean@example.org)
check "clean: X-Spam-Status: No added" grep -q '^X-Spam-Status: No, score=' "$F"
check "clean: body and Subject as sent" bash -c "grep -q '^Subject: hello from sendmail' '$F' && grep -q '^plain words' '$F'"
check "log: clean line with sendmail's queue id and client" fx_log_match sm-clean@ '"queue_id":"[0-9A-Za-z]{10,}",.*"client_ip":"127.0.0.1"'

check "tag: accepted" send tag sm-tag@example.org "bargain" "sluice-test-tag-me"
check "tag: delivered" fx_wait_sink_count 2 20
F=$(fx_sink_find sm-tag@example.org)
check "tag: Subject rewritten" grep -q '^Subject: \[SPAM\] bargain' "$F"
check "tag: X-Spam-Flag: YES" grep -q '^X-Spam-Flag: YES' "$F"

send gtube sm-gtube@example.org "gtube" 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
check "gtube: client saw 550 5.7.1 (swaks rc 26)" bash -c "[ $? -eq 26 ] && grep -q '550 5.7.1 Message rejected as spam' '$W/swaks.gtube'"
check "log: gtube rejected" fx_log_match sm-gtube@ '"action":"reject"'

kill -KILL "$SLUICE_PID"
send down sm-down@example.org "milter down" "F=T means tempfail"
check "milter down (F=T): client saw 451" bash -c "grep -q '<\*\* 451' '$W/swaks.down'"
fx_finish
