// char_ngrams.h - hashed character n-grams of a message's first bytes (an experiment).
//
// Sculley & Wachman's TREC spam filters read no words at all: the binary set of the
// overlapping 4-byte strings of a message's first few KB (headers included) was enough for
// a linear learner to beat word-based naive Bayes. These are that feature set, for
// `sluice bayes cv --features ngrams|both`: every n-gram with min_n <= n <= max_n of the
// first max_bytes bytes, ASCII case folded, hashed (64-bit, a different space from the token
// hashes of token_hash.h), distinct.
//
// Failure: none. Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::bayes {

struct CharNgramOptions {
  uint32_t min_n = 4;
  uint32_t max_n = 4;
  size_t max_bytes = 3000;
};

// Replaces *out with the distinct n-gram hashes of the first max_bytes of `text`.
void CharNgrams(std::string_view text, const CharNgramOptions& options, std::vector<uint64_t>* out);

}  // namespace sluice::bayes
