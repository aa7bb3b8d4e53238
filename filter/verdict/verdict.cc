#include "filter/verdict/verdict.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice {

namespace {
struct ActionNameEntry {
  Action action;
  std::string_view name;
};
constexpr ActionNameEntry kActionNames[] = {
    {Action::kAccept, "accept"},
    {Action::kAddHeader, "add_header"},
    {Action::kRewriteSubject, "rewrite_subject"},
    {Action::kQuarantine, "quarantine"},
    {Action::kTempfail, "tempfail"},
    {Action::kReject, "reject"},
    {Action::kDiscard, "discard"},
};
}  // namespace

std::string_view ActionName(Action action) {
  for (const auto& entry : kActionNames) {
    if (entry.action == action) return entry.name;
  }
  return "accept";
}

std::optional<Action> ParseAction(std::string_view name) {
  for (const auto& entry : kActionNames) {
    if (entry.name == name) return entry.action;
  }
  return std::nullopt;
}

Action Thresholds::ActionFor(double score) const {
  Action action = Action::kAccept;
  for (const auto& [threshold, step_action] : steps) {
    if (score >= threshold) action = step_action;
  }
  return action;
}

double Thresholds::SpamThreshold() const {
  for (const auto& [threshold, action] : steps) {
    if (action != Action::kAccept) return threshold;
  }
  return std::numeric_limits<double>::infinity();
}

double BayesScore(double probability, double weight) {
  return weight * (2 * std::clamp(probability, 0.0, 1.0) - 1);
}

void FinalizeVerdict(const Thresholds& thresholds, Verdict* verdict) {
  // A message hits a handful of rules: a stable insertion sort orders them without the
  // scratch buffer std::stable_sort allocates on every call.
  std::vector<RuleHit>& hits = verdict->hits;
  const auto stronger = [](const RuleHit& a, const RuleHit& b) {
    return std::fabs(a.score) > std::fabs(b.score);
  };
  if (hits.size() > 64) std::stable_sort(hits.begin(), hits.end(), stronger);
  for (size_t i = 1; i < hits.size() && hits.size() <= 64; ++i) {
    if (!stronger(hits[i], hits[i - 1])) continue;
    RuleHit hit = std::move(hits[i]);
    size_t j = i;
    for (; j > 0 && stronger(hit, hits[j - 1]); --j) {
      hits[j] = std::move(hits[j - 1]);
    }
    hits[j] = std::move(hit);
  }
  double score = 0;
  for (const RuleHit& hit : verdict->hits) score += hit.score;
  if (verdict->bayes.available) score += verdict->bayes.score;
  verdict->score = score;
  verdict->action = thresholds.ActionFor(score);
}

}  // namespace sluice
