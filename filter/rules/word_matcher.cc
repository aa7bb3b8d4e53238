// word_matcher.cc - see word_matcher.h.
//
// Why this is exact. WordsToPattern(words, true) is "(\A|B)(w1|w2|...)(B|\z)" with B the
// word boundary class (kWordBoundaryClass in rule_file.cc: ASCII punctuation, space and
// controls, U+00A0, U+00AB, U+00BB, U+2000-U+206F, U+3000; every other character is a
// word character). An entry that starts with a word character can only match where its
// first word (its leading run of word characters) is a whole word of the text: the
// character before is B or the text's start, and the entry goes on with a B character or
// ends, which must be followed by B or the text's end. So each word of the text is looked
// up by its folded bytes; the rest of the entry (B characters and further words) is
// compared byte for byte with the folded text after it, and the match ends after the next
// character if that is B (Hyperscan's end includes it), or at the text's end.
#include "filter/rules/word_matcher.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include "filter/util/utf8.h"

namespace sluice::rules {
namespace {

constexpr size_t kPadding = 64;    // zero bytes after a folded text: whole 64-byte blocks
constexpr int kMaxYoVariants = 4;  // an entry with more 'ё' stays on Hyperscan (2^n keys)
constexpr int kFilterBits = 16;    // WordMatcher::filter_ has 2^16 bits (8 KB)

// ASCII word characters: 0-9 A-Z _ a-z (everything else below 0x80 is in B).
constexpr bool IsAsciiWord(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z');
}

bool IsBoundary(uint32_t cp) {
  if (cp < 0x80) return !IsAsciiWord(static_cast<unsigned char>(cp));
  return cp == 0xA0 || cp == 0xAB || cp == 0xBB || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000;
}

// The characters whose case the fold below knows exactly (word_matcher.h: kSafe). U+00B5
// MICRO SIGN folds with Greek mu, so it is left out.
bool IsSafe(uint32_t cp) { return cp < 0x100 ? cp != 0xB5 : (cp >= 0x400 && cp <= 0x45F); }

// Characters outside kSafe that Hyperscan's caseless matching puts in the same case class
// as a kSafe character (checked exhaustively against Hyperscan in word_matcher_test.cc): a
// text holding one is left to Hyperscan.
bool FoldsIntoSafe(uint32_t cp) {
  switch (cp) {
    case 0x0178:  // Ÿ -> ÿ
    case 0x017F:  // ſ -> s
    case 0x1E9E:  // ẞ -> ß
    case 0x212A:  // KELVIN SIGN -> k
    case 0x212B:  // ANGSTROM SIGN -> å
      return true;
    default:
      // Old Cyrillic letter forms (-> в д о с т ъ): Hyperscan 5.4 does not fold them; listed
      // for a Hyperscan built on a newer Unicode table (Unicode 9 added them).
      return cp >= 0x1C80 && cp <= 0x1C88;
  }
}

// The fold of a kSafe character: its lower case, which has the same UTF-8 length.
uint32_t FoldSafe(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  return cp;
}

inline unsigned char Byte(std::string_view text, size_t i) {
  return static_cast<unsigned char>(text[i]);
}

// The UTF-8 character at text[i]: its length, or 0 when the bytes there are not well-formed
// (util's one definition: no overlongs, surrogates or values above U+10FFFF).
size_t Decode(std::string_view text, size_t i, uint32_t* cp) {
  size_t bad = 0;
  return DecodeUtf8(reinterpret_cast<const uint8_t*>(text.data()) + i, text.size() - i, cp, &bad);
}

// Writes cp (known to take `size` bytes) at out.
void Encode(uint32_t cp, size_t size, char* out) {
  if (size == 1) {
    out[0] = static_cast<char>(cp);
  } else if (size == 2) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
  }  // longer characters are never changed by the fold: copied by the caller
}

// Length of the character at folded[i] when it is in B, else 0. folded is valid UTF-8.
inline size_t BoundaryAt(const unsigned char* folded, size_t i) {
  unsigned char c = folded[i];
  if (c < 0x80) return IsAsciiWord(c) ? 0 : 1;
  if (c == 0xC2) {
    unsigned char d = folded[i + 1];
    return d == 0xA0 || d == 0xAB || d == 0xBB ? 2 : 0;
  }
  if (c == 0xE2) {  // U+2000-U+206F: E2 80 80 - E2 81 AF
    unsigned char d = folded[i + 1];
    return d == 0x80 || (d == 0x81 && folded[i + 2] <= 0xAF) ? 3 : 0;
  }
  if (c == 0xE3) return folded[i + 1] == 0x80 && folded[i + 2] == 0x80 ? 3 : 0;
  return 0;
}

// Length of the (valid) UTF-8 character starting with lead byte c.
inline size_t CharSize(unsigned char c) { return c < 0xE0 ? (c < 0x80 ? 1 : 2) : c < 0xF0 ? 3 : 4; }

}  // namespace

bool WordMatcher::Fold(std::string_view text, std::string* out) {
  out->resize(text.size() + kPadding);
  char* dest = out->data();
  std::memset(dest + text.size(), 0, kPadding);
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i below_a = _mm_set1_epi8('A' - 1);
  const __m128i above_z = _mm_set1_epi8('Z' + 1);
  const __m128i bit = _mm_set1_epi8(0x20);
#endif
  while (i < text.size()) {
#if defined(__SSE2__)
    // Mostly ASCII: 16 bytes at a time, upper case made lower (signed compares: bytes
    // >= 0x80 are negative and stay out of 'A'..'Z'; such a block goes the slow way).
    if (i + 16 <= text.size()) {
      __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      if (_mm_movemask_epi8(block) == 0) {
        __m128i upper =
            _mm_and_si128(_mm_cmpgt_epi8(block, below_a), _mm_cmplt_epi8(block, above_z));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dest + i),
                         _mm_or_si128(block, _mm_and_si128(upper, bit)));
        i += 16;
        continue;
      }
    }
#endif
    unsigned char c = Byte(text, i);
    if (c < 0x80) {
      dest[i++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 0x20 : c);
      continue;
    }
    uint32_t cp;
    size_t size = Decode(text, i, &cp);
    if (size == 0 || FoldsIntoSafe(cp)) return false;
    if (size == 2 && IsSafe(cp)) {
      Encode(FoldSafe(cp), 2, dest + i);
    } else {
      std::memcpy(dest + i, text.data() + i, size);
    }
    i += size;
  }
  return true;
}

bool WordMatcher::Takes(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (word.empty()) return false;
    int yo = 0;
    for (size_t i = 0; i < word.size();) {
      uint32_t cp;
      size_t size = Decode(word, i, &cp);
      if (size == 0) return false;
      bool space = cp == ' ' || (cp >= '\t' && cp <= '\r');
      if (i == 0 && (space || IsBoundary(cp))) return false;  // no first word to look up
      if (!space && (cp < 0x20 || cp == 0x7F)) return false;  // controls: left alone
      if (!IsBoundary(cp) && !IsSafe(cp)) return false;       // a case the fold may not know
      if (cp == 0xA0) return false;  // a no-break space collapses with the spaces around it
      if (cp == 0x401 || cp == 0x451) ++yo;
      i += size;
    }
    if (yo > kMaxYoVariants) return false;
  }
  return true;
}

uint32_t WordMatcher::Hash(const unsigned char* word, size_t size) {
  // word has at least 8 readable bytes (the folded text's padding, or a padded key).
  uint64_t head, tail = 0;
  std::memcpy(&head, word, 8);
  if (size >= 8) {
    std::memcpy(&tail, word + size - 8, 8);
  } else {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    head &= (uint64_t{1} << (8 * size)) - 1;
#else
    head = 0;
    std::memcpy(&head, word, size);
#endif
  }
  uint64_t h = ((head + size) * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full);
  return static_cast<uint32_t>(h >> 32);
}

WordMatcher::Prefix WordMatcher::PrefixOf(std::string_view folded) {
  // Byte masks in memory order, so the compare does not depend on the byte order.
  Prefix p;
  unsigned char bytes[8] = {}, mask[8] = {};
  for (size_t i = 0; i < folded.size() && i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(folded[i]);
    mask[i] = 0xFF;
  }
  std::memcpy(&p.bytes, bytes, 8);
  std::memcpy(&p.mask, mask, 8);
  return p;
}

void WordMatcher::AddVariant(uint32_t rule, const std::string& entry) {
  // entry is folded: its first word ends at the first B character (or its end).
  // BoundaryAt reads up to two bytes ahead: a padded copy.
  const std::string padded = entry + std::string(kPadding, '\0');
  const auto* bytes = reinterpret_cast<const unsigned char*>(padded.data());
  size_t first = 0;
  while (first < entry.size() && BoundaryAt(bytes, first) == 0) first += CharSize(bytes[first]);
  Entry e{rule, static_cast<uint32_t>(tails_.size()), static_cast<uint32_t>(entry.size() - first),
          PrefixOf(std::string_view(entry).substr(first))};
  tails_.append(entry, first, std::string::npos);
  pending_.push_back({entry.substr(0, first), e});
}

void WordMatcher::Add(uint32_t rule, const std::vector<std::string>& words) {
  for (const auto& word : words) {
    // Whitespace runs become one ' ' (the text is space-collapsed), then the fold.
    std::string spaced;
    bool in_space = false;
    for (char c : word) {
      bool space = c == ' ' || (c >= '\t' && c <= '\r');
      if (space && in_space) continue;
      spaced.push_back(space ? ' ' : c);
      in_space = space;
    }
    std::string folded;
    Fold(spaced, &folded);  // cannot fail: Takes() held
    folded.resize(spaced.size());
    // 'ё' also matches 'е' (WordsToPattern's [её]): one variant per choice.
    std::vector<size_t> yo;
    for (size_t i = 0; i + 1 < folded.size(); ++i) {
      if (folded[i] == '\xD1' && folded[i + 1] == '\x91') yo.push_back(i);
    }
    for (uint32_t choice = 0; choice < (1u << yo.size()); ++choice) {
      std::string variant = folded;
      for (size_t k = 0; k < yo.size(); ++k) {
        if (choice & (1u << k)) variant.replace(yo[k], 2, "\xD0\xB5");
      }
      AddVariant(rule, variant);
    }
  }
}

void WordMatcher::Finish() {
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < pending_.size();) {
    size_t j = i;
    Key key{static_cast<uint32_t>(key_bytes_.size()),
            static_cast<uint32_t>(pending_[i].first.size()),
            static_cast<uint32_t>(entries_.size()),
            0,
            {}};
    key_bytes_ += pending_[i].first;
    key.word = PrefixOf(pending_[i].first);
    for (; j < pending_.size() && pending_[j].first == pending_[i].first; ++j) {
      entries_.push_back(pending_[j].second);
    }
    key.entries_end = static_cast<uint32_t>(entries_.size());
    keys_.push_back(key);
    min_word_ = std::min<uint32_t>(min_word_, key.size);
    max_word_ = std::max<uint32_t>(max_word_, key.size);
    i = j;
  }
  pending_.clear();
  pending_.shrink_to_fit();
  key_bytes_.append(kPadding, '\0');
  size_t size = 16;
  while (size < 2 * keys_.size()) size *= 2;
  slots_.assign(size, Slot{});
  mask_ = static_cast<uint32_t>(size - 1);
  filter_.assign((size_t{1} << kFilterBits) / 64, 0);
  for (uint32_t k = 0; k < keys_.size(); ++k) {
    uint32_t h = Hash(reinterpret_cast<const unsigned char*>(key_bytes_.data()) + keys_[k].begin,
                      keys_[k].size);
    uint32_t at = h & mask_;
    while (slots_[at].key != UINT32_MAX) at = (at + 1) & mask_;
    slots_[at] = {h, k};
    uint32_t bit = h >> (32 - kFilterBits);
    filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

namespace {

// Bit k set when folded[k] (k < 64) is a word character. Bytes >= 0x80 count as word
// bytes, then the few non-ASCII B characters (lead byte C2, E2 or E3) are cleared; a B
// character that runs past the block leaves its remaining bytes in *carry_clear.
uint64_t WordMask(const unsigned char* block, uint64_t* carry_clear) {
  uint64_t word = 0, leads = 0;
#if defined(__SSE2__)
  const __m128i below_0 = _mm_set1_epi8('0' - 1), above_9 = _mm_set1_epi8('9' + 1);
  const __m128i below_a = _mm_set1_epi8('a' - 1), above_z = _mm_set1_epi8('z' + 1);
  const __m128i underscore = _mm_set1_epi8('_');
  const __m128i c2 = _mm_set1_epi8(static_cast<char>(0xC2));
  const __m128i e2 = _mm_set1_epi8(static_cast<char>(0xE2));
  const __m128i e3 = _mm_set1_epi8(static_cast<char>(0xE3));
  for (int k = 0; k < 4; ++k) {
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    // Signed compares: bytes >= 0x80 are negative, so in no ASCII range; movemask adds them.
    __m128i w = _mm_or_si128(
        _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(b, below_0), _mm_cmplt_epi8(b, above_9)),
                     _mm_and_si128(_mm_cmpgt_epi8(b, below_a), _mm_cmplt_epi8(b, above_z))),
        _mm_cmpeq_epi8(b, underscore));
    uint64_t high = static_cast<uint32_t>(_mm_movemask_epi8(b));
    word |= (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(w))) | high) << (16 * k);
    if (high) {
      __m128i l = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, c2), _mm_cmpeq_epi8(b, e2)),
                               _mm_cmpeq_epi8(b, e3));
      leads |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(l))) << (16 * k);
    }
  }
#else
  for (int k = 0; k < 64; ++k) {
    unsigned char c = block[k];
    if (c >= 0x80 || IsAsciiWord(c)) word |= uint64_t{1} << k;
    if (c == 0xC2 || c == 0xE2 || c == 0xE3) leads |= uint64_t{1} << k;
  }
#endif
  word &= ~*carry_clear;
  *carry_clear = 0;
  for (; leads; leads &= leads - 1) {
    int k = __builtin_ctzll(leads);
    size_t size = BoundaryAt(block, static_cast<size_t>(k));
    if (size == 0) continue;
    uint64_t bits = (uint64_t{1} << size) - 1;
    word &= ~(bits << k);
    if (k + size > 64) *carry_clear = bits >> (64 - k);
  }
  return word;
}

}  // namespace

void WordMatcher::Probe(const unsigned char* f, size_t n, size_t start, size_t end, uint32_t h,
                        std::vector<WordMatch>* matches) const {
  const size_t size = end - start;
  for (uint32_t at = h & mask_; slots_[at].key != UINT32_MAX; at = (at + 1) & mask_) {
    const Key& key = keys_[slots_[at].key];
    if (slots_[at].hash != h || key.size != size || !HasPrefix(f + start, key.word) ||
        (size > 8 && std::memcmp(key_bytes_.data() + key.begin, f + start, size) != 0)) {
      continue;
    }
    // The rest of each entry, then a B character or the text's end after it.
    for (uint32_t e = key.entries_begin; e < key.entries_end; ++e) {
      const Entry& entry = entries_[e];
      size_t stop = end + entry.tail_size;
      if (stop > n || !HasPrefix(f + end, entry.tail) ||
          (entry.tail_size > 8 &&
           std::memcmp(tails_.data() + entry.tail_begin, f + end, entry.tail_size) != 0)) {
        continue;
      }
      if (stop < n) {
        size_t after = BoundaryAt(f, stop);
        if (after == 0) continue;
        stop += after;
      }
      matches->push_back({entry.rule, static_cast<uint32_t>(stop)});
    }
    return;
  }
}

bool WordMatcher::Scan(std::string_view text, std::string* folded,
                       std::vector<WordMatch>* matches) const {
  if (keys_.empty()) return true;
  if (!Fold(text, folded)) return false;
  const auto* f = reinterpret_cast<const unsigned char*>(folded->data());
  const size_t n = text.size();
  // Words from 64-byte masks: a word starts at a set bit of w whose lower neighbour is clear
  // and ends at a clear bit whose lower neighbour is set. Each end is paired with the last
  // start below it (or one carried from an earlier block) without a branch: which bits are
  // starts and which are ends follows the text and would be mispredicted. The padding is
  // zero bytes (B), so a word at the text's end ends there. Most words are turned away by
  // their length or one filter bit.
  auto word = [&](size_t start, size_t end) {
    size_t size = end - start;
    if (size - min_word_ > max_word_ - min_word_) return;  // outside [min_word_, max_word_]
    uint32_t h = Hash(f + start, size);
    uint32_t bit = h >> (32 - kFilterBits);
    if ((filter_[bit >> 6] >> (bit & 63)) & 1) Probe(f, n, start, end, h, matches);
  };
  uint64_t carry_in = 0, carry_clear = 0;
  size_t start = 0;  // of the word that runs into the current block, when carry_in
  for (size_t base = 0; base < n; base += 64) {
    const uint64_t w = WordMask(f + base, &carry_clear);
    const uint64_t before = (w << 1) | carry_in;
    const uint64_t starts = w & ~before;
    for (uint64_t ends = ~w & before; ends; ends &= ends - 1) {
      const int k = __builtin_ctzll(ends);
      const uint64_t below = starts & ((uint64_t{1} << k) - 1);
      const size_t from = below ? base + 63 - static_cast<size_t>(__builtin_clzll(below)) : start;
      word(from, std::min(base + static_cast<size_t>(k), n));
    }
    if (starts) start = base + 63 - static_cast<size_t>(__builtin_clzll(starts));
    carry_in = w >> 63;
  }
  if (carry_in) word(start, n);  // a word running to the end of the last full block
  return true;
}

}  // namespace sluice::rules
