#!/usr/bin/env bash
# cli_test.sh - `sluice mime` end to end: JSON shape, text mode, stdin, exit codes.
# Usage: cli_test.sh SLUICE_BINARY SOURCE_DIR
set -euo pipefail
sluice=$1
src=$2
sample=$src/tests/data/fuzz/mime/multipart.eml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$sluice" mime --json "$sample" >"$tmp/out.json" || fail "exit code on a good message"
python3 - "$tmp/out.json" <<'PY' || fail "JSON shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"headers", "parts", "urls", "defects"}, d.keys()
assert {"name": "Subject", "value": "hello world"} in d["headers"], d["headers"]
paths = [p["path"] for p in d["parts"]]
assert paths == ["1", "1.1", "1.2", "1.2.1", "1.3"], paths
koi = d["parts"][1]
assert koi["content_type"] == "text/plain" and koi["charset"] == "koi8-r", koi
assert koi["transfer_encoding"] == "base64" and koi["filename"] is None, koi
assert koi["text"] == "\u041f\u0440\u0438\u0432\u0435\u0442" and koi["size"] == 6, koi
assert koi["defects"] == [], koi
html = d["parts"][3]
assert html["content_type"] == "text/html" and "<a href" in html["text"], html
att = d["parts"][4]
assert att["filename"] == "\u00e9t.zip" and "text" not in att and att["size"] == 10, att
assert "text" not in d["parts"][0]
assert any(u["url"] == "http://x.example/" and u["host"] == "x.example" and
           u["link_text"] == "link" for u in d["urls"]), d["urls"]
assert isinstance(d["defects"], list)
PY

# stdin, text mode
"$sluice" mime - <"$sample" >"$tmp/out.txt" || fail "stdin"
grep -q '1.2.1  text/html' "$tmp/out.txt" || fail "tree in text mode"
grep -q 'Привет' "$tmp/out.txt" || fail "decoded text in text mode"

# garbage and defects still exit 0 with valid JSON; an unreadable file exits 1
head -c 20000 /dev/urandom >"$tmp/junk"
"$sluice" mime --json "$tmp/junk" | python3 -c 'import json,sys; json.load(sys.stdin)' \
  || fail "garbage input"
printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n' >"$tmp/defect.eml"
"$sluice" mime --json "$tmp/defect.eml" | grep -q close_boundary_missing || fail "defect listed"
set +e
"$sluice" mime "$tmp/does-not-exist" 2>/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "missing file should exit 1, got $rc"
set +e
"$sluice" mime --json "$tmp" 2>/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "a directory should exit 1, got $rc"
echo "cli_test: ok"
