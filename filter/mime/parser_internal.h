// parser_internal.h - the pieces the MIME parser is built from (internal to filter/mime).
//
// header_block.cc splits a header block into fields, boundary_scan.cc finds multipart
// delimiter lines, parser.cc walks the tree, part_content.cc decodes one leaf part.
// None of these fail: malformed input becomes a Defect and parsing carries on.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/html_text.h"
#include "filter/mime/message.h"

namespace sluice::mime::internal {

// Appends defects for one part, each kind at most once per part (a message with 10,000
// long lines gets one kLineTooLong, not 10,000).
class DefectSink {
 public:
  DefectSink(std::vector<Defect>* out, uint32_t part) : out_(out), part_(part) {}
  void Add(DefectKind kind, std::string_view detail = {});

 private:
  std::vector<Defect>* out_;
  uint32_t part_;
  uint32_t seen_ = 0;  // bit per DefectKind already recorded
};

// Splits the header block at the start of `entity` into *headers, replacing what it held
// (raw views; `value` is left empty for the caller to decode; the old entries' strings are
// reused for their capacity) and returns the offset of the body: just past the
// blank line, or the first line that is not a header (a missing separator, as Python's
// email package reads it), or entity.size() when there is no body. A leading mbox
// "From " line is skipped.
size_t ParseHeaderBlock(std::string_view entity, const Limits& limits, std::vector<Header>* headers,
                        DefectSink* defects);

// True when the raw value needs more than unfolding: RFC 2047 words ("=?") or 8-bit bytes.
bool HeaderHasEncodedText(std::string_view raw_value);

// Trims spaces and tabs on both sides.
std::string_view TrimWhitespace(std::string_view s);

// One delimiter line "--boundary" or "--boundary--" in a multipart body.
struct Delimiter {
  size_t line_begin = 0;  // where the preceding line break starts (it belongs to the delimiter)
  size_t next = 0;        // first byte after the delimiter line
  bool close = false;     // "--boundary--"
};

// Finds the next delimiter line in body at or after `from`: `dash_boundary` ("--" + the
// boundary) at the start of a line, then optionally "--", then only spaces/tabs up to the line
// end (the rule Python's email package and RFC 2046 apply). False when there is none.
bool FindDelimiter(std::string_view body, std::string_view dash_boundary, size_t from,
                   Delimiter* out);

// Canonical transfer encoding of a declared Content-Transfer-Encoding value.
enum class TransferEncoding { kIdentity, kBase64, kQuotedPrintable, kUuencode, kUnknown };
TransferEncoding ClassifyTransferEncoding(std::string_view declared);

}  // namespace sluice::mime::internal
