// token_table.h - an immutable in-memory copy of a token store's counts.
//
// Scoring a message looks up a few hundred tokens; even from RocksDB's block cache that
// costs more than parsing the message. A TokenTable loads every token once (16 bytes per
// token in an open-addressing table at most half full) and answers lookups with one or
// two cache misses each. Models with more tokens than a configured cap are not copied;
// the caller then reads the store with MultiGet instead.
//
// Thread-safety: immutable after Build(); any number of readers.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "filter/bayes/token_store.h"

namespace sluice::bayes {

class TokenTable {
 public:
  // Copies every token of `store`. Unavailable if it has more than max_tokens tokens.
  static Result<std::shared_ptr<const TokenTable>> Build(const TokenStore& store,
                                                         uint64_t max_tokens);
  // From (hash, counts) pairs; for tests and cross-validation.
  static std::shared_ptr<const TokenTable> FromEntries(
      const std::vector<std::pair<uint64_t, TokenCounts>>& entries);

  void Lookup(std::span<const uint64_t> hashes, TokenCounts* out) const;
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 = empty; the token whose hash is 0 lives in zero_
    uint32_t spam = 0;
    uint32_t ham = 0;
  };
  void Reserve(size_t n);
  void Insert(uint64_t hash, const TokenCounts& counts);
  std::vector<Slot> slots_;
  Slot zero_;  // counts of hash 0, which cannot live in slots_
  size_t size_ = 0;
};

}  // namespace sluice::bayes
