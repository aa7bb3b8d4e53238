// spam_headers_test.cc - X-Spam-* header format and subject tagging.
#include "filter/smtp/spam_headers.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <vector>

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

// Field by field, the obvious way: the reference StripSpamHeaders must agree with.
std::string StripByFields(const std::string& m, size_t* removed) {
  std::string out;
  size_t pos = 0;
  bool dropping = false;
  *removed = 0;
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    size_t next = nl == std::string::npos ? m.size() : nl + 1;
    std::string line = m.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") return out + m.substr(pos);
    if (line[0] != ' ' && line[0] != '\t') {
      std::string head = line.substr(0, 7);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      dropping = head == "x-spam-";
      if (dropping) ++*removed;
    }
    if (!dropping) out += line;
    pos = next;
  }
  return out;
}

// Many forged fields above a body, and mixed shapes (folds, bare LF, no body, no blank line):
// the one-pass result is the field-by-field one.
TEST(StripSpamHeaders, ManyFieldsAndMixedShapesMatchTheFieldByFieldResult) {
  std::string many = "From: a@b\r\n";
  for (int i = 0; i < 3000; ++i) {
    many += (i % 3 == 0 ? "X-Spam-Flag: NO\r\n" : "x-spam-score: -1\r\n\tfolded\r\n");
    if (i % 100 == 0) many += "Received: kept " + std::to_string(i) + "\r\n";
  }
  many += "\r\n" + std::string(64 << 10, 'b') + "\r\nX-Spam-Flag: in the body\r\n";
  std::mt19937 random(7);
  const char* pieces[] = {"X-Spam-Flag: NO",
                          "x-SPAM-status: Yes",
                          "Subject: hi",
                          "\tfold",
                          " fold",
                          "X-Spammy: kept",
                          "",
                          "From: a"};
  std::vector<std::string> inputs = {many};
  for (int n = 0; n < 300; ++n) {
    std::string m;
    const int lines = static_cast<int>(random() % 12);
    for (int i = 0; i < lines; ++i) {
      m += pieces[random() % 8];
      m += random() % 4 == 0 ? "\n" : "\r\n";
    }
    if (random() % 3 == 0 && !m.empty()) m.pop_back();  // no final line end
    inputs.push_back(m);
  }
  for (const std::string& input : inputs) {
    size_t expected_removed = 0;
    const std::string expected = StripByFields(input, &expected_removed);
    std::string m = input;
    EXPECT_EQ(StripSpamHeaders(&m), expected_removed) << input.substr(0, 200);
    EXPECT_EQ(m, expected) << input.substr(0, 200);
  }
}

}  // namespace
}  // namespace sluice::smtp
