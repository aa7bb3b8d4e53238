# lib.sh - fixtures for the milter integration tests: sluice, Postfix, sendmail, smtp-sink.
#
# Sourced by the test scripts. Everything listens on 127.0.0.1 only, lives under one work
# directory ($W) and is killed by the EXIT trap, whatever way the script ends. Checks are
# counted; fx_finish exits 0 only if all passed. Exit 77 means "skipped" (ctest SKIP).
# Based on ../shared/docs/mta-recipes.md (private Postfix instance, unpacked sendmail).
set -uo pipefail

SRC=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BUILD=${BUILD:?BUILD (the build directory) must be set}
SLUICE=$BUILD/sluice
source "$(dirname "${BASH_SOURCE[0]}")/../common/postfix_fixture.sh"
PIDS=()        # global, so the EXIT trap still sees it
PASS=0
FAIL=0

fx_log() { echo "[$(date +%H:%M:%S.%N | cut -c1-12)] $*"; }
check() {  # check NAME COMMAND... : runs the command, counts pass/fail
  local name=$1
  shift
  if "$@"; then
    PASS=$((PASS + 1))
    echo "ok   - $name"
  else
    FAIL=$((FAIL + 1))
    echo "FAIL - $name"
  fi
}
skip() { echo "SKIP: $*"; exit 77; }

fx_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  fx_postfix_stop
  return 0
}

fx_init() {  # fx_init NAME: fresh work directory, trap
  W=$BUILD/test-mta/$1
  rm -rf "$W"
  mkdir -p "$W"
  chmod 755 "$BUILD/test-mta" "$W"
  trap fx_cleanup EXIT
  [ -x "$SLUICE" ] || skip "no $SLUICE"
  "$SLUICE" help serve >/dev/null 2>&1 || skip "this build has no 'sluice serve' (engine or milter not built)"
}

fx_finish() {
  echo "# $PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
  exit $?
}

# Is a process alive (not a zombie)? PID 1 here reaps late, so kill -0 is not enough.
fx_alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]; }

# fx_eventually SECONDS COMMAND...: COMMAND succeeds within SECONDS (polled every 0.1 s), for
# what a daemon does on its own time (e.g. dropping root after it bound its socket).
fx_eventually() {
  local n=$(($1 * 10)) i
  shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}

fx_wait_port() {  # fx_wait_port PORT [SECONDS]
  local i
  for ((i = 0; i < ${2:-10} * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "port $1 never opened" >&2
  return 1
}

fx_wait_file() {  # fx_wait_file PATH [SECONDS]
  local i
  for ((i = 0; i < ${2:-10} * 20; i++)); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# fx_sluice_config FILE SOCKET [extra YAML lines...]: a complete config (the shipped rules
# plus test_rules.yaml, no Bayes store so scores are rules only and deterministic).
fx_sluice_config() {
  local file=$1 socket=$2
  shift 2
  mkdir -p "$W/state"
  cat >"$file" <<YAML
scoring:
  rules:
    - $SRC/rules/sluice.yaml
    - $SRC/tests/integration/milter/test_rules.yaml
  rules_cache: $BUILD/test-mta/rules-cache   # shared: a cold compile of the shipped rules takes a minute
  bayes:
    enabled: false
    db: $W/state/bayes
  actions:
    rewrite_subject: 5
    quarantine: 10
    reject: 15
milter:
  socket: "$socket"
  socket_mode: "0666"
  spill_bytes: 65536
  spill_dir: $W/state
log:
  score_log: $W/score.log
YAML
  local line
  for line in "$@"; do printf '%s\n' "$line" >>"$file"; done
}

# fx_sluice_start CONFIG: starts `sluice serve`, waits for the socket; sets SLUICE_PID.
fx_sluice_start() {
  "$SLUICE" --config "$1" serve >>"$W/sluice.err" 2>&1 &
  SLUICE_PID=$!
  PIDS+=("$SLUICE_PID")
  local sock i
  sock=$(sed -n 's/^  socket: "\(.*\)"$/\1/p' "$1")
  # Up to 5 min: a cold compile of the shipped rules on a loaded 2-core box is slow.
  for ((i = 0; i < 3000; i++)); do
    case "$sock" in
      inet:*) (exec 3<>"/dev/tcp/127.0.0.1/$(echo "$sock" | sed 's/inet:\([0-9]*\)@.*/\1/')") 2>/dev/null && return 0 ;;
      unix:*) [ -S "${sock#unix:}" ] && return 0 ;;
    esac
    fx_alive "$SLUICE_PID" || break
    sleep 0.1
  done
  echo "sluice did not start on $sock:" >&2
  cat "$W/sluice.err" >&2
  return 1
}

fx_sink_start() {  # fx_sink_start PORT: smtp-sink dumping each message into $W/sink/
  mkdir -p "$W/sink"
  chown nobody "$W/sink"
  smtp-sink -u nobody -d "$W/sink/%M." "127.0.0.1:$1" 256 >"$W/sink.err" 2>&1 &
  PIDS+=($!)
  fx_wait_port "$1"
}

# fx_postfix_start SMTP_PORT SINK_PORT MILTER [DEFAULT_ACTION]: a private Postfix instance
# under $W/pfx: smtpd on SMTP_PORT with smtpd_milters=MILTER (Postfix syntax), relaying
# everything for smtpsink.test to smtp-sink on SINK_PORT.
fx_postfix_start() {
  local port=$1 sink=$2 milter=$3 default=${4:-tempfail}
  local P=$W/pfx
  pfx_write_config "$P" "$sink"
  cat >>"$P/conf/main.cf" <<CF
smtpd_milters = $milter
milter_default_action = $default
milter_protocol = 6
milter_connect_timeout = 5s
milter_content_timeout = 20s
smtpd_recipient_restrictions = permit_mynetworks, reject
message_size_limit = 20480000
CF
  echo "127.0.0.1:$port inet n - n - - smtpd" >>"$P/conf/master.cf"
  pfx_start "$P" || return 1
  fx_wait_port "$port"
}

fx_postfix_stop() { pfx_stop "$W/pfx"; }

# Mail files in the sink (smtp-sink -d writes one file per message).
fx_sink_files() { find "$W/sink" -type f 2>/dev/null | sort; }
fx_sink_count() { fx_sink_files | wc -l; }
# The sink file whose content contains TEXT (first match), waiting up to 10 s for delivery
# (and for smtp-sink to finish writing it); nothing if it never arrives.
fx_sink_find() {
  local i f
  for ((i = 0; i < 100; i++)); do
    f=$(grep -l -F -- "$1" $(fx_sink_files) 2>/dev/null | head -1)
    [ -n "$f" ] && sleep 0.1 && echo "$f" && return 0
    sleep 0.1
  done
}

fx_wait_sink_count() {  # fx_wait_sink_count N [SECONDS]: queue delivery is asynchronous
  local i
  for ((i = 0; i < ${2:-10} * 10; i++)); do
    [ "$(fx_sink_count)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# The score-log line (JSON) whose text contains TEXT, waiting for the writer thread.
fx_log_line() {
  local i
  for ((i = 0; i < 50; i++)); do
    grep -F -- "$1" "$W/score.log" 2>/dev/null | tail -1 | grep . && return 0
    sleep 0.1
  done
  return 1
}

# swaks against 127.0.0.1:PORT; prints the transcript to $W/swaks.<tag>; returns swaks' rc.
fx_swaks() {
  local tag=$1 port=$2
  shift 2
  swaks --server 127.0.0.1 --port "$port" --timeout 30 "$@" >"$W/swaks.$tag" 2>&1
}

# Runs the rest of the script in a private network namespace (only lo) when possible.
fx_netns() {
  if [ -z "${SLUICE_IN_NETNS:-}" ] && [ "${NETNS:-1}" = 1 ] && unshare --net true 2>/dev/null; then
    exec unshare --net -- env SLUICE_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
  fi
}

# fx_log_match MARKER REGEX [LOG]: waits until the score-log line with MARKER matches REGEX.
fx_log_match() {
  local i
  for ((i = 0; i < 50; i++)); do
    grep -F -- "$1" "${3:-$W/score.log}" 2>/dev/null | grep -Eq -- "$2" && return 0
    sleep 0.1
  done
  return 1
}
