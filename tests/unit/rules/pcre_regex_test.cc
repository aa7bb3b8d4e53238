// pcre_regex_test.cc - PcreRegex::Find and Count with the per-thread match data: only the
// whole match is kept, so patterns with more groups than the one ovector pair must still
// report their whole match, and threads must not see each other's offsets. The JIT code is
// compiled at the first match, once, whichever thread gets there first.
#include "filter/rules/pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <gtest/gtest.h>
#include <pcre2.h>

#include <atomic>
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

bool PcreHasJit() {
  uint32_t jit = 0;
  return pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit == 1;
}

TEST(PcreRegexTest, JitCodeAppearsWithTheFirstMatchNotAtCompile) {
  if (!PcreHasJit()) GTEST_SKIP() << "PCRE2 built without JIT";
  PcreRegex lazy = MustCompile(R"(gift\s+certificate)", true);
  EXPECT_FALSE(lazy.jit_compiled());
  EXPECT_FALSE(lazy.Find("nothing here", 0).has_value());  // a match attempt, even a failed one
  EXPECT_TRUE(lazy.jit_compiled());
  EXPECT_TRUE(lazy.Find("a GIFT  Certificate", 0).has_value());

  PcreRegex counted = MustCompile("free", true);
  EXPECT_FALSE(counted.jit_compiled());
  EXPECT_EQ(counted.Count("free FREE", 5), 2u);
  EXPECT_TRUE(counted.jit_compiled());

  PcreRegex interpreted;
  ASSERT_TRUE(interpreted.Compile("free", RuleFlags{}, /*jit=*/false).ok());
  EXPECT_EQ(interpreted.Count("free free", 5), 2u);
  EXPECT_FALSE(interpreted.jit_compiled());
}

TEST(PcreRegexTest, FirstMatchesFromManyThreadsAtOnceAgree) {
  // Every thread's first call races to compile the JIT code: one compiles, the others wait,
  // and all see the same matches as afterwards (TSan checks the hand-over in `make tsan`'s
  // reload test, which scans fresh rule sets from several threads).
  for (int round = 0; round < 20; ++round) {
    PcreRegex money = MustCompile(R"(\$\s?\d{1,3}(,\d{3})+)");
    std::atomic<bool> go{false};
    std::vector<int> wrong(8, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 50; ++i) {
          auto found = money.Find("win $1,000,000 now", 0);
          if (!found || found->first != 4 || found->second != 14) ++wrong[t];
          if (money.Count("$1,000 and $2,000,000", 10) != 2) ++wrong[t];
        }
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "round " << round << " thread " << t;
    if (PcreHasJit()) {
      EXPECT_TRUE(money.jit_compiled());
    }
  }
}

}  // namespace
}  // namespace sluice::rules
