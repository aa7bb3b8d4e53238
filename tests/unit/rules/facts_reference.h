// facts_reference.h - the message facts as computed before the one-pass rewrite (d623a29),
// kept verbatim as the reference the new facts.cc and text_facts.cc must agree with
// (facts_equivalence_test.cc). Test-only: include from one test file.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filter/mime/message.h"
#include "filter/rules/facts.h"
#include "filter/rules/text_facts.h"

namespace sluice::rules::reference {

namespace text_detail {

enum : uint8_t {
  kWord = 1,        // \w without UCP: [A-Za-z0-9_]
  kUpper = 2,       // [A-Z]
  kDigit = 4,       // [0-9]
  kSpace = 8,       // \s without UCP: [\t\n\v\f\r ]
  kCapsLine = 16,   // [A-Z \t,.!'$&-]: what may follow the first capital of a caps line
  kSpecial = 32,    // '!', '$', '\n': handled in the loop
  kLowerAZ = 64,    // [a-z]: may not occur before a caps line's first capital
  kPhoneSep = 128,  // [\s\-\.]
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kWord | kUpper | kCapsLine;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kWord | kLowerAZ;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kWord | kDigit;
  t['_'] |= kWord;
  for (char c : {'\t', '\n', '\v', '\f', '\r', ' '})
    t[static_cast<uint8_t>(c)] |= kSpace | kPhoneSep;
  t['-'] |= kPhoneSep;
  t['.'] |= kPhoneSep;
  for (char c : {' ', '\t', ',', '.', '!', '\'', '$', '&', '-'}) {
    t[static_cast<uint8_t>(c)] |= kCapsLine;
  }
  t['!'] |= kSpecial;
  t['$'] |= kSpecial;
  t['\n'] |= kSpecial;
  return t;
}

constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

uint8_t ClassAt(std::string_view text, size_t i) {
  return i < text.size() ? kClasses[static_cast<uint8_t>(text[i])] : 0;
}

bool DigitsAt(std::string_view text, size_t i, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    if (!(ClassAt(text, i + k) & kDigit)) return false;
  }
  return true;
}

// Whether \d{3}\)?[\s\-\.]\d{3}[\s\-\.]\d{4} matches at i (the leading \(? is optional,
// so it never decides whether the pattern matches somewhere).
bool PhoneAt(std::string_view text, size_t i) {
  if (!DigitsAt(text, i, 3)) return false;
  size_t j = i + 3;
  if (j < text.size() && text[j] == ')') ++j;
  if (!(ClassAt(text, j) & kPhoneSep) || !DigitsAt(text, j + 1, 3)) return false;
  return (ClassAt(text, j + 4) & kPhoneSep) && DigitsAt(text, j + 5, 4);
}

// Whether the line text[begin, end) (no '\n') matches ^[^a-z\n]{0,5}[A-Z][caps-line]{30,}$.
// The first capital of the line's trailing caps-line run is the only candidate: an earlier
// one is cut off from the end by a non-member, a later one leaves a shorter tail.
bool IsCapsLine(std::string_view text, size_t begin, size_t end) {
  if (end - begin < 31) return false;
  size_t run = end;
  while (run > begin && (kClasses[static_cast<uint8_t>(text[run - 1])] & kCapsLine)) --run;
  if (end - run < 31) return false;
  size_t first = run;
  while (first < end && !(kClasses[static_cast<uint8_t>(text[first])] & kUpper)) ++first;
  if (first == end || end - first - 1 < 30) return false;
  size_t code_points = 0;  // [^a-z\n] counts UTF-8 characters, not bytes
  for (size_t k = begin; k < first; ++k) {
    uint8_t byte = static_cast<uint8_t>(text[k]);
    if (kClasses[byte] & kLowerAZ) return false;
    if ((byte & 0xC0) != 0x80 && ++code_points > 5) return false;
  }
  return true;
}

bool Interesting(uint8_t byte) { return kClasses[byte] & (kUpper | kDigit | kSpecial); }

#if defined(__SSE2__)
// Bit k set when data[k] needs a look: a capital, a digit, '!', '$' or '\n'. Signed
// compares: bytes >= 0x80 are negative, so never capitals or digits.
unsigned InterestingMask(const char* data) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
  auto in_range = [&v](char low, char high) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(low - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(high + 1))));
  };
  __m128i special =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')), _mm_cmpeq_epi8(v, _mm_set1_epi8('$')));
  special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(in_range('A', 'Z'), in_range('0', '9')), special)));
}
#endif

// The scan state: the facts so far and where the current line began.
class TextScan {
 public:
  explicit TextScan(std::string_view text) : text_(text) {
    if (!text.empty() && text[0] == '>') ++facts_.quoted_line_count;
  }

  // Looks at the interesting byte at i; returns the first offset not yet looked at.
  size_t Visit(size_t i) {
    const size_t size = text_.size();
    const uint8_t c = kClasses[static_cast<uint8_t>(text_[i])];
    if (c & kUpper) {
      // \b[A-Z]{4,}\b: only a capital that starts a \w run can start a match, and the run
      // must be capitals to its end.
      size_t end = i + 1;
      if (i == 0 || !(kClasses[static_cast<uint8_t>(text_[i - 1])] & kWord)) {
        while (end < size && (kClasses[static_cast<uint8_t>(text_[end])] & kUpper)) ++end;
        if (end - i >= 4 && !(ClassAt(text_, end) & kWord)) ++facts_.caps_word_count;
      }
      return end;
    }
    if (c & kDigit) {
      if (!facts_.phone_number) facts_.phone_number = PhoneAt(text_, i);
    } else if (text_[i] == '!') {
      ++facts_.exclaim_count;
    } else if (text_[i] == '$') {
      if ((ClassAt(text_, i + 1) & kDigit) ||
          ((ClassAt(text_, i + 1) & kSpace) && (ClassAt(text_, i + 2) & kDigit))) {
        ++facts_.dollar_amount_count;
      }
    } else {  // '\n'
      if (!facts_.caps_line) facts_.caps_line = IsCapsLine(text_, line_begin_, i);
      line_begin_ = i + 1;
      if (i + 1 < size && text_[i + 1] == '>') ++facts_.quoted_line_count;
    }
    return i + 1;
  }

  TextFacts Finish() {
    if (!facts_.caps_line) facts_.caps_line = IsCapsLine(text_, line_begin_, text_.size());
    return facts_;
  }

 private:
  std::string_view text_;
  TextFacts facts_;
  size_t line_begin_ = 0;
};

}  // namespace text_detail
using namespace text_detail;

inline TextFacts ComputeTextFacts(std::string_view text) {
  TextScan scan(text);
  const size_t size = text.size();
  size_t next = 0;  // bytes before this have been looked at
  size_t base = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: most visible text is lower case and spaces, skipped here
  // without a branch per byte; the set bits of a block are visited in order.
  for (; base + 16 <= size; base += 16) {
    if (next >= base + 16) continue;
    unsigned mask = InterestingMask(text.data() + base);
    if (next > base) mask &= ~0u << (next - base);
    while (mask != 0) {
      next = scan.Visit(base + static_cast<size_t>(__builtin_ctz(mask)));
      if (next >= base + 16) break;
      mask &= ~0u << (next - base);
    }
  }
#endif
  for (size_t i = std::max(base, next); i < size;) {
    i = Interesting(static_cast<uint8_t>(text[i])) ? scan.Visit(i) : i + 1;
  }
  return scan.Finish();
}

namespace fact_detail {

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// ASCII case-insensitive equality without <cctype>'s per-byte locale lookups.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// The top-level headers the facts read, found in one walk over the header list (a message
// easily has 30 headers, most of them Received).
struct FactHeaders {
  const mime::Header* date = nullptr;
  const mime::Header* message_id = nullptr;
  const mime::Header* from = nullptr;
  const mime::Header* subject = nullptr;
  const mime::Header* to = nullptr;
  const mime::Header* cc = nullptr;
  size_t received = 0;
};

FactHeaders FindFactHeaders(const mime::Message& message) {
  FactHeaders found;
  if (message.parts.empty()) return found;
  auto first = [](const mime::Header& h, const mime::Header** slot) {
    if (!*slot) *slot = &h;
  };
  for (const auto& h : message.headers()) {
    switch (h.name.size()) {  // the length picks the one name worth comparing
      case 2:
        if (EqualsIgnoreCase(h.name, "To")) first(h, &found.to);
        if (EqualsIgnoreCase(h.name, "Cc")) first(h, &found.cc);
        break;
      case 4:
        if (EqualsIgnoreCase(h.name, "Date")) first(h, &found.date);
        if (EqualsIgnoreCase(h.name, "From")) first(h, &found.from);
        break;
      case 7:
        if (EqualsIgnoreCase(h.name, "Subject")) first(h, &found.subject);
        break;
      case 8:
        if (EqualsIgnoreCase(h.name, "Received")) ++found.received;
        break;
      case 10:
        if (EqualsIgnoreCase(h.name, "Message-ID")) first(h, &found.message_id);
        break;
    }
  }
  return found;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// The first "local@domain" in text, lower-cased, or "".
std::string FirstAddress(std::string_view text) {
  size_t at = text.find('@');
  while (at != std::string_view::npos) {
    size_t begin = at;
    while (begin > 0 && !std::isspace(static_cast<unsigned char>(text[begin - 1])) &&
           std::string_view("<>\"'(),;:[]").find(text[begin - 1]) == std::string_view::npos) {
      --begin;
    }
    size_t end = at + 1;
    while (end < text.size() && IsHostChar(text[end])) ++end;
    std::string_view domain = text.substr(at + 1, end - at - 1);
    while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (begin < at && domain.find('.') != std::string_view::npos) {
      return Lower(text.substr(begin, at + 1 - begin)) + Lower(domain);
    }
    at = text.find('@', at + 1);
  }
  return "";
}

// A From whose display name holds an address other than the real one: "paypal@paypal.com"
// <x@evil.example>.
bool FromNameCarriesAddress(std::string_view from) {
  size_t open = from.rfind('<');
  if (open == std::string_view::npos) return false;
  size_t close = from.find('>', open);
  std::string real = FirstAddress(from.substr(
      open, close == std::string_view::npos ? std::string_view::npos : close - open + 1));
  std::string named = FirstAddress(from.substr(0, open));
  return !named.empty() && named != real;
}

}  // namespace fact_detail
using namespace fact_detail;

inline std::string_view HostInLinkText(std::string_view text) {
  // Trim surrounding space and punctuation people put around a link.
  auto trim = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '"' ||
           c == '\'' || c == '(' || c == ')' || c == '[' || c == ']';
  };
  while (!text.empty() && trim(text.front())) text.remove_prefix(1);
  while (!text.empty() && trim(text.back())) text.remove_suffix(1);
  if (text.empty()) return {};
  // The link text must itself look like a URL or host name, not like prose.
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) return {};
  }
  size_t scheme = text.find("://");
  if (scheme != std::string_view::npos) text.remove_prefix(scheme + 3);
  size_t at = text.find('@');
  size_t slash = text.find_first_of("/?#");
  if (at != std::string_view::npos && at < slash) text.remove_prefix(at + 1);
  size_t end = 0;
  while (end < text.size() && IsHostChar(text[end])) ++end;
  std::string_view host = text.substr(0, end);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string_view tld = host.substr(dot + 1);
  // A host ends in a letter TLD of 2+ letters, or is an IPv4 literal.
  bool letters = tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), [](char c) {
                   return std::isalpha(static_cast<unsigned char>(c));
                 });
  bool ipv4 = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (!letters && !ipv4) return {};
  // A bare "file.html" or "readme.txt" as link text is not a host.
  if (scheme == std::string_view::npos && host.find('.') == dot && host.substr(0, 4) != "www." &&
      !ipv4) {
    static constexpr std::string_view kNotTlds[] = {"html", "htm", "php", "asp", "jpg",
                                                    "gif",  "png", "pdf", "txt", "exe"};
    for (auto not_tld : kNotTlds) {
      if (EqualsIgnoreCase(tld, not_tld)) return {};
    }
  }
  return host;
}

inline bool DifferentSite(std::string_view a, std::string_view b) {
  auto site = [](std::string_view host) {
    std::string lower = Lower(host);
    bool ipv4 = std::all_of(lower.begin(), lower.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
    });
    if (ipv4) return lower;
    size_t last = lower.rfind('.');
    if (last == std::string::npos || last == 0) return lower;
    size_t second = lower.rfind('.', last - 1);
    std::string out = second == std::string::npos ? lower : lower.substr(second + 1);
    // co.uk, com.au and the like: keep one more label.
    if (out.size() <= 6 && second != std::string::npos && second > 0) {
      size_t third = lower.rfind('.', second - 1);
      std::string_view first_label = std::string_view(out).substr(0, out.find('.'));
      if (first_label == "co" || first_label == "com" || first_label == "org" ||
          first_label == "net" || first_label == "ac" || first_label == "gov") {
        out = third == std::string::npos ? lower : lower.substr(third + 1);
      }
    }
    return out;
  };
  if (a.empty() || b.empty()) return false;
  return site(a) != site(b);
}

inline double UpperCasePercent(std::string_view utf8, size_t min_letters) {
  size_t upper = 0, letters = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
#if defined(__SSE2__)
    // Sixteen plain-ASCII bytes at a time (most text): compares give -1 per capital and
    // per letter, subtracted into byte counters that are summed (psadbw) before they can
    // overflow; blocks with a byte >= 0x80 take the loop below.
    const __m128i zero = _mm_setzero_si128();
    __m128i capitals16 = zero, letters16 = zero;
    int blocks = 0;
    auto flush = [&] {
      __m128i c = _mm_sad_epu8(capitals16, zero), l = _mm_sad_epu8(letters16, zero);
      upper += static_cast<size_t>(_mm_cvtsi128_si32(c) + _mm_extract_epi16(c, 4));
      letters += static_cast<size_t>(_mm_cvtsi128_si32(l) + _mm_extract_epi16(l, 4));
      capitals16 = letters16 = zero;
      blocks = 0;
    };
    while (i + 16 <= utf8.size()) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(utf8.data() + i));
      if (_mm_movemask_epi8(v) != 0) break;
      __m128i small = _mm_or_si128(v, _mm_set1_epi8(0x20));  // ASCII letters to lower case
      __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(small, _mm_set1_epi8('a' - 1)),
                                     _mm_cmplt_epi8(small, _mm_set1_epi8('z' + 1)));
      __m128i capital = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
      letters16 = _mm_sub_epi8(letters16, letter);
      capitals16 = _mm_sub_epi8(capitals16, capital);
      i += 16;
      if (++blocks == 255) flush();
    }
    flush();
    if (i >= utf8.size()) break;
#endif
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      // Plain ASCII arithmetic: the <cctype> calls go through the locale per byte.
      bool is_upper = c >= 'A' && c <= 'Z';
      upper += is_upper;
      letters += is_upper || (c >= 'a' && c <= 'z');
      continue;
    }
    // Cyrillic in UTF-8: U+0400..U+04FF is D0/D1/D2/D3 followed by a continuation byte.
    if ((c == 0xD0 || c == 0xD1) && i + 1 < utf8.size()) {
      unsigned cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F);
      ++i;
      if (cp >= 0x400 && cp <= 0x42F) {
        ++upper;
        ++letters;
      } else if (cp >= 0x430 && cp <= 0x45F) {
        ++letters;
      }
    }
  }
  if (letters < min_letters || letters == 0) return 0;
  return 100.0 * static_cast<double>(upper) / static_cast<double>(letters);
}

inline void ComputeFacts(const mime::Message& message, double* v) {
  std::fill(v, v + kFactCount, 0.0);
  v[kFactHtmlOnly] = message.html_only ? 1 : 0;
  v[kFactImageCount] = message.image_count;
  v[kFactColoredText] = message.colored_text;
  v[kFactInvisibleText] = message.invisible_text;
  FactHeaders headers = FindFactHeaders(message);
  const mime::Header* from = headers.from;
  const mime::Header* subject = headers.subject;
  const mime::Header* to = headers.to;
  const mime::Header* cc = headers.cc;
  v[kFactMissingDate] = headers.date ? 0 : 1;
  v[kFactMissingMessageId] = headers.message_id ? 0 : 1;
  v[kFactMissingFrom] = from ? 0 : 1;
  v[kFactMissingSubject] = subject ? 0 : 1;
  v[kFactMissingTo] = (to || cc) ? 0 : 1;
  double mismatches = 0;
  for (const auto& url : message.urls) {
    if (url.source != mime::UrlSource::kHref || url.link_text.empty()) continue;
    std::string_view named = HostInLinkText(url.link_text);
    if (!named.empty() && DifferentSite(named, url.host)) ++mismatches;
  }
  v[kFactLinkHostMismatch] = mismatches;
  v[kFactFromNameAddress] = from && FromNameCarriesAddress(from->value) ? 1 : 0;
  v[kFactUrlCount] = static_cast<double>(message.urls.size());
  v[kFactAttachmentCount] = static_cast<double>(message.attachments.size());
  v[kFactPartCount] = static_cast<double>(message.parts.size());
  v[kFactTextPartCount] = static_cast<double>(std::count_if(
      message.parts.begin(), message.parts.end(), [](const mime::Part& p) { return p.is_text; }));
  v[kFactDefectCount] = static_cast<double>(message.defects.size());
  v[kFactBodyBytes] = static_cast<double>(message.visible_text.size());
  v[kFactSubjectBytes] = subject ? static_cast<double>(subject->value.size()) : 0;
  v[kFactSubjectUpperPct] = subject ? UpperCasePercent(subject->value, 8) : 0;
  // The first 16 KiB are representative and keep this cheap on huge bodies.
  v[kFactBodyUpperPct] =
      UpperCasePercent(std::string_view(message.visible_text).substr(0, 16 * 1024), 100);
  v[kFactReceivedCount] = static_cast<double>(headers.received);
  size_t recipients = 0;
  for (const mime::Header* h : {to, cc}) {
    if (h) recipients += std::count(h->value.begin(), h->value.end(), '@');
  }
  v[kFactRecipientCount] = static_cast<double>(recipients);
  TextFacts text = ComputeTextFacts(message.visible_text);
  v[kFactExclaimCount] = static_cast<double>(text.exclaim_count);
  v[kFactDollarAmountCount] = static_cast<double>(text.dollar_amount_count);
  v[kFactCapsWordCount] = static_cast<double>(text.caps_word_count);
  v[kFactQuotedLineCount] = static_cast<double>(text.quoted_line_count);
  v[kFactPhoneNumber] = text.phone_number ? 1 : 0;
  v[kFactCapsLine] = text.caps_line ? 1 : 0;
}

}  // namespace sluice::rules::reference
