// boundary_scan.cc - finds multipart delimiter lines, and classifies transfer encodings.
//
// The delimiter search is memmem over the body for "--boundary" followed by a check that it
// starts a line and that only "--" and transport padding follow it, so a body is scanned at
// memmem speed rather than line by line. The line break before a delimiter belongs to the
// delimiter (RFC 2046 5.1.1), so it is not part of the preceding body part.
#include <string.h>  // memmem (glibc)

#include <cstring>

#include "filter/mime/parser_internal.h"

namespace sluice::mime::internal {

bool FindDelimiter(std::string_view body, std::string_view dash_boundary, size_t from,
                   Delimiter* out) {
  const char* data = body.data();
  const size_t n = body.size();
  const size_t blen = dash_boundary.size();
  size_t pos = from;
  while (pos + blen <= n) {
    // One memmem for the whole "--boundary" (glibc's is sublinear for such needles), then
    // check that it starts a line.
    const void* hit = memmem(data + pos, n - pos, dash_boundary.data(), blen);
    if (!hit) return false;
    size_t at = static_cast<const char*>(hit) - data;
    if (!(at == 0 || data[at - 1] == '\n' || data[at - 1] == '\r')) {
      pos = at + 1;
      continue;
    }
    size_t q = at + blen;
    bool close = false;
    if (q + 2 <= n && data[q] == '-' && data[q + 1] == '-') {
      close = true;
      q += 2;
    }
    while (q < n && (data[q] == ' ' || data[q] == '\t')) ++q;
    size_t next;
    if (q == n) {
      next = n;
    } else if (data[q] == '\n') {
      next = q + 1;
    } else if (data[q] == '\r') {
      next = (q + 1 < n && data[q + 1] == '\n') ? q + 2 : q + 1;
    } else {
      // "--boundaryX": a longer boundary or text, not a delimiter. Move to the next line.
      const void* eol = std::memchr(data + q, '\n', n - q);
      pos = eol ? static_cast<const char*>(eol) - data + 1 : n;
      continue;
    }
    size_t line_begin = at;
    if (line_begin > from && data[line_begin - 1] == '\n') {
      --line_begin;
      if (line_begin > from && data[line_begin - 1] == '\r') --line_begin;
    } else if (line_begin > from && data[line_begin - 1] == '\r') {
      --line_begin;
    }
    out->line_begin = line_begin;
    out->next = next;
    out->close = close;
    return true;
  }
  return false;
}

TransferEncoding ClassifyTransferEncoding(std::string_view declared) {
  // Compare on letters and digits only, so "Quoted-Printable", "quoted_printable",
  // "base-64" and "7-bit" all land where mail readers put them.
  char key[24];
  size_t k = 0;
  for (char c : declared) {
    if (c == ';' || c == '(') break;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (k == sizeof(key)) return TransferEncoding::kUnknown;
      key[k++] = c;
    }
  }
  std::string_view v(key, k);
  if (v.empty() || v == "7bit" || v == "8bit" || v == "binary") return TransferEncoding::kIdentity;
  if (v == "base64") return TransferEncoding::kBase64;
  if (v == "quotedprintable" || v == "qp") return TransferEncoding::kQuotedPrintable;
  if (v == "xuuencode" || v == "uuencode" || v == "xuue" || v == "uue") {
    return TransferEncoding::kUuencode;
  }
  return TransferEncoding::kUnknown;
}

}  // namespace sluice::mime::internal
