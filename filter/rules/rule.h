// rule.h - one rule as read from a rule file, before compilation (internal to rules/).
//
// A rule is a pattern rule (regex `pattern` or a `words` list, scanned over one target)
// or a meta rule (an expression over rule ids and message facts). Rule files produce a
// flat, ordered list of these; later definitions and overrides have already been applied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::rules {

// What part of the message a pattern rule scans.
enum class TargetKind : uint8_t {
  kSubject,     // decoded Subject
  kFrom,        // decoded From
  kTo,          // decoded To and Cc, one per line
  kHeader,      // decoded value(s) of one named header (header:<Name>), one per line
  kHeaders,     // all top-level headers, "Name: value" per line
  kBody,        // Message::visible_text
  kRawBody,     // Message::raw_text
  kUri,         // each Url::url, scanned one at a time
  kFull,        // Message::raw, the undecoded bytes
  kAttachment,  // each attachment's filename, declared type and sniffed type, one at a time
  kMeta,        // not a pattern rule
};

struct RuleFlags {
  bool caseless = false;
  bool dotall = false;
  bool multiline = false;
  bool utf8 = true;  // off by default only for `full` (raw bytes need not be UTF-8)
  bool ucp = false;  // Unicode classes for \w, \d, \s (flag `ucp`; slow to compile)
};

struct Rule {
  std::string id;
  std::string description;
  std::string file;  // where it was (last) defined
  int line = 0;
  TargetKind kind = TargetKind::kMeta;
  std::string target;       // as written: "subject", "header:X-Mailer", "meta", ...
  std::string header_name;  // for kHeader
  std::string pattern;      // the regex compiled (for `words`, the generated one)
  bool from_words = false;
  std::vector<std::string> words;  // the `words` list as written (empty for `pattern`)
  std::string meta;                // the expression, for kMeta
  RuleFlags flags;
  double score = 0;
  uint32_t min_hits = 0;  // 0/1: fires on the first match
  bool enabled = true;
};

// Name used in diagnostics and RuleHit::target for a kind ("header:<Name>" for kHeader).
const char* TargetKindName(TargetKind kind);

}  // namespace sluice::rules
