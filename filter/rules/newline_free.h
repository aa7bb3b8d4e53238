// newline_free.h - can a regex match text that holds a '\n'? (internal to rules/).
//
// A hit's excerpt is found by re-matching the rule with PCRE2 from some start before
// Hyperscan's earliest match end E. When no match of the pattern can contain '\n', every
// match ending at E starts on the line holding byte E-1, and no match starts on an earlier
// line (it would end before E), so the re-match may start at that line: exact, and far
// fewer start positions than the 1 KB window of an unbounded pattern.
//
// The answer comes from reading the pattern text (PCRE2 syntax) conservatively: only
// constructs known not to match '\n' pass; anything else (\s, \D, \W, \p{..}, negated
// classes without \n or \s, '.' under dotall, inline options, backreferences, verbs, ...)
// makes the answer false, which only keeps the slower window.
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "filter/rules/rule.h"

namespace sluice::rules {

// True only when no match of `pattern` under `flags` can contain a '\n' byte.
bool CannotMatchNewline(std::string_view pattern, const RuleFlags& flags);

}  // namespace sluice::rules
