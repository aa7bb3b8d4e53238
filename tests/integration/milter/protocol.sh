#!/usr/bin/env bash
# protocol.sh - milter protocol tests: miltertest (Lua) conversations against the real
# `sluice serve`: every callback, several messages per connection, RSET mid-transaction,
# multi-recipient, quarantine, 550 for GTUBE, huge and malformed messages, a client that
# vanishes, 451 when scoring fails and on_error is tempfail, SIGHUP reload (good and broken
# config), SIGUSR1 log reopen, unix socket mode/owner, dropping root, clean SIGTERM, and
# `sluice logs` over the resulting score log.
# Usage: protocol.sh BUILD_DIR
BUILD=$(cd "${1:?usage: protocol.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
fx_netns "$@"
fx_init protocol
command -v miltertest >/dev/null || skip "miltertest not installed (tools/deps.sh test)"

SOCK=inet:21040@127.0.0.1
fx_sluice_config "$W/s.yaml" "$SOCK"
fx_sluice_start "$W/s.yaml" || exit 1

run_mt() {  # run_mt SOCKET CASE [-D k=v...]
  local sock=$1 case=$2
  shift 2
  miltertest -D "sock=$sock" -D "case=$case" "$@" -s "$HERE/protocol.lua" >"$W/mt.$case" 2>&1
  local rc=$?
  sed 's/^/    /' "$W/mt.$case"
  return $rc
}
json_has() { fx_log_line "$1" | grep -q -F -- "$2"; }  # json_has LINE-MARKER TEXT

check "miltertest: session (all callbacks, 6 messages, abort)" run_mt "$SOCK" session
check "log: clean message, both recipients, accept" json_has proto-clean@ '"rcpts":["bob@example.net","carol@example.net"]'
check "log: clean message has client, helo, queue fields" json_has proto-clean@ '"client_ip":"192.0.2.1","client_name":"client.example","helo":"client.example"'
check "log: tagged message -> rewrite_subject with its rule" json_has proto-tag@ '"action":"rewrite_subject"'
check "log: tagged message lists SLUICE_TEST_TAG" json_has proto-tag@ '"id":"SLUICE_TEST_TAG"'
check "log: gtube -> reject" json_has proto-gtube@ '"action":"reject"'
check "log: hold -> quarantine" json_has hold@example.com '"action":"quarantine"'
check "log: per-stage times" json_has proto-gtube@ '"us":{"mime":'
check "log: aborted transaction not logged" bash -c "! grep -q aborted@example.org '$W/score.log'"

# No-reply negotiation on the wire (nr_client.py sees every packet): the steps we claim
# (milter.h) are taken as no-reply when the MTA offers them, and then never answered; what
# the MTA does not offer is answered; with SLUICE_MILTER_NO_REPLY=0 every step is answered.
NR_CLAIMED=conn,helo,mail,rcpt,data,unkn,hdr,eoh,body
nr() { python3 "$HERE/nr_client.py" "$@" >"$W/nr.out" 2>&1; local rc=$?; sed 's/^/    /' "$W/nr.out"; return $rc; }
check "no-reply: MTA offers every NR step -> exactly the claimed ones, never answered" nr "$SOCK" all "$NR_CLAIMED"
check "log: inbound no-reply message scored as before" fx_log_match '<nr-client@' '"action":"accept".*"total":[1-9]'
check "no-reply: MTA offers none (old MTA) -> every step answered" nr "$SOCK" none none
check "no-reply: MTA offers only hdr,eoh,mail -> those taken, the rest answered" nr "$SOCK" hdr,eoh,mail hdr,eoh,mail
check "no-reply: MTA offers only hdr,eoh -> MAIL answered" nr "$SOCK" hdr,eoh hdr,eoh
export NR_BIG_BODY=1  # body chunks answered: SKIP past the scan limit reaches the MTA
check "no-reply: MTA without NR_BODY gets SKIP past the scan limit" nr "$SOCK" hdr,eoh hdr,eoh
unset NR_BIG_BODY
# Outbound (authenticated) mail with skip_outbound on (the default): MAIL is no-reply, so it
# is accepted at end of message, unscored and unmodified; an MTA without NR_MAIL gets ACCEPT
# at MAIL as before. Both write the same "not scored" line.
check "outbound, MAIL no-reply: no reply to MAIL, one ACCEPT at end of message" nr "$SOCK" all "$NR_CLAIMED" alice
check "log: outbound accepted at end of message, not scored, queue id and recipients" fx_log_match '<nr-out-alice-client@' \
  '"queue_id":"NRQUEUEID",.*"rcpts":\["bob@example.net","carol@example.net"\],"auth":"alice",.*"action":"accept","hits":\[\],.*"total":0\},"notes":\["outbound \(authenticated\): not scored"\]\}$'
check "outbound, MTA without NR_MAIL: MAIL answered ACCEPT (old behaviour)" nr "$SOCK" none none oldmta
check "log: outbound accepted at MAIL, not scored" fx_log_match nr-out-oldmta@ '"rcpts":\[\],"auth":"oldmta",.*"action":"accept","hits":\[\],.*"notes":\["outbound \(authenticated\): not scored"\]\}$'
SOCK_REPLY=inet:21042@127.0.0.1
fx_sluice_config "$W/reply.yaml" "$SOCK_REPLY"
sed -i 's|score\.log|score-reply.log|' "$W/reply.yaml"
MAIN_PID=$SLUICE_PID
SLUICE_MILTER_NO_REPLY=0 fx_sluice_start "$W/reply.yaml" || exit 1
REPLY_PID=$SLUICE_PID
SLUICE_PID=$MAIN_PID
check "SLUICE_MILTER_NO_REPLY=0: no NR step negotiated, every step answered" nr "$SOCK_REPLY" all none
kill -TERM "$REPLY_PID"

check "miltertest: huge (3 MB) and malformed messages" run_mt "$SOCK" huge
check "log: huge message: body skipped past the scan limit" json_has proto-huge@ 'rest of the body skipped'
check "log: huge message scanned up to the limit" json_has proto-huge@ 'scanned 1048576 of'
check "log: malformed message scored and logged" json_has proto-malformed@ '"action":"accept"'

check "miltertest: client vanishes mid-message" run_mt "$SOCK" vanish
check "daemon alive after the vanished client" fx_alive "$SLUICE_PID"
check "next connection served" run_mt "$SOCK" tag -D "expect=[SPAM] again" -D tag_id=after-vanish

# SIGHUP: a good new config takes effect for new messages...
sed -i 's/^log:/headers:\n  subject_tag: "[JUNK]"\nlog:/' "$W/s.yaml"
kill -HUP "$SLUICE_PID"
check "SIGHUP: reloaded" bash -c "for i in \$(seq 100); do grep -q reloaded '$W/sluice.err' && exit 0; sleep 0.1; done; exit 1"
check "after reload: new subject tag" run_mt "$SOCK" tag -D "expect=[JUNK] again" -D tag_id=after-reload
# ...a broken one is refused and the running one stays.
echo "no_such_key: 1" >>"$W/s.yaml"
kill -HUP "$SLUICE_PID"
check "SIGHUP with a broken config: refused with file:line" bash -c "for i in \$(seq 100); do grep -q 'reload refused.*s.yaml:[0-9]*: no_such_key' '$W/sluice.err' && exit 0; sleep 0.1; done; cat '$W/sluice.err'; exit 1"
check "after refused reload: still the good config" run_mt "$SOCK" tag -D "expect=[JUNK] again" -D tag_id=after-refused
check "daemon alive after the reloads" fx_alive "$SLUICE_PID"

# (Its own instance, after the checks above that look for "reloaded" in sluice.err.)
# A reload reaches the next message of a connection that stays open (an SMTP session with
# several messages): its scan limit too, not only the rules and headers.
SOCK_LIMITS=inet:21044@127.0.0.1
fx_sluice_config "$W/limits.yaml" "$SOCK_LIMITS"
sed -i 's|score\.log|score-limits.log|' "$W/limits.yaml"
SLUICE_MILTER_NO_REPLY=0 fx_sluice_start "$W/limits.yaml" || exit 1
LIMITS_PID=$SLUICE_PID
SLUICE_PID=$MAIN_PID
limits() { python3 "$HERE/limits_client.py" "$@" >"$W/limits.out" 2>&1; local rc=$?; sed 's/^/    /' "$W/limits.out"; return $rc; }
check "one connection across a SIGHUP: both messages answered" limits "$SOCK_LIMITS" "$LIMITS_PID" "$W/sluice.err" "$W/limits.yaml"
limits_line() { grep -F "$1" "$W/score-limits.log"; }
check "before the reload: the whole 3 KB kept" bash -c "$(declare -f limits_line); W='$W'; limits_line limits-before@ | grep -qv 'scanned '"
check "after the reload: kept up to the new scan limit" bash -c "$(declare -f limits_line); W='$W'; limits_line limits-after@ | grep -q 'scanned 1000 of'"
kill -TERM "$LIMITS_PID"

# SIGUSR1: logrotate moved the file; the daemon reopens by name.
mv "$W/score.log" "$W/score.log.1"
kill -USR1 "$SLUICE_PID"
sleep 0.3
check "after SIGUSR1: message logged" run_mt "$SOCK" tag -D "expect=[JUNK] again" -D tag_id=after-rotate
check "SIGUSR1: new line in the new file" fx_log_line proto-reload-after-rotate
check "SIGUSR1: old file kept its lines" grep -q proto-gtube@ "$W/score.log.1"

# `sluice logs` over what was logged.
"$SLUICE" logs "$W/score.log.1" --action reject >"$W/logs.reject" 2>&1
check "sluice logs --action reject shows the gtube mail" grep -q 'gtube@example.com.*reject.*GTUBE' "$W/logs.reject"
check "sluice logs --action reject shows nothing else" bash -c "[ \$(wc -l <'$W/logs.reject') -eq 2 ]"
"$SLUICE" logs "$W/score.log.1" --summary >"$W/logs.summary" 2>&1
check "sluice logs --summary counts actions" grep -Eq '^  rewrite_subject +[1-9]' "$W/logs.summary"
check "sluice logs --summary top rules" grep -q 'SLUICE_TEST_TAG' "$W/logs.summary"
"$SLUICE" logs "$W/score.log.1" --from spammer --min-score 5 >"$W/logs.from" 2>&1
check "sluice logs --from --min-score" bash -c "grep -q 'spammer@example.com' '$W/logs.from' && ! grep -q alice '$W/logs.from'"

# Second instance: unix socket for user nobody, scoring that fails (spill dir missing),
# on_error: tempfail.
SOCK2=unix:$W/run/milter.sock
mkdir -p "$W/run"
chmod 755 "$W/run" "$W/state"
fx_sluice_config "$W/s2.yaml" "$SOCK2" "on_error: tempfail" "user: nobody"
sed -i "s|spill_bytes: 65536|spill_bytes: 1024|; s|spill_dir: .*|spill_dir: $W/no-such-dir|; s|score\.log|score2.log|" "$W/s2.yaml"
PIDS_BEFORE=$SLUICE_PID
fx_sluice_start "$W/s2.yaml" || exit 1
SLUICE2_PID=$SLUICE_PID
SLUICE_PID=$PIDS_BEFORE
check "unix socket mode 0666, owned by the run-as user" bash -c "[ \"\$(stat -c '%a %U' '$W/run/milter.sock')\" = '666 nobody' ]"
check "dropped root to nobody" fx_eventually 5 grep -Eq '^Uid:\s+65534\s+65534\s+65534\s+65534' "/proc/$SLUICE2_PID/status"
check "rules cache handed to the run-as user (reloads can cache)" bash -c "[ \"\$(stat -c '%U' '$BUILD/test-mta/rules-cache')\" = nobody ]"
check "miltertest: failing scan -> 451 4.7.1" run_mt "$SOCK2" tempfail
check "log: failure logged as error with its cause" bash -c "for i in \$(seq 50); do grep -F proto-tempfail@ '$W/score2.log' | grep '\"action\":\"tempfail\",\"error\":true' | grep -q 'cannot create a spill file' && exit 0; sleep 0.1; done; exit 1"

# Clean shutdown: SIGTERM, exit 0 within libmilter's ~5 s.
kill -TERM "$SLUICE_PID" "$SLUICE2_PID"
rc_wait() { local i; for ((i = 0; i < 150; i++)); do fx_alive "$1" || return 0; sleep 0.1; done; return 1; }
check "SIGTERM: both daemons exit" bash -c "$(declare -f fx_alive rc_wait); rc_wait $SLUICE_PID && rc_wait $SLUICE2_PID"
wait "$SLUICE_PID"
check "SIGTERM: exit status 0" [ $? -eq 0 ]
check "SIGTERM: said stopped" grep -q 'sluice: stopped' "$W/sluice.err"
fx_finish
