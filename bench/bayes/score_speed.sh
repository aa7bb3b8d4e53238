#!/usr/bin/env bash
# score_speed.sh - whole-pipeline speed of `sluice score` over the test split, builds side
# by side in the same run (issue 4's "Speed" figure).
#
#   bench/bayes/score_speed.sh DB_DIR RUNS SLUICE...
#
# For each of RUNS rounds, runs every SLUICE in turn (interleaved, so machine noise hits
# them alike) as `taskset -c 1 SLUICE score --db DB_DIR @test-list >/dev/null`, timed by
# /usr/bin/time: wall, user+sys CPU and peak RSS. Also times a one-message run of each
# (start-up: config, rules from the cache, Bayes table from RocksDB) and reports the
# steady-state rate (whole run minus start-up). Prints the median of each build: msgs/s
# by CPU time and by wall time. The model is warm: the page cache holds the store and the
# corpus after the first round (which is dropped).
set -euo pipefail
export LC_ALL=C
if [ $# -lt 3 ]; then
  echo "usage: $0 DB_DIR RUNS SLUICE..." >&2
  exit 2
fi
db=$1
runs=$2
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS_DIR:-$here/.cache/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$corpus/test.spam" "$corpus/test.ham" >"$work/list"
head -1 "$work/list" >"$work/one"
messages=$(wc -l <"$work/list")
one_run() { # sluice list out
  /usr/bin/time -f '%e %U %S %M' -o "$3" taskset -c 1 "$1" score --db "$db" "@$2" >/dev/null
}
for ((round = 0; round <= runs; round++)); do
  for i in $(seq 1 $#); do
    bin=${!i}
    one_run "$bin" "$work/list" "$work/t"
    one_run "$bin" "$work/one" "$work/s"
    [ "$round" -eq 0 ] && continue # warm-up
    echo "$(cat "$work/t") $(cat "$work/s")" >>"$work/runs.$i"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '%-40s %9s %9s %9s %11s %11s %13s %8s\n' build wall_s cpu_s start_s msgs/s_cpu msgs/s_wall steady_msgs/s rss_MB
for i in $(seq 1 $#); do
  bin=${!i}
  wall=$(awk '{print $1}' "$work/runs.$i" | median)
  cpu=$(awk '{print $2 + $3}' "$work/runs.$i" | median)
  start=$(awk '{print $6 + $7}' "$work/runs.$i" | median)
  rss=$(awk '{print $4 / 1024}' "$work/runs.$i" | median)
  awk -v b="$bin" -v w="$wall" -v c="$cpu" -v s="$start" -v r="$rss" -v m="$messages" 'BEGIN {
    steady = (c - s > 0) ? m / (c - s) : 0
    printf "%-40s %9.3f %9.3f %9.3f %11.0f %11.0f %13.0f %8.1f\n", b, w, c, s, m / c, m / w, steady, r }'
done
