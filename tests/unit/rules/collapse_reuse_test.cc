// collapse_reuse_test.cc - `words` rules over body and rawbody share one collapsed copy when
// the two texts are the same (plain text), and each sees its own text when they differ.
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

std::shared_ptr<const RuleSet> BodyAndRawbodyWords() {
  static TempDir dir;
  return MustLoad({dir.Write("r.yaml",
                             "rules:\n"
                             "  - id: BODY_GIFT\n    description: t\n    target: body\n"
                             "    words: ['gift card']\n    score: 1\n"
                             "  - id: RAW_GIFT\n    description: t\n    target: rawbody\n"
                             "    words: ['gift card']\n    score: 1\n"
                             "  - id: RAW_TAG\n    description: t\n    target: rawbody\n"
                             "    words: ['font color']\n    score: 1\n")});
}

TEST(CollapseReuseTest, SameTextHitsBothTargets) {
  auto set = BodyAndRawbodyWords();
  MessageBuilder b;
  b.Body("a free gift\n\n  card today");  // raw_text = visible_text
  std::vector<RuleHit> hits;
  set->Scan(b.message(), &hits);
  ASSERT_NE(FindHit(hits, "BODY_GIFT"), nullptr);
  ASSERT_NE(FindHit(hits, "RAW_GIFT"), nullptr);
  EXPECT_EQ(FindHit(hits, "RAW_GIFT")->matched, "gift card");
  EXPECT_EQ(FindHit(hits, "RAW_TAG"), nullptr);
}

TEST(CollapseReuseTest, DifferentTextsAreCollapsedEachOnTheirOwn) {
  auto set = BodyAndRawbodyWords();
  for (int order = 0; order < 2; ++order) {  // the same set again: no stale collapsed copy
    MessageBuilder b;
    b.Body("a free gift\tcard today", "<font  color=red>a free gift</font> card");
    std::vector<RuleHit> hits;
    set->Scan(b.message(), &hits);
    EXPECT_NE(FindHit(hits, "BODY_GIFT"), nullptr);
    EXPECT_EQ(FindHit(hits, "RAW_GIFT"), nullptr);
    ASSERT_NE(FindHit(hits, "RAW_TAG"), nullptr);
    EXPECT_EQ(FindHit(hits, "RAW_TAG")->matched, "font color");
    MessageBuilder c;
    c.Body("nothing here", "a gift   card in the raw text");
    hits.clear();
    set->Scan(c.message(), &hits);
    EXPECT_EQ(FindHit(hits, "BODY_GIFT"), nullptr);
    EXPECT_NE(FindHit(hits, "RAW_GIFT"), nullptr);
  }
}

}  // namespace
}  // namespace sluice::rules
