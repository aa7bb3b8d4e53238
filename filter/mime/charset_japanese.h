// charset_japanese.h - internal: ISO-2022-JP and EUC-JP decoding as mail readers do it.
//
// Japanese mail often carries NEC row 13 (①, №, ㈱) and IBM extension characters inside
// iso-2022-jp or euc-jp text (Microsoft's CP50221 / eucJP-ms); strict JIS X 0208 decoders
// (glibc's ISO-2022-JP*, Python's iso2022_jp) reject them. We decode the standard set with
// glibc's EUC-JP (so mappings match Python's), ISO-2022-JP by transcoding it to EUC-JP
// first, and fall back to CP932 for the extension characters only.
#pragma once

#include <string>
#include <string_view>

namespace sluice::mime {

// Appends the UTF-8 form of iso-2022-jp text (ESC ( B / ( J / ( I, ESC $ @ / $ B /
// $ ( D, SO/SI katakana). Returns false when something was invalid (U+FFFD emitted), or
// when a designation outside this set (ISO-2022-JP-2's ESC $ A, ESC . A, ...) made it
// decode the whole text with glibc's ISO-2022-JP-2 instead.
bool AppendIso2022JpAsUtf8(std::string_view bytes, std::string* out);

// Appends the UTF-8 form of euc-jp text, extensions included. False when invalid bytes
// were replaced by U+FFFD.
bool AppendEucJpAsUtf8(std::string_view bytes, std::string* out);

}  // namespace sluice::mime
