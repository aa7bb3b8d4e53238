// command.h - the SMTP command line parser (RFC 5321 §4.1, RFC 1869 parameters).
//
// Pure functions over one command line (without its CRLF). They never allocate more than
// the line's size, never throw, and accept any bytes: a line that is not a command comes
// back as Verb::kUnknown, a malformed path as a non-ok Result with the reply text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/util/status.h"

namespace sluice::smtp {

enum class Verb {
  kUnknown,
  kHelo,
  kEhlo,
  kMail,
  kRcpt,
  kData,
  kBdat,
  kRset,
  kNoop,
  kQuit,
  kHelp,
  kVrfy,
  kExpn,
  kStartTls,
  kXforward,
  kXclient,
  kSend,
  kSoml,
  kSaml,
  kTurn,
};

struct Command {
  Verb verb = Verb::kUnknown;
  std::string_view arg;    // text after the verb and its separating space(s), may be empty
  bool has_space = false;  // a separator followed the verb (for "DATA x" vs "DATAX")
};

// Splits a line into verb and argument; the verb is matched case-insensitively.
Command ParseCommand(std::string_view line);

// "FROM:<a@b> SIZE=10 BODY=8BITMIME" after MAIL, "TO:<a@b>" after RCPT.
struct PathArgs {
  std::string address;  // without the angle brackets; "" for the null path <>
  std::vector<std::pair<std::string, std::string>> params;  // keyword (upper-cased) -> value
};

// `keyword` is "FROM" or "TO". Accepts an optional space after the colon (common in the
// wild). Fails with a reply text for: missing brackets, spaces or controls inside the
// path, a path longer than 256 octets, bad parameter syntax, the null path when
// !allow_null.
Result<PathArgs> ParsePath(std::string_view arg, std::string_view keyword, bool allow_null);

// XFORWARD/XCLIENT "NAME=x ADDR=y ...": attribute (upper-cased) -> xtext-decoded value.
Result<std::vector<std::pair<std::string, std::string>>> ParseAttributes(std::string_view arg);

// True when the bytes contain anything outside 7-bit ASCII.
bool HasNonAscii(std::string_view text);

}  // namespace sluice::smtp
