// verdict.h - what the scoring library decides about one message.
//
// A Verdict is the sum of rule scores and the Bayes contribution, the action the
// configured thresholds map that score to, and the reasons. Action names are the same
// everywhere (CLI output, score log, config): accept, add_header, rewrite_subject,
// quarantine, tempfail, reject, discard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

enum class Action : uint8_t {
  kAccept,
  kAddHeader,
  kRewriteSubject,
  kQuarantine,
  kTempfail,
  kReject,
  kDiscard,
};

std::string_view ActionName(Action action);
// Parses an action name as written in config files; nullopt if unknown.
std::optional<Action> ParseAction(std::string_view name);

// Score thresholds, ascending: the action of the highest step whose threshold is <= score.
// Below the first step the action is accept.
struct Thresholds {
  std::vector<std::pair<double, Action>> steps;
  Action ActionFor(double score) const;
  // The lowest threshold at which mail counts as spam (first non-accept step), for
  // "required=" in X-Spam-Status; +inf when there is none.
  double SpamThreshold() const;
};

struct RuleHit {
  std::string id;
  double score = 0;
  std::string target;   // "subject", "body", "header:X-Mailer", "meta", ...
  std::string matched;  // a short excerpt of the matched text ("" for meta rules)
  uint32_t count = 1;   // times matched
};

struct BayesOutcome {
  bool available = false;    // false: no model, model too small, or store error
  std::string status;        // why not available, or "ok"
  double probability = 0.5;  // spam probability in [0,1]
  double score = 0;          // contribution to the final score
  std::vector<std::pair<std::string, double>> top_tokens;  // strongest clues, token -> p(spam)
};

struct StageTimes {
  uint32_t mime_us = 0;
  uint32_t rules_us = 0;
  uint32_t bayes_us = 0;
  uint32_t total_us = 0;
};

struct Verdict {
  double score = 0;
  Action action = Action::kAccept;
  std::vector<RuleHit> hits;  // sorted by descending |score|
  BayesOutcome bayes;
  StageTimes times;
  std::vector<std::string> notes;  // e.g. "bayes unavailable: ...", "scan truncated at N bytes"
  bool error = false;              // scoring failed internally; action is the configured default
};

// The Bayes contribution to the score: weight * (2p - 1), i.e. +weight at p = 1, -weight at
// p = 0 and nothing when the classifier is unsure (p = 0.5).
double BayesScore(double probability, double weight);

// Completes a verdict whose hits and bayes are filled in: sorts hits by descending |score|,
// sets score = sum of hit scores + bayes.score (when available) and the action for it.
void FinalizeVerdict(const Thresholds& thresholds, Verdict* verdict);

}  // namespace sluice
