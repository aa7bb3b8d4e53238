// token_hash.h - 64-bit token hashes, computed once per token.
//
// A token is a tag ("s:" for subject words, "url:h:" for URL hosts, "" for body words...)
// followed by its folded text. Tokens are stored and looked up only by this hash, so the
// function is part of the on-disk format: changing it invalidates every trained model
// (the store records kTokenHashVersion and refuses a mismatch).
//
// FNV-1a over the bytes, then a splitmix64 finalizer so that similar tokens spread over
// the whole key space (RocksDB keys and the in-memory table both rely on that).
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::bayes {

inline constexpr uint32_t kTokenHashVersion = 1;
inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// Continues an FNV-1a state over more bytes; start from kFnvOffset. constexpr, so that a
// constant tag's state can be worked out at compile time.
constexpr uint64_t HashContinue(uint64_t state, std::string_view bytes) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= kFnvPrime;
  }
  return state;
}

// Turns an FNV state into the final token hash.
inline uint64_t HashFinish(uint64_t state) {
  state ^= state >> 30;
  state *= 0xbf58476d1ce4e5b9ULL;
  state ^= state >> 27;
  state *= 0x94d049bb133111ebULL;
  state ^= state >> 31;
  return state;
}

// The hash of tag + text.
inline uint64_t TokenHash(std::string_view tag, std::string_view text) {
  return HashFinish(HashContinue(HashContinue(kFnvOffset, tag), text));
}

// Combines two token hashes into the hash of an ordered pair at a distance (OSB bigrams).
inline uint64_t PairHash(uint64_t first, uint64_t second, uint32_t distance) {
  return HashFinish(first * 0x9e3779b97f4a7c15ULL + (second ^ (uint64_t{distance} << 56)) +
                    0x632be59bd9b4e019ULL);
}

}  // namespace sluice::bayes
