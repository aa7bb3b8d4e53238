// url_host_prefix_test.cc - uri rules scanned once per host prefix give exactly the hits of
// scanning every URL with every rule: the load-time proof (which patterns qualify) and the
// scan (LoadOptions::host_prefix_scan on vs off) on generated URLs and the corpus.
#include "filter/rules/url_host_prefix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "filter/rules/rule_set_impl.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::MessageBuilder;
using testing::TempDir;

TEST(UrlHostPrefixTest, EndsAtTheFirstSlashAfterTheScheme) {
  EXPECT_EQ(UrlHostPrefix("http://a.example.com/x/y?z"), "http://a.example.com/");
  EXPECT_EQ(UrlHostPrefix("https://u:p@h.com:8080/a"), "https://u:p@h.com:8080/");
  EXPECT_EQ(UrlHostPrefix("http://h.com?q=/a"), "http://h.com?q=/");
  EXPECT_EQ(UrlHostPrefix("http://h.com"), "http://h.com");
  EXPECT_EQ(UrlHostPrefix("http:/x/y"), "http:/x/y");
  EXPECT_EQ(UrlHostPrefix("mailto:a@b.com"), "mailto:a@b.com");
  EXPECT_EQ(UrlHostPrefix("x:/a://b/c://d/e"), "x:/a://b/");
}

RuleFlags Caseless() {
  RuleFlags flags;
  flags.caseless = true;
  return flags;
}

// The shipped uri rules that are functions of the host prefix, and those that are not.
TEST(HostPrefixProofTest, ShippedUriRules) {
  std::vector<Diagnostic> warnings;
  auto set = RuleSet::Load({std::string(SLUICE_SOURCE_DIR) + "/rules/uri.yaml"}, {}, &warnings);
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::set<std::string> host;
  for (const auto& rule : set.value()->Rules()) {
    if (MatchesOnlyInHostPrefix(rule.expression, Caseless())) host.insert(rule.id);
  }
  const std::set<std::string> expected = {
      "URI_IP_LITERAL", "URI_IP_DECIMAL",     "URI_HEX_HOST",     "URI_USERINFO",
      "URI_SHORTENER",  "URI_PORT",           "URI_FREE_WEBHOST", "URI_DIGITS_HOST",
      "URI_SPAMMY_TLD", "URI_DEEP_SUBDOMAIN", "URI_HOST_DASHES",  "URI_SOURCEFORGE",
      "URI_MANY"};
  EXPECT_EQ(host, expected);
}

TEST(HostPrefixProofTest, RefusesWhatCouldLookPastThePrefix) {
  struct Case {
    const char* pattern;
    bool qualifies;
  };
  const Case cases[] = {
      {"^https?://[^/]*\\.com([:/?#]|\\z)", true},
      {"^https?://[^/]*/", true},         // ends at the prefix's '/'
      {"^https?://[^/]*/\\z", false},     // only because a longer URL was cut there
      {"^https?://[^/]*/a", false},       // past the prefix
      {"^https?://[^?]*x", false},        // [^?] crosses '/'
      {"^https?://[^/]*\\.com$", false},  // $ is not read
      {"^https?://[^/]*\\b", false},      // \b looks at the next byte
      {"(?i)^http://", false},            // inline options are not read
      {"^http://(?=a)", false},           // lookarounds neither
      {"https?://[^/]*\\.com", false},    // unanchored: may start past the prefix
      {"^[a-z]+:[^/]*x", true},           // no "://" can be read: the prefix is the URL
      {"^mailto:.*x", false},             // '.' may read "://h/" and go on
      {"^https?://\\d{1,3}(\\.\\d{1,3}){3}", true},
      {"^https?://[^/]{0,5}é", true},
      {"^https?://[^/]+\\x2f", true},  // \x2f is the prefix's '/'
      {"^https?://[^/]+\\x2fa", false},
      {"^https?://[^\\x2f]+\\.cn", true},
      {"^https?://[^/]+[/?]b", false},
      {"^ftp://[^/]*|^https?://[^/]*\\.cn", true},
      {"^ftp://[^/]*|https?://[^/]*\\.cn", false},  // the second branch is unanchored
      {"^https?://([^/.:]+\\.){5,}[^/.:]+", true},
      {"^https?://[^/]*\\p{L}", false},  // unknown escape
      {"^https?://[^/]*[[:alpha:]]", false},
      {"^https?://[^/]*(a|b)*+", false},  // possessive
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MatchesOnlyInHostPrefix(c.pattern, Caseless()), c.qualifies) << c.pattern;
  }
  RuleFlags multiline = Caseless();
  multiline.multiline = true;
  EXPECT_FALSE(MatchesOnlyInHostPrefix("^https?://[^/]*", multiline));
}

// Every Scan and ScanAll hit, in order, as text.
std::string Dump(const RuleSet& set, const mime::Message& message) {
  std::string out;
  for (int all = 0; all < 2; ++all) {
    std::vector<RuleHit> hits;
    if (all) {
      set.ScanAll(message, &hits);
    } else {
      set.Scan(message, &hits);
    }
    for (const auto& hit : hits) {
      out += std::to_string(all) + " " + hit.id + " " + std::to_string(hit.count) + " " +
             hit.target + " [" + hit.matched + "]\n";
    }
  }
  return out;
}

std::shared_ptr<const RuleSet> LoadWith(const std::vector<std::string>& files, bool split) {
  LoadOptions options;
  options.host_prefix_scan = split;
  std::vector<Diagnostic> warnings;
  auto set = RuleSet::Load(files, options, &warnings);
  EXPECT_TRUE(set.ok()) << set.status().message();
  return set.ok() ? set.value() : nullptr;
}

// How many uri rules the split set scans by host prefix (0 when not split).
size_t HostPrefixRules(const RuleSet& set) {
  const auto& impl = static_cast<const RuleSetImpl&>(set);
  for (const auto& group : impl.groups_) {
    if (group.kind != TargetKind::kUri || !group.host_db) continue;
    size_t n = 0;
    for (uint32_t r : group.rules) {
      n += !impl.rules_[r].fallback &&
           MatchesOnlyInHostPrefix(impl.rules_[r].scan_pattern, impl.rules_[r].rule.flags);
    }
    return n;
  }
  return 0;
}

// Rules beside the shipped ones that first match at the same end as others (ties), count
// matches, fall back to PCRE2, and a words list: every path of the split scan.
const char kExtraRules[] =
    "rules:\n"
    "  - id: T_COM_SLASH\n    description: t\n    target: uri\n"
    "    pattern: '^https?://[^/]*\\.com/'\n    flags: [caseless]\n    score: 1\n"
    "  - id: T_M_SLASH\n    description: t\n    target: uri\n"
    "    pattern: '^https?://[^/]*m/'\n    score: 1\n"
    "  - id: T_HOST_DOTS\n    description: t\n    target: uri\n"
    "    pattern: '^https?://[^/]*\\.'\n    min_hits: 3\n    score: 1\n"
    "  - id: T_PATH_SLASH\n    description: t\n    target: uri\n"
    "    pattern: 'm/'\n    score: 1\n"
    "  - id: T_BACKREF\n    description: t\n    target: uri\n"
    "    pattern: '^https?://([a-z])\\1'\n    score: 1\n"
    "  - id: T_WORDS\n    description: t\n    target: uri\n"
    "    words: [remove, example]\n    score: 1\n"
    "  - id: T_END\n    description: t\n    target: uri\n"
    "    pattern: '^https?://[^/]*(/|\\z)'\n    score: 1\n";

std::string RandomUrl(std::mt19937* rng) {
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(*rng)];
  };
  static const std::vector<std::string> schemes = {"http://", "https://", "HTTP://", "ftp://",
                                                   "mailto:", "hxxp://",  "http:/",  "http:///"};
  static const std::vector<std::string> users = {"", "", "", "user@", "a:b@", "x@y@"};
  static const std::vector<std::string> hosts = {"example.com",
                                                 "www.example.com",
                                                 "bit.ly",
                                                 "www.tinyurl.com",
                                                 "10.0.0.1",
                                                 "1234567890",
                                                 "0x7f000001",
                                                 "a-b-c-d.net",
                                                 "abc12345.biz",
                                                 "x.cn",
                                                 "a.b.c.d.e.f.g",
                                                 "geocities.com",
                                                 "ww.tripod.com",
                                                 "sourceforge.net",
                                                 "lists.sf.net",
                                                 "h%41st.com",
                                                 "xn--e1a.ru",
                                                 "héllo.com",
                                                 "K.info",
                                                 "s.id",
                                                 "m",
                                                 "",
                                                 "exam ple.com",
                                                 "remove.me.org",
                                                 "a.b:c.d"};
  static const std::vector<std::string> ports = {"", "", "", ":80", ":8080", ":123456", ":x"};
  static const std::vector<std::string> tails = {"",
                                                 "/",
                                                 "/index.html",
                                                 "?q=1-2-3-4.x",
                                                 "#frag",
                                                 "/a/b/c.exe",
                                                 "/remove?me",
                                                 "/redirect.php?u=http://evil.com/",
                                                 "/%41%42%43%44%45%46%47",
                                                 "/x.php?id=0123456789abcdef",
                                                 "/mailman/listinfo/x",
                                                 "/m/",
                                                 "//",
                                                 "/\xff\xfe",
                                                 "?\n",
                                                 "/a%2fb.scr#"};
  std::string url = pick(schemes) + pick(users) + pick(hosts) + pick(ports) + pick(tails);
  if (std::uniform_int_distribution<int>(0, 9)(*rng) == 0) url += pick(tails);
  return url;
}

TEST(HostPrefixScanTest, SameHitsAsEveryRuleOnEveryUrlOnGeneratedUrls) {
  TempDir dir;
  std::vector<std::string> files = {std::string(SLUICE_SOURCE_DIR) + "/rules/uri.yaml",
                                    dir.Write("extra.yaml", kExtraRules)};
  auto split = LoadWith(files, true);
  auto whole = LoadWith(files, false);
  ASSERT_TRUE(split && whole);
  ASSERT_GE(HostPrefixRules(*split), 15u);  // the shipped 13 and T_COM_SLASH, T_M_SLASH, ...
  ASSERT_EQ(HostPrefixRules(*whole), 0u);
  std::mt19937 rng(7);
  size_t differing = 0, hits = 0;
  for (int m = 0; m < 4000; ++m) {
    MessageBuilder b;
    std::vector<std::string> urls;
    int n = std::uniform_int_distribution<int>(1, 30)(rng);
    for (int i = 0; i < n; ++i) {
      // Repeats, and URLs that share a host prefix.
      int how = std::uniform_int_distribution<int>(0, 3)(rng);
      if (how == 0 && !urls.empty()) {
        urls.push_back(urls[std::uniform_int_distribution<size_t>(0, urls.size() - 1)(rng)]);
      } else if (how == 1 && !urls.empty()) {
        urls.push_back(std::string(UrlHostPrefix(urls.back())) + "p" + std::to_string(i));
      } else {
        urls.push_back(RandomUrl(&rng));
      }
    }
    for (const auto& url : urls) b.Url(url, "");
    std::string want = Dump(*whole, b.message());
    std::string got = Dump(*split, b.message());
    hits += std::count(want.begin(), want.end(), '\n');
    if (got != want && ++differing <= 3) {
      std::string list;
      for (const auto& url : urls) list += "  " + url + "\n";
      ADD_FAILURE() << "urls:\n" << list << "whole:\n" << want << "split:\n" << got;
    }
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_GT(hits, 20000u);
}

TEST(HostPrefixScanTest, SameHitsOnCorpusMessagesWithTheShippedRules) {
  const std::string corpus = std::string(SLUICE_SOURCE_DIR) + "/.cache/corpus/";
  const std::vector<std::string> files = {std::string(SLUICE_SOURCE_DIR) + "/rules/sluice.yaml"};
  auto split = LoadWith(files, true);
  auto whole = LoadWith(files, false);
  ASSERT_TRUE(split && whole);
  ASSERT_EQ(HostPrefixRules(*split), 13u);
  size_t checked = 0, with_urls = 0, differing = 0;
  for (const char* list : {"train.spam", "train.ham", "test.spam", "test.ham"}) {
    std::ifstream paths(corpus + list);
    std::string path;
    while (std::getline(paths, path)) {
      std::string raw = testing::ReadAll(path);
      mime::Message message = mime::Parse(raw);
      with_urls += !message.urls.empty();
      ++checked;
      if (Dump(*split, message) != Dump(*whole, message) && ++differing <= 3) {
        ADD_FAILURE() << path << ":\nwhole:\n"
                      << Dump(*whole, message) << "split:\n"
                      << Dump(*split, message);
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no corpus at " << corpus << " (make corpus)";
  EXPECT_EQ(differing, 0u);
  EXPECT_GT(with_urls, 1000u);
}

}  // namespace
}  // namespace sluice::rules
