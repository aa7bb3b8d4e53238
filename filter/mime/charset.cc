// charset.cc - declared charset -> UTF-8.
//
// Fast paths first: ASCII and valid UTF-8 are plain appends, latin-1/windows-1252 and every
// other stateless single-byte charset go through a 256-entry table; the rest goes through
// glibc iconv with one cached decoder per charset per thread (charset_iconv.cc). Labels
// map to the superset mail readers decode (charset_names.cc). Invalid input becomes
// U+FFFD and decoding goes on; nothing here fails.
#include "filter/mime/charset.h"

#include "filter/mime/charset_iconv.h"
#include "filter/mime/charset_japanese.h"
#include "filter/mime/charset_names.h"
#include "filter/mime/charset_utf8.h"

namespace sluice::mime {
namespace {

// windows-1252 in its WHATWG form: the five bytes Microsoft leaves undefined map to the
// C1 controls, so every byte decodes.
constexpr uint16_t kWin1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

constexpr ByteTable MakeWin1252Table() {
  ByteTable t{};
  for (int b = 0; b < 256; ++b) {
    t[b] =
        EncodeUtf8Seq((b >= 0x80 && b < 0xA0) ? kWin1252High[b - 0x80] : static_cast<uint32_t>(b));
  }
  return t;
}
constexpr ByteTable kWin1252 = MakeWin1252Table();

void AppendWin1252(std::string_view bytes, std::string* out) {
  AppendByTable(kWin1252, true, bytes, out);
}

// Unknown charset: UTF-8 when the bytes are valid UTF-8, else windows-1252.
CharsetResult Unknown(std::string_view bytes, std::string* out) {
  if (IsValidUtf8(bytes)) {
    out->append(bytes);
  } else {
    AppendWin1252(bytes, out);
  }
  return CharsetResult::kUnknown;
}

CharsetResult ViaIconv(std::string_view canonical, const char* iconv_name, std::string_view bytes,
                       size_t unit, bool verify, std::string* out) {
  const IconvDecoder& d = ThreadIconvDecoder(canonical, iconv_name);
  if (!d.known()) return Unknown(bytes, out);
  bool clean;
  if (d.table != nullptr) {
    clean = AppendByTable(*d.table, d.ascii_compatible, bytes, out);
  } else if (d.ascii_compatible && IsAllAscii(bytes)) {
    out->append(bytes);  // a declared but unneeded charset: the common case
    clean = true;
  } else {
    clean = ConvertWithIconv(d.cd, bytes, unit, verify, out);
  }
  return clean ? CharsetResult::kOk : CharsetResult::kInvalidBytes;
}

// Removes a U+FEFF the converter left at the start of the appended text.
void DropLeadingBom(size_t start, std::string* out) {
  if (out->size() >= start + 3 && out->compare(start, 3, "\xEF\xBB\xBF") == 0) {
    out->erase(start, 3);
  }
}

// Byte order of BOM-less UTF-16/32 by where the zero bytes sit (mostly-Latin text has
// zero high bytes); big-endian when in doubt, as RFC 2781 says.
bool LooksLittleEndian(std::string_view b, size_t unit) {
  size_t lo_zero = 0, hi_zero = 0;
  size_t limit = b.size() < 4096 ? b.size() : 4096;
  for (size_t i = 0; i + unit <= limit; i += unit) {
    if (b[i] == 0) ++hi_zero;             // big-endian: high byte first
    if (b[i + unit - 1] == 0) ++lo_zero;  // little-endian: high byte last
  }
  return lo_zero > hi_zero;
}

// UTF-16/32 without an explicit byte order: the BOM decides, else a guess.
CharsetResult AppendUnicode(std::string_view bytes, size_t unit, std::string* out) {
  bool le;
  if (unit == 2 && bytes.substr(0, 2) == "\xFF\xFE") {
    le = true;
    bytes.remove_prefix(2);
  } else if (unit == 2 && bytes.substr(0, 2) == "\xFE\xFF") {
    le = false;
    bytes.remove_prefix(2);
  } else if (unit == 4 && bytes.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) {
    le = true;
    bytes.remove_prefix(4);
  } else if (unit == 4 && bytes.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    le = false;
    bytes.remove_prefix(4);
  } else {
    le = LooksLittleEndian(bytes, unit);
  }
  const char* name = unit == 2 ? (le ? "UTF-16LE" : "UTF-16BE") : (le ? "UTF-32LE" : "UTF-32BE");
  std::string_view key =
      unit == 2 ? (le ? "utf-16le" : "utf-16be") : (le ? "utf-32le" : "utf-32be");
  return ViaIconv(key, name, bytes, unit, false, out);
}

}  // namespace

std::string CanonicalCharset(std::string_view charset) {
  CharsetNameBuffer buf;
  return std::string(ResolveCharset(charset, &buf).canonical);
}

CharsetResult AppendUtf8(std::string_view charset, std::string_view bytes, std::string* out) {
  CharsetNameBuffer buf;
  const ResolvedCharset rc = ResolveCharset(charset, &buf);
  switch (rc.kind) {
    case CharsetKind::kAsciiOrUtf8:
      // Undeclared or us-ascii: 8-bit bytes are a mislabel, read as UTF-8 when valid.
      if (IsValidUtf8(bytes)) {
        out->append(bytes);
      } else {
        AppendWin1252(bytes, out);
      }
      return CharsetResult::kOk;
    case CharsetKind::kUtf8:
      return AppendSanitizedUtf8(bytes, out) ? CharsetResult::kOk : CharsetResult::kInvalidBytes;
    case CharsetKind::kWin1252:
      AppendWin1252(bytes, out);
      return CharsetResult::kOk;
    case CharsetKind::kUtf16:
      return AppendUnicode(bytes, 2, out);
    case CharsetKind::kUtf32:
      return AppendUnicode(bytes, 4, out);
    case CharsetKind::kUnicodeFixed: {
      size_t start = out->size();
      CharsetResult r = ViaIconv(rc.canonical, rc.iconv_name, bytes, rc.unit, false, out);
      if (r != CharsetResult::kUnknown) DropLeadingBom(start, out);
      return r;
    }
    case CharsetKind::kEucJp:
      return AppendEucJpAsUtf8(bytes, out) ? CharsetResult::kOk : CharsetResult::kInvalidBytes;
    case CharsetKind::kIso2022Jp:
      return AppendIso2022JpAsUtf8(bytes, out) ? CharsetResult::kOk : CharsetResult::kInvalidBytes;
    case CharsetKind::kIconv:
      return ViaIconv(rc.canonical, rc.iconv_name, bytes, 1, rc.verify_output, out);
    case CharsetKind::kUnknown:
      break;
  }
  return Unknown(bytes, out);
}

}  // namespace sluice::mime
