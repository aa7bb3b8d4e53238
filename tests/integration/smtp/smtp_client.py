#!/usr/bin/env python3
"""smtp_client.py - raw SMTP conversations the integration tests need and swaks cannot do.

Usage: smtp_client.py SCENARIO PORT [ARGS...]; exit 0 when every expectation held, else
1 with the transcript on stderr. Each socket read has a timeout, so nothing hangs.
"""
import os
import signal
import socket
import sys
import time


class Session:
    def __init__(self, port, timeout=15):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.log = []

    def send(self, data):
        self.log.append(b">> " + data[:200])
        self.sock.sendall(data)

    def reply(self):
        """One (multi-line) reply: (code, text). Code 0 on EOF or timeout."""
        lines = []
        while True:
            while b"\n" not in self.buf:
                try:
                    chunk = self.sock.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    chunk = b""
                if not chunk:
                    self.log.append(b"<< EOF")
                    return 0, b"".join(lines)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            self.log.append(b"<< " + line)
            lines.append(line)
            if len(line) < 4 or line[3:4] == b" ":
                return int(line[:3]), b"\n".join(lines)

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.reply()[0]

    def transcript(self):
        return b"\n".join(self.log).decode("utf-8", "replace")


def expect(session, what, got, want):
    ok = got in want if isinstance(want, (list, tuple, range)) else got == want
    if not ok:
        sys.stderr.write(f"{what}: got {got}, want {want}\n{session.transcript()}\n")
        sys.exit(1)


def message(subject, body=b"hello\r\n", extra=b""):
    return (b"From: alice@example.org\r\nTo: bob@smtpsink.test\r\nSubject: " + subject +
            b"\r\n" + extra + b"\r\n" + body)


def multi(port, count="3"):
    """Several messages in one session, with an RSET'ed transaction between them."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    for i in range(int(count)):
        expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
        expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
        if i == 1:
            # An abandoned transaction: RSET, then start over.
            expect(s, "RSET", s.cmd(b"RSET"), 250)
            expect(s, "MAIL again", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
            expect(s, "RCPT again", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
        expect(s, "DATA", s.cmd(b"DATA"), 354)
        s.send(message(b"multi %d" % i, b"message number %d\r\n" % i) + b".\r\n")
        expect(s, "end of data", s.reply()[0], 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def badinput(port):
    """Over-long lines, binary junk, NUL bytes, unknown and out-of-order commands."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "out of order MAIL", s.cmd(b"MAIL FROM:<a@example.org>"), 503)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    expect(s, "over-long line", s.cmd(b"NOOP " + b"x" * 100000), 500)
    expect(s, "binary junk", s.cmd(bytes(range(1, 10)) + bytes(range(128, 256))), 500)
    expect(s, "NUL", s.cmd(b"NO\x00OP"), 500)
    expect(s, "unknown", s.cmd(b"WIBBLE"), 500)
    expect(s, "RCPT before MAIL", s.cmd(b"RCPT TO:<b@smtpsink.test>"), 503)
    expect(s, "DATA before RCPT", s.cmd(b"DATA"), 503)
    expect(s, "TURN", s.cmd(b"TURN"), 502)
    expect(s, "VRFY", s.cmd(b"VRFY root"), 252)
    expect(s, "EXPN", s.cmd(b"EXPN staff"), 502)
    expect(s, "bad MAIL syntax", s.cmd(b"MAIL FROM:alice"), 501)
    # ... and the session still delivers.
    expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
    expect(s, "DATA", s.cmd(b"DATA"), 354)
    s.send(message(b"after bad input") + b".\r\n")
    expect(s, "end of data", s.reply()[0], 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def half_data(s, subject):
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
    expect(s, "DATA", s.cmd(b"DATA"), 354)
    s.send(message(subject, b"the first half of the message\r\n"))


def disconnect_mid_data(port, subject):
    s = Session(port)
    half_data(s, subject.encode())
    s.sock.close()


def kill_mid_data(port, subject, pid):
    """Starts DATA, kills the proxy (SIGKILL), sends the rest: nothing may be acknowledged."""
    s = Session(port)
    half_data(s, subject.encode())
    time.sleep(0.2)
    os.kill(int(pid), signal.SIGKILL)
    try:
        s.send(b"rest\r\n.\r\n")
    except OSError:
        pass
    code, _ = s.reply()
    expect(s, "reply after kill", code, 0)


def downstream_stops(port, subject, sink_pid):
    """MAIL and RCPT are mirrored; the downstream dies before the end: the client gets 4xx."""
    s = Session(port)
    half_data(s, subject.encode())
    os.kill(int(sink_pid), signal.SIGKILL)
    time.sleep(0.2)
    s.send(b"the end\r\n.\r\n")
    code, _ = s.reply()
    expect(s, "end of data with the downstream gone", code // 100, 4)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def rcpts(port, *want):
    """RCPT for each address=code pair; then DATA must succeed if any was accepted."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    for pair in want:
        address, code = pair.split("=")
        expect(s, "RCPT " + address, s.cmd(b"RCPT TO:<" + address.encode() + b">"), int(code))
    expect(s, "DATA", s.cmd(b"DATA"), 354)
    s.send(message(b"several recipients") + b".\r\n")
    expect(s, "end of data", s.reply()[0], 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def utf8(port, envelope="smtputf8"):
    """An 8-bit UTF-8 body (and with "smtputf8" a UTF-8 envelope), passed through byte for
    byte. With "refused", the downstream does not offer SMTPUTF8: MAIL must get 553 5.6.7."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    if envelope == "refused":
        expect(s, "MAIL SMTPUTF8", s.cmd("MAIL FROM:<jürgen@example.org> SMTPUTF8".encode()), 553)
    if envelope == "smtputf8":
        expect(s, "MAIL", s.cmd("MAIL FROM:<jürgen@example.org> SMTPUTF8 BODY=8BITMIME".encode()), 250)
        expect(s, "RCPT", s.cmd("RCPT TO:<zoë@smtpsink.test>".encode()), 250)
    else:
        expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org> BODY=8BITMIME"), 250)
        expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
    expect(s, "DATA", s.cmd(b"DATA"), 354)
    body = "Grüße aus Köln — ünïcödé ✓\r\n".encode() + b"raw 8-bit \xe9\xe8 latin-1 bytes\r\n"
    s.send(message("utf8 Ünïcode".encode(), body,
                   b"Content-Type: text/plain; charset=utf-8\r\n") + b".\r\n")
    expect(s, "end of data", s.reply()[0], 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def latency(port, count="300", size="2048"):
    """Sequential messages on one session; prints p50 and p99 of MAIL..final reply in ms."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO probe.test"), 250)
    body = (b"X" * 76 + b"\r\n") * max(1, int(size) // 78)
    times = []
    for i in range(int(count)):
        start = time.perf_counter()
        s.send(b"MAIL FROM:<probe@example.org>\r\nRCPT TO:<probe@smtpsink.test>\r\nDATA\r\n")
        for what in ("MAIL", "RCPT"):
            expect(s, what, s.reply()[0], 250)
        expect(s, "DATA", s.reply()[0], 354)
        s.send(message(b"probe %d" % i, body) + b".\r\n")
        expect(s, "end of data", s.reply()[0], 250)
        times.append((time.perf_counter() - start) * 1000)
        s.log.clear()
    s.cmd(b"QUIT")
    times.sort()
    print("%.3f %.3f" % (times[len(times) // 2], times[min(len(times) - 1, len(times) * 99 // 100)]))


def tls(port, subject="over tls", body="tls body"):
    """STARTTLS (certificate not verified: the test's own self-signed one), then a message."""
    import smtplib
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=15) as smtp:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            sys.exit("STARTTLS not offered")
        code, _ = smtp.starttls(context=context)
        if code != 220:
            sys.exit("STARTTLS refused: %d" % code)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            sys.exit("STARTTLS still offered after the handshake")
        print("TLS started:", smtp.sock.version())
        smtp.sendmail("alice@example.org", ["bob@smtpsink.test"],
                      message(subject.encode(), body.encode() + b"\r\n"))


def tls_injection(port):
    """Commands pipelined after STARTTLS in the clear (the CVE-2011-0411 class) are dropped:
    after the handshake the first reply is the one to our EHLO, not to the injected MAIL and
    RCPT, and a transaction must start from scratch."""
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    s.send(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\nRCPT TO:<bob@smtpsink.test>\r\n")
    expect(s, "STARTTLS", s.reply()[0], 220)
    expect(s, "nothing buffered after the 220", s.buf, b"")
    s.sock = context.wrap_socket(s.sock)
    expect(s, "first reply inside TLS is the EHLO's", s.cmd(b"EHLO client.test"), 250)
    expect(s, "RCPT without MAIL (the injected MAIL was dropped)",
           s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 503)
    expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def wait_for_text(path, text, seconds=20):
    for _ in range(seconds * 10):
        try:
            with open(path, "rb") as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def reload_mid_session(port, pid, err_file):
    """SIGHUP while a transaction is open: the session goes on, delivers, and goes on again."""
    s = Session(port)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    expect(s, "MAIL", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
    os.kill(int(pid), signal.SIGHUP)
    expect(s, "reloaded (in the daemon's stderr)", wait_for_text(err_file, b"reloaded"), True)
    expect(s, "DATA after the reload", s.cmd(b"DATA"), 354)
    s.send(message(b"across a reload", b"sent while sluice reloaded\r\n") + b".\r\n")
    expect(s, "end of data", s.reply()[0], 250)
    expect(s, "MAIL on the same session", s.cmd(b"MAIL FROM:<alice@example.org>"), 250)
    expect(s, "RCPT", s.cmd(b"RCPT TO:<bob@smtpsink.test>"), 250)
    expect(s, "DATA", s.cmd(b"DATA"), 354)
    s.send(message(b"after the reload", b"second message after reload\r\n") + b".\r\n")
    expect(s, "end of data", s.reply()[0], 250)
    expect(s, "QUIT", s.cmd(b"QUIT"), 221)


def idle_at_stop(port, pid):
    """SIGTERM while the client sits between transactions: it is told 421 4.3.2 at once."""
    s = Session(port, timeout=8)
    expect(s, "greeting", s.reply()[0], 220)
    expect(s, "EHLO", s.cmd(b"EHLO client.test"), 250)
    os.kill(int(pid), signal.SIGTERM)
    code, text = s.reply()
    expect(s, "reply to an idle client at stop", code, 421)
    expect(s, "says why", b"4.3.2" in text, True)


def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    globals()[scenario](port, *sys.argv[3:])


if __name__ == "__main__":
    main()
