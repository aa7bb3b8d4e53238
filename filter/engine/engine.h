// engine.h - the scoring library: one message in, one Verdict out.
//
// An Engine is an immutable snapshot of everything scoring needs: the configuration,
// the compiled rule set and a handle on the Bayes token store. Daemons and the CLI hold
// a shared_ptr<const Engine>; a reload builds a new Engine off the hot path and swaps the
// pointer atomically, so a message in flight finishes on the engine it started with.
//
// Flow inside Score(): mime::Parser (once) -> rules and Bayes over the same decoded view
// -> Verdict (score, action, reasons, per-stage times).
//
// Failure: Open/Reload return a non-ok Status (e.g. "rules.yaml:12: FOO: bad pattern") and
// leave nothing half-built. Score() never throws and never fails: a dead token store or
// an internal error is reported in Verdict::notes / Verdict::error, with the action the
// config's on_error policy names.
//
// Thread-safety: Score() may be called from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter/config/config.h"
#include "filter/mime/message.h"
#include "filter/util/status.h"
#include "filter/verdict/verdict.h"

namespace sluice {

// Header facts a caller logs, taken from the parsed message so nobody parses again.
struct MessageFacts {
  std::string message_id;
  std::string subject;
  std::string from;
  size_t size = 0;  // bytes given to Score()
};

// How much to explain in a Verdict; the defaults are what the hot path needs.
struct ScoreOptions {
  // Bayes clues with their readable token text (else "#hash") and each rule hit's excerpt
  // of the matched text (else RuleHit::matched is empty): slower.
  bool explain = false;
};

struct ScoreResult {
  Verdict verdict;
  MessageFacts facts;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Builds an engine from a configuration: loads and compiles the rule files (using the
  // on-disk cache), opens the Bayes store. A missing or broken token store is not an error
  // here: the engine scores on rules alone and says so in every Verdict.
  static Result<std::shared_ptr<const Engine>> Open(const Config& config);

  // Builds a new engine from `config`, sharing what did not change (e.g. the open token
  // store) with this one. This engine stays valid and untouched whatever happens.
  virtual Result<std::shared_ptr<const Engine>> Reload(const Config& config) const = 0;

  // Scores one raw message with the configured thresholds.
  virtual ScoreResult Score(std::string_view raw) const = 0;
  // Same, with other thresholds (e.g. for outbound mail).
  virtual ScoreResult Score(std::string_view raw, const Thresholds& thresholds) const = 0;
  // Same, explaining as much as `options` asks.
  virtual ScoreResult Score(std::string_view raw, const Thresholds& thresholds,
                            const ScoreOptions& options) const = 0;
  // Same, into *result, whose buffers are reused: its strings and vectors keep their
  // capacity, so a caller that keeps one ScoreResult per thread (the CLI's loop, a daemon's
  // session) does not allocate them again for every message. Everything in *result is
  // overwritten; nothing of the previous message survives.
  virtual void ScoreInto(std::string_view raw, const Thresholds& thresholds,
                         const ScoreOptions& options, ScoreResult* result) const {
    *result = Score(raw, thresholds, options);
  }

  virtual const Config& config() const = 0;

  // What loaded but is probably not what the admin meant, one readable line each (e.g. a
  // configuration that lists no rule files, so nothing but Bayes scores). Empty when all is
  // well. Daemons print these at start-up and after each reload.
  virtual const std::vector<std::string>& warnings() const {
    static const std::vector<std::string> kNone;
    return kNone;
  }
};

}  // namespace sluice
