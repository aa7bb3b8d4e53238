// byte_classes.h - byte classes 16 bytes at a time: the SSE2 pieces the decoders and
// tokenizers build their scanners from, and finders for the next byte of two or three
// values.
//
// Decoded text is mostly runs of ordinary ASCII bytes between the few that need attention
// (a line break, '=', a word separator). The scanners classify 16 bytes per step into bit
// masks instead of testing byte by byte. One set of pieces, so that a range written as
// "0x3a-0x3e" means the same (unsigned, inclusive) in every scanner that uses it.
//
// Contracts: simd:: functions work on the 16 bytes of a vector; a class result has 0xff in
// the byte lanes of the class and 0x00 elsewhere, and Mask turns it into 16 bits (bit k =
// lane k). Find* return exactly what their plain loops below would (SSE2 or not).
// Failure: none. Thread-safety: pure functions.
#pragma once

#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice {

#if defined(__SSE2__)
namespace simd {

// Bit k = the top bit of lane k (of a class result: lane k is in the class; of raw bytes:
// lane k is >= 0x80).
inline unsigned Mask(__m128i v) { return static_cast<unsigned>(_mm_movemask_epi8(v)); }

// The 16 bytes at p (unaligned).
inline __m128i Load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Lanes equal to c.
inline __m128i Equal(__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); }

// Lanes with lo <= byte <= hi, compared unsigned (lo <= hi).
inline __m128i InRange(__m128i v, unsigned char lo, unsigned char hi) {
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo)));
  return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(hi - lo))), d);
}

// Lanes with byte <= hi, compared unsigned.
inline __m128i AtMost(__m128i v, unsigned char hi) {
  return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(static_cast<char>(hi))), v);
}

// The bytes with ASCII 'A'-'Z' made lower case; every other byte (>= 0x80 too) unchanged.
inline __m128i AsciiLower(__m128i v) {
  return _mm_add_epi8(v, _mm_and_si128(InRange(v, 'A', 'Z'), _mm_set1_epi8(0x20)));
}

}  // namespace simd
#endif

// First byte in [p, end) equal to a or b; end when there is none.
inline const char* FindEither(const char* p, const char* end, char a, char b) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = simd::Load(p);
    const unsigned mask = simd::Mask(_mm_or_si128(simd::Equal(v, a), simd::Equal(v, b)));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    if (*p == a || *p == b) return p;
  }
  return end;
}

// First byte in [p, end) equal to a, b or c; end when there is none.
inline const char* FindAnyOf3(const char* p, const char* end, char a, char b, char c) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = simd::Load(p);
    const unsigned mask = simd::Mask(
        _mm_or_si128(_mm_or_si128(simd::Equal(v, a), simd::Equal(v, b)), simd::Equal(v, c)));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    if (*p == a || *p == b || *p == c) return p;
  }
  return end;
}

// First position in [p, end - 1) where a is followed by b (a line starting with 'b' is
// "\nb"); end when there is none.
inline const char* FindPair(const char* p, const char* end, char a, char b) {
#if defined(__SSE2__)
  while (end - p >= 17) {
    const unsigned mask =
        simd::Mask(_mm_and_si128(simd::Equal(simd::Load(p), a), simd::Equal(simd::Load(p + 1), b)));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  for (; end - p >= 2; ++p) {
    if (p[0] == a && p[1] == b) return p;
  }
  return end;
}

}  // namespace sluice
