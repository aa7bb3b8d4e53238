// newline_free_test.cc - which patterns cannot match '\n' (newline_free.h). That the
// excerpts of such patterns, re-matched from a line start, stay exact: excerpt_test.cc.
#include "filter/rules/newline_free.h"

#include <gtest/gtest.h>

#include "filter/rules/pcre_regex.h"

namespace sluice::rules {
namespace {

TEST(NewlineFreeTest, PatternsThatCannotMatchANewline) {
  const RuleFlags plain;
  for (const char* pattern :
       {"abc", "a.*b", "[^\\n]*x", "[^\\s<>\"]+@[^\\s<>\"]+", "\\w+\\d*\\S+", "[\\w\\-\\.]{3,}$",
        "^Received: from[^\\n]*(dsl|cable)", "(?:a|b)+(?=c)(?!d)(?<=c)(?<!e)", "[a-z0-9_]+",
        "\\x41+\\x{263A}", "[\\x00-\\x09\\x0b-\\x1f]+", "[^\\x0a]+", "[\\t ]+x", "\\bfoo\\b",
        "[[:alpha:][:digit:]]+", "a\\h+b", "[^[:space:]]+", "\\$\\d+"}) {
    EXPECT_TRUE(CannotMatchNewline(pattern, plain)) << pattern;
  }
  // Each of these can match '\n', or is not read well enough to be sure.
  for (const char* pattern :
       {"a\\s+b", "a\\s*b",  "[^>]*",         "[\\s\\-_#]",   "\\D+",        "\\W",
        "\\v",    "\\R",     "\\N{U+0A}",     "a\\nb",        "[\\n]",       "\\x0a",
        "\\x{a}", "\\012",   "[\\x00-\\x1f]", "[\\t-\\r]",    "\\p{Cc}",     "\\P{L}",
        "\\X",    "\\C",     "(?s)a.b",       "(?x)a b",      "(?i:a)",      "(*UTF)a",
        "(a)\\1", "\\Qa\\E", "[[:space:]]",   "[[:^alpha:]]", "[[:cntrl:]]", "\\H",
        "a\nb",   "[^\\t]",  "[a-",           "\\",           "[\\D]",       "\\cJ"}) {
    EXPECT_FALSE(CannotMatchNewline(pattern, plain)) << pattern;
  }
  RuleFlags dotall;
  dotall.dotall = true;
  EXPECT_FALSE(CannotMatchNewline("a.*b", dotall));
  EXPECT_TRUE(CannotMatchNewline("a[^\\n]*b", dotall));
  // PcreRegex carries the answer for its pattern and flags.
  PcreRegex regex;
  ASSERT_TRUE(regex.Compile("x[^\\n]*y", plain, false).ok());
  EXPECT_TRUE(regex.matches_within_a_line());
  ASSERT_TRUE(regex.Compile("x.*y", dotall, false).ok());
  EXPECT_FALSE(regex.matches_within_a_line());
}

}  // namespace
}  // namespace sluice::rules
