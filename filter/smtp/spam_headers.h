// spam_headers.h - the X-Spam-* headers sluice adds to a message it passes on.
//
// Same names and format as SpamAssassin (and as sluice's milter):
//   X-Spam-Flag: YES                       (spam only)
//   X-Spam-Score: 7.3
//   X-Spam-Status: Yes, score=7.3 required=5.0 tests=RULE_A,RULE_B,BAYES_99
// "Spam" means score >= thresholds.SpamThreshold(). Long test lists are folded so no line
// exceeds 78 characters. Pure; never fails.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/config/config.h"
#include "filter/verdict/verdict.h"

namespace sluice::smtp {

// Header name -> value (unfolded values may contain "\r\n\t" folds), in the order to add.
// Empty when headers.add_headers is off, or for ham when headers.add_status_on_ham is off.
std::vector<std::pair<std::string, std::string>> SpamHeaders(const Verdict& verdict,
                                                             const Thresholds& thresholds,
                                                             const HeaderConfig& headers);

// The headers rendered as "Name: value\r\n" lines, ready to put before a message.
std::string RenderHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

// Removes from the header block of `message` (up to the first empty line) every field
// named X-Spam-* (any case), continuation lines included, so that a sender cannot pre-set
// the verdict headers sluice adds. Returns how many fields were removed; the body and all
// other headers are left byte for byte. Lines may end in CRLF or LF.
size_t StripSpamHeaders(std::string* message);

// Returns `message` with `tag` put in front of its Subject (or a Subject added).
std::string TagSubject(std::string_view message, std::string_view tag);

}  // namespace sluice::smtp
