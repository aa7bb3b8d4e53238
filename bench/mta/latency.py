#!/usr/bin/env python3
"""latency.py - per-message SMTP latency through an MTA: one session at a time, sequential.

Usage: latency.py PORT COUNT PAYLOAD_DIR
Sends COUNT messages (cycling through the files in PAYLOAD_DIR), each on a new connection,
and times MAIL FROM .. the reply to the final "." (what a milter adds to). Prints
"p50_ms p99_ms n_ok n_rejected" on one line.
"""
import os
import socket
import sys
import time


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise EOFError("closed")
        if line[3:4] != b"-":
            return line


def main():
    port, count, payload_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    files = sorted(os.path.join(payload_dir, n) for n in os.listdir(payload_dir))
    bodies = []
    for path in files:
        data = open(path, "rb").read().replace(b"\r\n", b"\n").split(b"\n")
        data = [b"." + l if l.startswith(b".") else l for l in data]
        bodies.append(b"\r\n".join(data).rstrip(b"\r\n") + b"\r\n.\r\n")
    times, ok, rejected = [], 0, 0
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        reply(f)
        s.sendall(b"EHLO latency.example\r\n")
        reply(f)
        t0 = time.perf_counter()
        for cmd in (b"MAIL FROM:<load@example.org>\r\n", b"RCPT TO:<load@smtpsink.test>\r\n", b"DATA\r\n"):
            s.sendall(cmd)
            reply(f)
        s.sendall(bodies[i % len(bodies)])
        r = reply(f)
        times.append(time.perf_counter() - t0)
        if r.startswith(b"2"):
            ok += 1
        else:
            rejected += 1
        s.sendall(b"QUIT\r\n")
        s.close()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print("%.2f %.2f %d %d" % (p(0.50), p(0.99), ok, rejected))


if __name__ == "__main__":
    main()
