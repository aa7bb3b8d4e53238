// proxy_fixture.h - the SMTP proxy in-process for a test: a real client socket -> Proxy ->
// FakeDownstream, scored by FakeEngine (fake_smtp.h). A test adjusts config_ (and the
// downstream's switches) before StartProxy().
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "filter/smtp/proxy.h"
#include "tests/unit/smtp/fake_smtp.h"

namespace sluice::smtp::testing {

class ProxyFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.scoring.thresholds.steps = {{5, Action::kAddHeader}, {10, Action::kReject}};
    config_.smtp.enabled = true;
    port_ = FreePort();
    config_.smtp.listen = "127.0.0.1:" + std::to_string(port_);
    config_.smtp.downstream = "127.0.0.1:" + std::to_string(downstream_.port());
    config_.smtp.hostname = "sluice.test";
    config_.smtp.max_message_bytes = 100000;
    config_.smtp.max_recipients = 5;
    engine_ = std::make_shared<FakeEngine>(config_);
    holder_ = std::make_unique<EngineHolder>(engine_);
  }
  void TearDown() override {
    if (proxy_) proxy_->Stop();
  }
  // `log` may be nullptr (no score log).
  void StartProxy(ScoreLog* log = nullptr) {
    auto proxy = Proxy::Start(config_, holder_.get(), log);
    ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
    proxy_ = std::move(proxy).value();
  }
  std::unique_ptr<LineSocket> Connect(bool ehlo = true) {
    auto s = std::make_unique<LineSocket>(ConnectTo(port_));
    EXPECT_TRUE(s->ok());
    EXPECT_EQ(s->ReadReply(), 220);
    if (ehlo) {
      EXPECT_EQ(s->Command("EHLO client.test"), 250);
    }
    return s;
  }
  // A whole transaction; returns the final reply code after ".".
  int Send(LineSocket* s, const std::string& body, const std::vector<std::string>& rcpts,
           std::string* final_text = nullptr) {
    if (s->Command("MAIL FROM:<alice@example.org>") != 250) return -1;
    for (const auto& r : rcpts) s->Command("RCPT TO:<" + r + ">");
    if (s->Command("DATA") != 354) return -2;
    s->Send(body + ".\r\n");
    return s->ReadReply(final_text);
  }

  Config config_;
  FakeDownstream downstream_;
  std::shared_ptr<FakeEngine> engine_;
  std::unique_ptr<EngineHolder> holder_;
  std::unique_ptr<Proxy> proxy_;
  int port_ = 0;
};

inline constexpr char kHam[] = "From: a@example.org\r\nSubject: hello\r\n\r\nJust a note.\r\n";

}  // namespace sluice::smtp::testing
