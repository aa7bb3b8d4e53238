// shipped_rules_test.cc - the shipped rule set (rules/sluice.yaml) loads cleanly, is big
// enough, documents every rule, and fires on the spam signs the issue names.
#include <gtest/gtest.h>

#include <set>

#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::FindHit;
using testing::MessageBuilder;

// Loaded once for the whole binary: compiling the set takes seconds.
std::shared_ptr<const RuleSet> Shipped(std::vector<Diagnostic>* warnings) {
  static std::vector<Diagnostic> load_warnings;
  static auto set =
      RuleSet::Load({std::string(SLUICE_SOURCE_DIR) + "/rules/sluice.yaml"}, {}, &load_warnings);
  EXPECT_TRUE(set.ok()) << set.status().message();
  if (warnings) *warnings = load_warnings;
  return set.ok() ? set.value() : nullptr;
}

TEST(ShippedRulesTest, LoadWithoutErrorsOrWarningsAndDescribeEveryRule) {
  std::vector<Diagnostic> warnings;
  auto set = Shipped(&warnings);
  ASSERT_NE(set, nullptr);
  for (const auto& w : warnings) ADD_FAILURE() << w.ToString();
  EXPECT_GE(set->rule_count(), 200u);
  std::set<std::string> targets;
  for (const auto& rule : set->Rules()) {
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    EXPECT_FALSE(rule.pcre_fallback) << rule.id << ": keep shipped rules on Hyperscan";
    targets.insert(rule.target.substr(0, rule.target.find(':')));
  }
  for (const char* t : {"subject", "from", "to", "header", "headers", "body", "rawbody", "uri",
                        "full", "attachment", "meta"}) {
    EXPECT_TRUE(targets.count(t)) << "no shipped rule for target " << t;
  }
}

std::vector<std::string> HitIds(const RuleSet& set, mime::Message& message) {
  std::vector<RuleHit> hits;
  set.ScanAll(message, &hits);
  std::vector<std::string> ids;
  for (const auto& hit : hits) ids.push_back(hit.id);
  return ids;
}

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST(ShippedRulesTest, TheIssuesSpamSignsFire) {
  auto set = Shipped(nullptr);
  ASSERT_NE(set, nullptr);
  MessageBuilder b;
  b.Header("From", "\"support@bank.example\" <x1234@evil.example>")
      .Header("To", "Undisclosed recipients:;")
      .Header("Subject", "TEST: FREE GIFT CERTIFICATE FOR YOU!!!")
      .Body(
          "Get a free gift certificate! All natural. Free hosting and free participation. "
          "Бесплатный подарочный сертификат! Здесь всё исключительно натуральное. Бесплатный "
          "хостинг и бесплатное участие. Earn $1,000,000 now!!! Click here. 10 million dollars.")
      .Url("http://192.0.2.7/claim", "192.0.2.7")
      .Url("https://bit.ly/abc", "bit.ly")
      .Url("http://evil.example/login", "evil.example", "www.bank.example")
      .Attachment("invoice.pdf.exe", "application/x-msdownload")
      .Raw(
          "Subject: "
          "x\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n");
  b.message().html_only = true;
  b.message().colored_text = 3;
  auto ids = HitIds(*set, b.message());
  for (const char* id : {"SUBJ_TEST",
                         "SUBJ_FREE",
                         "SUBJ_EXCLAIM_RUN",
                         "SUBJ_ALL_CAPS",
                         "FREE_GIFT_CERTIFICATE",
                         "ALL_NATURAL",
                         "FREE_HOSTING",
                         "FREE_PARTICIPATION",
                         "RU_FREE",
                         "RU_GIFT_CERTIFICATE",
                         "RU_ALL_NATURAL",
                         "RU_FREE_HOSTING",
                         "RU_FREE_PARTICIPATION",
                         "EXCLAIM_RUN",
                         "MONEY_MILLIONS",
                         "MONEY_LARGE",
                         "URI_IP_LITERAL",
                         "URI_SHORTENER",
                         "LINK_TEXT_OTHER_HOST",
                         "MISSING_DATE",
                         "MISSING_MESSAGE_ID",
                         "FROM_NAME_HAS_ADDRESS",
                         "HTML_ONLY",
                         "COLORED_TEXT",
                         "ATTACH_EXECUTABLE",
                         "ATTACH_DOUBLE_EXTENSION",
                         "ATTACH_TYPE_EXECUTABLE",
                         "TO_UNDISCLOSED",
                         "GTUBE",
                         "CLICK_HERE",
                         "FREE_AND_GIFT"}) {
    EXPECT_TRUE(Has(ids, id)) << id;
  }
}

TEST(ShippedRulesTest, AnOrdinaryReplyScoresLow) {
  auto set = Shipped(nullptr);
  ASSERT_NE(set, nullptr);
  MessageBuilder b;
  b.Header("From", "Alice Example <alice@example.org>")
      .Header("To", "bob@example.org")
      .Header("Subject", "Re: the build on Friday")
      .Header("Date", "Fri, 6 Sep 2002 10:00:00 +0100")
      .Header("Message-ID", "<20020906.1@example.org>")
      .Header("In-Reply-To", "<20020905.7@example.org>")
      .Body(
          "Bob wrote:\n> does the build pass?\n> on Debian?\n> with gcc 3?\n\nYes, the kernel "
          "compiles fine with the patch. See you on Friday.\n");
  std::vector<RuleHit> hits;
  set->Scan(b.message(), &hits);
  double score = 0;
  for (const auto& hit : hits) score += hit.score;
  EXPECT_LT(score, 1.0);
}

}  // namespace
}  // namespace sluice::rules
