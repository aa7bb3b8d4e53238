// text_facts.cc - the one-pass body counts of text_facts.h.
//
// The loop jumps from one byte that can start or end something to the next ('!', '$',
// digits, capitals, line ends), sixteen bytes at a time; a capital at a word start reads
// its word, a line end checks the line behind it for a caps line (walking back from its
// end, so lines in lower case cost one byte) and the next line for a '>'.
#include "filter/rules/text_facts.h"

#include <algorithm>
#include <array>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::rules {
namespace {

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

}  // namespace

TextFacts ComputeTextFacts(std::string_view text) {
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

}  // namespace sluice::rules
