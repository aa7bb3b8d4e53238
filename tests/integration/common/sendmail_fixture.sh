# sendmail_fixture.sh - a real sendmail 8.17 on loopback, for the milter and the SMTP-proxy
# integration tests (sourced). sendmail-bin conflicts with postfix, so its .debs are
# unpacked (not installed) into the build tree; it runs in a private mount+UTS namespace
# with its own /etc/hosts and resolv.conf, so it never does DNS
# (../shared/docs/mta-recipes.md §3). It relays everything to a sink on loopback, except
# the local domain mx.test.example, whose unknown users it refuses itself (550 5.1.1).

# sm_unpack SMROOT: unpack sendmail-bin and sendmail-cf into SMROOT unless already there
# (needs the Debian mirror: call it before entering a network namespace). Fails quietly;
# callers skip when the binary is missing.
sm_unpack() {
  local root=$1 debs d
  [ -x "$root/usr/libexec/sendmail/sendmail" ] && return 0
  debs=$(dirname "$root")/sendmail-debs
  mkdir -p "$debs"
  (cd "$debs" && apt-get download sendmail-bin sendmail-cf >/dev/null 2>&1) || return 1
  for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$root" || return 1; done
}

# sm_usable SMROOT: the unpacked binary is there, m4 is installed and its libraries load.
sm_usable() {
  local sm=$1/usr/libexec/sendmail/sendmail
  [ -x "$sm" ] && command -v m4 >/dev/null && ! ldd "$sm" | grep -q 'not found'
}

# sm_start SMROOT DIR PORT SINK_PORT [MC_LINE...]: builds DIR/test.cf (extra .mc lines such
# as INPUT_MAIL_FILTER go before the mailers) and starts sendmail as a daemon on
# 127.0.0.1:PORT relaying to 127.0.0.1:SINK_PORT, with a queue run every minute and its SMTP
# traffic in DIR/traffic.log. Its PID is added to PIDS; its output goes to DIR/sendmail.out.
# The caller waits for PORT.
sm_start() {
  local root=$1 dir=$2 port=$3 sink=$4
  shift 4
  local sm=$root/usr/libexec/sendmail/sendmail cfdir=$root/usr/share/sendmail/cf
  mkdir -p "$dir/mqueue"
  chmod 700 "$dir/mqueue"
  : >"$dir/aliases"
  printf 'hosts files\naliases files\n' >"$dir/service.switch"
  printf '127.0.0.1 mx.test.example localhost\n::1 mx.test.example localhost\n' >"$dir/hosts"
  printf 'nameserver 127.0.0.1\n' >"$dir/resolv.conf"
  {
    cat <<MC
divert(0)dnl
include(\`$cfdir/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`ALIAS_FILE', \`$dir/aliases')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`HELP_FILE', \`$root/etc/mail/helpfile')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`MapInUnsafeDirPath')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sink')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Family=inet, Name=MTA-test')dnl
MC
    [ $# -gt 0 ] && printf '%s\n' "$@"
    printf '%s\n' "MAILER(\`local')dnl" "MAILER(\`smtp')dnl"
  } >"$dir/test.mc"
  m4 "$dir/test.mc" >"$dir/test.cf" || return 1
  unshare --mount --uts --propagation private -- /bin/sh -c "
    mount --bind '$dir/hosts' /etc/hosts && mount --bind '$dir/resolv.conf' /etc/resolv.conf &&
    hostname mx.test.example && '$sm' -C '$dir/test.cf' -bi >/dev/null 2>&1;
    exec '$sm' -C '$dir/test.cf' -bD -q1m -X '$dir/traffic.log'" >"$dir/sendmail.out" 2>&1 &
  PIDS+=($!)
}
