// classifier.cc - Robinson smoothing, clue selection and Fisher's chi-square test.
#include "filter/bayes/classifier.h"

#include <algorithm>
#include <cmath>

namespace sluice::bayes {

double TokenProbability(const TokenCounts& counts, const ModelTotals& totals,
                        const ClassifierOptions& options) {
  const double n = static_cast<double>(counts.spam) + counts.ham;
  if (n == 0 || totals.spam_messages == 0 || totals.ham_messages == 0) return options.unknown_prob;
  const double spam_ratio = std::min(1.0, counts.spam / static_cast<double>(totals.spam_messages));
  const double ham_ratio = std::min(1.0, counts.ham / static_cast<double>(totals.ham_messages));
  const double p = spam_ratio / (spam_ratio + ham_ratio);
  return (options.strength * options.unknown_prob + n * p) / (options.strength + n);
}

double LogChi2Q(double chi2, uint32_t k) {
  if (k == 0 || chi2 <= 0) return 0;
  // Q = exp(-m) * sum_{i<k} m^i / i!, summed in log space (log-sum-exp).
  const double m = chi2 / 2;
  const double log_m = std::log(m);
  double max_term = -INFINITY;
  double term = 0;  // ln(m^i / i!)
  for (uint32_t i = 0; i < k; ++i) {
    if (i > 0) term += log_m - std::log(double(i));
    max_term = std::max(max_term, term);
  }
  double sum = 0;
  term = 0;
  for (uint32_t i = 0; i < k; ++i) {
    if (i > 0) term += log_m - std::log(double(i));
    sum += std::exp(term - max_term);
  }
  return std::min(0.0, -m + max_term + std::log(sum));
}

Classification Classify(std::span<const TokenCounts> counts, const ModelTotals& totals,
                        const ClassifierOptions& options, std::vector<Clue>* clues) {
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
  std::sort(clues->begin(), clues->end(), stronger);

  Classification result;
  result.clues_used = static_cast<uint32_t>(clues->size());
  if (clues->empty()) return result;
  double sum_log_ham = 0, sum_log_spam = 0;
  for (const Clue& clue : *clues) {
    // Keep f away from 0 and 1 so one token can never decide alone.
    const double f = std::clamp(clue.prob, 1e-6, 1 - 1e-6);
    sum_log_ham += std::log(f);
    sum_log_spam += std::log1p(-f);
    result.log_odds += std::log(f) - std::log1p(-f);
  }
  const uint32_t k = result.clues_used;
  result.spam_log_tail = LogChi2Q(-2 * sum_log_spam, k);
  result.ham_log_tail = LogChi2Q(-2 * sum_log_ham, k);
  const double s = -std::expm1(result.spam_log_tail);  // 1 - Q: spam evidence
  const double h = -std::expm1(result.ham_log_tail);   // ham evidence
  result.probability = std::clamp((1 + s - h) / 2, 0.0, 1.0);
  return result;
}

}  // namespace sluice::bayes
