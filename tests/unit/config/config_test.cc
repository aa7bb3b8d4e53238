#include "filter/config/config.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ConfigTest, EmbeddedDefaultParses) {
  auto config = ParseConfig(DefaultConfigText(), "<embedded default>");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->scoring.thresholds.ActionFor(4.9), Action::kAccept);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(5.0), Action::kAddHeader);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(12), Action::kReject);
  ASSERT_EQ(config->scoring.rule_files.size(), 1u);
  EXPECT_NE(config->scoring.rule_files[0].find("/rules/sluice.yaml"), std::string::npos);
  EXPECT_EQ(config->scoring.rule_files[0].find("${"), std::string::npos);
  EXPECT_EQ(config->milter.socket_mode, 0660u);
  EXPECT_EQ(config->smtp.io_threads, 0u);  // one per core
}

TEST(ConfigTest, SmtpIoThreadsIsReadAndBounded) {
  auto one = ParseConfig("smtp:\n  io_threads: 1\n", "c.yaml");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->smtp.io_threads, 1u);
  auto many = ParseConfig("smtp:\n  io_threads: 65\n", "c.yaml");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().message(), "c.yaml:2: smtp.io_threads: at most 64");
  auto huge = ParseConfig("smtp:\n  io_threads: 4294967297\n", "c.yaml");
  EXPECT_FALSE(huge.ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  io_threads: -1\n", "c.yaml").ok());
}

TEST(ConfigTest, UnknownKeyIsRefusedWithLine) {
  auto config = ParseConfig("scoring:\n  actions:\n    reject: 10\n  bogus: 1\n", "/etc/x.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "/etc/x.yaml:4: scoring.bogus: unknown key");
}

TEST(ConfigTest, UnknownActionAndBadValue) {
  auto bad_action = ParseConfig("scoring:\n  actions:\n    bounce: 3\n", "c.yaml");
  ASSERT_FALSE(bad_action.ok());
  EXPECT_NE(bad_action.status().message().find("c.yaml:3: scoring.actions.bounce: unknown action"),
            std::string::npos);
  auto bad_number = ParseConfig("scoring:\n  max_scan_bytes: lots\n", "c.yaml");
  ASSERT_FALSE(bad_number.ok());
  EXPECT_NE(bad_number.status().message().find("c.yaml:2: scoring.max_scan_bytes: bad value"),
            std::string::npos);
  auto broken = ParseConfig("scoring: [\n", "c.yaml");
  EXPECT_FALSE(broken.ok());
}

TEST(ConfigTest, ThresholdsSortedAndRelativePaths) {
  auto config = ParseConfig(
      "scoring:\n  rules: [local.yaml]\n  actions: {reject: 12, rewrite_subject: 4, add_header: 6}\n",
      "/etc/sluice/sluice.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->scoring.rule_files.at(0), "/etc/sluice/local.yaml");
  EXPECT_EQ(config->scoring.thresholds.ActionFor(5), Action::kRewriteSubject);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(6), Action::kAddHeader);
  EXPECT_EQ(config->scoring.thresholds.SpamThreshold(), 4);
}

}  // namespace
}  // namespace sluice
