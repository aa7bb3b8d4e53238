// reference_test.cc - the Hyperscan engine agrees with PCRE2, compiled independently here,
// on generated texts and on the shared real-world MIME cases; and every target works on
// parsed multipart, encoded and non-UTF-8 mail.
//
// The PCRE2 reference spells whole words the textbook way, (?<!\w)...(?!\w) with Unicode
// properties (PCRE2_UCP), so it checks the engine's Hyperscan-compatible word boundary.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <gtest/gtest.h>
#include <pcre2.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::FindHit;
using testing::TempDir;

class Pcre2 {
 public:
  Pcre2(const std::string& pattern, uint32_t options) {
    int error;
    PCRE2_SIZE offset;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                          options | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
    EXPECT_NE(code_, nullptr) << pattern;
    data_ = pcre2_match_data_create(4, nullptr);
  }
  ~Pcre2() {
    pcre2_match_data_free(data_);
    pcre2_code_free(code_);
  }
  bool Matches(std::string_view text) const {
    return code_ && pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                                data_, nullptr) >= 0;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
};

struct RefRule {
  std::string id;
  std::string yaml_match;  // what goes into the rule file
  std::string reference;   // the PCRE2 reference pattern
  uint32_t options;
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::vector<RefRule> ReferenceRules() {
  std::vector<RefRule> rules;
  const std::vector<std::vector<std::string>> word_lists = {
      {"free"},
      {"gift certificate", "gift card"},
      {"бесплатный"},
      {"подарочный сертификат"},
      {"click here", "act now"},
      {"100"},
      {"сыр", "cheese"},
      {"all natural"},
  };
  for (size_t i = 0; i < word_lists.size(); ++i) {
    std::string yaml = "words: [", alternatives;
    for (size_t j = 0; j < word_lists[i].size(); ++j) {
      yaml += (j ? ", " : "") + Quote(word_lists[i][j]);
      std::string alt;
      for (char c : word_lists[i][j])
        alt += c == ' ' ? std::string("[\\s\\x{a0}]+") : std::string(1, c);
      alternatives += (j ? "|" : "") + alt;
    }
    rules.push_back({"W" + std::to_string(i), yaml + "]", "(?<!\\w)(?:" + alternatives + ")(?!\\w)",
                     PCRE2_CASELESS | PCRE2_UCP});
  }
  const std::vector<std::pair<std::string, bool>> patterns = {
      {"\\d{2,}\\s?%", false},      {"fr[e3]{2}\\b", true}, {"[A-Z]{4,}", false},
      {"click\\s+here", true},      {"^cheese", false},     {"x.y", false},
      {"\\$\\d+(,\\d{3})*", false}, {"!{3,}", false},       {"сыр[а-я]*", true},
  };
  for (size_t i = 0; i < patterns.size(); ++i) {
    const auto& [pattern, caseless] = patterns[i];
    rules.push_back({"P" + std::to_string(i),
                     "pattern: " + Quote(pattern) + (caseless ? "\n    flags: [caseless]" : ""),
                     pattern, caseless ? PCRE2_CASELESS : 0u});
  }
  return rules;
}

std::string RuleFile(const std::vector<RefRule>& rules, const std::vector<std::string>& targets) {
  std::string yaml = "rules:\n";
  for (const auto& target : targets) {
    for (const auto& rule : rules) {
      std::string prefix = target == "header:subject" ? "S_"
                           : target == "uri"          ? "U_"
                           : target == "rawbody"      ? "R_"
                                                      : "B_";
      yaml += "  - id: " + prefix + rule.id + "\n    description: d\n    target: " + target +
              "\n    " + rule.yaml_match + "\n    score: 1\n";
    }
  }
  return yaml;
}

TEST(ReferenceTest, HitsAgreeWithPcre2OnGeneratedTexts) {
  auto rules = ReferenceRules();
  TempDir dir;
  auto set = testing::MustLoad({dir.Write("r.yaml", RuleFile(rules, {"body"}))});
  std::vector<std::unique_ptr<Pcre2>> reference;
  for (const auto& rule : rules)
    reference.push_back(std::make_unique<Pcre2>(rule.reference, rule.options));

  const std::vector<std::string> vocabulary = {
      "free",       "FREE",        "freedom",    "carefree",   "fr33",
      "gift",       "certificate", "card",       "click",      "HERE",
      "act",        "now",         "бесплатный", "БЕСПЛАТНЫЙ", "бесплатныйсыр",
      "подарочный", "сертификат",  "сыр",        "сыра",       "cheese",
      "Cheese",     "all",         "natural",    "100",        "100%",
      "50",         "%",           "$1,000",     "$5",         "x",
      "y",          "xzy",         "!!!",        "!",          ",",
      ".",          "«",           "»",          "—",          "_",
      "a1",         "ABCD",        "abcd",       "1000"};
  const std::vector<std::string> separators = {" ", " ", " ", "\n", "", "\t", "\xc2\xa0", "  "};
  std::mt19937 random(12345);
  int agreements = 0, fired = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string text;
    int words = 1 + random() % 8;
    for (int w = 0; w < words; ++w) {
      text += vocabulary[random() % vocabulary.size()];
      text += separators[random() % separators.size()];
    }
    testing::MessageBuilder builder;
    builder.Body(text);
    std::vector<RuleHit> hits;
    set->Scan(builder.message(), &hits);
    for (size_t i = 0; i < rules.size(); ++i) {
      bool engine = FindHit(hits, "B_" + rules[i].id) != nullptr;
      bool expected = reference[i]->Matches(text);
      EXPECT_EQ(engine, expected) << rules[i].id << " on [" << text << "]";
      agreements += engine == expected;
      fired += engine;
    }
  }
  EXPECT_GT(fired, 1000);  // the generated texts really exercise the rules
  EXPECT_EQ(agreements, 3000 * static_cast<int>(rules.size()));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ReferenceTest, HitsAgreeWithPcre2OnSharedMimeCases) {
  std::filesystem::path cases =
      std::filesystem::path(SLUICE_SOURCE_DIR) / ".." / "shared" / "mime-cases";
  if (!std::filesystem::exists(cases)) GTEST_SKIP() << "../shared/mime-cases is absent";
  auto rules = ReferenceRules();
  TempDir dir;
  auto set = testing::MustLoad(
      {dir.Write("r.yaml", RuleFile(rules, {"body", "rawbody", "header:subject", "uri"}))});
  std::vector<std::unique_ptr<Pcre2>> reference;
  for (const auto& rule : rules)
    reference.push_back(std::make_unique<Pcre2>(rule.reference, rule.options));
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cases)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != "LICENSE" && name.find(".tsv") == std::string::npos &&
        name.find(".md") == std::string::npos && entry.file_size() < 2 * 1024 * 1024) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 100u);
  size_t checked = 0;
  for (const auto& path : files) {
    std::string raw = ReadFile(path);
    mime::Message message = mime::Parse(raw);
    std::vector<RuleHit> hits;
    set->Scan(message, &hits);
    for (size_t i = 0; i < rules.size(); ++i) {
      auto check = [&](const std::string& prefix, bool expected) {
        bool engine = FindHit(hits, prefix + rules[i].id) != nullptr;
        EXPECT_EQ(engine, expected) << prefix << rules[i].id << " on " << path;
        ++checked;
      };
      check("B_", reference[i]->Matches(message.visible_text));
      check("R_", reference[i]->Matches(message.raw_text));
      // header:subject joins every Subject header; most mail has one.
      std::string subjects;
      for (const auto& h : message.headers()) {
        if (strcasecmp(std::string(h.name).c_str(), "subject") == 0) {
          subjects += (subjects.empty() ? "" : "\n") + h.value;
        }
      }
      check("S_", reference[i]->Matches(subjects));
      bool any_url = false;
      for (const auto& url : message.urls) any_url = any_url || reference[i]->Matches(url.url);
      check("U_", any_url);
    }
  }
  EXPECT_GT(checked, 1000u);
}

// A multipart message with an RFC 2047 windows-1251 Subject, a quoted-printable koi8-r
// plain part, a base64 HTML part and an attachment with an RFC 2231 file name.
const char kRussianMultipart[] =
    "From: =?windows-1251?B?z+7k4PDq6A==?= <gifts@shop.example>\r\n"
    "To: =?koi8-r?B?8MXU0s/X?= <petrov@example.ru>\r\n"
    "Subject: =?windows-1251?B?weXx7+vg8u376SDv7uTg8O737fvpIPHl8PLo9Ojq4PI=?=\r\n"
    "X-Campaign: spring-sale-42\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=koi8-r\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=F7=D3=A3 =C9=D3=CB=CC=C0=DE=C9=D4=C5=CC=D8=CE=CF =CE=C1=D4=D5=D2=C1=CC=D8=CE=CF=C5!\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGh0bWw+PGJvZHk+PGZvbnQgY29sb3I9cmVkPtCR0LXRgdC/0LvQsNGC0L3Ri9C5INGF0L7RgdGC\r\n"
    "0LjQvdCzPC9mb250PiA8YSBocmVmPSJodHRwOi8vMTkyLjAuMi43L2dpZnQiPnd3dy5iYW5rLmV4\r\n"
    "YW1wbGU8L2E+PC9ib2R5PjwvaHRtbD4=\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename*=utf-8''%D1%81%D1%87%D1%91%D1%82.pdf.exe\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "TVqQAAMAAAAEAAAA\r\n"
    "--outer--\r\n";

TEST(ReferenceTest, EveryTargetWorksOnMultipartEncodedNonUtf8Mail) {
  TempDir dir;
  auto set = testing::MustLoad({dir.Write(
      "r.yaml",
      "rules:\n"
      "  - {id: SUBJ, description: d, target: subject, words: [подарочный сертификат], score: 1}\n"
      "  - {id: FROM, description: d, target: from, pattern: 'Подарки <gifts@', score: 1}\n"
      "  - {id: TO, description: d, target: to, pattern: '^Петров <', score: 1}\n"
      "  - {id: HDR, description: d, target: 'header:x-campaign', pattern: 'sale-\\d+', score: 1}\n"
      "  - {id: HDRS, description: d, target: headers, pattern: '(?m)^Subject: Бесплатный', "
      "score: 1}\n"
      "  - {id: BODY_KOI8, description: d, target: body, words: [исключительно натуральное], "
      "score: 1}\n"
      "  - {id: BODY_HTML, description: d, target: body, words: [бесплатный хостинг], score: 1}\n"
      "  - {id: BODY_NO_TAGS, description: d, target: body, pattern: '<font', score: 1}\n"
      "  - {id: RAWBODY, description: d, target: rawbody, pattern: '<font color=red>Бесплатный', "
      "score: 1}\n"
      "  - {id: URI, description: d, target: uri, pattern: '^http://192\\.0\\.2\\.7/', score: 1}\n"
      "  - {id: ATT, description: d, target: attachment, pattern: '^счёт\\.pdf\\.exe\\z', score: "
      "1}\n"
      "  - {id: FULL, description: d, target: full, pattern: 'TVqQAAMAAAAEAAAA', score: 1}\n"
      "  - {id: LINK, description: d, meta: link_host_mismatch, score: 1}\n")});
  mime::Message message = mime::Parse(kRussianMultipart);
  std::vector<RuleHit> hits;
  set->Scan(message, &hits);
  for (const char* id : {"SUBJ", "FROM", "TO", "HDR", "HDRS", "BODY_KOI8", "BODY_HTML", "RAWBODY",
                         "URI", "ATT", "FULL", "LINK"}) {
    EXPECT_NE(FindHit(hits, id), nullptr)
        << id << "\nvisible: " << message.visible_text << "\nraw: " << message.raw_text;
  }
  EXPECT_EQ(FindHit(hits, "BODY_NO_TAGS"), nullptr);
  ASSERT_NE(FindHit(hits, "SUBJ"), nullptr);
  EXPECT_EQ(FindHit(hits, "SUBJ")->matched, "подарочный сертификат");
}

}  // namespace
}  // namespace sluice::rules
