// pcre_regex.h - one PCRE2 regex, used for what Hyperscan cannot do (internal to rules/).
//
// Two uses: (1) the matched-text excerpt of a rule that hit, found by re-matching only
// that rule near where Hyperscan reported the match (so the hot scan needs no
// start-of-match tracking); (2) the fallback for patterns Hyperscan refuses
// (back-references, lookaround), JIT-compiled.
// With `jit`, the JIT code is compiled at the first Find or Count, not at Compile: a load
// compiles every rule's pattern, a run needs only those of the rules that fire.
//
// Failure: Compile returns a non-ok Status with PCRE2's message and offset. Matching
// never fails loudly: a match error (e.g. the match limit) counts as no match.
// Thread-safety: a compiled PcreRegex is immutable and may be used from many threads
// (match data is per thread and reused: the excerpt re-match runs for every hit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "filter/rules/rule.h"
#include "filter/util/status.h"

namespace sluice::rules {

class PcreRegex {
 public:
  PcreRegex();
  ~PcreRegex();
  PcreRegex(PcreRegex&&) noexcept;
  PcreRegex& operator=(PcreRegex&&) noexcept;

  Status Compile(const std::string& pattern, const RuleFlags& flags, bool jit);
  bool compiled() const { return code_ != nullptr; }
  // What a match can hold (pattern_shape.h), for where an excerpt re-match may start:
  // true when no match can contain `byte`, for '\n' (a match lies on one line) and '>'
  // (within an HTML tag); false for other bytes;
  bool never_holds(char byte) const;
  // an upper bound on a match's bytes other than ASCII whitespace (UINT32_MAX: none).
  uint32_t max_non_space_bytes() const;
  // Whether the JIT code exists yet (for tests: it appears with the first match).
  bool jit_compiled() const;

  // The first match starting the search at `start`: [begin, end) offsets into text.
  std::optional<std::pair<size_t, size_t>> Find(std::string_view text, size_t start) const;
  // Non-overlapping matches in text, stopping at `limit`.
  uint32_t Count(std::string_view text, uint32_t limit) const;

 private:
  struct Code;
  void EnsureJit() const;  // JIT-compiles at the first match, once, whichever thread
  Code* code_ = nullptr;
};

}  // namespace sluice::rules
