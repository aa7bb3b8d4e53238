// tokenizer_test.cc - tokens from hand-built decoded views (no parser involved).
#include "filter/bayes/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "filter/bayes/token_hash.h"
#include "tests/unit/bayes/decoded_view.h"

namespace sluice::bayes {
namespace {

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

// Every kind of token, the URL host and domain and the header names included (their tags'
// FNV states are worked out at compile time), hashes to TokenHash of its text.
TEST(TokenizerTest, EveryTokenHashesToItsText) {
  const std::string raw =
      "From: Ann <ann@Example.COM>\nTo: bob@b.example\nSubject: Hello World\n"
      "Received: from mx.Relay.example (1.2.3.4) by in.example\nX-Mailer: Mutt 2.0\n"
      "Message-ID: <x@mid.example>\nX-Custom-Header: value words\n"
      "Content-Type: text/html\n\n"
      "<a href=\"http://WWW.Shop.example/buy/now?id=7\">http://other.example/</a>"
      "<img src=\"https://img.example/p.gif\"> see http://plain.example.org/x and "
      "ftp://files.example/a and http://localhost/ and mailto:a@b.example\n";
  const mime::Message m = mime::Parse(raw);
  ASSERT_GE(m.urls.size(), 4u);
  TokenizerOptions all;
  all.all_headers = true;
  for (const TokenizerOptions& options : {TokenizerOptions{}, all}) {
    TokenList with_text(true);
    Tokenizer(options).Tokenize(m, &with_text);
    std::map<std::string, int> seen;  // tokens of the tags in question
    for (size_t i = 0; i < with_text.size(); ++i) {
      const std::string& text = with_text.texts()[i];
      EXPECT_EQ(with_text.hashes()[i], TokenHash("", text)) << text;
      for (const char* tag : {"url:h:", "url:d:", "hn:"}) seen[tag] += text.starts_with(tag);
    }
    EXPECT_GE(seen["url:h:"], 4);
    EXPECT_GE(seen["url:d:"], 2);  // hosts of three or more labels
    EXPECT_GE(seen["hn:"], 8);
    TokenList plain;
    Tokenizer(options).Tokenize(m, &plain);
    EXPECT_EQ(plain.hashes(), with_text.hashes());
  }
}

// Scoring hashes words in one pass without keeping their text; explained scoring (--json)
// keeps the text and hashes it as before. Both must give the same hashes in the same
// order (the clue order depends on it) whatever the words hold: trimmed bytes at either
// end or alone, UTF-8, words at and around the length limits, every separator.
TEST(TokenizerTest, OnePassWordHashesEqualTheTextPath) {
  const std::vector<std::string> pieces = {
      "a",  "B",  "z", "Q", "0", "9",  ".", "-", "'",  "_",    "?",    "@",    " ",
      "\t", "\n", ",", ":", "/", "\"", "(", ")", "<",  ">",    "=",    "#",    "&",
      "!",  "$",  "%", "é", "É", "Д",  "ж", "Ω", "中", "\x7f", "\x01", "\xff", "~"};
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  TokenizerOptions narrow;
  narrow.min_word_chars = 1;
  narrow.max_word_chars = 5;
  TokenizerOptions osb;
  osb.osb_window = 3;
  for (int round = 0; round < 400; ++round) {
    std::string text;
    const size_t words = next() % 40;
    for (size_t w = 0; w < words; ++w) {
      const size_t len = next() % 30;
      for (size_t k = 0; k < len; ++k) {
        // Mostly letters, so that words of every length appear.
        text +=
            next() % 3 == 0
                ? pieces[next() % pieces.size()]
                : std::string(1, static_cast<char>('a' + next() % 26 - (next() % 4 == 0 ? 32 : 0)));
      }
      text += pieces[next() % pieces.size()];
    }
    // Received hosts and URL path words are hashed in one pass too when no text is kept.
    mime::Message m = MakeMessage({{"Subject", text}, {"To", text}, {"Received", text}}, text);
    m.urls.push_back({"http://Host.example" + text.substr(0, 200), "host.example", "", {}, 0});
    m.urls.push_back({"/" + text, "", "", {}, 0});
    for (const TokenizerOptions& options : {TokenizerOptions{}, narrow, osb}) {
      TokenList plain, with_text(true);
      Tokenizer(options).Tokenize(m, &plain);
      Tokenizer(options).Tokenize(m, &with_text);
      ASSERT_EQ(plain.hashes(), with_text.hashes()) << text;
      for (size_t i = 0; i < with_text.size(); ++i) {
        if (with_text.texts()[i].starts_with("osb:")) continue;  // pair hashes
        ASSERT_EQ(with_text.hashes()[i], TokenHash("", with_text.texts()[i])) << text;
      }
    }
  }
}

// Headers are told apart by their lower-case name: each kind gives its tokens, and only
// those; with all_headers every other header gives words, except Date, Delivered-To and
// X-Spam-*.
TEST(TokenizerTest, HeadersAreHandledByTheirName) {
  const mime::Message m = MakeMessage({{"SUBJECT", "Word1"},
                                       {"cc", "Carl <c@cc.example>"},
                                       {"Return-Path", "<r@rp.example>"},
                                       {"Sender", "s@sender.example"},
                                       {"Reply-To", "t@reply.example"},
                                       {"User-Agent", "Agent 7"},
                                       {"Content-Type", "Text/HTML; charset=x"},
                                       {"Precedence", "Bulk"},
                                       {"X-MSMail-Priority", "High"},
                                       {"Organization", "ACME corp"},
                                       {"List-Id", "<list.example>"},
                                       {"Importance", "low"},
                                       {"X-Priority", "3"},
                                       {"Date", "Monday morning"},
                                       {"Delivered-To", "dword@example.com"},
                                       {"X-Spam-Level", "spamword"},
                                       {"X-Other", "otherword"},
                                       {"Message-Id", "no domain here"}},
                                      "");
  auto texts = Texts(m);
  for (const char* t :
       {"s:word1", "cc:addr:c@cc.example", "cc:dom:cc.example", "cc:w:carl",
        "return-path:addr:r@rp.example", "sender:dom:sender.example", "reply-to:dom:reply.example",
        "xm:agent 7", "xm:w:agent", "h:ct:text/html", "hv:precedence:bulk",
        "hv:x-msmail-priority:high", "hv:organization:acme corp", "hv:list-id:<list.example>",
        "hv:importance:low", "hv:x-priority:3", "mid:no-at", "hn:x-spam-level"}) {
    EXPECT_TRUE(texts.count(t)) << t;
  }
  for (const char* t : {"h:x-other:otherword", "h:date:monday", "h:precedence:bulk"}) {
    EXPECT_FALSE(texts.count(t)) << t;
  }
  TokenizerOptions all;
  all.all_headers = true;
  texts = Texts(m, all);
  for (const char* t : {"h:x-other:otherword", "h:precedence:bulk", "h:organization:acme",
                        "hv:organization:acme corp"}) {
    EXPECT_TRUE(texts.count(t)) << t;
  }
  for (const char* t :
       {"h:date:monday", "h:delivered-to:dword", "h:x-spam-level:spamword", "h:subject:word1"}) {
    EXPECT_FALSE(texts.count(t)) << t;
  }
}

// Received headers give hosts and networks: words with a dot, without '@', at most 80
// bytes once trailing dots and dashes are trimmed.
TEST(TokenizerTest, ReceivedHostsAndNetworks) {
  auto texts = Texts(
      MakeMessage({{"Received",
                    "from Relay.Example.NET. ([10.1.2.3]) by a@b.example with x.y-- "
                    "id ABC; " +
                        std::string(76, 'h') + ".com " + std::string(77, 'k') + ".com nodot."}},
                  ""));
  for (const std::string& t : std::vector<std::string>{
           "rcvd:relay.example.net", "rcvd:dom:example.net", "rcvd:10.1.2.3", "rcvd:net:10.1.2",
           "rcvd:net:10.1", "rcvd:x.y", "rcvd:" + std::string(76, 'h') + ".com"}) {
    EXPECT_TRUE(texts.count(t)) << t;
  }
  for (const std::string& t :
       std::vector<std::string>{"rcvd:a@b.example", "rcvd:nodot", "rcvd:nodot.", "rcvd:dom:x.y",
                                "rcvd:" + std::string(77, 'k') + ".com", "rcvd:from"}) {
    EXPECT_FALSE(texts.count(t)) << t;
  }
}

// skip_received leaves out the hosts of the top Received headers (the receiving side's
// own hops) and keeps those below; the count still counts them all.
TEST(TokenizerTest, SkipReceivedDropsOnlyTheTopHops) {
  const auto message = MakeMessage({{"Received", "from localhost by mx.local.example"},
                                    {"Received", "from pop.isp.example by localhost (fetchmail)"},
                                    {"Received", "from list.example.org by pop.isp.example"},
                                    {"Received", "from [10.9.8.7] by list.example.org"}},
                                   "");
  TokenizerOptions options;
  auto all = Texts(message, options);
  options.skip_received = 2;
  auto skipped = Texts(message, options);
  for (const char* t : {"rcvd:mx.local.example", "rcvd:dom:local.example"}) {
    EXPECT_TRUE(all.count(t)) << t;
    EXPECT_FALSE(skipped.count(t)) << t;
  }
  for (const char* t :
       {"rcvd:list.example.org", "rcvd:pop.isp.example", "rcvd:10.9.8.7", "rcvd:net:10.9"}) {
    EXPECT_TRUE(skipped.count(t)) << t;
  }
  EXPECT_TRUE(skipped.count("rcvd:count:4-6"));
  options.skip_received = 9;
  for (const std::string& t : Texts(message, options)) {
    EXPECT_TRUE(!t.starts_with("rcvd:") || t.starts_with("rcvd:count:")) << t;
  }
}

// Every token carries the family of the header it came from: delivery-path headers by
// kind, everything else (body, subject, URLs, other headers) is content.
TEST(TokenizerTest, TokensCarryTheirHeaderFamily) {
  const auto message =
      MakeMessage({{"Received", "from relay.example.net ([10.1.2.3]) by mx.example.com"},
                   {"Return-Path", "<bounce@lists.example.org>"},
                   {"To", "Ann <ann@example.com>"},
                   {"From", "Bob <bob@example.net>"},
                   {"List-Unsubscribe", "<mailto:leave@lists.example.org>"},
                   {"Precedence", "bulk"},
                   {"Subject", "hello"},
                   {"X-Mailer", "Mutt"}},
                  "body words http");
  TokenList tokens(true);
  Tokenizer().Tokenize(message, &tokens);
  ASSERT_EQ(tokens.families().size(), tokens.size());
  std::map<std::string, int> family;
  for (size_t i = 0; i < tokens.size(); ++i) family[tokens.texts()[i]] = tokens.families()[i];
  const std::map<std::string, int> want = {
      {"rcvd:relay.example.net", kReceivedPath},
      {"rcvd:net:10.1", kReceivedPath},
      {"hn:received", kReceivedPath},
      {"return-path:addr:bounce@lists.example.org", kReturnPath},
      {"to:addr:ann@example.com", kRecipients},
      {"to:w:ann", kRecipients},
      {"from:dom:example.net", kSender},
      {"hn:list-unsubscribe", kListHeaders},
      {"hv:precedence:bulk", kListHeaders},
      {"s:hello", kContent},
      {"xm:mutt", kContent},
      {"rcvd:count:1", kContent},
      {"body", kContent},
  };
  for (const auto& [text, f] : want) {
    ASSERT_TRUE(family.count(text)) << text;
    EXPECT_EQ(family[text], f) << text;
  }
  tokens.Clear();
  EXPECT_TRUE(tokens.families().empty());
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
