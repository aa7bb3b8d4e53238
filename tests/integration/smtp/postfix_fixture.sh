# postfix_fixture.sh - a private Postfix instance on loopback (sourced after lib.sh).
#
# pf_start writes $W/pfx/conf/{main.cf,master.cf} (the recipe in
# ../shared/docs/mta-recipes.md): nothing in /etc/postfix is read or written, no syslog
# (postlogd writes $W/pfx/maillog). Three smtpd services:
#   PF_IN    (PORT_BASE+27) plain relay for 127.0.0.0/8, XFORWARD allowed
#   PF_FRONT (PORT_BASE+26) smtpd_proxy_filter -> PF_FILTER (sluice), sluice then
#            hands the mail to PF_IN
# Mail to *@smtpsink.test goes to smtp-sink on SINK_PORT; nobody@smtpsink.test is refused
# at RCPT (550 5.1.1). pf_stop SIGTERMs the master (its process group follows).
PF_FRONT=$((PORT_BASE + 26))
PF_IN=$((PORT_BASE + 27))
PF_FILTER=${PF_FILTER:-$PROXY_PORT}

pf_start() {
  local base=$W/pfx
  mkdir -p "$base/conf" "$base/queue" "$base/data"
  chown postfix "$base/data"
  cat >"$base/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $base/queue
data_directory = $base/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = $base/maillog
maillog_file_prefixes = $base
relay_domains = smtpsink.test
transport_maps = inline:{smtpsink.test=smtp:[127.0.0.1]:$SINK_PORT}
smtp_dns_support_level = disabled
smtpd_recipient_restrictions = check_recipient_access inline:{ {nobody@smtpsink.test = 550 5.1.1 no such user here} }, permit_mynetworks, reject
smtpd_authorized_xforward_hosts = 127.0.0.0/8
smtputf8_enable = yes
message_size_limit = 52428800
default_process_limit = 300
CF
  cat >"$base/conf/master.cf" <<CF
127.0.0.1:$PF_IN inet n - n - 300 smtpd
  -o syslog_name=pfx/in
127.0.0.1:$PF_FRONT inet n - n - 20 smtpd
  -o syslog_name=pfx/front
  -o smtpd_proxy_filter=127.0.0.1:$PF_FILTER
  -o smtpd_proxy_timeout=60s
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
  # Postfix waits ~2 s for a freshly written main.cf to "cool down" (recipes §2).
  touch -d '10 seconds ago' "$base/conf/main.cf" "$base/conf/master.cf"
  postfix -c "$base/conf" check 2>>"$W/postfix.err" || return 1
  postfix -c "$base/conf" start 2>>"$W/postfix.err" || return 1
  wait_port "$PF_IN" && wait_port "$PF_FRONT" || return 1
  PIDS+=("$(tr -d ' ' <"$base/queue/pid/master.pid")")
}

pf_stop() {
  local pid
  pid=$(tr -d ' ' <"$W/pfx/queue/pid/master.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null
  local i
  for i in $(seq 100); do
    [ -r "/proc/$pid/stat" ] || return 0
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.05
  done
}

# wait_maillog TEXT [SECONDS]: postlogd writes the log after the fact; wait for TEXT in it.
wait_maillog() {
  local i
  for i in $(seq $((${2:-15} * 10))); do
    grep -qF -- "$1" "$W/pfx/maillog" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
