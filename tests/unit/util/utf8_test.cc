// utf8_test.cc - DecodeUtf8 / Utf8SeqLen against Unicode's Table 3-7 and against an
// independent reference decoder (decode the bits, then reject by value), for every one-,
// two- and three-byte input and every four-byte lead with its boundary continuations.
#include "filter/util/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sluice {
namespace {

struct Decoded {
  size_t len;
  uint32_t cp;  // when len > 0
  size_t bad;   // when len == 0
};

Decoded Decode(std::string_view s) {
  Decoded d{0, 0xFFFFFFFF, 0};
  d.len = DecodeUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &d.cp, &d.bad);
  return d;
}

// The reference: the sequence length its lead byte announces, the value its bits spell,
// then well-formed only if every continuation is 10xxxxxx, the value needs that many bytes,
// is no surrogate and is <= U+10FFFF. (No maximal subpart: that is checked by table below.)
bool ReferenceDecode(std::string_view s, size_t* len, uint32_t* cp) {
  const auto c = static_cast<unsigned char>(s[0]);
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *len = 1;
    *cp = c;
    return true;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07;
  } else {
    return false;
  }
  if (s.size() < n) return false;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if ((b & 0xC0) != 0x80) return false;
    v = (v << 6) | (b & 0x3F);
  }
  const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < least[n] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return false;
  *len = n;
  *cp = v;
  return true;
}

std::string Hex(std::string_view s) {
  std::string hex;
  for (unsigned char c : s) hex += " " + std::to_string(c);
  return hex;
}

// Runs over a million inputs: the message is only built for a failure.
void ExpectLikeReference(const std::string& s) {
  size_t len = 0;
  uint32_t cp = 0;
  const bool ok = ReferenceDecode(s, &len, &cp);
  const Decoded d = Decode(s);
  size_t bad = 99;
  const size_t seq_len = Utf8SeqLen(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &bad);
  const bool agrees = ok ? d.len == len && d.cp == cp && seq_len == len
                         : d.len == 0 && d.bad >= 1 && d.bad <= std::min<size_t>(3, s.size()) &&
                               seq_len == 0 && bad == d.bad;
  ASSERT_TRUE(agrees) << Hex(s) << ": len " << d.len << " cp " << d.cp << " bad " << d.bad
                      << " seq_len " << seq_len << "; reference ok " << ok << " len " << len
                      << " cp " << cp;
}

TEST(Utf8Test, EveryInputOfUpToThreeBytesDecodesLikeTheReference) {
  for (int a = 0; a < 256; ++a) {
    ExpectLikeReference(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      ExpectLikeReference(two);
      if (a < 0xE0 || a > 0xF4) continue;  // only three- and four-byte leads need a third
      for (int c = 0; c < 256; ++c) ExpectLikeReference(two + static_cast<char>(c));
    }
  }
}

TEST(Utf8Test, FourByteSequencesAtTheirBoundaries) {
  const int edges[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF};
  for (int lead = 0xF0; lead <= 0xF7; ++lead) {
    for (int b : edges) {
      for (int c : edges) {
        for (int d : edges) {
          ExpectLikeReference(std::string{static_cast<char>(lead), static_cast<char>(b),
                                          static_cast<char>(c), static_cast<char>(d)});
        }
      }
    }
  }
}

TEST(Utf8Test, CodePointsAtTheEdgesOfEachLength) {
  EXPECT_EQ(Decode("\x7f").cp, 0x7Fu);
  EXPECT_EQ(Decode("\xc2\x80").cp, 0x80u);
  EXPECT_EQ(Decode("\xdf\xbf").cp, 0x7FFu);
  EXPECT_EQ(Decode("\xe0\xa0\x80").cp, 0x800u);
  EXPECT_EQ(Decode("\xed\x9f\xbf").cp, 0xD7FFu);  // just below the surrogates
  EXPECT_EQ(Decode("\xee\x80\x80").cp, 0xE000u);  // just above them
  EXPECT_EQ(Decode("\xef\xbf\xbf").cp, 0xFFFFu);
  EXPECT_EQ(Decode("\xf0\x90\x80\x80").cp, 0x10000u);
  EXPECT_EQ(Decode("\xf0\x9f\x98\x80").cp, 0x1F600u);
  EXPECT_EQ(Decode("\xf4\x8f\xbf\xbf").cp, 0x10FFFFu);
  EXPECT_EQ(Decode("\xf4\x8f\xbf\xbf").len, 4u);
  // Only the first character is decoded.
  EXPECT_EQ(Decode("a\xc3\xa9").len, 1u);
  EXPECT_EQ(Decode("\xc3\xa9z").len, 2u);
}

// The maximal subpart: the longest prefix that could still begin a well-formed sequence.
TEST(Utf8Test, MalformedSequencesReportTheirMaximalSubpart) {
  struct Case {
    std::string_view bytes;
    size_t bad;
  } cases[] = {
      {"\x80", 1},                             // a lone continuation
      {"\xbf", 1},                             //
      {"\xc0\x80", 1},                         // overlong NUL: C0 never starts a sequence
      {"\xc1\xbf", 1},                         //
      {"\xf5\x80\x80\x80", 1},                 // above U+10FFFF by its lead
      {"\xff", 1},                             //
      {"\xc3", 1},                             // truncated two-byte
      {"\xc3z", 1},                            // a wrong second byte
      {"\xe0\x80\xaf", 1},                     // overlong '/': E0 needs A0-BF next
      {"\xe0\xa0", 2},                         // truncated after a good second byte
      {"\xe0\xa0z", 2},                        // a wrong third byte
      {"\xed\xa0\x80", 1},                     // surrogate D800: ED needs 80-9F next
      {"\xed\x9f", 2},                         // truncated below the surrogates
      {"\xf0\x80\x80\xaf", 1},                 // overlong four-byte: F0 needs 90-BF
      {"\xf0\x90", 2},                         //
      {"\xf0\x90\x80", 3},                     // truncated before its last byte
      {"\xf0\x90\x80z", 3},                    //
      {"\xf4\x90\x80\x80", 1},                 // above U+10FFFF: F4 needs 80-8F
      {"\xf4\x8f\xbf\xc0", 3},                 // a wrong last byte
      {std::string_view("\xe2\x82\0", 3), 2},  // NUL is no continuation
  };
  for (const Case& c : cases) {
    const Decoded d = Decode(c.bytes);
    EXPECT_EQ(d.len, 0u) << testing::PrintToString(c.bytes);
    EXPECT_EQ(d.bad, c.bad) << testing::PrintToString(c.bytes);
  }
}

// Reading stops at n: a sequence cut by the buffer's end is malformed even when the bytes
// after it in memory would complete it.
TEST(Utf8Test, NeverReadsPastTheBuffer) {
  const std::string euro = "\xe2\x82\xac";
  for (size_t n = 1; n < euro.size(); ++n) {
    size_t bad = 0;
    uint32_t cp = 0;
    EXPECT_EQ(DecodeUtf8(reinterpret_cast<const uint8_t*>(euro.data()), n, &cp, &bad), 0u);
    EXPECT_EQ(bad, n);
  }
}

}  // namespace
}  // namespace sluice
