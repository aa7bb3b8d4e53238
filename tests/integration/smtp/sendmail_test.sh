#!/bin/bash
# sendmail_test.sh SLUICE - sluice in front of a real sendmail 8.17:
#   swaks -> sluice -> sendmail (relays everything) -> smtp-sink
# Checks delivery with the X-Spam headers, an 8-bit UTF-8 body byte for byte, a recipient
# sendmail refuses (User unknown) among good ones, dot-stuffed lines, and 550 for spam.
# sendmail-bin conflicts with postfix, so its .debs are unpacked (not installed) into the
# build tree, before entering the private network namespace (skipped if that fails); it
# runs in a private mount+UTS namespace with its own /etc/hosts so it never does DNS
# (../shared/docs/mta-recipes.md §3; the same recipe as tests/integration/milter).
SMROOT=${SLUICE_SENDMAIL_ROOT:?set by CMake: BUILD/test-mta/sendmail-root}
SM=$SMROOT/usr/libexec/sendmail/sendmail
if [ "${SLUICE_ISOLATED:-0}" != 1 ]; then
  if [ ! -x "$SM" ]; then
    debs=$(dirname "$SMROOT")/sendmail-debs
    mkdir -p "$debs"
    (cd "$debs" && apt-get download sendmail-bin sendmail-cf >/dev/null 2>&1) &&
      for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$SMROOT"; done
  fi
  export SLUICE_ISOLATED=1
  exec "$(dirname "$0")/run_isolated.sh" "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
if [ ! -x "$SM" ] || ! command -v m4 >/dev/null || ldd "$SM" | grep -q 'not found'; then
  echo "# SKIP sendmail not available (unpacked sendmail-bin, m4)"
  exit 0
fi
SM_PORT=$((PORT_BASE + 35))

start_sink
S=$W/sm
mkdir -p "$S/mqueue"
chmod 700 "$S/mqueue"
: >"$S/aliases"
printf 'hosts files\naliases files\n' >"$S/service.switch"
printf '127.0.0.1 mx.test.example localhost\n::1 mx.test.example localhost\n' >"$S/hosts"
printf 'nameserver 127.0.0.1\n' >"$S/resolv.conf"
CFDIR=$SMROOT/usr/share/sendmail/cf
# Everything is relayed to the sink except the local domain mx.test.example, whose
# unknown users sendmail refuses itself (550 5.1.1).
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
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Family=inet, Name=MTA-test')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
m4 "$S/test.mc" >"$S/test.cf" || exit 1
unshare --mount --uts --propagation private -- /bin/sh -c "
  mount --bind '$S/hosts' /etc/hosts && mount --bind '$S/resolv.conf' /etc/resolv.conf &&
  hostname mx.test.example && '$SM' -C '$S/test.cf' -bi >/dev/null 2>&1;
  exec '$SM' -C '$S/test.cf' -bD -q1m" >"$S/sendmail.out" 2>&1 &
PIDS+=($!)
wait_port "$SM_PORT" || { echo "not ok - sendmail did not start"; cat "$S/sendmail.out"; exit 1; }
write_config "$SM_PORT"
start_sluice || { echo "not ok - sluice did not start"; cat "$W/sluice.err"; exit 1; }

# wait_sink TEXT: sendmail relays in the background; give it a few seconds.
wait_sink() {
  local i
  for i in $(seq 100); do sink_has "$1" && return 0; sleep 0.1; done
  return 1
}
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
