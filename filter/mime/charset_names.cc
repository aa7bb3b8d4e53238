// charset_names.cc - charset label -> canonical name -> decoder.
//
// Two static tables: aliases (what senders write) to canonical names, and canonical names to
// the decoder we use, which is the superset mail readers use (WHATWG encoding standard):
// gb2312/gbk -> GB18030, shift_jis -> CP932, euc-kr/ks_c_5601-1987 -> CP949,
// big5 -> BIG5-HKSCS, iso-8859-1 -> windows-1252, iso-2022-jp/euc-jp -> with Microsoft's
// extensions; us-ascii and no label -> UTF-8 when valid, else windows-1252. Families with
// numbers (iso-8859-N, windows-125N and its cp/win/ms spellings) are matched by pattern.
// A label in no table goes to iconv as written (lower-cased), its output then checked.
#include "filter/mime/charset_names.h"

#include <cstring>
#include <string_view>
#include <unordered_map>

namespace sluice::mime {
namespace {

struct Alias {
  std::string_view label;
  std::string_view canonical;
};

// Labels are looked up after lower-casing and '_' -> '-'.
constexpr Alias kAliases[] = {
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"unicode-2-0-utf-8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"ascii", "us-ascii"},
    {"us", "us-ascii"},
    {"iso646-us", "us-ascii"},
    {"ansi-x3.4-1968", "us-ascii"},
    {"ansi-x3.4-1986", "us-ascii"},
    {"iso-ir-6", "us-ascii"},
    {"cp367", "us-ascii"},
    {"ibm367", "us-ascii"},
    {"csascii", "us-ascii"},
    {"646", "us-ascii"},
    {"7bit", "us-ascii"},
    {"latin1", "iso-8859-1"},
    {"latin-1", "iso-8859-1"},
    {"l1", "iso-8859-1"},
    {"iso-ir-100", "iso-8859-1"},
    {"cp819", "iso-8859-1"},
    {"ibm819", "iso-8859-1"},
    {"csisolatin1", "iso-8859-1"},
    {"8859-1", "iso-8859-1"},
    {"latin2", "iso-8859-2"},
    {"latin-2", "iso-8859-2"},
    {"l2", "iso-8859-2"},
    {"latin3", "iso-8859-3"},
    {"latin4", "iso-8859-4"},
    {"cyrillic", "iso-8859-5"},
    {"arabic", "iso-8859-6"},
    {"greek", "iso-8859-7"},
    {"hebrew", "iso-8859-8"},
    {"latin5", "iso-8859-9"},
    {"latin-5", "iso-8859-9"},
    {"latin6", "iso-8859-10"},
    {"latin7", "iso-8859-13"},
    {"latin8", "iso-8859-14"},
    {"latin9", "iso-8859-15"},
    {"latin-9", "iso-8859-15"},
    {"latin0", "iso-8859-15"},
    {"latin10", "iso-8859-16"},
    {"ansi", "windows-1252"},
    {"ansi-1252", "windows-1252"},
    {"ks-c-5601-1987", "cp949"},
    {"ks-c-5601-1989", "cp949"},
    {"ks-c-5601", "cp949"},
    {"ksc5601", "cp949"},
    {"ksc-5601", "cp949"},
    {"korean", "cp949"},
    {"uhc", "cp949"},
    {"windows-949", "cp949"},
    {"x-windows-949", "cp949"},
    {"euckr", "euc-kr"},
    {"cseuckr", "euc-kr"},
    {"sjis", "shift_jis"},
    {"shift-jis", "shift_jis"},
    {"x-sjis", "shift_jis"},
    {"shiftjis", "shift_jis"},
    {"ms-kanji", "shift_jis"},
    {"csshiftjis", "shift_jis"},
    {"windows-31j", "shift_jis"},
    {"x-ms-cp932", "shift_jis"},
    {"ms932", "shift_jis"},
    {"eucjp", "euc-jp"},
    {"x-euc-jp", "euc-jp"},
    {"ujis", "euc-jp"},
    {"euc-jp-ms", "euc-jp"},
    {"eucjp-ms", "euc-jp"},
    {"cp51932", "euc-jp"},
    {"cp50220", "iso-2022-jp"},
    {"cp50221", "iso-2022-jp"},
    {"cp50222", "iso-2022-jp"},
    {"x-euc", "euc-jp"},
    {"cseucpkdfmtjapanese", "euc-jp"},
    {"iso2022-jp", "iso-2022-jp"},
    {"iso-2022jp", "iso-2022-jp"},
    {"csiso2022jp", "iso-2022-jp"},
    {"jis", "iso-2022-jp"},
    {"iso-2022-jp-1", "iso-2022-jp"},
    {"iso-2022-jp-2", "iso-2022-jp"},
    {"iso-2022-jp-3", "iso-2022-jp"},
    {"utf7", "utf-7"},
    {"unicode-1-1-utf-7", "utf-7"},
    {"csunicode11utf7", "utf-7"},
    {"x-unicode-2-0-utf-7", "utf-7"},
    {"gb-2312", "gb2312"},
    {"gb-2312-80", "gb2312"},
    {"gb2312-80", "gb2312"},
    {"gb2312-1980", "gb2312"},
    {"euc-cn", "gb2312"},
    {"euccn", "gb2312"},
    {"x-euc-cn", "gb2312"},
    {"cn-gb", "gb2312"},
    {"csgb2312", "gb2312"},
    {"chinese", "gb2312"},
    {"iso-ir-58", "gb2312"},
    {"x-gbk", "gbk"},
    {"cp936", "gbk"},
    {"ms936", "gbk"},
    {"windows-936", "gbk"},
    {"gb-18030", "gb18030"},
    {"big-5", "big5"},
    {"big5-hkscs", "big5"},
    {"cn-big5", "big5"},
    {"x-x-big5", "big5"},
    {"csbig5", "big5"},
    {"x-big5", "big5"},
    {"cp950", "big5"},
    {"koi8r", "koi8-r"},
    {"koi8", "koi8-r"},
    {"cskoi8r", "koi8-r"},
    {"koi", "koi8-r"},
    {"koi8u", "koi8-u"},
    {"koi8-ru", "koi8-u"},
    {"utf16", "utf-16"},
    {"ucs-2", "utf-16"},
    {"ucs2", "utf-16"},
    {"unicode", "utf-16"},
    {"csunicode", "utf-16"},
    {"iso-10646-ucs-2", "utf-16"},
    {"utf16le", "utf-16le"},
    {"ucs-2le", "utf-16le"},
    {"utf16be", "utf-16be"},
    {"ucs-2be", "utf-16be"},
    {"unicodefffe", "utf-16be"},
    {"utf32", "utf-32"},
    {"ucs-4", "utf-32"},
    {"ucs4", "utf-32"},
    {"iso-10646-ucs-4", "utf-32"},
    {"utf32le", "utf-32le"},
    {"ucs-4le", "utf-32le"},
    {"utf32be", "utf-32be"},
    {"ucs-4be", "utf-32be"},
    {"tis620", "tis-620"},
    {"tis-620-0", "tis-620"},
    {"iso-8859-11", "windows-874"},
    {"dos-874", "windows-874"},
    {"mac", "macintosh"},
    {"x-mac-roman", "macintosh"},
    {"macroman", "macintosh"},
    {"mac-roman", "macintosh"},
    {"csmacintosh", "macintosh"},
    {"x-mac-cyrillic", "mac-cyrillic"},
    {"maccyrillic", "mac-cyrillic"},
    {"x-mac-ukrainian", "mac-cyrillic"},
    {"ibm866", "cp866"},
    {"866", "cp866"},
    {"csibm866", "cp866"},
};

struct Decoder {
  std::string_view canonical;
  CharsetKind kind;
  const char* iconv_name;
  size_t unit;
};

// Canonical names with a decoder other than "iconv under the same name".
constexpr Decoder kDecoders[] = {
    {"us-ascii", CharsetKind::kAsciiOrUtf8, "", 1},
    {"utf-8", CharsetKind::kUtf8, "", 1},
    {"iso-8859-1", CharsetKind::kWin1252, "", 1},
    {"windows-1252", CharsetKind::kWin1252, "", 1},
    {"utf-16", CharsetKind::kUtf16, "", 2},
    {"utf-32", CharsetKind::kUtf32, "", 4},
    {"utf-16le", CharsetKind::kUnicodeFixed, "UTF-16LE", 2},
    {"utf-16be", CharsetKind::kUnicodeFixed, "UTF-16BE", 2},
    {"utf-32le", CharsetKind::kUnicodeFixed, "UTF-32LE", 4},
    {"utf-32be", CharsetKind::kUnicodeFixed, "UTF-32BE", 4},
    {"gb2312", CharsetKind::kIconv, "GB18030", 1},
    {"gbk", CharsetKind::kIconv, "GB18030", 1},
    {"gb18030", CharsetKind::kIconv, "GB18030", 1},
    {"big5", CharsetKind::kIconv, "BIG5-HKSCS", 1},
    {"shift_jis", CharsetKind::kIconv, "CP932", 1},
    {"euc-kr", CharsetKind::kIconv, "CP949", 1},
    {"cp949", CharsetKind::kIconv, "CP949", 1},
    {"euc-jp", CharsetKind::kEucJp, "EUC-JP", 1},
    {"iso-2022-jp", CharsetKind::kIso2022Jp, "ISO-2022-JP-2", 1},
    {"utf-7", CharsetKind::kIconv, "UTF-7", 1},
    {"koi8-r", CharsetKind::kIconv, "KOI8-R", 1},
    {"koi8-u", CharsetKind::kIconv, "KOI8-U", 1},
    {"tis-620", CharsetKind::kIconv, "TIS-620", 1},
    {"windows-874", CharsetKind::kIconv, "CP874", 1},
    {"macintosh", CharsetKind::kIconv, "MACINTOSH", 1},
    {"mac-cyrillic", CharsetKind::kIconv, "MAC-CYRILLIC", 1},
    {"cp866", CharsetKind::kIconv, "CP866", 1},
};

const std::unordered_map<std::string_view, std::string_view>& AliasIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, std::string_view>();
    for (const Alias& a : kAliases) m->emplace(a.label, a.canonical);
    return m;
  }();
  return *index;
}

const std::unordered_map<std::string_view, const Decoder*>& DecoderIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const Decoder*>();
    for (const Decoder& d : kDecoders) m->emplace(d.canonical, &d);
    return m;
  }();
  return *index;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Characters that may appear in a charset name. Anything else (notably '/', which would
// pass "//TRANSLIT"-style options to iconv) makes the label unknown.
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '.' || c == ':' || c == '+';
}

// Writes "prefix" + digits into buf and returns a view of it (NUL-terminated).
std::string_view Compose(std::string_view prefix, std::string_view digits, CharsetNameBuffer* buf) {
  size_t n = prefix.size() + digits.size();
  if (n >= sizeof buf->data) return {};
  std::memcpy(buf->data, prefix.data(), prefix.size());
  std::memcpy(buf->data + prefix.size(), digits.data(), digits.size());
  buf->data[n] = '\0';
  return std::string_view(buf->data, n);
}

// iso-8859-N in its many spellings: "iso8859-1", "iso-8859-1", "iso8859_1", "8859-1",
// "iso-8859-1:1987", "iso-8859-8-i".
std::string_view MatchIso8859(std::string_view s, CharsetNameBuffer* buf) {
  if (s.substr(0, 3) == "iso") s.remove_prefix(3);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.substr(0, 4) != "8859") return {};
  s.remove_prefix(4);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t d = 0;
  while (d < s.size() && IsDigit(s[d])) ++d;
  std::string_view num = s.substr(0, d);
  std::string_view rest = s.substr(d);
  if (num.empty() || num.size() > 2) return {};
  if (!rest.empty() && rest != "-i" && rest != "-e" && rest.substr(0, 1) != ":") return {};
  if (num == "11") return "windows-874";  // its superset
  return Compose("iso-8859-", num, buf);
}

// Code page numbers: "cp1251", "cp-1251", "windows1251", "win-1251", "x-cp1251",
// "ms-1251", "ansi-1251", "ibm850", "ms936".
std::string_view MatchCodePage(std::string_view s, CharsetNameBuffer* buf) {
  if (s.substr(0, 2) == "x-") s.remove_prefix(2);
  for (std::string_view p : {"windows", "win", "cp", "ms", "ansi", "ibm"}) {
    if (s.substr(0, p.size()) == p) {
      std::string_view num = s.substr(p.size());
      if (!num.empty() && num[0] == '-') num.remove_prefix(1);
      if (!AllDigits(num)) return {};
      if (num.size() == 4 && num.substr(0, 3) == "125") return Compose("windows-", num, buf);
      if (num == "874") return "windows-874";
      if (num == "932") return "shift_jis";
      if (num == "936") return "gbk";
      if (num == "949") return "cp949";
      if (num == "950") return "big5";
      if (num == "20127") return "us-ascii";
      if (num == "28591") return "iso-8859-1";
      if (num == "65001") return "utf-8";
      if (num == "54936") return "gb18030";
      return Compose("cp", num, buf);
    }
  }
  return {};
}

std::string_view Lookup(std::string_view key, CharsetNameBuffer* buf) {
  const auto& aliases = AliasIndex();
  if (auto it = aliases.find(key); it != aliases.end()) return it->second;
  // Return the table's copy: `key` lives in the caller's stack frame.
  if (auto it = DecoderIndex().find(key); it != DecoderIndex().end()) return it->second->canonical;
  if (std::string_view m = MatchIso8859(key, buf); !m.empty()) return m;
  if (std::string_view m = MatchCodePage(key, buf); !m.empty()) return m;
  return {};
}

}  // namespace

ResolvedCharset ResolveCharset(std::string_view label, CharsetNameBuffer* buf) {
  ResolvedCharset r;
  // Trim blanks and quotes, which show up in sloppy Content-Type headers.
  auto trim = [](char c) {
    return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\r' || c == '\n';
  };
  while (!label.empty() && trim(label.front())) label.remove_prefix(1);
  while (!label.empty() && trim(label.back())) label.remove_suffix(1);
  if (label.empty()) {
    r.canonical = "";
    r.kind = CharsetKind::kAsciiOrUtf8;
    return r;
  }
  char key_data[64];
  if (label.size() >= sizeof key_data) {
    r.kind = CharsetKind::kUnknown;
    r.canonical = "";
    return r;
  }
  bool plausible = true;
  for (size_t i = 0; i < label.size(); ++i) {
    char c = label[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
    if (!IsNameChar(c)) plausible = false;
    key_data[i] = c;
  }
  key_data[label.size()] = '\0';
  std::string_view key(key_data, label.size());

  std::string_view canonical = Lookup(key, buf);
  if (canonical.empty() && key.substr(0, 2) == "x-") canonical = Lookup(key.substr(2), buf);
  if (canonical.empty()) {
    // Not ours: hand the normalised label to iconv as is (it knows hundreds of names).
    std::memcpy(buf->data, key_data, key.size() + 1);
    r.canonical = std::string_view(buf->data, key.size());
    r.kind = plausible ? CharsetKind::kIconv : CharsetKind::kUnknown;
    r.iconv_name = buf->data;
    r.verify_output = true;
    return r;
  }
  r.canonical = canonical;
  if (auto it = DecoderIndex().find(canonical); it != DecoderIndex().end()) {
    r.kind = it->second->kind;
    r.iconv_name = it->second->iconv_name;
    r.unit = it->second->unit;
  } else {
    // A pattern-built name such as "iso-8859-5" or "windows-1251" is NUL-terminated in buf
    // or a literal, and iconv knows it under that name.
    r.kind = CharsetKind::kIconv;
    r.iconv_name = canonical.data();
  }
  return r;
}

}  // namespace sluice::mime
