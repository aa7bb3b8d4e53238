// charset_japanese.cc - ISO-2022-JP -> EUC-JP transcoding, and EUC-JP -> UTF-8 through
// glibc with a CP932 fallback for NEC/IBM extension characters.
//
// The transcoder is a small state machine over escape sequences; bytes it cannot place
// become 0xFF, which EUC-JP never contains, so the converter turns them into U+FFFD. It
// keeps its own iconv handles (not the shared cache) because it uses two at once.
#include "filter/mime/charset_japanese.h"

#include <iconv.h>

#include <cstdint>
#include <cstring>

#include "filter/mime/charset_iconv.h"
#include "filter/mime/charset_utf8.h"

namespace sluice::mime {
namespace {

constexpr char kNotEucJp = '\xFF';

struct JapaneseHandles {
  iconv_t euc_jp = iconv_open("UTF-8", "EUC-JP");
  iconv_t cp932 = iconv_open("UTF-8", "CP932");
  iconv_t iso2022jp2 = iconv_open("UTF-8", "ISO-2022-JP-2");
  ~JapaneseHandles() {
    for (iconv_t cd : {euc_jp, cp932, iso2022jp2}) {
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }
  }
};

JapaneseHandles& Handles() {
  thread_local JapaneseHandles handles;
  return handles;
}

inline bool IsEucByte(uint8_t b) { return b >= 0xA1 && b <= 0xFE; }

// EILSEQ handler for EUC-JP: a two-byte character glibc's EUC-JP lacks is retried as its
// CP932 (Shift_JIS) twin, which has NEC row 13 and the IBM extensions.
size_t EucJpExtension(std::string_view rest, char* buf, size_t* produced) {
  if (rest.size() < 2) return 0;
  uint8_t e1 = static_cast<uint8_t>(rest[0]), e2 = static_cast<uint8_t>(rest[1]);
  if (!IsEucByte(e1) || !IsEucByte(e2)) return 0;
  uint8_t j1 = e1 & 0x7F, j2 = e2 & 0x7F;
  // JIS X 0208 row/cell to Shift_JIS.
  char sjis[2];
  sjis[0] = static_cast<char>(((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0));
  sjis[1] = static_cast<char>(j2 + ((j1 & 1) ? (j2 < 0x60 ? 0x1F : 0x20) : 0x7E));
  iconv_t cd = Handles().cp932;
  *produced = 0;
  if (cd != reinterpret_cast<iconv_t>(-1)) {
    char* in = sjis;
    size_t inleft = 2;
    char* o = buf;
    size_t oleft = 8;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    if (iconv(cd, &in, &inleft, &o, &oleft) != static_cast<size_t>(-1) && inleft == 0) {
      *produced = 8 - oleft;
      return 2;
    }
  }
  // A well-formed pair with no character: one U+FFFD for both bytes, not two.
  std::memcpy(buf, kReplacementUtf8, 3);
  *produced = 3;
  return 2;
}

// ISO-2022-JP to EUC-JP. Returns false on a designation we do not transcode.
bool Iso2022JpToEucJp(std::string_view in, std::string* out) {
  enum Mode { kAscii, kJis0208, kJis0212, kKatakana } mode = kAscii;
  bool shifted_out = false;  // SO ... SI: half-width katakana (CP50221)
  out->reserve(in.size());
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    uint8_t c = static_cast<uint8_t>(in[i]);
    if (c == 0x1B) {
      std::string_view esc = in.substr(i + 1, 3);
      if (esc.substr(0, 2) == "(B" || esc.substr(0, 2) == "(J" || esc.substr(0, 2) == "(H") {
        mode = kAscii;
        i += 3;
      } else if (esc.substr(0, 2) == "$@" || esc.substr(0, 2) == "$B") {
        mode = kJis0208;
        i += 3;
      } else if (esc.substr(0, 2) == "&@") {
        i += 3;  // JIS X 0208-1990 announcer, followed by ESC $ B
      } else if (esc.substr(0, 3) == "$(D") {
        mode = kJis0212;
        i += 4;
      } else if (esc.substr(0, 2) == "(I") {
        mode = kKatakana;
        i += 3;
      } else if (esc.size() >= 2 &&
                 (esc[0] == '$' || esc[0] == '(' || esc[0] == '.' || esc[0] == 'N')) {
        return false;  // another ISO-2022-JP-2 designation
      } else {
        out->push_back(kNotEucJp);  // a stray ESC
        ++i;
      }
      continue;
    }
    if (c == 0x0E || c == 0x0F) {
      shifted_out = c == 0x0E;
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r' || c >= 0x80 || c < 0x21 || c == 0x7F) {
      // Controls, space and (mislabelled) 8-bit bytes pass through in every mode; 8-bit
      // bytes then decode as EUC-JP, a frequent mislabel, or become U+FFFD.
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (shifted_out || mode == kKatakana) {
      if (c <= 0x5F) {
        out->push_back('\x8E');
        out->push_back(static_cast<char>(c | 0x80));
      } else {
        out->push_back(kNotEucJp);
      }
      ++i;
    } else if (mode == kAscii) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else {
      uint8_t c2 = i + 1 < n ? static_cast<uint8_t>(in[i + 1]) : 0;
      if (c2 < 0x21 || c2 > 0x7E) {
        out->push_back(kNotEucJp);  // half a character
        ++i;
        continue;
      }
      if (mode == kJis0212) out->push_back('\x8F');
      out->push_back(static_cast<char>(c | 0x80));
      out->push_back(static_cast<char>(c2 | 0x80));
      i += 2;
    }
  }
  return true;
}

}  // namespace

bool AppendEucJpAsUtf8(std::string_view bytes, std::string* out) {
  iconv_t cd = Handles().euc_jp;
  if (cd == reinterpret_cast<iconv_t>(-1)) {  // glibc without its gconv modules
    AppendSanitizedUtf8(bytes, out);
    return false;
  }
  return ConvertWithIconv(cd, bytes, 1, false, out, EucJpExtension);
}

bool AppendIso2022JpAsUtf8(std::string_view bytes, std::string* out) {
  thread_local std::string euc;  // reused: no allocation per call in the steady state
  euc.clear();
  if (Iso2022JpToEucJp(bytes, &euc)) return AppendEucJpAsUtf8(euc, out);
  iconv_t cd = Handles().iso2022jp2;
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    AppendSanitizedUtf8(bytes, out);
    return false;
  }
  return ConvertWithIconv(cd, bytes, 1, false, out);
}

}  // namespace sluice::mime
