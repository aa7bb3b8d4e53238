// data_codec_test.cc - DATA dot-unstuffing, line ends, size limit and dot-stuffing.
#include "filter/smtp/data_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice::smtp {
namespace {

std::string Decode(std::string_view wire, size_t max = 1 << 20, size_t* consumed = nullptr) {
  DataDecoder d(max);
  size_t n = d.Feed(wire);
  if (consumed) *consumed = n;
  EXPECT_TRUE(d.done());
  return d.message();
}

TEST(DataDecoder, UnstuffsAndStopsAtTheDotLine) {
  size_t consumed = 0;
  std::string wire = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
  EXPECT_EQ(Decode(wire, 1 << 20, &consumed), "Subject: x\r\n\r\n.leading dot\r\n");
  EXPECT_EQ(wire.substr(consumed), "QUIT\r\n");
}

TEST(DataDecoder, BareLfBecomesCrlfAndBareCrStays) {
  EXPECT_EQ(Decode("a\nb\rc\r\n.\n"), "a\r\nb\rc\r\n");
}

TEST(DataDecoder, EightBitAndNulAreKept) {
  std::string wire("\xC3\xA9t\xC3\xA9\0x\r\n.\r\n", 12);
  EXPECT_EQ(Decode(wire), std::string("\xC3\xA9t\xC3\xA9\0x\r\n", 9));
}

TEST(DataDecoder, DotInsideALineIsNotTheEnd) {
  DataDecoder d(1000);
  d.Feed("a.\r\n\r\n. \r\n");
  EXPECT_FALSE(d.done());
  d.Feed(".\r\n");
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.message(), "a.\r\n\r\n \r\n");
}

TEST(DataDecoder, ByteAtATimeGivesTheSameResult) {
  std::string wire = "H: v\r\n\r\n..x\r\n.y\r\nend\r\r\n.\r\n";
  DataDecoder whole(1000);
  whole.Feed(wire);
  DataDecoder bytes(1000);
  for (char c : wire) bytes.Feed(std::string_view(&c, 1));
  ASSERT_TRUE(bytes.done());
  EXPECT_EQ(bytes.message(), whole.message());
}

TEST(DataDecoder, OverflowKeepsReadingToTheEnd) {
  DataDecoder d(10);
  size_t n = d.Feed("0123456789abcdef\r\nmore\r\n.\r\nRSET\r\n");
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(d.overflow());
  EXPECT_TRUE(d.message().empty());
  EXPECT_EQ(n, std::string("0123456789abcdef\r\nmore\r\n.\r\n").size());
}

TEST(AppendDotStuffed, StuffsAndTerminates) {
  std::string out;
  AppendDotStuffed(".a\r\nb\r\n.\r\n", &out);
  EXPECT_EQ(out, "..a\r\nb\r\n..\r\n.\r\n");
  out.clear();
  AppendDotStuffed("no final newline", &out);
  EXPECT_EQ(out, "no final newline\r\n.\r\n");
  out.clear();
  AppendDotStuffed("", &out);
  EXPECT_EQ(out, ".\r\n");
}

TEST(DataCodec, RoundTripOfRandomLines) {
  std::mt19937 rng(42);
  const std::string alphabet = ".a \t\x80\xff\r";
  for (int round = 0; round < 200; ++round) {
    std::string message;
    int lines = rng() % 10;
    for (int l = 0; l < lines; ++l) {
      int len = rng() % 6;
      for (int i = 0; i < len; ++i) {
        char c = alphabet[rng() % alphabet.size()];
        // A CR at the end of a line would merge with the CRLF; keep it inside.
        if (c == '\r' && i == len - 1) c = 'x';
        message.push_back(c);
      }
      message += "\r\n";
    }
    std::string wire;
    AppendDotStuffed(message, &wire);
    DataDecoder d(1 << 20);
    EXPECT_EQ(d.Feed(wire), wire.size());
    ASSERT_TRUE(d.done());
    EXPECT_EQ(d.message(), message);
  }
}

TEST(NormalizeLineEnds, BareLfBecomesCrlfAndNothingElseChanges) {
  std::string m = "a\nb\r\nc\rd\n\n";
  NormalizeLineEnds(&m);
  EXPECT_EQ(m, "a\r\nb\r\nc\rd\r\n\r\n");
  std::string clean = "x\r\n.\r\n";
  NormalizeLineEnds(&clean);
  EXPECT_EQ(clean, "x\r\n.\r\n");
  std::string lf_first = "\nz";
  NormalizeLineEnds(&lf_first);
  EXPECT_EQ(lf_first, "\r\nz");
}

}  // namespace
}  // namespace sluice::smtp
