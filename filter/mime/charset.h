// charset.h - conversion of declared charsets to UTF-8 (glibc iconv underneath).
//
// Handles every charset glibc iconv knows plus common aliases and mislabels
// (e.g. "ks_c_5601-1987", "x-sjis", "unicode-1-1-utf-7", "utf8", "latin1", "cp-1251"):
// utf-8, us-ascii, iso-8859-*, windows-125x, koi8-r/u, utf-16/32 (BOM or not),
// gb2312/gbk/gb18030, big5, shift_jis, euc-jp, iso-2022-jp, euc-kr, utf-7.
// Invalid sequences become U+FFFD; nothing here fails hard or throws.
//
// Thread-safety: the free functions may be called from any thread (iconv handles are
// cached per thread).
#pragma once

#include <string>
#include <string_view>

namespace sluice::mime {

enum class CharsetResult {
  kOk,            // converted cleanly
  kInvalidBytes,  // converted, with invalid sequences replaced by U+FFFD
  kUnknown,       // charset unknown: UTF-8 if the bytes are valid UTF-8, else windows-1252
};

// Appends the UTF-8 form of `bytes` (in `charset`, any case, may be "") to *out.
// An empty charset means us-ascii, taken as UTF-8 when valid, else windows-1252.
CharsetResult AppendUtf8(std::string_view charset, std::string_view bytes, std::string* out);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view bytes);

// Canonical lower-case charset name used for lookups ("latin1" -> "iso-8859-1").
std::string CanonicalCharset(std::string_view charset);

}  // namespace sluice::mime
