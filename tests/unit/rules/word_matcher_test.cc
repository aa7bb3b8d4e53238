// word_matcher_test.cc - the word lookup for `words` rules (word_matcher.h) against Hyperscan,
// which it replaces: the same case classes, the same (rule, end) matches on random texts,
// and through RuleSet the same hits, counts, excerpts and order with and without it.
#include "filter/rules/word_matcher.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "filter/rules/rule_file.h"
#include "filter/rules/rule_set.h"
#include "filter/rules/target_text.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::MessageBuilder;
using testing::TempDir;

std::string Utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// A Hyperscan block database over `patterns` (id = index), every match (id, end) collected.
class HsScanner {
 public:
  HsScanner(const std::vector<std::string>& patterns, unsigned flags) {
    std::vector<const char*> expressions;
    std::vector<unsigned> all_flags(patterns.size(), flags), ids;
    for (size_t i = 0; i < patterns.size(); ++i) {
      expressions.push_back(patterns[i].c_str());
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), all_flags.data(), ids.data(),
                         static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db_,
                         &error) != HS_SUCCESS) {
      ADD_FAILURE() << "Hyperscan: " << (error ? error->message : "?");
      hs_free_compile_error(error);
      return;
    }
    hs_alloc_scratch(db_, &scratch_);
  }
  ~HsScanner() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }
  std::vector<std::pair<uint32_t, uint32_t>> Scan(std::string_view text) const {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    if (!db_ || text.empty()) return out;
    hs_scan(
        db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
        [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
          static_cast<decltype(out)*>(context)->push_back(
              {static_cast<uint32_t>(id), static_cast<uint32_t>(to)});
          return 0;
        },
        &out);
    return out;
  }

 private:
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

std::vector<uint32_t> SafeWordCharacters() {
  std::vector<uint32_t> out;
  for (uint32_t cp = '0'; cp < 0x100; ++cp) {
    bool ascii_word = (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
                      (cp >= 'a' && cp <= 'z');
    if (cp < 0x80 ? ascii_word : (cp != 0xA0 && cp != 0xAB && cp != 0xBB && cp != 0xB5)) {
      out.push_back(cp);
    }
  }
  for (uint32_t cp = 0x400; cp <= 0x45F; ++cp) out.push_back(cp);
  return out;
}

std::string FoldOf(const std::string& text) {
  std::string folded;
  if (!WordMatcher::Fold(text, &folded)) return "<refused>";
  folded.resize(text.size());
  return folded;
}

// Every character the fold knows, as a caseless UTF-8 Hyperscan literal, against every
// code point: the characters Hyperscan calls equal must be the ones with the same fold, and
// every other character Hyperscan puts in their case class must make Fold refuse the text.
TEST(WordMatcherTest, CaseClassesAreHyperscans) {
  const std::vector<uint32_t> safe = SafeWordCharacters();
  std::vector<std::string> patterns;
  for (uint32_t cp : safe) {
    std::string literal = Utf8(cp);
    patterns.push_back(cp < 0x80 && !std::isalnum(static_cast<int>(cp)) ? "\\" + literal : literal);
  }
  HsScanner scanner(patterns, HS_FLAG_CASELESS | HS_FLAG_UTF8);
  std::string text;
  std::vector<uint32_t> at_end(1, 0);  // code point whose UTF-8 ends at each offset
  std::vector<uint32_t> end_cp;
  std::vector<size_t> ends;
  for (uint32_t cp = 0x21; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    text += Utf8(cp);
    ends.push_back(text.size());
    end_cp.push_back(cp);
    text += ' ';
  }
  std::set<std::pair<uint32_t, uint32_t>> equal;  // (pattern's code point, text's)
  for (auto [id, end] : scanner.Scan(text)) {
    auto it = std::lower_bound(ends.begin(), ends.end(), end);
    ASSERT_TRUE(it != ends.end() && *it == end);
    equal.insert({safe[id], end_cp[static_cast<size_t>(it - ends.begin())]});
  }
  std::set<uint32_t> safe_set(safe.begin(), safe.end());
  for (auto [a, b] : equal) {
    if (safe_set.count(b)) {
      EXPECT_EQ(FoldOf(Utf8(a)), FoldOf(Utf8(b))) << std::hex << a << " " << b;
    } else {
      EXPECT_EQ(FoldOf(Utf8(b)), "<refused>") << "U+" << std::hex << b << " is caseless-equal to U+"
                                              << a << " for Hyperscan; Fold must refuse it";
    }
  }
  for (uint32_t a : safe) {
    for (uint32_t b : safe) {
      if (FoldOf(Utf8(a)) == FoldOf(Utf8(b))) {
        EXPECT_TRUE(equal.count({a, b})) << std::hex << a << " " << b;
      }
    }
  }
  EXPECT_GT(equal.size(), safe.size());  // the case pairs were seen
}

TEST(WordMatcherTest, TakesOnlyWhatItMatchesExactly) {
  EXPECT_TRUE(WordMatcher::Takes({"free", "gift certificate", "100% free", "e-mail", "s&h"}));
  EXPECT_TRUE(WordMatcher::Takes({"бесплатный", "всё натуральное", "Ёлка", "crème brûlée"}));
  EXPECT_TRUE(WordMatcher::Takes({"wow!", "don't",
                                  "a\xE2\x80\x94"
                                  "b"}));              // em dash inside
  EXPECT_FALSE(WordMatcher::Takes({"free", "$100"}));  // starts with a boundary character
  EXPECT_FALSE(WordMatcher::Takes({"\xC2\xB5g"}));     // micro sign: folds with Greek mu
  EXPECT_FALSE(
      WordMatcher::Takes({"\xE2\x84\xAA"
                          "g"}));                     // KELVIN SIGN
  EXPECT_FALSE(WordMatcher::Takes({"caf\xCE\xB1"}));  // Greek: a case the fold does not know
  EXPECT_FALSE(
      WordMatcher::Takes({"a\x01"
                          "b"}));                 // control character
  EXPECT_FALSE(WordMatcher::Takes({"bad\xC3"}));  // invalid UTF-8
  EXPECT_FALSE(WordMatcher::Takes({"ёёёёё"}));    // 2^5 variants
  EXPECT_TRUE(WordMatcher::Takes({"ёёёё"}));
}

TEST(WordMatcherTest, RefusesTextsItCannotJudge) {
  WordMatcher matcher;
  matcher.Add(0, {"kit"});
  matcher.Finish();
  std::string folded;
  std::vector<WordMatch> matches;
  EXPECT_TRUE(matcher.Scan("a kit", &folded, &matches));
  EXPECT_EQ(matches.size(), 1u);
  EXPECT_FALSE(matcher.Scan("a \xE2\x84\xAAit", &folded, &matches));    // KELVIN SIGN + "it"
  EXPECT_FALSE(matcher.Scan("a kit \xFF", &folded, &matches));          // invalid UTF-8
  EXPECT_FALSE(matcher.Scan("a kit \xED\xA0\x80", &folded, &matches));  // a surrogate
}

// Pieces of random texts: the rule words in other cases and with е for ё, word and boundary
// characters around them, Cyrillic, Latin-1, a few characters the fold does not know.
const std::vector<std::vector<std::string>> kRules = {
    {"free", "free gift", "gift certificate"},
    {"gift", "free gift"},  // counted (min_hits): two entries end at the same place
    {"100% free", "e-mail", "s&h", "wow!"},
    {"бесплатный", "подарочный сертификат", "всё натуральное"},
    {"ёлка", "Ёж"},
    {"crème", "Über alles"},
    {"certificate", "free free"},
    {"a", "b c", "c", "x_y", "wow", "wow!"},  // counted: "wow!" at the end twice (B, \z)
};

std::string RandomText(std::mt19937* rng) {
  static const std::vector<std::string> pieces = {"free",
                                                  "FREE",
                                                  "Free",
                                                  "gift",
                                                  "GiFt",
                                                  "certificate",
                                                  "Certificate",
                                                  "100",
                                                  "%",
                                                  "e",
                                                  "-",
                                                  "mail",
                                                  "E-Mail",
                                                  "s",
                                                  "&",
                                                  "h",
                                                  "S&H",
                                                  "wow",
                                                  "!",
                                                  "WOW!",
                                                  "бесплатный",
                                                  "БЕСПЛАТНЫЙ",
                                                  "Бесплатный",
                                                  "подарочный",
                                                  "сертификат",
                                                  "СЕРТИФИКАТ",
                                                  "всё",
                                                  "все",
                                                  "ВСЁ",
                                                  "ВСЕ",
                                                  "натуральное",
                                                  "ёлка",
                                                  "елка",
                                                  "ЁЛКА",
                                                  "Елка",
                                                  "ёж",
                                                  "еж",
                                                  "ЁЖ",
                                                  "Еж",
                                                  "crème",
                                                  "CRÈME",
                                                  "creme",
                                                  "über",
                                                  "ÜBER",
                                                  "uber",
                                                  "alles",
                                                  "a",
                                                  "A",
                                                  "b",
                                                  "c",
                                                  "x",
                                                  "_",
                                                  "y",
                                                  "x_y",
                                                  "ab",
                                                  "freee",
                                                  "gifts",
                                                  "1",
                                                  "é",
                                                  "ж",
                                                  "\xC2\xAB",
                                                  "\xC2\xBB",
                                                  "\xE2\x80\x94",
                                                  "\xE3\x80\x80",
                                                  "\xE2\x81\xAF",
                                                  "\xE2\x81\xB0",
                                                  "\xC2\xB5",
                                                  "\xCE\xB1",
                                                  "\xE4\xB8\xAD",
                                                  ".",
                                                  ",",
                                                  ":",
                                                  "'",
                                                  "\"",
                                                  "(",
                                                  ")",
                                                  "/",
                                                  "@",
                                                  "[",
                                                  "`",
                                                  "{",
                                                  "~",
                                                  "\xF0\x9F\x98\x80"};
  static const std::vector<std::string> gaps = {" ",        " ",  " ",  "",  "",  "\n",
                                                "\xC2\xA0", "  ", "\t", "-", ".", "!"};
  std::string text;
  int n = std::uniform_int_distribution<int>(0, 14)(*rng);
  for (int i = 0; i < n; ++i) {
    text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(*rng)];
    text += gaps[std::uniform_int_distribution<size_t>(0, gaps.size() - 1)(*rng)];
  }
  if (std::uniform_int_distribution<int>(0, 199)(*rng) == 0) text += "\xE2\x84\xAA";  // KELVIN
  std::string collapsed;
  CollapseSpace(text, &collapsed);
  return collapsed;
}

// On collapsed random texts the matcher finds exactly the (rule, end) pairs Hyperscan
// reports for WordsToPattern(words, true) (every match: no HS_FLAG_SINGLEMATCH).
TEST(WordMatcherTest, SameMatchesAsHyperscanOnRandomTexts) {
  std::vector<std::string> patterns;
  WordMatcher matcher;
  for (uint32_t r = 0; r < kRules.size(); ++r) {
    ASSERT_TRUE(WordMatcher::Takes(kRules[r]));
    patterns.push_back(WordsToPattern(kRules[r], true));
    matcher.Add(r, kRules[r]);
  }
  matcher.Finish();
  HsScanner scanner(patterns, HS_FLAG_CASELESS | HS_FLAG_UTF8);
  std::mt19937 rng(20261129);
  std::string folded;
  size_t compared = 0, matched = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = RandomText(&rng);
    std::vector<WordMatch> found;
    if (!matcher.Scan(text, &folded, &found)) {
      ++refused;
      continue;
    }
    std::set<std::pair<uint32_t, uint32_t>> ours, theirs;
    for (const auto& m : found) ours.insert({m.rule, m.end});
    for (const auto& m : scanner.Scan(text)) theirs.insert(m);
    ASSERT_EQ(ours, theirs) << "text: '" << text << "'";
    ++compared;
    matched += theirs.size();
  }
  EXPECT_GT(compared, 19000u);
  EXPECT_GT(matched, 20000u);  // the texts do match, often
  EXPECT_GT(refused, 20u);     // and the Kelvin sign was met
}

// Through RuleSet: the same hits (ids, counts, targets, excerpts, order) with the word
// lookup as with Hyperscan alone, for rules with and without min_hits, in bodies whose
// words come first, last, twice, overlapping, at the same end as another rule's.
TEST(WordMatcherTest, RuleSetHitsAreTheSameWithAndWithoutIt) {
  TempDir dir;
  std::string yaml = "rules:\n";
  for (size_t r = 0; r < kRules.size(); ++r) {
    yaml += "  - id: W" + std::to_string(r) +
            "\n    description: t\n    target: " + (r % 3 == 2 ? "rawbody" : "body") +
            "\n    words: [";
    for (size_t k = 0; k < kRules[r].size(); ++k) {
      yaml += (k ? ", \"" : "\"") + kRules[r][k] + "\"";
    }
    yaml += "]\n    score: 1\n";
    if (r % 2 == 1) yaml += "    min_hits: " + std::to_string(2 + r % 3) + "\n";
  }
  std::string file = dir.Write("w.yaml", yaml);
  std::vector<Diagnostic> warnings;
  LoadOptions with, without;
  with.word_matcher_min_entries = 0;  // these few lists are matched by lookup too
  without.word_matcher = false;
  auto fast = RuleSet::Load({file}, with, &warnings);
  auto slow = RuleSet::Load({file}, without, &warnings);
  ASSERT_TRUE(fast.ok() && slow.ok());
  std::mt19937 rng(7);
  size_t hits_seen = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string visible = RandomText(&rng) + RandomText(&rng);
    std::string raw = i % 2 ? visible : RandomText(&rng);
    MessageBuilder b;
    b.Body(visible, raw);
    std::vector<RuleHit> a, c;
    fast.value()->ScanAll(b.message(), &a);
    slow.value()->ScanAll(b.message(), &c);
    ASSERT_EQ(a.size(), c.size()) << visible;
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].id, c[k].id) << visible;
      EXPECT_EQ(a[k].count, c[k].count) << a[k].id << " in '" << visible << "'";
      EXPECT_EQ(a[k].matched, c[k].matched) << a[k].id << " in '" << visible << "'";
      EXPECT_EQ(a[k].target, c[k].target);
    }
    hits_seen += a.size();
  }
  EXPECT_GT(hits_seen, 5000u);
}

}  // namespace
}  // namespace sluice::rules
