// classifier_test.cc - Robinson smoothing, the chi-square tail and combining, and metrics.
#include "filter/bayes/classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "filter/bayes/cross_validate.h"
#include "filter/bayes/metrics.h"
#include "filter/bayes/tokenizer.h"

namespace sluice::bayes {
namespace {

TEST(ClassifierTest, TokenProbabilityFollowsRobinson) {
  const ModelTotals totals{100, 100};
  ClassifierOptions options;
  options.strength = 0.45;
  EXPECT_DOUBLE_EQ(TokenProbability({0, 0, 0}, totals, options), 0.5);
  // 10 spam, 0 ham: p = 1, n = 10 -> (0.45 * 0.5 + 10) / 10.45
  EXPECT_NEAR(TokenProbability({10, 0, 0}, totals, options), (0.225 + 10) / 10.45, 1e-12);
  EXPECT_NEAR(TokenProbability({0, 10, 0}, totals, options), 0.225 / 10.45, 1e-12);
  // Ratios, not raw counts: 10 of 100 spam vs 20 of 400 ham.
  EXPECT_GT(TokenProbability({10, 20, 0}, {100, 400}, options), 0.5);
}

TEST(ClassifierTest, LogChi2QMatchesClosedForms) {
  // 2 degrees of freedom: Q = exp(-x/2).
  EXPECT_NEAR(LogChi2Q(3.0, 1), -1.5, 1e-12);
  // 4 degrees of freedom: Q = exp(-x/2) (1 + x/2).
  EXPECT_NEAR(LogChi2Q(6.0, 2), -3.0 + std::log(4.0), 1e-12);
  EXPECT_EQ(LogChi2Q(0, 10), 0);
  // Far in the tail it stays finite (no underflow to -inf).
  const double far = LogChi2Q(5000, 150);
  EXPECT_TRUE(std::isfinite(far));
  EXPECT_LT(far, -1000);
}

// The straightforward sum of the series in log space, to check the fast one against.
double ReferenceLogChi2Q(double chi2, uint32_t k) {
  const double m = chi2 / 2;
  std::vector<double> terms;
  double term = 0;
  for (uint32_t i = 0; i < k; ++i) {
    if (i > 0) term += std::log(m) - std::log(double(i));
    terms.push_back(term);
  }
  const double top = *std::max_element(terms.begin(), terms.end());
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return std::min(0.0, -m + top + std::log(sum));
}

TEST(ClassifierTest, LogChi2QMatchesTheSeriesEverywhere) {
  // Small and large clue counts, from deep in the tail to far below the mean (Q near 1).
  for (uint32_t k : {1u, 2u, 7u, 40u, 150u, 600u}) {
    for (double chi2 : {0.01, 0.5, 3.0, 30.0, 2.0 * k, 4.0 * k, 300.0, 5000.0}) {
      const double expected = ReferenceLogChi2Q(chi2, k);
      EXPECT_NEAR(LogChi2Q(chi2, k), expected, 1e-9 * std::max(1.0, std::fabs(expected)))
          << "chi2 " << chi2 << " k " << k;
    }
  }
}

TEST(ClassifierTest, OrderingOnlyTheShownCluesChangesNothingElse) {
  const ModelTotals totals{100, 100};
  std::vector<TokenCounts> counts;
  for (uint32_t i = 0; i < 60; ++i) counts.push_back({i % 7 * 6, (i * 5) % 11 * 4, 0});
  ClassifierOptions options;
  options.min_dev = 0.1;
  std::vector<Clue> all, shown;
  const Classification full = Classify(counts, totals, options, &all);
  const Classification partial = Classify(counts, totals, options, &shown, 3);
  EXPECT_EQ(full.probability, partial.probability);
  EXPECT_EQ(full.log_odds, partial.log_odds);
  ASSERT_EQ(all.size(), shown.size());
  ASSERT_GT(all.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(all[i].index, shown[i].index) << i;
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(std::fabs(all[i - 1].prob - 0.5), std::fabs(all[i].prob - 0.5));
  }
}

// Classify remembers f(w) and its logarithms per count pair between calls: its results
// must be those of computing everything afresh, bit for bit, also when the model totals
// or the options change from one call to the next (as in cross-validation), and its
// ordered clues must be what a partial sort gives.
Classification Reference(const std::vector<TokenCounts>& counts, const ModelTotals& totals,
                         const ClassifierOptions& options, std::vector<Clue>* clues,
                         size_t ordered) {
  clues->clear();
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i].spam == 0 && counts[i].ham == 0) continue;
    const double f = TokenProbability(counts[i], totals, options);
    if (std::fabs(f - 0.5) < options.min_dev) continue;
    clues->push_back({static_cast<uint32_t>(i), f});
  }
  auto stronger = [](const Clue& a, const Clue& b) {
    const double da = std::fabs(a.prob - 0.5), db = std::fabs(b.prob - 0.5);
    return da != db ? da > db : a.index < b.index;
  };
  if (options.max_clues > 0 && clues->size() > options.max_clues) {
    std::nth_element(clues->begin(), clues->begin() + options.max_clues, clues->end(), stronger);
    clues->resize(options.max_clues);
  }
  Classification result;
  result.clues_used = static_cast<uint32_t>(clues->size());
  if (!clues->empty()) {
    double sum_log_ham = 0, sum_log_spam = 0;
    for (const Clue& clue : *clues) {
      const double f = std::clamp(clue.prob, 1e-6, 1 - 1e-6);
      sum_log_ham += std::log(f);
      sum_log_spam += std::log1p(-f);
    }
    result.log_odds = sum_log_ham - sum_log_spam;
    result.spam_log_tail = LogChi2Q(-2 * sum_log_spam, result.clues_used);
    result.ham_log_tail = LogChi2Q(-2 * sum_log_ham, result.clues_used);
    const double s = -std::expm1(result.spam_log_tail), h = -std::expm1(result.ham_log_tail);
    result.probability = std::clamp((1 + s - h) / 2, 0.0, 1.0);
  }
  std::partial_sort(clues->begin(), clues->begin() + std::min(ordered, clues->size()), clues->end(),
                    stronger);
  return result;
}

TEST(ClassifierTest, RememberedEvidenceGivesTheFreshResults) {
  uint64_t state = 88172645463325252ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 300; ++round) {
    // Few distinct totals and options, so that remembered pairs meet other settings.
    const ModelTotals totals{static_cast<uint32_t>(1 + next() % 3 * 200),
                             static_cast<uint32_t>(1 + next() % 3 * 900)};
    ClassifierOptions options;
    if (next() % 3 == 0) options.min_dev = 0.1;
    if (next() % 4 == 0) options.strength = 0.45;
    if (next() % 5 == 0) options.max_clues = 15;
    std::vector<TokenCounts> counts(next() % 400);
    for (TokenCounts& c : counts) {
      // Mostly small counts that repeat, some large, some both zero.
      c.spam = static_cast<uint32_t>(next() % 4 == 0 ? next() % 2000 : next() % 6);
      c.ham = static_cast<uint32_t>(next() % 4 == 0 ? next() % 5000 : next() % 6);
    }
    const size_t ordered = std::vector<size_t>{0, 1, 3, 10, 16, 17, SIZE_MAX}[next() % 7];
    std::vector<Clue> got, want;
    const Classification a = Classify(counts, totals, options, &got, ordered);
    const Classification b = Reference(counts, totals, options, &want, ordered);
    ASSERT_EQ(a.probability, b.probability) << round;
    ASSERT_EQ(a.log_odds, b.log_odds) << round;
    ASSERT_EQ(a.spam_log_tail, b.spam_log_tail) << round;
    ASSERT_EQ(a.ham_log_tail, b.ham_log_tail) << round;
    ASSERT_EQ(a.clues_used, b.clues_used) << round;
    ASSERT_EQ(got.size(), want.size()) << round;
    for (size_t i = 0; i < std::min(ordered, got.size()); ++i) {
      ASSERT_EQ(got[i].index, want[i].index) << round << " " << i;
      ASSERT_EQ(got[i].prob, want[i].prob) << round << " " << i;
    }
    // Beyond the ordered ones: the same clues, in any order.
    auto by_index = [](const Clue& x, const Clue& y) { return x.index < y.index; };
    std::sort(got.begin(), got.end(), by_index);
    std::sort(want.begin(), want.end(), by_index);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].index, want[i].index) << round;
  }
}

TEST(ClassifierTest, SpammyAndHammyTokensDecide) {
  const ModelTotals totals{100, 100};
  std::vector<Clue> clues;
  std::vector<TokenCounts> spammy(20, TokenCounts{40, 1, 0});
  std::vector<TokenCounts> hammy(20, TokenCounts{1, 40, 0});
  const auto spam = Classify(spammy, totals, {}, &clues);
  EXPECT_GT(spam.probability, 0.99);
  EXPECT_EQ(spam.clues_used, 20u);
  const auto ham = Classify(hammy, totals, {}, &clues);
  EXPECT_LT(ham.probability, 0.01);
  std::vector<TokenCounts> mixed = spammy;
  mixed.insert(mixed.end(), hammy.begin(), hammy.end());
  const auto unsure = Classify(mixed, totals, {}, &clues);
  EXPECT_NEAR(unsure.probability, 0.5, 0.05);
  std::vector<TokenCounts> unknown(30, TokenCounts{});
  const auto none = Classify(unknown, totals, {}, &clues);
  EXPECT_EQ(none.clues_used, 0u);
  EXPECT_DOUBLE_EQ(none.probability, 0.5);
}

TEST(ClassifierTest, MaxCluesKeepsTheStrongest) {
  const ModelTotals totals{100, 100};
  std::vector<TokenCounts> counts = {{50, 0, 0}, {30, 20, 0}, {0, 50, 0}, {26, 24, 0}};
  std::vector<Clue> clues;
  ClassifierOptions options;
  options.max_clues = 2;
  options.min_dev = 0;
  Classify(counts, totals, options, &clues);
  ASSERT_EQ(clues.size(), 2u);
  EXPECT_TRUE((clues[0].index == 0 && clues[1].index == 2) ||
              (clues[0].index == 2 && clues[1].index == 0));
}

// Ten clues of one capped family (a mailing list's headers) count as the cap's strongest;
// content clues and families within the cap or not capped are untouched, and without
// families the cap does nothing.
TEST(ClassifierTest, FamilyCapKeepsEachFamilysStrongest) {
  const ModelTotals totals{100, 100};
  std::vector<TokenCounts> counts;
  std::vector<uint8_t> families;
  for (int i = 0; i < 10; ++i) {  // one hammy list, ten correlated headers
    counts.push_back({0, static_cast<uint32_t>(20 + i), 0});
    families.push_back(kListHeaders);
  }
  for (int i = 0; i < 4; ++i) {  // spammy content
    counts.push_back({30, 0, 0});
    families.push_back(kContent);
  }
  counts.push_back({0, 40, 0});  // one hammy recipient: below the cap
  families.push_back(kRecipients);
  std::vector<Clue> clues;
  ClassifierOptions options;
  options.family_cap = 0;
  const auto uncapped = Classify(counts, totals, options, &clues, SIZE_MAX, families);
  EXPECT_EQ(uncapped.clues_used, 15u);
  EXPECT_LT(uncapped.probability, 0.5);  // the list outvotes the content
  options.family_cap = 2;
  const auto capped = Classify(counts, totals, options, &clues, SIZE_MAX, families);
  ASSERT_EQ(capped.clues_used, 7u);
  std::vector<uint32_t> kept;
  for (const Clue& clue : clues) kept.push_back(clue.index);
  std::sort(kept.begin(), kept.end());
  // The list's two strongest headers (most ham), all content, the recipient.
  EXPECT_EQ(kept, (std::vector<uint32_t>{8, 9, 10, 11, 12, 13, 14}));
  EXPECT_GT(capped.probability, 0.5);
  // Same as classifying only the kept clues.
  std::vector<TokenCounts> only;
  for (uint32_t i : kept) only.push_back(counts[i]);
  const auto direct = Classify(only, totals, ClassifierOptions{}, &clues);
  EXPECT_DOUBLE_EQ(capped.probability, direct.probability);
  EXPECT_DOUBLE_EQ(capped.log_odds, direct.log_odds);
  // No families given: no cap.
  EXPECT_EQ(Classify(counts, totals, options, &clues).clues_used, 15u);
  // A family outside capped_families is not capped; once in it, it is.
  std::vector<uint8_t> path(families.size(), kContent);
  for (int i = 0; i < 10; ++i) path[i] = kReceivedPath;
  EXPECT_EQ(Classify(counts, totals, options, &clues, SIZE_MAX, path).clues_used, 15u);
  options.capped_families |= 1u << kReceivedPath;
  EXPECT_EQ(Classify(counts, totals, options, &clues, SIZE_MAX, path).clues_used, 7u);
}

// What a new model records: the list headers capped to one clue, nothing else.
TEST(ClassifierTest, DefaultCapIsOneListClue) {
  const ClassifierOptions options;
  EXPECT_EQ(options.family_cap, 1u);
  EXPECT_EQ(options.capped_families, 1u << kListHeaders);
}

TEST(MetricsTest, PerfectAndInvertedRankings) {
  std::vector<Scored> perfect = {{0.1, false}, {0.2, false}, {0.8, true}, {0.9, true}};
  Metrics m = Evaluate(perfect, 0.5);
  EXPECT_DOUBLE_EQ(m.one_minus_auc_percent, 0);
  EXPECT_DOUBLE_EQ(m.fp_percent, 0);
  EXPECT_DOUBLE_EQ(m.fn_percent, 0);
  EXPECT_DOUBLE_EQ(m.recall_at_fp_0_1, 100);
  std::vector<Scored> inverted = {{0.9, false}, {0.8, false}, {0.2, true}, {0.1, true}};
  m = Evaluate(inverted, 0.5);
  EXPECT_DOUBLE_EQ(m.one_minus_auc_percent, 100);
  EXPECT_DOUBLE_EQ(m.fp_percent, 100);
  EXPECT_DOUBLE_EQ(m.fn_percent, 100);
}

TEST(MetricsTest, TiesCountHalfAndRecallRespectsTheBudget) {
  std::vector<Scored> tied = {{0.5, false}, {0.5, true}};
  EXPECT_DOUBLE_EQ(Evaluate(tied, 0.9).one_minus_auc_percent, 50);
  // 1000 ham, one of them scoring above every spam: at FP <= 0.1% one ham may be
  // called spam, so all spam are caught; with no ham allowed none is.
  std::vector<Scored> scored;
  for (int i = 0; i < 999; ++i) scored.push_back({0.1, false});
  scored.push_back({0.99, false});
  for (int i = 0; i < 10; ++i) scored.push_back({0.9, true});
  EXPECT_DOUBLE_EQ(RecallAtFp(scored, 0.1), 100);
  EXPECT_DOUBLE_EQ(RecallAtFp(scored, 0.0), 0);
  EXPECT_NEAR(Evaluate(scored, 0.5).one_minus_auc_percent, 0.1, 1e-9);
}

}  // namespace
}  // namespace sluice::bayes

namespace sluice::bayes {
namespace {

// Messages with a class vocabulary plus shared noise: cross-validation must rank them
// perfectly, score every message exactly once, and respect a fixed hold-out.
std::vector<LabelledTokens> Synthetic(int per_class) {
  std::vector<LabelledTokens> out;
  for (int i = 0; i < per_class; ++i) {
    for (bool spam : {true, false}) {
      LabelledTokens m;
      m.spam = spam;
      m.name = (spam ? "spam/" : "ham/") + std::to_string(i);
      for (uint64_t t = 0; t < 5; ++t) m.hashes.push_back((spam ? 1000 : 2000) + (i + t) % 7);
      m.hashes.push_back(5000 + i);  // unique: never a clue
      m.hashes.push_back(9);         // in every message: no evidence
      out.push_back(std::move(m));
    }
  }
  return out;
}

TEST(CrossValidateTest, SeparableDataRanksPerfectly) {
  const auto messages = Synthetic(30);
  const auto scored = CrossValidate(messages, 5, ClassifierOptions{});
  ASSERT_EQ(scored.size(), messages.size());
  for (size_t i = 0; i < scored.size(); ++i) {
    EXPECT_EQ(scored[i].spam, messages[i].spam);
    EXPECT_EQ(scored[i].score > 0.5, messages[i].spam) << messages[i].name;
  }
  EXPECT_DOUBLE_EQ(Evaluate(scored, 0.5).one_minus_auc_percent, 0);
}

TEST(CrossValidateTest, HeldOutMessagesNeverTrainTheirOwnFold) {
  // One spam whose tokens appear nowhere else: scored by a model that never saw it.
  auto messages = Synthetic(10);
  LabelledTokens lonely;
  lonely.spam = true;
  lonely.hashes = {424242, 434343};
  lonely.fold = 0;
  messages.push_back(lonely);
  for (auto& m : messages) {
    if (m.fold < 0) m.fold = 1;  // everything else only trains
  }
  const auto scored = CrossValidate(messages, 1, ClassifierOptions{});
  EXPECT_DOUBLE_EQ(scored.back().score, 0.5);  // no clues: unsure
}

}  // namespace
}  // namespace sluice::bayes
