// utf8.h - decoding one UTF-8 character strictly: the one definition of "well-formed UTF-8"
// for the MIME decoder's validation and repair and any other reader of decoded text.
//
// Well-formed is Unicode's Table 3-7: no overlong forms (C0, C1, E0 80-9F, F0 80-8F), no
// surrogates (ED A0-BF), nothing above U+10FFFF (F4 90-BF, F5-FF), every continuation byte
// 80-BF, and the whole sequence inside the buffer. A malformed sequence reports the length
// of its "maximal subpart" (Unicode 3.9, U+FFFD substitution as Python and browsers do it):
// the longest prefix that could still have begun a well-formed sequence, at least 1 byte.
//
// Failure: none (malformed input is a result, not an error). Header-only and inline: these
// run once per non-ASCII character of every decoded part.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice {

// Decodes the character at p[0..n) (n >= 1). Returns its length (1-4) and stores its code
// point in *cp; or returns 0 when the bytes there are not well-formed UTF-8, leaves *cp
// unspecified and stores the maximal subpart's length (1-3) in *bad.
inline size_t DecodeUtf8(const uint8_t* p, size_t n, uint32_t* cp, size_t* bad) {
  const uint8_t c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte (Table 3-7)
  uint32_t value;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    value = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    value = c & 0x0Fu;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    value = c & 0x07u;
    if (c == 0xF0) lo = 0x90;  // no overlongs
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *bad = 1;  // 80-C1, F5-FF never start a sequence
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (k >= n) {
      *bad = k;
      return 0;
    }
    const uint8_t b = p[k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
      *bad = k;
      return 0;
    }
    value = (value << 6) | (b & 0x3Fu);
  }
  *cp = value;
  return len;
}

// DecodeUtf8 without the code point: the length of the well-formed sequence at p[0..n)
// (n >= 1), or 0 and *bad as above.
inline size_t Utf8SeqLen(const uint8_t* p, size_t n, size_t* bad) {
  uint32_t unused;  // inlined: the code point's arithmetic is dropped
  return DecodeUtf8(p, n, &unused, bad);
}

}  // namespace sluice
