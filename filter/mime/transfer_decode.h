// transfer_decode.h - Content-Transfer-Encoding decoders (RFC 2045) and uuencode.
//
// All decoders append to *out, never fail hard and never throw. They return true when the
// input was clean and false when it had defects (junk, bad padding, malformed escapes);
// the caller records the defect. Tolerance follows what mainstream mail readers do.
#pragma once

#include <string>
#include <string_view>

namespace sluice::mime {

// base64: skips whitespace and characters outside the alphabet, accepts missing padding,
// stops at the first '=' run that ends a quantum ... and keeps decoding after it
// (concatenated base64 blocks occur in real mail).
bool DecodeBase64(std::string_view in, std::string* out);

// quoted-printable: soft line breaks ("=\r\n", "=\n", "=" + trailing whitespace), =XX in
// either case; a malformed escape is kept literally. With underscore_is_space (RFC 2047
// "Q" encoding) '_' decodes to a space.
bool DecodeQuotedPrintable(std::string_view in, std::string* out, bool underscore_is_space = false);

// A uuencoded block inside a text body: "begin <mode> <name>" ... "end".
struct UuBlock {
  size_t begin = 0;  // offset of the "begin" line in the searched text
  size_t end = 0;    // offset just past the "end" line (or the text's end if missing)
  std::string filename;
};

// Finds the first uuencoded block at or after `from`; false if none.
bool FindUuBlock(std::string_view text, size_t from, UuBlock* block);

// Decodes the lines of a uuencoded block (the text between its begin and end lines, or the
// whole block including them). Returns false on malformed lines (decoded as far as possible).
bool DecodeUuencode(std::string_view block, std::string* out);

}  // namespace sluice::mime
