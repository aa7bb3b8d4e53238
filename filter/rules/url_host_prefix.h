// url_host_prefix.h - uri patterns that only look at a URL's host prefix (internal to rules/).
//
// A URL's host prefix is the URL up to and including the first '/' after its first "://",
// or the whole URL when there is no such '/' (or no "://"): "http://user@host:8080/" of
// "http://user@host:8080/a/b?c". The links of a message, and of many messages, share a few
// host prefixes. A pattern qualifies when every match it can have in any URL ends within the
// URL's host prefix and none of them needs the URL to end where a shorter prefix ends (\z):
// then its matches in a URL are exactly its matches in the host prefix (same end offsets),
// so they can be found once per distinct prefix (rule_set_scan.cc).
//
// The proof is made at load from the pattern text, conservatively: the pattern is read as an
// automaton (literals, classes, escapes of certain meaning, groups, alternation, repeats, ^
// and \z; anything else -- lookarounds, \b, $, inline options, references -- does not
// qualify) whose every character may also be any run of non-ASCII bytes, and walked in step
// with a small automaton that tracks where in a URL each byte is. Nothing an admin writes
// changes meaning: a pattern that cannot be proven stays in the full-URL scan.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "filter/rules/rule.h"

namespace sluice::rules {

// The host prefix of `url` (see above), a prefix of it.
std::string_view UrlHostPrefix(std::string_view url);

// True only when `pattern` under `flags` provably matches only within a URL's host prefix
// and never at the prefix's end by \z alone (see above).
bool MatchesOnlyInHostPrefix(std::string_view pattern, const RuleFlags& flags);

}  // namespace sluice::rules
