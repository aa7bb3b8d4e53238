// message.cc - the small accessors of the decoded message view: defect names, header lookup.
#include "filter/mime/message.h"

namespace sluice::mime {

std::string_view DefectName(DefectKind kind) {
  switch (kind) {
    case DefectKind::kMissingBoundary:
      return "missing_boundary";
    case DefectKind::kStartBoundaryNotFound:
      return "start_boundary_not_found";
    case DefectKind::kCloseBoundaryMissing:
      return "close_boundary_missing";
    case DefectKind::kBadHeaderLine:
      return "bad_header_line";
    case DefectKind::kHeaderTooLong:
      return "header_too_long";
    case DefectKind::kLineTooLong:
      return "line_too_long";
    case DefectKind::kTooManyHeaders:
      return "too_many_headers";
    case DefectKind::kTooDeep:
      return "too_deep";
    case DefectKind::kTooManyParts:
      return "too_many_parts";
    case DefectKind::kUnknownTransferEncoding:
      return "unknown_transfer_encoding";
    case DefectKind::kBadBase64:
      return "bad_base64";
    case DefectKind::kBadQuotedPrintable:
      return "bad_quoted_printable";
    case DefectKind::kBadUuencode:
      return "bad_uuencode";
    case DefectKind::kUnknownCharset:
      return "unknown_charset";
    case DefectKind::kInvalidCharsetBytes:
      return "invalid_charset_bytes";
    case DefectKind::kBadEncodedWord:
      return "bad_encoded_word";
    case DefectKind::kRaw8bitHeader:
      return "raw_8bit_header";
    case DefectKind::kTruncatedText:
      return "truncated_text";
    case DefectKind::kNulBytes:
      return "nul_bytes";
    case DefectKind::kMissingHeaders:
      return "missing_headers";
  }
  return "unknown";
}

const Header* Message::FindHeader(std::string_view name) const {
  if (parts.empty()) return nullptr;
  for (const Header& h : parts.front().headers) {
    if (h.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      char a = h.name[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      same = a == b;
    }
    if (same) return &h;
  }
  return nullptr;
}

}  // namespace sluice::mime
