// url_scan.cc - URLs in plain text (FindTextUrls) and the host of a URL (UrlHost).
//
// FindTextUrls is one forward scan: at each possible start (a scheme, "www.", a dotted
// quad) it takes the longest run of URL characters and trims what prose adds around a URL
// (sentence punctuation, a closing bracket or quote that has no opening partner inside).
// UrlHost follows the WHATWG URL parser where it matters for spam: backslashes and extra
// slashes after http:, userinfo, ports, percent-encoding, full-width dots, and the numeric
// IPv4 spellings browsers accept (3232235777, 0xC0A80101, 0300.0250.1.1) normalised to a
// dotted quad. Neither function fails or throws; odd input yields no URL or an empty host.
#include "filter/mime/url_scan.h"

#include <array>
#include <cstdint>

#include "filter/util/byte_classes.h"

namespace sluice::mime {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

bool StartsWithLower(std::string_view s, size_t pos, std::string_view lower_prefix) {
  if (s.size() - pos < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (Lower(s[pos + i]) != lower_prefix[i]) return false;
  }
  return true;
}

// Bytes that can begin a URL: "http", "https", "ftp", "www." and dotted quads.
constexpr std::array<bool, 256> kUrlStart = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'h', 'H', 'f', 'F', 'w', 'W'}) t[c] = true;
  for (unsigned char c = '0'; c <= '9'; ++c) t[c] = true;
  return t;
}();

// Length of a character that ends a URL in running text at pos (0 when it does not):
// ASCII whitespace/controls and delimiters, U+00A0, typographic quotes, ideographic
// space and punctuation, full-width parentheses and comma.
size_t UrlStopLength(std::string_view s, size_t pos) {
  unsigned char c = U(s[pos]);
  if (c <= 0x20 || c == 0x7F) return 1;
  switch (c) {
    case '<':
    case '>':
    case '"':
    case '`':
    case '{':
    case '}':
    case '\\':
    case '^':
    case '|':
      return 1;
    default:
      break;
  }
  if (c < 0x80) return 0;
  size_t left = s.size() - pos;
  if (c == 0xC2 && left >= 2 && U(s[pos + 1]) == 0xA0) return 2;
  if (left < 3) return 0;
  unsigned char c1 = U(s[pos + 1]), c2 = U(s[pos + 2]);
  if (c == 0xE2 && c1 == 0x80 && (c2 == 0x98 || c2 == 0x99 || c2 == 0x9C || c2 == 0x9D)) return 3;
  if (c == 0xE3 && c1 == 0x80 && (c2 <= 0x82 || (c2 >= 0x88 && c2 <= 0x91))) return 3;
  if (c == 0xEF && c1 == 0xBC && (c2 == 0x88 || c2 == 0x89 || c2 == 0x8C)) return 3;
  return 0;
}

// A dotted quad at pos followed by '/' or ":<digit>": the start of a bare IP URL.
bool BareIpv4UrlAt(std::string_view s, size_t pos) {
  size_t i = pos;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    size_t begin = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - begin < 3) value = value * 10 + (s[i++] - '0');
    if (i == begin || value > 255 || (i < s.size() && IsDigit(s[i]))) return false;
  }
  if (i >= s.size()) return false;
  return s[i] == '/' || (s[i] == ':' && i + 1 < s.size() && IsDigit(s[i + 1]));
}

// True when the host after "www." (at pos) is a valid start with a dot inside it:
// "www.example.com" yes; "www.example", "www.-x" and "www." no. Reads only host characters.
bool WwwHostHasDot(std::string_view s, size_t pos) {
  if (pos >= s.size() || !(IsAlnum(s[pos]) || U(s[pos]) >= 0x80)) return false;
  bool dot = false;
  for (size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      dot = true;
    } else if (!(IsAlnum(c) || c == '-' || c == '_' || c == '%' || U(c) >= 0x80)) {
      break;
    }
    if (dot && c != '.') return true;  // a dot followed by another host character
  }
  return false;
}

// Trims what running text puts after a URL: sentence punctuation and closing brackets or
// quotes without a partner inside the URL ("(see http://x.com/a_(b))." keeps "_(b)").
size_t TrimUrlEnd(std::string_view s, size_t begin, size_t end) {
  int round = 0, square = 0, curly = 0;
  for (size_t i = begin; i < end; ++i) {
    switch (s[i]) {
      case '(':
        ++round;
        break;
      case ')':
        --round;
        break;
      case '[':
        ++square;
        break;
      case ']':
        --square;
        break;
      case '{':
        ++curly;
        break;
      case '}':
        --curly;
        break;
      default:
        break;
    }
  }
  while (end > begin) {
    char c = s[end - 1];
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
        c == '*') {
      --end;
    } else if (c == ')' && round < 0) {
      ++round;
      --end;
    } else if (c == ']' && square < 0) {
      ++square;
      --end;
    } else if (c == '}' && curly < 0) {
      ++curly;
      --end;
    } else {
      break;
    }
  }
  return end;
}

// Lower-cases ASCII and the common cased scripts (Latin-1, Greek, Cyrillic) so IDN hosts
// compare equal however they were typed. Other characters are kept as written.
void AppendLowerUtf8(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = U(s[i]);
    if (c < 0x80) {
      out->push_back(Lower(s[i++]));
      continue;
    }
    if (c >= 0xC0 && c < 0xE0 && i + 1 < s.size() && (U(s[i + 1]) & 0xC0) == 0x80) {
      uint32_t cp = ((c & 0x1F) << 6) | (U(s[i + 1]) & 0x3F);
      if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) ||
          (cp >= 0x410 && cp <= 0x42F)) {
        cp += 0x20;
      } else if (cp >= 0x400 && cp <= 0x40F) {
        cp += 0x50;
      }
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      i += 2;
      continue;
    }
    out->push_back(s[i++]);
  }
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  c = Lower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// One IPv4 number as browsers read it: 0x.. hex, 0.. octal, else decimal. false if invalid.
bool ParseIpv4Number(std::string_view part, uint64_t* value) {
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char c : part) {
    int d = HexValue(c);
    if (d < 0 || d >= radix) return false;
    v = v * radix + d;
    if (v > 0xFFFFFFFFull) return false;
  }
  *value = v;
  return true;
}

// The WHATWG "ends in a number" test: is the host meant to be an IPv4 address?
bool EndsInNumber(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && IsDigit(c);
  if (digits) return true;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    for (char c : last.substr(2)) {
      if (HexValue(c) < 0) return false;
    }
    return true;
  }
  return false;
}

// Dotted quad for a numeric host ("3232235777", "0xC0.0250.1", "192.168.257"); false if the
// numbers do not form an address.
bool NormaliseIpv4(std::string_view host, std::string* out) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  uint64_t parts[4];
  size_t count = 0;
  while (true) {
    size_t dot = host.find('.');
    std::string_view part = host.substr(0, dot);
    if (part.empty() || count == 4 || !ParseIpv4Number(part, &parts[count])) return false;
    ++count;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  uint64_t address = 0;
  for (size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 255) return false;
    address |= parts[i] << (8 * (3 - i));
  }
  const uint64_t last = parts[count - 1];
  if (last >= (1ull << (8 * (5 - count)))) return false;
  address |= last;
  out->clear();
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->append(std::to_string((address >> shift) & 0xFF));
    if (shift > 0) out->push_back('.');
  }
  return true;
}

// Percent-decodes a host, maps the dots IDNA treats as '.' (U+3002, U+FF0E, U+FF61) and
// lower-cases it onto *out.
void AppendDecodedHost(std::string_view host, std::string* out) {
  std::string decoded;
  decoded.reserve(host.size());
  for (size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%' && i + 2 < host.size() && HexValue(host[i + 1]) >= 0 &&
        HexValue(host[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(HexValue(host[i + 1]) * 16 + HexValue(host[i + 2])));
      i += 2;
    } else {
      decoded.push_back(host[i]);
    }
  }
  std::string dotted;
  dotted.reserve(decoded.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    if (i + 2 < decoded.size()) {
      unsigned char a = U(decoded[i]), b = U(decoded[i + 1]), c = U(decoded[i + 2]);
      if ((a == 0xE3 && b == 0x80 && c == 0x82) || (a == 0xEF && b == 0xBC && c == 0x8E) ||
          (a == 0xEF && b == 0xBD && c == 0xA1)) {
        dotted.push_back('.');
        i += 2;
        continue;
      }
    }
    dotted.push_back(decoded[i]);
  }
  out->reserve(dotted.size());
  AppendLowerUtf8(dotted, out);
}

bool IsSpecialScheme(std::string_view scheme) {
  static constexpr std::string_view kSpecial[] = {"http", "https", "ftp", "ws", "wss"};
  for (std::string_view s : kSpecial) {
    if (scheme.size() == s.size() && StartsWithLower(scheme, 0, s)) return true;
  }
  return false;
}

}  // namespace

void FindTextUrls(std::string_view text, std::vector<std::string_view>* out) {
  const size_t n = text.size();
  const char* const base = text.data();
  // Every URL start has an anchor, a ':' or '.', within the next kAnchorReach bytes:
  // "ftp:" / "http:" / "https:" at +3..+5, "www." at +3, a dotted quad's first dot at
  // +1..+3. Prose has few of them, so the scan jumps from anchor to anchor and looks only at
  // the few bytes before each: a start with no anchor in reach fails the checks below anyway.
  constexpr size_t kAnchorReach = 5;
  size_t anchor = 0;  // the first anchor after i, once anchor > i
  size_t i = 0;
  while (i < n) {
    if (anchor <= i) anchor = FindEither(base + i + 1, base + n, ':', '.') - base;
    if (anchor >= n) break;
    // Every start whose first anchor this is lies before it, and a start's first anchor is
    // its own ':' (after "http", "https", "ftp") or '.' (after "www" or a digit): when the
    // byte before the anchor fits neither, no start lies before it; skip to it.
    const char before = Lower(text[anchor - 1]);
    if (text[anchor] == ':' ? before != 'p' && before != 's' : before != 'w' && !IsDigit(before)) {
      i = anchor;
      continue;
    }
    if (anchor > i + kAnchorReach) i = anchor - kAnchorReach;
    if (!kUrlStart[U(text[i])]) {
      ++i;
      continue;
    }
    const char c = Lower(text[i]);
    const bool boundary = i == 0 || !IsAlnum(text[i - 1]);
    size_t host_begin = std::string_view::npos;
    if (boundary) {
      if (c == 'h' && StartsWithLower(text, i, "http://")) {
        host_begin = i + 7;
      } else if (c == 'h' && StartsWithLower(text, i, "https://")) {
        host_begin = i + 8;
      } else if (c == 'f' && StartsWithLower(text, i, "ftp://")) {
        host_begin = i + 6;
      } else if (c == 'w' && StartsWithLower(text, i, "www.") &&
                 (i == 0 || (text[i - 1] != '.' && text[i - 1] != '@' && text[i - 1] != '/' &&
                             text[i - 1] != '-'))) {
        host_begin = i;
      } else if (IsDigit(c) &&
                 (i == 0 || (text[i - 1] != '.' && text[i - 1] != '/' && text[i - 1] != '@' &&
                             text[i - 1] != '-')) &&
                 BareIpv4UrlAt(text, i)) {
        host_begin = i;
      }
    }
    if (host_begin == std::string_view::npos || host_begin >= n) {
      ++i;
      continue;
    }
    // A URL needs a host: an alphanumeric, an IPv6 '[' or a non-ASCII (IDN) first character,
    // and for "www." a dot inside the host ("www.example" alone is a word, not a link). The
    // host is checked before the whole URL is scanned, so a rejected candidate costs only
    // its host and the scan stays linear.
    const unsigned char h0 = U(text[host_begin]);
    if (!(IsAlnum(static_cast<char>(h0)) || h0 == '[' || h0 >= 0x80)) {
      i = host_begin > i ? host_begin : i + 1;
      continue;
    }
    const bool www = host_begin == i && c == 'w';
    if (www && !WwwHostHasDot(text, i + 4)) {
      i += 4;
      continue;
    }
    size_t end = host_begin;
    while (end < n && UrlStopLength(text, end) == 0) ++end;
    end = TrimUrlEnd(text, i, end);
    if (end <= host_begin || (www && !WwwHostHasDot(text.substr(0, end), i + 4))) {
      i = end > i + 1 ? end : i + 1;
      continue;
    }
    out->push_back(text.substr(i, end - i));
    i = end;
  }
}

void FindTextUrls(std::string_view text, std::vector<std::string>* out) {
  std::vector<std::string_view> found;
  FindTextUrls(text, &found);
  out->insert(out->end(), found.begin(), found.end());
}

void UrlHostInto(std::string_view url, std::string* out) {
  out->clear();
  while (!url.empty() && U(url.front()) <= 0x20) url.remove_prefix(1);
  while (!url.empty() && U(url.back()) <= 0x20) url.remove_suffix(1);

  // Scheme: letters, digits, + - . before a ':'. A "scheme" with a dot is a host with a
  // port ("www.example.com:8080/"), not a scheme.
  size_t j = 0;
  if (!url.empty() && IsAlpha(url[0])) {
    while (j < url.size() && (IsAlnum(url[j]) || url[j] == '+' || url[j] == '-' || url[j] == '.'))
      ++j;
  }
  std::string_view rest;
  bool special = true;
  if (j > 0 && j < url.size() && url[j] == ':' &&
      url.substr(0, j).find('.') == std::string_view::npos) {
    std::string_view scheme = url.substr(0, j);
    rest = url.substr(j + 1);
    special = IsSpecialScheme(scheme);
    if (special) {
      // http:\\host, http:///host and http:host all reach the host in a browser.
      while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);
    } else if (rest.size() >= 2 && rest[0] == '/' && rest[1] == '/') {
      rest.remove_prefix(2);
    } else {
      return;  // mailto:, javascript:, data:, ...: no host
    }
  } else if (url.size() >= 2 && url[0] == '/' && url[1] == '/') {
    rest = url.substr(2);
  } else {
    rest = url;  // scheme-less: "www.example.com/x", "10.0.0.1/x"
    if (!rest.empty() && (rest[0] == '/' || rest[0] == '#' || rest[0] == '?')) return;
  }

  size_t auth_end = 0;
  while (auth_end < rest.size()) {
    char c = rest[auth_end];
    if (c == '/' || c == '?' || c == '#' || (special && c == '\\')) break;
    ++auth_end;
  }
  std::string_view host = rest.substr(0, auth_end);
  size_t at = host.rfind('@');
  if (at != std::string_view::npos) host.remove_prefix(at + 1);

  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    AppendLowerUtf8(host.substr(0, close == std::string_view::npos ? host.size() : close + 1), out);
    return;
  }
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);

  bool plain = true;  // ASCII without '%': nothing to decode or map, only lower-case
  for (char c : host) plain &= U(c) < 0x80 && c != '%';
  if (plain) {
    out->resize(host.size());
    char* o = out->data();
    for (size_t i = 0; i < host.size(); ++i) o[i] = Lower(host[i]);
  } else {
    AppendDecodedHost(host, out);
  }
  if (!out->empty() && out->back() == '.') out->pop_back();
  if (out->empty()) return;
  if (EndsInNumber(*out)) {
    std::string quad;
    if (NormaliseIpv4(*out, &quad)) *out = std::move(quad);
  }
}

std::string UrlHost(std::string_view url) {
  std::string host;
  UrlHostInto(url, &host);
  return host;
}

}  // namespace sluice::mime
