#!/usr/bin/env python3
"""dns_stub.py - answers every DNS query over UDP with NXDOMAIN, at once.

For boxing Rspamd in (../shared/docs/peers.md): inside a network namespace with only
loopback, a resolver that answers quickly keeps lookups from turning into timeouts, so the
peer is measured for its scanning, not for waiting on a network it does not have.
Usage: dns_stub.py [PORT]   (default 53, on 127.0.0.1)
"""
import socket
import sys


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 53
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        query, addr = s.recvfrom(4096)
        if len(query) < 12:
            continue
        # Header: same ID; QR=1, same opcode and RD, RA=1, RCODE=3; one question, no answers.
        flags = 0x8000 | (query[2] << 8 & 0x7900) | 0x0080 | 3
        answer = query[:2] + bytes([flags >> 8, flags & 0xFF]) + query[4:6] + b"\0\0\0\0\0\0"
        # Copy the question section (QNAME labels, then QTYPE and QCLASS).
        i = 12
        while i < len(query) and query[i] != 0:
            i += query[i] + 1
        answer += query[12:i + 5]
        s.sendto(answer, addr)


if __name__ == "__main__":
    main()
