// metrics.cc - ROC area by ranks (ties half) and recall at fixed FP budgets.
#include "filter/bayes/metrics.h"

#include <algorithm>
#include <cmath>

namespace sluice::bayes {

double RecallAtFp(const std::vector<Scored>& scored, double max_fp_percent) {
  std::vector<double> ham, spam;
  for (const Scored& s : scored) (s.spam ? spam : ham).push_back(s.score);
  if (spam.empty()) return 0;
  std::sort(ham.begin(), ham.end(), std::greater<>());
  // May call floor(budget) ham spam: the threshold must lie strictly above the score of
  // ham number allowed+1 (the highest ham that has to stay below it).
  const size_t allowed = static_cast<size_t>(std::floor(ham.size() * max_fp_percent / 100 + 1e-9));
  size_t caught = 0;
  if (allowed >= ham.size()) {
    caught = spam.size();
  } else {
    const double bar = ham[allowed];
    for (double s : spam) caught += s > bar;
  }
  return 100.0 * caught / spam.size();
}

Metrics Evaluate(const std::vector<Scored>& scored, double threshold) {
  Metrics m;
  size_t fp = 0, fn = 0;
  for (const Scored& s : scored) {
    if (s.spam) {
      ++m.spam;
      fn += s.score < threshold;
    } else {
      ++m.ham;
      fp += s.score >= threshold;
    }
  }
  if (m.ham) m.fp_percent = 100.0 * fp / m.ham;
  if (m.spam) m.fn_percent = 100.0 * fn / m.spam;
  // AUC = P(score(spam) > score(ham)) + P(equal)/2, by sorting once.
  std::vector<Scored> sorted = scored;
  std::sort(sorted.begin(), sorted.end(),
            [](const Scored& a, const Scored& b) { return a.score < b.score; });
  double wins = 0;
  size_t ham_below = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    size_t ham_here = 0, spam_here = 0;
    while (j < sorted.size() && sorted[j].score == sorted[i].score) {
      (sorted[j].spam ? spam_here : ham_here)++;
      ++j;
    }
    wins += spam_here * (ham_below + ham_here / 2.0);
    ham_below += ham_here;
    i = j;
  }
  if (m.spam && m.ham) {
    m.one_minus_auc_percent = 100.0 * (1 - wins / (double(m.spam) * double(m.ham)));
  }
  m.recall_at_fp_0_1 = RecallAtFp(scored, 0.1);
  m.recall_at_fp_0_5 = RecallAtFp(scored, 0.5);
  m.recall_at_fp_1 = RecallAtFp(scored, 1.0);
  return m;
}

}  // namespace sluice::bayes
