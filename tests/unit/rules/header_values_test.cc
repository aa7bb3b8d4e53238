// header_values_test.cc - the one-walk header index: names match ASCII case-insensitively,
// names of equal length stay apart, values keep message order, and each header target's
// text is joined exactly as before (To then Cc, one value per line), never across targets.
#include "filter/rules/header_values.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::FindHit;
using testing::MessageBuilder;
using testing::MustLoad;
using testing::TempDir;

TEST(HeaderValuesTest, CollectsEveryNameInOneWalk) {
  HeaderValueIndex index;
  uint32_t to = index.Add("To");
  uint32_t cc = index.Add("cc");
  uint32_t from = index.Add("From");
  uint32_t date = index.Add("DATE");
  uint32_t mailer = index.Add("X-Mailer");
  EXPECT_EQ(index.Add("to"), to);  // the same name in another case: the same slot
  EXPECT_EQ(index.size(), 5u);
  MessageBuilder b;
  b.Header("Cc", "c1").Header("TO", "t1").Header("Date", "d").Header("to", "").Header("CC", "c2");
  b.Header("Received", "r").Header("x-MAILER", "m").Header("Tx", "no");
  std::vector<std::vector<std::string_view>> values;
  index.Collect(b.message(), &values);
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[to], (std::vector<std::string_view>{"t1", ""}));
  EXPECT_EQ(values[cc], (std::vector<std::string_view>{"c1", "c2"}));
  EXPECT_TRUE(values[from].empty());
  EXPECT_EQ(values[date], (std::vector<std::string_view>{"d"}));
  EXPECT_EQ(values[mailer], (std::vector<std::string_view>{"m"}));
  std::string joined;
  JoinValues(values[to], &joined);
  JoinValues(values[cc], &joined);
  EXPECT_EQ(joined, "t1\n\nc1\nc2");
  joined.clear();
  JoinValues({"", "x", ""}, &joined);  // an empty first value adds no line
  EXPECT_EQ(joined, "x\n");
}

TEST(HeaderValuesTest, HeaderTargetsSeeTheirOwnTextOnly) {
  auto rule = [](const std::string& id, const std::string& target, const std::string& pattern) {
    return "  - id: " + id + "\n    description: t\n    target: " + target + "\n    pattern: '" +
           pattern + "'\n    score: 1\n";
  };
  TempDir dir;
  auto set = MustLoad(
      {dir.Write("r.yaml", "rules:\n" + rule("TO_THEN_CC", "to", "\\Abob@x\\nann@y\\z") +
                               rule("SUBJ_END", "subject", "win\\z") +
                               rule("ACROSS", "subject", "win\\s*alice") +  // Subject then From
                               rule("FROM_START", "from", "\\Aalice") +
                               rule("MAILER_BOTH", "header:X-Mailer", "\\Aone\\ntwo\\z") +
                               rule("MAILER_ACROSS", "header:x-mailer", "two\\s*CC"))});
  MessageBuilder b;
  b.Header("Cc", "ann@y").Header("Subject", "big win").Header("From", "alice");
  b.Header("x-mailer", "one").Header("To", "bob@x").Header("X-MAILER", "two");
  std::vector<RuleHit> hits;
  set->Scan(b.message(), &hits);
  EXPECT_NE(FindHit(hits, "TO_THEN_CC"), nullptr);
  EXPECT_NE(FindHit(hits, "SUBJ_END"), nullptr);
  EXPECT_EQ(FindHit(hits, "ACROSS"), nullptr);
  EXPECT_NE(FindHit(hits, "FROM_START"), nullptr);
  EXPECT_NE(FindHit(hits, "MAILER_BOTH"), nullptr);
  EXPECT_EQ(FindHit(hits, "MAILER_ACROSS"), nullptr);
  // A message without those headers: nothing, and nothing left over from the last one.
  MessageBuilder empty;
  empty.Header("Subject", "hello");
  hits.clear();
  set->Scan(empty.message(), &hits);
  EXPECT_TRUE(hits.empty());
}

}  // namespace
}  // namespace sluice::rules
