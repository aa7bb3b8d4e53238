// parser_test.cc - leaf content: transfer decoding, charsets, headers, HTML, URLs,
// attachments, uuencode, text limits.
#include <gtest/gtest.h>

#include <string>

#include "filter/mime/message.h"
#include "tests/unit/mime/parser_test_util.h"

namespace sluice::mime {
namespace {

using testing::Crlf;
using testing::HasDefect;

TEST(Content, QuotedPrintableAndBase64Koi8) {
  Message m = Parse(Crlf(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain; charset=ISO-8859-1\n"
      "Content-Transfer-Encoding: Quoted-Printable\n\ncaf=E9 au=\n lait\n"
      "--b\nContent-Type: text/plain; charset=\"koi8-r\"\nContent-Transfer-Encoding: base64\n\n"
      "8NLJ18XU\n--b--\n"));
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[1].charset, "iso-8859-1");
  EXPECT_EQ(m.parts[1].transfer_encoding, "quoted-printable");
  EXPECT_EQ(m.TextOf(m.parts[1]), "caf\xC3\xA9 au lait");
  EXPECT_EQ(m.parts[2].charset, "koi8-r");
  EXPECT_EQ(m.parts[2].decoded_size, 6u);
  EXPECT_EQ(m.TextOf(m.parts[2]), "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
  EXPECT_NE(m.visible_text.find("caf\xC3\xA9 au lait"), std::string::npos);
  EXPECT_NE(m.visible_text.find("\xD0\x9F\xD1\x80\xD0\xB8"), std::string::npos);
  EXPECT_TRUE(m.defects.empty());
}

TEST(Content, UnknownTransferEncodingIsSevenBit) {
  Message m = Parse("Content-Transfer-Encoding: x-weird\n\nplain =41 text\n");
  EXPECT_TRUE(HasDefect(m, DefectKind::kUnknownTransferEncoding));
  EXPECT_EQ(m.parts[0].transfer_encoding, "x-weird");
  EXPECT_EQ(m.TextOf(m.parts[0]), "plain =41 text\n");
}

TEST(Content, UnknownCharsetIsBestEffort) {
  Message m = Parse("Content-Type: text/plain; charset=x-no-such-charset\n\nhello\n");
  EXPECT_TRUE(HasDefect(m, DefectKind::kUnknownCharset));
  EXPECT_EQ(m.TextOf(m.parts[0]), "hello\n");
}

TEST(Content, BadBase64IsDecodedAsFarAsPossible) {
  Message m = Parse("Content-Transfer-Encoding: base64\n\naGVsbG8gd29y!!bGQ\n");
  EXPECT_TRUE(HasDefect(m, DefectKind::kBadBase64));
  EXPECT_EQ(m.TextOf(m.parts[0]), "hello world");
}

TEST(Headers, EncodedWordsAndRaw8bitFallback) {
  Message m = Parse(
      "Subject: =?utf-8?B?w6l0w6k=?= =?iso-8859-1?Q?_caf=E9?=\n"
      "X-Raw: caf\xE9\n"
      "Content-Type: text/plain; charset=iso-8859-1\n\nbody\n");
  EXPECT_EQ(m.FindHeader("Subject")->value, "\xC3\xA9t\xC3\xA9 caf\xC3\xA9");
  // Raw 8-bit: not valid UTF-8, so read in the message's charset.
  EXPECT_EQ(m.FindHeader("X-Raw")->value, "caf\xC3\xA9");
  EXPECT_TRUE(HasDefect(m, DefectKind::kRaw8bitHeader));
}

TEST(Headers, FilenameFromRfc2231AndName) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: application/octet-stream; name*0*=utf-8''%C3%A9t; name*1=\".zip\"\n"
      "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n"
      "UEsDBAoAAAAAAA==\n"
      "--b\nContent-Type: application/pdf; name=\"fallback.pdf\"\n"
      "Content-Disposition: attachment; filename=\"=?utf-8?Q?r=C3=A9sum=C3=A9.pdf?=\"\n\n"
      "%PDF-1.4\n--b--\n");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].filename, "\xC3\xA9t.zip");
  EXPECT_EQ(m.attachments[0].declared_type, "application/octet-stream");
  EXPECT_EQ(m.attachments[0].sniffed_type, "application/zip");
  EXPECT_EQ(m.attachments[0].size, 10u);
  EXPECT_EQ(m.attachments[0].part, 1u);
  EXPECT_EQ(m.attachments[1].filename, "r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ(m.attachments[1].sniffed_type, "application/pdf");
  EXPECT_TRUE(m.parts[1].is_attachment);
  EXPECT_FALSE(m.parts[1].is_text);
  EXPECT_EQ(m.parts[2].disposition, "attachment");
}

TEST(Html, VisibleTextLinksAndFacts) {
  Message m = Parse(
      "Content-Type: text/html; charset=utf-8\n\n"
      "<html><head><style>p{}</style></head><body><p>Hello &amp; welcome</p>"
      "<a href=\"http://Click.Example.COM/x?a=1&amp;b=2\">click here</a>"
      "<img src=\"http://img.example.net/p.gif\"> see www.plain.example.org</body></html>\n");
  EXPECT_TRUE(m.parts[0].is_html);
  EXPECT_TRUE(m.html_only);
  EXPECT_EQ(m.image_count, 1u);
  EXPECT_NE(m.visible_text.find("Hello & welcome"), std::string::npos);
  EXPECT_EQ(m.visible_text.find("<p>"), std::string::npos);
  EXPECT_EQ(m.visible_text.find("p{}"), std::string::npos);
  // raw_text keeps the HTML source.
  EXPECT_NE(m.TextOf(m.parts[0]).find("<p>Hello &amp; welcome</p>"), std::string::npos);
  bool href = false, src = false, text = false;
  for (const Url& u : m.urls) {
    if (u.source == UrlSource::kHref) {
      href = true;
      EXPECT_EQ(u.url, "http://Click.Example.COM/x?a=1&b=2");
      EXPECT_EQ(u.host, "click.example.com");
      EXPECT_EQ(u.link_text, "click here");
    } else if (u.source == UrlSource::kSrc) {
      src = true;
      EXPECT_EQ(u.host, "img.example.net");
    } else {
      text = true;
      EXPECT_EQ(u.host, "www.plain.example.org");
    }
  }
  EXPECT_TRUE(href && src && text);
}

TEST(Html, AlternativeIsNotHtmlOnly) {
  Message m = Parse(
      "Content-Type: multipart/alternative; boundary=b\n\n--b\n\nplain\n"
      "--b\nContent-Type: text/html\n\n<b>rich</b>\n--b--\n");
  EXPECT_FALSE(m.html_only);
  EXPECT_NE(m.visible_text.find("plain"), std::string::npos);
  EXPECT_NE(m.visible_text.find("rich"), std::string::npos);
}

TEST(Urls, PlainTextUrlsWithHost) {
  Message m = Parse("Subject: x\n\nGo to http://Example.com:8080/path, or https://1.2.3.4/ now.\n");
  ASSERT_EQ(m.urls.size(), 2u);
  EXPECT_EQ(m.urls[0].url, "http://Example.com:8080/path");
  EXPECT_EQ(m.urls[0].host, "example.com");
  EXPECT_EQ(m.urls[0].source, UrlSource::kText);
  EXPECT_EQ(m.urls[1].host, "1.2.3.4");
}

TEST(Attachments, TextAttachmentStaysOutOfVisibleText) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nbody text\n"
      "--b\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment\n\n"
      "attached words http://attached.example/\n--b--\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_TRUE(m.parts[2].is_attachment);
  EXPECT_FALSE(m.parts[2].is_text);
  EXPECT_EQ(m.TextOf(m.parts[2]), "attached words http://attached.example/");
  EXPECT_EQ(m.visible_text.find("attached words"), std::string::npos);
  EXPECT_TRUE(m.urls.empty());
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].filename, "notes.txt");
}

TEST(Attachments, ImagePartsCountAsImages) {
  Message m = Parse(
      "Content-Type: multipart/related; boundary=b\n\n--b\n\nsee picture\n"
      "--b\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\n"
      "R0lGODlhAQABAAAAACw=\n--b--\n");
  EXPECT_EQ(m.image_count, 1u);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].declared_type, "image/gif");
  EXPECT_EQ(m.attachments[0].sniffed_type, "image/gif");
}

TEST(Uuencode, BlockInTextBecomesAttachment) {
  // "Cat" uuencoded.
  Message m = Parse("Subject: uu\n\nsee attached\nbegin 644 cat.txt\n#0V%T\n`\nend\nbye\n");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].filename, "cat.txt");
  EXPECT_EQ(m.attachments[0].size, 3u);
  EXPECT_NE(m.visible_text.find("see attached"), std::string::npos);
  EXPECT_NE(m.visible_text.find("bye"), std::string::npos);
  EXPECT_EQ(m.visible_text.find("#0V%T"), std::string::npos);
}

TEST(Limits, TextIsTruncatedAtACharacterBoundary) {
  Limits limits;
  limits.max_text_bytes = 11;
  Message m = Parse(
      "Content-Type: text/plain; "
      "charset=utf-8\n\n\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\n",
      limits);
  EXPECT_TRUE(HasDefect(m, DefectKind::kTruncatedText));
  EXPECT_EQ(m.raw_text, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
}

TEST(Defects, NulBytes) {
  std::string raw("Subject: x\n\na\0b\n", 16);
  Message m = Parse(raw);
  EXPECT_TRUE(HasDefect(m, DefectKind::kNulBytes));
}

}  // namespace
}  // namespace sluice::mime
