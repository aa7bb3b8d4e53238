// cross_validate.cc - counts of all messages once, minus each fold's own, per fold.
#include "filter/bayes/cross_validate.h"

#include <cmath>
#include <unordered_map>

namespace sluice::bayes {

std::vector<Scored> CrossValidate(const std::vector<LabelledTokens>& messages, uint32_t folds,
                                  const ClassifierOptions& options, CvRank rank,
                                  std::vector<Classification>* details) {
  if (folds < 2) folds = 2;
  std::unordered_map<uint64_t, TokenCounts> all;
  ModelTotals all_totals;
  for (const LabelledTokens& m : messages) {
    (m.spam ? all_totals.spam_messages : all_totals.ham_messages)++;
    for (uint64_t h : m.hashes) (m.spam ? all[h].spam : all[h].ham)++;
  }
  std::vector<Scored> scored(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) scored[i] = {-1e300, messages[i].spam};
  if (details) details->assign(messages.size(), Classification{});
  std::vector<TokenCounts> counts;
  std::vector<Clue> clues;
  auto fold_of = [&](size_t i) {
    return messages[i].fold >= 0 ? static_cast<uint32_t>(messages[i].fold)
                                 : static_cast<uint32_t>(i % folds);
  };
  std::vector<std::vector<size_t>> members(folds);
  for (size_t i = 0; i < messages.size(); ++i) {
    if (fold_of(i) < folds) members[fold_of(i)].push_back(i);
  }
  for (uint32_t fold = 0; fold < folds; ++fold) {
    std::unordered_map<uint64_t, TokenCounts> held_out;
    ModelTotals totals = all_totals;
    for (size_t i : members[fold]) {
      const LabelledTokens& m = messages[i];
      (m.spam ? totals.spam_messages : totals.ham_messages)--;
      for (uint64_t h : m.hashes) (m.spam ? held_out[h].spam : held_out[h].ham)++;
    }
    for (size_t i : members[fold]) {
      const LabelledTokens& m = messages[i];
      counts.resize(m.hashes.size());
      for (size_t t = 0; t < m.hashes.size(); ++t) {
        auto it = all.find(m.hashes[t]);
        counts[t] = TokenCounts{};
        if (it == all.end()) continue;
        const TokenCounts& out = held_out[m.hashes[t]];
        counts[t].spam = it->second.spam - out.spam;
        counts[t].ham = it->second.ham - out.ham;
      }
      const Classification c = Classify(counts, totals, options, &clues, /*ordered=*/0, m.families);
      double score = c.probability;
      if (rank == CvRank::kMargin) score = c.ham_log_tail - c.spam_log_tail;
      if (rank == CvRank::kLogOdds) score = c.log_odds;
      if (rank == CvRank::kBlend) score = c.probability + 0.05 * std::tanh(c.log_odds / 20);
      scored[i] = {score, m.spam};
      if (details) (*details)[i] = c;
    }
  }
  return scored;
}

}  // namespace sluice::bayes
