#!/usr/bin/env bash
# sendmail.sh - sluice behind a real sendmail 8.17 (INPUT_MAIL_FILTER), mail sent with swaks,
# relayed to smtp-sink. sendmail-bin conflicts with postfix, so its .debs are unpacked (not
# installed) into the build tree once (needs the Debian mirror; skipped if unreachable), and
# it runs in a private mount+UTS namespace with its own /etc/hosts, so it never does DNS
# (mta-recipes.md §3). Asserts headers, Subject rewrite, 550 for GTUBE, the score-log line
# (sendmail hands over the queue id at MAIL FROM) and 451 from sendmail with the milter down.
# Usage: sendmail.sh BUILD_DIR
BUILD=$(cd "${1:?usage: sendmail.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

SMROOT=$BUILD/test-mta/sendmail-root
SM=$SMROOT/usr/libexec/sendmail/sendmail
if [ ! -x "$SM" ] && [ -z "${SLUICE_IN_NETNS:-}" ]; then  # before entering the netns: it downloads
  mkdir -p "$BUILD/test-mta/sendmail-debs"
  (cd "$BUILD/test-mta/sendmail-debs" && apt-get download sendmail-bin sendmail-cf >/dev/null 2>&1) &&
    for d in "$BUILD"/test-mta/sendmail-debs/*.deb; do dpkg-deb -x "$d" "$SMROOT"; done
fi
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
mkdir -p "$S/mqueue"
chmod 700 "$S/mqueue"
: >"$S/aliases"
printf 'hosts files\naliases files\n' >"$S/service.switch"
printf '127.0.0.1 mx.test.example localhost\n::1 mx.test.example localhost\n' >"$S/hosts"
printf 'nameserver 127.0.0.1\n' >"$S/resolv.conf"
CFDIR=$SMROOT/usr/share/sendmail/cf
cat >"$S/test.mc" <<MC
divert(0)dnl
include(\`$CFDIR/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
define(\`QUEUE_DIR', \`$S/mqueue')dnl
define(\`ALIAS_FILE', \`$S/aliases')dnl
define(\`STATUS_FILE', \`$S/statistics')dnl
define(\`HELP_FILE', \`$SMROOT/etc/mail/helpfile')dnl
define(\`confPID_FILE', \`$S/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$S/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`MapInUnsafeDirPath')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=$SMTP, Addr=127.0.0.1, Family=inet, Name=MTA-test')dnl
INPUT_MAIL_FILTER(\`sluice', \`S=inet:$MPORT@127.0.0.1, F=T, T=C:5s;S:10s;R:10s;E:30s')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
m4 "$S/test.mc" >"$S/test.cf" || exit 1
unshare --mount --uts --propagation private -- /bin/sh -c "
  mount --bind '$S/hosts' /etc/hosts && mount --bind '$S/resolv.conf' /etc/resolv.conf &&
  hostname mx.test.example && '$SM' -C '$S/test.cf' -bi >/dev/null 2>&1;
  exec '$SM' -C '$S/test.cf' -bD -q1m -X '$S/traffic.log'" >"$S/sendmail.out" 2>&1 &
PIDS+=($!)
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
