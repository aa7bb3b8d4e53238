#!/bin/bash
# bench/smtp.sh [BUILD [BASE_BUILD]] - SMTP proxy end to end, side by side in one run:
#   direct:  smtp-source -> smtp-sink
#   sluice:  smtp-source -> sluice (scoring on) -> smtp-sink
#   base:    the same through BASE_BUILD's sluice (an older build, for before/after), if given
#   postfix: smtp-source -> Postfix smtpd -> queue -> smtp -> smtp-sink
# Throughput (messages/s, median of BENCH_RUNS runs) at 10 and 200 parallel sessions, runs
# interleaved path by path (direct, sluice, base, postfix, direct, ...) after one warm-up
# run per path; the CPU time sluice (and base) used per message (user+system, median); and
# per-message latency p50/p99 (one sequential session, MAIL .. final reply) per path.
# Runs in a private network namespace. Env: BENCH_MESSAGES (default 5000), BENCH_RUNS (3),
# BENCH_SIZE (2048 bytes), BENCH_SESSIONS ("10 200"), BENCH_POSTFIX (1; 0 skips Postfix),
# SLUICE_BAYES=true SLUICE_BAYES_DB=DIR to score with a model; BENCH_SLUICE_SMTP and
# BENCH_BASE_SMTP: extra smtp: config lines for the sluice and the base path only, separated
# by ';' (e.g. "io_threads: 1"), so two settings can be compared with BASE_BUILD = BUILD.
set -u
BUILD=${1:-build}
BASE=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
[[ -z $BASE || $BASE = /* ]] || BASE=$ROOT/$BASE
if [ "${SLUICE_ISOLATED:-0}" != 1 ]; then
  export SLUICE_ISOLATED=1
  exec "$ROOT/tests/integration/smtp/run_isolated.sh" "$0" "$BUILD" ${BASE:+"$BASE"}
fi
export SLUICE_SOURCE_DIR=$ROOT
MESSAGES=${BENCH_MESSAGES:-5000}
RUNS=${BENCH_RUNS:-3}
SIZE=${BENCH_SIZE:-2048}
set -- "$BUILD/sluice"
source "$ROOT/tests/integration/smtp/lib.sh"
source "$ROOT/tests/integration/smtp/postfix_fixture.sh"
trap 'pf_stop; cleanup' EXIT
ulimit -n 65536 2>/dev/null

# The sink does not dump messages: it should cost the same (nothing) on every path. -m:
# room for the idle downstream sessions the proxies keep besides the sessions in flight
# (smtp-sink's default of 256 made whichever ran second wait for the idle ones to expire).
smtp-sink -m 4096 -u nobody "127.0.0.1:$SINK_PORT" 1024 &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PORT" || exit 1
if [ "${BENCH_POSTFIX:-1}" = 1 ]; then
  pf_start || { echo "postfix did not start"; cat "$W/postfix.err"; exit 1; }
fi
write_config "$SINK_PORT" "max_connections: 4000" "max_connections_per_ip: 2000"
BASE_PORT=$((PORT_BASE + 24))
sed -e "s/127.0.0.1:$PROXY_PORT/127.0.0.1:$BASE_PORT/" -e "s#$W/score.log#$W/score-base.log#" \
  "$W/sluice.yaml" >"$W/base.yaml"
# extra_smtp FILE "key: value;key: value": appended to FILE's smtp: section (the last one).
extra_smtp() {
  local line
  IFS=';' read -ra lines <<<"$2"
  for line in "${lines[@]}"; do [ -n "$line" ] && echo "  $line" >>"$1"; done
}
extra_smtp "$W/sluice.yaml" "${BENCH_SLUICE_SMTP:-}"
extra_smtp "$W/base.yaml" "${BENCH_BASE_SMTP:-}"
SLUICE_SCORE_LOG=${SLUICE_SCORE_LOG:-1}
start_sluice || { echo "sluice did not start"; cat "$W/sluice.err"; exit 1; }
PATHS="direct sluice"
if [ -n "$BASE" ]; then
  "$BASE/sluice" --config "$W/base.yaml" serve >"$W/base.out" 2>>"$W/base.err" &
  BASE_PID=$!
  PIDS+=("$BASE_PID")
  wait_port "$BASE_PORT" || { echo "base sluice did not start"; cat "$W/base.err"; exit 1; }
  PATHS="$PATHS base"
fi
[ "${BENCH_POSTFIX:-1}" = 1 ] && PATHS="$PATHS postfix"

queue_empty() {
  [ "$(find "$W/pfx/queue/incoming" "$W/pfx/queue/active" "$W/pfx/queue/maildrop" -type f 2>/dev/null | wc -l)" -eq 0 ]
}

port_of() {
  case $1 in
    direct) echo "$SINK_PORT" ;;
    sluice) echo "$PROXY_PORT" ;;
    base) echo "$BASE_PORT" ;;
    postfix) echo "$PF_IN" ;;
  esac
}
pid_of() {
  case $1 in
    sluice) echo "$SLUICE_PID" ;;
    base) echo "$BASE_PID" ;;
    *) echo "" ;;
  esac
}
# user+system CPU ticks of a process so far
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run_source PATH SESSIONS -> prints "messages/s cpu-us-per-message" (the CPU of that
# path's sluice, 0 for the others; waits for Postfix to drain its queue).
run_source() {
  local port pid start end t0=0 t1=0
  port=$(port_of "$1")
  pid=$(pid_of "$1")
  [ -n "$pid" ] && t0=$(ticks "$pid")
  start=$(date +%s.%N)
  smtp-source -s "$2" -m "$MESSAGES" -l "$SIZE" -f bench@example.org -t bench@smtpsink.test \
    "127.0.0.1:$port" 2>>"$W/source.err"
  if [ "$1" = postfix ]; then
    local i
    for i in $(seq 6000); do queue_empty && break; sleep 0.05; done
  fi
  end=$(date +%s.%N)
  [ -n "$pid" ] && t1=$(ticks "$pid")
  echo "$(echo "scale=1; $MESSAGES / ($end - $start)" | bc) $(echo "($t1 - $t0) * 1000000 / $(getconf CLK_TCK) / $MESSAGES" | bc)"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pct() { echo "100 * $1 / $2" | bc -l | xargs printf "%.0f%%"; }

echo "# $MESSAGES messages of $SIZE bytes per run, median of $RUNS interleaved runs; $(nproc) cores"
echo "# paths: $PATHS${BASE:+ (base = $BASE)}"
[ -n "${BENCH_SLUICE_SMTP:-}" ] && echo "# sluice smtp: $BENCH_SLUICE_SMTP"
[ -n "${BENCH_BASE_SMTP:-}" ] && echo "# base smtp: $BENCH_BASE_SMTP"
header="| sessions | direct msg/s | sluice msg/s | sluice/direct | sluice CPU us/msg |"
rule="|---:|---:|---:|---:|---:|"
if [ -n "$BASE" ]; then
  header="$header base msg/s | base/direct | base CPU us/msg | sluice/base |"
  rule="$rule---:|---:|---:|---:|"
fi
if [[ $PATHS == *postfix* ]]; then
  header="$header postfix msg/s | postfix/direct |"
  rule="$rule---:|---:|"
fi
echo "$header"
echo "$rule"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for sessions in ${BENCH_SESSIONS:-10 200}; do
  declare -A rate=() cpu=()
  for path in $PATHS; do run_source "$path" "$sessions" >/dev/null; done  # warm-up, discarded
  : >"$W/runs"
  for r in $(seq "$RUNS"); do
    for path in $PATHS; do echo "$path $(run_source "$path" "$sessions")" >>"$W/runs"; done
  done
  for path in $PATHS; do
    rate[$path]=$(awk -v p="$path" '$1 == p {print $2}' "$W/runs" | median)
    cpu[$path]=$(awk -v p="$path" '$1 == p {print $3}' "$W/runs" | median)
  done
  line="| $sessions | ${rate[direct]} | ${rate[sluice]} | $(pct "${rate[sluice]}" "${rate[direct]}") | ${cpu[sluice]} |"
  if [ -n "$BASE" ]; then
    line="$line ${rate[base]} | $(pct "${rate[base]}" "${rate[direct]}") | ${cpu[base]} | $(echo "${rate[sluice]} / ${rate[base]}" | bc -l | xargs printf "%.2f") |"
  fi
  if [[ $PATHS == *postfix* ]]; then
    line="$line ${rate[postfix]} | $(pct "${rate[postfix]}" "${rate[direct]}") |"
  fi
  echo "$line"
  sed "s/^/# runs s=$sessions: /" "$W/runs"
  echo "# load average after s=$sessions: $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "| path | latency p50 ms | latency p99 ms | added p50 ms | added p99 ms |"
echo "|---|---:|---:|---:|---:|"
read -r d50 d99 < <($CLIENT latency "$SINK_PORT" 500 "$SIZE")
for path in $PATHS; do
  if [ "$path" = direct ]; then
    p50=$d50 p99=$d99
  else
    read -r p50 p99 < <($CLIENT latency "$(port_of "$path")" 500 "$SIZE")
  fi
  printf "| %s | %s | %s | %.3f | %.3f |\n" "$path" "$p50" "$p99" "$(echo "$p50 - $d50" | bc -l)" \
    "$(echo "$p99 - $d99" | bc -l)"
done
if [ -s "$W/source.err" ]; then
  echo "# smtp-source reported errors:"
  sort "$W/source.err" | uniq -c | head
fi
echo "# sluice scored $(grep -c '"source":"smtp"' "$W/score.log") messages"
[ -n "$BASE" ] && echo "# base scored $(grep -c '"source":"smtp"' "$W/score-base.log") messages"
exit 0
