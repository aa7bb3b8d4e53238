#!/usr/bin/env python3
"""limits_client.py - one milter connection that lives across a SIGHUP.

Usage: limits_client.py SOCKET PID ERR_FILE CONFIG
Speaks the milter protocol (version 6, no no-reply steps) to a running `sluice serve`: one
message (Message-ID <limits-before@example.org>, a 3,000-byte body), then, on the same
connection, sets `scoring.max_scan_bytes: 1000` in CONFIG, sends SIGHUP to PID, waits for a
new "reloaded" in ERR_FILE, and sends a second message (<limits-after@example.org>). The
caller checks the score log: the second message must be kept and scanned under the new
limit. Exit 0 when the conversation went as the protocol says, 1 otherwise.
"""
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nr_client import ALL_ACTIONS, SMFIP_SKIP, Wire, connect  # noqa: E402


def expect_continue(w, what, also=()):
    r = w.read()
    if r is None or (r[0] != b"c" and r[0] not in also):
        sys.exit("%s: expected continue, got %r" % (what, r))


def message(w, marker):
    w.send(b"M", b"<limits@example.org>\0")
    expect_continue(w, "mail")
    w.send(b"R", b"<bob@example.net>\0")
    expect_continue(w, "rcpt")
    for name, value in ((b"From", b"limits@example.org"), (b"Subject", b"limits test"),
                        (b"Message-ID", b"<" + marker + b"@example.org>")):
        w.send(b"L", name + b"\0" + value + b"\0")
        expect_continue(w, "header")
    w.send(b"N")
    expect_continue(w, "end of headers")
    w.send(b"B", b"x" * 60 + b"\r\n" + (b"y" * 78 + b"\r\n") * 37)  # ~3,000 bytes
    expect_continue(w, "body", also=(b"s",))  # SKIP: past the scan limit
    w.send(b"E")
    while True:
        r = w.read()
        if r is None:
            sys.exit("end of message: connection closed")
        if r[0] in (b"c", b"a", b"r", b"t", b"d", b"y"):
            break
    w.send(b"A")  # the MTA ends the transaction; never answered


def main():
    sock, pid, err_file, config = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    w = Wire(connect(sock))
    w.send(b"O", struct.pack(">III", 6, ALL_ACTIONS, SMFIP_SKIP))
    if (w.read() or (b"",))[0] != b"O":
        sys.exit("negotiation not answered")
    w.send(b"C", b"client.example\0" + b"4" + struct.pack(">H", 2525) + b"192.0.2.9\0")
    expect_continue(w, "connect")
    w.send(b"H", b"client.example\0")
    expect_continue(w, "helo")
    message(w, b"limits-before")
    with open(err_file, "rb") as f:
        reloads = f.read().count(b"reloaded")
    with open(config) as f:
        text = f.read()
    with open(config, "w") as f:
        f.write(text.replace("scoring:\n", "scoring:\n  max_scan_bytes: 1000\n", 1))
    os.kill(pid, signal.SIGHUP)
    for _ in range(100):
        with open(err_file, "rb") as f:
            if f.read().count(b"reloaded") > reloads:
                break
        time.sleep(0.1)
    else:
        sys.exit("no reload seen")
    message(w, b"limits-after")
    w.send(b"Q")
    w.sock.close()
    print("ok - two messages on one connection across a reload")
    return 0


if __name__ == "__main__":
    sys.exit(main())
