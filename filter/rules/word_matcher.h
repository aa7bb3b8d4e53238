// word_matcher.h - `words` rules matched without Hyperscan: one pass folds the text's case, a
// second splits it into words and looks each word up in a hash table (internal to rules/).
//
// Contract: for a text in which every run of whitespace is one ' ' (CollapseSpace), Scan
// reports, for every rule added, the same match end offsets as Hyperscan scanning
// WordsToPattern(words, true) with HS_FLAG_CASELESS | HS_FLAG_UTF8 (each end at least once;
// Hyperscan reports each (rule, end) once, so the caller de-duplicates). An end is where the
// pattern's trailing boundary character ends, or the text's end (\z).
//
// What "caseless" means there (measured against Hyperscan, word_matcher_test.cc): Unicode
// simple case folding whether or not HS_FLAG_UCP is set, so 'k' also matches U+212A KELVIN
// SIGN. The fold here is exact for the characters it knows (ASCII, U+0080-U+00FF but U+00B5,
// Cyrillic U+0400-U+045F); a text holding a character outside them that Hyperscan folds into
// them (U+212A, U+017F, U+0178, ...), or invalid UTF-8, makes Scan return false, and the
// caller scans that text with Hyperscan instead. An entry holding a word character it does
// not know, starting with a non-word character, holding a control character or more than
// four 'ё' is refused at load by Takes(), and its rule stays on Hyperscan.
//
// Thread-safety: immutable after Finish; Scan keeps its buffers in the caller's storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::rules {

struct WordMatch {
  uint32_t rule;
  uint32_t end;  // byte offset just past the match, as Hyperscan reports it
};

class WordMatcher {
 public:
  // True when every entry of `words` can be matched here exactly (see above).
  static bool Takes(const std::vector<std::string>& words);

  // Adds the entries of one rule (Takes(words) must hold). Then Finish before Scan.
  void Add(uint32_t rule, const std::vector<std::string>& words);
  void Finish();

  // Appends a WordMatch for every place an entry matches in `text` (possibly the same
  // (rule, end) more than once, in no particular order). Returns false, with *matches
  // unspecified, when the text holds invalid UTF-8 or a character whose case the fold here
  // does not know: the caller must then scan it with Hyperscan. `folded` is scratch space.
  bool Scan(std::string_view text, std::string* folded, std::vector<WordMatch>* matches) const;

  // Folds `text` into *out: the folded text (same length, same character boundaries)
  // followed by 64 zero bytes, so whole 64-byte blocks can be read. False as for Scan.
  // Exposed for tests.
  static bool Fold(std::string_view text, std::string* out);

 private:
  // Up to 8 leading bytes of a folded string as one word, and the mask of those bytes: a
  // compare of short strings without a memcmp call (the text is padded).
  struct Prefix {
    uint64_t bytes = 0, mask = 0;
  };
  struct Entry {
    uint32_t rule;
    uint32_t tail_begin, tail_size;  // folded bytes after the first word, in tails_
    Prefix tail;                     // their first 8
  };
  struct Slot {
    uint32_t hash = 0;
    uint32_t key = UINT32_MAX;  // index into keys_, UINT32_MAX = empty
  };
  struct Key {
    uint32_t begin, size;                 // the folded first word, in key_bytes_
    uint32_t entries_begin, entries_end;  // into entries_
    Prefix word;                          // its first 8 bytes
  };

  static uint32_t Hash(const unsigned char* word, size_t size);
  static Prefix PrefixOf(std::string_view folded);
  // True when bytes (8 readable) start with p.
  static bool HasPrefix(const unsigned char* bytes, const Prefix& p) {
    uint64_t head;
    __builtin_memcpy(&head, bytes, 8);
    return (head & p.mask) == p.bytes;
  }
  // Appends the matches of the entries whose first word is folded[start, end) (hash h) in
  // a folded text of n bytes.
  void Probe(const unsigned char* folded, size_t n, size_t start, size_t end, uint32_t h,
             std::vector<WordMatch>* matches) const;
  void AddVariant(uint32_t rule, const std::string& folded_entry);

  std::vector<std::pair<std::string, Entry>> pending_;  // (first word, entry) until Finish
  std::string key_bytes_;
  std::string tails_;
  std::vector<Key> keys_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
  // One bit per hash value's low kFilterBits bits, set for every key: most words of a text
  // are no key, and one predictable bit test turns them away before the table.
  std::vector<uint64_t> filter_;
  uint32_t min_word_ = UINT32_MAX;  // shortest and longest first word, in bytes
  uint32_t max_word_ = 0;
};

}  // namespace sluice::rules
