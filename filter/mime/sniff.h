// sniff.h - content type from magic bytes, for attachments whose declared type lies.
#pragma once

#include <string_view>

namespace sluice::mime {

// MIME type guessed from the first bytes of decoded content: archives (zip, rar, 7z, gzip),
// executables (MZ/PE, ELF), documents (pdf, OLE2/doc/xls, rtf, docx/xlsx as zip), images
// (png, jpeg, gif, bmp, webp, tiff), html/xml/text. "" when unknown.
std::string_view SniffType(std::string_view data);

}  // namespace sluice::mime
