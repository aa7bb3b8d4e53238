// rule_set_impl.h - the compiled RuleSet (internal to rules/).
//
// Rules are numbered in load order; a rule's number is its Hyperscan id and its slot in
// meta expressions (facts take the slots after the rules). Each target group owns one
// Hyperscan database plus the few rules that fell back to PCRE2.
// Thread-safety: immutable after Load; Scan keeps its mutable state in thread_local
// storage (one Hyperscan scratch per thread, grown for every rule set it meets).
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "filter/rules/expr.h"
#include "filter/rules/facts.h"
#include "filter/rules/header_values.h"
#include "filter/rules/hs_database.h"
#include "filter/rules/pcre_regex.h"
#include "filter/rules/rule.h"
#include "filter/rules/rule_set.h"
#include "filter/rules/word_matcher.h"

namespace sluice::rules {

struct CompiledRule {
  Rule rule;
  std::string scan_pattern;         // what the target's database holds (rule.pattern, or the
                                    // single-space form of a words list in a collapsed group)
  PcreRegex regex;                  // scan_pattern: excerpts; the matcher itself when `fallback`
  bool fallback = false;            // Hyperscan refused the pattern: PCRE2 scans it
  bool report = true;               // false for "__" helper rules
  uint32_t max_width = UINT32_MAX;  // longest match of scan_pattern in bytes (Hyperscan's
                                    // hs_expr_info), UINT32_MAX when unbounded
  uint32_t group = 0;               // index into groups (pattern rules)
  std::optional<Expr> meta;
};

struct TargetGroup {
  TargetKind kind = TargetKind::kBody;
  std::string name;                    // "body", "header:x-mailer", ...
  std::string header_name;             // for kHeader
  std::vector<uint32_t> header_slots;  // subject/from/to/header:<Name>: the names it joins
                                       // (slots of RuleSetImpl::header_index_), in order
  bool collapse_space = false;         // scans the text with whitespace runs made one ' '
  std::vector<uint32_t> rules;         // all rules of this target
  std::vector<uint32_t> fallback;      // those scanned with PCRE2
  HsDatabasePtr db;                    // null when every rule fell back
  // A collapsed group whose every rule WordMatcher takes: matched by word lookup, with db
  // for the texts the matcher hands back (rule_set_scan.cc). Null otherwise.
  std::unique_ptr<WordMatcher> words;
  // uri: the rules whose matches lie within a URL's host prefix (url_host_prefix.h), scanned
  // once per distinct prefix of a message, and the other database rules, scanned per URL.
  // db keeps every database rule, for the URLs where the order of two rules' first matches
  // needs it. Both null when no rule qualifies (or LoadOptions::host_prefix_scan is off).
  HsDatabasePtr host_db;
  HsDatabasePtr path_db;  // null when every database rule is in host_db
};

class RuleSetImpl final : public RuleSet {
 public:
  RuleSetImpl();
  ~RuleSetImpl() override;

  void Scan(const mime::Message& message, std::vector<RuleHit>* hits) const override;
  void ScanAll(const mime::Message& message, std::vector<RuleHit>* hits) const override;
  void ScanWithoutExcerpts(const mime::Message& message, std::vector<RuleHit>* hits) const override;
  size_t rule_count() const override { return rules_.size(); }
  std::vector<RuleInfo> Rules() const override;

  // Filled by Load (rule_set_load.cc).
  std::vector<CompiledRule> rules_;
  std::vector<TargetGroup> groups_;
  std::vector<uint32_t> meta_order_;  // meta rules, dependencies first
  FactMask wanted_facts_ = 0;         // the facts some meta rule reads
  // header_index_ slots of Date, Message-ID, From, Subject, To, Cc, Received, when
  // wanted_facts_ reads headers: the facts take them from the targets' header walk.
  std::vector<uint32_t> fact_header_slots_;
  HeaderValueIndex header_index_;      // every header name a header group reads
  hs_scratch_t* prototype_ = nullptr;  // scratch big enough for every database here
  uint64_t serial_ = 0;                // unique per rule set, for per-thread scratch reuse

 private:
  void ScanImpl(const mime::Message& message, bool all, bool excerpts,
                std::vector<RuleHit>* hits) const;
};

}  // namespace sluice::rules
