#!/usr/bin/env bash
# bench/mta.sh [BUILD] - `make bench-mta`: messages/s through Postfix -> milter -> smtp-sink,
# side by side in one run (one Postfix instance, one smtpd listener per setup):
#   none          Postfix without a milter (the baseline)
#   sluice-unix   sluice on a unix: socket
#   sluice-reply  the same, but answering every milter step (SLUICE_MILTER_NO_REPLY=0): the
#                 protocol as before no-reply was negotiated, a same-run baseline
#   sluice-inet   sluice on inet:127.0.0.1 (TCP_NODELAY + re-armed TCP_QUICKACK)
#   sluice-notune sluice on inet: with that tuning off (shows the loopback ACK stall)
#   sluice-out    sluice-unix's config with the load's network (127.0.0.0/8) trusted: every
#                 message is outbound and skipped, accepted unscored at end of message (MAIL
#                 is no-reply): what outbound mail costs now
#   sluice-outmail the same with milter.skip_outbound_at_mail: true: outbound accepted at
#                 MAIL before its content is sent (the old way, one round trip more per message)
#   rspamd        Rspamd 3.4's milter (rspamd_proxy, milter = yes), network checks off,
#                 if BENCH_RSPAMD=1 and it can be installed/boxed (bench/mta/rspamd.sh)
#   sluice-base   with BENCH_BASE=OTHER_BUILD_DIR: that build's sluice on a unix: socket, the
#                 same config as sluice-unix: a same-run before/after for a change
#                 (BENCH_BASE_ENV="VAR=value ..." is its environment, e.g. to switch one
#                 setting off in the same build)
# BENCH_SETUPS="none sluice-unix ..." runs only those setups (default: all of the above).
# BENCH_PROFILE=DIR: after the timed runs, one more load per sluice setup under
# `perf record -g` (DIR/perf-SETUP.data) and one under `strace -c -f` (DIR/strace-SETUP.txt);
# these extra loads are not in the figures. BENCH_PERF_ARGS replaces perf's "-g" (e.g.
# "--call-graph dwarf -e syscalls:sys_enter_futex"). For every setup (none included) it also
# records Postfix's side: DIR/strace-postfix-SETUP.txt (strace -c -f on the master and its
# children: smtpd, cleanup, qmgr, smtp) and DIR/perf-all-SETUP.data (perf record -a).
# Load: 10 parallel smtp-source workers, each sending corpus test messages (10 files each,
# BENCH_PER_FILE copies per file, default 20: 2000 messages per run). Throughput = messages / wall time of the load; runs
# alternate setups, median of BENCH_RUNS. Latency: one sequential session, MAIL .. final
# reply, p50/p99 per setup. Runs in a private network namespace.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
BUILD=$(cd "$BUILD" && pwd)
export SLUICE_SOURCE_DIR=$ROOT
RUNS=${BENCH_RUNS:-3}
PER_FILE=${BENCH_PER_FILE:-20}
LAT_N=${BENCH_LATENCY_MESSAGES:-200}
CORPUS=${CORPUS_DIR:-$ROOT/.cache/corpus}
source "$ROOT/tests/integration/milter/lib.sh"
# Rspamd is installed (if missing) before entering the network namespace: apt needs the mirror.
if [ "${BENCH_RSPAMD:-1}" = 1 ] && [ -z "${SLUICE_IN_NETNS:-}" ] && ! command -v rspamd >/dev/null; then
  INSTALL_ONLY=1 "$ROOT/bench/mta/rspamd.sh" start /nonexistent 0 || echo "rspamd install failed"
fi
fx_netns "$@"
fx_init bench-mta
[ -f "$CORPUS/test.ham" ] || { echo "no corpus in $CORPUS (make corpus)"; exit 1; }

# Payload: the first 100 test messages under 64 KB, ham and spam alternating, mbox
# "From " line dropped.
mkdir -p "$W/payload"
paste -d '\n' <(head -300 "$CORPUS/test.ham") <(head -300 "$CORPUS/test.spam") | while read -r f; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 65536 ] && echo "$f"
done | head -100 | nl -nrz -w3 | while read -r n f; do
  sed '1{/^From /d}' "$f" >"$W/payload/$n.eml"
done
echo "payload: $(ls "$W/payload" | wc -l) corpus messages, $(du -sk "$W/payload" | cut -f1) KB"

SINK=21330
smtp-sink -u nobody "127.0.0.1:$SINK" 1024 >/dev/null 2>&1 &
PIDS+=($!)
fx_wait_port $SINK || exit 1

# sluice: the shipped rules, the default Bayes store if one is trained, a score log.
bench_config() {  # bench_config FILE SOCKET
  cat >"$1" <<YAML
scoring:
  rules: [$ROOT/rules/sluice.yaml]
  rules_cache: \${STATE}/cache
  bayes:
    enabled: true
    db: \${STATE}/bayes
  # No reject: every message takes the full path (queue + delivery), as with no milter.
  actions:
    add_header: 5
    rewrite_subject: 10
milter:
  socket: "$2"
  socket_mode: "0666"
log:
  score_log: $W/score-$(basename "$1" .yaml).log
YAML
}
mkdir -p "$W/run" && chmod 755 "$W/run"
bench_config "$W/unix.yaml" "unix:$W/run/sluice.sock"
bench_config "$W/inet.yaml" "inet:21340@127.0.0.1"
bench_config "$W/notune.yaml" "inet:21341@127.0.0.1"
bench_config "$W/reply.yaml" "unix:$W/run/sluice-reply.sock"
declare -A SPID
fx_sluice_start "$W/unix.yaml" || exit 1
SPID[sluice-unix]=$SLUICE_PID
fx_sluice_start "$W/inet.yaml" || exit 1
SPID[sluice-inet]=$SLUICE_PID
SLUICE_MILTER_TCP_TUNING=0 fx_sluice_start "$W/notune.yaml" || exit 1
SPID[sluice-notune]=$SLUICE_PID
SLUICE_MILTER_NO_REPLY=0 fx_sluice_start "$W/reply.yaml" || exit 1
SPID[sluice-reply]=$SLUICE_PID
bench_config "$W/out.yaml" "unix:$W/run/sluice-out.sock"
sed -i 's|^milter:$|milter:\n  trusted_networks: [127.0.0.0/8]|' "$W/out.yaml"
fx_sluice_start "$W/out.yaml" || exit 1
SPID[sluice-out]=$SLUICE_PID
bench_config "$W/outmail.yaml" "unix:$W/run/sluice-outmail.sock"
sed -i 's|^milter:$|milter:\n  trusted_networks: [127.0.0.0/8]\n  skip_outbound_at_mail: true|' "$W/outmail.yaml"
fx_sluice_start "$W/outmail.yaml" || exit 1
SPID[sluice-outmail]=$SLUICE_PID
if [ -n "${BENCH_BASE:-}" ]; then
  bench_config "$W/base.yaml" "unix:$W/run/sluice-base.sock"
  SLUICE_NEW=$SLUICE
  SLUICE=$(cd "$BENCH_BASE" && pwd)/sluice
  # The base's environment only for its start: what the variables held before comes back
  # afterwards (unsetting them would drop e.g. a SLUICE_STATE the whole run was given, and the
  # Bayes check below would then report the other daemons' scoring wrongly).
  declare -A SAVED_ENV
  for kv in ${BENCH_BASE_ENV:-}; do
    k=${kv%%=*}
    [ -n "${!k+set}" ] && SAVED_ENV[$k]=${!k}
    export "${kv?}"
  done
  fx_sluice_start "$W/base.yaml" || exit 1
  for kv in ${BENCH_BASE_ENV:-}; do
    k=${kv%%=*}
    if [ -n "${SAVED_ENV[$k]+set}" ]; then export "$k=${SAVED_ENV[$k]}"; else unset "$k"; fi
  done
  SPID[sluice-base]=$SLUICE_PID
  SLUICE=$SLUICE_NEW
fi
"$SLUICE" --config "$W/inet.yaml" score "$W/payload/001.eml" 2>&1 | grep -q 'bayes unavailable' &&
  BAYES="rules only (no trained Bayes store)" || BAYES="rules + Bayes"
echo "sluice scoring: $BAYES"

SETUPS=(none sluice-unix sluice-reply sluice-inet sluice-notune sluice-out sluice-outmail)
[ -n "${BENCH_BASE:-}" ] && SETUPS+=(sluice-base)
if [ -n "${BENCH_SETUPS:-}" ]; then
  wanted=" $BENCH_SETUPS "
  SETUPS=($(for s in "${SETUPS[@]}"; do [[ $wanted == *" $s "* ]] && echo "$s"; done))
fi
declare -A PORT=([none]=21325 [sluice-unix]=21326 [sluice-inet]=21327 [sluice-notune]=21328 [rspamd]=21329
  [sluice-reply]=21335 [sluice-base]=21336 [sluice-out]=21337 [sluice-outmail]=21338)
declare -A MILTER=([none]="" [sluice-unix]="unix:$W/run/sluice.sock" [sluice-inet]="inet:127.0.0.1:21340"
  [sluice-notune]="inet:127.0.0.1:21341" [rspamd]="inet:127.0.0.1:21332"
  [sluice-reply]="unix:$W/run/sluice-reply.sock" [sluice-base]="unix:$W/run/sluice-base.sock"
  [sluice-out]="unix:$W/run/sluice-out.sock" [sluice-outmail]="unix:$W/run/sluice-outmail.sock")
if [ "${BENCH_RSPAMD:-1}" = 1 ] && [ -x "$ROOT/bench/mta/rspamd.sh" ] &&
  { [ -z "${BENCH_SETUPS:-}" ] || [[ " $BENCH_SETUPS " == *" rspamd "* ]]; }; then
  if "$ROOT/bench/mta/rspamd.sh" start "$W/rspamd" 21332 >"$W/rspamd.out" 2>&1; then
    SETUPS+=(rspamd)
    SPID[rspamd]=$(cat "$W/rspamd/pid" 2>/dev/null)
    trap '"$ROOT/bench/mta/rspamd.sh" stop "$W/rspamd" >/dev/null 2>&1; fx_cleanup' EXIT
  else
    echo "rspamd: not measured ($(tail -1 "$W/rspamd.out"))"
  fi
fi

fx_postfix_start 21324 $SINK "" accept || exit 1
for s in "${SETUPS[@]}"; do
  printf '127.0.0.1:%s inet n - n - - smtpd\n  -o smtpd_milters=%s\n' "${PORT[$s]}" "${MILTER[$s]}" >>"$W/pfx/conf/master.cf"
done
postconf -c "$W/pfx/conf" -e default_process_limit=200 smtpd_client_connection_count_limit=0 \
  smtpd_client_connection_rate_limit=0 smtpd_client_message_rate_limit=0 in_flow_delay=0
postfix -c "$W/pfx/conf" reload >/dev/null 2>&1
for s in "${SETUPS[@]}"; do fx_wait_port "${PORT[$s]}" || exit 1; done

queue_drain() {
  local i
  for ((i = 0; i < 600; i++)); do
    [ "$(find "$W/pfx/queue/incoming" "$W/pfx/queue/active" "$W/pfx/queue/maildrop" -type f 2>/dev/null | wc -l)" -eq 0 ] && return 0
    sleep 0.1
  done
}
load() {  # load PORT -> seconds for 10 workers x 10 files x PER_FILE messages
  local port=$1 start end w k workers=()
  start=$(date +%s.%N)
  for ((w = 0; w < 10; w++)); do
    (for ((k = 1; k <= 10; k++)); do
      smtp-source -A -M load.example -s 1 -m "$PER_FILE" -f load@example.org -t load@smtpsink.test \
        -F "$W/payload/$(printf %03d $((w * 10 + k))).eml" "127.0.0.1:$port" 2>/dev/null
    done) &
    workers+=($!)
  done
  wait "${workers[@]}"
  end=$(date +%s.%N)
  calc "$end - $start"
}
# A process's CPU ticks with its children's: live ones, and reaped ones (cutime/cstime).
tree_ticks() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
  local kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null | sed 's|^ *|/proc/|; s|$|/stat|')
  # shellcheck disable=SC2086
  awk -v m="/proc/$1/stat" 'FILENAME == m {t += $14 + $15 + $16 + $17; next} {t += $14 + $15} END {print t}' \
    "/proc/$1/stat" $kids 2>/dev/null
}
# The milter's CPU: sluice is one process; Rspamd is its main process and its workers.
cpu_ticks() { tree_ticks "${1:-}"; }
# Postfix's CPU: the master with its children (smtpd, cleanup, qmgr, smtp, ...).
postfix_ticks() { tree_ticks "$(head -1 "$W/pfx/queue/pid/master.pid" 2>/dev/null | tr -d ' ')"; }
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

TOTAL=$((100 * PER_FILE))
HZ=$(getconf CLK_TCK)
declare -A RATES CPU PCPU
for ((r = 1; r <= RUNS; r++)); do
  order=("${SETUPS[@]}")
  ((r % 2 == 0)) && order=($(printf '%s\n' "${SETUPS[@]}" | tac))
  for s in "${order[@]}"; do
    queue_drain
    c0=$(cpu_ticks "${SPID[$s]:-}")
    p0=$(postfix_ticks)
    t=$(load "${PORT[$s]}")
    queue_drain  # the delivery to the sink is Postfix's work for this load too
    c1=$(( $(cpu_ticks "${SPID[$s]:-}") - c0 ))
    p1=$(( $(postfix_ticks) - p0 ))
    CPU[$s]=$(( ${CPU[$s]:-0} + c1 ))
    PCPU[$s]=$(( ${PCPU[$s]:-0} + p1 ))
    rate=$(calc "$TOTAL / $t")
    RATES[$s]="${RATES[$s]:-} $rate"
    printf 'run %d %-14s %5d msgs in %6.2f s = %7.1f msgs/s  CPU/msg: Postfix %.2f ms, milter %.2f ms  (load %s)\n' \
      "$r" "$s" "$TOTAL" "$t" "$rate" "$(calc "1000 * $p1 / $HZ / $TOTAL")" "$(calc "1000 * $c1 / $HZ / $TOTAL")" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
queue_drain
declare -A LAT
for s in "${SETUPS[@]}"; do
  LAT[$s]=$(python3 "$ROOT/bench/mta/latency.py" "${PORT[$s]}" "$LAT_N" "$W/payload")
done
under() {  # under TOOL ARGS...: one extra load of setup $s with TOOL attached to the daemon
  "$@" &
  local tool=$!
  sleep 0.5
  load "${PORT[$s]}" >/dev/null
  kill -INT "$tool"
  wait "$tool"
  queue_drain
}
if [ -n "${BENCH_PROFILE:-}" ]; then
  mkdir -p "$BENCH_PROFILE"
  master=$(head -1 "$W/pfx/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
  for s in "${SETUPS[@]}"; do
    # Postfix's side of every setup (smtpd, cleanup, qmgr, smtp: the master's children):
    # system calls per message, and where its CPU goes (system-wide samples; read them
    # with `perf report --comm smtpd,cleanup`).
    # shellcheck disable=SC2046
    under strace -c -f -p "$master" $(ps -o pid= --ppid "$master" | sed 's/^ */-p /') \
      -o "$BENCH_PROFILE/strace-postfix-$s.txt"
    under perf record -q -a -o "$BENCH_PROFILE/perf-all-$s.data"
    [[ $s == sluice-* ]] || continue
    # shellcheck disable=SC2086
    under perf record -q ${BENCH_PERF_ARGS:--g} -p "${SPID[$s]}" -o "$BENCH_PROFILE/perf-$s.data"
    under strace -c -f -p "${SPID[$s]}" -o "$BENCH_PROFILE/strace-$s.txt"
    echo "profile of $s: $BENCH_PROFILE/perf-$s.data, $BENCH_PROFILE/strace-$s.txt ($TOTAL messages each)"
  done
fi

echo
echo "## results: $TOTAL corpus messages per run, 10 sessions, median of $RUNS runs; sluice: $BAYES"
printf '| %-14s | %9s | %8s | %8s | %8s | %10s |\n' setup "msgs/s" "vs none" "p50 ms" "p99 ms" "rejected"
printf '|%s|\n' "----------------|-----------|----------|----------|----------|------------"
base=$(echo ${RATES[none]:-1} | tr ' ' '\n' | median)
for s in "${SETUPS[@]}"; do
  m=$(echo ${RATES[$s]} | tr ' ' '\n' | median)
  read -r p50 p99 ok rej <<<"${LAT[$s]}"
  printf '| %-14s | %9.1f | %7.1f%% | %8s | %8s | %4s/%-5s |\n' "$s" "$m" "$(calc "100 * $m / $base")" "$p50" "$p99" "$rej" "$((ok + rej))"
done
for s in "${SETUPS[@]}"; do
  printf '%s: Postfix CPU %.2f ms/msg\n' "$s" "$(calc "1000 * ${PCPU[$s]} / $HZ / ($RUNS * $TOTAL)")"
done
for s in "${SETUPS[@]}"; do
  [[ $s == sluice-* && $s != sluice-notune ]] || continue
  engine_us=$(python3 -c "import json,sys; xs=[json.loads(l).get('us', {}).get('total', 0) for l in open(sys.argv[1])]; print(sum(xs)/max(1,len(xs)))" "$W/score-${s#sluice-}.log")
  printf '%s: process CPU %.2f ms/msg, of which scoring (engine) %.2f ms/msg\n' "$s" \
    "$(calc "1000 * ${CPU[$s]} / $HZ / ($RUNS * $TOTAL)")" "$(calc "$engine_us / 1000")"
done
if [[ " ${SETUPS[*]} " == *" rspamd "* ]]; then
  printf 'rspamd: process CPU %.2f ms/msg (main process and workers)\n' \
    "$(calc "1000 * ${CPU[rspamd]} / $HZ / ($RUNS * $TOTAL)")"
fi
if [[ " ${SETUPS[*]} " == *" sluice-base "* && " ${SETUPS[*]} " == *" sluice-unix "* ]]; then
  nu=$(echo ${RATES[sluice-unix]} | tr ' ' '\n' | median)
  ba=$(echo ${RATES[sluice-base]} | tr ' ' '\n' | median)
  printf 'sluice-unix / sluice-base throughput: %.3fx\n' "$(calc "$nu / $ba")"
fi
if [[ " ${SETUPS[*]} " == *" rspamd "* && " ${SETUPS[*]} " == *" sluice-unix "* ]]; then
  su=$(echo ${RATES[sluice-unix]} | tr ' ' '\n' | median)
  rs=$(echo ${RATES[rspamd]} | tr ' ' '\n' | median)
  printf 'sluice-unix / rspamd throughput: %.2fx\n' "$(calc "$su / $rs")"
  "$ROOT/bench/mta/rspamd.sh" stop "$W/rspamd" >/dev/null 2>&1
fi
