// rule_file.h - reads YAML rule files into an ordered list of rules (internal to rules/).
//
// File format (top-level keys, all optional):
//   include: [other.yaml, ...]      # read first, paths relative to this file
//   rules:                          # definitions; a later file's rule with the same id
//     - id: FREE_GIFT               #   replaces the earlier one
//       description: ...
//       target: body                # subject from to header:<Name> headers body rawbody
//                                   #   uri full attachment   (or meta: instead of target)
//       pattern: 'regex'            # or  words: [free, бесплатный, "gift certificate"]
//       flags: [caseless]           # caseless dotall multiline utf8 noutf8 ucp
//       score: 1.5
//       min_hits: 3                 # optional
//     - id: FREE_AND_GIFT
//       meta: "FREE && GIFT"        # expression over rule ids and facts (facts.h)
//       score: 2
//     - id: SOME_RULE               # an entry with only id/score/enabled overrides
//       score: 0.5                  #   an earlier rule
//   scores: {RULE_ID: 2.5}          # shorthand score overrides
//   disable: [RULE_ID, ...]         # shorthand: disable earlier rules
//
// Failure: every problem found is appended to *errors as file:line: id: message; the
// result is only meaningful when *errors stayed empty. Problems that do not stop loading
// (duplicate ids in one file, overrides of unknown ids) go to *warnings.
#pragma once

#include <string>
#include <vector>

#include "filter/rules/rule.h"
#include "filter/rules/rule_set.h"

namespace sluice::rules {

// One file that ReadRuleFiles read, top-level or included: what the result depends on, for
// the parsed-rules cache (rule_cache.h).
struct RuleSource {
  std::string path;       // as read: what Rule::file and the diagnostics name
  std::string canonical;  // weakly_canonical(path): the identity include cycles are found by
  std::string text;       // its bytes
};

// With `sources`, every file read is appended to it in the order read.
std::vector<Rule> ReadRuleFiles(const std::vector<std::string>& files,
                                std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings,
                                std::vector<RuleSource>* sources = nullptr);

// Parses YAML text as if read from `name` (includes resolve relative to name's directory).
std::vector<Rule> ReadRuleText(const std::string& yaml_text, const std::string& name,
                               std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings);

// The regex a `words` list compiles to: whole words, any case, UTF-8 aware; a space in
// an entry matches any run of whitespace, and 'ё' also matches 'е'. With `single_space`,
// a space matches exactly one ' ': for texts where every run of whitespace (ASCII and
// U+00A0) is already one ' ' (CollapseSpace in target_text.h); a phrase is then one long
// literal for Hyperscan instead of one literal per word.
std::string WordsToPattern(const std::vector<std::string>& words, bool single_space = false);

// True when `words` matches the same places in a space-collapsed text with single_space
// as in the original text without: no entry starts or ends with whitespace or holds a
// no-break space (whose runs collapse too).
bool WordsSurviveCollapsing(const std::vector<std::string>& words);

}  // namespace sluice::rules
