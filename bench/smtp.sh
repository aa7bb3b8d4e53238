#!/bin/bash
# bench/smtp.sh [BUILD] - SMTP proxy end to end, side by side in one run:
#   direct:  smtp-source -> smtp-sink
#   sluice:  smtp-source -> sluice (scoring on) -> smtp-sink
#   postfix: smtp-source -> Postfix smtpd -> queue -> smtp -> smtp-sink
# Throughput (messages/s, median of BENCH_RUNS runs) at 10 and 200 parallel sessions, and
# per-message latency p50/p99 (one sequential session, MAIL .. final reply) per path.
# Runs in a private network namespace. Env: BENCH_MESSAGES (default 5000), BENCH_RUNS (3),
# BENCH_SIZE (2048 bytes), SLUICE_BAYES=true SLUICE_BAYES_DB=DIR to score with a model.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
if [ "${SLUICE_ISOLATED:-0}" != 1 ]; then
  export SLUICE_ISOLATED=1
  exec "$ROOT/tests/integration/smtp/run_isolated.sh" "$0" "$BUILD"
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

# The sink does not dump messages: it should cost the same (nothing) on every path.
smtp-sink -u nobody "127.0.0.1:$SINK_PORT" 1024 &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PORT" || exit 1
pf_start || { echo "postfix did not start"; cat "$W/postfix.err"; exit 1; }
write_config "$SINK_PORT" "max_connections: 4000" "max_connections_per_ip: 2000"
SLUICE_SCORE_LOG=${SLUICE_SCORE_LOG:-1}
start_sluice || { echo "sluice did not start"; cat "$W/sluice.err"; exit 1; }

queue_empty() {
  [ "$(find "$W/pfx/queue/incoming" "$W/pfx/queue/active" "$W/pfx/queue/maildrop" -type f 2>/dev/null | wc -l)" -eq 0 ]
}

# run_source PORT SESSIONS -> prints messages/s (waits for Postfix to drain its queue).
run_source() {
  local port=$1 sessions=$2 start end
  start=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$MESSAGES" -l "$SIZE" -f bench@example.org -t bench@smtpsink.test \
    "127.0.0.1:$port" 2>>"$W/source.err"
  if [ "$port" = "$PF_IN" ]; then
    local i
    for i in $(seq 6000); do queue_empty && break; sleep 0.05; done
  fi
  end=$(date +%s.%N)
  echo "scale=1; $MESSAGES / ($end - $start)" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# $MESSAGES messages of $SIZE bytes per run, median of $RUNS runs; $(nproc) cores"
echo "| sessions | direct msg/s | sluice msg/s | sluice/direct | postfix msg/s | postfix/direct |"
echo "|---:|---:|---:|---:|---:|---:|"
for sessions in 10 200; do
  declare -A rate=()
  for path in direct sluice postfix; do
    case $path in
      direct) port=$SINK_PORT ;;
      sluice) port=$PROXY_PORT ;;
      postfix) port=$PF_IN ;;
    esac
    # Interleave nothing: each path's runs back to back, warm-up run first (discarded).
    run_source "$port" "$sessions" >/dev/null
    rate[$path]=$(for r in $(seq "$RUNS"); do run_source "$port" "$sessions"; done | median)
  done
  printf "| %d | %s | %s | %.0f%% | %s | %.0f%% |\n" "$sessions" "${rate[direct]}" "${rate[sluice]}" \
    "$(echo "100 * ${rate[sluice]} / ${rate[direct]}" | bc -l)" "${rate[postfix]}" \
    "$(echo "100 * ${rate[postfix]} / ${rate[direct]}" | bc -l)"
done

echo
echo "| path | latency p50 ms | latency p99 ms | added p50 ms | added p99 ms |"
echo "|---|---:|---:|---:|---:|"
read -r d50 d99 < <($CLIENT latency "$SINK_PORT" 500 "$SIZE")
for path in direct sluice postfix; do
  case $path in
    direct) p50=$d50 p99=$d99 ;;
    sluice) read -r p50 p99 < <($CLIENT latency "$PROXY_PORT" 500 "$SIZE") ;;
    postfix) read -r p50 p99 < <($CLIENT latency "$PF_IN" 500 "$SIZE") ;;
  esac
  printf "| %s | %s | %s | %.3f | %.3f |\n" "$path" "$p50" "$p99" "$(echo "$p50 - $d50" | bc -l)" \
    "$(echo "$p99 - $d99" | bc -l)"
done
if [ -s "$W/source.err" ]; then
  echo "# smtp-source reported errors:"
  sort "$W/source.err" | uniq -c | head
fi
echo "# sluice scored $(grep -c '"source":"smtp"' "$W/score.log") messages"
