// reply_plan_test.cc - Verdict -> headers, Subject, SMTP reply, disposition.
#include "filter/milter/reply_plan.h"

#include <gtest/gtest.h>

namespace sluice::milter {
namespace {

Verdict Make(double score, Action action, std::vector<std::string> rules = {}) {
  Verdict v;
  v.score = score;
  v.action = action;
  for (auto& r : rules) v.hits.push_back({r, 1.0, "body", "", 1});
  return v;
}

const std::string* Header(const ReplyPlan& p, const std::string& name) {
  for (const auto& [n, v] : p.add_headers)
    if (n == name) return &v;
  return nullptr;
}

TEST(SpamStatusValue, SpamAssassinLayoutSortedTests) {
  EXPECT_EQ(SpamStatusValue(Make(7.25, Action::kAddHeader, {"ZED", "ALPHA"}), 5.0),
            "Yes, score=7.2 required=5.0 tests=ALPHA,ZED");
  EXPECT_EQ(SpamStatusValue(Make(-0.4, Action::kAccept), 5.0),
            "No, score=-0.4 required=5.0 tests=none");
}

TEST(SpamStatusValue, FoldsLongTestListsBefore78Columns) {
  std::vector<std::string> rules;
  for (int i = 0; i < 12; ++i) rules.push_back("SOME_LONGISH_RULE_" + std::to_string(i));
  const std::string v = SpamStatusValue(Make(20, Action::kReject, rules), 5.0);
  size_t line_start = 0;
  bool first = true;
  for (size_t pos = 0; pos <= v.size(); ++pos) {
    if (pos == v.size() || v[pos] == '\n') {
      const size_t width = (first ? 15 : 0) + (pos - line_start);
      EXPECT_LE(width, 78u) << v;
      first = false;
      line_start = pos + 1;
    }
  }
  EXPECT_NE(v.find("\n\t"), std::string::npos);
  EXPECT_NE(v.find("SOME_LONGISH_RULE_11"), std::string::npos);
}

TEST(PlanReply, HamGetsStatusNoAndNoFlag) {
  HeaderConfig h;
  const ReplyPlan p = PlanReply(Make(1.0, Action::kAccept), h, 5.0, std::string("hello"));
  EXPECT_EQ(p.disposition, Disposition::kAccept);
  EXPECT_EQ(Header(p, "X-Spam-Flag"), nullptr);
  ASSERT_NE(Header(p, "X-Spam-Status"), nullptr);
  EXPECT_EQ(Header(p, "X-Spam-Status")->rfind("No, score=1.0", 0), 0u);
  EXPECT_EQ(*Header(p, "X-Spam-Score"), "1.0");
  EXPECT_FALSE(p.new_subject);

  h.add_status_on_ham = false;
  EXPECT_TRUE(PlanReply(Make(1.0, Action::kAccept), h, 5.0, {}).add_headers.empty());
}

TEST(PlanReply, SpamTaggedAndSubjectRewrittenOnce) {
  HeaderConfig h;
  h.subject_tag = "[SPAM]";
  ReplyPlan p =
      PlanReply(Make(6.0, Action::kRewriteSubject, {"A"}), h, 5.0, std::string(" Cheap pills"));
  EXPECT_EQ(*Header(p, "X-Spam-Flag"), "YES");
  ASSERT_TRUE(p.new_subject);
  EXPECT_EQ(*p.new_subject, "[SPAM] Cheap pills");
  EXPECT_TRUE(p.subject_exists);
  p = PlanReply(Make(6.0, Action::kRewriteSubject), h, 5.0, std::string("[SPAM] Cheap pills"));
  EXPECT_FALSE(p.new_subject);
  p = PlanReply(Make(6.0, Action::kRewriteSubject), h, 5.0, std::nullopt);
  ASSERT_TRUE(p.new_subject);
  EXPECT_EQ(*p.new_subject, "[SPAM]");
  EXPECT_FALSE(p.subject_exists);
}

TEST(PlanReply, RejectTempfailDiscardQuarantine) {
  HeaderConfig h;
  h.reject_text = "No spam, 100% sure\r\nthanks";
  ReplyPlan p = PlanReply(Make(15, Action::kReject), h, 5.0, {});
  EXPECT_EQ(p.disposition, Disposition::kReject);
  EXPECT_EQ(p.rcode, "550");
  EXPECT_EQ(p.xcode, "5.7.1");
  EXPECT_EQ(p.text, "No spam, 100%% sure  thanks");  // one line, % escaped for the MTA
  EXPECT_TRUE(p.add_headers.empty());
  p = PlanReply(Make(15, Action::kTempfail), h, 5.0, {});
  EXPECT_EQ(p.disposition, Disposition::kTempfail);
  EXPECT_EQ(p.rcode, "451");
  EXPECT_EQ(p.xcode, "4.7.1");
  EXPECT_EQ(PlanReply(Make(15, Action::kDiscard), h, 5.0, {}).disposition, Disposition::kDiscard);
  p = PlanReply(Make(8, Action::kQuarantine), h, 5.0, {});
  EXPECT_EQ(p.disposition, Disposition::kAccept);
  EXPECT_EQ(p.quarantine_reason, "sluice: spam score 8.0");
  EXPECT_NE(Header(p, "X-Spam-Flag"), nullptr);
}

TEST(PlanReply, ErrorThatAcceptsAddsNoVerdictHeaders) {
  Verdict v = Make(0, Action::kAccept);
  v.error = true;
  EXPECT_TRUE(PlanReply(v, HeaderConfig{}, 5.0, {}).add_headers.empty());
}

}  // namespace
}  // namespace sluice::milter
