// target_text.h - the texts a target scans in one message (internal to rules/).
//
// Most targets are one text (headers, body, ...); `uri` and `attachment` are several
// small texts scanned one at a time, so anchors like ^ and \z apply to each URL or file
// name. The one-header targets (subject, from, to, header:<Name>) are not served here:
// their values come from one walk over the headers per message (header_values.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "filter/mime/message.h"
#include "filter/rules/rule.h"

namespace sluice::rules {

// Calls visit(text, copies) for each distinct text of the target, in order of first
// occurrence: the text occurs `copies` times in the target, so its matches count that
// many times (spam repeats the same link many times; each URL is scanned once). `scratch`
// is a reusable buffer for texts that must be assembled (`headers`); texts are valid only
// during visit. Visits nothing for subject, from, to, header:<Name> and meta.
void ForEachTargetText(const mime::Message& message, TargetKind kind, std::string* scratch,
                       const std::function<void(std::string_view, uint32_t)>& visit);

// Copies `text` into *out with every maximal run of whitespace (\t \n \v \f \r, space,
// U+00A0 as C2 A0) replaced by one ' '. Everything else is copied as is.
void CollapseSpace(std::string_view text, std::string* out);

}  // namespace sluice::rules
