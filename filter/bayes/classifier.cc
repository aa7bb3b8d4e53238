// classifier.cc - Robinson smoothing, clue selection and Fisher's chi-square test.
#include "filter/bayes/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

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

// Sums a series of positive terms that shrink by `ratio(i)` from term 1 on, until they can
// no longer change the sum.
template <typename Ratio>
double SumFalling(uint32_t from, uint32_t to, Ratio ratio) {
  constexpr double kNegligible = 1e-17;
  double sum = 0, term = 1;
  for (uint32_t i = from; i != to; from < to ? ++i : --i) {
    term *= ratio(i);
    sum += term;
    if (term < sum * kNegligible) break;
  }
  return sum;
}

double LogChi2Q(double chi2, uint32_t k) {
  if (k == 0 || chi2 <= 0) return 0;
  // Q = P(Poisson(m) < k) = exp(-m) * sum_{i<k} t_i with t_i = m^i / i!. The terms rise
  // while i < m and fall after, so every sum below starts at its largest term and walks
  // away from it with the ratios t_i / t_(i-1) = m / i, stopping once a term no longer
  // counts: a few dozen multiplications instead of k logarithms, and no overflow.
  const double m = chi2 / 2;
  const double log_m = std::log(m);
  int sign = 0;  // lgamma_r: lgamma's reentrant form, which writes no global
  if (m + 1 <= k) {
    // Q is near 1 (k - 1 >= m): its complement, the upper tail sum_{i>=k}, is what carries
    // the information, and summing it directly keeps it exact down to 1e-300 where 1 - Q
    // computed from Q would be rounding noise below 1e-16.
    const double log_tk = k * log_m - ::lgamma_r(k + 1.0, &sign);
    const double upper = SumFalling(k + 1, UINT32_MAX, [m](uint32_t i) { return m / i; });
    const double log_p = -m + log_tk + std::log1p(upper);
    return std::log1p(-std::exp(log_p));
  }
  // m > k - 1: every term of the sum rises towards t_(k-1).
  const uint32_t top = k - 1;
  const double log_top = top * log_m - ::lgamma_r(top + 1.0, &sign);
  const double below = SumFalling(top, 0, [m](uint32_t i) { return i / m; });
  return std::min(0.0, -m + log_top + std::log1p(below));
}

Classification Classify(std::span<const TokenCounts> counts, const ModelTotals& totals,
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
    // Summed before any ordering, so the result never depends on how many clues the
    // caller wanted ordered.
    double sum_log_ham = 0, sum_log_spam = 0;
    for (const Clue& clue : *clues) {
      // Keep f away from 0 and 1 so one token can never decide alone.
      const double f = std::clamp(clue.prob, 1e-6, 1 - 1e-6);
      sum_log_ham += std::log(f);
      sum_log_spam += std::log1p(-f);
    }
    result.log_odds = sum_log_ham - sum_log_spam;
    const uint32_t k = result.clues_used;
    result.spam_log_tail = LogChi2Q(-2 * sum_log_spam, k);
    result.ham_log_tail = LogChi2Q(-2 * sum_log_ham, k);
    const double s = -std::expm1(result.spam_log_tail);  // 1 - Q: spam evidence
    const double h = -std::expm1(result.ham_log_tail);   // ham evidence
    result.probability = std::clamp((1 + s - h) / 2, 0.0, 1.0);
  }
  if (ordered >= clues->size()) {
    std::sort(clues->begin(), clues->end(), stronger);
  } else if (ordered > 0) {
    std::partial_sort(clues->begin(), clues->begin() + ordered, clues->end(), stronger);
  }
  return result;
}

}  // namespace sluice::bayes
