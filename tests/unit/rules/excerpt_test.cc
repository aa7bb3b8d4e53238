// excerpt_test.cc - a hit's excerpt is PCRE2's leftmost match, even though the re-match
// starts only max_width bytes (plus a margin) before Hyperscan's earliest match end.
// Random short texts full of overlapping near-matches are scanned, and each excerpt is
// compared with PCRE2 searching the whole text from its start.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "filter/rules/pcre_regex.h"
#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::FindHit;
using testing::MessageBuilder;
using testing::MustLoad;
using testing::TempDir;

struct Case {
  std::string id;
  std::string pattern;  // bounded width: the narrowed re-match applies
};

TEST(ExcerptTest, NarrowedReMatchFindsTheSameLeftmostMatchAsAWholeTextSearch) {
  // Alternations whose leftmost-first choice is not the earliest-ending match, bounded
  // repeats, and classes: where a start chosen too late would give another excerpt.
  const std::vector<Case> cases = {{"ALT", "ab{1,6}c?|b{2}"},
                                   {"REP", "a[ab]{2,20}c"},
                                   {"LONGER", "(ba){1,8}b|ab"},
                                   {"CLASS", "[ab]c{0,9}[cd]"},
                                   {"WORDISH", "(aa|a)(b|bb)(c)?"}};
  std::string yaml = "rules:\n";
  for (const auto& c : cases) {
    yaml += "  - id: " + c.id + "\n    description: t\n    target: body\n    pattern: '" +
            c.pattern + "'\n    score: 1\n";
  }
  TempDir dir;
  auto set = MustLoad({dir.Write("r.yaml", yaml)});
  std::vector<PcreRegex> reference(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(reference[i].Compile(cases[i].pattern, RuleFlags{}, false).ok());
  }
  std::mt19937 random(7);
  const std::string alphabet = "aabbbccd x";
  int compared = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text;
    size_t length = 40 + random() % 900;  // under the 1,024-byte window: the old start is 0
    for (size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    MessageBuilder b;
    b.Body(text);
    std::vector<RuleHit> hits;
    set->Scan(b.message(), &hits);
    for (size_t i = 0; i < cases.size(); ++i) {
      auto expected = reference[i].Find(text, 0);
      const RuleHit* hit = FindHit(hits, cases[i].id);
      ASSERT_EQ(hit != nullptr, expected.has_value()) << cases[i].id << " in " << text;
      if (!hit) continue;
      std::string want = text.substr(expected->first, expected->second - expected->first);
      ASSERT_EQ(hit->matched, want.substr(0, 80)) << cases[i].id << " in " << text;
      ++compared;
    }
  }
  EXPECT_GT(compared, 4000);
}

TEST(ExcerptTest, WordsHitFarIntoALongTextKeepsItsExcerpt) {
  TempDir dir;
  auto set = MustLoad({dir.Write("r.yaml",
                                 "rules:\n  - id: W\n    description: t\n    target: body\n"
                                 "    words: ['free', 'free money', 'money']\n    score: 1\n")});
  MessageBuilder b;
  b.Body(std::string(5000, 'x') + " freely monies, (FREE\n  money)! " + std::string(3000, 'y'));
  std::vector<RuleHit> hits;
  set->Scan(b.message(), &hits);
  ASSERT_NE(FindHit(hits, "W"), nullptr);
  EXPECT_EQ(FindHit(hits, "W")->matched, "FREE");
}

}  // namespace
}  // namespace sluice::rules
