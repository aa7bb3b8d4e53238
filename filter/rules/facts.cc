// facts.cc - computes the message facts of facts.h from the decoded view.
#include "filter/rules/facts.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filter/rules/text_facts.h"

namespace sluice::rules {
namespace {

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// ASCII case-insensitive equality without <cctype>'s per-byte locale lookups.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// An address as two views into the text: "local@" and the domain (trailing dots dropped).
// Compared ASCII case-insensitively, as the lower-cased copies were.
struct AddressView {
  std::string_view local_at;
  std::string_view domain;
  bool found() const { return !local_at.empty(); }
  bool operator==(const AddressView& other) const {
    return EqualsIgnoreCase(local_at, other.local_at) && EqualsIgnoreCase(domain, other.domain);
  }
};

// The first "local@domain" in text, or none.
AddressView FirstAddress(std::string_view text) {
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
      return {text.substr(begin, at + 1 - begin), domain};
    }
    at = text.find('@', at + 1);
  }
  return {};
}

// A From whose display name holds an address other than the real one: "paypal@paypal.com"
// <x@evil.example>.
bool FromNameCarriesAddress(std::string_view from) {
  size_t open = from.rfind('<');
  if (open == std::string_view::npos) return false;
  size_t close = from.find('>', open);
  AddressView real = FirstAddress(from.substr(
      open, close == std::string_view::npos ? std::string_view::npos : close - open + 1));
  AddressView named = FirstAddress(from.substr(0, open));
  return named.found() && !(named == real);
}

bool IsIpv4Literal(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

// The registrable part of a host: its last two labels, three for co.uk and the like.
// Case is kept: callers compare with EqualsIgnoreCase.
std::string_view Site(std::string_view host) {
  if (IsIpv4Literal(host)) return host;
  size_t last = host.rfind('.');
  if (last == std::string_view::npos || last == 0) return host;
  size_t second = host.rfind('.', last - 1);
  std::string_view out = second == std::string_view::npos ? host : host.substr(second + 1);
  // co.uk, com.au and the like: keep one more label.
  if (out.size() <= 6 && second != std::string_view::npos && second > 0) {
    size_t third = host.rfind('.', second - 1);
    std::string_view first_label = out.substr(0, out.find('.'));
    for (std::string_view generic : {"co", "com", "org", "net", "ac", "gov"}) {
      if (EqualsIgnoreCase(first_label, generic)) {
        out = third == std::string_view::npos ? host : host.substr(third + 1);
        break;
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<FactInfo>& FactNames() {
  static const std::vector<FactInfo> kNames = {
      {"html_only", "1 when the mail has HTML text but no plain-text alternative"},
      {"image_count", "<img> tags plus image/* parts"},
      {"colored_text", "HTML text runs with a non-default colour"},
      {"invisible_text", "HTML text runs hidden from the reader"},
      {"missing_date", "1 when there is no Date header"},
      {"missing_message_id", "1 when there is no Message-ID header"},
      {"missing_from", "1 when there is no From header"},
      {"missing_subject", "1 when there is no Subject header"},
      {"missing_to", "1 when there is neither To nor Cc"},
      {"link_host_mismatch", "links whose visible text names another site than the link"},
      {"from_name_address", "1 when the From display name carries another address"},
      {"url_count", "URLs found in the text parts"},
      {"attachment_count", "attachments"},
      {"part_count", "MIME parts, the root included"},
      {"text_part_count", "text parts"},
      {"defect_count", "MIME defects found while parsing"},
      {"body_bytes", "bytes of visible text"},
      {"subject_bytes", "bytes of the decoded Subject"},
      {"subject_upper_pct", "percent of Subject letters in upper case (0 if < 8 letters)"},
      {"body_upper_pct",
       "percent of letters in upper case in the first 16 KiB of text (0 if < 100 letters)"},
      {"received_count", "Received headers"},
      {"recipient_count", "addresses in To and Cc"},
      {"exclaim_count", "'!' in the visible text"},
      {"dollar_amount_count",
       "'$' followed by a digit (or a space and a digit) in the visible text"},
      {"caps_word_count",
       "words of 4+ ASCII capitals (no lower case, digit or '_') in the visible text"},
      {"quoted_line_count", "lines of the visible text starting with '>'"},
      {"phone_number",
       "1 when the visible text holds a North American phone number (555-123-4567)"},
      {"caps_line", "1 when a line of the visible text is 30+ capitals, spaces and punctuation"},
  };
  return kNames;
}

std::string_view HostInLinkText(std::string_view text) {
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

bool DifferentSite(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  return !EqualsIgnoreCase(Site(a), Site(b));
}

namespace {

double UpperPercentOf(size_t upper, size_t letters, size_t min_letters) {
  if (letters < min_letters || letters == 0) return 0;
  return 100.0 * static_cast<double>(upper) / static_cast<double>(letters);
}

}  // namespace

double UpperCasePercent(std::string_view utf8, size_t min_letters) {
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
  return UpperPercentOf(upper, letters, min_letters);
}

FactHeaders FindFactHeaders(const mime::Message& message) {
  FactHeaders found;
  if (message.parts.empty()) return found;
  auto first = [](const mime::Header& h, std::optional<std::string_view>* slot) {
    if (!*slot) *slot = h.value;
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

void ComputeFacts(const mime::Message& message, double* v) { ComputeFacts(message, kAllFacts, v); }

void ComputeFacts(const mime::Message& message, FactMask wanted, double* v) {
  ComputeFacts(message, wanted,
               (wanted & kHeaderFacts) != 0 ? FindFactHeaders(message) : FactHeaders{}, v);
}

void ComputeFacts(const mime::Message& message, FactMask wanted, const FactHeaders& headers,
                  double* v) {
  std::fill(v, v + kFactCount, 0.0);
  auto want = [wanted](std::initializer_list<Fact> facts) {
    for (Fact f : facts) {
      if (wanted & FactBit(f)) return true;
    }
    return false;
  };
  v[kFactHtmlOnly] = message.html_only ? 1 : 0;
  v[kFactImageCount] = message.image_count;
  v[kFactColoredText] = message.colored_text;
  v[kFactInvisibleText] = message.invisible_text;
  if ((wanted & kHeaderFacts) != 0) {
    const auto& from = headers.from;
    const auto& subject = headers.subject;
    v[kFactMissingDate] = headers.date ? 0 : 1;
    v[kFactMissingMessageId] = headers.message_id ? 0 : 1;
    v[kFactMissingFrom] = from ? 0 : 1;
    v[kFactMissingSubject] = subject ? 0 : 1;
    v[kFactMissingTo] = (headers.to || headers.cc) ? 0 : 1;
    if (want({kFactFromNameAddress})) {
      v[kFactFromNameAddress] = from && FromNameCarriesAddress(*from) ? 1 : 0;
    }
    v[kFactSubjectBytes] = subject ? static_cast<double>(subject->size()) : 0;
    if (want({kFactSubjectUpperPct})) {
      v[kFactSubjectUpperPct] = subject ? UpperCasePercent(*subject, 8) : 0;
    }
    v[kFactReceivedCount] = static_cast<double>(headers.received);
    size_t recipients = 0;
    for (const auto* h : {&headers.to, &headers.cc}) {
      if (*h) recipients += static_cast<size_t>(std::count((*h)->begin(), (*h)->end(), '@'));
    }
    v[kFactRecipientCount] = static_cast<double>(recipients);
  }
  if (want({kFactLinkHostMismatch})) {
    double mismatches = 0;
    for (const auto& url : message.urls) {
      if (url.source != mime::UrlSource::kHref || url.link_text.empty()) continue;
      std::string_view named = HostInLinkText(url.link_text);
      if (!named.empty() && DifferentSite(named, url.host)) ++mismatches;
    }
    v[kFactLinkHostMismatch] = mismatches;
  }
  v[kFactUrlCount] = static_cast<double>(message.urls.size());
  v[kFactAttachmentCount] = static_cast<double>(message.attachments.size());
  v[kFactPartCount] = static_cast<double>(message.parts.size());
  if (want({kFactTextPartCount})) {
    v[kFactTextPartCount] = static_cast<double>(std::count_if(
        message.parts.begin(), message.parts.end(), [](const mime::Part& p) { return p.is_text; }));
  }
  v[kFactDefectCount] = static_cast<double>(message.defects.size());
  v[kFactBodyBytes] = static_cast<double>(message.visible_text.size());
  if (want({kFactBodyUpperPct, kFactExclaimCount, kFactDollarAmountCount, kFactCapsWordCount,
            kFactQuotedLineCount, kFactPhoneNumber, kFactCapsLine})) {
    // One pass over the visible text; the upper-case share counts its first 16 KiB.
    TextFacts text = ComputeTextFacts(message.visible_text);
    v[kFactBodyUpperPct] = UpperPercentOf(text.head_upper, text.head_letters, 100);
    v[kFactExclaimCount] = static_cast<double>(text.exclaim_count);
    v[kFactDollarAmountCount] = static_cast<double>(text.dollar_amount_count);
    v[kFactCapsWordCount] = static_cast<double>(text.caps_word_count);
    v[kFactQuotedLineCount] = static_cast<double>(text.quoted_line_count);
    v[kFactPhoneNumber] = text.phone_number ? 1 : 0;
    v[kFactCapsLine] = text.caps_line ? 1 : 0;
  }
}

}  // namespace sluice::rules
