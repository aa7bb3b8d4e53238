// pattern_checks_test.cc - CheckHsPatterns: the same outcomes as checking each pattern alone,
// kept in the rules cache (read back without a rewrite, damaged files recomputed), and a rule
// set loaded from a warm cache still falls back to PCRE2 where Hyperscan refuses a pattern.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "filter/rules/hs_database.h"
#include "tests/unit/rules/test_util.h"

namespace sluice::rules {
namespace {

using testing::Inode;
using testing::MessageBuilder;
using testing::ReadAll;
using testing::TempDir;

std::vector<HsPattern> SamplePatterns() {
  return {
      {"free\\s+gift", HS_FLAG_CASELESS, 0},           // accepted, unbounded
      {"(?:\\A|\\W)(?:cheap|free)(?:\\W|\\z)", 0, 1},  // accepted, bounded
      {"(?<=\\$)\\d+", 0, 2},                          // lookbehind: refused
      {"(\\w{3,})\\s+\\1", 0, 3},                      // back-reference: refused
      {"x*", 0, 4},                                    // matches the empty string
      {"a\nb", HS_FLAG_DOTALL, 5},                     // a pattern holding a newline
  };
}

void ExpectSameAsOneByOne(const std::vector<HsPattern>& patterns,
                          const std::vector<HsPatternCheck>& checks) {
  ASSERT_EQ(checks.size(), patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) {
    unsigned width = UINT_MAX;
    std::string problem = CheckHsPattern(patterns[i].pattern, patterns[i].flags, &width);
    EXPECT_EQ(checks[i].problem, problem) << patterns[i].pattern;
    if (problem.empty()) {
      EXPECT_EQ(checks[i].max_width, width) << patterns[i].pattern;
    }
  }
}

TEST(PatternChecksTest, WithoutACacheTheyAreTheOneByOneChecks) {
  std::string file = "unset";
  auto checks = CheckHsPatterns(SamplePatterns(), "", &file);
  EXPECT_EQ(file, "");
  ExpectSameAsOneByOne(SamplePatterns(), checks);
  EXPECT_FALSE(checks[2].problem.empty());
  EXPECT_FALSE(checks[4].problem.empty());
  EXPECT_EQ(checks[0].max_width, UINT_MAX);
  EXPECT_LT(checks[1].max_width, 100u);
}

TEST(PatternChecksTest, ACacheFileIsWrittenThenReadWithoutRewriting) {
  TempDir dir;
  std::string file;
  auto first = CheckHsPatterns(SamplePatterns(), dir.path(), &file);
  ExpectSameAsOneByOne(SamplePatterns(), first);
  ASSERT_NE(file.find(".checks"), std::string::npos);
  std::string path = dir.path() + "/" + file;
  ino_t written = Inode(path);
  ASSERT_NE(written, 0u);

  std::string again_file;
  auto again = CheckHsPatterns(SamplePatterns(), dir.path(), &again_file);
  EXPECT_EQ(again_file, file);
  EXPECT_EQ(Inode(path), written);  // read back, not recomputed and renamed over
  ExpectSameAsOneByOne(SamplePatterns(), again);

  // Another pattern list has its own file.
  auto other = SamplePatterns();
  other[0].pattern = "free\\s+gifts";
  std::string other_file;
  CheckHsPatterns(other, dir.path(), &other_file);
  EXPECT_NE(other_file, file);
}

TEST(PatternChecksTest, DamagedFilesAreRecomputedNotTrusted) {
  TempDir dir;
  std::string file;
  CheckHsPatterns(SamplePatterns(), dir.path(), &file);
  std::string path = dir.path() + "/" + file;
  const std::string good = ReadAll(path);

  // A changed width (checksum no longer matches), a cut file, garbage, an empty file.
  // The bounded pattern's width (second entry: the first has an empty problem, so its entry
  // is "WIDTH 0\n\n") made larger: still a number a parser would take.
  std::string changed = good;
  size_t body = changed.find('\n') + 1;
  size_t digit = changed.find('\n', body) + 2;
  ASSERT_TRUE(changed[digit] >= '0' && changed[digit] <= '8');
  changed[digit] = '9';
  for (const std::string& bad :
       {changed, good.substr(0, good.size() / 2), std::string("junk\n"), std::string()}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    ino_t damaged = Inode(path);
    auto checks = CheckHsPatterns(SamplePatterns(), dir.path(), nullptr);
    ExpectSameAsOneByOne(SamplePatterns(), checks);
    EXPECT_NE(Inode(path), damaged);  // rewritten
    EXPECT_EQ(ReadAll(path), good);
  }
}

TEST(PatternChecksTest, StaleChecksFilesAreRemovedWithStaleDatabases) {
  TempDir dir;
  std::string keep, stale;
  CheckHsPatterns(SamplePatterns(), dir.path(), &keep);
  auto other = SamplePatterns();
  other.pop_back();
  CheckHsPatterns(other, dir.path(), &stale);
  dir.Write("unrelated.txt", "not ours");
  EXPECT_EQ(RemoveStaleCacheFiles(dir.path(), {keep}), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/" + keep));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + stale));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/unrelated.txt"));
}

TEST(PatternChecksTest, AWarmCacheStillFallsBackToPcre2) {
  TempDir dir;
  std::string cache = dir.path() + "/cache";
  std::string file = dir.Write("r.yaml",
                               "rules:\n"
                               "  - id: LOOKBEHIND\n"
                               "    description: d\n"
                               "    target: body\n"
                               "    pattern: '(?<=\\$)\\d+'\n"
                               "    score: 1\n"
                               "  - id: PLAIN\n"
                               "    description: d\n"
                               "    target: body\n"
                               "    words: [hello]\n"
                               "    score: 1\n");
  for (int round = 0; round < 2; ++round) {  // cold cache, then warm
    LoadOptions options;
    options.cache_dir = cache;
    std::vector<Diagnostic> warnings;
    auto set = RuleSet::Load({file}, options, &warnings);
    ASSERT_TRUE(set.ok()) << set.status().message();
    int fallbacks = 0;
    for (const auto& w : warnings)
      fallbacks += w.message.find("PCRE2 instead") != std::string::npos;
    EXPECT_EQ(fallbacks, 1) << "round " << round;
    MessageBuilder b;
    b.Body("hello, pay $100");
    std::vector<RuleHit> hits;
    (*set)->Scan(b.message(), &hits);
    ASSERT_EQ(hits.size(), 2u) << "round " << round;
    for (const auto& h : hits) {
      if (h.id == "LOOKBEHIND") {
        EXPECT_EQ(h.matched, "100");
      } else {
        EXPECT_EQ(h.matched, "hello");
      }
    }
  }
}

}  // namespace
}  // namespace sluice::rules
