// rule_file_test.cc - reading rule files: errors with file:line, includes, overrides.
#include <gtest/gtest.h>

#include "filter/rules/rule_file.h"
#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::MustLoad;
using testing::TempDir;

std::string LoadError(const TempDir& dir, const std::string& text) {
  std::string file = dir.Write("broken.yaml", text);
  std::vector<Diagnostic> warnings;
  auto result = RuleSet::Load({file}, {}, &warnings);
  EXPECT_FALSE(result.ok()) << text;
  return result.ok() ? "" : result.status().message();
}

TEST(RuleFileTest, BrokenFilesAreRefusedWithFileLineAndId) {
  TempDir dir;
  const std::string file = dir.path() + "/broken.yaml";
  EXPECT_EQ(LoadError(dir,
                      "rules:\n"
                      "  - id: GOOD\n"
                      "    description: fine\n"
                      "    target: body\n"
                      "    pattern: 'ok'\n"
                      "  - id: BAD_TARGET\n"
                      "    description: x\n"
                      "    target: bodyy\n"
                      "    pattern: 'x'\n"),
            file + ":8: BAD_TARGET: unknown target 'bodyy'");
  EXPECT_EQ(LoadError(dir,
                      "rules:\n"
                      "  - id: BACKREF_BROKEN\n"
                      "    description: x\n"
                      "    target: subject\n"
                      "    pattern: '(unclosed'\n"),
            file +
                ":2: BACKREF_BROKEN: bad pattern: Missing close parenthesis for group started at "
                "index 0.; PCRE2: missing closing parenthesis at offset 9");
  EXPECT_EQ(LoadError(dir,
                      "rules:\n"
                      "  - id: EMPTY_MATCH\n"
                      "    description: x\n"
                      "    target: body\n"
                      "    pattern: 'a*'\n"),
            file + ":2: EMPTY_MATCH: bad pattern: pattern can match the empty string");
  EXPECT_EQ(LoadError(dir,
                      "rules:\n"
                      "  - id: M\n"
                      "    description: x\n"
                      "    meta: 'A &&'\n"),
            file + ":2: M: meta expression, column 5: expression ends too early");
  EXPECT_EQ(LoadError(dir,
                      "rules:\n  - id: X\n    description: x\n    target: body\n"
                      "    pattern: x\n    scor: 1\n"),
            file + ":6: X: unknown key 'scor'");
  EXPECT_EQ(LoadError(dir, "rules:\n  - id: X\n    target: body\n    pattern: x\n    words: [x]\n"),
            file + ":2: X: exactly one of pattern, words or meta is needed");
  EXPECT_EQ(
      LoadError(dir, "rules:\n  - id: X\n    target: body\n    pattern: x\n    score: lots\n"),
      file + ":5: X: score: expected a number");
  EXPECT_EQ(LoadError(dir, "rules:\n  - id: bad-id\n    target: body\n    pattern: x\n"),
            file + ":2: bad-id: bad rule id (use A-Z, 0-9, _)");
  // YAML syntax errors carry the line too (yaml-cpp's mark).
  EXPECT_EQ(LoadError(dir, "rules:\n  - id: X\n    pattern: [unclosed\n").rfind(file + ":", 0), 0u);
  EXPECT_EQ(LoadError(dir,
                      "rules:\n  - id: A\n    description: a\n    meta: B\n"
                      "  - id: B\n    description: b\n    meta: A\n"),
            file + ":2: A: meta rules refer to each other in a cycle");
}

TEST(RuleFileTest, EveryErrorIsListedOnItsOwnLine) {
  TempDir dir;
  std::string message = LoadError(dir,
                                  "rules:\n"
                                  "  - id: A\n    target: nowhere\n    pattern: x\n"
                                  "  - id: B\n    target: body\n    pattern: 'a*'\n");
  EXPECT_NE(message.find("broken.yaml:3: A:"), std::string::npos) << message;
  EXPECT_NE(message.find("\n"), std::string::npos) << message;
  EXPECT_NE(message.find("broken.yaml:5: B:"), std::string::npos) << message;
}

TEST(RuleFileTest, IncludesOverridesAndDisable) {
  TempDir dir;
  dir.Write("base.yaml",
            "rules:\n"
            "  - id: FREE\n    description: free\n    target: body\n    words: [free]\n"
            "    score: 1\n"
            "  - id: GIFT\n    description: gift\n    target: body\n    words: [gift]\n"
            "    score: 2\n"
            "  - id: CHEAP\n    description: cheap\n    target: body\n    words: [cheap]\n"
            "    score: 3\n");
  std::string main = dir.Write("main.yaml", "include: [base.yaml]\n");
  std::string local = dir.Write("local.yaml",
                                "scores:\n  FREE: 4.5\n"
                                "disable: [CHEAP]\n"
                                "rules:\n  - id: GIFT\n    score: -1\n");
  auto set = MustLoad({main, local});
  EXPECT_EQ(set->rule_count(), 2u);
  testing::MessageBuilder builder;
  builder.Body("a free gift, cheap");
  std::vector<RuleHit> hits;
  set->Scan(builder.message(), &hits);
  ASSERT_NE(testing::FindHit(hits, "FREE"), nullptr);
  EXPECT_EQ(testing::FindHit(hits, "FREE")->score, 4.5);
  ASSERT_NE(testing::FindHit(hits, "GIFT"), nullptr);
  EXPECT_EQ(testing::FindHit(hits, "GIFT")->score, -1);
  EXPECT_EQ(testing::FindHit(hits, "CHEAP"), nullptr);
}

TEST(RuleFileTest, WarningsForDuplicatesUnknownIdsAndUnreachableRules) {
  TempDir dir;
  std::string file = dir.Write("w.yaml",
                               "rules:\n"
                               "  - id: A\n    description: a\n    target: body\n    words: [a]\n"
                               "    score: 1\n"
                               "  - id: A\n    description: a again\n    target: body\n"
                               "    words: [aa]\n    score: 1\n"
                               "  - id: Z\n    description: zero\n    target: body\n"
                               "    words: [z]\n"
                               "  - id: M\n    description: m\n    meta: 'A && NOPE'\n"
                               "    score: 1\n"
                               "scores:\n  GHOST: 1\n");
  std::vector<Diagnostic> warnings;
  auto set = MustLoad({file}, "", &warnings);
  std::string all;
  for (const auto& w : warnings) all += w.ToString() + "\n";
  EXPECT_NE(all.find(file + ":7: A: duplicate rule id"), std::string::npos) << all;
  EXPECT_NE(all.find(file + ":16: M: meta rule names unknown rule NOPE"), std::string::npos) << all;
  EXPECT_NE(all.find(file + ":12: Z: unreachable"), std::string::npos) << all;
  EXPECT_NE(all.find("GHOST: score override for an unknown rule"), std::string::npos) << all;
  EXPECT_EQ(set->rule_count(), 3u);  // the second A replaced the first
}

TEST(RuleFileTest, IncludeCycleIsAnError) {
  TempDir dir;
  std::string a = dir.Write("a.yaml", "include: [b.yaml]\n");
  dir.Write("b.yaml", "include: [a.yaml]\n");
  auto result = RuleSet::Load({a}, {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("include cycle"), std::string::npos);
}

TEST(RuleFileTest, MissingFileIsAnError) {
  auto result = RuleSet::Load({"/nonexistent/rules.yaml"}, {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "/nonexistent/rules.yaml: cannot open rule file");
}

TEST(RuleFileTest, WordsPatternHandlesSpacesYoAndPunctuation) {
  const std::string boundary =
      "[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\x7f\\x{a0}\\x{ab}\\x{bb}\\x{2000}-\\x{206f}"
      "\\x{3000}]";
  EXPECT_EQ(
      WordsToPattern({"gift card", "всё", "a.b"}),
      "(?:\\A|" + boundary + ")(?:gift[\\s\\x{a0}]+card|вс[её]|a\\.b)(?:" + boundary + "|\\z)");
}

}  // namespace
}  // namespace sluice::rules
