// shape_tokens_test.cc - what shape tokens a given input yields, and that they are off
// unless TokenizerOptions::shapes asks for them.
#include "filter/bayes/shape_tokens.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "filter/bayes/token_hash.h"
#include "filter/bayes/tokenizer.h"
#include "tests/unit/bayes/decoded_view.h"

namespace sluice::bayes {
namespace {

std::string Shape(std::string_view text, size_t max_bytes = 100) {
  std::string out;
  ShapeOf(text, max_bytes, &out);
  return out;
}

std::set<std::string> Texts(const mime::Message& m, uint32_t shapes) {
  TokenizerOptions options;
  options.shapes = shapes;
  TokenList tokens(true);
  Tokenizer(options).Tokenize(m, &tokens);
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens.hashes()[i], TokenHash("", tokens.texts()[i])) << tokens.texts()[i];
  }
  TokenList plain;
  Tokenizer(options).Tokenize(m, &plain);
  EXPECT_EQ(plain.hashes(), tokens.hashes());
  return {tokens.texts().begin(), tokens.texts().end()};
}

size_t CountTag(const std::set<std::string>& texts, std::string_view tag) {
  size_t n = 0;
  for (const std::string& t : texts) n += t.starts_with(tag);
  return n;
}

TEST(ShapeTokensTest, ShapeKeepsClassesAndCutsLongRuns) {
  EXPECT_EQ(Shape("$19.95"), "$99.99");
  EXPECT_EQ(Shape("1-800-555-1234"), "9-999-999-9999");
  EXPECT_EQ(Shape("2002081210"), "9999+");
  EXPECT_EQ(Shape("GA1234"), "AA9999");
  EXPECT_EQ(Shape("3d4f9a1b2c.AB12CD3"), "xxxx+.xxxx+");  // IDs: their letters fall by chance
  EXPECT_EQ(Shape("abcdef7"), "aaaa+9");                  // one switch: a word with a number
  EXPECT_EQ(Shape("a1b2"), "xxxx");
  EXPECT_EQ(Shape("abcdefgh.XYZ"), "aaaa+.AAA");
  EXPECT_EQ(Shape("caf\xC3\xA9"), "aaau");  // one non-ASCII character, one 'u'
  EXPECT_EQ(Shape("Mon, 5 Aug 2002 10:11:12 -0700"), "Aaa, 9 Aaa 9999 99:99:99 -9999");
  EXPECT_EQ(Shape("123456", 3), "999");
  EXPECT_EQ(Shape(""), "");
}

TEST(ShapeTokensTest, DigitShapesOfBodyAndSubjectWords) {
  const auto m = MakeMessage({{"Subject", "Save 50% now ID:A7734"}},
                             "Only $19.95 now! Call 1-800-555-1234 today, ref 2002081210x.");
  const auto texts = Texts(m, kDigitShapes);
  EXPECT_TRUE(texts.count("d:$99.99"));
  EXPECT_TRUE(texts.count("d:9-999-999-9999"));
  EXPECT_TRUE(texts.count("d:9999+a"));
  EXPECT_TRUE(texts.count("s:d:99%"));
  EXPECT_TRUE(texts.count("s:d:a9999"));  // words are case-folded, their shapes too
  EXPECT_EQ(CountTag(texts, "d:"), 3u);   // words without a digit have no shape
  EXPECT_EQ(CountTag(texts, "s:d:"), 2u);
  EXPECT_TRUE(texts.count("$19.95"));  // the words themselves are still there
  EXPECT_EQ(CountTag(Texts(m, 0), "d:"), 0u);
}

TEST(ShapeTokensTest, HeaderShapesOfDateAndMessageId) {
  const auto m = MakeMessage({{"Date", " Mon, 5 Aug 2002 10:11:12 -0700 "},
                              {"Message-ID", "<20020805171112.GA1234@mail.example.org>"},
                              {"From", "\"Deals\" <Jsmith8842@example.com>"}},
                             "hello");
  const auto texts = Texts(m, kHeaderShapes);
  EXPECT_TRUE(texts.count("date:Aaa, 9 Aaa 9999 99:99:99 -9999"));
  EXPECT_TRUE(texts.count("mid:s:9999+.AA9999"));
  EXPECT_TRUE(texts.count("mid:mail.example.org"));
  EXPECT_TRUE(texts.count("from:s:Aaaaa+9999"));
  EXPECT_TRUE(
      Texts(MakeMessage({{"Message-ID", "no at sign"}}, ""), kHeaderShapes).count("mid:s:none"));
  EXPECT_EQ(CountTag(Texts(m, kDigitShapes | kUrlShapes), "date:"), 0u);
  EXPECT_EQ(CountTag(Texts(m, kDigitShapes | kUrlShapes), "mid:s:"), 0u);
}

TEST(ShapeTokensTest, UrlShapes) {
  mime::Message m = MakeMessage({}, "see");
  mime::Url url;
  url.url = "http://www.shop.example.biz/offers/page123.html?id=8f3a21&x=y";
  url.host = "www.shop.example.biz";
  m.urls.push_back(url);
  url.url = "http://192.0.2.7/index.html";
  url.host = "192.0.2.7";
  m.urls.push_back(url);
  const auto texts = Texts(m, kUrlShapes);
  EXPECT_TRUE(texts.count("url:tld:biz"));
  EXPECT_TRUE(texts.count("url:h:ip"));
  EXPECT_TRUE(texts.count("url:ps:aaaa999.aaaa"));
  EXPECT_TRUE(texts.count("url:ps:xxxx+"));
  EXPECT_EQ(CountTag(texts, "url:ps:"), 2u);  // "offers", "id", "x", "y", "index.html": no digit
  EXPECT_TRUE(texts.count("url:p:offers"));
  EXPECT_EQ(CountTag(Texts(m, kDigitShapes | kHeaderShapes), "url:tld:"), 0u);
}

}  // namespace
}  // namespace sluice::bayes
