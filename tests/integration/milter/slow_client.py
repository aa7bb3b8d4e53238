#!/usr/bin/env python3
"""slow_client.py - an SMTP client that stops in the middle of DATA, SIGKILLs a process
(sluice) and then finishes the message; prints the server's final reply.

Usage: slow_client.py PORT PID_TO_KILL MESSAGE_ID
Exit 0 if the conversation completed (whatever the reply), 1 on a protocol error.
"""
import os
import signal
import socket
import sys
import time


def reply(f):
    lines = []
    while True:
        line = f.readline().decode("utf-8", "replace")
        if not line:
            raise EOFError("server closed the connection")
        lines.append(line)
        if line[3:4] != "-":
            return "".join(lines)


def main():
    port, pid, msgid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    reply(f)
    for cmd in ("EHLO slow.example", "MAIL FROM:<slow@example.org>", "RCPT TO:<bob@smtpsink.test>", "DATA"):
        s.sendall((cmd + "\r\n").encode())
        r = reply(f)
        if r[0] not in "23":
            print("unexpected reply to %s: %s" % (cmd, r.strip()))
            return 1
    s.sendall(("From: slow@example.org\r\nTo: bob@smtpsink.test\r\nSubject: interrupted\r\n"
               "Message-ID: <%s>\r\n\r\nfirst half of the body\r\n" % msgid).encode())
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    s.sendall(b"second half, after the milter died\r\n.\r\n")
    print(reply(f).strip())
    s.sendall(b"QUIT\r\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
