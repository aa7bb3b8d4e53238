// text_facts.cc - the one-pass body counts of text_facts.h.
//
// The text is read 64 bytes at a time into bit masks, one bit a byte, per character class
// (capitals, word characters, digits, '!', '$', '\n', '>'). Most facts are then bit
// arithmetic on the masks: '!' is a popcount, a quoted line a '\n' bit with a '>' bit after
// it. Only a few bytes are looked at one by one: a capital that starts a word (its word is
// read to its end), a '$' (is a digit next?), the end of a run of 3+ digits (a phone number?)
// and, until a caps line is found, each '\n' (the line behind it is checked, walking back
// from its end, so lines in lower case cost one byte). The last block is copied into a
// zero-filled buffer: a NUL byte is in none of the classes, so the padding reads like the
// end of the text to every look-ahead.
#include "filter/rules/text_facts.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

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

// One bit a byte of a 64-byte block, bit k for byte k.
struct BlockMasks {
  uint64_t upper = 0, word = 0, digit = 0, exclaim = 0, dollar = 0, newline = 0, quote = 0;
  uint64_t letter = 0;  // [A-Za-z]
  uint64_t high = 0;    // bytes >= 0x80
};

#if defined(__SSE2__)
uint64_t Bits(__m128i lanes, int shift) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(lanes))) << shift;
}

// Signed compares: bytes >= 0x80 are negative, so never in an ASCII range.
BlockMasks Classify(const char* data) {
  BlockMasks m;
  auto in_range = [](__m128i v, char low, char high) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(low - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(high + 1))));
  };
  for (int part = 0; part < 4; ++part) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * part));
    const int shift = 16 * part;
    const __m128i upper = in_range(v, 'A', 'Z');
    const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    const __m128i digit = in_range(v, '0', '9');
    const __m128i word =
        _mm_or_si128(_mm_or_si128(letter, digit), _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    m.upper |= Bits(upper, shift);
    m.letter |= Bits(letter, shift);
    m.high |= Bits(v, shift);
    m.word |= Bits(word, shift);
    m.digit |= Bits(digit, shift);
    m.exclaim |= Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')), shift);
    m.dollar |= Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('$')), shift);
    m.newline |= Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), shift);
    m.quote |= Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')), shift);
  }
  return m;
}
#else
BlockMasks Classify(const char* data) {
  BlockMasks m;
  for (int k = 0; k < 64; ++k) {
    const uint8_t byte = static_cast<uint8_t>(data[k]);
    const uint8_t c = kClasses[byte];
    const uint64_t bit = uint64_t{1} << k;
    if (c & kUpper) m.upper |= bit;
    if (c & (kUpper | kLowerAZ)) m.letter |= bit;
    if (byte >= 0x80) m.high |= bit;
    if (c & kWord) m.word |= bit;
    if (c & kDigit) m.digit |= bit;
    if (byte == '!') m.exclaim |= bit;
    if (byte == '$') m.dollar |= bit;
    if (byte == '\n') m.newline |= bit;
    if (byte == '>') m.quote |= bit;
  }
  return m;
}
#endif

// Set bits of x. (__builtin_popcountll is a libgcc call without -mpopcnt.)
size_t Popcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555u);
  x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
  return static_cast<size_t>((x * 0x0101010101010101u) >> 56);
}

// UpperCasePercent's counts over head[begin, end) (head: the counted prefix), one code point
// at a time: a Cyrillic lead byte D0/D1 takes the next byte of the prefix with it, whatever it
// is. Returns the first offset not consumed (end, or end + 1 when the last pair crossed it).
size_t CountUpperLetters(std::string_view head, size_t begin, size_t end, size_t* upper,
                         size_t* letters) {
  size_t i = begin;
  for (; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(head[i]);
    if (c < 0x80) {
      const bool is_upper = c >= 'A' && c <= 'Z';
      *upper += is_upper;
      *letters += is_upper || (c >= 'a' && c <= 'z');
    } else if ((c == 0xD0 || c == 0xD1) && i + 1 < head.size()) {
      const unsigned cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(head[i + 1]) & 0x3F);
      ++i;
      if (cp >= 0x400 && cp <= 0x42F) {
        ++*upper;
        ++*letters;
      } else if (cp >= 0x430 && cp <= 0x45F) {
        ++*letters;
      }
    }
  }
  return i;
}

// Calls visit(k) for each set bit k of mask, lowest first.
template <typename Visit>
void ForEachBit(uint64_t mask, Visit visit) {
  while (mask != 0) {
    visit(static_cast<size_t>(__builtin_ctzll(mask)));
    mask &= mask - 1;
  }
}

}  // namespace

TextFacts ComputeTextFacts(std::string_view text) {
  TextFacts facts;
  const size_t size = text.size();
  if (size == 0) return facts;
  if (text[0] == '>') ++facts.quoted_line_count;  // ^ at the text start
  size_t line_begin = 0;
  const std::string_view head = text.substr(0, kUpperHeadBytes);
  size_t head_next = 0;  // the prefix's first byte not yet counted
  // The previous block's word and digit bits at 63 (and 62), for "the byte before".
  uint64_t word_before = 0, digit_before = 0;
  char tail[64];
  for (size_t base = 0; base < size; base += 64) {
    const char* data = text.data() + base;
    if (size - base < 64) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, data, size - base);
      data = tail;
    }
    const BlockMasks m = Classify(data);
    // The byte after the block (0 past the end: in no class).
    const uint8_t after = base + 64 < size ? static_cast<uint8_t>(text[base + 64]) : 0;
    if (base < head.size()) {
      // Plain-ASCII blocks of the prefix are two popcounts; others go code point by code
      // point, carrying a pair that crosses into the next block.
      if (base + 64 <= head.size() && m.high == 0 && head_next == base) {
        facts.head_upper += Popcount(m.upper);
        facts.head_letters += Popcount(m.letter);
        head_next = base + 64;
      } else {
        head_next = CountUpperLetters(head, head_next, std::min(base + 64, head.size()),
                                      &facts.head_upper, &facts.head_letters);
      }
    }
    facts.exclaim_count += Popcount(m.exclaim);
    // ^> in multiline mode: a '>' just after a '\n'.
    const uint64_t quote_next = (m.quote >> 1) | (uint64_t{after == '>'} << 63);
    facts.quoted_line_count += Popcount(m.newline & quote_next);
    // \$\s?\d: rare, looked at byte by byte.
    ForEachBit(m.dollar, [&](size_t k) {
      const size_t i = base + k;
      if ((ClassAt(text, i + 1) & kDigit) ||
          ((ClassAt(text, i + 1) & kSpace) && (ClassAt(text, i + 2) & kDigit))) {
        ++facts.dollar_amount_count;
      }
    });
    // \b[A-Z]{4,}\b: only a capital that starts a \w run can start a match, and the run
    // must be capitals to its end. A run of capitals ending inside the block is counted
    // with bit arithmetic: adding its lowest bit clears it and carries into the byte after
    // it, which must not be a \w byte. The run that reaches the block's last byte (it may go
    // on in the next block) is read byte by byte.
    const uint64_t word_starts = m.upper & ~((m.word << 1) | (word_before >> 63));
    uint64_t top_start = 0;  // the lowest bit of the run holding bit 63, if any
    if (m.upper >> 63) {
      const uint64_t not_upper = ~m.upper;
      top_start = uint64_t{1} << (not_upper == 0 ? 0 : 64 - __builtin_clzll(not_upper));
    }
    const uint64_t long_starts =
        word_starts & ~top_start & (m.upper >> 1) & (m.upper >> 2) & (m.upper >> 3);
    facts.caps_word_count += Popcount((m.upper + long_starts) & ~m.upper & ~m.word);
    if (word_starts & top_start) {
      const size_t i = base + static_cast<size_t>(__builtin_ctzll(top_start));
      size_t end = i + 1;
      while (end < size && (kClasses[static_cast<uint8_t>(text[end])] & kUpper)) ++end;
      if (end - i >= 4 && !(ClassAt(text, end) & kWord)) ++facts.caps_word_count;
    }
    if (!facts.phone_number) {
      // A match starts with three digits followed by a non-digit: the last three digits of
      // a run of three or more. Bit k marks a run's last digit with two digits before it.
      const uint64_t digit_next =
          (m.digit >> 1) | (uint64_t{(kClasses[after] & kDigit) != 0} << 63);
      const uint64_t one_before = (m.digit << 1) | (digit_before >> 63);
      const uint64_t two_before = (m.digit << 2) | (digit_before >> 62);
      const uint64_t run_ends = m.digit & ~digit_next & one_before & two_before;
      ForEachBit(run_ends, [&](size_t k) {
        if (!facts.phone_number) facts.phone_number = PhoneAt(text, base + k - 2);
      });
    }
    if (!facts.caps_line) {
      ForEachBit(m.newline, [&](size_t k) {
        const size_t i = base + k;
        if (!facts.caps_line) facts.caps_line = IsCapsLine(text, line_begin, i);
        line_begin = i + 1;
      });
    }
    word_before = m.word;
    digit_before = m.digit;
  }
  if (!facts.caps_line) facts.caps_line = IsCapsLine(text, line_begin, size);
  return facts;
}

}  // namespace sluice::rules
