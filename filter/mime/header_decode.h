// header_decode.h - decoding header field values: RFC 2047 encoded words, raw 8-bit
// bytes, and structured parameters (RFC 2045 / RFC 2231).
//
// Nothing here fails hard or throws; functions return false when they met a defect.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::mime {

// Unfolds a raw header value (removes CRLF/LF followed by whitespace) and trims it.
std::string UnfoldHeader(std::string_view raw_value);
// The same into *out (cleared first), reusing its storage.
void UnfoldHeaderInto(std::string_view raw_value, std::string* out);

// Decodes an unfolded unstructured value (Subject, From display names, ...) to UTF-8,
// appending to *out: RFC 2047 encoded words (B and Q, per-word charset, whitespace
// between adjacent encoded words dropped, also the common "word inside a token" mislabel),
// raw 8-bit bytes as UTF-8 when valid, else in `fallback_charset` (the message's charset;
// "" means windows-1252). Returns false if some word could not be decoded (kept as is)
// and sets *had_8bit when raw 8-bit bytes were seen.
bool DecodeHeaderText(std::string_view unfolded, std::string_view fallback_charset,
                      std::string* out, bool* had_8bit = nullptr);

// A structured value like Content-Type / Content-Disposition.
struct HeaderParams {
  std::string value;  // lower-cased main value, e.g. "multipart/mixed", "attachment"
  std::vector<std::pair<std::string, std::string>> params;  // lower-cased name -> UTF-8 value

  // Value of a parameter, "" if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
};

// Parses "type/sub; name=value; name*=charset'lang'%xx; name*0*=...; name*1=..." with
// quoted strings, comments, and RFC 2231 continuations joined and decoded to UTF-8;
// RFC 2047 words inside quoted values (a common violation) are decoded too. Duplicate
// parameters: the first wins. Returns false on syntax defects (parsed as far as possible).
bool ParseHeaderParams(std::string_view unfolded, HeaderParams* out);

}  // namespace sluice::mime
