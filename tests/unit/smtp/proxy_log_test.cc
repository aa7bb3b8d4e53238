// proxy_log_test.cc - the SMTP proxy's score-log lines, read back from a real log file:
// every message whose data was received or refused gets exactly one line, and a message
// the score did not decide (size limit, downstream refusal, client timeout) says what its
// client was told (action) and why (reason).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "filter/log/log_reader.h"
#include "tests/unit/smtp/proxy_fixture.h"

namespace sluice::smtp {
namespace {

using testing::kHam;
using testing::LineSocket;

namespace fs = std::filesystem;

class ProxyLogTest : public testing::ProxyFixture {
 protected:
  void SetUp() override {
    ProxyFixture::SetUp();
    path_ = fs::temp_directory_path() / ("sluice-proxy-log-" + std::to_string(::getpid()));
    auto log = ScoreLog::Open(path_.string());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void TearDown() override {
    ProxyFixture::TearDown();
    fs::remove(path_);
  }
  void StartProxy() { ProxyFixture::StartProxy(log_.get()); }
  int Send(LineSocket* s, const std::string& body) {
    return ProxyFixture::Send(s, body, {"bob@example.net"});
  }
  // The log's lines so far, parsed.
  std::vector<LogEntry> Entries() {
    log_->Flush();
    std::vector<LogEntry> out;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      auto e = ParseLogLine(line);
      EXPECT_TRUE(e.ok()) << line;
      if (e.ok()) out.push_back(*e);
    }
    return out;
  }

  fs::path path_;
  std::unique_ptr<ScoreLog> log_;
};

TEST_F(ProxyLogTest, ScoredMessagesGetOneLineEachWithoutAReason) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), kHam), 250);
  EXPECT_EQ(Send(s.get(), "Subject: SPAMSPAM\r\n\r\nbuy\r\n"), 550);
  EXPECT_EQ(s->Command("QUIT"), 221);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "accept");
  EXPECT_EQ(entries[0].queue_id, "Q1");
  EXPECT_EQ(entries[0].reason, "");
  EXPECT_EQ(entries[1].action, "reject");
  EXPECT_EQ(entries[1].reason, "");
  EXPECT_EQ(entries[1].from, "alice@example.org");
}

TEST_F(ProxyLogTest, OversizeDataAndBdatAreLoggedAsRejectedForSize) {
  config_.smtp.max_message_bytes = 1000;
  StartProxy();
  auto s = Connect();
  std::string big = "Subject: big\r\n\r\n" + std::string(3000, 'x') + "\r\n";
  EXPECT_EQ(Send(s.get(), big), 552);
  EXPECT_EQ(s->Command("MAIL FROM:<carol@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<dave@example.net>"), 250);
  s->Send("BDAT 800\r\n" + std::string(800, 'y'));
  EXPECT_EQ(s->ReadReply(), 250);
  s->Send("BDAT 800 LAST\r\n" + std::string(800, 'y'));
  EXPECT_EQ(s->ReadReply(), 552);
  EXPECT_EQ(Send(s.get(), kHam), 250);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].action, "reject");
  EXPECT_EQ(entries[0].reason, "message over smtp.max_message_bytes (1000)");
  EXPECT_EQ(entries[0].size, big.size());
  EXPECT_EQ(entries[0].from, "alice@example.org");
  EXPECT_EQ(entries[0].rcpts, std::vector<std::string>{"bob@example.net"});
  EXPECT_EQ(entries[0].source, "smtp");
  EXPECT_EQ(entries[0].client_ip, "127.0.0.1");
  EXPECT_EQ(entries[1].action, "reject");
  EXPECT_EQ(entries[1].reason, "message over smtp.max_message_bytes (1000)");
  EXPECT_EQ(entries[1].size, 1600u);
  EXPECT_EQ(entries[1].from, "carol@example.org");
  EXPECT_EQ(entries[2].action, "accept");
  EXPECT_EQ(entries[2].reason, "");
}

// The verdict said deliver, the downstream said no: the line says what the client was told.
TEST_F(ProxyLogTest, DownstreamRefusalsAreLoggedWithTheirReply) {
  downstream_.refuse_data = 1;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), kHam), 451);
  EXPECT_EQ(Send(s.get(), kHam), 250);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "tempfail");
  EXPECT_EQ(entries[0].reason,
            "downstream: 451 4.3.0 Error: queue file write error (verdict: accept)");
  EXPECT_DOUBLE_EQ(entries[0].score, 1);  // it was scored
  EXPECT_EQ(entries[1].action, "accept");
}

TEST_F(ProxyLogTest, ChunkingDownstreamRefusalIsARejectLine) {
  downstream_.advertise_chunking = true;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), "Subject: x\r\n\r\nREFUSEME\r\n"), 554);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "reject");
  EXPECT_EQ(entries[0].reason, "downstream: 554 5.7.1 Refused by the fake (verdict: accept)");
}

TEST_F(ProxyLogTest, DownstreamLostAtTheEndIsATempfailLine) {
  downstream_.drop_at_dot = true;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(Send(s.get(), kHam), 451);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "tempfail");
  EXPECT_EQ(entries[0].reason.rfind("downstream: ", 0), 0u) << entries[0].reason;
}

// A client that stops sending mid-DATA is told 421: that message gets a line; one that
// hangs up mid-DATA was told nothing and gets none.
TEST_F(ProxyLogTest, ClientTimedOutMidMessageIsLoggedAndAHangUpIsNot) {
  config_.smtp.data_timeout_s = 1;
  StartProxy();
  {
    auto gone = Connect();
    EXPECT_EQ(gone->Command("MAIL FROM:<alice@example.org>"), 250);
    EXPECT_EQ(gone->Command("RCPT TO:<bob@example.net>"), 250);
    EXPECT_EQ(gone->Command("DATA"), 354);
    gone->Send("Subject: gone\r\n\r\nhalf\r\n");
  }
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<slow@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  EXPECT_EQ(s->Command("DATA"), 354);
  const std::string half = "Subject: stalled\r\n\r\nhalf a message\r\n";
  s->Send(half);
  EXPECT_EQ(s->ReadReply(), 421);
  EXPECT_EQ(s->ReadReply(), 0);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "tempfail");
  EXPECT_EQ(entries[0].reason, "client timed out mid-message");
  EXPECT_EQ(entries[0].from, "slow@example.org");
  EXPECT_EQ(entries[0].size, half.size());
  EXPECT_TRUE(downstream_.messages().empty());
}

TEST_F(ProxyLogTest, ClientTimedOutBetweenBdatChunksIsLogged) {
  config_.smtp.command_timeout_s = 1;
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  s->Send("BDAT 10\r\n0123456789");
  EXPECT_EQ(s->ReadReply(), 250);
  EXPECT_EQ(s->ReadReply(), 421);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "tempfail");
  EXPECT_EQ(entries[0].reason, "client timed out mid-message");
  EXPECT_EQ(entries[0].size, 10u);
}

// An aborted BDAT transaction (RSET) and a transaction without data get no line.
TEST_F(ProxyLogTest, TransactionsWithoutAMessageGetNoLine) {
  StartProxy();
  auto s = Connect();
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RCPT TO:<bob@example.net>"), 250);
  s->Send("BDAT 4\r\nabcd");
  EXPECT_EQ(s->ReadReply(), 250);
  EXPECT_EQ(s->Command("RSET"), 250);
  EXPECT_EQ(s->Command("MAIL FROM:<alice@example.org>"), 250);
  EXPECT_EQ(s->Command("RSET"), 250);
  EXPECT_EQ(Send(s.get(), kHam), 250);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "accept");
}

}  // namespace
}  // namespace sluice::smtp
