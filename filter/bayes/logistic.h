// logistic.h - online logistic regression over binary hashed features (an experiment).
//
// A discriminative alternative to the chi-square classifier (Goodman & Yin 2006; Sculley &
// Wachman 2007 on TREC spam): every feature of a message (a token hash, a character n-gram)
// is hashed into one of 2^bucket_bits weights; the message's margin is the bias plus the
// sum of its features' weights, each scaled by 1/sqrt(n) when normalize is set (so a long
// message does not shout louder than a short one); P(spam) = 1 / (1 + e^-margin). Learning
// is one stochastic-gradient step of the log loss per message, taken only when the message
// is wrong or near the boundary (train on or near error, TONE: y * margin < tone_margin,
// y = +1 spam, -1 ham), which keeps the weights from growing without bound on the easy mail
// and lets a few passes over the training set in order act like a large-margin learner.
//
// Used by `sluice bayes cv --learner logistic` (cross_validate.h); nothing scores mail with
// it yet (models/README.md: "A discriminative learner").
//
// Failure: none. Thread-safety: Margin() is const and may run concurrently with other
// Margin() calls; Learn() needs exclusive access.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sluice::bayes {

struct LogisticOptions {
  uint32_t bucket_bits = 20;  // 2^bits weights (4 bytes each)
  double rate = 0.1;          // step size of one update
  uint32_t epochs = 3;        // passes over the training messages, in order
  double tone_margin = 1.0;   // learn when y * margin < this; a huge value learns everything
  bool normalize = true;      // features weigh 1/sqrt(n) each instead of 1
};

class LogisticModel {
 public:
  explicit LogisticModel(const LogisticOptions& options);

  // Bias + the (normalized) sum of the features' weights. Features are 64-bit hashes;
  // repeated ones count once per occurrence, so pass distinct hashes for binary features.
  double Margin(std::span<const uint64_t> features) const;

  // One online step towards `spam` if the message is on or near the wrong side (TONE).
  // Returns whether the weights changed.
  bool Learn(std::span<const uint64_t> features, bool spam);

  static double Probability(double margin);
  uint64_t updates() const { return updates_; }

 private:
  uint32_t Bucket(uint64_t feature) const;
  LogisticOptions options_;
  uint64_t mask_;
  std::vector<float> weights_;
  double bias_ = 0;
  uint64_t updates_ = 0;
};

}  // namespace sluice::bayes
