// sniff.cc - SniffType(): a MIME type from the first bytes of decoded content.
//
// Magic numbers first (they are unambiguous), then markup, then "is this text?". Only the
// first kTextWindow bytes are examined for text, so the cost is constant per attachment.
// The names are the ones file(1) reports, so admins can compare with what they know.
#include "filter/mime/sniff.h"

#include <cstddef>
#include <cstdint>

namespace sluice::mime {
namespace {

constexpr size_t kTextWindow = 1024;

bool StartsWith(std::string_view data, std::string_view magic) {
  return data.size() >= magic.size() && data.compare(0, magic.size(), magic) == 0;
}

bool At(std::string_view data, size_t offset, std::string_view magic) {
  return data.size() >= offset + magic.size() && data.compare(offset, magic.size(), magic) == 0;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool StartsWithLower(std::string_view data, size_t pos, std::string_view lower) {
  if (data.size() < pos + lower.size()) return false;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (Lower(data[pos + i]) != lower[i]) return false;
  }
  return true;
}

uint32_t Le32(std::string_view d, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(d[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(d[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(d[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(d[at + 3])) << 24;
}

// The MIME sniffing standard's HTML signatures: one of these tags after optional
// whitespace, followed by a space or '>'.
bool LooksLikeHtml(std::string_view d) {
  static constexpr std::string_view kTags[] = {"<!doctype html",
                                               "<html",
                                               "<head",
                                               "<script",
                                               "<iframe",
                                               "<h1",
                                               "<div",
                                               "<font",
                                               "<table",
                                               "<a",
                                               "<style",
                                               "<title",
                                               "<b",
                                               "<body",
                                               "<br",
                                               "<p",
                                               "<!--"};
  size_t i = 0;
  if (StartsWith(d, "\xEF\xBB\xBF")) i = 3;
  while (i < d.size() &&
         (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r' || d[i] == '\f'))
    ++i;
  for (std::string_view tag : kTags) {
    if (StartsWithLower(d, i, tag)) {
      size_t after = i + tag.size();
      if (after >= d.size() || d[after] == ' ' || d[after] == '>' || d[after] == '\t' ||
          d[after] == '\n' || d[after] == '\r') {
        return true;
      }
    }
  }
  return false;
}

// Mostly printable UTF-8: no NUL, valid UTF-8 (a sequence cut by the window end is fine),
// and almost no control characters besides tab, newline, CR, FF and ESC (ISO-2022-JP).
bool LooksLikeText(std::string_view d) {
  if (d.empty()) return false;
  if (d.size() > kTextWindow) d = d.substr(0, kTextWindow);
  size_t controls = 0;
  for (size_t i = 0; i < d.size();) {
    unsigned char c = d[i];
    if (c < 0x80) {
      if (c == 0) return false;
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B) ++controls;
      if (c == 0x7F) ++controls;
      ++i;
      continue;
    }
    size_t len = (c >= 0xC2 && c <= 0xDF)   ? 2
                 : (c >= 0xE0 && c <= 0xEF) ? 3
                 : (c >= 0xF0 && c <= 0xF4) ? 4
                                            : 0;
    if (len == 0) return false;
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= d.size()) return true;  // cut by the window: fine so far
      if ((static_cast<unsigned char>(d[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return controls * 100 <= d.size();  // at most 1% control characters
}

std::string_view SniffZip(std::string_view d) {
  // OOXML and ODF documents, Java archives and EPUBs are zips; the names of the first
  // entries tell them apart. Only local headers inside the data we have are read.
  size_t pos = 0;
  for (int entry = 0; entry < 8 && At(d, pos, "PK\x03\x04") && pos + 30 <= d.size(); ++entry) {
    uint32_t compressed = Le32(d, pos + 18);
    size_t name_len =
        static_cast<unsigned char>(d[pos + 26]) | static_cast<unsigned char>(d[pos + 27]) << 8;
    size_t extra_len =
        static_cast<unsigned char>(d[pos + 28]) | static_cast<unsigned char>(d[pos + 29]) << 8;
    if (pos + 30 + name_len > d.size()) break;
    std::string_view name = d.substr(pos + 30, name_len);
    if (name.starts_with("word/"))
      return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    if (name.starts_with("xl/"))
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (name.starts_with("ppt/"))
      return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    if (name == "META-INF/MANIFEST.MF") return "application/java-archive";
    if (name == "mimetype") {
      size_t content = pos + 30 + name_len + extra_len;
      if (At(d, content, "application/epub+zip")) return "application/epub+zip";
      if (At(d, content, "application/vnd.oasis.opendocument.text"))
        return "application/vnd.oasis.opendocument.text";
      if (At(d, content, "application/vnd.oasis.opendocument.spreadsheet"))
        return "application/vnd.oasis.opendocument.spreadsheet";
    }
    // A streamed entry (flag bit 3) has its size after the data: we cannot skip it.
    if ((static_cast<unsigned char>(d[pos + 6]) & 0x08) != 0) break;
    pos += 30 + name_len + extra_len + compressed;
  }
  return "application/zip";
}

}  // namespace

std::string_view SniffType(std::string_view d) {
  if (d.empty()) return "";
  // Archives and compressors.
  if (StartsWith(d, "PK\x03\x04")) return SniffZip(d);
  if (StartsWith(d, "PK\x05\x06") || StartsWith(d, "PK\x07\x08")) return "application/zip";
  if (StartsWith(d, "Rar!\x1A\x07")) return "application/x-rar";
  if (StartsWith(d, "7z\xBC\xAF\x27\x1C")) return "application/x-7z-compressed";
  if (StartsWith(d, "\x1F\x8B")) return "application/gzip";
  if (StartsWith(d, "BZh") && d.size() > 3 && d[3] >= '1' && d[3] <= '9')
    return "application/x-bzip2";
  if (StartsWith(d,
                 "\xFD"
                 "7zXZ\x00"))
    return "application/x-xz";
  if (StartsWith(d, "\x28\xB5\x2F\xFD")) return "application/zstd";
  if (StartsWith(d, "MSCF\x00\x00\x00\x00")) return "application/vnd.ms-cab-compressed";
  if (At(d, 257, "ustar")) return "application/x-tar";
  if (At(d, 0x8001, "CD001")) return "application/x-iso9660-image";
  // Executables.
  if (StartsWith(d, "MZ")) return "application/x-dosexec";
  if (StartsWith(d,
                 "\x7F"
                 "ELF"))
    return "application/x-executable";
  if (StartsWith(d, "\xCF\xFA\xED\xFE") || StartsWith(d, "\xCE\xFA\xED\xFE") ||
      StartsWith(d, "\xFE\xED\xFA\xCF") || StartsWith(d, "\xFE\xED\xFA\xCE")) {
    return "application/x-mach-binary";
  }
  if (StartsWith(d, std::string_view("\x4C\x00\x00\x00\x01\x14\x02\x00", 8)))
    return "application/x-ms-shortcut";
  // Documents.
  if (StartsWith(d, "%PDF-")) return "application/pdf";
  if (StartsWith(d, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return "application/x-ole-storage";
  if (StartsWith(d, "{\\rtf")) return "text/rtf";
  // Images.
  if (StartsWith(d, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (StartsWith(d, "\xFF\xD8\xFF")) return "image/jpeg";
  if (StartsWith(d, "GIF87a") || StartsWith(d, "GIF89a")) return "image/gif";
  if (StartsWith(d, "BM") && d.size() >= 14 && d[6] == 0 && d[7] == 0 && d[8] == 0 && d[9] == 0)
    return "image/bmp";
  if (StartsWith(d, "RIFF") && At(d, 8, "WEBP")) return "image/webp";
  if (StartsWith(d, std::string_view("II*\x00", 4)) ||
      StartsWith(d, std::string_view("MM\x00*", 4)))
    return "image/tiff";
  if (StartsWith(d, std::string_view("\x00\x00\x01\x00", 4)) && d.size() >= 6 && d[4] != 0 &&
      d[5] == 0)
    return "image/vnd.microsoft.icon";
  // Markup and text.
  if (LooksLikeHtml(d)) return "text/html";
  size_t i = StartsWith(d, "\xEF\xBB\xBF") ? 3 : 0;
  while (i < d.size() && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r')) ++i;
  if (At(d, i, "<?xml")) return "text/xml";
  if (StartsWith(d, "\xFE\xFF") || StartsWith(d, "\xFF\xFE")) return "text/plain";  // UTF-16 BOM
  if (LooksLikeText(d)) return "text/plain";
  return "";
}

}  // namespace sluice::mime
