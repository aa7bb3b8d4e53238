#!/bin/bash
# downstream_tls_test.sh SLUICE - STARTTLS toward the downstream with certificate checks:
#   swaks -> sluice A (downstream_starttls, downstream_tls_ca) -> sluice B (STARTTLS with a
#   certificate from a private CA) -> smtp-sink
# A verifies B's certificate against the CA and the name: the right CA and name deliver;
# a wrong name or another CA fail the handshake, the client gets 4xx and nothing arrives.
source "$(dirname "$0")/lib.sh"
RELAY_PORT=$((PORT_BASE + 35))
RELAY_PID=

make_ca() { # NAME: a self-signed CA in $W/NAME.pem/.key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=sluice test $1" -keyout "$W/$1.key" -out "$W/$1.pem" 2>/dev/null
}
make_ca ca
make_ca otherca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=relay.test" \
  -keyout "$W/relay.key" -out "$W/relay.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:relay.test\n' >"$W/relay.ext"
openssl x509 -req -in "$W/relay.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial \
  -days 2 -extfile "$W/relay.ext" -out "$W/relay.pem" 2>/dev/null

start_sink
# Sluice B: the TLS-offering "downstream MTA", relaying on to the sink.
write_config "$SINK_PORT" "tls_cert: $W/relay.pem" "tls_key: $W/relay.key"
sed -e "s/listen: 127.0.0.1:$PROXY_PORT/listen: 127.0.0.1:$RELAY_PORT/" \
  -e "s#score_log: .*#score_log: $W/relay-score.log#" "$W/sluice.yaml" >"$W/relay.yaml"
"$SLUICE_BIN" --config "$W/relay.yaml" serve >"$W/relay.out" 2>>"$W/relay.err" &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_port "$RELAY_PORT" "$RELAY_PID" || { echo "not ok - relay sluice did not start"; cat "$W/relay.err"; exit 1; }

SWAKS=(swaks --server 127.0.0.1 --port "$PROXY_PORT" --from alice@example.org
       --to bob@smtpsink.test --helo client.test --timeout 20)

# front_with EXTRA...: (re)start sluice A with downstream STARTTLS and EXTRA smtp: lines.
front_with() {
  [ -n "${SLUICE_PID:-}" ] && stop_sluice
  write_config "$RELAY_PORT" "downstream_starttls: true" "$@"
  start_sluice
}

front_with "downstream_tls_ca: $W/ca.pem"
out=$("${SWAKS[@]}" --h-Subject "verified" --body "verified hop" 2>&1)
check "right CA, name = downstream address: delivered" test $? -eq 0
check "... through both proxies" sink_has "verified hop"

front_with "downstream_tls_ca: $W/ca.pem" "downstream_tls_name: relay.test"
out=$("${SWAKS[@]}" --h-Subject "by name" --body "verified by name" 2>&1)
check "right CA, configured name in the certificate: delivered" test $? -eq 0
check "... delivered" sink_has "verified by name"

front_with "downstream_tls_ca: $W/ca.pem" "downstream_tls_name: impostor.test"
out=$("${SWAKS[@]}" --h-Subject "wrong name" --body "WRONG-NAME" 2>&1)
check "name not in the certificate: client gets 4xx" grep -q "<\*\* 4[0-9][0-9] " <<<"$out"
check "... nothing delivered" bash -c "! grep -rqF WRONG-NAME '$W/sink'"

front_with "downstream_tls_ca: $W/otherca.pem"
out=$("${SWAKS[@]}" --h-Subject "other ca" --body "OTHER-CA" 2>&1)
check "certificate from another CA: client gets 4xx" grep -q "<\*\* 4[0-9][0-9] " <<<"$out"
check "... nothing delivered" bash -c "! grep -rqF OTHER-CA '$W/sink'"

front_with
out=$("${SWAKS[@]}" --h-Subject "unverified" --body "unverified hop" 2>&1)
check "no CA configured: encrypted, not verified, delivered" test $? -eq 0
check "... delivered" sink_has "unverified hop"
finish
