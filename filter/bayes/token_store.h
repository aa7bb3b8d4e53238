// token_store.h - the Bayes token store on RocksDB.
//
// What it holds: per token (by 64-bit hash) spam and ham message counts and the day it was
// last seen; the number of spam and ham messages learned; a digest of every learned message
// (so learning the same message twice is ignored and --forget can unlearn it); and the
// tokenizer options the model was built with. Counts change only through a merge operator
// (signed deltas), so a learn is one WriteBatch and never a read-modify-write of tokens.
//
// Concurrency: RocksDB allows one writing process. Trainers (`sluice train`, `bayes
// expire`) open the store for writing and hold its LOCK; a second trainer gets a clear
// "locked" error. Scorers (daemons, `sluice score`) open it as a RocksDB secondary
// instance, which never takes the lock, so they keep scoring while a trainer writes and
// see its work after CatchUp().
//
// Failure: every call returns Status/Result; a missing directory, a locked or corrupt DB
// and I/O errors come back as messages that name the directory. Nothing throws.
// Thread-safety: Lookup/Totals/ForEach may run on many threads at once; Learn/Forget/
// Expire/CatchUp are serialised by the caller (one trainer thread).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "filter/bayes/tokenizer.h"
#include "filter/util/status.h"

namespace rocksdb {
class DB;
class Cache;
}  // namespace rocksdb

namespace sluice::bayes {

struct TokenCounts {
  uint32_t spam = 0;
  uint32_t ham = 0;
  uint32_t last_day = 0;  // days since 1970-01-01
};

struct ModelTotals {
  uint32_t spam_messages = 0;
  uint32_t ham_messages = 0;
};

using MessageDigest = std::array<uint8_t, 16>;
// A digest of the raw message bytes, for re-learn detection.
MessageDigest DigestOf(std::string_view raw);
// Today as days since the epoch.
uint32_t Today();

enum class LearnOutcome {
  kLearned,         // new message, counted
  kAlreadyLearned,  // same digest, same class: nothing changed
  kRelearned,       // same digest, other class: moved to the new class
  kForgotten,       // --forget: its counts were subtracted
  kNotLearned,      // --forget of a message the store never learned: nothing changed
};
std::string_view LearnOutcomeName(LearnOutcome outcome);

struct StoreStats {
  ModelTotals totals;
  uint64_t tokens = 0;      // distinct tokens with a non-zero count
  uint64_t messages = 0;    // digests of learned messages
  uint64_t disk_bytes = 0;  // files in the DB directory
  TokenizerOptions tokenizer;
};

class TokenStore {
 public:
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // Opens (creating if missing) for training. A new store records `create_options`; an
  // existing one keeps its own (see tokenizer_options()).
  static Result<std::unique_ptr<TokenStore>> OpenForTraining(
      const std::string& dir, const TokenizerOptions& create_options);
  // Opens an existing store read-only as a secondary instance (never locks, never writes
  // to `dir`). NotFound if there is no store at `dir`.
  static Result<std::unique_ptr<TokenStore>> OpenForScoring(const std::string& dir);
  // Opens an existing store for writing (expire): NotFound if there is no store at `dir`;
  // never creates one.
  static Result<std::unique_ptr<TokenStore>> OpenExisting(const std::string& dir);
  // Every Open* refuses (Invalid, "... is not a directory") a `dir` that exists but is not a
  // directory, instead of calling it a missing store or trying to create one there.

  const std::string& dir() const { return dir_; }
  const TokenizerOptions& tokenizer_options() const { return tokenizer_options_; }
  bool writable() const { return writable_; }

  Result<ModelTotals> Totals() const;
  // RocksDB's sequence number of the last write this instance sees: any learn, forget or
  // expire changes it, so it tells whether something derived from the store is current.
  uint64_t Sequence() const;
  // Batched point lookups (one MultiGet): out[i] gets the counts of hashes[i] (zeros if
  // unknown).
  Status Lookup(std::span<const uint64_t> hashes, TokenCounts* out) const;
  // Calls fn for every token with its counts, in key order.
  Status ForEachToken(const std::function<void(uint64_t, const TokenCounts&)>& fn) const;

  // Learns (or with forget, unlearns) one message given its distinct token hashes.
  Result<LearnOutcome> Learn(const MessageDigest& digest, std::span<const uint64_t> hashes,
                             bool spam, bool forget, uint32_t day);
  // Deletes tokens seen in at most `max_count` messages whose last day is before
  // `before_day`; returns how many were dropped.
  Result<uint64_t> Expire(uint32_t max_count, uint32_t before_day);
  Result<StoreStats> Stats() const;
  // Secondary instances: picks up what a trainer has written since. No-op for trainers.
  Status CatchUp();
  // Trainers: flushes the memtable so the data is in SST files.
  Status Flush();

 private:
  TokenStore() = default;
  enum class OpenMode { kTrain, kWriteExisting, kScore };
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& dir, OpenMode mode,
                                                  const TokenizerOptions& create_options);
  Status LoadFormat(const TokenizerOptions& create_options);

  std::string dir_;
  std::string secondary_dir_;  // scratch directory of a secondary instance, removed on close
  bool writable_ = false;
  TokenizerOptions tokenizer_options_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace sluice::bayes
