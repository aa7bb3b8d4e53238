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
#include <string>
#include <vector>

#include "filter/bayes/classifier.h"
#include "filter/bayes/logistic.h"
#include "filter/bayes/metrics.h"

namespace sluice::bayes {

struct LabelledTokens {
  std::vector<uint64_t> hashes;   // distinct
  std::vector<uint8_t> families;  // empty or parallel to hashes (TokenList::families())
  bool spam = false;
  std::string name;              // for reports
  int fold = -1;                 // >= 0: this fold instead of index % folds
  std::vector<uint64_t> ngrams;  // char_ngrams.h features, for the logistic learner
  // The tokens the logistic learner sees with LogisticFeatures::kSelectedTokens (hashes
  // minus those the caller dropped by family or tag), to find which ones drift.
  std::vector<uint64_t> selected;
};

// With fold set on messages, only folds 0..folds-1 that occur are scored; messages whose
// fold is >= folds are never scored but always train (a fixed hold-out).
// What a message's score is, for ranking studies.
enum class CvRank { kProbability, kMargin, kLogOdds, kBlend };

// Returns one Scored per message, in input order: the Bayes probability, or the chi-square
// margin (ham_log_tail - spam_log_tail), or the log odds. With details, also each
// message's whole Classification (same order), for fitting the verdict's mapping.
std::vector<Scored> CrossValidate(const std::vector<LabelledTokens>& messages, uint32_t folds,
                                  const ClassifierOptions& options,
                                  CvRank rank = CvRank::kProbability,
                                  std::vector<Classification>* details = nullptr);

// Which features the logistic learner sees: the tokens' hashes, the character n-grams, or
// both (the two hash spaces are apart); or only the tokens of family kContent (no delivery
// path: Received, Return-Path, addresses, list headers), to see what the path carries; or
// the caller's LabelledTokens::selected.
enum class LogisticFeatures { kTokens, kNgrams, kBoth, kContentTokens, kSelectedTokens };

// The same folds as CrossValidate, each scored by a LogisticModel learned online on the
// other folds' messages in input order, options.epochs times. Returns each message's
// margin (log odds of spam); LogisticModel::Probability turns it into P(spam).
std::vector<Scored> CrossValidateLogistic(const std::vector<LabelledTokens>& messages,
                                          uint32_t folds, const LogisticOptions& options,
                                          LogisticFeatures features);

}  // namespace sluice::bayes
