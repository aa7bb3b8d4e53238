// shape_tokens.h - tokens that say how something is written rather than what it says.
//
// Spam from a later campaign uses other words, prices, phone numbers, hosts and IDs than
// the spam a model learned, so its exact tokens are unknown and its Bayes probability sits
// near 0.5. How such strings are written (a price "$99.99", a toll-free number
// "9-999-999-9999", a Message-ID made by one mass mailer, a Date written by a spam tool)
// changes more slowly. A shape keeps the character classes of a string and drops the
// characters: ASCII digits become '9', lower-case letters 'a', capitals 'A', each non-ASCII
// character 'u', anything else stays; a run of one class longer than four is cut to four
// and a '+' ("2002081210" -> "9999+"). A run of letters and digits that switches between
// them three times or more is an ID whose pattern is chance: 'x's ("3d4f9a1b" -> "xxxx+").
//
// Each family is a bit of TokenizerOptions::shapes, recorded with the model like every
// tokenizer option.
// Failure: none. Thread-safety: free functions; *scratch belongs to the caller's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "filter/mime/message.h"

namespace sluice::bayes {

class TokenList;

enum ShapeFamily : uint32_t {
  kDigitShapes = 1u << 0,   // words with a digit in the body text and the subject: "d:", "s:d:"
  kHeaderShapes = 1u << 1,  // the Date header ("date:"), the Message-ID's and the From
                            // address's left sides ("mid:s:", "from:s:")
  kUrlShapes = 1u << 2,     // a URL's top-level domain ("url:tld:"), IP hosts, path words with
                            // a digit ("url:ps:")
};

// *out = the shape of at most the first max_bytes of `text` (see above).
void ShapeOf(std::string_view text, size_t max_bytes, std::string* out);

// "<tag>" + the shape of each word of `text` that holds a digit and has at most max_chars
// bytes after trimming (words split as the tokenizer splits them).
void AddDigitShapes(std::string_view tag, std::string_view text, uint32_t max_chars, TokenList* out,
                    std::string* scratch);

// "date:" + the shape of a Date header's value.
void AddDateShape(std::string_view value, TokenList* out, std::string* scratch);

// "mid:s:" + the shape of a Message-ID's part before the '@' ("mid:s:none" without one).
void AddMessageIdShape(std::string_view value, TokenList* out, std::string* scratch);

// tag + the shape of the first address's part before the '@' in an address header's value
// (nothing without an '@').
void AddAddressShape(std::string_view tag, std::string_view value, TokenList* out,
                     std::string* scratch);

// "url:tld:" + the host's last label (or "url:h:ip" for a numeric host) and "url:ps:" + the
// shape of each path or query word of the URL that holds a digit.
void AddUrlShapes(const mime::Url& url, TokenList* out, std::string* scratch);

}  // namespace sluice::bayes
