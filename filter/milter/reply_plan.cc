// reply_plan.cc - Verdict -> milter actions; see reply_plan.h.
#include "filter/milter/reply_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::milter {
namespace {

std::string OneDecimal(double v) {
  char buf[32];
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// SMTP reply text must be one line of printable ASCII; libmilter rejects '%' misuse too.
std::string ReplyText(const std::string& text) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      out += ' ';
    } else if (c == '%') {
      out += "%%";  // smfi_setreply treats the text as a format for the MTA
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string SpamStatusValue(const Verdict& v, double required) {
  const bool spam = v.score >= required;
  std::vector<std::string> tests;
  for (const auto& hit : v.hits) tests.push_back(hit.id);
  std::sort(tests.begin(), tests.end());
  tests.erase(std::unique(tests.begin(), tests.end()), tests.end());
  std::string out = std::string(spam ? "Yes" : "No") + ", score=" + OneDecimal(v.score) +
                    " required=" + OneDecimal(required) + " tests=";
  // "X-Spam-Status: " is 15 columns; fold so no line passes 78.
  size_t column = 15 + out.size();
  if (tests.empty()) out += "none";
  for (size_t i = 0; i < tests.size(); ++i) {
    std::string item = tests[i] + (i + 1 < tests.size() ? "," : "");
    if (column + item.size() > 78 && i > 0) {
      out += "\n\t";
      column = 8;
    }
    out += item;
    column += item.size();
  }
  return out;
}

ReplyPlan PlanReply(const Verdict& v, const HeaderConfig& h, double required,
                    const std::optional<std::string>& subject) {
  ReplyPlan plan;
  switch (v.action) {
    case Action::kReject:
      plan.disposition = Disposition::kReject;
      plan.rcode = "550";
      plan.xcode = "5.7.1";
      plan.text = ReplyText(h.reject_text);
      return plan;
    case Action::kTempfail:
      plan.disposition = Disposition::kTempfail;
      plan.rcode = "451";
      plan.xcode = "4.7.1";
      plan.text = ReplyText(h.tempfail_text);
      return plan;
    case Action::kDiscard:
      plan.disposition = Disposition::kDiscard;
      return plan;
    case Action::kAccept:
    case Action::kAddHeader:
    case Action::kRewriteSubject:
    case Action::kQuarantine:
      break;
  }
  // A scoring error that ends in accept carries no verdict worth stamping on the mail.
  const bool spam = v.action != Action::kAccept || v.score >= required;
  if (h.add_headers && !v.error && (spam || h.add_status_on_ham)) {
    if (spam) plan.add_headers.emplace_back("X-Spam-Flag", "YES");
    plan.add_headers.emplace_back("X-Spam-Score", OneDecimal(v.score));
    plan.add_headers.emplace_back("X-Spam-Status", SpamStatusValue(v, required));
  }
  if (v.action == Action::kRewriteSubject && !h.subject_tag.empty()) {
    std::string original = subject.value_or("");
    original.erase(0, original.find_first_not_of(" \t"));
    plan.subject_exists = subject.has_value();
    if (original.rfind(h.subject_tag, 0) != 0) {  // never tag twice
      plan.new_subject = original.empty() ? h.subject_tag : h.subject_tag + " " + original;
    }
  }
  if (v.action == Action::kQuarantine) {
    plan.quarantine_reason = "sluice: spam score " + OneDecimal(v.score);
  }
  return plan;
}

}  // namespace sluice::milter
