#!/usr/bin/env bash
# rspamd.sh - Rspamd 3.4's milter (rspamd_proxy, milter = yes, self_scan) as a boxed-in
# benchmark peer, per ../shared/docs/peers.md: installed from Debian if missing (with a
# policy-rc.d so the package starts nothing), run in a private mount namespace over a copy
# of /etc/rspamd and a private /var/lib/rspamd, network modules off, logs in DIR. Call it
# from inside a network namespace (bench/mta.sh is) so nothing can leave the box.
# Usage: rspamd.sh start DIR MILTER_PORT | rspamd.sh stop DIR
set -u
cmd=${1:?usage: rspamd.sh start DIR PORT | stop DIR}
D=${2:?DIR}
case "$cmd" in
  stop)
    if [ -f "$D/pid" ]; then
      main=$(cat "$D/pid")
      workers=$(ps -o pid= --ppid "$main" 2>/dev/null)
      kill -TERM "$main" 2>/dev/null
      for ((i = 0; i < 50; i++)); do kill -0 "$main" 2>/dev/null || break; sleep 0.1; done
      for w in $workers; do kill -KILL "$w" 2>/dev/null; done
      kill -KILL "$main" 2>/dev/null
    fi
    [ -f "$D/dns.pid" ] && kill -TERM "$(cat "$D/dns.pid")" 2>/dev/null
    exit 0 ;;
  start) ;;
  *) echo "usage: rspamd.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
PORT=${3:?PORT}

if ! command -v rspamd >/dev/null; then
  [ -n "${SLUICE_IN_NETNS:-}" ] && { echo "rspamd not installed (install it outside the netns: apt-get install rspamd)"; exit 1; }
  policy=/usr/sbin/policy-rc.d made=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rspamd >/dev/null
  rc=$?
  [ $made = 1 ] && rm -f "$policy"
  [ $rc = 0 ] || { echo "apt-get install rspamd failed"; exit 1; }
fi
[ "${INSTALL_ONLY:-0}" = 1 ] && exit 0

rm -rf "$D"
mkdir -p "$D/var" "$D/run"
cp -a /etc/rspamd "$D/etc"
chown -R _rspamd:_rspamd "$D/var" "$D/run" 2>/dev/null || chmod 777 "$D/var" "$D/run"
L=$D/etc/local.d
mkdir -p "$L"
cat >"$L/worker-proxy.inc" <<CONF
bind_socket = "127.0.0.1:$PORT";
milter = yes;
timeout = 120s;
count = 2;
upstream "local" {
  default = yes;
  self_scan = yes;
}
CONF
printf 'bind_socket = "127.0.0.1:21333";\ncount = 1;\n' >"$L/worker-normal.inc"
printf 'bind_socket = "127.0.0.1:21334";\n' >"$L/worker-controller.inc"
printf 'type = "file";\nfilename = "%s/rspamd.log";\nlevel = "error";\n' "$D" >"$L/logging.inc"
cat >"$L/options.inc" <<CONF
dns {
  nameserver = ["127.0.0.1:53"];
  timeout = 0.2s;
  retransmits = 1;
}
pidfile = "$D/run/rspamd.pid";
CONF
# Modules that need the network (or Redis state not under test) are switched off.
for m in rbl surbl emails spf dkim dmarc arc asn fuzzy_check reputation url_redirector \
  rspamd_update mx_check dcc bimi p0f antivirus external_services clickhouse elastic \
  metadata_exporter metric_exporter dkim_signing multimap whitelist once_received greylist \
  ratelimit neural history_redis replies classifier-bayes; do
  printf 'enabled = false;\n' >"$L/$m.conf"
done

# A resolver that says NXDOMAIN at once (lookups must not become timeouts).
python3 "$(dirname "$0")/dns_stub.py" 53 >"$D/dns.out" 2>&1 &
echo $! >"$D/dns.pid"
unshare --mount --propagation private -- /bin/sh -c "
  mount --bind '$D/etc' /etc/rspamd && mount --bind '$D/var' /var/lib/rspamd &&
  exec rspamd -f -u _rspamd -g _rspamd -c /etc/rspamd/rspamd.conf" >"$D/stdout" 2>&1 &
echo $! >"$D/pid"
for ((i = 0; i < 600; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && { echo "rspamd milter on 127.0.0.1:$PORT"; exit 0; }
  kill -0 "$(cat "$D/pid")" 2>/dev/null || break
  sleep 0.1
done
echo "rspamd did not start: $(tail -3 "$D/stdout" "$D/rspamd.log" 2>/dev/null | tr '\n' ' ')"
exit 1
