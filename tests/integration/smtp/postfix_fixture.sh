# postfix_fixture.sh - a private Postfix instance on loopback (sourced after lib.sh).
#
# pf_start writes $W/pfx/conf/{main.cf,master.cf} (../common/postfix_fixture.sh, the
# recipe in ../shared/docs/mta-recipes.md) with two smtpd services:
#   PF_IN    (PORT_BASE+27) plain relay for 127.0.0.0/8, XFORWARD allowed
#   PF_FRONT (PORT_BASE+26) smtpd_proxy_filter -> PF_FILTER (sluice), sluice then
#            hands the mail to PF_IN
# Mail to *@smtpsink.test goes to smtp-sink on SINK_PORT; nobody@smtpsink.test is refused
# at RCPT (550 5.1.1). pf_stop SIGTERMs the master (its process group follows).
PF_FRONT=$((PORT_BASE + 26))
PF_IN=$((PORT_BASE + 27))
PF_FILTER=${PF_FILTER:-$PROXY_PORT}

source "$(dirname "${BASH_SOURCE[0]}")/../common/postfix_fixture.sh"

pf_start() {
  local base=$W/pfx
  pfx_write_config "$base" "$SINK_PORT"
  cat >>"$base/conf/main.cf" <<CF
smtpd_recipient_restrictions = check_recipient_access inline:{ {nobody@smtpsink.test = 550 5.1.1 no such user here} }, permit_mynetworks, reject
smtpd_authorized_xforward_hosts = 127.0.0.0/8
smtputf8_enable = yes
message_size_limit = 52428800
default_process_limit = 300
CF
  cat >>"$base/conf/master.cf" <<CF
127.0.0.1:$PF_IN inet n - n - 300 smtpd
  -o syslog_name=pfx/in
127.0.0.1:$PF_FRONT inet n - n - 20 smtpd
  -o syslog_name=pfx/front
  -o smtpd_proxy_filter=127.0.0.1:$PF_FILTER
  -o smtpd_proxy_timeout=60s
CF
  pfx_start "$base" 2>>"$W/postfix.err" || return 1
  wait_port "$PF_IN" && wait_port "$PF_FRONT" || return 1
  PIDS+=("$(tr -d ' ' <"$base/queue/pid/master.pid")")
}

pf_stop() { pfx_stop "$W/pfx"; }

# wait_maillog TEXT [SECONDS]: postlogd writes the log after the fact; wait for TEXT in it.
wait_maillog() {
  local i
  for i in $(seq $((${2:-15} * 10))); do
    grep -qF -- "$1" "$W/pfx/maillog" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
