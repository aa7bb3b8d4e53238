// logistic.cc - hashed weights, one log-loss gradient step per message on or near error.
#include "filter/bayes/logistic.h"

#include <cmath>

namespace sluice::bayes {

LogisticModel::LogisticModel(const LogisticOptions& options)
    : options_(options),
      mask_((uint64_t{1} << options.bucket_bits) - 1),
      weights_(size_t{1} << options.bucket_bits, 0.0f) {}

uint32_t LogisticModel::Bucket(uint64_t feature) const {
  // Token hashes are already mixed (token_hash.h); the high bits fold in so that features
  // differing only above the mask still spread.
  return static_cast<uint32_t>((feature ^ (feature >> 32)) & mask_);
}

double LogisticModel::Margin(std::span<const uint64_t> features) const {
  if (features.empty()) return bias_;
  double sum = 0;
  for (uint64_t f : features) sum += weights_[Bucket(f)];
  if (options_.normalize) sum /= std::sqrt(static_cast<double>(features.size()));
  return bias_ + sum;
}

double LogisticModel::Probability(double margin) { return 1 / (1 + std::exp(-margin)); }

bool LogisticModel::Learn(std::span<const uint64_t> features, bool spam) {
  const double margin = Margin(features);
  const double y = spam ? 1 : -1;
  if (y * margin >= options_.tone_margin) return false;
  // d(log loss)/d(margin) = p - [spam]; the step is rate * ([spam] - p) per unit feature.
  const double step = options_.rate * ((spam ? 1.0 : 0.0) - Probability(margin));
  const double x = options_.normalize && !features.empty()
                       ? 1 / std::sqrt(static_cast<double>(features.size()))
                       : 1.0;
  for (uint64_t f : features) weights_[Bucket(f)] += static_cast<float>(step * x);
  bias_ += step;
  ++updates_;
  return true;
}

}  // namespace sluice::bayes
