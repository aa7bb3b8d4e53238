// facts.h - message facts that are not regexes, for meta rules.
//
// Some spam signs are properties of the decoded message rather than text: HTML-only
// mail, coloured or hidden text, images, link text naming another host than the link,
// missing Date or Message-ID, a From display name carrying another address. Meta rule
// expressions name them in lower case next to rule ids, e.g.
//   meta: "html_only && image_count >= 2 && body_bytes < 400"
// Each fact is a number (booleans are 0 or 1). FactNames() lists them, with a one-line
// description each, in slot order.
//
// Thread-safety: ComputeFacts is a pure function of the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/mime/message.h"

namespace sluice::rules {

enum Fact : uint32_t {
  kFactHtmlOnly,
  kFactImageCount,
  kFactColoredText,
  kFactInvisibleText,
  kFactMissingDate,
  kFactMissingMessageId,
  kFactMissingFrom,
  kFactMissingSubject,
  kFactMissingTo,
  kFactLinkHostMismatch,
  kFactFromNameAddress,
  kFactUrlCount,
  kFactAttachmentCount,
  kFactPartCount,
  kFactTextPartCount,
  kFactDefectCount,
  kFactBodyBytes,
  kFactSubjectBytes,
  kFactSubjectUpperPct,
  kFactBodyUpperPct,
  kFactReceivedCount,
  kFactRecipientCount,
  kFactExclaimCount,
  kFactDollarAmountCount,
  kFactCapsWordCount,
  kFactQuotedLineCount,
  kFactPhoneNumber,
  kFactCapsLine,
  kFactCount,  // number of facts
};

struct FactInfo {
  std::string_view name;
  std::string_view description;
};

// In Fact order; names are lower case so they never clash with rule ids (upper case).
const std::vector<FactInfo>& FactNames();

// A set of facts, bit f for Fact f: the facts some loaded rule reads.
using FactMask = uint64_t;
static_assert(kFactCount <= 64, "FactMask holds one bit per fact");
constexpr FactMask FactBit(Fact f) { return FactMask{1} << f; }
constexpr FactMask kAllFacts = (FactMask{1} << kFactCount) - 1;

// The facts that read the top-level headers.
constexpr FactMask kHeaderFacts = FactBit(kFactMissingDate) | FactBit(kFactMissingMessageId) |
                                  FactBit(kFactMissingFrom) | FactBit(kFactMissingSubject) |
                                  FactBit(kFactMissingTo) | FactBit(kFactFromNameAddress) |
                                  FactBit(kFactSubjectBytes) | FactBit(kFactSubjectUpperPct) |
                                  FactBit(kFactReceivedCount) | FactBit(kFactRecipientCount);

// The top-level headers the facts read: the first value of each name (ASCII
// case-insensitive), absent when the message has none, and the number of Received headers.
struct FactHeaders {
  std::optional<std::string_view> date, message_id, from, subject, to, cc;
  size_t received = 0;
};

// One walk over the message's top-level headers (none when it has no parts).
FactHeaders FindFactHeaders(const mime::Message& message);

// Fills values[0..kFactCount) for this message.
void ComputeFacts(const mime::Message& message, double* values);
// The same for the facts in `wanted`; the others may be 0 instead of their value (the ones
// that cost more than a field read are skipped). No allocation.
void ComputeFacts(const mime::Message& message, FactMask wanted, double* values);
// The same with the headers already found (e.g. from a walk that also served rule targets);
// `headers` is read only when `wanted` has kHeaderFacts.
void ComputeFacts(const mime::Message& message, FactMask wanted, const FactHeaders& headers,
                  double* values);

// Helpers exposed for tests.
// The host a link text names ("www.bank.com/login" -> "www.bank.com"), or "" if none.
std::string_view HostInLinkText(std::string_view text);
// True when the two hosts belong to different registrable domains (last two labels).
bool DifferentSite(std::string_view a, std::string_view b);
// Percentage (0-100) of upper-case letters among letters, Latin and Cyrillic; 0 when fewer
// than min_letters letters.
double UpperCasePercent(std::string_view utf8, size_t min_letters);

}  // namespace sluice::rules
