// session_test.cc - the SMTP server state machine: replies, sequence, limits.
#include "filter/smtp/session.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

ServerSession NewSession(bool trusted = false, bool tls = false) {
  SessionSettings s;
  s.hostname = "mx.test";
  s.max_message_bytes = 1000;
  s.max_recipients = 2;
  s.trusted = trusted;
  s.tls_available = tls;
  ClientFacts c;
  c.addr = "127.0.0.1";
  return ServerSession(s, c);
}

int Code(const Decision& d) { return d.reply.code; }

std::string Text(const Decision& d) {
  std::string all;
  for (const auto& l : d.reply.lines) all += l + "\n";
  return all;
}

TEST(ServerSession, GreetingAndEhloAdvertiseExtensions) {
  ServerSession s = NewSession(false, true);
  EXPECT_EQ(s.Greeting().Render(), "220 mx.test ESMTP sluice\r\n");
  Decision d = s.OnCommand("EHLO client.example");
  EXPECT_EQ(d.action, Action::kRset);
  EXPECT_EQ(Code(d), 250);
  std::string text = Text(d);
  for (const char* kw :
       {"PIPELINING", "SIZE 1000", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "STARTTLS"}) {
    EXPECT_NE(text.find(kw), std::string::npos) << kw;
  }
  EXPECT_EQ(text.find("XFORWARD"), std::string::npos);
  std::string rendered = d.reply.Render();
  EXPECT_EQ(rendered.substr(0, 12), "250-mx.test\r");
  EXPECT_NE(rendered.find("250 HELP\r\n"), std::string::npos);
}

TEST(ServerSession, BdatChunksSizesLastAndNoMixingWithData) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  EXPECT_NE(Text(s.OnCommand("EHLO c")).find("CHUNKING"), std::string::npos);
  // Before MAIL: refused, but the chunk's bytes must still be skipped.
  Decision early = s.OnCommand("BDAT 12");
  EXPECT_EQ(early.action, Action::kBdat);
  EXPECT_TRUE(early.discard_chunk);
  EXPECT_EQ(early.chunk_size, 12u);
  EXPECT_EQ(Code(early), 503);
  s.OnCommand("MAIL FROM:<a@example.org>");
  s.MailDone(true);
  Decision no_rcpt = s.OnCommand("BDAT 3 LAST");
  EXPECT_TRUE(no_rcpt.discard_chunk);
  EXPECT_EQ(Code(no_rcpt), 554);
  s.OnCommand("RCPT TO:<b@example.net>");
  s.RcptDone(true);
  Decision first = s.OnCommand("BDAT 100");
  EXPECT_EQ(first.action, Action::kBdat);
  EXPECT_FALSE(first.discard_chunk);
  EXPECT_FALSE(first.last_chunk);
  EXPECT_EQ(first.chunk_size, 100u);
  EXPECT_EQ(Code(s.OnCommand("DATA")), 503);  // RFC 3030: no DATA after BDAT
  Decision last = s.OnCommand("BDAT 0 last");
  EXPECT_TRUE(last.last_chunk);
  EXPECT_EQ(last.chunk_size, 0u);
  s.DataDone();
  // A new transaction may use DATA again.
  s.OnCommand("MAIL FROM:<a@example.org>");
  s.MailDone(true);
  s.OnCommand("RCPT TO:<b@example.net>");
  s.RcptDone(true);
  EXPECT_EQ(s.OnCommand("DATA").action, Action::kData);
}

TEST(ServerSession, BdatSyntaxErrors) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  for (const char* bad : {"BDAT", "BDAT x", "BDAT 10 FIRST", "BDAT -1", "BDAT 10 LAST x",
                          "BDAT 1234567890123456789"}) {
    Decision d = s.OnCommand(bad);
    EXPECT_EQ(d.action, Action::kReply) << bad;
    EXPECT_EQ(Code(d), 501) << bad;
  }
}

TEST(ServerSession, FullTransaction) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  Decision mail = s.OnCommand("MAIL FROM:<a@example.org> SIZE=500 BODY=8BITMIME");
  ASSERT_EQ(mail.action, Action::kMail);
  EXPECT_EQ(mail.path, "a@example.org");
  EXPECT_EQ(s.pending_mail().declared_size, 500u);
  EXPECT_TRUE(s.pending_mail().body_8bit);
  s.MailDone(true);
  Decision rcpt = s.OnCommand("RCPT TO:<b@example.net>");
  ASSERT_EQ(rcpt.action, Action::kRcpt);
  s.RcptDone(true);
  Decision data = s.OnCommand("DATA");
  ASSERT_EQ(data.action, Action::kData);
  EXPECT_EQ(Code(data), 354);
  EXPECT_EQ(s.transaction().rcpts, std::vector<std::string>{"b@example.net"});
  s.DataDone();
  EXPECT_FALSE(s.in_transaction());
  // A second transaction on the same session.
  EXPECT_EQ(s.OnCommand("MAIL FROM:<>").action, Action::kMail);
}

TEST(ServerSession, BadSequenceIs503) {
  ServerSession s = NewSession();
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b>")), 503);
  EXPECT_EQ(Code(s.OnCommand("RCPT TO:<a@b>")), 503);
  EXPECT_EQ(Code(s.OnCommand("DATA")), 503);
  s.OnCommand("HELO c");
  EXPECT_EQ(Code(s.OnCommand("RCPT TO:<a@b>")), 503);
  EXPECT_EQ(Code(s.OnCommand("DATA")), 503);
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(true);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b>")), 503);
  // No recipient accepted yet: DATA has nobody to deliver to.
  EXPECT_EQ(Code(s.OnCommand("DATA")), 554);
  s.OnCommand("RCPT TO:<x@y>");
  s.RcptDone(false);
  EXPECT_EQ(Code(s.OnCommand("DATA")), 554);
}

TEST(ServerSession, RefusedMailLeavesNoTransaction) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(false);
  EXPECT_EQ(Code(s.OnCommand("RCPT TO:<a@b>")), 503);
  EXPECT_EQ(s.OnCommand("MAIL FROM:<a@b>").action, Action::kMail);
}

TEST(ServerSession, UnknownObsoleteAndInformationalCommands) {
  ServerSession s = NewSession();
  EXPECT_EQ(Code(s.OnCommand("FOO bar")), 500);
  EXPECT_EQ(Text(s.OnCommand("FOO")).substr(0, 5), "5.5.2");
  for (const char* cmd : {"SEND FROM:<a@b>", "SOML FROM:<a@b>", "SAML FROM:<a@b>", "TURN"}) {
    Decision d = s.OnCommand(cmd);
    EXPECT_EQ(Code(d), 502) << cmd;
    EXPECT_EQ(Text(d).substr(0, 5), "5.5.1") << cmd;
  }
  EXPECT_EQ(Code(s.OnCommand("VRFY root")), 252);
  EXPECT_EQ(Code(s.OnCommand("EXPN staff")), 502);
  EXPECT_EQ(Code(s.OnCommand("NOOP")), 250);
  EXPECT_EQ(Code(s.OnCommand("HELP")), 214);
  Decision quit = s.OnCommand("QUIT");
  EXPECT_EQ(Code(quit), 221);
  EXPECT_EQ(quit.action, Action::kReplyAndClose);
}

TEST(ServerSession, SyntaxErrorsAndNul) {
  ServerSession s = NewSession();
  EXPECT_EQ(Code(s.OnCommand("EHLO")), 501);
  s.OnCommand("EHLO c");
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:a@b")), 501);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> SIZE=abc")), 501);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> FOO=1")), 555);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> BODY=BINARYMIME")), 501);
  EXPECT_EQ(Code(s.OnCommand(std::string("NOOP\0x", 6))), 500);
  EXPECT_EQ(Code(s.OnCommand("DATA x")), 501);
  EXPECT_EQ(Code(s.OnLineTooLong()), 500);
  EXPECT_EQ(Text(s.OnLineTooLong()).substr(0, 5), "5.5.2");
}

TEST(ServerSession, SizeAndRecipientLimits) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  Decision big = s.OnCommand("MAIL FROM:<a@b> SIZE=1001");
  EXPECT_EQ(Code(big), 552);
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(true);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(s.OnCommand("RCPT TO:<r" + std::to_string(i) + "@b>").action, Action::kRcpt);
    s.RcptDone(true);
  }
  Decision third = s.OnCommand("RCPT TO:<r3@b>");
  EXPECT_EQ(Code(third), 452);
  EXPECT_EQ(Text(third).substr(0, 5), "4.5.3");
}

// RFC 1870: a size the server cannot take is 552, however many digits it has; a SIZE too
// big for 64 bits used to be "501 Bad SIZE parameter", a syntax error it is not.
TEST(ServerSession, SizeBeyondSixtyFourBitsIs552) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> SIZE=18446744073709551616")), 552);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> SIZE=99999999999999999999999")), 552);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> SIZE=12x")), 501);
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b> SIZE=")), 501);
  EXPECT_EQ(s.OnCommand("MAIL FROM:<a@b> SIZE=1000").action, Action::kMail);
}

TEST(ServerSession, Utf8AddressesNeedSmtputf8) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<j\xC3\xBC@example.org>")), 553);
  Decision ok = s.OnCommand("MAIL FROM:<j\xC3\xBC@example.org> SMTPUTF8");
  ASSERT_EQ(ok.action, Action::kMail);
  EXPECT_TRUE(s.pending_mail().smtputf8);
  s.MailDone(true);
  EXPECT_EQ(s.OnCommand("RCPT TO:<\xC3\xA9@example.net>").action, Action::kRcpt);
}

TEST(ServerSession, RsetAndEhloEndTheTransaction) {
  ServerSession s = NewSession();
  s.OnCommand("EHLO c");
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(true);
  Decision rset = s.OnCommand("RSET");
  EXPECT_EQ(rset.action, Action::kRset);
  EXPECT_EQ(Code(rset), 250);
  EXPECT_FALSE(s.in_transaction());
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(true);
  EXPECT_EQ(s.OnCommand("EHLO again").action, Action::kRset);
  EXPECT_FALSE(s.in_transaction());
}

TEST(ServerSession, StartTlsResetsTheSession) {
  ServerSession plain = NewSession(false, false);
  EXPECT_EQ(Code(plain.OnCommand("STARTTLS")), 502);
  ServerSession s = NewSession(false, true);
  s.OnCommand("EHLO c");
  Decision d = s.OnCommand("STARTTLS");
  ASSERT_EQ(d.action, Action::kStartTls);
  EXPECT_EQ(Code(d), 220);
  s.TlsStarted();
  EXPECT_TRUE(s.tls_active());
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b>")), 503);  // EHLO again first
  Decision ehlo = s.OnCommand("EHLO c");
  EXPECT_EQ(Text(ehlo).find("STARTTLS"), std::string::npos);
  EXPECT_EQ(Code(s.OnCommand("STARTTLS")), 503);
}

TEST(ServerSession, XforwardOnlyFromTrustedHosts) {
  ServerSession untrusted = NewSession(false);
  untrusted.OnCommand("EHLO c");
  EXPECT_EQ(Code(untrusted.OnCommand("XFORWARD ADDR=192.0.2.1")), 550);
  EXPECT_EQ(untrusted.client().addr, "127.0.0.1");

  ServerSession s = NewSession(true);
  Decision ehlo = s.OnCommand("EHLO postfix");
  EXPECT_NE(Text(ehlo).find("XFORWARD NAME ADDR"), std::string::npos);
  Decision x =
      s.OnCommand("XFORWARD NAME=mail.example ADDR=192.0.2.1 PORT=4711 HELO=sender.example");
  EXPECT_EQ(Code(x), 250);
  EXPECT_EQ(s.OnCommand("XFORWARD PROTO=ESMTP SOURCE=REMOTE").reply.code, 250);
  EXPECT_EQ(s.client().addr, "192.0.2.1");
  EXPECT_EQ(s.client().name, "mail.example");
  EXPECT_EQ(s.client().helo, "sender.example");
  EXPECT_EQ(s.client().proto, "ESMTP");
  EXPECT_EQ(Code(s.OnCommand("XFORWARD BOGUS=1")), 501);
  // A refused command applies none of its attributes, not even those before the bad one.
  EXPECT_EQ(Code(s.OnCommand("XFORWARD ADDR=198.51.100.7 NAME=other.example BOGUS=1")), 501);
  EXPECT_EQ(s.client().addr, "192.0.2.1");
  EXPECT_EQ(s.client().name, "mail.example");
  s.OnCommand("MAIL FROM:<a@b>");
  s.MailDone(true);
  EXPECT_EQ(Code(s.OnCommand("XFORWARD ADDR=192.0.2.2")), 503);
}

TEST(ServerSession, XclientRestartsWithAGreeting) {
  ServerSession s = NewSession(true);
  s.OnCommand("EHLO front");
  Decision d = s.OnCommand("XCLIENT ADDR=IPV6:2001:db8::1 NAME=[UNAVAILABLE]");
  EXPECT_EQ(Code(d), 220);
  EXPECT_EQ(s.client().addr, "2001:db8::1");
  EXPECT_EQ(s.client().name, "");
  EXPECT_EQ(Code(s.OnCommand("MAIL FROM:<a@b>")), 503);
}

TEST(ServerSession, TooManyErrorsCloses) {
  ServerSession s = NewSession();
  Decision d;
  for (int i = 0; i < ServerSession::kMaxErrors; ++i) d = s.OnCommand("JUNK");
  EXPECT_EQ(Code(d), 421);
  EXPECT_EQ(d.action, Action::kReplyAndClose);
}

// Syntax errors the parsers find (bad MAIL/RCPT paths and parameters, bad XFORWARD or
// XCLIENT attributes) count toward kMaxErrors like any other error: before, they were counted
// but never checked, so a client repeating a bad MAIL got 501 for ever and was never closed.
TEST(ServerSession, ParserErrorsCountTowardTheErrorLimit) {
  for (const char* junk : {"MAIL FROM:bad", "RCPT TO:bad", "XFORWARD ADDR"}) {
    SessionSettings settings;
    settings.trusted = true;
    ServerSession s(settings, ClientFacts{});
    ASSERT_EQ(Code(s.OnCommand("EHLO client.test")), 250);
    if (std::string_view(junk).substr(0, 4) == "RCPT") {
      ASSERT_EQ(s.OnCommand("MAIL FROM:<a@b>").action, Action::kMail);
      s.MailDone(true);
    }
    Decision d;
    for (int i = 0; i < ServerSession::kMaxErrors; ++i) d = s.OnCommand(junk);
    EXPECT_EQ(Code(d), 421) << junk;
    EXPECT_EQ(d.action, Action::kReplyAndClose) << junk;
  }
}

TEST(Reply, AppendToAddsTheRenderedReplyToWhatIsBuffered) {
  // Replies to a pipelined batch go into one buffer, each after the one before.
  std::string out = "250 2.1.0 Ok\r\n";
  MakeReply(354, "End data with <CR><LF>.<CR><LF>").AppendTo(&out);
  Reply multi;
  multi.code = 250;
  multi.lines = {"mx.test", "PIPELINING", "SIZE 1000"};
  multi.AppendTo(&out);
  Reply bare;
  bare.code = 221;
  bare.AppendTo(&out);
  Reply none;
  none.AppendTo(&out);
  EXPECT_EQ(out,
            "250 2.1.0 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
            "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n221 \r\n");
  EXPECT_EQ(multi.Render(), "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  EXPECT_EQ(none.Render(), "");
}

}  // namespace
}  // namespace sluice::smtp
