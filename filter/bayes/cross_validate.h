// cross_validate.h - k-fold cross-validation of the classifier on tokenized messages.
//
// Used to choose tokenizer and classifier settings on the training split only (the test
// split is for reporting): message i goes to fold i % k; each fold is scored by a model
// of all the other folds, built in memory (no RocksDB), with the same combining code the
// daemon uses.
//
// Failure: none. Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <vector>

#include "filter/bayes/classifier.h"
#include "filter/bayes/metrics.h"

namespace sluice::bayes {

struct LabelledTokens {
  std::vector<uint64_t> hashes;  // distinct
  bool spam = false;
};

// Returns one Scored (the Bayes probability) per message, in input order.
std::vector<Scored> CrossValidate(const std::vector<LabelledTokens>& messages, uint32_t folds,
                                  const ClassifierOptions& options);

}  // namespace sluice::bayes
