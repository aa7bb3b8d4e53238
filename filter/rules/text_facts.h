// text_facts.h - counted and literal-less body signs, computed in one pass over the text.
//
// A few spam signs are counts of cheap character classes ('!' fifteen times, thirty words
// in capitals, five dollar amounts, three quoted lines) or patterns with no rare literal
// (a phone number, a line in capitals). As Hyperscan rules they cost an automaton step per
// byte plus a callback per match; here they are one byte loop. Each field is defined as
// exactly what the regex it replaces would report (Hyperscan, UTF-8 mode, ASCII classes),
// so the rules keep their meaning: tests/unit/rules/text_facts_test.cc checks each
// against PCRE2 on generated texts.
//
// Thread-safety: a pure function of its input.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::rules {

struct TextFacts {
  size_t exclaim_count = 0;        // matches of /!/
  size_t dollar_amount_count = 0;  // matches of /\$\s?\d/
  size_t caps_word_count = 0;      // matches of /\b[A-Z]{4,}\b/
  size_t quoted_line_count = 0;    // matches of /^>/m
  bool phone_number = false;       // /\(?\d{3}\)?[\s\-\.]\d{3}[\s\-\.]\d{4}/ matches
  bool caps_line = false;          // /^[^a-z\n]{0,5}[A-Z][A-Z \t,.!'$&\-]{30,}$/m matches
  // In the first kUpperHeadBytes, as UpperCasePercent (facts.h) counts them: capitals and
  // letters, Latin and Cyrillic.
  size_t head_upper = 0;
  size_t head_letters = 0;
};

// The prefix of the text that head_upper and head_letters count (16 KiB: representative,
// and cheap on huge bodies).
constexpr size_t kUpperHeadBytes = 16 * 1024;

// The facts of `text` (decoded UTF-8, e.g. Message::visible_text).
TextFacts ComputeTextFacts(std::string_view text);

}  // namespace sluice::rules
