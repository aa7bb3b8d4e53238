#include "filter/verdict/verdict.h"

#include <limits>

namespace sluice {

namespace {
struct ActionNameEntry {
  Action action;
  std::string_view name;
};
constexpr ActionNameEntry kActionNames[] = {
    {Action::kAccept, "accept"},         {Action::kAddHeader, "add_header"},
    {Action::kRewriteSubject, "rewrite_subject"}, {Action::kQuarantine, "quarantine"},
    {Action::kTempfail, "tempfail"},     {Action::kReject, "reject"},
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

}  // namespace sluice
