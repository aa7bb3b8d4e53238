// token_table.h - an immutable in-memory copy of a token store's counts.
//
// Scoring a message looks up a few hundred tokens; even from RocksDB's block cache that
// costs more than parsing the message. A TokenTable loads every token once (16 bytes per
// token in an open-addressing table at most half full) and answers lookups with one or
// two cache misses each. Models with more tokens than a configured cap are not copied;
// the caller then reads the store with MultiGet instead.
//
// Copying a store takes a full RocksDB scan with a merge per token (~25 ms for 93,000
// tokens), which every `sluice score` and daemon start paid. So a trainer also saves the
// finished table beside the store (a snapshot file, kSnapshotFile in the store directory)
// stamped with the store's sequence number and totals; a scorer whose store shows the
// same sequence and totals reads the file instead of scanning (~2 ms). A snapshot that is
// missing, stale, truncated or fails its checksum is ignored and the store is scanned.
//
// Failure: Build and SaveSnapshot return the store's or the file system's error;
// LoadSnapshot returns NotFound for "no usable snapshot" (the caller scans instead).
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

  // The table saved for `store` by SaveSnapshot, if it is still current (same sequence
  // number and totals) and not over max_tokens; else NotFound and the caller Builds.
  static Result<std::shared_ptr<const TokenTable>> LoadSnapshot(const TokenStore& store,
                                                                uint64_t max_tokens);
  // Builds the table of `store` and writes it as the store's snapshot (a temporary file
  // renamed over the old one, so a reader never sees half a file). Trainers call this
  // after their last write.
  static Status SaveSnapshot(const TokenStore& store);
  static constexpr const char* kSnapshotFile = "sluice-token-table";

  void Lookup(std::span<const uint64_t> hashes, TokenCounts* out) const;
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 = empty; the token whose hash is 0 lives in zero_
    uint32_t spam = 0;
    uint32_t ham = 0;
  };
  struct SnapshotHeader;
  Status Write(const std::string& path, const SnapshotHeader& header) const;
  void Reserve(size_t n);
  void Insert(uint64_t hash, const TokenCounts& counts);
  std::vector<Slot> slots_;
  Slot zero_;  // counts of hash 0, which cannot live in slots_
  size_t size_ = 0;
};

}  // namespace sluice::bayes
