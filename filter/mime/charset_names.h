// charset_names.h - internal: mapping declared charset labels to a canonical name and to
// the decoder that handles them (fast path or an iconv name).
//
// Labels are matched case-insensitively after trimming blanks and quotes; '_' and '-' are
// interchangeable; common mislabels and vendor spellings map to one canonical name.
// Resolution never allocates: text lives in static tables or in the caller's buffer.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::mime {

enum class CharsetKind {
  kAsciiOrUtf8,   // "" or us-ascii: UTF-8 if valid, else windows-1252
  kUtf8,          // UTF-8, malformed sequences replaced
  kWin1252,       // iso-8859-1 / windows-1252 by table
  kUtf16,         // UTF-16, byte order from the BOM or guessed
  kUtf32,         // UTF-32, likewise
  kUnicodeFixed,  // UTF-16LE/BE, UTF-32LE/BE via iconv, a leading BOM dropped
  kEucJp,         // EUC-JP with NEC/IBM extensions (charset_japanese.h)
  kIso2022Jp,     // ISO-2022-JP (CP50221 flavour) via EUC-JP
  kIconv,         // any other label: iconv_name
  kUnknown,       // not a plausible charset name (iconv is not even asked)
};

struct ResolvedCharset {
  std::string_view canonical;  // lower-case canonical name ("" for an empty label)
  CharsetKind kind = CharsetKind::kUnknown;
  const char* iconv_name = "";  // NUL-terminated name for iconv_open (kIconv, kUnicodeFixed)
  size_t unit = 1;              // code unit size in bytes, for resynchronising after errors
  bool verify_output = false;   // a name only iconv knows: check what it produces
};

// Scratch space for a canonical name that is not in the static tables.
struct CharsetNameBuffer {
  char data[64];
};

// Resolves a declared label. The returned views point into static tables or into *buf.
ResolvedCharset ResolveCharset(std::string_view label, CharsetNameBuffer* buf);

}  // namespace sluice::mime
