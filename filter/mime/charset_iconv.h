// charset_iconv.h - internal: per-thread cache of glibc iconv decoders (to UTF-8), each
// probed once for the fast paths it allows, and the error-tolerant conversion loop.
//
// Thread-safety: ThreadIconvDecoder returns an entry of the calling thread's own cache;
// it is valid until that thread's next ThreadIconvDecoder call.
#pragma once

#include <iconv.h>

#include <memory>
#include <string>
#include <string_view>

#include "filter/mime/charset_utf8.h"

namespace sluice::mime {

struct IconvDecoder {
  std::string name;  // canonical charset name (the cache key)
  iconv_t cd;        // (iconv_t)-1 when iconv does not know the charset
  // ASCII bytes decode to themselves and never change state: ASCII input needs no iconv.
  bool ascii_compatible = false;
  // For stateless single-byte charsets: every byte's UTF-8 form, so no iconv at all.
  std::unique_ptr<ByteTable> table;

  bool known() const { return cd != reinterpret_cast<iconv_t>(-1); }
};

// The calling thread's decoder for `canonical`, opened with `iconv_name` on first use.
const IconvDecoder& ThreadIconvDecoder(std::string_view canonical, const char* iconv_name);

// Converts `in` with cd, appending UTF-8. An invalid sequence becomes U+FFFD and decoding
// resumes one code unit (`unit` bytes) later; an incomplete sequence at the end becomes
// one U+FFFD. With verify, output that is not valid UTF-8 (glibc lets some through for
// unusual names) is repaired. Returns true when clean.
//
// on_invalid, when given, is offered each invalid position first: it may decode the bytes
// at the start of `rest` itself, writing at most 8 bytes of UTF-8 to buf and their count
// to *produced, and returns how many input bytes it consumed (0: not handled).
using InvalidSequenceHandler = size_t (*)(std::string_view rest, char* buf, size_t* produced);
bool ConvertWithIconv(iconv_t cd, std::string_view in, size_t unit, bool verify, std::string* out,
                      InvalidSequenceHandler on_invalid = nullptr);

}  // namespace sluice::mime
