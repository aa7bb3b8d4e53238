// pcre_regex_test.cc - PcreRegex::Find and Count with the per-thread match data: only the
// whole match is kept, so patterns with more groups than the one ovector pair must still
// report their whole match, and threads must not see each other's offsets.
#include "filter/rules/pcre_regex.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace sluice::rules {
namespace {

PcreRegex MustCompile(const std::string& pattern, bool caseless = false) {
  PcreRegex regex;
  RuleFlags flags;
  flags.caseless = caseless;
  EXPECT_TRUE(regex.Compile(pattern, flags, true).ok()) << pattern;
  return regex;
}

TEST(PcreRegexTest, FindReportsTheWholeMatchOfAPatternWithGroups) {
  PcreRegex money = MustCompile(R"(\$\s?(\d{1,3})((,\d{3})+))");
  auto found = money.Find("win $1,000,000 now", 0);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->first, 4u);
  EXPECT_EQ(found->second, 14u);
  EXPECT_FALSE(money.Find("win $1,000,000 now", 5).has_value());
  EXPECT_FALSE(money.Find("no money", 0).has_value());
}

TEST(PcreRegexTest, CountWithGroupsAndALimit) {
  PcreRegex word = MustCompile(R"((f)(r)(e)(e))", true);
  EXPECT_EQ(word.Count("free FREE Free fre", 10), 3u);
  EXPECT_EQ(word.Count("free FREE Free fre", 2), 2u);
  EXPECT_EQ(word.Count("", 10), 0u);
}

TEST(PcreRegexTest, ThreadsKeepTheirOwnOffsets) {
  PcreRegex digits = MustCompile(R"((\d+)-(\d+))");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string text = std::string(static_cast<size_t>(t) * 7, 'x') + "12-34 tail";
      for (int i = 0; i < 2000; ++i) {
        auto found = digits.Find(text, 0);
        if (!found || found->first != static_cast<size_t>(t) * 7 ||
            found->second != static_cast<size_t>(t) * 7 + 5) {
          ++wrong[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace sluice::rules
