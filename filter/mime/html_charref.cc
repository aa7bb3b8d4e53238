// html_charref.cc - HTML character references to UTF-8 (see html_entities.h), and the public
// DecodeHtmlEntities() for attribute values.
//
// Follows the WHATWG tokenizer: the longest named reference wins, the 106 legacy names are
// accepted without ';', numeric references without ';' are accepted, and invalid code points
// become U+FFFD. Never fails: text that is not a reference is kept literally.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "filter/mime/html_entities.h"
#include "filter/mime/html_text.h"

namespace sluice::mime {
namespace internal {
namespace {

// Windows-1252 meanings of 0x80-0x9F, which the HTML spec applies to numeric references
// (&#150; is an en dash in every browser). 0 marks bytes that keep their C1 code point.
constexpr uint16_t kCp1252C1[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

constexpr size_t kMaxLegacyNameLength = 6;  // "curren", "frac34", ... (checked in the test)

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Open-addressing hash over kNamedEntities (FNV-1a of the name): one hash and usually one
// comparison per lookup, where a binary search over 2231 names costs a dozen.
constexpr size_t kEntitySlots = 4096;  // power of two, load factor ~0.55

uint32_t HashName(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

struct EntityIndex {
  uint16_t slots[kEntitySlots];  // index + 1 into kNamedEntities; 0 is empty
  EntityIndex() : slots() {
    for (size_t i = 0; i < kNamedEntityCount; ++i) {
      size_t s = HashName(kNamedEntities[i].name) & (kEntitySlots - 1);
      while (slots[s] != 0) s = (s + 1) & (kEntitySlots - 1);
      slots[s] = static_cast<uint16_t>(i + 1);
    }
  }
};

const NamedEntity* Lookup(std::string_view name) {
  static const EntityIndex index;
  for (size_t s = HashName(name) & (kEntitySlots - 1);; s = (s + 1) & (kEntitySlots - 1)) {
    uint16_t slot = index.slots[s];
    if (slot == 0) return nullptr;
    const NamedEntity& e = kNamedEntities[slot - 1];
    if (e.name == name) return &e;
  }
}

size_t DecodeNumeric(std::string_view s, std::string* out) {
  size_t i = 2;  // past "&#"
  bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
  if (hex) ++i;
  const size_t digits_begin = i;
  uint32_t cp = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      break;
    }
    // Saturate: any value past U+10FFFF is equally invalid, and a long digit run must not
    // overflow into a valid one.
    cp = std::min<uint32_t>(cp * (hex ? 16 : 10) + digit, 0x110000);
  }
  if (i == digits_begin) return 0;  // "&#;" or "&#x" is literal text
  if (i < s.size() && s[i] == ';') ++i;
  if (cp >= 0x80 && cp <= 0x9F && kCp1252C1[cp - 0x80] != 0) cp = kCp1252C1[cp - 0x80];
  AppendUtf8(cp, out);
  return i;
}

}  // namespace

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  char buf[4];
  size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out->append(buf, n);
}

size_t DecodeCharRef(std::string_view s, bool in_attribute, std::string* out) {
  if (s.size() < 2 || s[0] != '&') return 0;
  if (s[1] == '#') return DecodeNumeric(s, out);

  // The longest name in the table is 31 characters plus ';'.
  size_t run = 0;
  while (run < 32 && 1 + run < s.size() && IsAsciiAlnum(s[1 + run])) ++run;
  if (run == 0) return 0;
  if (1 + run < s.size() && s[1 + run] == ';') {
    if (const NamedEntity* e = Lookup(s.substr(1, run + 1))) {
      out->append(e->value);
      return run + 2;
    }
  }
  // Legacy names are matched as the longest prefix of the run ("&notit;" -> "¬it;").
  for (size_t len = std::min(run, kMaxLegacyNameLength); len >= 2; --len) {
    const NamedEntity* e = Lookup(s.substr(1, len));
    if (e == nullptr) continue;
    if (in_attribute && 1 + len < s.size() && (s[1 + len] == '=' || IsAsciiAlnum(s[1 + len]))) {
      return 0;  // "?a=1&copy=2" in a URL is a parameter, not a copyright sign
    }
    out->append(e->value);
    return 1 + len;
  }
  return 0;
}

}  // namespace internal

void DecodeHtmlEntities(std::string_view text, std::string* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    const void* amp = std::memchr(text.data() + pos, '&', text.size() - pos);
    if (amp == nullptr) break;
    size_t at = static_cast<const char*>(amp) - text.data();
    out->append(text.data() + pos, at - pos);
    size_t used = internal::DecodeCharRef(text.substr(at), /*in_attribute=*/true, out);
    if (used == 0) {
      out->push_back('&');
      used = 1;
    }
    pos = at + used;
  }
  out->append(text.data() + pos, text.size() - pos);
}

}  // namespace sluice::mime
