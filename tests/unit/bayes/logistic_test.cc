// logistic_test.cc - the logistic learner, its cross-validation and character n-grams.
#include "filter/bayes/logistic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "filter/bayes/char_ngrams.h"
#include "filter/bayes/cross_validate.h"
#include "filter/bayes/metrics.h"

namespace sluice::bayes {
namespace {

// Spam carries feature 1 plus noise, ham feature 2 plus noise; the noise is shared.
std::vector<LabelledTokens> ToyMessages(size_t n) {
  std::vector<LabelledTokens> messages;
  for (size_t i = 0; i < n; ++i) {
    LabelledTokens m;
    m.spam = i % 2 == 0;
    m.hashes = {m.spam ? 0x1111'0000'0000'0001ULL : 0x2222'0000'0000'0002ULL,
                0x9999'0000'0000'0000ULL + i % 7, 0x7777'0000'0000'0000ULL + i % 5};
    messages.push_back(m);
  }
  return messages;
}

// (1-AUC)% of a 5-fold cross-validation with the default options.
double FiveFoldOneMinusAuc(const std::vector<LabelledTokens>& messages, LogisticFeatures features) {
  const auto scored = CrossValidateLogistic(messages, 5, LogisticOptions{}, features);
  return Evaluate(scored, 0).one_minus_auc_percent;
}

TEST(LogisticTest, SeparableToyDataConverges) {
  LogisticOptions options;
  options.tone_margin = 1e9;  // learn every message
  LogisticModel model(options);
  const auto messages = ToyMessages(200);
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (const auto& m : messages) model.Learn(m.hashes, m.spam);
  }
  for (const auto& m : messages) {
    const double p = LogisticModel::Probability(model.Margin(m.hashes));
    if (m.spam) {
      EXPECT_GT(p, 0.9);
    } else {
      EXPECT_LT(p, 0.1);
    }
  }
  EXPECT_EQ(model.updates(), 1000u);
}

TEST(LogisticTest, TrainsOnlyOnOrNearError) {
  LogisticOptions options;
  options.tone_margin = 0.5;
  options.rate = 1;
  LogisticModel model(options);
  const std::vector<uint64_t> spam = {1, 2, 3};
  EXPECT_TRUE(model.Learn(spam, true));  // margin 0 < 0.5: learns
  size_t steps = 1;
  while (model.Margin(spam) < 0.5 && steps < 100) {
    EXPECT_TRUE(model.Learn(spam, true));
    ++steps;
  }
  const double margin = model.Margin(spam);
  EXPECT_GE(margin, 0.5);
  // Right by the margin now: nothing more is learned, the weights stay.
  EXPECT_FALSE(model.Learn(spam, true));
  EXPECT_EQ(model.Margin(spam), margin);
  EXPECT_EQ(model.updates(), steps);
  // The other class on the same features is an error: learned.
  EXPECT_TRUE(model.Learn(spam, false));
  EXPECT_LT(model.Margin(spam), margin);
}

TEST(LogisticTest, NormalizedLengthDoesNotScaleTheMargin) {
  LogisticOptions options;
  options.tone_margin = 1e9;
  LogisticModel model(options);
  std::vector<uint64_t> few = {10, 11}, many;
  for (uint64_t f = 100; f < 400; ++f) many.push_back(f);
  model.Learn(few, true);
  model.Learn(many, true);
  // Each step moved its message's margin by rate * (1 - p) whatever its length: n weights
  // of step / sqrt(n) each, summed and divided by sqrt(n) again.
  EXPECT_NEAR(model.Margin(few) - model.Margin({}), model.Margin(many) - model.Margin({}), 0.02);
}

TEST(LogisticTest, CrossValidationScoresEveryMessageOutOfFold) {
  auto messages = ToyMessages(100);
  LogisticOptions options;
  auto scored = CrossValidateLogistic(messages, 5, options, LogisticFeatures::kTokens);
  ASSERT_EQ(scored.size(), messages.size());
  const Metrics m = Evaluate(scored, 0);
  EXPECT_EQ(m.one_minus_auc_percent, 0);
  EXPECT_EQ(m.fp_percent, 0);
  EXPECT_EQ(m.fn_percent, 0);
  // A fixed hold-out: fold 1 only trains, fold 0 is scored by it alone.
  for (size_t i = 0; i < messages.size(); ++i) messages[i].fold = i < 60 ? 1 : 0;
  // Flip the labels of the training part: the hold-out must then rank backwards.
  for (size_t i = 0; i < 60; ++i) messages[i].spam = !messages[i].spam;
  scored = CrossValidateLogistic(messages, 1, options, LogisticFeatures::kTokens);
  size_t wrong = 0;
  for (size_t i = 60; i < messages.size(); ++i) wrong += (scored[i].score > 0) != scored[i].spam;
  EXPECT_EQ(wrong, 40u);
}

TEST(LogisticTest, FeatureSetsAreSeparateInputs) {
  auto messages = ToyMessages(60);
  // n-grams that carry no class information: n-gram-only cv cannot rank.
  for (auto& m : messages) m.ngrams = {42, 43};
  EXPECT_GE(FiveFoldOneMinusAuc(messages, LogisticFeatures::kNgrams), 40);
  EXPECT_EQ(FiveFoldOneMinusAuc(messages, LogisticFeatures::kBoth), 0);
}

TEST(LogisticTest, ContentTokensLeaveTheDeliveryPathOut) {
  auto messages = ToyMessages(60);
  // The class marker (first token) comes from a Received header; the noise is content.
  for (auto& m : messages) m.families = {kReceivedPath, kContent, kContent};
  EXPECT_GE(FiveFoldOneMinusAuc(messages, LogisticFeatures::kContentTokens), 20);
  EXPECT_EQ(FiveFoldOneMinusAuc(messages, LogisticFeatures::kTokens), 0);
}

TEST(LogisticTest, SelectedTokensAreTheOnlyInput) {
  auto messages = ToyMessages(60);
  // The caller dropped the class marker (first token): only the noise is selected.
  for (auto& m : messages) m.selected.assign(m.hashes.begin() + 1, m.hashes.end());
  EXPECT_GE(FiveFoldOneMinusAuc(messages, LogisticFeatures::kSelectedTokens), 20);
  for (auto& m : messages) m.selected = m.hashes;
  EXPECT_EQ(FiveFoldOneMinusAuc(messages, LogisticFeatures::kSelectedTokens), 0);
}

TEST(CharNgramsTest, DistinctCaseFoldedAndBounded) {
  std::vector<uint64_t> a, b, c;
  CharNgramOptions options;  // 4-grams of the first 3000 bytes
  CharNgrams("abcdabcd", options, &a);
  EXPECT_EQ(a.size(), 4u);  // abcd bcda cdab dabc (abcd twice)
  CharNgrams("ABCDabcd", options, &b);
  EXPECT_EQ(a, b);
  CharNgrams("abc", options, &c);
  EXPECT_TRUE(c.empty());
  options.min_n = 3;
  options.max_n = 5;
  CharNgrams("abcdef", options, &c);
  EXPECT_EQ(c.size(), 4u + 3u + 2u);
  options.max_bytes = 4;
  CharNgrams("abcdef", options, &c);
  EXPECT_EQ(c.size(), 2u + 1u);  // abc bcd, abcd
}

}  // namespace
}  // namespace sluice::bayes
