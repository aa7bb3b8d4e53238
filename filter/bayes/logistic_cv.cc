// logistic_cv.cc - one fresh LogisticModel per fold, learned in order, scoring its fold.
#include <memory>

#include "filter/bayes/cross_validate.h"

namespace sluice::bayes {

std::vector<Scored> CrossValidateLogistic(const std::vector<LabelledTokens>& messages,
                                          uint32_t folds, const LogisticOptions& options,
                                          LogisticFeatures features) {
  if (folds < 1) folds = 1;
  auto fold_of = [&](size_t i) {
    return messages[i].fold >= 0 ? static_cast<uint32_t>(messages[i].fold)
                                 : static_cast<uint32_t>(i % folds);
  };
  std::vector<uint64_t> scratch;
  auto features_of = [&](const LabelledTokens& m) -> std::span<const uint64_t> {
    if (features == LogisticFeatures::kTokens) return m.hashes;
    if (features == LogisticFeatures::kNgrams) return m.ngrams;
    if (features == LogisticFeatures::kSelectedTokens) return m.selected;
    if (features == LogisticFeatures::kContentTokens) {
      scratch.clear();
      for (size_t t = 0; t < m.hashes.size(); ++t) {
        if (t >= m.families.size() || m.families[t] == kContent) scratch.push_back(m.hashes[t]);
      }
      return scratch;
    }
    scratch.assign(m.hashes.begin(), m.hashes.end());
    scratch.insert(scratch.end(), m.ngrams.begin(), m.ngrams.end());
    return scratch;
  };
  std::vector<Scored> scored(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) scored[i] = {-1e300, messages[i].spam};
  for (uint32_t fold = 0; fold < folds; ++fold) {
    auto model = std::make_unique<LogisticModel>(options);
    for (uint32_t epoch = 0; epoch < options.epochs; ++epoch) {
      for (size_t i = 0; i < messages.size(); ++i) {
        if (fold_of(i) != fold) model->Learn(features_of(messages[i]), messages[i].spam);
      }
    }
    for (size_t i = 0; i < messages.size(); ++i) {
      if (fold_of(i) == fold) scored[i].score = model->Margin(features_of(messages[i]));
    }
  }
  return scored;
}

}  // namespace sluice::bayes
