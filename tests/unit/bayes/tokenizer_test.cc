// tokenizer_test.cc - tokens from hand-built decoded views (no parser involved).
#include "filter/bayes/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "filter/bayes/token_hash.h"

namespace sluice::bayes {
namespace {

mime::Message MakeMessage(std::vector<std::pair<std::string_view, std::string>> headers,
                          std::string text) {
  mime::Message m;
  mime::Part root;
  root.path = "1";
  root.content_type = "text/plain";
  root.charset = "utf-8";
  root.is_text = true;
  for (auto& [name, value] : headers) {
    mime::Header h;
    h.name = name;
    h.value = value;
    root.headers.push_back(std::move(h));
  }
  m.parts.push_back(std::move(root));
  m.visible_text = std::move(text);
  m.raw_text = m.visible_text;
  return m;
}

std::set<std::string> Texts(const mime::Message& m, TokenizerOptions options = {}) {
  TokenList tokens(true);
  Tokenizer(options).Tokenize(m, &tokens);
  return {tokens.texts().begin(), tokens.texts().end()};
}

TEST(TokenizerTest, FoldCaseHandlesAsciiLatinGreekCyrillic) {
  std::string out;
  FoldCase("HeLLo ÀÉÖ ß ΑΒΓ ПРИВЕТ Ёж", &out);
  EXPECT_EQ(out, "hello àéö ß αβγ привет ёж");
  FoldCase("×", &out);  // the multiplication sign has no small form
  EXPECT_EQ(out, "×");
}

TEST(TokenizerTest, BodyWordsAreFoldedTrimmedAndDistinct) {
  auto texts = Texts(MakeMessage({}, "Buy CHEAP pills, buy cheap... (now!) e-mail don't a"));
  EXPECT_TRUE(texts.count("buy"));
  EXPECT_TRUE(texts.count("cheap"));
  EXPECT_TRUE(texts.count("pills"));
  EXPECT_TRUE(texts.count("now!"));
  EXPECT_TRUE(texts.count("e-mail"));
  EXPECT_TRUE(texts.count("don't"));
  EXPECT_FALSE(texts.count("a"));  // below min_word_chars
  EXPECT_FALSE(texts.count("CHEAP"));
  TokenList tokens;
  Tokenizer().Tokenize(MakeMessage({}, "cheap cheap CHEAP Cheap"), &tokens);
  const auto body =
      std::count(tokens.hashes().begin(), tokens.hashes().end(), TokenHash("", "cheap"));
  EXPECT_EQ(body, 1);
}

TEST(TokenizerTest, CyrillicWordsAreFolded) {
  auto texts = Texts(MakeMessage({}, "СКИДКА на Товары"));
  EXPECT_TRUE(texts.count("скидка"));
  EXPECT_TRUE(texts.count("на"));
  EXPECT_TRUE(texts.count("товары"));
}

TEST(TokenizerTest, LongWordsBecomeSkipTokens) {
  auto texts = Texts(MakeMessage({}, std::string(57, 'x') + " ok"));
  EXPECT_TRUE(texts.count("skip:x:50"));
  EXPECT_TRUE(texts.count("ok"));
}

TEST(TokenizerTest, HeaderTokensAreTaggedByHeader) {
  auto texts = Texts(MakeMessage({{"Subject", "Cheap Meds"},
                                  {"From", "\"Big Sale\" <Deals@Example.COM>"},
                                  {"Received", "from mx.example.net (mx.example.net [192.0.2.7])"},
                                  {"Message-ID", "<abc@mail.example.org>"},
                                  {"X-Mailer", "Mailer 1.0"}},
                                 "body"));
  EXPECT_TRUE(texts.count("s:cheap"));
  EXPECT_TRUE(texts.count("s:meds"));
  EXPECT_FALSE(texts.count("cheap"));  // subject words are not body words
  EXPECT_TRUE(texts.count("from:addr:deals@example.com"));
  EXPECT_TRUE(texts.count("from:dom:example.com"));
  EXPECT_TRUE(texts.count("from:w:sale"));
  EXPECT_TRUE(texts.count("rcvd:mx.example.net"));
  EXPECT_TRUE(texts.count("rcvd:dom:example.net"));
  EXPECT_TRUE(texts.count("rcvd:net:192.0.2"));
  EXPECT_TRUE(texts.count("mid:mail.example.org"));
  EXPECT_TRUE(texts.count("xm:mailer 1.0"));
  EXPECT_TRUE(texts.count("hn:x-mailer"));
  EXPECT_TRUE(texts.count("rcvd:count:1"));
}

TEST(TokenizerTest, UrlsAttachmentsAndStructure) {
  mime::Message m = MakeMessage({}, "see link");
  mime::Url url;
  url.url = "http://www.Shop.example.com/cgi-bin/click?id=42";
  url.host = "www.shop.example.com";
  m.urls.push_back(url);
  mime::Attachment att;
  att.filename = "invoice.PDF.exe";
  att.declared_type = "application/octet-stream";
  att.sniffed_type = "application/x-dosexec";
  m.attachments.push_back(att);
  m.defects.push_back({mime::DefectKind::kBadBase64, 0, ""});
  m.html_only = true;
  auto texts = Texts(m);
  EXPECT_TRUE(texts.count("url:h:www.shop.example.com"));
  EXPECT_TRUE(texts.count("url:d:example.com"));
  EXPECT_TRUE(texts.count("url:p:cgi-bin"));
  EXPECT_TRUE(texts.count("url:p:click"));
  EXPECT_TRUE(texts.count("att:ext:exe"));
  EXPECT_TRUE(texts.count("att:type:application/octet-stream"));
  EXPECT_TRUE(texts.count("att:sniff:application/x-dosexec"));
  EXPECT_TRUE(texts.count("defect:" + std::string(mime::DefectName(mime::DefectKind::kBadBase64))));
  EXPECT_TRUE(texts.count("fact:html-only"));
  EXPECT_TRUE(texts.count("part:ct:text/plain"));
}

TEST(TokenizerTest, HashesMatchTextsAndOsbAddsPairs) {
  const mime::Message m = MakeMessage({{"Subject", "hi there"}}, "alpha beta gamma");
  TokenList with_text(true);
  Tokenizer().Tokenize(m, &with_text);
  for (size_t i = 0; i < with_text.size(); ++i) {
    EXPECT_EQ(with_text.hashes()[i], TokenHash("", with_text.texts()[i])) << with_text.texts()[i];
  }
  TokenList plain;
  Tokenizer().Tokenize(m, &plain);
  EXPECT_EQ(plain.hashes(), with_text.hashes());  // keep_text does not change the tokens

  TokenizerOptions osb;
  osb.osb_window = 2;
  auto texts = Texts(m, osb);
  EXPECT_TRUE(texts.count("osb:alpha beta"));
  EXPECT_TRUE(texts.count("osb:beta gamma"));
  EXPECT_TRUE(texts.count("osb:alpha <1> gamma"));
  TokenList pairs;
  Tokenizer(osb).Tokenize(m, &pairs);
  EXPECT_EQ(pairs.size(), plain.size() + 3);
}

TEST(TokenizerTest, EmptyMessageYieldsFewTokens) {
  mime::Message empty;
  TokenList tokens;
  Tokenizer().Tokenize(empty, &tokens);
  EXPECT_LT(tokens.size(), 5u);
}

TEST(TokenizerTest, TokenListReuseClearsState) {
  TokenList tokens;
  Tokenizer tokenizer;
  tokenizer.Tokenize(MakeMessage({}, "one two three"), &tokens);
  const size_t first = tokens.size();
  tokenizer.Tokenize(MakeMessage({}, "one two three"), &tokens);
  EXPECT_EQ(tokens.size(), first);
  EXPECT_TRUE(tokens.Add(12345, "", "x"));
  EXPECT_FALSE(tokens.Add(12345, "", "x"));
}

}  // namespace
}  // namespace sluice::bayes

namespace sluice::bayes {
namespace {

TEST(TokenListTest, ReuseAfterABigMessageStartsEmpty) {
  TokenList tokens;
  for (uint64_t h = 1; h <= 20000; ++h) ASSERT_TRUE(tokens.Add(h * 0x9e3779b97f4a7c15ULL, "", ""));
  tokens.Clear();  // the table is now much larger than the next message needs
  EXPECT_EQ(tokens.size(), 0u);
  for (uint64_t h = 1; h <= 100; ++h) {
    EXPECT_TRUE(tokens.Add(h * 0x9e3779b97f4a7c15ULL, "", "")) << h;  // none left behind
  }
  tokens.Clear();  // sparse clear
  for (uint64_t h = 1; h <= 20000; ++h) {
    ASSERT_TRUE(tokens.Add(h * 0x9e3779b97f4a7c15ULL, "", "")) << h;
  }
  EXPECT_FALSE(tokens.Add(0x9e3779b97f4a7c15ULL, "", ""));
  EXPECT_TRUE(tokens.Add(0, "", ""));
  EXPECT_FALSE(tokens.Add(0, "", ""));
  tokens.Clear();
  EXPECT_TRUE(tokens.Add(0, "", ""));
}

// After a big message the next one starts in a small table again and grows inside the
// already allocated one: duplicates must still be seen across every growth step, and the
// hashes keep their insertion order.
TEST(TokenListTest, DuplicatesAreFoundAcrossGrowthAfterABigMessage) {
  TokenList tokens;
  for (uint64_t h = 1; h <= 30000; ++h) ASSERT_TRUE(tokens.Add(h * 0x9e3779b97f4a7c15ULL, "", ""));
  for (int round = 0; round < 3; ++round) {
    tokens.Clear();
    const uint64_t n = round == 1 ? 5000 : 700;  // grows 1024 -> 2048 (-> ... 16384)
    std::vector<uint64_t> expected;
    for (uint64_t h = 1; h <= n; ++h) {
      const uint64_t hash = (h + round) * 0xc2b2ae3d27d4eb4fULL;
      ASSERT_TRUE(tokens.Add(hash, "", "")) << h;
      expected.push_back(hash);
      // Every earlier token is still known (checked sparsely to keep the test fast).
      if (h % 97 == 0) {
        for (uint64_t k = 1; k <= h; k += 13) {
          ASSERT_FALSE(tokens.Add((k + round) * 0xc2b2ae3d27d4eb4fULL, "", "")) << h << " " << k;
        }
      }
    }
    EXPECT_EQ(tokens.hashes(), expected);
  }
}

}  // namespace
}  // namespace sluice::bayes
