// rule_set.h - the keyword rule engine's public contract.
//
// A RuleSet is an immutable, compiled set of rules loaded from YAML files (later files
// override or disable earlier rules by id). Each target's patterns are compiled into one
// Hyperscan database; compiled databases are cached on disk keyed by rule content and CPU
// features. Scanning reads the decoded view of a message (mime::Message) and never
// parses raw bytes again (except the `full` target, which scans Message::raw).
//
// Failure: Load returns a non-ok Status whose message lists each error as
// "file:line: RULE_ID: message" (one per line); nothing is half-loaded. Warnings
// (duplicate ids, meta rules naming unknown ids, unreachable rules) go to *warnings.
// Thread-safety: Scan() may be called from many threads at once (per-thread scratch).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "filter/mime/message.h"
#include "filter/util/status.h"
#include "filter/verdict/verdict.h"

namespace sluice::rules {

struct LoadOptions {
  std::string cache_dir;  // "" disables the compiled-database cache
  // When not empty, only the rules with these ids are compiled; the others are left out as
  // if disabled (meta rules naming them then read 0). For measuring one rule's cost alone.
  std::set<std::string> only_rules;
  // `words` rules over body and rawbody are matched by a word lookup instead of Hyperscan
  // when it gives exactly the same hits (word_matcher.h) and their group has enough entries
  // for the lookup to be the cheaper (rule_set_load.cc; word_matcher_min_entries replaces
  // that number, for tests). false: Hyperscan only, for comparing the two.
  bool word_matcher = true;
  std::optional<size_t> word_matcher_min_entries;
  // uri rules that provably match only within a URL's host prefix are scanned once per
  // distinct prefix of a message (url_host_prefix.h): the same hits. false: every uri rule
  // scans every URL, for comparing the two.
  bool host_prefix_scan = true;
};

struct Diagnostic {
  std::string file;
  int line = 0;
  std::string rule_id;
  std::string message;
  // "file:line: RULE_ID: message"
  std::string ToString() const;
};

class RuleSet {
 public:
  virtual ~RuleSet() = default;

  static Result<std::shared_ptr<const RuleSet>> Load(const std::vector<std::string>& files,
                                                     const LoadOptions& options,
                                                     std::vector<Diagnostic>* warnings);

  // Appends the rules that fire on `message` (including meta rules) to *hits, with
  // their scores, targets and a short excerpt of the matched text. Never throws.
  virtual void Scan(const mime::Message& message, std::vector<RuleHit>* hits) const = 0;

  // Like Scan, but every RuleHit::matched is left empty: for callers that never show the
  // excerpt (the daemons and the score log, `sluice score` without --json), which then skip
  // the PCRE2 re-match of each hit rule. The same hits, scores, targets and counts.
  virtual void ScanWithoutExcerpts(const mime::Message& message, std::vector<RuleHit>* hits) const {
    Scan(message, hits);
  }

  virtual size_t rule_count() const = 0;

  // --- Additions for tools (`sluice rules`); defaults keep other implementations valid. ---

  // Like Scan, but also reports helper rules (ids starting with "__", which Scan leaves
  // out: they exist only to feed meta rules) and rules with score 0.
  virtual void ScanAll(const mime::Message& message, std::vector<RuleHit>* hits) const {
    Scan(message, hits);
  }

  struct RuleInfo {
    std::string id;
    std::string description;
    std::string target;  // as in RuleHit::target
    double score = 0;
    std::string file;
    int line = 0;
    std::string expression;  // the pattern, the words' regex or the meta expression
    uint32_t min_hits = 0;
    bool pcre_fallback = false;  // scanned with PCRE2 because Hyperscan refused it
  };
  // Every enabled rule, in load order.
  virtual std::vector<RuleInfo> Rules() const { return {}; }
};

}  // namespace sluice::rules
