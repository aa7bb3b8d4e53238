// rule_cache_test.cc - ReadRuleFilesCached: the same rules and warnings as parsing, read back
// from the cache without a rewrite, parsed again when any file read (an include too) changed or
// the cache file is damaged, never cached for a broken file, and removed when stale.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "filter/rules/content_hash.h"
#include "filter/rules/hs_database.h"
#include "filter/rules/rule_cache.h"
#include "filter/rules/rule_file.h"
#include "tests/unit/rules/test_util.h"

namespace sluice::rules {
namespace {

using testing::Inode;
using testing::ReadAll;
using testing::TempDir;

// Every field of every rule and diagnostic, one line each, for whole-result comparisons.
std::string Describe(const std::vector<Rule>& rules, const std::vector<Diagnostic>& warnings) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& r : rules) {
    out << r.id << '|' << r.description << '|' << r.file << '|' << r.line << '|'
        << static_cast<int>(r.kind) << '|' << r.target << '|' << r.header_name << '|' << r.pattern
        << '|' << r.from_words << '|' << r.words.size();
    for (const auto& w : r.words) out << '|' << w;
    out << '|' << r.meta << '|' << r.flags.caseless << r.flags.dotall << r.flags.multiline
        << r.flags.utf8 << r.flags.ucp << '|' << r.score << '|' << r.min_hits << '|' << r.enabled
        << '\n';
  }
  for (const auto& w : warnings) out << "warning " << w.ToString() << '\n';
  return out.str();
}

// A main file that includes another, with words, patterns with flags, a header target, a
// meta rule, overrides, a disabled rule, a negative score, min_hits and two warnings.
struct RuleFiles {
  explicit RuleFiles(const TempDir& dir) {
    included = dir.Write("words.yaml",
                         "rules:\n"
                         "  - id: FREE_GIFT\n"
                         "    description: \"free gift, Ёлка\"\n"
                         "    target: body\n"
                         "    words: ['free gift', 'ёлка', 'a.b']\n"
                         "    score: 1.25\n"
                         "  - id: __HELPER\n"
                         "    description: helper\n"
                         "    target: header:X-Mailer\n"
                         "    pattern: 'mass\\s+mailer'\n"
                         "    flags: [caseless, dotall]\n"
                         "    score: 0\n");
    main = dir.Write("main.yaml",
                     "include: [words.yaml]\n"
                     "rules:\n"
                     "  - id: RAW\n"
                     "    description: raw bytes\n"
                     "    target: full\n"
                     "    pattern: '\\x00\\xff'\n"
                     "    score: -0.1\n"
                     "    min_hits: 3\n"
                     "  - id: COMBO\n"
                     "    description: meta\n"
                     "    meta: '__HELPER && FREE_GIFT || html_only'\n"
                     "    score: 2\n"
                     "  - id: NO_DESCRIPTION\n"
                     "    target: subject\n"
                     "    pattern: 'x'\n"
                     "    score: 0.3333333333333333\n"
                     "scores: {FREE_GIFT: 1.5, UNKNOWN_ONE: 3}\n"
                     "disable: [RAW]\n");
  }
  std::string main, included;
};

std::string Parse(const std::vector<std::string>& files) {
  std::vector<Diagnostic> errors, warnings;
  auto rules = ReadRuleFiles(files, &errors, &warnings);
  EXPECT_TRUE(errors.empty());
  return Describe(rules, warnings);
}

std::string ParseCached(const std::vector<std::string>& files, const std::string& cache,
                        std::string* cache_file = nullptr,
                        std::vector<Diagnostic>* errors_out = nullptr) {
  std::vector<Diagnostic> errors, warnings;
  auto rules = ReadRuleFilesCached(files, cache, &errors, &warnings, cache_file);
  if (errors_out) {
    *errors_out = errors;
  } else {
    EXPECT_TRUE(errors.empty());
  }
  return Describe(rules, warnings);
}

TEST(RuleCacheTest, TheCodeHasAnIdentity) {
  // Without one nothing would be cached and the tests below would prove nothing.
  EXPECT_FALSE(LoadedCodeIdentity().empty());
  EXPECT_EQ(LoadedCodeIdentity(), LoadedCodeIdentity());
}

TEST(RuleCacheTest, WrittenThenReadBackWithoutRewritingAndTheSameAsAParse) {
  TempDir dir;
  RuleFiles files(dir);
  const std::string expected = Parse({files.main});
  ASSERT_NE(expected.find("warning"), std::string::npos);  // the warnings are part of it

  std::string name;
  EXPECT_EQ(ParseCached({files.main}, dir.path() + "/cache", &name), expected);
  ASSERT_NE(name.find(kParsedRulesSuffix), std::string::npos);
  const std::string path = dir.path() + "/cache/" + name;
  const ino_t written = Inode(path);
  ASSERT_NE(written, 0u);

  std::string again;
  EXPECT_EQ(ParseCached({files.main}, dir.path() + "/cache", &again), expected);
  EXPECT_EQ(again, name);
  EXPECT_EQ(Inode(path), written);  // read back, not parsed again and renamed over

  // Another file list has its own cache file; no cache dir, no file.
  std::string other;
  ParseCached({files.included}, dir.path() + "/cache", &other);
  EXPECT_NE(other, name);
  std::string none = "unset";
  EXPECT_EQ(ParseCached({files.main}, "", &none), expected);
  EXPECT_EQ(none, "");
}

TEST(RuleCacheTest, AChangedIncludeOrTopLevelFileIsParsedAgain) {
  TempDir dir;
  RuleFiles files(dir);
  const std::string cache = dir.path() + "/cache";
  std::string name;
  ParseCached({files.main}, cache, &name);
  const std::string path = cache + "/" + name;

  // Same length, one byte changed, in the included file: a description.
  std::string text = ReadAll(files.included);
  text.replace(text.find("description: helper"), 19, "description: helpex");
  std::ofstream(files.included, std::ios::binary | std::ios::trunc) << text;
  ino_t before = Inode(path);
  std::string changed = ParseCached({files.main}, cache);
  EXPECT_EQ(changed, Parse({files.main}));
  EXPECT_NE(changed.find("|helpex|"), std::string::npos);
  EXPECT_NE(Inode(path), before);  // rewritten for the new text

  // The top-level file: a rule's pattern.
  text = ReadAll(files.main);
  text.replace(text.find("pattern: 'x'"), 12, "pattern: 'y'");
  std::ofstream(files.main, std::ios::binary | std::ios::trunc) << text;
  changed = ParseCached({files.main}, cache);
  EXPECT_EQ(changed, Parse({files.main}));
  EXPECT_NE(changed.find("|y|"), std::string::npos);

  // A removed include is an error, not the cached rules.
  std::filesystem::remove(files.included);
  std::vector<Diagnostic> errors;
  ParseCached({files.main}, cache, nullptr, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].ToString().find("words.yaml: cannot open rule file"), std::string::npos);
}

TEST(RuleCacheTest, ABrokenFileIsRefusedWithFileLineAndNeverCached) {
  TempDir dir;
  RuleFiles files(dir);
  const std::string cache = dir.path() + "/cache";
  std::string name;
  ParseCached({files.main}, cache, &name);  // a good version is cached first

  std::string text = ReadAll(files.included);
  text.replace(text.find("target: body"), 12, "target: bdy!");
  std::ofstream(files.included, std::ios::binary | std::ios::trunc) << text;
  for (int round = 0; round < 2; ++round) {
    std::vector<Diagnostic> errors;
    std::string broken_name = "unset";
    ParseCached({files.main}, cache, &broken_name, &errors);
    ASSERT_EQ(errors.size(), 1u) << "round " << round;
    EXPECT_EQ(errors[0].ToString(), files.included + ":4: FREE_GIFT: unknown target 'bdy!'");
    EXPECT_EQ(broken_name, "");  // nothing of it to keep
  }

  // RuleSet::Load says the same, with or without a warm cache.
  LoadOptions options;
  options.cache_dir = cache;
  auto set = RuleSet::Load({files.main}, options, nullptr);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("words.yaml:4: FREE_GIFT: unknown target"),
            std::string::npos);
}

TEST(RuleCacheTest, DamagedCacheFilesAreParsedAgainNotTrusted) {
  TempDir dir;
  RuleFiles files(dir);
  const std::string cache = dir.path() + "/cache";
  const std::string expected = Parse({files.main});
  std::string name;
  ParseCached({files.main}, cache, &name);
  const std::string path = cache + "/" + name;
  const std::string good = ReadAll(path);

  // A score's bytes changed (the body still reads, the checksum no longer matches), a cut
  // file, a changed header, garbage, an empty file.
  std::string changed = good;
  const std::string needle = "NO_DESCRIPTION";
  size_t at = changed.find(needle);
  ASSERT_NE(at, std::string::npos);
  changed[at] = 'M';
  std::string header = good;
  header[header.find(' ') + 1] = '9';  // the format version
  for (const std::string& bad :
       {changed, good.substr(0, good.size() / 2), header, std::string("junk\n"), std::string()}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    const ino_t damaged = Inode(path);
    EXPECT_EQ(ParseCached({files.main}, cache), expected);
    EXPECT_NE(Inode(path), damaged);  // rewritten
    EXPECT_EQ(ReadAll(path), good);
  }
}

TEST(RuleCacheTest, RuleSetLoadKeepsItsParsedFileAndRemovesAStaleOne) {
  TempDir dir;
  RuleFiles files(dir);
  const std::string cache = dir.path() + "/cache";
  std::vector<Diagnostic> cold_warnings, warm_warnings;
  auto cold = testing::MustLoad({files.main}, cache, &cold_warnings);
  auto warm = testing::MustLoad({files.main}, cache, &warm_warnings);
  std::vector<std::string> cold_text, warm_text;
  for (const auto& w : cold_warnings) cold_text.push_back(w.ToString());
  for (const auto& w : warm_warnings) warm_text.push_back(w.ToString());
  EXPECT_EQ(warm_text, cold_text);
  ASSERT_EQ(warm->Rules().size(), cold->Rules().size());
  for (size_t i = 0; i < cold->Rules().size(); ++i) {
    EXPECT_EQ(warm->Rules()[i].id, cold->Rules()[i].id);
    EXPECT_EQ(warm->Rules()[i].expression, cold->Rules()[i].expression);
    EXPECT_EQ(warm->Rules()[i].score, cold->Rules()[i].score);
    EXPECT_EQ(warm->Rules()[i].line, cold->Rules()[i].line);
  }

  auto parsed_files = [&] {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(cache)) {
      std::string name = entry.path().filename().string();
      if (name.size() > 7 && name.ends_with(kParsedRulesSuffix)) out.push_back(name);
    }
    return out;
  };
  auto first = parsed_files();
  ASSERT_EQ(first.size(), 1u);
  // Another file list: its own parsed file, and the first one is stale.
  testing::MustLoad({files.included}, cache);
  auto second = parsed_files();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0], first[0]);
}

}  // namespace
}  // namespace sluice::rules
