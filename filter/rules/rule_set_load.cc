// rule_set_load.cc - RuleSet::Load: read files, check, compile each target's database.
//
// Everything is checked before anything is returned, so a broken file never yields a
// half-built set: the caller keeps running its old rules. This is the off-hot-path part
// of a reload; callers swap the resulting shared_ptr atomically.
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "filter/rules/facts.h"
#include "filter/rules/rule_cache.h"
#include "filter/rules/rule_file.h"
#include "filter/rules/rule_set_impl.h"
#include "filter/rules/url_host_prefix.h"

namespace sluice::rules {
namespace {

std::atomic<uint64_t> g_next_serial{1};

unsigned HsFlags(const Rule& rule) {
  unsigned flags = 0;
  if (rule.flags.caseless) flags |= HS_FLAG_CASELESS;
  if (rule.flags.dotall) flags |= HS_FLAG_DOTALL;
  if (rule.flags.multiline) flags |= HS_FLAG_MULTILINE;
  if (rule.flags.utf8) flags |= HS_FLAG_UTF8;
  if (rule.flags.ucp) flags |= HS_FLAG_UCP;
  // Only rules that count matches need every match; the rest stop at the first.
  if (rule.min_hits <= 1) flags |= HS_FLAG_SINGLEMATCH;
  return flags;
}

Status Refuse(const std::vector<Diagnostic>& errors) {
  std::string message;
  for (const auto& error : errors) {
    if (!message.empty()) message += '\n';
    message += error.ToString();
  }
  return Status::Invalid(message);
}

// Orders meta rules so each comes after the meta rules it reads; reports cycles.
bool OrderMetaRules(const std::vector<CompiledRule>& rules, std::vector<uint32_t>* order,
                    std::vector<Diagnostic>* errors) {
  enum Mark : uint8_t { kNone, kActive, kDone };
  std::vector<Mark> mark(rules.size(), kNone);
  bool ok = true;
  std::function<void(uint32_t)> visit = [&](uint32_t index) {
    if (mark[index] == kDone) return;
    if (mark[index] == kActive) {
      const Rule& rule = rules[index].rule;
      errors->push_back(
          {rule.file, rule.line, rule.id, "meta rules refer to each other in a cycle"});
      ok = false;
      return;
    }
    mark[index] = kActive;
    for (uint32_t slot : rules[index].meta->variables()) {
      if (slot < rules.size() && rules[slot].meta) visit(slot);
    }
    mark[index] = kDone;
    order->push_back(index);
  };
  for (uint32_t i = 0; i < rules.size() && ok; ++i) {
    if (rules[i].meta) visit(i);
  }
  return ok;
}

// A space-collapsed group of `words` rules is matched by word lookup when the matcher takes
// every rule of it exactly (word_matcher.h); otherwise (or with a PCRE2 fallback in the
// group) the whole group stays on Hyperscan, so its hits keep Hyperscan's order. The lookup
// costs one pass over every word of the text whatever the lists hold, Hyperscan's literal
// matcher about what the lists' words make it stop for: with few entries Hyperscan is the
// cheaper (bench_rules, test split: 124 Russian entries 4 ms a pass vs 12, 315 English
// 48-50 vs 51 ms for their file, the shipped 439 the same, 1,100 generated 1.5x faster).
constexpr size_t kMinWordEntries = 400;

void AddWordMatcher(const std::vector<CompiledRule>& rules, size_t min_entries,
                    TargetGroup* group) {
  if (!group->collapse_space || !group->db || !group->fallback.empty()) return;
  size_t entries = 0;
  for (uint32_t r : group->rules) entries += rules[r].rule.words.size();
  if (entries < min_entries) return;
  for (uint32_t r : group->rules) {
    const Rule& rule = rules[r].rule;
    // The matcher is Hyperscan's caseless UTF-8 mode (flag noutf8 makes it bytes).
    if (!rule.from_words || !rule.flags.caseless || !rule.flags.utf8 ||
        !WordMatcher::Takes(rule.words)) {
      return;
    }
  }
  auto matcher = std::make_unique<WordMatcher>();
  for (uint32_t r : group->rules) matcher->Add(r, rules[r].rule.words);
  matcher->Finish();
  group->words = std::move(matcher);
}

// Splits a uri group's database rules into those that match only within a URL's host prefix
// (url_host_prefix.h) and the rest, each compiled into its own database; the group's full
// database stays. Nothing is split when no rule qualifies. Returns false on a compile error
// (the group then scans every URL with its full database, as without the split).
bool AddHostPrefixSplit(const std::vector<CompiledRule>& rules, const std::string& cache_dir,
                        TargetGroup* group, std::vector<std::string>* cache_files) {
  if (group->kind != TargetKind::kUri || !group->db) return true;
  std::vector<HsPattern> host, path;
  for (uint32_t r : group->rules) {
    const CompiledRule& rule = rules[r];
    if (rule.fallback) continue;
    HsPattern pattern{rule.scan_pattern, HsFlags(rule.rule), r};
    bool in_host = MatchesOnlyInHostPrefix(rule.scan_pattern, rule.rule.flags);
    (in_host ? host : path).push_back(std::move(pattern));
  }
  if (host.empty()) return true;
  HsCompileResult host_db = CompileHsDatabase(host, cache_dir);
  HsCompileResult path_db;
  if (!path.empty()) path_db = CompileHsDatabase(path, cache_dir);
  if (!host_db.db || (!path.empty() && !path_db.db)) return false;
  for (auto* compiled : {&host_db, &path_db}) {
    if (!compiled->cache_file.empty()) cache_files->push_back(compiled->cache_file);
  }
  group->host_db = std::move(host_db.db);
  group->path_db = std::move(path_db.db);
  return true;
}

}  // namespace

std::string Diagnostic::ToString() const {
  std::string out = file.empty() ? "<rules>" : file;
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) about the
  // temporary of ":" + std::to_string(line).
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  if (!rule_id.empty()) {
    out += rule_id;
    out += ": ";
  }
  out += message;
  return out;
}

RuleSetImpl::RuleSetImpl() : serial_(g_next_serial.fetch_add(1)) {}
RuleSetImpl::~RuleSetImpl() { hs_free_scratch(prototype_); }

std::vector<RuleSet::RuleInfo> RuleSetImpl::Rules() const {
  std::vector<RuleInfo> out;
  for (const auto& compiled : rules_) {
    const Rule& r = compiled.rule;
    out.push_back({r.id, r.description, r.target, r.score, r.file, r.line,
                   r.meta.empty() ? r.pattern : r.meta, r.min_hits, compiled.fallback});
  }
  return out;
}

Result<std::shared_ptr<const RuleSet>> RuleSet::Load(const std::vector<std::string>& files,
                                                     const LoadOptions& options,
                                                     std::vector<Diagnostic>* warnings_out) {
  std::vector<Diagnostic> errors, warnings;
  std::string parsed_file;
  std::vector<Rule> read =
      ReadRuleFilesCached(files, options.cache_dir, &errors, &warnings, &parsed_file);
  auto finish_warnings = [&] {
    if (warnings_out) warnings_out->insert(warnings_out->end(), warnings.begin(), warnings.end());
  };
  // Read errors do not stop here: the patterns that did read are checked too, so one
  // run of `sluice rules check` lists every problem.
  auto set = std::make_shared<RuleSetImpl>();
  std::set<std::string> disabled;
  for (auto& rule : read) {
    if (!rule.enabled) {
      disabled.insert(rule.id);
      continue;
    }
    if (!options.only_rules.empty() && !options.only_rules.count(rule.id)) continue;
    CompiledRule compiled;
    compiled.report = rule.id.rfind("__", 0) != 0;
    compiled.rule = std::move(rule);
    set->rules_.push_back(std::move(compiled));
  }
  std::unordered_map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < set->rules_.size(); ++i) index[set->rules_[i].rule.id] = i;
  std::unordered_map<std::string, uint32_t> fact_slots;
  for (uint32_t f = 0; f < kFactCount; ++f) {
    fact_slots[std::string(FactNames()[f].name)] = static_cast<uint32_t>(set->rules_.size()) + f;
  }

  // `words` over body and rawbody scan a copy of the text with whitespace runs made one
  // ' ' (built once per message), where a phrase is one literal: same matches, cheaper.
  // Scan patterns first, so that all of them are checked with Hyperscan in one (cached) go.
  std::vector<HsPattern> to_check;
  std::vector<bool> collapsed(set->rules_.size(), false);
  std::vector<size_t> check_of(set->rules_.size(), 0);
  for (uint32_t i = 0; i < set->rules_.size(); ++i) {
    CompiledRule& compiled = set->rules_[i];
    const Rule& rule = compiled.rule;
    if (rule.kind == TargetKind::kMeta) continue;
    collapsed[i] = (rule.kind == TargetKind::kBody || rule.kind == TargetKind::kRawBody) &&
                   rule.from_words && WordsSurviveCollapsing(rule.words);
    compiled.scan_pattern = collapsed[i] ? WordsToPattern(rule.words, true) : rule.pattern;
    check_of[i] = to_check.size();
    to_check.push_back({compiled.scan_pattern, HsFlags(rule), i});
  }
  std::string checks_file;
  const std::vector<HsPatternCheck> checks =
      CheckHsPatterns(to_check, options.cache_dir, &checks_file);

  // Pattern rules: group by target, take each pattern's check, fall back to PCRE2.
  std::map<std::string, uint32_t> group_of;
  std::vector<bool> referenced(set->rules_.size(), false);
  for (uint32_t i = 0; i < set->rules_.size(); ++i) {
    CompiledRule& compiled = set->rules_[i];
    Rule& rule = compiled.rule;
    if (rule.kind == TargetKind::kMeta) {
      Expr::Resolver resolve = [&](std::string_view name) -> uint32_t {
        std::string key(name);
        if (auto it = fact_slots.find(key); it != fact_slots.end()) return it->second;
        if (auto it = index.find(key); it != index.end()) {
          referenced[it->second] = true;
          return it->second;
        }
        warnings.push_back({rule.file, rule.line, rule.id,
                            disabled.count(key)
                                ? "meta rule names disabled rule " + key + " (counts as 0)"
                                : "meta rule names unknown rule " + key + " (counts as 0)"});
        return UINT32_MAX;
      };
      auto expr = Expr::Parse(rule.meta, resolve);
      if (!expr.ok()) {
        errors.push_back({rule.file, rule.line, rule.id, expr.status().message()});
        continue;
      }
      for (uint32_t slot : expr->variables()) {
        if (slot >= set->rules_.size() && slot != UINT32_MAX) {
          set->wanted_facts_ |= FactBit(static_cast<Fact>(slot - set->rules_.size()));
        }
      }
      compiled.meta = std::move(expr.value());
      continue;
    }
    const bool collapse = collapsed[i];
    std::string group_key = collapse ? rule.target + " (space collapsed)" : rule.target;
    auto [it, added] = group_of.emplace(group_key, static_cast<uint32_t>(set->groups_.size()));
    if (added) {
      TargetGroup group;
      group.kind = rule.kind;
      group.name = rule.target;
      group.header_name = rule.header_name;
      group.collapse_space = collapse;
      HeaderValueIndex& names = set->header_index_;
      switch (rule.kind) {
        case TargetKind::kSubject:
          group.header_slots = {names.Add("Subject")};
          break;
        case TargetKind::kFrom:
          group.header_slots = {names.Add("From")};
          break;
        case TargetKind::kTo:  // To, then Cc
          group.header_slots = {names.Add("To"), names.Add("Cc")};
          break;
        case TargetKind::kHeader:
          group.header_slots = {names.Add(rule.header_name)};
          break;
        default:
          break;
      }
      set->groups_.push_back(std::move(group));
    }
    compiled.group = it->second;
    set->groups_[it->second].rules.push_back(i);

    const HsPatternCheck& check = checks[check_of[i]];
    const std::string& hs_problem = check.problem;
    compiled.max_width = check.max_width;
    // JIT for all: excerpts re-match every rule that hits, so this is on the scan path too.
    Status pcre = compiled.regex.Compile(compiled.scan_pattern, rule.flags, true);
    if (hs_problem.empty()) continue;
    if (hs_problem.find("empty") != std::string::npos || !pcre.ok()) {
      std::string message = "bad pattern: " + hs_problem;
      if (!pcre.ok() && hs_problem.find("empty") == std::string::npos) {
        message += "; " + pcre.message();
      }
      errors.push_back({rule.file, rule.line, rule.id, message});
      continue;
    }
    compiled.fallback = true;
    set->groups_[it->second].fallback.push_back(i);
    warnings.push_back({rule.file, rule.line, rule.id,
                        "Hyperscan cannot compile this pattern (" + hs_problem +
                            "); scanned with PCRE2 instead, which is slower"});
  }
  if ((set->wanted_facts_ & kHeaderFacts) != 0) {
    for (const char* name : {"Date", "Message-ID", "From", "Subject", "To", "Cc", "Received"}) {
      set->fact_header_slots_.push_back(set->header_index_.Add(name));
    }
  }
  if (errors.empty()) OrderMetaRules(set->rules_, &set->meta_order_, &errors);
  if (!errors.empty()) {
    finish_warnings();
    return Refuse(errors);
  }
  // One Hyperscan database per target. A pattern that passed the single-pattern check but
  // fails in the full compile (size limits) falls back too, and the rest is recompiled.
  std::vector<std::string> cache_files;
  for (auto& group : set->groups_) {
    for (int attempt = 0;; ++attempt) {
      std::vector<HsPattern> patterns;
      std::vector<uint32_t> rule_of;
      for (uint32_t r : group.rules) {
        if (set->rules_[r].fallback) continue;
        patterns.push_back({set->rules_[r].scan_pattern, HsFlags(set->rules_[r].rule), r});
        rule_of.push_back(r);
      }
      if (patterns.empty()) break;
      HsCompileResult compiled = CompileHsDatabase(patterns, options.cache_dir);
      if (compiled.db) {
        group.db = std::move(compiled.db);
        if (!compiled.cache_file.empty()) cache_files.push_back(compiled.cache_file);
        break;
      }
      if (compiled.bad_index < 0 || attempt > 16) {
        errors.push_back({files.empty() ? "" : files.front(), 0, "",
                          "target " + group.name + ": Hyperscan: " + compiled.error});
        break;
      }
      CompiledRule& bad = set->rules_[rule_of[compiled.bad_index]];
      if (!bad.regex.compiled()) {
        errors.push_back(
            {bad.rule.file, bad.rule.line, bad.rule.id, "bad pattern: " + compiled.error});
        break;
      }
      bad.fallback = true;
      bad.regex.Compile(bad.scan_pattern, bad.rule.flags, true);
      group.fallback.push_back(rule_of[compiled.bad_index]);
      warnings.push_back({bad.rule.file, bad.rule.line, bad.rule.id,
                          "Hyperscan cannot compile this pattern (" + compiled.error +
                              "); scanned with PCRE2 instead, which is slower"});
    }
    if (options.host_prefix_scan &&
        !AddHostPrefixSplit(set->rules_, options.cache_dir, &group, &cache_files)) {
      warnings.push_back({"", 0, "",
                          "target " + group.name +
                              ": host prefix databases failed to compile; every "
                              "rule scans every URL"});
    }
    for (const HsDatabasePtr* db : {&group.db, &group.host_db, &group.path_db}) {
      if (*db && hs_alloc_scratch(db->get(), &set->prototype_) != HS_SUCCESS) {
        errors.push_back({"", 0, "", "cannot allocate Hyperscan scratch for " + group.name});
      }
    }
    if (options.word_matcher) {
      AddWordMatcher(set->rules_, options.word_matcher_min_entries.value_or(kMinWordEntries),
                     &group);
    }
  }
  if (!errors.empty()) {
    finish_warnings();
    return Refuse(errors);
  }
  if (!checks_file.empty()) cache_files.push_back(checks_file);
  if (!parsed_file.empty()) cache_files.push_back(parsed_file);
  RemoveStaleCacheFiles(options.cache_dir, cache_files);

  for (uint32_t i = 0; i < set->rules_.size(); ++i) {
    const Rule& rule = set->rules_[i].rule;
    if (referenced[i]) continue;
    if (!set->rules_[i].report) {
      warnings.push_back({rule.file, rule.line, rule.id,
                          "unreachable: helper rule (\"__\") that no meta rule uses"});
    } else if (rule.score == 0) {
      warnings.push_back(
          {rule.file, rule.line, rule.id, "unreachable: score 0 and no meta rule uses it"});
    }
  }
  finish_warnings();
  return std::shared_ptr<const RuleSet>(std::move(set));
}

}  // namespace sluice::rules
