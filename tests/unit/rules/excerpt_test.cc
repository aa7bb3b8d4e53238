// excerpt_test.cc - a hit's excerpt is PCRE2's leftmost match, even though the re-match
// starts only max_width bytes (plus a margin) before Hyperscan's earliest match end, or,
// for a pattern that cannot match '\n', at the line holding that end.
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
  std::string pattern;
  RuleFlags flags;
};

// Scans `rounds` random texts (under the 1,024-byte window, so the old re-match started at
// 0) drawn from `alphabet` with every case as a body rule, and checks each excerpt against
// PCRE2 searching the whole text from its start. Returns how many excerpts were compared.
int CompareWithWholeTextSearch(const std::vector<Case>& cases, const std::string& alphabet,
                               unsigned seed, int rounds) {
  std::string yaml = "rules:\n";
  for (const auto& c : cases) {
    yaml += "  - id: " + c.id + "\n    description: t\n    target: body\n    pattern: '" +
            c.pattern + "'\n    score: 1\n";
    if (c.flags.dotall) yaml += "    flags: [dotall]\n";
    if (c.flags.caseless) yaml += "    flags: [caseless]\n";
  }
  TempDir dir;
  auto set = MustLoad({dir.Write("r.yaml", yaml)});
  std::vector<PcreRegex> reference(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_TRUE(reference[i].Compile(cases[i].pattern, cases[i].flags, false).ok());
  }
  std::mt19937 random(seed);
  int compared = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string text;
    size_t length = 40 + random() % 900;
    for (size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    MessageBuilder b;
    b.Body(text);
    std::vector<RuleHit> hits;
    set->Scan(b.message(), &hits);
    for (size_t i = 0; i < cases.size(); ++i) {
      auto expected = reference[i].Find(text, 0);
      const RuleHit* hit = FindHit(hits, cases[i].id);
      EXPECT_EQ(hit != nullptr, expected.has_value()) << cases[i].id << " in " << text;
      if (!hit || !expected) continue;
      std::string want = text.substr(expected->first, expected->second - expected->first);
      want = want.substr(0, 80);
      for (char& c : want) {
        if (c == '\n') c = ' ';
      }
      EXPECT_EQ(hit->matched, want) << cases[i].id << " in " << text;
      if (hit->matched != want) return compared;  // one report is enough
      ++compared;
    }
  }
  return compared;
}

TEST(ExcerptTest, NarrowedReMatchFindsTheSameLeftmostMatchAsAWholeTextSearch) {
  // Bounded widths. Alternations whose leftmost-first choice is not the earliest-ending
  // match, bounded repeats, and classes: where a start chosen too late would give another
  // excerpt.
  const std::vector<Case> cases = {{"ALT", "ab{1,6}c?|b{2}", {}},
                                   {"REP", "a[ab]{2,20}c", {}},
                                   {"LONGER", "(ba){1,8}b|ab", {}},
                                   {"CLASS", "[ab]c{0,9}[cd]", {}},
                                   {"WORDISH", "(aa|a)(b|bb)(c)?", {}}};
  EXPECT_GT(CompareWithWholeTextSearch(cases, "aabbbccd x", 7, 4000), 4000);
}

TEST(ExcerptTest, LineStartReMatchFindsTheSameLeftmostMatchAsAWholeTextSearch) {
  // Unbounded widths on multi-line texts: the patterns that cannot match '\n' re-match from
  // the line of the earliest match end, those that cannot match '>' from the last '>'
  // before it, those whose unbounded parts are whitespace from a few non-space bytes
  // before it (pattern_shape.h). The \s+ cases cross lines; the dotall
  // and \S+ cases keep the 1 KB window: they guard the pattern analysis.
  RuleFlags dotall;
  dotall.dotall = true;
  const std::vector<Case> cases = {{"DOTS", "a.*b", {}},
                                   {"NOT_NL", "b[^\\n]*c[^\\n]*d", {}},
                                   {"ALT", "(ab|a)[^\\s]*c|ba+", {}},
                                   {"WORDS", "\\w+ \\w+x", {}},
                                   {"ACROSS", "a\\s+c", {}},
                                   {"PHRASE", "a\\s+b\\s*c|b\\s+(c|cd)\\s+x", {}},
                                   {"SPACED", "(ab|a)[ \\n]+(c|cd)\\s{2,}d", {}},
                                   {"NONSPACE", "b\\s+\\S+a", {}},
                                   {"TAG", "<a[^>]*b\\s*=\\s*c", {}},
                                   {"TAG_ALT", "(<|<a)[^>]*d|b[^>\\n]*>", {}},
                                   {"DOTALL", "c.*a", dotall}};
  EXPECT_GT(CompareWithWholeTextSearch(cases, "aabbccdx  \n\n \n<<>=", 11, 4000), 10000);
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
