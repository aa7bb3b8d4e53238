// pattern_shape_test.cc - which patterns cannot match '\n', and how many bytes other than
// whitespace a match can hold (pattern_shape.h). That excerpts re-matched from the starts
// these allow stay exact: excerpt_test.cc.
#include "filter/rules/pattern_shape.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "filter/rules/pcre_regex.h"

namespace sluice::rules {
namespace {

TEST(PatternShapeTest, PatternsThatCannotMatchANewline) {
  const RuleFlags plain;
  for (const char* pattern :
       {"abc", "a.*b", "[^\\n]*x", "[^\\s<>\"]+@[^\\s<>\"]+", "\\w+\\d*\\S+", "[\\w\\-\\.]{3,}$",
        "^Received: from[^\\n]*(dsl|cable)", "(?:a|b)+(?=c)(?!d)(?<=c)(?<!e)", "[a-z0-9_]+",
        "\\x41+\\x{263A}", "[\\x00-\\x09\\x0b-\\x1f]+", "[^\\x0a]+", "[\\t ]+x", "\\bfoo\\b",
        "[[:alpha:][:digit:]]+", "a\\h+b", "[^[:space:]]+", "\\$\\d+"}) {
    EXPECT_TRUE(CannotMatchByte(pattern, plain, '\n')) << pattern;
  }
  // Each of these can match '\n', or is not read well enough to be sure.
  for (const char* pattern :
       {"a\\s+b", "a\\s*b",  "[^>]*",         "[\\s\\-_#]",   "\\D+",        "\\W",
        "\\v",    "\\R",     "\\N{U+0A}",     "a\\nb",        "[\\n]",       "\\x0a",
        "\\x{a}", "\\012",   "[\\x00-\\x1f]", "[\\t-\\r]",    "\\p{Cc}",     "\\P{L}",
        "\\X",    "\\C",     "(?s)a.b",       "(?x)a b",      "(?i:a)",      "(*UTF)a",
        "(a)\\1", "\\Qa\\E", "[[:space:]]",   "[[:^alpha:]]", "[[:cntrl:]]", "\\H",
        "a\nb",   "[^\\t]",  "[a-",           "\\",           "[\\D]",       "\\cJ"}) {
    EXPECT_FALSE(CannotMatchByte(pattern, plain, '\n')) << pattern;
  }
  RuleFlags dotall;
  dotall.dotall = true;
  EXPECT_FALSE(CannotMatchByte("a.*b", dotall, '\n'));
  EXPECT_TRUE(CannotMatchByte("a[^\\n]*b", dotall, '\n'));
  // PcreRegex carries the answer for its pattern and flags.
  PcreRegex regex;
  ASSERT_TRUE(regex.Compile("x[^\\n]*y", plain, false).ok());
  EXPECT_TRUE(regex.never_holds('\n'));
  EXPECT_FALSE(regex.never_holds('>'));
  EXPECT_FALSE(regex.never_holds('<'));  // only '\n' and '>' are read
  ASSERT_TRUE(regex.Compile("x.*y", dotall, false).ok());
  EXPECT_FALSE(regex.never_holds('\n'));
}

TEST(PatternShapeTest, PatternsThatCannotMatchATagEnd) {
  RuleFlags caseless;
  caseless.caseless = true;
  for (const char* pattern :
       {"<font[^>]*\\bsize\\s*=\\s*[\"\']?(1|-[1-3])\\b", "<img[^>]*\\bsrc\\s*=\\s*https?://",
        "a\\s+b", "[^>\\n]+", "\\w+\\d\\h\\v", "[[:alnum:][:space:]]", "[^[:punct:]]", "[!-=?-~]",
        "\\x3d\\x{3f}"}) {
    EXPECT_TRUE(CannotMatchByte(pattern, caseless, '>')) << pattern;
  }
  for (const char* pattern :
       {"a.b", "[^<]*", "\\S", "\\W", "\\D", "\\H", "\\V", "[[:punct:]]", "[[:graph:]]", "[!-~]",
        "a>b", "\\>", "\\x3e", "[\\x3e]", "[=-?]", "[[:^alpha:]]", "[[:nonsense:]]"}) {
    EXPECT_FALSE(CannotMatchByte(pattern, caseless, '>')) << pattern;
  }
  // Letters, digits and metacharacters are not read.
  EXPECT_FALSE(CannotMatchByte("abc", caseless, 'z'));
  EXPECT_FALSE(CannotMatchByte("abc", caseless, '7'));
  EXPECT_FALSE(CannotMatchByte("abc", caseless, '$'));
}

TEST(PatternShapeTest, MaxNonSpaceBytesCountsFourBytesACharacterAndNothingForWhitespace) {
  const RuleFlags utf8;  // the default: a character may take up to 4 bytes
  RuleFlags bytes;
  bytes.utf8 = false;
  EXPECT_EQ(MaxNonSpaceBytes("mailing\\s+list", utf8), 44u);
  EXPECT_EQ(MaxNonSpaceBytes("mailing\\s+list", bytes), 11u);
  EXPECT_EQ(MaxNonSpaceBytes("a\\s*b|xyz", bytes), 3u);
  EXPECT_EQ(MaxNonSpaceBytes("(a|bc)\\s+d", bytes), 3u);
  EXPECT_EQ(MaxNonSpaceBytes("(?:ab){2,3}[ \\t]+y?", bytes), 7u);
  EXPECT_EQ(MaxNonSpaceBytes("x{2,5}\\s{3,}", bytes), 5u);
  EXPECT_EQ(MaxNonSpaceBytes("\\bto\\b\\s+(be\\s+)?removed", bytes), 11u);
  EXPECT_EQ(MaxNonSpaceBytes("^a \\t\\x20b$", bytes), 2u);
  EXPECT_EQ(MaxNonSpaceBytes("\u0436\\s+", bytes), 2u);  // two bytes, two characters
  EXPECT_EQ(MaxNonSpaceBytes("\u0436\\s+", utf8), 4u);
  EXPECT_EQ(MaxNonSpaceBytes("[\\s]+[^\\s]", utf8), 4u);
  EXPECT_EQ(MaxNonSpaceBytes(".?\\d\\w[a-z]", bytes), 4u);
  // Unbounded, or not read: the old window stays.
  for (const char* pattern :
       {"a+", "x{2,}", "[\\s\\-]+", "a\\S+", "(?=a)b", "(?i)ab", "(a)\\1", "a\\p{L}", "a{,3}",
        "a\\v+", "[^a]+", "(ab", "ab)", "*a", "a{99999999}", "a\\h+b"}) {
    EXPECT_EQ(MaxNonSpaceBytes(pattern, bytes), UINT32_MAX) << pattern;
  }
  RuleFlags ucp;
  ucp.ucp = true;  // \s then takes Unicode spaces, whose bytes are not ASCII whitespace
  EXPECT_EQ(MaxNonSpaceBytes("a\\s+b", ucp), UINT32_MAX);
  PcreRegex regex;
  ASSERT_TRUE(regex.Compile("list\\s+archives?", bytes, false).ok());
  EXPECT_EQ(regex.max_non_space_bytes(), 12u);
}

}  // namespace
}  // namespace sluice::rules
