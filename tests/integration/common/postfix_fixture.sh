# postfix_fixture.sh - a private Postfix instance on loopback, for the milter and SMTP-proxy
# integration tests and benchmarks (sourced). The recipe is ../shared/docs/mta-recipes.md:
# nothing in /etc/postfix is read or written, no syslog (postlogd writes DIR/maillog), no
# DNS, no local delivery; mail for *@smtpsink.test is relayed to smtp-sink on loopback.

# pfx_write_config DIR SINK_PORT: writes DIR/conf/main.cf and master.cf with the settings
# every instance shares and the standard services, but no smtpd listener: the caller
# appends its own main.cf settings and master.cf listeners, then calls pfx_start.
pfx_write_config() {
  local dir=$1 sink=$2
  mkdir -p "$dir/conf" "$dir/queue" "$dir/data"
  chown postfix "$dir/data"
  cat >"$dir/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
relay_domains = smtpsink.test
transport_maps = inline:{smtpsink.test=smtp:[127.0.0.1]:$sink}
smtp_dns_support_level = disabled
alias_maps =
alias_database =
biff = no
CF
  cat >"$dir/conf/master.cf" <<CF
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
}

# pfx_start DIR: checks and starts the instance; on failure Postfix's complaint goes to
# stderr and it returns 1. The caller waits for its ports.
pfx_start() {
  local dir=$1
  # Postfix waits ~2 s for a freshly written main.cf to "cool down" (mta-recipes.md §2).
  touch -d '10 seconds ago' "$dir/conf/main.cf" "$dir/conf/master.cf"
  postfix -c "$dir/conf" check >"$dir/start.out" 2>&1 &&
    postfix -c "$dir/conf" start >>"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; return 1; }
}

# pfx_stop DIR: SIGTERM to the master (its children follow), waiting up to 5 s for it.
pfx_stop() {
  local pid i
  [ -f "$1/queue/pid/master.pid" ] || return 0  # never started
  pid=$(tr -d ' ' <"$1/queue/pid/master.pid")
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    [ -r "/proc/$pid/stat" ] || return 0
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.05
  done
}
