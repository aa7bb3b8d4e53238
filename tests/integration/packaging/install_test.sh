#!/usr/bin/env bash
# install_test.sh SLUICE - `make install` (tools/install.sh) into a DESTDIR with a PREFIX
# other than the default gives a tree that runs and a unit that matches it:
# - the installed binary reads the rules installed beside it (PREFIX/share/sluice), not the
#   build's source tree (proved by breaking the installed copy: --check must name it);
# - the systemd unit starts PREFIX/bin/sluice (it named /usr/local/bin/sluice whatever PREFIX);
# - the unit does not make /var/lib/sluice root's at each start (StateDirectory= with no
#   User=), and its /run/sluice lets the MTA reach a milter socket there;
# - the logrotate file is installed, and an admin's edited copy survives a reinstall.
set -euo pipefail
sluice=$1
here=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(dirname "$sluice")
work=$(mktemp -d /tmp/sluice-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=/opt/sluice-install-test
dest="$work/dest"
DESTDIR="$dest" "$here/tools/install.sh" "$build" "$dest$prefix" >"$work/install.out"
bin="$dest$prefix/bin/sluice"
unit="$dest/lib/systemd/system/sluice.service"
[ -x "$bin" ] || fail "no binary at $bin"
[ -f "$dest/etc/sluice/sluice.yaml" ] || fail "no config in $dest/etc/sluice"
[ -f "$dest$prefix/share/sluice/rules/sluice.yaml" ] || fail "no rules in the tree"
ls "$dest$prefix"/share/man/man8/sluice-serve.8 >/dev/null || fail "no man page"
# The score log's rotation, and an admin's edited copy kept on a second install.
grep -q "kill -s USR1 sluice.service" "$dest/etc/logrotate.d/sluice" || fail "no logrotate file"
echo "# local edit" >>"$dest/etc/logrotate.d/sluice"
DESTDIR="$dest" "$here/tools/install.sh" "$build" "$dest$prefix" >"$work/install2.out"
grep -q "^# local edit" "$dest/etc/logrotate.d/sluice" || fail "second install replaced logrotate.d/sluice"

# 1. The unit runs the installed binary, wherever PREFIX put it.
grep -q "^ExecStart=$prefix/bin/sluice " "$unit" || fail "unit ExecStart: $(grep Exec "$unit")"
grep -q "^ExecStartPre=$prefix/bin/sluice " "$unit" || fail "unit ExecStartPre: $(grep Exec "$unit")"
if grep -q "/usr/local/bin" "$unit"; then fail "unit still names /usr/local/bin: $(grep Exec "$unit")"; fi

# 2. Directories systemd manages for it.
if grep -q "^StateDirectory=" "$unit"; then
  fail "StateDirectory= without User= chowns /var/lib/sluice to root at every start"
fi
mode=$(sed -n 's/^RuntimeDirectoryMode=//p' "$unit")
if [ -n "$mode" ] && [ $((8#$mode & 8#001)) -eq 0 ]; then
  fail "RuntimeDirectoryMode=$mode: the MTA cannot reach a milter socket in /run/sluice"
fi

# 3. The tree runs: the installed default config passes --check with the installed rules.
export SLUICE_STATE="$work/state"
mkdir -p "$SLUICE_STATE"
"$bin" --config "$dest/etc/sluice/sluice.yaml" serve --check >"$work/check.out" 2>&1 ||
  fail "serve --check on the installed default: $(cat "$work/check.out")"
grep -q "ok" "$work/check.out" || fail "$(cat "$work/check.out")"
# ... and those rules are the tree's own: a broken rule there must be what --check reports.
printf 'rules:\n  - id: BROKEN_IN_TREE\n    target: body\n    pattern: "(unclosed"\n    score: 1\n' \
  >>"$dest$prefix/share/sluice/rules/sluice.yaml"
set +e
"$bin" --config "$dest/etc/sluice/sluice.yaml" serve --check >"$work/check.out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "a broken installed rule file passed --check: the tree's rules are not read"
grep -q "$dest$prefix/share/sluice/rules" "$work/check.out" ||
  fail "--check did not name the installed rule file: $(cat "$work/check.out")"
echo "install: ok"
