// reply_plan.h - what the milter does with a Verdict: headers, Subject, reply, disposition.
//
// Pure mapping, no libmilter: the callbacks apply the plan with smfi_* calls, tests check
// it directly. Header names and the X-Spam-Status layout follow SpamAssassin
// ("Yes, score=7.3 required=5.0 tests=A,B"), so existing Sieve/procmail rules keep working.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filter/config/config.h"
#include "filter/verdict/verdict.h"

namespace sluice::milter {

enum class Disposition { kAccept, kReject, kTempfail, kDiscard };

struct ReplyPlan {
  Disposition disposition = Disposition::kAccept;
  // For kReject / kTempfail: the SMTP reply, e.g. "550", "5.7.1", text.
  std::string rcode;
  std::string xcode;
  std::string text;
  std::vector<std::pair<std::string, std::string>> add_headers;  // in order
  // Set when the Subject is to be rewritten: the new value (tag + original).
  std::optional<std::string> new_subject;
  bool subject_exists = false;    // change header 1 if it exists, else add one
  std::string quarantine_reason;  // non-empty: smfi_quarantine with this reason
};

// `required` is the spam threshold shown in X-Spam-Status; `subject` the raw Subject value
// as received (nullopt when the message had none).
ReplyPlan PlanReply(const Verdict& verdict, const HeaderConfig& headers, double required,
                    const std::optional<std::string>& subject);

// "Yes, score=7.3 required=5.0 tests=A,B" folded before 78 columns with "\n\t".
std::string SpamStatusValue(const Verdict& verdict, double required);

}  // namespace sluice::milter
