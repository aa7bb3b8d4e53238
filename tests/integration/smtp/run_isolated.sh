#!/bin/bash
# run_isolated.sh SCRIPT ARGS... - runs an integration test in a private network namespace
# with only loopback up, so test servers cannot clash with anything on the machine and no
# test traffic can leave it. Without the privilege for that, runs it as is (and says so).
if unshare --net true 2>/dev/null; then
  exec unshare --net -- /bin/bash -c 'ip link set lo up && exec "$@"' -- "$@"
fi
echo "# unshare --net not permitted: running in the host network namespace"
exec "$@"
