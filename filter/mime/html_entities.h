// html_entities.h - internal: HTML character references (named, decimal, hex) to UTF-8.
//
// The named table is the WHATWG one, generated into html_entities.cc by
// tools/gen_html_entities.py. Decoding follows the HTML tokenizer's rules closely enough
// that what we extract is what a browser shows: legacy names without ';' are accepted,
// numeric references are mapped (0, surrogates, > U+10FFFF -> U+FFFD; 0x80-0x9F via
// windows-1252). Nothing here allocates except appending to the caller's string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime::internal {

struct NamedEntity {
  std::string_view name;   // without the '&', with the ';' when the name needs one
  std::string_view value;  // UTF-8
};

extern const NamedEntity kNamedEntities[];
extern const size_t kNamedEntityCount;

// Appends code point cp as UTF-8 (cp must be a valid scalar value or U+FFFD is written).
void AppendUtf8(uint32_t cp, std::string* out);

// Decodes one character reference at the start of s (s[0] == '&'). On success appends the
// decoded text to *out and returns the number of bytes consumed; returns 0 when s does not
// start a reference (the caller then keeps the '&' literally). in_attribute applies the
// attribute-value rule: a legacy name without ';' followed by '=' or an alphanumeric is not
// decoded ("?a=1&copy=2" stays as written).
size_t DecodeCharRef(std::string_view s, bool in_attribute, std::string* out);

}  // namespace sluice::mime::internal
