// structure_test.cc - the MIME tree: header blocks, multipart boundaries, nesting, limits.
#include <gtest/gtest.h>

#include <string>

#include "filter/mime/message.h"
#include "tests/unit/mime/parser_test_util.h"

namespace sluice::mime {
namespace {

using testing::Crlf;
using testing::HasDefect;
using testing::HasDefectIn;
using testing::PartIndex;

TEST(HeaderBlock, FoldedRepeatedAndObsoleteFields) {
  std::string raw = Crlf(
      "Received: from a\n\tby b\nReceived: from c\nSubject : obsolete space\n"
      "X-Empty:\nsubject: second\n\nbody\n");
  Message m = Parse(raw);
  ASSERT_EQ(m.headers().size(), 5u);
  EXPECT_EQ(m.headers()[0].name, "Received");
  EXPECT_EQ(m.headers()[0].raw_value, " from a\r\n\tby b");
  EXPECT_EQ(m.headers()[0].value, "from a\tby b");  // unfolding keeps the WSP
  EXPECT_EQ(m.headers()[1].value, "from c");
  EXPECT_EQ(m.headers()[2].name, "Subject");
  EXPECT_EQ(m.headers()[2].value, "obsolete space");
  EXPECT_EQ(m.headers()[3].value, "");
  ASSERT_NE(m.FindHeader("SUBJECT"), nullptr);
  EXPECT_EQ(m.FindHeader("SUBJECT")->value, "obsolete space");  // the first one
  EXPECT_EQ(m.FindHeader("X-Missing"), nullptr);
  EXPECT_EQ(m.TextOf(m.parts[0]), "body\r\n");
  EXPECT_TRUE(m.defects.empty());
}

TEST(HeaderBlock, MboxFromLineIsSkipped) {
  Message m = Parse("From someone@example.com Mon Jan  1 00:00:00 2001\nSubject: hi\n\ntext\n");
  ASSERT_EQ(m.headers().size(), 1u);
  EXPECT_EQ(m.headers()[0].name, "Subject");
  EXPECT_TRUE(m.defects.empty());
}

TEST(HeaderBlock, MissingSeparatorStartsTheBody) {
  Message m = Parse("Subject: hi\nthis line is body text\nmore\n");
  ASSERT_EQ(m.headers().size(), 1u);
  EXPECT_EQ(m.TextOf(m.parts[0]), "this line is body text\nmore\n");
  EXPECT_TRUE(HasDefect(m, DefectKind::kBadHeaderLine));
}

TEST(HeaderBlock, NoHeadersAtAll) {
  Message m = Parse("\nonly a body\n");
  EXPECT_TRUE(m.headers().empty());
  EXPECT_TRUE(HasDefect(m, DefectKind::kMissingHeaders));
  EXPECT_EQ(m.TextOf(m.parts[0]), "only a body\n");

  Message empty = Parse("");
  ASSERT_EQ(empty.parts.size(), 1u);
  EXPECT_TRUE(HasDefect(empty, DefectKind::kMissingHeaders));
}

TEST(HeaderBlock, HeadersWithoutBody) {
  Message m = Parse("Subject: only headers");
  ASSERT_EQ(m.headers().size(), 1u);
  EXPECT_EQ(m.headers()[0].value, "only headers");
  EXPECT_TRUE(m.parts[0].raw_body.empty());
}

TEST(HeaderBlock, LimitsAreDefects) {
  Limits limits;
  limits.max_headers = 3;
  limits.max_line_length = 50;
  std::string raw;
  for (int i = 0; i < 10; ++i) raw += "X-H" + std::to_string(i) + ": v\n";
  raw += "X-Long: " + std::string(80, 'a') + "\n\nbody\n";
  Message m = Parse(raw, limits);
  EXPECT_EQ(m.headers().size(), 3u);
  EXPECT_TRUE(HasDefect(m, DefectKind::kTooManyHeaders));
  EXPECT_TRUE(HasDefect(m, DefectKind::kLineTooLong));
  EXPECT_EQ(m.TextOf(m.parts[0]), "body\n");  // the body still starts after the block

  limits = Limits();
  limits.max_header_bytes = 100;
  Message big = Parse(raw, limits);
  EXPECT_TRUE(HasDefect(big, DefectKind::kHeaderTooLong));
  EXPECT_EQ(big.headers().size(), 10u);  // the fields within 100 bytes
  EXPECT_EQ(big.FindHeader("X-Long"), nullptr);
  EXPECT_EQ(big.TextOf(big.parts[0]), "body\n");
}

const char kNested[] =
    "Subject: nested\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "preamble text\n"
    "--outer\n"
    "Content-Type: text/plain\n"
    "\n"
    "first\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "\n"
    "plain alternative\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html alternative</p>\n"
    "--inner--\n"
    "--outer \t\n"
    "Content-Type: text/plain\n"
    "\n"
    "last\n"
    "--outer--\n"
    "epilogue text\n";

TEST(Multipart, NestedTreeAndPaths) {
  for (const std::string& raw : {std::string(kNested), Crlf(kNested)}) {
    Message m = Parse(raw);
    ASSERT_EQ(m.parts.size(), 6u) << raw;
    const char* paths[] = {"1", "1.1", "1.2", "1.2.1", "1.2.2", "1.3"};
    const char* types[] = {"multipart/mixed", "text/plain", "multipart/alternative",
                           "text/plain",      "text/html",  "text/plain"};
    for (size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(m.parts[i].path, paths[i]);
      EXPECT_EQ(m.parts[i].content_type, types[i]);
    }
    EXPECT_EQ(m.parts[0].children, (std::vector<uint32_t>{1, 2, 5}));
    EXPECT_EQ(m.parts[2].children, (std::vector<uint32_t>{3, 4}));
    EXPECT_EQ(m.parts[4].parent, 2u);
    EXPECT_EQ(m.parts[4].depth, 2u);
    EXPECT_EQ(m.parts[0].boundary, "outer");
    // The line break before a delimiter belongs to the delimiter.
    EXPECT_EQ(m.TextOf(m.parts[1]), "first");
    EXPECT_EQ(m.TextOf(m.parts[3]), "plain alternative");
    EXPECT_EQ(m.TextOf(m.parts[5]), "last");
    EXPECT_TRUE(m.parts[4].is_html);
    // Preamble and epilogue are not content.
    EXPECT_EQ(m.raw_text.find("preamble"), std::string::npos);
    EXPECT_EQ(m.raw_text.find("epilogue"), std::string::npos);
    EXPECT_TRUE(m.defects.empty());
    EXPECT_FALSE(m.html_only);
  }
}

TEST(Multipart, LongerBoundaryIsNotADelimiter) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--bb\nstill one\n--b-x\n--b--\n");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.TextOf(m.parts[1]), "one\n--bb\nstill one\n--b-x");
}

TEST(Multipart, MissingCloseDelimiter) {
  Message m = Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.TextOf(m.parts[2]), "two\n");
  EXPECT_TRUE(HasDefectIn(m, DefectKind::kCloseBoundaryMissing, 0));
}

TEST(Multipart, OuterDelimiterEndsInnerPartWithoutClose) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=out\n\n"
      "--out\nContent-Type: multipart/alternative; boundary=in\n\n--in\n\ninner\n"
      "--out\n\nsecond\n--out--\n");
  ASSERT_EQ(m.parts.size(), 4u);
  EXPECT_EQ(m.parts[2].path, "1.1.1");
  EXPECT_EQ(m.TextOf(m.parts[2]), "inner");
  EXPECT_EQ(m.parts[3].path, "1.2");
  EXPECT_EQ(m.TextOf(m.parts[3]), "second");
  EXPECT_TRUE(HasDefectIn(m, DefectKind::kCloseBoundaryMissing, 1));
  EXPECT_FALSE(HasDefectIn(m, DefectKind::kCloseBoundaryMissing, 0));
}

TEST(Multipart, StartBoundaryNotFoundKeepsBodyAsText) {
  Message m = Parse("Content-Type: multipart/mixed; boundary=b\n\njust text, no parts\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_TRUE(HasDefect(m, DefectKind::kStartBoundaryNotFound));
  EXPECT_TRUE(m.parts[0].is_text);
  EXPECT_EQ(m.TextOf(m.parts[0]), "just text, no parts\n");
  EXPECT_NE(m.visible_text.find("just text"), std::string::npos);
}

TEST(Multipart, MissingBoundaryParameter) {
  Message m = Parse("Content-Type: multipart/mixed\n\n--x\n\nbody\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_TRUE(HasDefect(m, DefectKind::kMissingBoundary));
  EXPECT_EQ(m.TextOf(m.parts[0]), "--x\n\nbody\n");
}

TEST(Multipart, RepeatedDelimitersOpenOnePart) {
  // As Python's email package reads it: consecutive delimiter lines open a single part.
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n--b\n--b\n\ntwo\n"
      "--b\n--b--\nepilogue\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.TextOf(m.parts[1]), "one");
  EXPECT_EQ(m.TextOf(m.parts[2]), "two");
  EXPECT_EQ(m.parts[2].path, "1.2");
  EXPECT_FALSE(HasDefect(m, DefectKind::kCloseBoundaryMissing));
}

TEST(Multipart, BoundaryParameterTrailingBlanksAreIgnored) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=\"a b  \"\n\n--a b  \n\none\n--a b\n\ntwo\n"
      "--a b--\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[0].boundary, "a b");
  EXPECT_EQ(m.TextOf(m.parts[1]), "one");
  EXPECT_EQ(m.TextOf(m.parts[2]), "two");
}

TEST(Multipart, DeliveryStatusIsText) {
  Message m = Parse(
      "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
      "--r\n\nYour message was not delivered.\n"
      "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
      "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
      "--r\nContent-Type: text/rfc822-headers\n\nSubject: original\n--r--\n");
  ASSERT_EQ(m.parts.size(), 4u);
  EXPECT_EQ(m.parts[2].content_type, "message/delivery-status");
  EXPECT_TRUE(m.parts[2].is_text);
  EXPECT_TRUE(m.parts[2].children.empty());
  EXPECT_NE(m.TextOf(m.parts[2]).find("Action: failed"), std::string::npos);
}

TEST(Multipart, SameBoundaryNestedLikePython) {
  // The inner multipart reuses the outer boundary: the outer delimiter wins, so the inner
  // part never sees its start delimiter.
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n"
      "Content-Type: multipart/related; boundary=zz\n\n--zz\n\nbody\n--zz--\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[1].content_type, "multipart/related");
  EXPECT_TRUE(HasDefectIn(m, DefectKind::kStartBoundaryNotFound, 1));
  EXPECT_EQ(m.TextOf(m.parts[2]), "body");
}

TEST(Multipart, DigestChildrenDefaultToMessage) {
  Message m =
      Parse("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d--\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[1].content_type, "message/rfc822");
  ASSERT_EQ(m.parts[2].headers.size(), 1u);
  EXPECT_EQ(m.parts[2].headers[0].value, "one");
  EXPECT_EQ(m.TextOf(m.parts[2]), "first");
}

TEST(NestedMessage, Rfc822IsParsed) {
  Message m = Parse(
      "Subject: outer\nContent-Type: message/rfc822\n\n"
      "Subject: inner\nContent-Type: text/plain\n\ninner body\n");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[1].path, "1.1");
  EXPECT_EQ(m.parts[1].parent, 0u);
  ASSERT_EQ(m.parts[1].headers.size(), 2u);
  EXPECT_EQ(m.parts[1].headers[0].value, "inner");
  EXPECT_EQ(m.TextOf(m.parts[1]), "inner body\n");
  EXPECT_EQ(m.FindHeader("Subject")->value, "outer");
}

TEST(NestedMessage, Base64EncodedRfc822IsDecodedFirst) {
  // "Subject: hidden\n\nsecret text\n" in base64.
  Message m = Parse(
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
      "U3ViamVjdDogaGlkZGVuCgpzZWNyZXQgdGV4dAo=\n");
  ASSERT_EQ(m.parts.size(), 2u);
  ASSERT_EQ(m.parts[1].headers.size(), 1u);
  EXPECT_EQ(m.parts[1].headers[0].value, "hidden");
  EXPECT_EQ(m.TextOf(m.parts[1]), "secret text\n");
  ASSERT_EQ(m.nested_buffers.size(), 1u);
}

std::string NestedMultiparts(int levels) {
  std::string raw;
  for (int i = 0; i < levels; ++i) {
    raw += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
           std::to_string(i) + "\n";
  }
  raw += "\ndeepest\n";
  return raw;
}

TEST(Limits, DepthIsBounded) {
  Message m = Parse(NestedMultiparts(30));
  EXPECT_TRUE(HasDefect(m, DefectKind::kTooDeep));
  uint32_t max_depth = 0;
  for (const auto& p : m.parts) max_depth = std::max(max_depth, p.depth);
  EXPECT_EQ(max_depth, 20u);
  EXPECT_EQ(m.raw_text.find("deepest"), std::string::npos);

  Message ok = Parse(NestedMultiparts(10));
  EXPECT_FALSE(HasDefect(ok, DefectKind::kTooDeep));
  EXPECT_NE(ok.raw_text.find("deepest"), std::string::npos);
}

TEST(Limits, PartCountIsBounded) {
  std::string raw = "Content-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 1500; ++i) raw += "--b\n\np" + std::to_string(i) + "\n";
  raw += "--b--\n";
  Message m = Parse(raw);
  EXPECT_EQ(m.parts.size(), 1000u);
  EXPECT_TRUE(HasDefect(m, DefectKind::kTooManyParts));
  EXPECT_EQ(m.TextOf(m.parts[999]), "p998");
}

TEST(Limits, LongBodyLineIsRecorded) {
  Limits limits;
  limits.max_line_length = 100;
  Message m = Parse("Subject: x\n\n" + std::string(500, 'x') + "\n", limits);
  EXPECT_TRUE(HasDefect(m, DefectKind::kLineTooLong));
  EXPECT_EQ(m.TextOf(m.parts[0]).size(), 501u);  // kept whole
}

TEST(ParserReuse, SameResultAsFreshParse) {
  Parser parser;
  std::string a = kNested;
  std::string b = "Subject: other\n\nshort\n";
  Message fresh = Parse(a);
  parser.Parse(a);
  parser.Parse(b);
  const Message& again = parser.Parse(a);
  ASSERT_EQ(again.parts.size(), fresh.parts.size());
  for (size_t i = 0; i < fresh.parts.size(); ++i) {
    EXPECT_EQ(again.parts[i].path, fresh.parts[i].path);
    EXPECT_EQ(again.parts[i].content_type, fresh.parts[i].content_type);
    EXPECT_EQ(again.parts[i].headers.size(), fresh.parts[i].headers.size());
    EXPECT_EQ(again.parts[i].children, fresh.parts[i].children);
    EXPECT_EQ(again.TextOf(again.parts[i]), fresh.TextOf(fresh.parts[i]));
  }
  EXPECT_EQ(again.visible_text, fresh.visible_text);
  EXPECT_EQ(parser.Parse(b).parts.size(), 1u);
  EXPECT_EQ(parser.Parse(b).parts[0].boundary, "");
}

// The HTML links of one message are kept as spares for the next (their strings swap
// buffers with the pooled URLs): no url, host, link text or source may carry over.
TEST(ParserReuse, LinksOfAnEarlierMessageDoNotCarryOver) {
  const std::string long_links =
      "Content-Type: text/html\n\n"
      "<a href=\"http://first.example/a/very/long/path/that/needs/the/heap?x=1\">a long "
      "link text that also needs the heap, and then some</a>"
      "<img src=\"http://img.example/pixel-with-a-long-name.gif\">"
      "<a href=\"http://second.example/\">two</a> http://plain.example/text-url\n";
  const std::string short_links =
      "Content-Type: text/html\n\n"
      "<img src=\"http://i.example/p\"><a href=\"http://s.example/\"></a>"
      "<a href=\" \t\">blank</a><a href=\"http://t.example\">t</a>\n";
  Parser parser;
  for (int round = 0; round < 3; ++round) {
    for (const std::string* raw : {&long_links, &short_links, &long_links}) {
      const Message fresh = Parse(*raw);
      const Message& again = parser.Parse(*raw);
      ASSERT_EQ(again.urls.size(), fresh.urls.size());
      for (size_t i = 0; i < fresh.urls.size(); ++i) {
        EXPECT_EQ(again.urls[i].url, fresh.urls[i].url) << i;
        EXPECT_EQ(again.urls[i].host, fresh.urls[i].host) << i;
        EXPECT_EQ(again.urls[i].link_text, fresh.urls[i].link_text) << i;
        EXPECT_EQ(again.urls[i].source, fresh.urls[i].source) << i;
        EXPECT_EQ(again.urls[i].part, fresh.urls[i].part) << i;
      }
      EXPECT_EQ(again.visible_text, fresh.visible_text);
    }
  }
}

}  // namespace
}  // namespace sluice::mime
