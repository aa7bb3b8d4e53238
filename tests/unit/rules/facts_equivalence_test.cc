// facts_equivalence_test.cc - the one-pass facts (facts.cc, text_facts.cc) give exactly the
// values of the earlier definition (facts_reference.h, the code as of d623a29), on random
// texts and messages and on every corpus message when the corpus is there; and
// ComputeFacts with a fact mask gives the same value for every fact it is asked for.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "filter/rules/facts.h"
#include "filter/rules/rule_set.h"
#include "filter/rules/text_facts.h"
#include "tests/unit/rules/facts_reference.h"
#include "tests/unit/rules/test_util.h"

namespace sluice::rules {
namespace {

void ExpectSameTextFacts(const std::string& text) {
  TextFacts now = ComputeTextFacts(text);
  TextFacts before = reference::ComputeTextFacts(text);
  EXPECT_EQ(now.exclaim_count, before.exclaim_count) << text;
  EXPECT_EQ(now.dollar_amount_count, before.dollar_amount_count) << text;
  EXPECT_EQ(now.caps_word_count, before.caps_word_count) << text;
  EXPECT_EQ(now.quoted_line_count, before.quoted_line_count) << text;
  EXPECT_EQ(now.phone_number, before.phone_number) << text;
  EXPECT_EQ(now.caps_line, before.caps_line) << text;
  const double percent = now.head_letters == 0 ? 0
                                               : 100.0 * static_cast<double>(now.head_upper) /
                                                     static_cast<double>(now.head_letters);
  EXPECT_EQ(percent,
            reference::UpperCasePercent(std::string_view(text).substr(0, kUpperHeadBytes), 0))
      << text;
}

// Every fact, for the full mask and for a mask of just that fact.
void ExpectSameFacts(const mime::Message& message, const std::string& what) {
  double before[kFactCount], all[kFactCount], masked[kFactCount];
  reference::ComputeFacts(message, before);
  ComputeFacts(message, all);
  for (uint32_t f = 0; f < kFactCount; ++f) {
    EXPECT_EQ(all[f], before[f]) << FactNames()[f].name << " in " << what;
    ComputeFacts(message, FactBit(static_cast<Fact>(f)), masked);
    EXPECT_EQ(masked[f], before[f]) << FactNames()[f].name << " alone in " << what;
  }
}

std::string RandomText(std::mt19937& rng, size_t pieces_count) {
  static const std::vector<std::string> pieces = {"A",
                                                  "B",
                                                  "Z",
                                                  "Q",
                                                  "a",
                                                  "z",
                                                  "0",
                                                  "5",
                                                  "9",
                                                  "1",
                                                  " ",
                                                  " ",
                                                  "\t",
                                                  "\n",
                                                  "\r\n",
                                                  "!",
                                                  "$",
                                                  ">",
                                                  "(",
                                                  ")",
                                                  "-",
                                                  ".",
                                                  ",",
                                                  "'",
                                                  "&",
                                                  "_",
                                                  "\xc3\xa9",
                                                  "\xd0\x96",
                                                  "\xd0\xb6",
                                                  "\xd0",
                                                  "\x80",
                                                  "555-123-4567",
                                                  "(800) 555 1234",
                                                  "FREE ",
                                                  "MONEY",
                                                  "$ 1",
                                                  "\n>",
                                                  "word ",
                                                  "THE LINE OF CAPITALS, LONG ENOUGH!! "};
  std::string text;
  const bool caps = rng() % 3 == 0;  // some texts mostly capitals: caps lines and words
  for (size_t i = 0; i < pieces_count; ++i) {
    if (caps && rng() % 4 != 0) {
      text += static_cast<char>('A' + rng() % 26);
      if (rng() % 6 == 0) text += ' ';
    } else {
      text += pieces[rng() % pieces.size()];
    }
  }
  return text;
}

TEST(FactsEquivalenceTest, TextFactsOnRandomTexts) {
  std::mt19937 rng(20261129);
  // Lengths around the 64-byte blocks and far beyond, so runs, lines and look-aheads
  // cross block edges and the zero-padded last block.
  for (int round = 0; round < 6000; ++round) {
    size_t pieces = round % 10 == 0 ? 200 + rng() % 800 : rng() % 150;
    ExpectSameTextFacts(RandomText(rng, pieces));
  }
}

TEST(FactsEquivalenceTest, TextFactsAtEveryBlockOffset) {
  // One feature placed at each offset 0..140 behind filler, ending exactly at the text end
  // or followed by more text.
  for (const std::string feature :
       {"$5", "$ 5", "$", "ABCD", "ABC", "ABCD_", "555-123-4567", "(555) 123 4567", "\n>", ">", "!",
        "\nTHE LINE OF CAPITALS, LONG ENOUGH FOR IT", "1555-123-4567"}) {
    for (size_t offset = 0; offset <= 140; ++offset) {
      for (const char* filler : {"x", " ", "9", "A"}) {
        std::string text;
        for (size_t i = 0; i < offset; ++i) text += filler;
        ExpectSameTextFacts(text + feature);
        ExpectSameTextFacts(text + feature + " tail");
        ExpectSameTextFacts(text + feature + "A");
        ExpectSameTextFacts(text + feature + "7\n");
      }
    }
  }
}

TEST(FactsEquivalenceTest, UpperCaseShareAroundTheSixteenKibPrefix) {
  // Cyrillic pairs (and lone lead bytes) across 64-byte blocks and the prefix's end.
  std::mt19937 rng(16);
  for (int round = 0; round < 300; ++round) {
    std::string text(kUpperHeadBytes - 70 + rng() % 80, 'a');
    for (int n = 0; n < 40; ++n) {
      text[rng() % text.size()] = "AbZ\xd0\xd1\x96\xb6\xc3"[rng() % 8];
    }
    for (const char* end : {"", "\xd0", "\xd0\x96",
                            "\xd1"
                            "A",
                            "\xd0\x96\xd0\xb6 MORE TEXT"}) {
      ExpectSameTextFacts(text + end);
    }
  }
}

// Meta rules over the header facts, scanned: the facts then come from the rule targets'
// header walk (HeaderValueIndex), not from FindFactHeaders.
class HeaderFactRules {
 public:
  HeaderFactRules() {
    std::string yaml = "rules:\n";
    for (uint32_t f = 0; f < kFactCount; ++f) {
      if (!(kHeaderFacts & FactBit(static_cast<Fact>(f)))) continue;
      for (int threshold : {1, 2, 20, 60}) {
        std::string id = "F" + std::to_string(f) + "_" + std::to_string(threshold);
        yaml += "  - id: " + id + "\n    description: t\n    meta: '" +
                std::string(FactNames()[f].name) + " >= " + std::to_string(threshold) +
                "'\n    score: 1\n";
        rules_.push_back({id, f, threshold});
      }
    }
    // A header target too, so the walk has a name of its own to collect.
    yaml +=
        "  - id: SUBJ_X\n    description: t\n    target: subject\n    pattern: x\n"
        "    score: 1\n";
    set_ = testing::MustLoad({dir_.Write("facts.yaml", yaml)});
  }
  void ExpectSame(const mime::Message& message, const std::string& what) const {
    double before[kFactCount];
    reference::ComputeFacts(message, before);
    std::vector<RuleHit> hits;
    set_->ScanAll(message, &hits);
    for (const auto& rule : rules_) {
      bool hit = testing::FindHit(hits, rule.id) != nullptr;
      EXPECT_EQ(hit, before[rule.fact] >= rule.threshold)
          << FactNames()[rule.fact].name << " >= " << rule.threshold << " in " << what;
    }
  }

 private:
  struct Check {
    std::string id;
    uint32_t fact;
    int threshold;
  };
  testing::TempDir dir_;
  std::vector<Check> rules_;
  std::shared_ptr<const RuleSet> set_;
};

TEST(FactsEquivalenceTest, HeaderAndLinkFactsOnRandomMessages) {
  HeaderFactRules scanned;
  const std::vector<std::string> froms = {
      "\"paypal@paypal.com\" <x@evil.example>",
      "\"PayPal@PayPal.COM\" <paypal@paypal.com>",
      "\"paypal@paypal.com\" <PAYPAL@PAYPAL.com>",
      "a@b@c.com <a@b@c.com>",
      "Bob <bob@example.org>",
      "bob@example.org",
      "\"x@y\" <x@y.com>",
      "\"x@y.com.\" <x@y.com>",
      "<>",
      "name x@y.com <",
      "\"ab@host.co.uk\" <ab@HOST.co.uk",
      "\"bob@paypal.com\" <bob@evil.example>",
      "\"Bob@Evil.Example\" <bob@evil.example>",
  };
  const std::vector<std::pair<std::string, std::string>> links = {
      {"www.bank.com/login", "evil.example"},
      {"WWW.BANK.COM", "www.bank.com"},
      {"http://secure.bank.co.uk/x", "other.co.uk"},
      {"http://secure.bank.co.uk/x", "www.BANK.co.uk"},
      {"10.0.0.1", "10.0.0.2"},
      {"readme.txt", "example.com"},
      {"click here", "example.com"},
      {"user@www.shop.com.au", "shop.com.au"},
      {"<http://a.b.ORG>", "x.b.org"},
      {"mail.gov.uk", "gov.uk"},
  };
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    testing::MessageBuilder builder;
    if (rng() % 4) builder.Header(rng() % 2 ? "From" : "FROM", froms[rng() % froms.size()]);
    if (rng() % 3) builder.Header("Subject", RandomText(rng, rng() % 20));
    if (rng() % 2) builder.Header("To", "a@x.com, b@y.com");
    if (rng() % 4 == 0) builder.Header("to", "second@x.com");
    if (rng() % 4 == 0) builder.Header("Subject", "SECOND SUBJECT IN CAPITALS");
    if (rng() % 3 == 0) builder.Header("Cc", "c@z.com");
    if (rng() % 2) builder.Header("Date", "Sun, 29 Nov 2026 10:00:00 +0000");
    if (rng() % 2) builder.Header("Message-ID", "<1@x>");
    for (int r = rng() % 3; r > 0; --r) builder.Header("Received", "from x by y");
    for (int l = rng() % 4; l > 0; --l) {
      const auto& [text, host] = links[rng() % links.size()];
      builder.Url("http://" + host + "/", host, text);
    }
    builder.Body(RandomText(rng, rng() % 300));
    ExpectSameFacts(builder.message(), "random message " + std::to_string(round));
    scanned.ExpectSame(builder.message(), "random message " + std::to_string(round));
  }
}

TEST(FactsEquivalenceTest, EveryFactOnCorpusMessages) {
  const std::string corpus = std::string(SLUICE_SOURCE_DIR) + "/.cache/corpus/";
  size_t checked = 0;
  for (const char* list : {"train.spam", "train.ham", "test.spam", "test.ham"}) {
    std::ifstream paths(corpus + list);
    std::string path;
    while (std::getline(paths, path)) {
      std::ifstream file(path, std::ios::binary);
      std::stringstream bytes;
      bytes << file.rdbuf();
      const std::string raw = bytes.str();
      mime::Message message = mime::Parse(raw);
      ExpectSameFacts(message, path);
      ExpectSameTextFacts(message.raw_text);
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no corpus at " << corpus << " (make corpus)";
}

}  // namespace
}  // namespace sluice::rules
