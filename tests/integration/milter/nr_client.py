#!/usr/bin/env python3
"""nr_client.py - checks the milter "no reply" negotiation (SMFIP_NR_*) on the wire.

Usage: nr_client.py SOCKET OFFER EXPECT [AUTH_USER]
  SOCKET  inet:PORT@HOST or unix:/path (a running `sluice serve`)
  OFFER   the SMFIP_NR_* steps the simulated MTA offers: comma list of
          conn,helo,mail,rcpt,data,unkn,hdr,eoh,body ("all" = every one, "none" = none)
  EXPECT  the steps the milter must take as no-reply (same syntax)
  NR_BIG_BODY=1 in the environment (body not no-reply): 1.3 MB more body, whose answer must
          turn to SKIP past the scan limit.
  AUTH_USER  sends {auth_authen}=AUTH_USER with MAIL (outbound mail, skip_outbound on):
          with MAIL no-reply the transaction goes on and end of message must be one ACCEPT
          and nothing else (no header added: not scored); with MAIL answered, that answer
          must be ACCEPT and the transaction ends there, as an MTA ends it.

Speaks the milter protocol (version 6) itself, so it sees every packet: the negotiated
protocol flags must carry exactly the EXPECT bits among the NR_* bits; then one whole
transaction (macros, connect, HELO, an unknown command, MAIL, two RCPTs, DATA, headers,
EOH, two body chunks, end of message) is sent. After each step in EXPECT nothing may come
back; after every other step exactly one CONTINUE must. Replies are read strictly in order
and, after QUIT, the stream must end with no bytes left over, so a stray reply to a no-reply
step cannot hide. Prints "ok - ..." lines; exit 0 when all held, 1 otherwise.
"""
import os
import select
import socket
import struct
import sys

NR = {
    "conn": 0x1000, "helo": 0x2000, "mail": 0x4000, "rcpt": 0x8000, "data": 0x10000,
    "unkn": 0x20000, "hdr": 0x80, "eoh": 0x40000, "body": 0x80000,
}
SMFIP_SKIP = 0x400
ALL_ACTIONS = 0x1FF  # add/change headers, body, rcpts, quarantine, from, symlist...
# Reply codes that end a step (anything else at end of message is a modification).
FINAL = set(b"acdrtyf")

failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok   - " + name)
    else:
        failed += 1
        print("FAIL - " + name + (": " + detail if detail else ""))


def steps(spec):
    if spec == "all":
        return set(NR)
    if spec in ("none", ""):
        return set()
    names = set(spec.split(","))
    unknown = names - set(NR)
    if unknown:
        sys.exit("unknown step(s): " + ",".join(sorted(unknown)))
    return names


def connect(spec):
    if spec.startswith("unix:") or spec.startswith("local:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(spec.split(":", 1)[1])
        return s
    port, _, host = spec.split(":", 1)[1].partition("@")
    s = socket.create_connection((host or "127.0.0.1", int(port)), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Wire:
    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(30)

    def send(self, cmd, data=b""):
        self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def read(self):
        """One packet as (code, data); None at end of stream."""
        head = self._exact(4)
        if head is None:
            return None
        body = self._exact(struct.unpack(">I", head)[0])
        return None if body is None else (body[:1], body[1:])

    def pending(self, seconds):
        """Is anything readable within `seconds`? (a stray reply in flight)"""
        return bool(select.select([self.sock], [], [], seconds)[0])


def main():
    sock_spec, offer, expect = sys.argv[1], steps(sys.argv[2]), steps(sys.argv[3])
    auth = sys.argv[4].encode() if len(sys.argv) > 4 else None
    tag = b"nr-out-" + auth if auth else b"nr"  # the score-log line's marker
    w = Wire(connect(sock_spec))
    offered_bits = sum(NR[s] for s in offer) | SMFIP_SKIP
    w.send(b"O", struct.pack(">III", 6, ALL_ACTIONS, offered_bits))
    reply = w.read()
    check("negotiation answered", reply is not None and reply[0] == b"O", repr(reply))
    if reply is None or reply[0] != b"O":
        return 1
    _version, _actions, proto = struct.unpack(">III", reply[1][:12])
    got = {s for s, bit in NR.items() if proto & bit}
    check("negotiated no-reply steps are %s" % (",".join(sorted(expect)) or "none"),
          got == expect, "got " + (",".join(sorted(got)) or "none"))
    check("no no-reply step the MTA did not offer", got <= offer)
    # The macro lists asked for (SMFIF_SETSYMLIST): only the macros sluice reads, and for the
    # other stages one no MTA defines, so the MTA neither computes nor sends its defaults.
    lists, rest = {}, reply[1][12:]
    while len(rest) >= 5 and b"\0" in rest[4:]:
        stage = struct.unpack(">I", rest[:4])[0]
        end = rest.index(b"\0", 4)
        lists[stage] = rest[4:end].decode()
        rest = rest[end + 1:]
    want = {0: "{sluice_none}", 1: "{sluice_none}", 2: "i {auth_authen}", 3: "{sluice_none}",
            4: "{sluice_none}", 5: "i", 6: "{sluice_none}"}
    check("macro lists requested per stage", lists == want and not rest, repr(lists))

    def step(name, nr, cmd, data=b""):
        w.send(cmd, data)
        if nr in got:
            return
        r = w.read()
        check("%s answered continue" % name, r is not None and r[0] == b"c", repr(r))

    def macro(for_cmd, pairs):  # macros are never answered
        w.send(b"D", for_cmd + b"".join(k + b"\0" + v + b"\0" for k, v in pairs))

    macro(b"C", [(b"j", b"mx.example"), (b"{daemon_name}", b"smtpd")])
    step("connect", "conn", b"C", b"client.example\0" + b"4" + struct.pack(">H", 2525) + b"192.0.2.9\0")
    step("helo", "helo", b"H", b"client.example\0")
    step("unknown command", "unkn", b"U", b"XYZZY\0")  # legal between HELO and MAIL
    mail_macros = [(b"i", b"NRQUEUEID")] + ([(b"{auth_authen}", auth)] if auth else [])
    macro(b"M", mail_macros)
    if auth and "mail" not in got:
        w.send(b"M", b"<" + tag + b"@example.org>\0")
        r = w.read()
        check("outbound: MAIL answered accept (skipped there)", r is not None and r[0] == b"a", repr(r))
        return quit_and_close(w)
    step("mail", "mail", b"M", b"<" + tag + b"@example.org>\0")
    step("rcpt 1", "rcpt", b"R", b"<bob@example.net>\0")
    step("rcpt 2", "rcpt", b"R", b"<carol@example.net>\0")
    step("data", "data", b"T")
    for name, value in ((b"From", b"nr@example.org"), (b"Subject", b"no reply test"),
                        (b"Message-ID", b"<" + tag + b"-client@example.org>")):
        step("header " + name.decode(), "hdr", b"L", name + b"\0" + value + b"\0")
    step("end of headers", "eoh", b"N")
    # Nothing may be in flight now: every step so far was answered and read, or no-reply.
    check("nothing unexpected in flight before the body", not w.pending(0.3))
    step("body chunk 1", "body", b"B", b"first line\r\n")
    step("body chunk 2", "body", b"B", b"second line\r\n")
    if os.environ.get("NR_BIG_BODY") and "body" not in got:
        # Body chunks answered: past the scan limit (1 MB by default) the answer is SKIP, and
        # the MTA then sends no more body (an MTA without NR_BODY must get it, not CONTINUE).
        answers = []
        for _ in range(20):  # 20 x 65 KB = 1.3 MB
            w.send(b"B", b"x" * 65000 + b"\r\n")
            r = w.read()
            answers.append(r[0] if r else None)
            if r is None or r[0] != b"c":
                break
        check("body past the scan limit answered SKIP", answers[-1:] == [b"s"], repr(answers[-3:]))
    w.send(b"E")
    codes = []
    while True:
        r = w.read()
        if r is None:
            break
        codes.append(r[0])
        if r[0][0] in FINAL:
            break
    if auth:
        check("outbound: end of message is one accept, nothing added (not scored)",
              codes == [b"a"], repr(codes))
    else:
        check("end of message answered (modifications, then continue)",
              codes and codes[-1] == b"c" and all(c in (b"h", b"m", b"i") for c in codes[:-1]),
              repr(codes))
        check("X-Spam-Status added at end of message", b"h" in codes or b"i" in codes, repr(codes))
    return quit_and_close(w)


def quit_and_close(w):
    w.send(b"Q")
    rest = w.sock.recv(65536)
    check("nothing left over after QUIT (no stray replies)", rest == b"", repr(rest[:64]))
    w.sock.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
