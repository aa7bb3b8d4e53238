#!/usr/bin/env bash
# install.sh - what `make install` does: the binary, shipped rules, default config,
# systemd unit, logrotate file and man pages under PREFIX (default /usr/local; DESTDIR is
# honoured by the caller passing $(DESTDIR)$(PREFIX)). An existing /etc/sluice/sluice.yaml
# is never overwritten: the new default is written beside it as sluice.yaml.dist.
set -euo pipefail
build=${1:-build}
prefix=${2:-/usr/local}
here=$(cd "$(dirname "$0")/.." && pwd)
root=${DESTDIR:-}
etc="$root/etc/sluice"

install -d "$prefix/bin" "$prefix/share/sluice/rules" "$etc"
install -m 0755 "$build/sluice" "$prefix/bin/sluice"
cp -R "$here/rules/." "$prefix/share/sluice/rules/"
if [ -e "$etc/sluice.yaml" ]; then
  install -m 0644 "$here/packaging/sluice.yaml" "$etc/sluice.yaml.dist"
  echo "install: kept $etc/sluice.yaml; the new default is $etc/sluice.yaml.dist"
else
  install -m 0644 "$here/packaging/sluice.yaml" "$etc/sluice.yaml"
fi
if [ -f "$here/packaging/sluice.service" ]; then
  # The unit names /usr/local/bin/sluice (the default PREFIX); any other PREFIX gets its own
  # path there, without DESTDIR (the unit runs in the installed system, not in the tree).
  runtime_prefix=${prefix#"$root"}
  install -d "$root/lib/systemd/system"
  sed "s|/usr/local/bin/sluice|$runtime_prefix/bin/sluice|g" "$here/packaging/sluice.service" \
    >"$root/lib/systemd/system/sluice.service"
  chmod 0644 "$root/lib/systemd/system/sluice.service"
fi
# The score log's rotation (SIGUSR1 makes the daemon reopen it by name). Like the config, an
# admin's edited copy is kept.
if [ -e "$root/etc/logrotate.d/sluice" ]; then
  echo "install: kept $root/etc/logrotate.d/sluice"
else
  install -d "$root/etc/logrotate.d"
  install -m 0644 "$here/packaging/logrotate/sluice" "$root/etc/logrotate.d/sluice"
fi
for page in "$here"/packaging/*.[1-8]; do
  [ -e "$page" ] || continue
  section=${page##*.}
  install -d "$prefix/share/man/man$section"
  install -m 0644 "$page" "$prefix/share/man/man$section/"
done
echo "install: sluice in $prefix/bin, rules in $prefix/share/sluice/rules, config in $etc"
