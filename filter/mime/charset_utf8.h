// charset_utf8.h - internal: UTF-8 validation and repair, and table-driven decoding of
// single-byte charsets, shared by the charset converters (charset.cc, charset_iconv.cc).
//
// Repair follows the Unicode "maximal subpart" rule (as Python and browsers do): each
// maximal prefix of a would-be sequence becomes one U+FFFD. What is well-formed, and each
// maximal subpart's length, is util/utf8.h's (Utf8SeqLen).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::mime {

inline constexpr char kReplacementUtf8[] = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 form of one byte of a single-byte charset; len 0 marks a byte the charset
// leaves undefined (decoded as U+FFFD).
struct Utf8Seq {
  uint8_t len;
  char bytes[3];
};
using ByteTable = std::array<Utf8Seq, 256>;

// Utf8Seq for a BMP code point.
constexpr Utf8Seq EncodeUtf8Seq(uint32_t cp) {
  if (cp < 0x80) return {1, {static_cast<char>(cp), 0, 0}};
  if (cp < 0x800) {
    return {2, {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F)), 0}};
  }
  return {3,
          {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
           static_cast<char>(0x80 | (cp & 0x3F))}};
}

// Length of the leading all-ASCII prefix of p[0..n), eight bytes at a time.
inline size_t AsciiPrefix(const uint8_t* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    if (v & 0x8080808080808080ULL) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

inline bool IsAllAscii(std::string_view s) {
  return AsciiPrefix(reinterpret_cast<const uint8_t*>(s.data()), s.size()) == s.size();
}

// Appends bytes that claim to be UTF-8, replacing malformed sequences; true when clean.
bool AppendSanitizedUtf8(std::string_view bytes, std::string* out);

// Appends bytes of a single-byte charset through its table; true when every byte was
// defined. With ascii_identity the table must map ASCII to itself, and ASCII runs are
// copied in bulk.
bool AppendByTable(const ByteTable& table, bool ascii_identity, std::string_view bytes,
                   std::string* out);

}  // namespace sluice::mime
