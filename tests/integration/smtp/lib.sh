# lib.sh - shared fixture code for the SMTP proxy integration tests (sourced, not run).
#
# Gives: a private work dir $W (removed on exit unless KEEP=1), smtp-sink and sluice
# started as plain children and killed on exit, port waits, a self-signed certificate,
# a sluice config with a test rule (subject "SLUICE-TEST-SPAM" scores 100 => reject), and
# check/finish for TAP-like output. Ports come from PORT_BASE (default 21000); the tests
# normally run inside `unshare --net` (run_isolated.sh), where nothing else listens.
set -u
SLUICE_BIN=${1:?usage: $0 path/to/sluice}
SRC=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
PORT_BASE=${PORT_BASE:-21000}
PROXY_PORT=$((PORT_BASE + 25))
SINK_PORT=$((PORT_BASE + 30))
W=$(mktemp -d /tmp/sluice-smtp-it.XXXXXX)
chmod 755 "$W"
PIDS=()
PASS=0
FAIL=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENT="python3 $HERE/smtp_client.py"

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

check() {
  local name=$1
  shift
  if "$@"; then
    PASS=$((PASS + 1))
    echo "ok - $name"
  else
    FAIL=$((FAIL + 1))
    echo "not ok - $name"
  fi
}

finish() {
  echo "# $PASS passed, $FAIL failed"
  if [ "$FAIL" -ne 0 ]; then
    echo "# sluice stderr:"
    sed 's/^/#   /' "$W/sluice.err" 2>/dev/null | tail -40
    exit 1
  fi
  exit 0
}

# wait_port PORT [PID]: until something accepts on 127.0.0.1:PORT (5 min at most: under
# ASan or a loaded CI machine compiling the shipped rules alone can take over 10 s); with
# PID, gives up at once when that process has died.
wait_port() {
  local i
  for i in $(seq 6000); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
      echo "# process $2 exited before listening on port $1" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "# nothing listens on port $1" >&2
  return 1
}

# start_sink [extra smtp-sink options]: a sink dumping each message to $W/sink/.
start_sink() {
  mkdir -p "$W/sink"
  chown nobody "$W/sink"
  smtp-sink -u nobody -d "$W/sink/%H%M%S." "$@" "127.0.0.1:$SINK_PORT" 256 &
  SINK_PID=$!
  PIDS+=("$SINK_PID")
  wait_port "$SINK_PORT"
}

stop_sink() {
  kill -9 "$SINK_PID" 2>/dev/null
  wait "$SINK_PID" 2>/dev/null
}

sink_count() { find "$W/sink" -type f 2>/dev/null | wc -l; }

# sink_has TEXT: some delivered message contains TEXT (fixed string).
sink_has() { grep -rqF -- "$1" "$W/sink" 2>/dev/null; }
# wait_sink TEXT [SECONDS]: MTAs relay in the background; wait for TEXT in the sink.
wait_sink() {
  local i
  for i in $(seq $((${2:-15} * 10))); do
    sink_has "$1" && return 0
    sleep 0.1
  done
  return 1
}

make_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sluice.test" \
    -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
}

# write_config DOWNSTREAM_PORT [extra smtp: lines...]
write_config() {
  local downstream=$1
  shift
  cat >"$W/test-rules.yaml" <<RULES
rules:
  - id: SLUICE_TEST_SPAM
    description: 'the integration tests mark spam with this subject'
    target: subject
    pattern: 'SLUICE-TEST-SPAM'
    score: 100
RULES
  {
    cat <<CONF
scoring:
  rules:
    - $SRC/rules/sluice.yaml
    - $W/test-rules.yaml
  rules_cache: ${SLUICE_RULES_CACHE:-$W/cache}
  bayes:
    enabled: ${SLUICE_BAYES:-false}
    db: ${SLUICE_BAYES_DB:-$W/bayes}
  actions:
    add_header: 5
    reject: 10
on_error: accept
milter:
  socket: ""
log:
  score_log: $W/score.log
smtp:
  enabled: true
  listen: 127.0.0.1:$PROXY_PORT
  downstream: 127.0.0.1:$downstream
  hostname: sluice.test
  command_timeout_s: 20
  data_timeout_s: 20
  downstream_timeout_s: 10
CONF
    local line
    for line in "$@"; do echo "  $line"; done
  } >"$W/sluice.yaml"
}

start_sluice() {
  "$SLUICE_BIN" --config "$W/sluice.yaml" serve >"$W/sluice.out" 2>>"$W/sluice.err" &
  SLUICE_PID=$!
  PIDS+=("$SLUICE_PID")
  wait_port "$PROXY_PORT" "$SLUICE_PID"
}

stop_sluice() {
  kill -TERM "$SLUICE_PID" 2>/dev/null
  wait "$SLUICE_PID" 2>/dev/null
}
