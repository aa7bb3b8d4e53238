// fast_path_test.cc - the speed paths of the MIME engine give the same answers as the slow
// ones: whitespace collapsing 16 bytes at a time, the long-line check that jumps from
// window to window, and a warm Parser that recycles header values and URLs between
// messages (no stale value, host or link text may survive into the next message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter/mime/html_text.h"
#include "filter/mime/message.h"
#include "filter/mime/url_scan.h"
#include "tests/unit/mime/parser_test_util.h"

namespace sluice::mime {
namespace {

using testing::HasDefect;

// Whitespace collapsing as a browser does it, one byte at a time: the reference.
std::string CollapseReference(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string Render(std::string_view html) {
  HtmlRender r;
  RenderHtml(html, &r);
  return r.text;
}

TEST(FastPath, CollapsingAgreesWithTheByteLoop) {
  // Every arrangement of separators around 16-byte chunk edges: single spaces, newlines
  // and tabs (kept as one space), runs of two or more (collapsed), a run that straddles
  // a chunk edge, and separators first and last.
  const std::vector<std::string> seps = {" ", "\n", "\t", "\r\n", "  ", " \n ", "\f"};
  for (size_t word = 1; word <= 19; ++word) {
    for (size_t k = 0; k < seps.size(); ++k) {
      std::string text;
      for (int i = 0; i < 12; ++i) {
        text += std::string(word + (i % 3), static_cast<char>('a' + i));
        text += seps[(k + static_cast<size_t>(i) * (word % 4)) % seps.size()];
      }
      EXPECT_EQ(Render(text), CollapseReference(text)) << "word " << word << " sep " << k;
      EXPECT_EQ(Render("<p>" + text + "</p>"), CollapseReference(text));
      EXPECT_EQ(Render(" \n" + text), CollapseReference(text));
    }
  }
}

TEST(FastPath, CollapsingStopsAtMarkupAndRewritesInsideAChunk) {
  // '<' or '&' inside a 16-byte chunk ends the plain run exactly there.
  EXPECT_EQ(Render("abcdefgh ijklmnop<b>qrstuvwx yz</b>"), "abcdefgh ijklmnopqrstuvwx yz");
  EXPECT_EQ(Render("abcdefgh ijk&amp;lmnop qrstuvwxyz"), "abcdefgh ijk&lmnop qrstuvwxyz");
  // Non-ASCII in a chunk: U+00A0 reads as a space, U+200B vanishes, other letters stay.
  EXPECT_EQ(Render("abcdefgh\xC2\xA0ijklmnop qrstuvwx"), "abcdefgh ijklmnop qrstuvwx");
  EXPECT_EQ(Render("abcdefgh\xE2\x80\x8Bijklmnop qrstuvwx"), "abcdefghijklmnop qrstuvwx");
  EXPECT_EQ(Render("abcdefgh \xC3\xA9t\xC3\xA9 ijklmnop qrstuvwx"),
            "abcdefgh \xC3\xA9t\xC3\xA9 ijklmnop qrstuvwx");
  // A trailing separator stays pending and never ends the text.
  EXPECT_EQ(Render("abcdefghijklmno \n"), "abcdefghijklmno");
  EXPECT_EQ(Render("abcdefghijklmno <b>x</b>"), "abcdefghijklmno x");
}

TEST(FastPath, LongLineCheckAtTheLimit) {
  Limits limits;
  limits.max_line_length = 100;
  auto lines = [](std::vector<size_t> lengths) {
    std::string body;
    for (size_t n : lengths) body += std::string(n, 'x') + "\n";
    return "Subject: x\n\n" + body;
  };
  // Exactly the limit is fine, one more is not, wherever the long line sits among short
  // ones (the check jumps over windows of limit + 1 bytes).
  EXPECT_FALSE(HasDefect(Parse(lines({100, 100, 100}), limits), DefectKind::kLineTooLong));
  EXPECT_TRUE(HasDefect(Parse(lines({100, 101, 100}), limits), DefectKind::kLineTooLong));
  EXPECT_FALSE(
      HasDefect(Parse(lines({3, 60, 99, 40, 100, 1, 100}), limits), DefectKind::kLineTooLong));
  EXPECT_TRUE(HasDefect(Parse(lines({3, 60, 99, 40, 100, 1, 100, 7, 150, 2}), limits),
                        DefectKind::kLineTooLong));
  // The last line, without a line break.
  EXPECT_FALSE(HasDefect(
      Parse("Subject: x\n\n" + std::string(50, 'y') + "\n" + std::string(100, 'z'), limits),
      DefectKind::kLineTooLong));
  EXPECT_TRUE(HasDefect(
      Parse("Subject: x\n\n" + std::string(50, 'y') + "\n" + std::string(101, 'z'), limits),
      DefectKind::kLineTooLong));
  // CR counts as part of the line, as before.
  EXPECT_TRUE(HasDefect(Parse("Subject: x\n\n" + std::string(100, 'w') + "\r\n" +
                                  std::string(200, '.') + "\n" + std::string(10, 'v'),
                              limits),
                        DefectKind::kLineTooLong));
}

TEST(FastPath, WarmParserLeavesNothingStale) {
  const std::string long_value(80, 'q');
  std::string big = "Subject: " + long_value + "\nX-A: " + long_value + "\nX-B: " + long_value +
                    "\nX-C: " + long_value +
                    "\nContent-Type: text/html\n\n"
                    "<a href=\"http://Link.Example.COM/a\">see the offer here</a> "
                    "http://www.text-url-one.example/x and www.text-url-two.example\n";
  std::string small = "Subject: hi\nX-A: =?utf-8?q?caf=C3=A9?=\n\nplain http://10.1.2.3/ only\n";
  Parser parser;
  parser.Parse(big);
  const Message& m = parser.Parse(small);
  Message fresh = Parse(small);
  ASSERT_EQ(m.headers().size(), fresh.headers().size());
  for (size_t i = 0; i < fresh.headers().size(); ++i) {
    EXPECT_EQ(m.headers()[i].name, fresh.headers()[i].name);
    EXPECT_EQ(m.headers()[i].raw_value, fresh.headers()[i].raw_value);
    EXPECT_EQ(m.headers()[i].value, fresh.headers()[i].value);
  }
  EXPECT_EQ(m.headers()[1].value, "caf\xC3\xA9");
  ASSERT_EQ(m.urls.size(), 1u);
  EXPECT_EQ(m.urls[0].url, "http://10.1.2.3/");
  EXPECT_EQ(m.urls[0].host, "10.1.2.3");
  EXPECT_EQ(m.urls[0].link_text, "");
  EXPECT_EQ(m.urls[0].source, UrlSource::kText);

  // And back: the big message again reads as a fresh parse of it.
  const Message& again = parser.Parse(big);
  Message big_fresh = Parse(big);
  ASSERT_EQ(again.urls.size(), big_fresh.urls.size());
  ASSERT_EQ(again.urls.size(), 3u);
  for (size_t i = 0; i < again.urls.size(); ++i) {
    EXPECT_EQ(again.urls[i].url, big_fresh.urls[i].url);
    EXPECT_EQ(again.urls[i].host, big_fresh.urls[i].host);
    EXPECT_EQ(again.urls[i].link_text, big_fresh.urls[i].link_text);
    EXPECT_EQ(again.urls[i].source, big_fresh.urls[i].source);
  }
  EXPECT_EQ(again.urls[0].host, "link.example.com");
  EXPECT_EQ(again.urls[0].link_text, "see the offer here");
  EXPECT_EQ(again.urls[2].host, "www.text-url-two.example");
  ASSERT_EQ(again.headers().size(), 5u);
  EXPECT_EQ(again.headers()[3].value, long_value);
}

TEST(FastPath, UrlHostIntoReplacesWhatWasThere) {
  std::string host = "stale.example.org.with.a.long.name";
  UrlHostInto("HTTP://User@WWW.Example.COM:80/x", &host);
  EXPECT_EQ(host, "www.example.com");
  UrlHostInto("mailto:someone@example.com", &host);
  EXPECT_EQ(host, "");
  UrlHostInto("http://3232235777/", &host);
  EXPECT_EQ(host, "192.168.1.1");
  EXPECT_EQ(UrlHost("http://0xC0.0250.1.1/"), "192.168.1.1");
}

TEST(FastPath, TextUrlViewsMatchCopies) {
  const std::string text =
      "go to http://a.example/x, (www.b.example/y) or 192.168.0.1/z. ftp://c.example!";
  std::vector<std::string> copies;
  std::vector<std::string_view> views;
  FindTextUrls(text, &copies);
  FindTextUrls(text, &views);
  ASSERT_EQ(copies.size(), 4u);
  ASSERT_EQ(views.size(), copies.size());
  for (size_t i = 0; i < views.size(); ++i) EXPECT_EQ(views[i], copies[i]);
  EXPECT_EQ(copies[1], "www.b.example/y");
}

}  // namespace
}  // namespace sluice::mime
