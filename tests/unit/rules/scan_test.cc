// scan_test.cc - scanning hand-built messages: every target, words in English and
// Russian, min_hits, meta rules and facts, excerpts, the PCRE2 fallback, the disk cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "filter/rules/facts.h"
#include "filter/rules/rule_set.h"
#include "filter/rules/target_text.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::FindHit;
using testing::MessageBuilder;
using testing::MustLoad;
using testing::TempDir;

std::string Rule(const std::string& id, const std::string& target, const std::string& match,
                 double score = 1, const std::string& extra = "") {
  return "  - id: " + id + "\n    description: test rule " + id + "\n    target: " + target +
         "\n    " + match + "\n    score: " + std::to_string(score) + "\n" + extra;
}

std::vector<RuleHit> ScanWith(const std::string& yaml, mime::Message& message) {
  TempDir dir;
  auto set = MustLoad({dir.Write("r.yaml", yaml)});
  std::vector<RuleHit> hits;
  set->Scan(message, &hits);
  return hits;
}

TEST(ScanTest, EveryTargetReadsItsOwnText) {
  std::string yaml =
      "rules:\n" + Rule("SUBJ", "subject", "pattern: '^Win'") +
      Rule("FROM", "from", "pattern: 'lottery\\.example'") + Rule("TO", "to", "pattern: 'carol@'") +
      Rule("XMAILER", "header:X-Mailer", "pattern: 'BulkMailer'") +
      Rule("HDRS", "headers", "pattern: '(?m)^Reply-To: '") +
      Rule("BODY", "body", "words: [prize]") +
      Rule("RAWBODY", "rawbody", "pattern: '<font color'") +
      Rule("URI", "uri", "pattern: '^http://\\d+\\.\\d+\\.\\d+\\.\\d+/'") +
      Rule("FULL", "full", "pattern: 'X-Spam-Source: 8bit\\xff'") +
      Rule("ATT_NAME", "attachment", "pattern: '\\.exe\\z'", 1, "    flags: [caseless]\n") +
      Rule("ATT_TYPE", "attachment", "pattern: '^application/x-msdownload'") +
      // Must not hit: the word is only in the HTML source, not the visible text.
      Rule("BODY_NOT_RAW", "body", "pattern: '<font'");
  MessageBuilder b;
  b.Header("From", "Lottery <win@lottery.example>")
      .Header("To", "alice@example.org")
      .Header("Cc", "carol@example.org")
      .Header("Subject", "Win big")
      .Header("X-Mailer", "BulkMailer 2.0")
      .Header("Reply-To", "x@y.example")
      .Body("You won a prize!", "<font color=red>You won a prize!</font>")
      .Raw("X-Spam-Source: 8bit\xff\r\n\r\nbody")
      .Url("http://192.168.10.1/claim", "192.168.10.1")
      .Attachment("SETUP.EXE", "application/x-msdownload");
  auto hits = ScanWith(yaml, b.message());
  for (const char* id : {"SUBJ", "FROM", "TO", "XMAILER", "HDRS", "BODY", "RAWBODY", "URI", "FULL",
                         "ATT_NAME", "ATT_TYPE"}) {
    const RuleHit* hit = FindHit(hits, id);
    ASSERT_NE(hit, nullptr) << id;
    EXPECT_EQ(hit->score, 1);
  }
  EXPECT_EQ(FindHit(hits, "BODY_NOT_RAW"), nullptr);
  EXPECT_EQ(FindHit(hits, "XMAILER")->target, "header:x-mailer");
  EXPECT_EQ(FindHit(hits, "URI")->matched, "http://192.168.10.1/");
  EXPECT_EQ(FindHit(hits, "BODY")->matched, "prize");
  EXPECT_EQ(hits.size(), 11u);
}

TEST(ScanTest, TargetsDoNotLeakIntoEachOther) {
  std::string yaml = "rules:\n" + Rule("SUBJ_PRIZE", "subject", "words: [prize]") +
                     Rule("FROM_PRIZE", "from", "words: [prize]") +
                     Rule("URI_PRIZE", "uri", "words: [prize]");
  MessageBuilder b;
  b.Header("Subject", "hello").Header("From", "a@b.example").Body("prize prize prize");
  EXPECT_TRUE(ScanWith(yaml, b.message()).empty());
}

TEST(ScanTest, WordsAreWholeWordsCaseInsensitiveInRussianAndEnglish) {
  std::string yaml = "rules:\n" +
                     Rule("FREE", "body", "words: [free, бесплатный, \"gift certificate\"]") +
                     Rule("NATURAL_RU", "body", "words: [\"всё исключительно натуральное\"]") +
                     Rule("HOSTING_RU", "subject", "words: [\"бесплатный хостинг\"]");
  struct Case {
    std::string body;
    std::string subject;
    std::vector<std::string> expect;
  } cases[] = {
      {"Get it FREE today", "", {"FREE"}},
      {"freedom and carefree", "", {}},
      {"Это БЕСПЛАТНЫЙ сыр", "", {"FREE"}},
      {"Этобесплатныйсыр", "", {}},
      {"бесплатныйхостинг", "", {}},
      {"«Бесплатный» сыр, free\u00a0gift\u00a0certificate", "", {"FREE"}},
      {"Bесплатный", "", {}},  // Latin B: not the Russian word
      {"a Gift\n  Certificate inside", "", {"FREE"}},
      {"Здесь ВСЁ исключительно натуральное.", "", {"NATURAL_RU"}},
      {"Здесь все исключительно натуральное!", "", {"NATURAL_RU"}},  // е for ё
      {"", "Бесплатный хостинг для всех", {"HOSTING_RU"}},
      {"", "Бесплатный хостингер", {}},
  };
  for (const auto& c : cases) {
    MessageBuilder b;
    b.Header("Subject", c.subject).Body(c.body);
    auto hits = ScanWith(yaml, b.message());
    std::vector<std::string> ids;
    for (const auto& hit : hits) ids.push_back(hit.id);
    EXPECT_EQ(ids, c.expect) << c.body << c.subject;
  }
}

TEST(ScanTest, MinHitsCountsMatches) {
  std::string yaml = "rules:\n" +
                     Rule("MANY_FREE", "body", "words: [free]", 2, "    min_hits: 3\n") +
                     Rule("ONE_FREE", "body", "words: [free]");
  MessageBuilder two;
  two.Body("free free");
  auto hits = ScanWith(yaml, two.message());
  EXPECT_EQ(FindHit(hits, "MANY_FREE"), nullptr);
  ASSERT_NE(FindHit(hits, "ONE_FREE"), nullptr);
  EXPECT_EQ(FindHit(hits, "ONE_FREE")->count, 1u);  // single-match rule stops counting
  MessageBuilder three;
  three.Body("free, free\nfree\n");
  hits = ScanWith(yaml, three.message());
  ASSERT_NE(FindHit(hits, "MANY_FREE"), nullptr);
  EXPECT_EQ(FindHit(hits, "MANY_FREE")->count, 3u);
}

TEST(ScanTest, MetaRulesBooleanAndArithmetic) {
  std::string yaml =
      "rules:\n" + Rule("__FREE", "body", "words: [free]", 0) +
      Rule("__GIFT", "body", "words: [gift]", 0) +
      Rule("__CERT", "body", "words: [certificate]", 0) +
      "  - id: FREE_GIFT\n    description: d\n    meta: '__FREE && (__GIFT || __CERT)'\n"
      "    score: 2.5\n"
      "  - id: TWO_OF_THREE\n    description: d\n"
      "    meta: '__FREE + __GIFT + __CERT >= 2'\n    score: 1\n"
      "  - id: ALL_THREE\n    description: d\n"
      "    meta: 'TWO_OF_THREE && __FREE + __GIFT + __CERT == 3'\n    score: 1\n";
  MessageBuilder b;
  b.Body("a free certificate");
  auto hits = ScanWith(yaml, b.message());
  ASSERT_NE(FindHit(hits, "FREE_GIFT"), nullptr);
  EXPECT_EQ(FindHit(hits, "FREE_GIFT")->target, "meta");
  EXPECT_EQ(FindHit(hits, "FREE_GIFT")->score, 2.5);
  EXPECT_NE(FindHit(hits, "TWO_OF_THREE"), nullptr);
  EXPECT_EQ(FindHit(hits, "ALL_THREE"), nullptr);
  EXPECT_EQ(FindHit(hits, "__FREE"), nullptr);  // helpers are not reported by Scan
  EXPECT_EQ(hits.size(), 2u);

  MessageBuilder c;
  c.Body("gift only");
  EXPECT_TRUE(ScanWith(yaml, c.message()).empty());
}

TEST(ScanTest, FactsFeedMetaRules) {
  std::string yaml =
      "rules:\n"
      "  - id: HTML_ONLY_IMAGES\n    description: d\n    meta: 'html_only && image_count >= 2'\n"
      "    score: 1\n"
      "  - id: NO_DATE\n    description: d\n    meta: missing_date\n    score: 1\n"
      "  - id: NO_MSGID\n    description: d\n    meta: missing_message_id\n    score: 1\n"
      "  - id: LINK_MISMATCH\n    description: d\n    meta: 'link_host_mismatch > 0'\n"
      "    score: 1\n"
      "  - id: FROM_NAME_ADDR\n    description: d\n    meta: from_name_address\n    score: 1\n"
      "  - id: CAPS_SUBJECT\n    description: d\n    meta: 'subject_upper_pct >= 80'\n"
      "    score: 1\n"
      "  - id: COLORED\n    description: d\n    meta: 'colored_text > 0'\n    score: 1\n";
  MessageBuilder spam;
  spam.Header("From", "\"service@paypal.com\" <x@evil.example>")
      .Header("Subject", "ВЫИГРАЙТЕ ПРИЗ СЕЙЧАС")
      .Url("http://evil.example/login", "evil.example", "https://www.paypal.com/signin")
      .Body("click");
  spam.message().html_only = true;
  spam.message().image_count = 3;
  spam.message().colored_text = 2;
  auto hits = ScanWith(yaml, spam.message());
  for (const char* id : {"HTML_ONLY_IMAGES", "NO_DATE", "NO_MSGID", "LINK_MISMATCH",
                         "FROM_NAME_ADDR", "CAPS_SUBJECT", "COLORED"}) {
    EXPECT_NE(FindHit(hits, id), nullptr) << id;
  }
  MessageBuilder ham;
  ham.Header("From", "Alice Example <alice@example.org>")
      .Header("Date", "Mon, 2 Jan 2006 15:04:05 +0000")
      .Header("Message-ID", "<1@example.org>")
      .Header("Subject", "Lunch on Friday?")
      .Url("https://www.example.org/menu", "www.example.org", "www.example.org/menu")
      .Url("https://example.net/x", "example.net", "click here")
      .Body("see you");
  EXPECT_TRUE(ScanWith(yaml, ham.message()).empty());
}

TEST(ScanTest, FactHelpers) {
  EXPECT_EQ(HostInLinkText(" https://www.paypal.com/signin "), "www.paypal.com");
  EXPECT_EQ(HostInLinkText("paypal.com"), "paypal.com");
  EXPECT_EQ(HostInLinkText("click here"), "");
  EXPECT_EQ(HostInLinkText("index.html"), "");
  EXPECT_EQ(HostInLinkText("10.0.0.1"), "10.0.0.1");
  EXPECT_TRUE(DifferentSite("www.paypal.com", "evil.example"));
  EXPECT_FALSE(DifferentSite("www.paypal.com", "paypal.com"));
  EXPECT_FALSE(DifferentSite("news.bbc.co.uk", "www.bbc.co.uk"));
  EXPECT_TRUE(DifferentSite("bbc.co.uk", "evil.co.uk"));
  EXPECT_EQ(UpperCasePercent("ABCDefgh", 8), 50);
  EXPECT_DOUBLE_EQ(UpperCasePercent("ПРИВЕТ мир", 8), 6.0 / 9.0 * 100);
  EXPECT_EQ(UpperCasePercent("ABC", 8), 0);
}

// Long texts take the sixteen-bytes-at-a-time path: it must count exactly like the
// byte loop, across block edges, over 255 blocks, and around Cyrillic and other UTF-8.
TEST(ScanTest, UpperCasePercentOnLongTexts) {
  std::string text;
  size_t upper = 0, letters = 0;
  for (int i = 0; i < 20000; ++i) {
    switch (i % 37 % 9) {
      case 0:
        text += 'Q';
        ++upper;
        ++letters;
        break;
      case 1:
        text += 'z';
        ++letters;
        break;
      case 2:
        text += '@';
        break;
      case 3:
        text += '[';
        break;
      case 4:
        text += '`';
        break;
      case 5:
        text += '{';
        break;
      case 6:
        text += i % 1000 < 40 ? "\xd0\x96" : " ";
        break;  // Ж: a capital
      case 7:
        text += i % 1000 < 40 ? "\xc3\xa9" : "7";
        break;  // é: not counted
      default:
        text += 'b';
        ++letters;
        break;
    }
    if (i % 37 % 9 == 6 && i % 1000 < 40) ++upper, ++letters;
  }
  EXPECT_DOUBLE_EQ(UpperCasePercent(text, 100), 100.0 * upper / letters);
}

TEST(ScanTest, PatternsHyperscanRefusesFallBackToPcre2WithAWarning) {
  TempDir dir;
  std::string file =
      dir.Write("r.yaml", "rules:\n" + Rule("REPEAT", "body", "pattern: '(\\w{3,})\\s+\\1'") +
                              Rule("LOOKBEHIND", "body", "pattern: '(?<=\\$)\\d+'") +
                              Rule("PLAIN", "body", "pattern: 'hello'"));
  std::vector<Diagnostic> warnings;
  auto set = MustLoad({file}, "", &warnings);
  int fallbacks = 0;
  for (const auto& w : warnings) fallbacks += w.message.find("PCRE2 instead") != std::string::npos;
  EXPECT_EQ(fallbacks, 2);
  MessageBuilder b;
  b.Body("hello, pay $100 now now");
  std::vector<RuleHit> hits;
  set->Scan(b.message(), &hits);
  ASSERT_NE(FindHit(hits, "REPEAT"), nullptr);
  EXPECT_EQ(FindHit(hits, "REPEAT")->matched, "now now");
  ASSERT_NE(FindHit(hits, "LOOKBEHIND"), nullptr);
  EXPECT_EQ(FindHit(hits, "LOOKBEHIND")->matched, "100");
  EXPECT_NE(FindHit(hits, "PLAIN"), nullptr);
  MessageBuilder c;
  c.Body("now then");
  hits.clear();
  set->Scan(c.message(), &hits);
  EXPECT_TRUE(hits.empty());
}

TEST(ScanTest, ExcerptIsTheMatchedTextOnOneLine) {
  std::string long_text(10000, 'x');
  std::string yaml = "rules:\n" + Rule("MONEY", "body", "pattern: '\\$\\d{1,3}(,\\d{3})+'") +
                     Rule("MULTI", "body", "pattern: 'act\\s+now'");
  MessageBuilder b;
  b.Body(long_text + " earn $1,000,000 " + long_text + " act\nnow");
  auto hits = ScanWith(yaml, b.message());
  ASSERT_NE(FindHit(hits, "MONEY"), nullptr);
  EXPECT_EQ(FindHit(hits, "MONEY")->matched, "$1,000,000");
  ASSERT_NE(FindHit(hits, "MULTI"), nullptr);
  EXPECT_EQ(FindHit(hits, "MULTI")->matched, "act now");
}

// ScanWithoutExcerpts reports what Scan reports (ids, scores, targets, counts, in order)
// with every excerpt empty, also for a rule whose excerpt an earlier Scan on the thread
// computed but did not report (min_hits unmet), so nothing of that scan leaks into it.
TEST(ScanTest, ScanWithoutExcerptsIsScanWithEmptyExcerpts) {
  TempDir dir;
  auto set = MustLoad({dir.Write(
      "r.yaml", "rules:\n" + Rule("MANY_FREE", "body", "words: [free]", 2, "    min_hits: 3\n") +
                    Rule("ONE_FREE", "body", "words: [free]") +
                    Rule("MONEY", "body", "pattern: '\\$\\d{1,3}(,\\d{3})+'") +
                    Rule("SUBJ_WIN", "subject", "pattern: 'win'", 1.5) +
                    Rule("FALLBACK", "body", "pattern: '(\\w)\\1x'"))});
  MessageBuilder once, thrice;
  once.Header("Subject", "win big").Body("free money $1,000 aax");
  thrice.Header("Subject", "you win").Body("free, free\nfree $2,000,000 bbx");
  for (mime::Message* m : {&once.message(), &thrice.message(), &once.message()}) {
    std::vector<RuleHit> with, without;
    set->Scan(*m, &with);
    set->ScanWithoutExcerpts(*m, &without);
    ASSERT_EQ(with.size(), without.size());
    ASSERT_GE(with.size(), 3u);
    for (size_t i = 0; i < with.size(); ++i) {
      SCOPED_TRACE(with[i].id);
      EXPECT_EQ(with[i].id, without[i].id);
      EXPECT_EQ(with[i].score, without[i].score);
      EXPECT_EQ(with[i].target, without[i].target);
      EXPECT_EQ(with[i].count, without[i].count);
      EXPECT_EQ(without[i].matched, "");
      if (with[i].target != "meta") {
        EXPECT_NE(with[i].matched, "");
      }
    }
  }
  std::vector<RuleHit> hits;
  set->ScanWithoutExcerpts(thrice.message(), &hits);
  ASSERT_NE(FindHit(hits, "MANY_FREE"), nullptr);
  EXPECT_EQ(FindHit(hits, "MANY_FREE")->count, 3u);
  EXPECT_EQ(FindHit(hits, "MANY_FREE")->matched, "");
}

TEST(ScanTest, CompiledDatabasesAreCachedAndStaleFilesRemoved) {
  TempDir dir;
  std::string cache = dir.path() + "/cache";
  std::string file = dir.Write("r.yaml", "rules:\n" + Rule("A", "body", "words: [alpha]") +
                                             Rule("B", "subject", "words: [beta]"));
  MustLoad({file}, cache);
  auto count_files = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(cache)) n += e.is_regular_file();
    return n;
  };
  EXPECT_EQ(count_files(), 4u);  // one database per target, the pattern checks, the parse
  std::vector<std::filesystem::file_time_type> times;
  for (const auto& e : std::filesystem::directory_iterator(cache))
    times.push_back(e.last_write_time());
  auto again = MustLoad({file}, cache);  // loads from the cache
  std::vector<std::filesystem::file_time_type> times_again;
  for (const auto& e : std::filesystem::directory_iterator(cache))
    times_again.push_back(e.last_write_time());
  EXPECT_EQ(times, times_again);
  MessageBuilder b;
  b.Header("Subject", "beta").Body("alpha");
  std::vector<RuleHit> hits;
  again->Scan(b.message(), &hits);
  EXPECT_EQ(hits.size(), 2u);

  // A corrupt cache file is replaced, not trusted.
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    std::ofstream(e.path(), std::ios::trunc) << "garbage";
  }
  auto repaired = MustLoad({file}, cache);
  hits.clear();
  repaired->Scan(b.message(), &hits);
  EXPECT_EQ(hits.size(), 2u);

  // Changing one target's rules replaces that target's file; the old one is removed.
  dir.Write("r.yaml", "rules:\n" + Rule("A", "body", "words: [alphabet]") +
                          Rule("B", "subject", "words: [beta]"));
  MustLoad({file}, cache);
  EXPECT_EQ(count_files(), 4u);
}

// A damaged database file that cannot be removed (immutable, as on a read-only cache
// directory) is a cache miss: the rules are compiled again and load, rather than the
// loader's attempt to delete it throwing out of a start or a SIGHUP reload.
TEST(ScanTest, DamagedCacheFileThatCannotBeRemovedIsRecompiled) {
  TempDir dir;
  std::string cache = dir.path() + "/cache";
  std::string file = dir.Write("r.yaml", "rules:\n" + Rule("A", "body", "words: [alpha]"));
  MustLoad({file}, cache);
  std::vector<std::string> locked;
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    if (e.path().extension() != ".hsdb") continue;
    std::ofstream(e.path(), std::ios::trunc) << "garbage";
    const std::string command = "chattr +i '" + e.path().string() + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0) GTEST_SKIP() << "chattr +i unavailable here";
    locked.push_back(e.path().string());
  }
  ASSERT_FALSE(locked.empty()) << "no Hyperscan cache file was written";
  LoadOptions options;
  options.cache_dir = cache;
  std::vector<Diagnostic> warnings;
  Result<std::shared_ptr<const RuleSet>> loaded = Status::Internal("not run");
  EXPECT_NO_THROW(loaded = RuleSet::Load({file}, options, &warnings));
  for (const std::string& path : locked) {
    const std::string command = "chattr -i '" + path + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
  }
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  MessageBuilder b;
  b.Body("alpha");
  std::vector<RuleHit> hits;
  (*loaded)->Scan(b.message(), &hits);
  EXPECT_EQ(hits.size(), 1u);
}

}  // namespace
}  // namespace sluice::rules

namespace sluice::rules {
namespace {

// Each distinct URL is scanned once, but a repeated URL still counts every copy: the
// counts, min_hits and the excerpt are what scanning every copy would give.
TEST(ScanTest, RepeatedUrlsCountEveryCopy) {
  std::string yaml = "rules:\n" + Rule("URI_CLICK", "uri", "pattern: 'click\\.php'") +
                     Rule("URI_CLICK_3", "uri", "pattern: 'click\\.php'", 1, "    min_hits: 3\n") +
                     Rule("URI_CLICK_4", "uri", "pattern: 'click\\.php'", 1, "    min_hits: 4\n") +
                     Rule("URI_OTHER", "uri", "pattern: 'other'");
  MessageBuilder b;
  b.Body("links", "links")
      .Url("http://a.example/click.php?x", "a.example")
      .Url("http://b.example/other", "b.example")
      .Url("http://a.example/click.php?x", "a.example")
      .Url("http://c.example/click.php", "c.example");
  auto hits = ScanWith(yaml, b.message());
  const RuleHit* click = FindHit(hits, "URI_CLICK");
  ASSERT_NE(click, nullptr);
  EXPECT_EQ(click->count, 3u);
  EXPECT_EQ(click->matched, "click.php");
  ASSERT_NE(FindHit(hits, "URI_CLICK_3"), nullptr);
  EXPECT_EQ(FindHit(hits, "URI_CLICK_4"), nullptr);
  ASSERT_NE(FindHit(hits, "URI_OTHER"), nullptr);
  EXPECT_EQ(FindHit(hits, "URI_OTHER")->count, 1u);
}

// The obvious byte-at-a-time CollapseSpace, to check the 16-byte one against.
std::string CollapseSpaceReference(const std::string& text) {
  std::string out;
  bool in_run = false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool nbsp = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0;
    if (c == ' ' || (c >= '\t' && c <= '\r') || nbsp) {
      if (!in_run) out += ' ';
      in_run = true;
      if (nbsp) ++i;
      continue;
    }
    in_run = false;
    out += text[i];
  }
  return out;
}

TEST(ScanTest, CollapseSpaceMakesEveryWhitespaceRunOneSpace) {
  const char* const pieces[] = {"a",
                                "word",
                                " ",
                                " ",
                                "  ",
                                "\n",
                                "\r\n",
                                "\t",
                                "\v",
                                "\f",
                                "\xc2\xa0",
                                "\xc2",
                                "\xa0",
                                "\xd0\xb4",
                                "\x01",
                                "\x0e",
                                "x ",
                                " y",
                                "0123456789abcdef",
                                "-"};
  std::mt19937 random(11);
  std::string out;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int n = static_cast<int>(random() % 40);
    for (int j = 0; j < n; ++j) text += pieces[random() % std::size(pieces)];
    CollapseSpace(text, &out);
    ASSERT_EQ(out, CollapseSpaceReference(text)) << "[" << text << "]";
  }
  CollapseSpace("  gift \n\n certificate\xc2\xa0 \t", &out);
  EXPECT_EQ(out, " gift certificate ");
}

// `words` over body scan the space-collapsed text; over subject they scan the text as is.
// Both must count the same matches (min_hits) and hit the same texts.
TEST(ScanTest, WordsOnCollapsedBodyCountLikeWordsOnTheTextAsIs) {
  const std::string words = "words: ['gift card', 'free', 'act now!', '100%', 'всё включено']";
  std::string yaml = "rules:\n";
  for (int need = 1; need <= 4; ++need) {
    std::string extra = "    min_hits: " + std::to_string(need) + "\n";
    yaml += Rule("BODY_" + std::to_string(need), "body", words, 1, extra);
    yaml += Rule("SUBJ_" + std::to_string(need), "subject", words, 1, extra);
  }
  TempDir dir;
  auto set = MustLoad({dir.Write("r.yaml", yaml)});
  const char* const pieces[] = {"gift",     "card", "free", "act", "now!", "100%",     "всё", "все",
                                "включено", " ",    "  ",   "\n",  "\t",   "\xc2\xa0", ",",   "x"};
  std::mt19937 random(5);
  int fired = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    int n = 1 + static_cast<int>(random() % 16);
    for (int j = 0; j < n; ++j) text += pieces[random() % std::size(pieces)];
    MessageBuilder b;
    b.Body(text).Header("Subject", text);
    std::vector<RuleHit> hits;
    set->ScanAll(b.message(), &hits);
    for (int need = 1; need <= 4; ++need) {
      const RuleHit* body = FindHit(hits, "BODY_" + std::to_string(need));
      const RuleHit* subject = FindHit(hits, "SUBJ_" + std::to_string(need));
      ASSERT_EQ(body != nullptr, subject != nullptr) << need << " [" << text << "]";
      if (body) {
        ++fired;
        EXPECT_EQ(body->count, subject->count) << "[" << text << "]";
      }
    }
  }
  EXPECT_GT(fired, 1000);  // the texts hit, also several times (min_hits 2-4)
}

}  // namespace
}  // namespace sluice::rules
