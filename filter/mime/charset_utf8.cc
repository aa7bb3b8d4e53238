// charset_utf8.cc - UTF-8 validation and repair; single-byte charsets by table.
//
// These loops carry most charset traffic (mail is mostly ASCII or UTF-8), so ASCII runs
// are skipped eight bytes at a time and output grows once per call.
#include "filter/mime/charset_utf8.h"

#include "filter/mime/charset.h"
#include "filter/util/utf8.h"

namespace sluice::mime {

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    i += AsciiPrefix(p + i, n - i);
    if (i >= n) break;
    // Two-byte sequences (Latin, Cyrillic, Greek, Hebrew, Arabic) inline; the rest through
    // the general check.
    uint8_t c = p[i];
    if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      i += 2;
      continue;
    }
    size_t bad;
    size_t len = Utf8SeqLen(p + i, n - i, &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool AppendSanitizedUtf8(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  bool clean = true;
  size_t run_start = 0;
  while (i < n) {
    i += AsciiPrefix(p + i, n - i);
    if (i >= n) break;
    size_t bad = 0;
    size_t len = Utf8SeqLen(p + i, n - i, &bad);
    if (len != 0) {
      i += len;
      continue;
    }
    out->append(bytes.data() + run_start, i - run_start);
    out->append(kReplacementUtf8, 3);
    clean = false;
    i += bad;
    run_start = i;
  }
  out->append(bytes.data() + run_start, n - run_start);
  return clean;
}

bool AppendByTable(const ByteTable& table, bool ascii_identity, std::string_view bytes,
                   std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t start = out->size();
  out->resize(start + n * 3);
  char* w = out->data() + start;
  char* const w0 = w;
  bool clean = true;
  size_t i = 0;
  while (i < n) {
    if (ascii_identity && p[i] < 0x80) {
      size_t a = AsciiPrefix(p + i, n - i);
      std::memcpy(w, p + i, a);
      w += a;
      i += a;
      continue;
    }
    const Utf8Seq& s = table[p[i++]];
    if (s.len == 0) {
      std::memcpy(w, kReplacementUtf8, 3);
      w += 3;
      clean = false;
    } else {
      std::memcpy(w, s.bytes, 3);  // 3 bytes of room are always there; len counts
      w += s.len;
    }
  }
  out->resize(start + static_cast<size_t>(w - w0));
  return clean;
}

}  // namespace sluice::mime
