#!/usr/bin/env python3
"""man_options_test.py SLUICE MANPAGE - the options sluice-serve(8) shows for `serve` and
`logs` are exactly those their --help lists (each spelling, short and long), so that the
page neither documents an option that does not exist nor leaves one out."""
import re
import subprocess
import sys

sluice, page = sys.argv[1], sys.argv[2]
text = open(page, encoding="utf-8").read()
synopsis = text.split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0]
failures = []
for command in ("serve", "logs"):
    # The command's synopsis: from ".B <command>" to the next ".br" or the end.
    part = synopsis.split(".B " + command + "\n", 1)[1].split(".br", 1)[0]
    documented = {m.replace("\\-", "-") for m in re.findall(r"\\fB(\\-[^\\ ]*(?:\\-[^\\ ]*)*)\\fR", part)}
    out = subprocess.run([sluice, command, "--help"], capture_output=True, text=True).stdout
    listed = set()
    for line in out.splitlines():
        m = re.match(r"\s+(-[^\s]+)", line)
        if m:
            listed.update(o for o in m.group(1).split(",") if o.startswith("-"))
    listed -= {"-h", "--help"}
    if documented != listed:
        failures.append(f"{command}: documented only {sorted(documented - listed)}, "
                        f"in --help only {sorted(listed - documented)}")
if failures:
    print("FAIL: " + "; ".join(failures))
    sys.exit(1)
print("man options: ok")
