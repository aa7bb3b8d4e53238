// transfer_decode_test.cc - base64 (RFC 4648 vectors), quoted-printable (RFC 2045 section
// 6.7 rules) and uuencode, with the tolerance cases real mail needs.
// The uuencoded lines were produced with Python's binascii.b2a_uu at test-writing time.
#include "filter/mime/transfer_decode.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sluice::mime {
namespace {

std::string B64(std::string_view in, bool* clean = nullptr) {
  std::string out;
  bool c = DecodeBase64(in, &out);
  if (clean != nullptr) *clean = c;
  return out;
}

std::string Qp(std::string_view in, bool* clean = nullptr, bool underscore = false) {
  std::string out;
  bool c = DecodeQuotedPrintable(in, &out, underscore);
  if (clean != nullptr) *clean = c;
  return out;
}

// A plain reference encoder, independent of the decoder under test.
std::string ReferenceBase64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (rest == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [encoded, decoded] : vectors) {
    bool clean = false;
    EXPECT_EQ(B64(encoded, &clean), decoded) << encoded;
    EXPECT_TRUE(clean) << encoded;
  }
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  // Python: base64.b64encode(bytes(range(256))); checks the table against an outside encoder.
  const char* python =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQk"
      "NERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG"
      "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIyc"
      "rLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
  EXPECT_EQ(ReferenceBase64(all), python);
  bool clean = false;
  EXPECT_EQ(B64(python, &clean), all);
  EXPECT_TRUE(clean);
  // Every length and every split point of the fast path.
  uint32_t seed = 12345;
  std::string data;
  for (int len = 0; len < 70; ++len) {
    EXPECT_EQ(B64(ReferenceBase64(data)), data) << len;
    seed = seed * 1103515245 + 12345;
    data.push_back(static_cast<char>(seed >> 16));
  }
}

TEST(Base64Test, WhitespaceAndLineBreaksAreSkippedCleanly) {
  bool clean = false;
  EXPECT_EQ(B64("Zm9v\r\nYmFy\r\n", &clean), "foobar");
  EXPECT_TRUE(clean);
  EXPECT_EQ(B64("  Zm 9v\tYm\nFy  ", &clean), "foobar");
  EXPECT_TRUE(clean);
}

TEST(Base64Test, JunkIsSkippedButReported) {
  bool clean = true;
  EXPECT_EQ(B64("Zm9v!Ym*Fy", &clean), "foobar");
  EXPECT_FALSE(clean);
  EXPECT_EQ(B64("\xff\xfeZm9v", &clean), "foo");
  EXPECT_FALSE(clean);
  EXPECT_EQ(B64("-_.", &clean), "");
  EXPECT_FALSE(clean);
}

TEST(Base64Test, MissingPaddingIsAcceptedAndReported) {
  bool clean = true;
  EXPECT_EQ(B64("Zm9vYg", &clean), "foob");
  EXPECT_FALSE(clean);
  EXPECT_EQ(B64("Zm9vYmE", &clean), "fooba");
  EXPECT_FALSE(clean);
  EXPECT_EQ(B64("Zm9vYg=", &clean), "foob");  // one '=' of two
  EXPECT_FALSE(clean);
}

TEST(Base64Test, TruncatedQuantumDropsTheLoneSextet) {
  bool clean = true;
  EXPECT_EQ(B64("Zm9vY", &clean), "foo");
  EXPECT_FALSE(clean);
}

TEST(Base64Test, ConcatenatedBlocksKeepDecoding) {
  bool clean = false;
  EXPECT_EQ(B64("Zg==\r\nZm8=\r\nZm9v", &clean), "ffofoo");
  EXPECT_TRUE(clean);
  EXPECT_EQ(B64("Zm8=Zm9v", &clean), "fofoo");
  EXPECT_TRUE(clean);
}

TEST(Base64Test, MisplacedPaddingIsReported) {
  bool clean = true;
  EXPECT_EQ(B64("Zg===", &clean), "f");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(B64("=Zm9v", &clean), "foo");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(B64("Zg=Zm9v", &clean), "ffoo");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(B64("Z===", &clean), "");
  EXPECT_FALSE(clean);
}

TEST(Base64Test, NulBytesAndAppending) {
  std::string out = "x";
  EXPECT_TRUE(DecodeBase64("AAA=", &out));
  EXPECT_EQ(out, std::string("x\0\0", 3));
}

TEST(Base64Test, HugeInput) {
  std::string in;
  for (int i = 0; i < 1 << 18; ++i) in += "QUJD\r\n";  // "ABC"
  std::string out;
  EXPECT_TRUE(DecodeBase64(in, &out));
  ASSERT_EQ(out.size(), 3u << 18);
  EXPECT_EQ(out.find_first_not_of("ABC"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 3), "ABC");
}

TEST(QuotedPrintableTest, Rfc2045SoftLineBreaks) {
  // RFC 2045 section 6.7, rule (5) and its example.
  bool clean = false;
  EXPECT_EQ(
      Qp("Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.", &clean),
      "Now's the time for all folk to come to the aid of their country.");
  EXPECT_TRUE(clean);
  EXPECT_EQ(Qp("soft=\nbreak with LF", &clean), "softbreak with LF");
  EXPECT_TRUE(clean);
  EXPECT_EQ(Qp("ends with =", &clean), "ends with ");
  EXPECT_TRUE(clean);
}

TEST(QuotedPrintableTest, Rfc2045GeneralEscapes) {
  // Rule (1): =XX with upper-case hex; lower case is accepted as RFC 2045 allows.
  bool clean = false;
  EXPECT_EQ(Qp("caf=E9 =3D =3d =00.", &clean), std::string("caf\xe9 = = \0.", 11));
  EXPECT_TRUE(clean);
  // Rule (2): literal representation passes through, 8-bit included.
  EXPECT_EQ(Qp("plain text, 8bit \xc3\xa9 ok", &clean), "plain text, 8bit \xc3\xa9 ok");
  EXPECT_TRUE(clean);
}

TEST(QuotedPrintableTest, Rfc2045TrailingWhitespaceIsTransportPadding) {
  // Rule (3): trailing white space on a line is deleted, encoded white space is kept.
  bool clean = false;
  EXPECT_EQ(Qp("abc  \r\ndef\t\nghi", &clean), "abc\r\ndef\nghi");
  EXPECT_TRUE(clean);
  EXPECT_EQ(Qp("abc=20\r\n"), "abc \r\n");
  EXPECT_EQ(Qp("a =20 \n"), "a  \n");
  EXPECT_EQ(Qp("a=09\t\r\n"), "a\t\r\n");
  // Whitespace after a soft break '=' belongs to the break.
  EXPECT_EQ(Qp("abc= \t\r\ndef", &clean), "abcdef");
  EXPECT_TRUE(clean);
  // Trailing whitespace at the very end of the input (no line break) is left alone.
  EXPECT_EQ(Qp("end  "), "end  ");
}

TEST(QuotedPrintableTest, MalformedEscapesAreKeptLiterally) {
  bool clean = true;
  EXPECT_EQ(Qp("a=zzb", &clean), "a=zzb");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(Qp("100% =G sure", &clean), "100% =G sure");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(Qp("=4", &clean), "=4");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(Qp("=A\nnext", &clean), "=A\nnext");
  EXPECT_FALSE(clean);
  clean = true;
  EXPECT_EQ(Qp("x==41", &clean), "x=A");
  EXPECT_FALSE(clean);
}

TEST(QuotedPrintableTest, UnderscoreIsSpaceOnlyInQEncoding) {
  EXPECT_EQ(Qp("a_b=5F", nullptr, true), "a b_");
  EXPECT_EQ(Qp("a_b=5F", nullptr, false), "a_b_");
}

TEST(QuotedPrintableTest, AppendsAndHandlesHugeInput) {
  std::string in;
  for (int i = 0; i < 100000; ++i) in += "caf=C3=A9 =\r\nline  \r\n";
  std::string out = ">";
  EXPECT_TRUE(DecodeQuotedPrintable(in, &out));
  std::string expected = ">";
  for (int i = 0; i < 100000; ++i) expected += "caf\xc3\xa9 line\r\n";
  EXPECT_EQ(out, expected);
}

constexpr const char* kUuLines =
    "M5&AE('%U:6-K(&)R;W=N(&9O>\"!J=6UP<R!O=F5R('1H92!L87IY(&1O9RP@\n"
    ";='=I8V4Z('1H92!Q=6EC:R!B<F]W;B!F;W@N\n"
    "`\n";
constexpr const char* kUuText =
    "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";

TEST(UuencodeTest, FindsBlockAndDecodesIt) {
  std::string text = std::string("Here is the file:\r\n\r\nbegin 644 fox.txt\n") + kUuLines +
                     "end\n" + "trailing text\n";
  UuBlock block;
  ASSERT_TRUE(FindUuBlock(text, 0, &block));
  EXPECT_EQ(block.filename, "fox.txt");
  EXPECT_EQ(block.begin, text.find("begin"));
  EXPECT_EQ(block.end, text.find("trailing"));
  std::string out;
  EXPECT_TRUE(
      DecodeUuencode(std::string_view(text).substr(block.begin, block.end - block.begin), &out));
  EXPECT_EQ(out, kUuText);
  // Without the begin/end lines too.
  out.clear();
  EXPECT_TRUE(DecodeUuencode(kUuLines, &out));
  EXPECT_EQ(out, kUuText);
}

TEST(UuencodeTest, FindsSuccessiveBlocksAndRequiresALineStart) {
  std::string text =
      "say begin 644 not-a-block\nbegin 600 one.bin\n#0V%T\n`\nend\n"
      "begin 0644 two file.txt\r\n#0V%T\r\n`\r\nend\r\n";
  UuBlock first, second, none;
  ASSERT_TRUE(FindUuBlock(text, 0, &first));
  EXPECT_EQ(first.filename, "one.bin");
  ASSERT_TRUE(FindUuBlock(text, first.end, &second));
  EXPECT_EQ(second.filename, "two file.txt");
  EXPECT_EQ(second.end, text.size());
  EXPECT_FALSE(FindUuBlock(text, second.end, &none));
  // Starting mid-line skips to the next line.
  UuBlock mid;
  ASSERT_TRUE(FindUuBlock(text, first.begin + 1, &mid));
  EXPECT_EQ(mid.filename, "two file.txt");
  std::string out;
  EXPECT_TRUE(DecodeUuencode(std::string_view(text).substr(second.begin), &out));
  EXPECT_EQ(out, "Cat");
}

TEST(UuencodeTest, RejectsLinesThatAreNotBeginLines) {
  UuBlock b;
  EXPECT_FALSE(FindUuBlock("begin 644\nM\nend\n", 0, &b));    // no name
  EXPECT_FALSE(FindUuBlock("begin abc file\nend\n", 0, &b));  // no mode
  EXPECT_FALSE(FindUuBlock("begin 999 file\nend\n", 0, &b));  // not octal
  EXPECT_FALSE(FindUuBlock("beginning 644 file\nend\n", 0, &b));
  EXPECT_FALSE(FindUuBlock("", 0, &b));
  EXPECT_FALSE(FindUuBlock("begin 644 f\n", 100, &b));  // from beyond the text
}

TEST(UuencodeTest, MissingEndRunsToTheEndOfText) {
  std::string text = "begin 644 cat\n#0V%T\n";
  UuBlock b;
  ASSERT_TRUE(FindUuBlock(text, 0, &b));
  EXPECT_EQ(b.end, text.size());
  std::string out;
  EXPECT_TRUE(DecodeUuencode(text, &out));
  EXPECT_EQ(out, "Cat");
}

TEST(UuencodeTest, StrippedTrailingSpacesAreTolerated) {
  // b2a_uu(b"\0\0\0") is "#    ": some gateways strip the trailing spaces.
  std::string out;
  EXPECT_TRUE(DecodeUuencode("#\n", &out));
  EXPECT_EQ(out, std::string(3, '\0'));
}

TEST(UuencodeTest, MalformedLinesAreReported) {
  std::string out;
  EXPECT_FALSE(DecodeUuencode("#0v%t\n", &out));  // lower case is outside ' '..'`'
  out.clear();
  EXPECT_FALSE(DecodeUuencode("\x01garbage\n#0V%T\n", &out));
  EXPECT_EQ(out, "Cat");
  out.clear();
  EXPECT_FALSE(DecodeUuencode("M0V%T\n", &out));  // claims 45 bytes, carries 3
}

}  // namespace
}  // namespace sluice::mime
