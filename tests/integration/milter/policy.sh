#!/usr/bin/env bash
# policy.sh - outbound and failure policy of `sluice serve`, driven by miltertest:
# authenticated mail ({auth_authen}) and mail from trusted_networks accepted unscored at end
# of message when skip_outbound is on (at MAIL with skip_outbound_at_mail), scored with
# outbound_actions when it is off, and a scan over the per-message time budget ending in
# on_error's action (451 with tempfail); each case also checked in the score log.
# Usage: policy.sh BUILD_DIR
BUILD=$(cd "${1:?usage: policy.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
fx_netns "$@"
fx_init policy
command -v miltertest >/dev/null || skip "miltertest not installed (tools/deps.sh test)"

run_mt() {  # run_mt SOCKET CASE
  miltertest -D "sock=$1" -D "case=$2" -s "$HERE/policy.lua" >"$W/mt.$2" 2>&1
  local rc=$?
  sed 's/^/    /' "$W/mt.$2"
  return $rc
}

# 1. skip_outbound: true (the default), one trusted network.
SOCK=inet:21060@127.0.0.1
fx_sluice_config "$W/skip.yaml" "$SOCK"
sed -i 's|^milter:$|milter:\n  trusted_networks: [192.0.2.0/24]\n  skip_outbound: true|' "$W/skip.yaml"
fx_sluice_start "$W/skip.yaml" || exit 1
check "miltertest: outbound skipped at end of message, inbound scored" run_mt "$SOCK" skip
check "log: authenticated mail noted, not scored" fx_log_match auth-skip@ '"rcpts":\["bob@example.net"\].*"notes":\["outbound \(authenticated\): not scored"\]'
check "log: trusted-network mail noted, not scored" fx_log_match trusted-skip@ '"rcpts":\["bob@example.net"\].*"notes":\["outbound \(trusted network\): not scored"\]'
check "log: inbound spam rejected" fx_log_match policy-inbound@ '"action":"reject"'
kill "$SLUICE_PID"

# 1b. skip_outbound_at_mail: true: outbound accepted at MAIL (MAIL not negotiated no-reply).
SOCK=inet:21063@127.0.0.1
fx_sluice_config "$W/skipmail.yaml" "$SOCK"
sed -i 's|^milter:$|milter:\n  trusted_networks: [192.0.2.0/24]\n  skip_outbound_at_mail: true|; s|score\.log|score-skipmail.log|' "$W/skipmail.yaml"
fx_sluice_start "$W/skipmail.yaml" || exit 1
check "miltertest: skip_outbound_at_mail: outbound accepted at MAIL" run_mt "$SOCK" skip_at_mail
check "log: accepted at MAIL, noted, not scored" fx_log_match auth-skip-mail@ '"notes":\["outbound \(authenticated\): not scored"\]' "$W/score-skipmail.log"
check "log: trusted network accepted at MAIL, not scored" fx_log_match trusted-skip-mail@ '"notes":\["outbound \(trusted network\): not scored"\]' "$W/score-skipmail.log"
check "log: inbound spam rejected" fx_log_match policy-inbound-at-mail@ '"action":"reject"' "$W/score-skipmail.log"
nr() { python3 "$HERE/nr_client.py" "$@" >"$W/nr.out" 2>&1; local rc=$?; sed 's/^/    /' "$W/nr.out"; return $rc; }
check "skip_outbound_at_mail: every NR step but MAIL negotiated; outbound accepted at MAIL" nr "$SOCK" all conn,helo,rcpt,data,unkn,hdr,eoh,body atmail
kill "$SLUICE_PID"

# 2. skip_outbound: false: outbound mail scored with its own thresholds.
SOCK=inet:21061@127.0.0.1
fx_sluice_config "$W/out.yaml" "$SOCK"
sed -i 's|^milter:$|milter:\n  skip_outbound: false\n  outbound_actions:\n    add_header: 5\n    reject: 30|; s|score\.log|score-out.log|' "$W/out.yaml"
fx_sluice_start "$W/out.yaml" || exit 1
check "miltertest: outbound scored with outbound_actions" run_mt "$SOCK" score_outbound
check "log: outbound spam tagged, not rejected" fx_log_match policy-outbound@ '"action":"add_header"' "$W/score-out.log"
check "log: inbound spam rejected" fx_log_match policy-inbound2@ '"action":"reject"' "$W/score-out.log"
kill "$SLUICE_PID"

# 3. time budget 0 ms with on_error: tempfail.
SOCK=inet:21062@127.0.0.1
fx_sluice_config "$W/budget.yaml" "$SOCK" "on_error: tempfail"
sed -i 's|^scoring:$|scoring:\n  time_budget_ms: 0|; s|score\.log|score-budget.log|' "$W/budget.yaml"
fx_sluice_start "$W/budget.yaml" || exit 1
check "miltertest: over the time budget -> 451" run_mt "$SOCK" budget
check "log: over-budget message logged as error with the reason" fx_log_match policy-budget@ '"action":"tempfail","error":true.*over the time budget of 0 ms' "$W/score-budget.log"
check "daemon alive after the over-budget message" fx_alive "$SLUICE_PID"

fx_finish
