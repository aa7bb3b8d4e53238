// proxy_test.cc - the SMTP proxy in-process: a real client socket -> Proxy -> a scripted
// downstream SMTP server, with a keyword-scoring engine double. Checks what the client is
// told against what the downstream actually received.
#include "filter/smtp/proxy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/unit/smtp/proxy_fixture.h"

namespace sluice::smtp {
namespace {

using testing::ConnectTo;
using testing::FakeDownstream;
using testing::FakeEngine;
using testing::FreePort;
using testing::kHam;
using testing::LineSocket;
using ProxyTest = testing::ProxyFixture;

TEST_F(ProxyTest, HamIsRelayedWithHeadersAndTheDownstreamReply) {
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 250);
  EXPECT_NE(text.find("queued as Q1"), std::string::npos) << text;  // the downstream's words
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].mail_from, "alice@example.org");
  EXPECT_EQ(msgs[0].rcpts, std::vector<std::string>{"bob@example.net"});
  EXPECT_EQ(msgs[0].data.rfind("X-Spam-Score: 1.0\r\nX-Spam-Status: No, score=1.0 required=5.0 "
                               "tests=FAKE_RULE\r\n",
                               0),
            0u)
      << msgs[0].data;
  EXPECT_NE(msgs[0].data.find(kHam), std::string::npos);
  EXPECT_EQ(s->Command("QUIT"), 221);
  EXPECT_EQ(engine_->calls.load(), 1);
}

TEST_F(ProxyTest, SpamIsRejectedAndNothingDelivered) {
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(Send(s.get(), "Subject: SPAMSPAM\r\n\r\nbuy\r\n", {"bob@example.net"}, &text), 550);
  EXPECT_NE(text.find("5.7.1"), std::string::npos);
  EXPECT_TRUE(downstream_.messages().empty());
  // The downstream transaction was ended, and the session still works.
  EXPECT_EQ(Send(s.get(), "Subject: TAGME\r\n\r\nhm\r\n", {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.rfind("X-Spam-Flag: YES\r\n", 0), 0u);
}

// Waits up to 5 s for the downstream to have received `count` commands equal to `command`.
bool DownstreamGot(FakeDownstream& downstream, const std::string& command, size_t count) {
  for (int i = 0; i < 500; ++i) {
    auto cmds = downstream.commands();
    if (static_cast<size_t>(std::count(cmds.begin(), cmds.end(), command)) >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Without CHUNKING downstream, DATA goes downstream when the client sends DATA, so the
// downstream's 354 travels while the client sends the message.
TEST_F(ProxyTest, DataGoesDownstreamWhenTheClientSendsData) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  EXPECT_TRUE(DownstreamGot(downstream_, "DATA", 1));  // before any of the message
  s->Send(std::string(kHam) + ".\r\n");
  EXPECT_EQ(s->ReadReply(), 250);
  ASSERT_EQ(downstream_.messages().size(), 1u);
  EXPECT_EQ(downstream_.connections.load(), 1);
}

// A message refused after the downstream answered DATA with 354 is never completed there:
// the downstream connection is closed before the final ".", nothing is delivered, and the
// next message goes through a new downstream session.
TEST_F(ProxyTest, RejectAfterDownstreamDataLeavesNothingDelivered) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  ASSERT_TRUE(DownstreamGot(downstream_, "DATA", 1));
  s->Send("Subject: SPAMSPAM\r\n\r\nbuy now\r\n.\r\n");
  EXPECT_EQ(s->ReadReply(), 550);
  EXPECT_EQ(Send(s.get(), "Subject: TEMPFAILME\r\n\r\nx\r\n", {"bob@example.net"}), 451);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.find("buy now"), std::string::npos);
  EXPECT_EQ(msgs[0].data.find("TEMPFAILME"), std::string::npos);
  EXPECT_EQ(downstream_.connections.load(), 3);
  auto cmds = downstream_.commands();
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "RSET"), 0);
}

// When most messages are refused, a new downstream session per refusal would cost more than
// early DATA saves: after a few refusals the proxy waits for the scoring again and ends a
// refused transaction with RSET on the same session.
TEST_F(ProxyTest, ManyRefusalsTurnEarlyDataOff) {
  config_.smtp.io_threads = 1;  // the refusal rate is per I/O thread
  StartProxy();
  auto s = Connect();
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Send(s.get(), "Subject: SPAMSPAM\r\n\r\nbuy\r\n", {"bob@example.net"}), 550);
  }
  EXPECT_TRUE(downstream_.messages().empty());
  auto cmds = downstream_.commands();
  size_t data = std::count(cmds.begin(), cmds.end(), "DATA");
  size_t rset = std::count(cmds.begin(), cmds.end(), "RSET");
  EXPECT_GE(data, 1u);
  EXPECT_LT(data, 6u);
  EXPECT_EQ(data + rset, 6u);
  EXPECT_EQ(downstream_.connections.load(), static_cast<int>(data) + 1);
  // Relayed messages bring it back.
  for (int i = 0; i < 30; ++i) EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  EXPECT_TRUE(DownstreamGot(downstream_, "DATA", data + 31));
  s->Send(std::string(kHam) + ".\r\n");
  EXPECT_EQ(s->ReadReply(), 250);
}

TEST_F(ProxyTest, TempfailVerdictGives451) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), "Subject: TEMPFAILME\r\n\r\nx\r\n", {"bob@example.net"}), 451);
  EXPECT_TRUE(downstream_.messages().empty());
}

TEST_F(ProxyTest, RefusedRecipientGetsTheDownstreamReply) {
  downstream_.refuse_rcpt = "nobody@example.net";
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  std::string text;
  EXPECT_EQ(s->Command("RCPT TO:<nobody@example.net>", &text), 550);
  EXPECT_NE(text.find("no such user"), std::string::npos);
  EXPECT_EQ(s->Command("RCPT TO:<carol@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  s->Send(std::string(kHam) + ".\r\n");
  EXPECT_EQ(s->ReadReply(), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].rcpts, (std::vector<std::string>{"bob@example.net", "carol@example.net"}));
}

// A pipelining downstream gets MAIL in one write with the first RCPT: the client's MAIL is
// taken at once, and a sender the downstream refuses refuses that recipient (and the next,
// which tries MAIL again) with the downstream's own reply. Nothing is delivered.
TEST_F(ProxyTest, RefusedSenderRefusesTheRecipientsWhenMailIsPipelined) {
  downstream_.refuse_mail = "mallory@example.org";
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<mallory@example.org>"), 250);
  std::string text;
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>", &text), 553);
  EXPECT_NE(text.find("Sender address rejected"), std::string::npos) << text;
  EXPECT_EQ(s->Command("RCPT TO:<carol@example.net>", &text), 553);
  EXPECT_EQ(s->Command("DATA"), 554);  // no valid recipients
  EXPECT_EQ(s->Command("RSET"), 250);
  // The session goes on, on the same downstream connection.
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].mail_from, "alice@example.org");
  EXPECT_EQ(msgs[0].rcpts, (std::vector<std::string>{"bob@example.net"}));
  auto cmds = downstream_.commands();
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "MAIL FROM:<mallory@example.org>"), 2);
  EXPECT_EQ(downstream_.connections.load(), 1);
}

// The MAIL is mirrored before the client's RCPT, so MAIL then RCPT order downstream, and
// a MAIL followed by RSET sends nothing downstream at all.
TEST_F(ProxyTest, PipelinedMailGoesDownstreamWithTheFirstRecipient) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<eve@example.org>"), 250);
  EXPECT_EQ(s->Command("RSET"), 250);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net", "carol@example.net"}), 250);
  auto cmds = downstream_.commands();
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "MAIL FROM:<eve@example.org>"), 0);
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "RSET"), 0);
  auto mail = std::find(cmds.begin(), cmds.end(), "MAIL FROM:<alice@example.org>");
  ASSERT_NE(mail, cmds.end());
  ASSERT_LT(mail + 2, cmds.end());
  EXPECT_EQ(*(mail + 1), "RCPT TO:<bob@example.net>");
  EXPECT_EQ(*(mail + 2), "RCPT TO:<carol@example.net>");
  ASSERT_EQ(downstream_.messages().size(), 1u);
}

// Without PIPELINING downstream, MAIL is mirrored at once: the client's MAIL gets the
// downstream's refusal itself.
TEST_F(ProxyTest, RefusedSenderGetsTheDownstreamReplyAtMailWithoutPipelining) {
  downstream_.advertise_pipelining = false;
  downstream_.refuse_mail = "mallory@example.org";
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(s->Command("MAIL FROM:<mallory@example.org>", &text), 553);
  EXPECT_NE(text.find("Sender address rejected"), std::string::npos) << text;
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 503);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  ASSERT_EQ(downstream_.messages().size(), 1u);
  EXPECT_EQ(downstream_.messages()[0].mail_from, "alice@example.org");
}

// Small messages are scored on the I/O thread, big ones on the scorer pool: both verdicts
// are applied the same way.
TEST_F(ProxyTest, SmallAndBigMessagesAreScoredAndRelayedAlike) {
  StartProxy();
  auto s = Connect();
  std::string big = "Subject: big\r\n\r\n";
  while (big.size() < 60000) big += std::string(70, 'x') + "\r\n";
  EXPECT_EQ(Send(s.get(), big, {"bob@example.net"}), 250);
  EXPECT_EQ(Send(s.get(), big + "SPAMSPAM\r\n", {"bob@example.net"}), 550);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  EXPECT_EQ(Send(s.get(), "Subject: SPAMSPAM\r\n\r\nx\r\n", {"bob@example.net"}), 550);
  EXPECT_EQ(engine_->calls.load(), 4);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_NE(msgs[0].data.find(big.substr(big.size() - 200)), std::string::npos);
}

// A downstream that offers CHUNKING gets the message as one "BDAT <size> LAST" with its
// bytes as they are (no dot-stuffing, no DATA round trip); a refused chunk is relayed to
// the client and the downstream transaction reset, and the session goes on.
TEST_F(ProxyTest, ChunkingDownstreamGetsTheMessageAsOneBdat) {
  downstream_.advertise_chunking = true;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), "Subject: TAGME\r\n\r\n..dot line\r\nlast\r\n", {"bob@example.net"}),
            250);
  std::string text;
  EXPECT_EQ(Send(s.get(), "Subject: x\r\n\r\nREFUSEME\r\n", {"bob@example.net"}, &text), 554);
  EXPECT_NE(text.find("Refused by the fake"), std::string::npos) << text;
  EXPECT_EQ(Send(s.get(), "Subject: SPAMSPAM\r\n\r\nx\r\n", {"bob@example.net"}), 550);
  EXPECT_EQ(Send(s.get(), kHam, {"carol@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].data.rfind("X-Spam-Flag: YES\r\n", 0), 0u);
  EXPECT_NE(msgs[0].data.find("\r\n\r\n.dot line\r\nlast\r\n"), std::string::npos);
  EXPECT_EQ(msgs[0].data.substr(msgs[0].data.size() - 6), "last\r\n");
  EXPECT_EQ(msgs[1].rcpts, (std::vector<std::string>{"carol@example.net"}));
  auto cmds = downstream_.commands();
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "DATA"), 0);
  EXPECT_EQ(std::count_if(cmds.begin(), cmds.end(),
                          [](const std::string& c) { return c.rfind("BDAT ", 0) == 0; }),
            3);
  EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "RSET"), 2);  // refused chunk, spam
  EXPECT_EQ(downstream_.connections.load(), 1);
}

// A downstream that refuses DATA itself (not the message after it) keeps its transaction
// open. The client gets the refusal, and its next message (or the next client, on the pooled
// downstream session) must not meet "503 nested MAIL": the proxy ends that transaction.
TEST_F(ProxyTest, DownstreamRefusingDataLeavesTheSessionUsable) {
  downstream_.refuse_data = 2;
  StartProxy();
  auto s = Connect();
  std::string text;
  // Early DATA (sent downstream when the client sends DATA): the 451 comes after the message.
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 451);
  EXPECT_NE(text.find("queue file write error"), std::string::npos) << text;
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 451);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 250) << text;
  EXPECT_EQ(s->Command("QUIT"), 221);
  auto next = Connect();  // the downstream session is reused from the pool
  EXPECT_EQ(Send(next.get(), kHam, {"carol@example.net"}, &text), 250) << text;
  EXPECT_EQ(downstream_.messages().size(), 2u);
}

TEST_F(ProxyTest, DownstreamRefusingDataWithoutPipeliningLeavesTheSessionUsable) {
  downstream_.refuse_data = 1;
  downstream_.advertise_pipelining = false;
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 451);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}, &text), 250) << text;
  EXPECT_EQ(downstream_.messages().size(), 1u);
}

TEST_F(ProxyTest, DownstreamDownGives451AtMail) {
  config_.smtp.downstream = "127.0.0.1:" + std::to_string(FreePort());
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>", &text), 451);
  EXPECT_NE(text.find("4.4.1"), std::string::npos);
  EXPECT_EQ(s->Command("NOOP"), 250);  // the session survives
}

TEST_F(ProxyTest, DownstreamLostAtEndOfDataIsNotAcknowledged) {
  downstream_.drop_at_dot = true;
  StartProxy();
  auto s = Connect();
  int code = Send(s.get(), kHam, {"bob@example.net"});
  EXPECT_EQ(code / 100, 4);
  EXPECT_TRUE(downstream_.messages().empty());
}

TEST_F(ProxyTest, PipelinedTransactionsAndDotStuffing) {
  StartProxy();
  auto s = Connect();
  std::string body = "Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\n";
  std::string stuffed = "Subject: dots\r\n\r\n..leading\r\n...two\r\n..\r\n";
  // A pipelining client must wait for 354 before the text: send one transaction's
  // commands at once, then the text.
  for (int i = 0; i < 3; ++i) {
    s->Send("MAIL FROM:<a" + std::to_string(i) +
            "@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
    EXPECT_EQ(s->ReadReply(), 250);
    EXPECT_EQ(s->ReadReply(), 250);
    EXPECT_EQ(s->ReadReply(), 354);
    s->Send(stuffed + ".\r\nNOOP\r\n");
    EXPECT_EQ(s->ReadReply(), 250);
    EXPECT_EQ(s->ReadReply(), 250);
  }
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(msgs[i].mail_from, "a" + std::to_string(i) + "@example.org");
    ASSERT_GE(msgs[i].data.size(), body.size());
    EXPECT_EQ(msgs[i].data.substr(msgs[i].data.size() - body.size()), body);
  }
}

TEST_F(ProxyTest, ClientGoneMidDataDeliversNothing) {
  StartProxy();
  {
    auto s = Connect();
    EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
    EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
    EXPECT_EQ(s->Command("DATA"), 354);
    s->Send("Subject: half\r\n\r\nthe first half\r\n");
  }
  // A later session goes through, so the first one was fully processed by now... almost:
  // give the proxy a moment to notice the close.
  auto s2 = Connect();
  EXPECT_EQ(Send(s2.get(), kHam, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.find("the first half"), std::string::npos);
}

TEST_F(ProxyTest, OversizeMessageGets552AndTheSessionGoesOn) {
  config_.smtp.max_message_bytes = 1000;
  StartProxy();
  auto s = Connect();
  std::string big = "Subject: big\r\n\r\n" + std::string(3000, 'x') + "\r\n";
  EXPECT_EQ(Send(s.get(), big, {"bob@example.net"}), 552);
  EXPECT_TRUE(downstream_.messages().empty());
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
}

TEST_F(ProxyTest, BadInputGetsRepliesAndTheSessionSurvives) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command(std::string(5000, 'A')), 500);
  EXPECT_EQ(s->Command(std::string("NO\0OP", 5)), 500);
  EXPECT_EQ(s->Command("\x01\x02\xff\xfe junk"), 500);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 503);
  EXPECT_EQ(s->Command("DATA"), 503);
  EXPECT_EQ(s->Command("TURN"), 502);
  EXPECT_EQ(s->Command("NOOP"), 250);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
}

TEST_F(ProxyTest, ClientsOutsideAllowedNetworksAreRefused) {
  config_.smtp.allowed_networks = {"192.0.2.0/24"};
  StartProxy();
  LineSocket s(ConnectTo(port_));
  ASSERT_TRUE(s.ok());
  std::string text;
  EXPECT_EQ(s.ReadReply(&text), 554);
  EXPECT_EQ(s.ReadReply(), 0);  // and closed
}

TEST_F(ProxyTest, PerIpConnectionLimit) {
  config_.smtp.max_connections_per_ip = 2;
  StartProxy();
  auto a = Connect(false);
  auto b = Connect(false);
  LineSocket c(ConnectTo(port_));
  EXPECT_EQ(c.ReadReply(), 421);
  a->Command("QUIT");
  a.reset();
  // The slot frees once the proxy has seen the QUIT; retry briefly.
  int code = 0;
  for (int i = 0; i < 50 && code != 220; ++i) {
    LineSocket d(ConnectTo(port_));
    code = d.ReadReply();
    if (code != 220) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(code, 220);
}

TEST_F(ProxyTest, ClientSpamHeadersAreStrippedBeforeOursAreAdded) {
  StartProxy();
  auto s = Connect();
  std::string forged =
      "X-Spam-Flag: NO\r\nX-Spam-Status: No, score=-50\r\n\tfolded=1\r\n"
      "Subject: TAGME\r\n\r\nbody\r\n";
  EXPECT_EQ(Send(s.get(), forged, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.rfind("X-Spam-Flag: YES\r\n", 0), 0u) << msgs[0].data;
  EXPECT_EQ(msgs[0].data.find("X-Spam-Flag: NO"), std::string::npos) << msgs[0].data;
  EXPECT_EQ(msgs[0].data.find("score=-50"), std::string::npos);
  EXPECT_EQ(msgs[0].data.find("folded=1"), std::string::npos);
  EXPECT_NE(msgs[0].data.find("Subject: TAGME\r\n\r\nbody\r\n"), std::string::npos);
}

TEST_F(ProxyTest, ClientSpamHeadersKeptWhenStrippingIsOff) {
  config_.smtp.strip_client_spam_headers = false;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), "X-Spam-Flag: NO\r\nSubject: hi\r\n\r\nb\r\n", {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].data.find("X-Spam-Flag: NO\r\n"), std::string::npos);
}

TEST_F(ProxyTest, IdleClientGets421TimeoutAndIsClosed) {
  config_.smtp.command_timeout_s = 1;
  StartProxy();
  auto s = Connect();
  std::string text;
  EXPECT_EQ(s->ReadReply(&text), 421);  // nothing sent: the command timeout ends it
  EXPECT_NE(text.find("4.4.2"), std::string::npos) << text;
  EXPECT_EQ(s->ReadReply(), 0);  // and closed
}

TEST_F(ProxyTest, StalledDataGets421TimeoutAndNothingIsDelivered) {
  config_.smtp.data_timeout_s = 1;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  s->Send("Subject: stalled\r\n\r\nhalf a message\r\n");
  std::string text;
  EXPECT_EQ(s->ReadReply(&text), 421);
  EXPECT_NE(text.find("4.4.2"), std::string::npos) << text;
  EXPECT_EQ(s->ReadReply(), 0);
  // The downstream transaction was dropped, not completed: a later message goes alone.
  auto s2 = Connect();
  EXPECT_EQ(Send(s2.get(), kHam, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.find("half a message"), std::string::npos);
}

// SIGTERM: a client between transactions is told 421 4.3.2 at once (RFC 5321 §3.8) instead
// of holding the stop for its whole grace period; a transaction in flight still finishes,
// then that client is told too.
TEST_F(ProxyTest, StopSays421ToIdleClientsAndLetsATransactionFinish) {
  StartProxy();
  auto idle = Connect();
  auto busy = Connect();
  EXPECT_EQ(busy->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(busy->Command("RCPT TO:<bob@example.net>"), 250);
  std::thread stopper([&] { proxy_->Stop(); });
  std::string text;
  EXPECT_EQ(idle->ReadReply(&text), 421);
  EXPECT_NE(text.find("4.3.2"), std::string::npos) << text;
  EXPECT_EQ(busy->Command("DATA"), 354);
  busy->Send(std::string(kHam) + ".\r\n");
  EXPECT_EQ(busy->ReadReply(), 250);
  EXPECT_EQ(busy->ReadReply(), 421);
  stopper.join();
  EXPECT_EQ(downstream_.messages().size(), 1u);
}

TEST_F(ProxyTest, TotalConnectionLimit) {
  config_.smtp.max_connections = 2;
  config_.smtp.max_connections_per_ip = 100;
  StartProxy();
  auto a = Connect(false);
  auto b = Connect(false);
  LineSocket c(ConnectTo(port_));
  std::string text;
  EXPECT_EQ(c.ReadReply(&text), 421);
  EXPECT_NE(text.find("Too many connections"), std::string::npos) << text;
  EXPECT_EQ(a->Command("NOOP"), 250);  // the admitted ones are unaffected
}

TEST_F(ProxyTest, BdatChunksAreRelayedAsOneMessage) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  std::string part1 = "Subject: chunked\r\n\r\n.a dot line\r\n";
  std::string part2 = "bare lf\nend\r\n";
  // Pipelined: both chunks in one write, then the replies.
  s->Send("BDAT " + std::to_string(part1.size()) + "\r\n" + part1 + "BDAT " +
          std::to_string(part2.size()) + " LAST\r\n" + part2);
  EXPECT_EQ(s->ReadReply(), 250);
  std::string text;
  EXPECT_EQ(s->ReadReply(&text), 250);
  EXPECT_NE(text.find("queued as"), std::string::npos) << text;  // the downstream's reply
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  std::string want = "Subject: chunked\r\n\r\n.a dot line\r\nbare lf\r\nend\r\n";
  ASSERT_GE(msgs[0].data.size(), want.size());
  EXPECT_EQ(msgs[0].data.substr(msgs[0].data.size() - want.size()), want);
  EXPECT_NE(msgs[0].data.find("X-Spam-Status: No"), std::string::npos);
  // DATA works again in the next transaction.
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
}

TEST_F(ProxyTest, BdatThenDataIs503AndSpamBdatIsRejected) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  s->Send("BDAT 4\r\nab\r\n");
  EXPECT_EQ(s->ReadReply(), 250);
  EXPECT_EQ(s->Command("DATA"), 503);
  EXPECT_EQ(s->Command("RSET"), 250);
  EXPECT_TRUE(downstream_.messages().empty());
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  std::string spam = "Subject: SPAMSPAM\r\n\r\nbuy\r\n";
  s->Send("BDAT " + std::to_string(spam.size()) + " LAST\r\n" + spam);
  std::string text;
  EXPECT_EQ(s->ReadReply(&text), 550);
  EXPECT_NE(text.find("5.7.1"), std::string::npos);
  EXPECT_TRUE(downstream_.messages().empty());
  EXPECT_EQ(s->Command("NOOP"), 250);
}

TEST_F(ProxyTest, BdatOverTheSizeLimitGets552AndStaysInSync) {
  config_.smtp.max_message_bytes = 1000;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  std::string chunk(800, 'x');
  s->Send("BDAT 800\r\n" + chunk);
  EXPECT_EQ(s->ReadReply(), 250);
  s->Send("BDAT 800\r\n" + chunk);
  EXPECT_EQ(s->ReadReply(), 552);
  // The transaction is over: the last chunk is refused and its bytes skipped.
  s->Send("BDAT 800 LAST\r\n" + chunk);
  EXPECT_EQ(s->ReadReply(), 503);
  EXPECT_EQ(s->Command("NOOP"), 250);
  EXPECT_TRUE(downstream_.messages().empty());
  // And BDAT before any MAIL: 503, bytes skipped, session in sync.
  s->Send("BDAT 5\r\nNOOP\n");
  EXPECT_EQ(s->ReadReply(), 503);
  EXPECT_EQ(s->Command("NOOP"), 250);
}

TEST_F(ProxyTest, XforwardFromTrustedClientIsPassedDownstream) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("XFORWARD NAME=mail.sender.example ADDR=192.0.2.9 HELO=sender.example"),
            250);
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  auto msgs = downstream_.messages();
  ASSERT_EQ(msgs.size(), 1u);
  ASSERT_EQ(msgs[0].xforward.size(), 1u);
  EXPECT_NE(msgs[0].xforward[0].find("ADDR=192.0.2.9"), std::string::npos);
  EXPECT_NE(msgs[0].xforward[0].find("NAME=mail.sender.example"), std::string::npos);
  EXPECT_NE(msgs[0].xforward[0].find("HELO=sender.example"), std::string::npos);
}

TEST_F(ProxyTest, XforwardFromUntrustedClientIsRefused) {
  config_.smtp.xforward_hosts = {"192.0.2.0/24"};
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("XFORWARD ADDR=192.0.2.9"), 550);
}

TEST_F(ProxyTest, Smtputf8NeedsTheDownstreamToOfferIt) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<j\xC3\xBCrgen@example.org> SMTPUTF8"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<\xC3\xA9lise@example.net>"), 250);
  EXPECT_EQ(s->Command("RSET"), 250);
  auto cmds = downstream_.commands();
  EXPECT_NE(std::find(cmds.begin(), cmds.end(), "MAIL FROM:<j\xC3\xBCrgen@example.org> SMTPUTF8"),
            cmds.end());
}

TEST_F(ProxyTest, Smtputf8RefusedWhenDownstreamLacksIt) {
  downstream_.advertise_smtputf8 = false;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<j\xC3\xBCrgen@example.org> SMTPUTF8"), 553);
}

TEST_F(ProxyTest, ReloadAppliesToNewSessions) {
  StartProxy();
  auto old_session = Connect();
  Config strict = config_;
  strict.smtp.max_recipients = 1;
  ASSERT_TRUE(proxy_->Reload(strict).ok());
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<a@example.net>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<b@example.net>"), 452);
  // The session opened before the reload keeps its settings.
  EXPECT_EQ(old_session->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(old_session->Command("RCPT TO:<a@example.net>"), 250);
  EXPECT_EQ(old_session->Command("RCPT TO:<b@example.net>"), 250);
}

// A reload whose settings cannot be built is refused as a whole and says why; new sessions
// keep the old settings.
TEST_F(ProxyTest, ReloadWithUnloadableCertificateIsRefusedAndChangesNothing) {
  StartProxy();
  Config broken = config_;
  broken.smtp.max_recipients = 1;
  broken.smtp.tls_cert = "/nonexistent/sluice-cert.pem";
  broken.smtp.tls_key = "/nonexistent/sluice-key.pem";
  Status status = proxy_->Reload(broken);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("smtp.tls_cert"), std::string::npos) << status.ToString();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<a@example.net>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<b@example.net>"), 250);  // still max_recipients 5
}

TEST_F(ProxyTest, EngineSwapTakesEffectForTheNextMessage) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
  Config reject_all = config_;
  reject_all.scoring.thresholds.steps = {{0, Action::kReject}};
  holder_->Set(std::make_shared<FakeEngine>(reject_all));
  EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 550);
  EXPECT_EQ(downstream_.messages().size(), 1u);
}

TEST_F(ProxyTest, IdleDownstreamSessionsAreReused) {
  StartProxy();
  for (int i = 0; i < 4; ++i) {
    auto s = Connect();
    EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250);
    EXPECT_EQ(s->Command("QUIT"), 221);
  }
  EXPECT_EQ(downstream_.messages().size(), 4u);
  // Two I/O threads at most: each keeps its own idle session.
  EXPECT_LE(downstream_.connections.load(), 2);
}

// More sessions in flight than the old per-thread cap (64): every downstream session is
// parked when its client leaves and taken again by the next wave, none reopened.
TEST_F(ProxyTest, ManyIdleDownstreamSessionsAreKeptForReuse) {
  constexpr int kSessions = 150;
  config_.smtp.max_connections_per_ip = 1000;
  StartProxy();
  for (int wave = 0; wave < 2; ++wave) {
    std::vector<std::unique_ptr<LineSocket>> clients;
    for (int i = 0; i < kSessions; ++i) {
      clients.push_back(Connect());
      // MAIL and RCPT: each client now holds a downstream session.
      EXPECT_EQ(clients.back()->Command("MAIL FROM:<alice@example.org>"), 250);
      EXPECT_EQ(clients.back()->Command("RCPT TO:<bob@example.net>"), 250);
    }
    for (auto& s : clients) {
      EXPECT_EQ(s->Command("DATA"), 354);
      s->Send(std::string(kHam) + ".\r\n");
      EXPECT_EQ(s->ReadReply(), 250);
      EXPECT_EQ(s->Command("QUIT"), 221);
      // EOF: the proxy has parked the downstream session before closing.
      std::string line;
      EXPECT_FALSE(s->ReadLine(&line));
    }
  }
  EXPECT_EQ(downstream_.messages().size(), 2u * kSessions);
  EXPECT_EQ(downstream_.connections.load(), kSessions);
}

TEST_F(ProxyTest, ReusedSessionClosedByTheDownstreamIsReplacedTransparently) {
  downstream_.close_after_message = true;
  StartProxy();
  for (int i = 0; i < 4; ++i) {
    auto s = Connect();
    EXPECT_EQ(Send(s.get(), kHam, {"bob@example.net"}), 250) << "message " << i;
    EXPECT_EQ(s->Command("QUIT"), 221);
  }
  EXPECT_EQ(downstream_.messages().size(), 4u);
  EXPECT_EQ(downstream_.connections.load(), 4);
}

TEST_F(ProxyTest, BadListenAddressFailsStart) {
  config_.smtp.listen = "nonsense";
  EXPECT_FALSE(Proxy::Start(config_, holder_.get(), nullptr).ok());
  config_.smtp.listen = "127.0.0.1:" + std::to_string(port_);
  config_.smtp.allowed_networks = {"10.0.0.0/99"};
  EXPECT_FALSE(Proxy::Start(config_, holder_.get(), nullptr).ok());
}

}  // namespace
}  // namespace sluice::smtp
