// spam_headers_test.cc - X-Spam-* header format and subject tagging.
#include "filter/smtp/spam_headers.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

Thresholds Default() {
  Thresholds t;
  t.steps = {{5.0, Action::kAddHeader}, {10.0, Action::kReject}};
  return t;
}

TEST(SpamHeaders, SpamGetsFlagScoreAndStatus) {
  Verdict v;
  v.score = 7.3;
  v.hits = {{"RULE_A", 4, "body", "x", 1}, {"RULE_B", 3.25, "subject", "y", 1}};
  v.bayes.available = true;
  v.bayes.probability = 0.97;
  auto h = SpamHeaders(v, Default(), HeaderConfig{});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"X-Spam-Flag", "YES"}));
  EXPECT_EQ(h[1].second, "7.3");
  EXPECT_EQ(h[2].second, "Yes, score=7.3 required=5.0 tests=RULE_A,RULE_B,BAYES_95");
}

TEST(SpamHeaders, HamHasStatusNoUnlessDisabled) {
  Verdict v;
  v.score = -0.01;
  HeaderConfig config;
  auto h = SpamHeaders(v, Default(), config);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].second, "No, score=0.0 required=5.0 tests=none");
  config.add_status_on_ham = false;
  EXPECT_TRUE(SpamHeaders(v, Default(), config).empty());
  config.add_headers = false;
  v.score = 50;
  EXPECT_TRUE(SpamHeaders(v, Default(), config).empty());
}

TEST(SpamHeaders, LongTestListsAreFolded) {
  Verdict v;
  v.score = 12;
  for (int i = 0; i < 20; ++i)
    v.hits.push_back({"SOME_LONG_RULE_NAME_" + std::to_string(i), 0.6, "body", "", 1});
  auto h = SpamHeaders(v, Default(), HeaderConfig{});
  std::string rendered = RenderHeaders(h);
  size_t start = 0;
  while (start < rendered.size()) {
    size_t end = rendered.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u) << rendered.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_NE(rendered.find("\r\n\tSOME_LONG_RULE_NAME_"), std::string::npos);
}

TEST(TagSubject, PrefixesExistingOrAddsOne) {
  EXPECT_EQ(TagSubject("From: a\r\nSubject: hi\r\n\r\nbody\r\n", "[SPAM]"),
            "From: a\r\nSubject: [SPAM] hi\r\n\r\nbody\r\n");
  EXPECT_EQ(TagSubject("From: a\r\n\r\nSubject: body\r\n", "[SPAM]"),
            "Subject: [SPAM]\r\nFrom: a\r\n\r\nSubject: body\r\n");
}

TEST(StripSpamHeaders, RemovesEveryXSpamFieldWithItsFoldsAndNothingElse) {
  std::string m =
      "X-Spam-Flag: NO\r\n"
      "Subject: hi\r\n"
      "x-spam-status: No, score=-100\r\n"
      "\ttests=FORGED\r\n"
      "X-Spammy: kept (not X-Spam-)\r\n"
      "X-SPAM-Score: -100\r\n"
      "\r\n"
      "X-Spam-Flag: NO stays in the body\r\n";
  EXPECT_EQ(StripSpamHeaders(&m), 3u);
  EXPECT_EQ(m,
            "Subject: hi\r\n"
            "X-Spammy: kept (not X-Spam-)\r\n"
            "\r\n"
            "X-Spam-Flag: NO stays in the body\r\n");
}

TEST(StripSpamHeaders, LastHeaderWithoutBodyAndBareLf) {
  std::string m = "From: a@b\nX-Spam-Flag: NO\n folded";
  EXPECT_EQ(StripSpamHeaders(&m), 1u);
  EXPECT_EQ(m, "From: a@b\n");
  std::string clean = "From: a@b\r\n\r\nbody\r\n";
  std::string copy = clean;
  EXPECT_EQ(StripSpamHeaders(&copy), 0u);
  EXPECT_EQ(copy, clean);
  std::string no_headers = "\r\nX-Spam-Flag: NO\r\n";
  EXPECT_EQ(StripSpamHeaders(&no_headers), 0u);
}

}  // namespace
}  // namespace sluice::smtp
