// byte_classes_test.cc - the 16-byte class pieces against plain per-byte definitions for
// every byte value and lane, and the finders against plain loops at every offset and
// length around the 16-byte steps (the SIMD body, the scalar tail and the hand-over).
#include "filter/util/byte_classes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

#if defined(__SSE2__)
// Runs `classify` over vectors that put every byte value 0-255 in every lane, and checks
// each lane's bit against `expected` of its byte.
template <typename Classify, typename Expected>
void ExpectClass(Classify classify, Expected expected, const char* what) {
  for (int rotate = 0; rotate < 16; ++rotate) {
    for (int base = 0; base < 256; base += 16) {
      unsigned char bytes[16];
      for (int k = 0; k < 16; ++k) bytes[k] = static_cast<unsigned char>(base + (k + rotate) % 16);
      const unsigned mask = simd::Mask(classify(simd::Load(bytes)));
      for (int k = 0; k < 16; ++k) {
        ASSERT_EQ(((mask >> k) & 1) != 0, expected(bytes[k]))
            << what << ": byte " << int{bytes[k]} << " in lane " << k;
      }
    }
  }
}

TEST(ByteClassesTest, RangesAreUnsignedAndInclusive) {
  const int ranges[][2] = {{0, 0},       {0, 0x20},    {0x22, 0x23}, {'A', 'Z'},   {0x7b, 0x7f},
                           {0x7f, 0x80}, {0x80, 0xff}, {0xc2, 0xdf}, {0xff, 0xff}, {0, 0xff}};
  for (const auto& r : ranges) {
    const auto lo = static_cast<unsigned char>(r[0]), hi = static_cast<unsigned char>(r[1]);
    ExpectClass([&](__m128i v) { return simd::InRange(v, lo, hi); },
                [&](unsigned char c) { return c >= lo && c <= hi; }, "InRange");
    ExpectClass([&](__m128i v) { return simd::AtMost(v, hi); },
                [&](unsigned char c) { return c <= hi; }, "AtMost");
  }
}

TEST(ByteClassesTest, EqualAndTopBit) {
  for (int value : {0, 1, int{'='}, 0x7f, 0x80, 0xc3, 0xff}) {
    const char c = static_cast<char>(value);
    ExpectClass([&](__m128i v) { return simd::Equal(v, c); },
                [&](unsigned char b) { return b == static_cast<unsigned char>(c); }, "Equal");
  }
  ExpectClass([](__m128i v) { return v; }, [](unsigned char b) { return b >= 0x80; }, "Mask");
}

TEST(ByteClassesTest, AsciiLowerChangesOnlyCapitals) {
  for (int base = 0; base < 256; base += 16) {
    unsigned char bytes[16], lowered[16];
    for (int k = 0; k < 16; ++k) bytes[k] = static_cast<unsigned char>(base + k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lowered), simd::AsciiLower(simd::Load(bytes)));
    for (int k = 0; k < 16; ++k) {
      const unsigned char c = bytes[k];
      EXPECT_EQ(lowered[k], c >= 'A' && c <= 'Z' ? c + 32 : c) << int{c};
    }
  }
}
#endif

const char* PlainEither(const char* p, const char* end, char a, char b) {
  for (; p < end; ++p) {
    if (*p == a || *p == b) return p;
  }
  return end;
}
const char* PlainAnyOf3(const char* p, const char* end, char a, char b, char c) {
  for (; p < end; ++p) {
    if (*p == a || *p == b || *p == c) return p;
  }
  return end;
}
const char* PlainPair(const char* p, const char* end, char a, char b) {
  for (; end - p >= 2; ++p) {
    if (p[0] == a && p[1] == b) return p;
  }
  return end;
}

// Buffers of every length 0-70 with the wanted byte(s) at every position (and nowhere),
// filled with bytes that look alike (neighbouring values, the top bit set) but are not.
TEST(ByteClassesTest, FindersAgreeWithPlainLoopsAtEveryOffset) {
  const std::string filler = "<>\x09\x0b?\xbd\x8d\xaa\xdfxyzw^`a";  // near '=', '\n', '_', not them
  for (size_t len = 0; len <= 70; ++len) {
    for (size_t at = 0; at <= len; ++at) {  // at == len: nothing to find
      for (size_t second = at; second <= len; second += 5) {
        std::vector<char> buf(len + 16, 'q');  // bytes past the end must not be found
        for (size_t k = 0; k < len; ++k) buf[k] = filler[(k * 7) % filler.size()];
        for (size_t k = len; k < buf.size(); ++k) buf[k] = '=';
        if (at < len) buf[at] = '\n';
        if (second < len && second != at) buf[second] = '_';
        const char* p = buf.data();
        const char* end = p + len;
        ASSERT_EQ(FindEither(p, end, '=', '\n'), PlainEither(p, end, '=', '\n'))
            << len << " " << at;
        ASSERT_EQ(FindEither(p, end, '_', '\n'), PlainEither(p, end, '_', '\n'))
            << len << " " << at;
        ASSERT_EQ(FindAnyOf3(p, end, '=', '\n', '_'), PlainAnyOf3(p, end, '=', '\n', '_'))
            << len << " " << at;
        if (at + 1 < len) buf[at + 1] = 'b';
        ASSERT_EQ(FindPair(p, end, '\n', 'b'), PlainPair(p, end, '\n', 'b')) << len << " " << at;
        // A pair cut by the end: '\n' last, its 'b' just past the end is not seen.
        buf[len > 0 ? len - 1 : 0] = len > 0 ? '\n' : buf[0];
        buf[len] = 'b';
        ASSERT_EQ(FindPair(p, end, '\n', 'b'), PlainPair(p, end, '\n', 'b')) << len << " " << at;
      }
    }
  }
}

TEST(ByteClassesTest, FindersOnBytesWithTheTopBit) {
  std::string s(40, '\xe2');
  s[33] = '\x80';
  EXPECT_EQ(FindEither(s.data(), s.data() + s.size(), '\x80', '\x81'), s.data() + 33);
  EXPECT_EQ(FindAnyOf3(s.data(), s.data() + s.size(), 'a', 'b', '\x80'), s.data() + 33);
  EXPECT_EQ(FindPair(s.data(), s.data() + s.size(), '\xe2', '\x80'), s.data() + 32);
  EXPECT_EQ(FindEither(s.data(), s.data() + 33, '\x80', '\x81'), s.data() + 33);  // not found
}

}  // namespace
}  // namespace sluice
