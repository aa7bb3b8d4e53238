// engine.cc - the scoring library: parse once, rules and Bayes over the same view, verdict.
//
// Score() is the hot path of every daemon: a per-thread reusable mime::Parser, the rule
// set's per-thread scratch, and the Bayes model's per-thread token buffers mean a warm
// thread allocates little per message. Everything inside runs under one try/catch so that
// no exception ever leaves Score(); a failure becomes an error Verdict with the on_error
// action.
#include "filter/engine/engine.h"

#include <chrono>
#include <exception>

#include "filter/bayes/bayes_model.h"
#include "filter/rules/rule_set.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

uint32_t MicrosSince(Clock::time_point start) {
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

Action ErrorAction(ErrorPolicy policy) {
  return policy == ErrorPolicy::kTempfail ? Action::kTempfail : Action::kAccept;
}

bool SameLimits(const mime::Limits& a, const mime::Limits& b) {
  return a.max_depth == b.max_depth && a.max_parts == b.max_parts &&
         a.max_header_bytes == b.max_header_bytes && a.max_line_length == b.max_line_length &&
         a.max_headers == b.max_headers && a.max_text_bytes == b.max_text_bytes;
}

// The thread's parser, rebuilt only when an engine with other limits uses the thread.
mime::Parser& ThreadParser(const mime::Limits& limits) {
  thread_local std::unique_ptr<mime::Parser> parser;
  thread_local mime::Limits parser_limits;
  if (!parser || !SameLimits(parser_limits, limits)) {
    parser = std::make_unique<mime::Parser>(limits);
    parser_limits = limits;
  }
  return *parser;
}

// Copies a header's value into *out (empty if absent), reusing out's buffer.
void HeaderValueInto(const mime::Message& message, std::string_view name, std::string* out) {
  const mime::Header* header = message.parts.empty() ? nullptr : message.FindHeader(name);
  if (header) {
    out->assign(header->value);
  } else {
    out->clear();
  }
}

// Empties a verdict for the next message without giving back its buffers: every field is
// reset from a fresh Verdict (so a field added later is reset too), then the emptied
// containers are moved back. bayes.top_tokens keeps its entries: Classify overwrites the
// clue strings in place, and the paths that do not classify clear it.
void ResetVerdict(Verdict* verdict) {
  auto hits = std::move(verdict->hits);
  auto notes = std::move(verdict->notes);
  auto status = std::move(verdict->bayes.status);
  auto top_tokens = std::move(verdict->bayes.top_tokens);
  hits.clear();
  notes.clear();
  status.clear();
  *verdict = Verdict{};
  verdict->hits = std::move(hits);
  verdict->notes = std::move(notes);
  verdict->bayes.status = std::move(status);
  verdict->bayes.top_tokens = std::move(top_tokens);
}

class EngineImpl final : public Engine {
 public:
  EngineImpl(Config config, std::shared_ptr<const rules::RuleSet> rules,
             std::shared_ptr<bayes::BayesModel> bayes, std::vector<std::string> warnings)
      : config_(std::move(config)),
        rules_(std::move(rules)),
        bayes_(std::move(bayes)),
        warnings_(std::move(warnings)) {}

  Result<std::shared_ptr<const Engine>> Reload(const Config& config) const override {
    return BuildNoThrow(config, this);
  }

  ScoreResult Score(std::string_view raw) const override {
    return Score(raw, config_.scoring.thresholds, ScoreOptions{});
  }
  ScoreResult Score(std::string_view raw, const Thresholds& thresholds) const override {
    return Score(raw, thresholds, ScoreOptions{});
  }
  ScoreResult Score(std::string_view raw, const Thresholds& thresholds,
                    const ScoreOptions& options) const override {
    ScoreResult result;
    ScoreInto(raw, thresholds, options, &result);
    return result;
  }
  void ScoreInto(std::string_view raw, const Thresholds& thresholds, const ScoreOptions& options,
                 ScoreResult* result) const override;

  const Config& config() const override { return config_; }
  const std::vector<std::string>& warnings() const override { return warnings_; }

  // Open (previous == nullptr) or Reload: compiles rules, opens or shares the Bayes model.
  static Result<std::shared_ptr<const Engine>> Build(const Config& config,
                                                     const EngineImpl* previous);
  // Build, with anything thrown inside (a filesystem error in the rules cache, bad_alloc)
  // turned into a non-ok Status: a reload runs on the daemon's reload thread, where an
  // escaping exception would end the process instead of refusing the reload.
  static Result<std::shared_ptr<const Engine>> BuildNoThrow(const Config& config,
                                                            const EngineImpl* previous);

 private:
  void ScoreParsed(const mime::Message& message, const ScoreOptions& options,
                   Verdict* verdict) const;

  const Config config_;
  const std::shared_ptr<const rules::RuleSet> rules_;
  const std::shared_ptr<bayes::BayesModel> bayes_;  // null when Bayes is disabled
  const std::vector<std::string> warnings_;
};

// Loadable but suspicious configurations, worded for the admin who wrote them.
std::vector<std::string> ConfigWarnings(const Config& config) {
  std::vector<std::string> out;
  if (config.scoring.rule_files.empty()) {
    out.push_back(
        "scoring.rules lists no rule files: no rules are loaded, messages are scored " +
        std::string(config.scoring.bayes_enabled ? "on Bayes alone" : "0 (Bayes is off too)") +
        " (add e.g. ${SHARE}/rules/sluice.yaml)");
  }
  return out;
}

Result<std::shared_ptr<const Engine>> EngineImpl::Build(const Config& config,
                                                        const EngineImpl* previous) {
  std::vector<rules::Diagnostic> warnings;
  rules::LoadOptions load;
  load.cache_dir = config.scoring.rules_cache_dir;
  auto rules = rules::RuleSet::Load(config.scoring.rule_files, load, &warnings);
  if (!rules.ok()) return rules.status();

  std::shared_ptr<bayes::BayesModel> model;
  if (config.scoring.bayes_enabled) {
    if (previous && previous->bayes_ &&
        previous->config_.scoring.bayes_db == config.scoring.bayes_db) {
      model = previous->bayes_;  // keep the open store and its warm table
    } else {
      bayes::BayesOptions options;
      options.refresh_seconds = 5;
      model = bayes::BayesModel::Open(config.scoring.bayes_db, options);
    }
  }
  return std::shared_ptr<const Engine>(
      std::make_shared<EngineImpl>(config, *rules, model, ConfigWarnings(config)));
}

Result<std::shared_ptr<const Engine>> EngineImpl::BuildNoThrow(const Config& config,
                                                               const EngineImpl* previous) {
  try {
    return Build(config, previous);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot build the scoring engine: ") + e.what());
  } catch (...) {
    return Status::Internal("cannot build the scoring engine: unknown exception");
  }
}

void EngineImpl::ScoreParsed(const mime::Message& message, const ScoreOptions& options,
                             Verdict* verdict) const {
  auto start = Clock::now();
  // Only an explaining caller shows the excerpts; the rest skip their re-match.
  if (options.explain) {
    rules_->Scan(message, &verdict->hits);
  } else {
    rules_->ScanWithoutExcerpts(message, &verdict->hits);
  }
  verdict->times.rules_us = MicrosSince(start);

  start = Clock::now();
  if (!bayes_) {
    verdict->bayes.status = "disabled in the configuration";
    verdict->bayes.top_tokens.clear();
  } else {
    bayes_->Classify(message, options.explain, &verdict->bayes);
    if (verdict->bayes.available) {
      verdict->bayes.score = BayesScore(verdict->bayes.probability, config_.scoring.bayes_weight);
    } else {
      verdict->bayes.score = 0;
      verdict->notes.push_back("bayes unavailable (rules only): " + verdict->bayes.status);
    }
  }
  verdict->times.bayes_us = MicrosSince(start);
}

void EngineImpl::ScoreInto(std::string_view raw, const Thresholds& thresholds,
                           const ScoreOptions& options, ScoreResult* result) const {
  const auto start = Clock::now();
  result->facts.size = raw.size();
  result->facts.message_id.clear();  // stay empty if parsing throws
  result->facts.subject.clear();
  result->facts.from.clear();
  Verdict& verdict = result->verdict;
  ResetVerdict(&verdict);
  try {
    if (raw.size() > config_.scoring.max_scan_bytes) {
      raw = raw.substr(0, config_.scoring.max_scan_bytes);
      verdict.notes.push_back("scan truncated at " + std::to_string(raw.size()) + " bytes");
    }
    auto mime_start = Clock::now();
    const mime::Message& message = ThreadParser(config_.scoring.limits).Parse(raw);
    verdict.times.mime_us = MicrosSince(mime_start);
    HeaderValueInto(message, "Message-ID", &result->facts.message_id);
    HeaderValueInto(message, "Subject", &result->facts.subject);
    HeaderValueInto(message, "From", &result->facts.from);
    ScoreParsed(message, options, &verdict);
    FinalizeVerdict(thresholds, &verdict);
  } catch (const std::exception& e) {
    verdict.bayes.top_tokens.clear();
    verdict.error = true;
    verdict.notes.push_back(std::string("internal error: ") + e.what());
  } catch (...) {
    verdict.bayes.top_tokens.clear();
    verdict.error = true;
    verdict.notes.push_back("internal error: unknown exception");
  }
  verdict.times.total_us = MicrosSince(start);
  if (!verdict.error && verdict.times.total_us / 1000 > config_.scoring.time_budget_ms) {
    verdict.error = true;
    verdict.notes.push_back("over the time budget of " +
                            std::to_string(config_.scoring.time_budget_ms) + " ms");
  }
  if (verdict.error) verdict.action = ErrorAction(config_.on_error);
}

}  // namespace

Result<std::shared_ptr<const Engine>> Engine::Open(const Config& config) {
  return EngineImpl::BuildNoThrow(config, nullptr);
}

}  // namespace sluice
