// sniff_test.cc - SniffType() (filter/mime/sniff.h).
//
// Signatures are the published magic numbers (file(1)'s magic database, the WHATWG MIME
// sniffing standard); the zip-based documents are built here with Python-compatible local
// headers so the entry-name detection reads a real layout.
#include "filter/mime/sniff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sluice::mime {
namespace {

std::string Bytes(std::string_view s) { return std::string(s); }

// A minimal zip local file header for an uncompressed entry.
std::string ZipEntry(std::string_view name, std::string_view content) {
  std::string h("PK\x03\x04", 4);
  h += std::string("\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14);  // ver..crc
  auto le32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto le16 = [&](uint16_t v) {
    h.push_back(static_cast<char>(v & 0xff));
    h.push_back(static_cast<char>(v >> 8));
  };
  le32(static_cast<uint32_t>(content.size()));
  le32(static_cast<uint32_t>(content.size()));
  le16(static_cast<uint16_t>(name.size()));
  le16(0);
  h += name;
  h += content;
  return h;
}

TEST(SniffType, Archives) {
  EXPECT_EQ(SniffType(ZipEntry("invoice.exe", "MZ...")), "application/zip");
  EXPECT_EQ(SniffType(Bytes(std::string_view("PK\x05\x06\0\0\0\0", 8))), "application/zip");
  EXPECT_EQ(SniffType(Bytes(std::string_view("Rar!\x1A\x07\x00", 7))), "application/x-rar");
  EXPECT_EQ(SniffType(Bytes(std::string_view("Rar!\x1A\x07\x01\x00", 8))), "application/x-rar");
  EXPECT_EQ(SniffType("7z\xBC\xAF\x27\x1C\x00\x04"), "application/x-7z-compressed");
  EXPECT_EQ(SniffType("\x1F\x8B\x08\x00"), "application/gzip");
  EXPECT_EQ(SniffType("BZh91AY&SY"), "application/x-bzip2");
  EXPECT_EQ(SniffType(Bytes(std::string_view("\xFD"
                                             "7zXZ\x00",
                                             6))),
            "application/x-xz");
  EXPECT_EQ(SniffType(Bytes(std::string_view("MSCF\0\0\0\0", 8))),
            "application/vnd.ms-cab-compressed");
  std::string tar(512, '\0');
  tar.replace(0, 8, "file.txt");
  tar.replace(257, 5, "ustar");
  EXPECT_EQ(SniffType(tar), "application/x-tar");
  std::string iso(0x8010, '\0');
  iso.replace(0x8001, 5, "CD001");
  EXPECT_EQ(SniffType(iso), "application/x-iso9660-image");
}

TEST(SniffType, ZipBasedDocuments) {
  EXPECT_EQ(SniffType(ZipEntry("[Content_Types].xml", "<Types/>") +
                      ZipEntry("word/document.xml", "<w/>")),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(
      SniffType(ZipEntry("[Content_Types].xml", "<Types/>") + ZipEntry("xl/workbook.xml", "")),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(SniffType(ZipEntry("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")),
            "application/java-archive");
  EXPECT_EQ(SniffType(ZipEntry("mimetype", "application/epub+zip")), "application/epub+zip");
  EXPECT_EQ(SniffType(ZipEntry("mimetype", "application/vnd.oasis.opendocument.text")),
            "application/vnd.oasis.opendocument.text");
  // A truncated header or a lying size stops the walk, it does not read past the data.
  std::string cut = ZipEntry("[Content_Types].xml", "<Types/>");
  cut.resize(20);
  EXPECT_EQ(SniffType(cut), "application/zip");
  std::string lying = ZipEntry("a", "b");
  lying[18] = '\xFF';
  lying[21] = '\x7F';
  EXPECT_EQ(SniffType(lying + ZipEntry("word/x", "")), "application/zip");
}

TEST(SniffType, Executables) {
  EXPECT_EQ(SniffType("MZ\x90\x00\x03\x00"), "application/x-dosexec");
  EXPECT_EQ(SniffType("\x7F"
                      "ELF\x02\x01\x01"),
            "application/x-executable");
  EXPECT_EQ(SniffType("\xCF\xFA\xED\xFE\x07"), "application/x-mach-binary");
  EXPECT_EQ(SniffType(Bytes(std::string_view("\x4C\x00\x00\x00\x01\x14\x02\x00\x00", 9))),
            "application/x-ms-shortcut");
}

TEST(SniffType, Documents) {
  EXPECT_EQ(SniffType("%PDF-1.7\n%\xE2\xE3\xCF\xD3"), "application/pdf");
  EXPECT_EQ(SniffType("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00"), "application/x-ole-storage");
  EXPECT_EQ(SniffType("{\\rtf1\\ansi"), "text/rtf");
}

TEST(SniffType, Images) {
  EXPECT_EQ(SniffType("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), "image/png");
  EXPECT_EQ(SniffType("\xFF\xD8\xFF\xE0\x00\x10JFIF"), "image/jpeg");
  EXPECT_EQ(SniffType("GIF89a\x01\x00"), "image/gif");
  EXPECT_EQ(SniffType("GIF87a"), "image/gif");
  EXPECT_EQ(
      SniffType(Bytes(std::string_view("BM\x36\x00\x0C\x00\x00\x00\x00\x00\x36\x00\x00\x00", 14))),
      "image/bmp");
  EXPECT_EQ(SniffType(Bytes(std::string_view("RIFF\x24\x00\x00\x00WEBPVP8 ", 16))), "image/webp");
  EXPECT_EQ(SniffType(Bytes(std::string_view("II*\x00\x08\x00", 6))), "image/tiff");
  EXPECT_EQ(SniffType(Bytes(std::string_view("MM\x00*\x00\x00", 6))), "image/tiff");
  EXPECT_EQ(SniffType(Bytes(std::string_view("\x00\x00\x01\x00\x01\x00\x10\x10", 8))),
            "image/vnd.microsoft.icon");
  // "BM" starting an English word is not a bitmap.
  EXPECT_EQ(SniffType("BMW owners: read this"), "text/plain");
}

TEST(SniffType, MarkupAndText) {
  EXPECT_EQ(SniffType("  \r\n<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"), "text/html");
  EXPECT_EQ(SniffType("<html><body>x"), "text/html");
  EXPECT_EQ(SniffType("\xEF\xBB\xBF<HTML>"), "text/html");
  EXPECT_EQ(SniffType("<table border=0>"), "text/html");
  EXPECT_EQ(SniffType("<p>"), "text/html");
  EXPECT_EQ(SniffType("<?xml version=\"1.0\"?><a/>"), "text/xml");
  EXPECT_EQ(SniffType("<pre>not in the list"), "text/plain");  // <pre is not <p
  EXPECT_EQ(SniffType("Hello,\r\nplain text with \xC3\xA9 UTF-8.\r\n"), "text/plain");
  EXPECT_EQ(SniffType("\xFF\xFEH\0i\0"), "text/plain");
  EXPECT_EQ(SniffType("\x1B$B$3$s$K$A$O\x1B(B"), "text/plain");  // ISO-2022-JP
  std::string cut = std::string(1023, 'a') + "\xC3\xA9";         // a sequence cut by the window
  EXPECT_EQ(SniffType(cut), "text/plain");
}

TEST(SniffType, Unknown) {
  EXPECT_EQ(SniffType(""), "");
  EXPECT_EQ(SniffType(Bytes(std::string_view("\x00\x01\x02\x03", 4))), "");
  EXPECT_EQ(SniffType("text with a stray \xFF byte"), "");
  std::string controls(100, '\x01');
  EXPECT_EQ(SniffType("abc" + controls), "");
}

}  // namespace
}  // namespace sluice::mime
