// bayes_model.h - the Bayes classifier as the scoring engine uses it.
//
// A BayesModel opens a token store read-only (a RocksDB secondary instance, so a trainer
// may write at the same time), copies its counts into a TokenTable when they fit, and
// classifies decoded messages. With refresh_seconds > 0 a background thread catches up
// with the trainer's writes and swaps in a fresh snapshot when the totals change; it also
// retries a store that was missing or broken, so `sluice train` next to a running daemon
// takes effect without a restart.
//
// Failure: Open never fails. A missing, unreadable or corrupt store, or one with too few
// messages learned, gives an unavailable model: Classify() then reports available=false and
// the reason in BayesOutcome::status, and the verdict scores on rules alone.
// Thread-safety: Classify() may be called from any number of threads at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "filter/bayes/classifier.h"
#include "filter/bayes/token_store.h"
#include "filter/bayes/token_table.h"
#include "filter/bayes/tokenizer.h"
#include "filter/mime/message.h"
#include "filter/verdict/verdict.h"

namespace sluice::bayes {

struct BayesOptions {
  ClassifierOptions classifier;
  uint32_t min_class_messages = 10;               // fewer spam or ham learned: unavailable
  uint64_t memory_table_max_tokens = 20'000'000;  // above: MultiGet from RocksDB per message
  uint32_t refresh_seconds = 0;                   // 0: no background catch-up (one-shot CLI use)
  uint32_t top_tokens = 10;                       // clues reported in BayesOutcome::top_tokens
};

class BayesModel {
 public:
  static std::shared_ptr<BayesModel> Open(const std::string& dir, const BayesOptions& options);
  ~BayesModel();
  BayesModel(const BayesModel&) = delete;
  BayesModel& operator=(const BayesModel&) = delete;

  // Fills available, status, probability and top_tokens (score is the verdict's job).
  // With want_tokens the clues carry their readable text, else only "#hash".
  void Classify(const mime::Message& message, bool want_tokens, BayesOutcome* out) const;

  // Catches up with the trainer and reloads if the model changed (or reopens a store that
  // was unavailable). The refresh thread calls this; tests may call it directly.
  void Refresh();

  bool available() const;
  std::string status() const;
  ModelTotals totals() const;
  const std::string& dir() const { return dir_; }

 private:
  struct Snapshot {
    std::shared_ptr<TokenStore> store;
    std::shared_ptr<const TokenTable> table;  // null: read the store with MultiGet
    ModelTotals totals;
    Tokenizer tokenizer;
    ClassifierOptions classifier;  // the configured ones with the model's recorded family cap
    bool available = false;
    std::string status;
  };
  BayesModel(std::string dir, const BayesOptions& options);
  std::shared_ptr<const Snapshot> Load(std::shared_ptr<TokenStore> store) const;
  void RefreshLoop();

  const std::string dir_;
  const BayesOptions options_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::mutex refresh_mutex_;  // one Refresh() at a time
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread refresher_;
};

}  // namespace sluice::bayes
