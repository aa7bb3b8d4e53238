// verdict_test.cc - thresholds, the Bayes contribution and verdict completion.
#include "filter/verdict/verdict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace sluice {
namespace {

Thresholds Default() { return Thresholds{{{5.0, Action::kAddHeader}, {10.0, Action::kReject}}}; }

TEST(VerdictTest, ActionNamesRoundTrip) {
  for (Action a : {Action::kAccept, Action::kAddHeader, Action::kRewriteSubject,
                   Action::kQuarantine, Action::kTempfail, Action::kReject, Action::kDiscard}) {
    auto parsed = ParseAction(ActionName(a));
    ASSERT_TRUE(parsed.has_value()) << ActionName(a);
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_FALSE(ParseAction("bounce").has_value());
}

TEST(VerdictTest, BayesScoreIsSymmetricAroundUnsure) {
  EXPECT_DOUBLE_EQ(BayesScore(1.0, 8), 8);
  EXPECT_DOUBLE_EQ(BayesScore(0.0, 8), -8);
  EXPECT_DOUBLE_EQ(BayesScore(0.5, 8), 0);
  EXPECT_DOUBLE_EQ(BayesScore(0.75, 4), 2);
  EXPECT_DOUBLE_EQ(BayesScore(7.0, 8), 8);  // clamped
}

TEST(VerdictTest, FinalizeSumsRulesAndBayesAndSortsHits) {
  Verdict v;
  v.hits.push_back({"SMALL", 0.5, "body", "x", 1});
  v.hits.push_back({"NEGATIVE", -3, "header:From", "y", 1});
  v.hits.push_back({"BIG", 4, "subject", "z", 2});
  v.bayes.available = true;
  v.bayes.score = 6;
  FinalizeVerdict(Default(), &v);
  EXPECT_DOUBLE_EQ(v.score, 7.5);
  EXPECT_EQ(v.action, Action::kAddHeader);
  ASSERT_EQ(v.hits.size(), 3u);
  EXPECT_EQ(v.hits[0].id, "BIG");
  EXPECT_EQ(v.hits[1].id, "NEGATIVE");
  EXPECT_EQ(v.hits[2].id, "SMALL");
}

// The hit order is part of the output (JSON, score log): strongest |score| first, ties in
// the order the rules reported them. Checked against std::stable_sort for few hits (the
// insertion sort) and many (the fallback), with many ties and mixed signs.
TEST(VerdictTest, HitOrderIsStableByDescendingMagnitude) {
  for (size_t n : {0, 1, 2, 7, 40, 64, 65, 300}) {
    Verdict v;
    uint32_t seed = 12345 + static_cast<uint32_t>(n);
    for (size_t i = 0; i < n; ++i) {
      seed = seed * 1103515245u + 12345u;
      const double magnitude = static_cast<double>((seed >> 16) % 5);  // many ties
      const double score = (seed >> 8) % 2 ? magnitude : -magnitude;
      v.hits.push_back({"R" + std::to_string(i), score, "body", "", 1});
    }
    std::vector<RuleHit> expected = v.hits;
    std::stable_sort(expected.begin(), expected.end(), [](const RuleHit& a, const RuleHit& b) {
      return std::fabs(a.score) > std::fabs(b.score);
    });
    FinalizeVerdict(Default(), &v);
    ASSERT_EQ(v.hits.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(v.hits[i].id, expected[i].id) << "n=" << n << " i=" << i;
    }
  }
}

TEST(VerdictTest, UnavailableBayesContributesNothing) {
  Verdict v;
  v.hits.push_back({"R", 11, "body", "", 1});
  v.bayes.available = false;
  v.bayes.score = -8;  // stale value must be ignored
  FinalizeVerdict(Default(), &v);
  EXPECT_DOUBLE_EQ(v.score, 11);
  EXPECT_EQ(v.action, Action::kReject);
}

TEST(VerdictTest, ThresholdEdges) {
  const Thresholds t = Default();
  EXPECT_EQ(t.ActionFor(-100), Action::kAccept);
  EXPECT_EQ(t.ActionFor(4.999), Action::kAccept);
  EXPECT_EQ(t.ActionFor(5), Action::kAddHeader);
  EXPECT_EQ(t.ActionFor(10), Action::kReject);
  EXPECT_DOUBLE_EQ(t.SpamThreshold(), 5);
  EXPECT_TRUE(std::isinf(Thresholds{}.SpamThreshold()));
}

}  // namespace
}  // namespace sluice
