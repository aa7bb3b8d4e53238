// pattern_shape.h - what a regex's matches can hold, read from its text (internal to rules/).
//
// A hit's excerpt is found by re-matching the rule with PCRE2 from some start before
// Hyperscan's earliest match end E; any start before every possible match start gives the
// same leftmost match, and the later the start, the fewer positions PCRE2 tries. Two
// shapes give such a start for patterns of unbounded width:
//  - no match can contain '\n' (or '>'): every match ending at E starts after the last
//    '\n' before byte E-1, and no match starts at or before it (it would end before E);
//    '>' bounds the HTML tag patterns of rawbody ('<font[^>]*\bsize...') the same way;
//  - every match holds at most N bytes that are not ASCII whitespace (the unbounded parts
//    are runs of \s, as in 'mailing\s+list'): a match ending at or after E cannot start
//    before the point N such bytes back from E.
//
// Both come from reading the pattern text (PCRE2 syntax) conservatively: only constructs
// whose meaning is certain pass; anything else (\p{..}, inline options, references, verbs,
// unusual escapes, ...) gives the answer that keeps the old 1 KB window.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "filter/rules/rule.h"

namespace sluice::rules {

// True only when no match of `pattern` under `flags` can contain `byte`, an ASCII byte that
// is neither a letter, a digit nor a regex metacharacter (false for any other byte).
bool CannotMatchByte(std::string_view pattern, const RuleFlags& flags, char byte);

// An upper bound on the bytes other than ASCII whitespace (\t \n \v \f \r and space) that
// one match of `pattern` can hold; UINT32_MAX when unbounded or not understood.
uint32_t MaxNonSpaceBytes(std::string_view pattern, const RuleFlags& flags);

}  // namespace sluice::rules
