// metrics.h - accuracy figures for a scored, labelled set of messages.
//
// The figures the project reports (DEVELOPERS.md, TREC style): FP and FN rates at a
// threshold, (1-AUC) in percent with ties counting half, and spam recall at the threshold
// that calls at most a given fraction of ham spam.
//
// Failure: none; empty classes give zeros. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <vector>

namespace sluice::bayes {

struct Scored {
  double score = 0;  // higher = more spammy
  bool spam = false;
};

struct Metrics {
  size_t spam = 0, ham = 0;
  double fp_percent = 0;  // ham with score >= threshold
  double fn_percent = 0;  // spam with score < threshold
  double one_minus_auc_percent = 0;
  double recall_at_fp_0_1 = 0;  // percent of spam caught with FP <= 0.1%
  double recall_at_fp_0_5 = 0;
  double recall_at_fp_1 = 0;
};

// Spam recall (percent) at the lowest threshold that keeps the FP rate <= max_fp_percent.
double RecallAtFp(const std::vector<Scored>& scored, double max_fp_percent);
Metrics Evaluate(const std::vector<Scored>& scored, double threshold);

}  // namespace sluice::bayes
