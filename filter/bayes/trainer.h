// trainer.h - learning decoded messages into a token store.
//
// A Trainer owns a store opened for writing (it holds RocksDB's lock for its lifetime) and
// tokenizes each message with the options the store was created with.
//
// Failure: Open returns the store's error (missing permissions, locked by another
// trainer, corrupt); Learn returns write errors. Thread-safety: one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "filter/bayes/token_store.h"
#include "filter/bayes/tokenizer.h"
#include "filter/mime/message.h"

namespace sluice::bayes {

class Trainer {
 public:
  // Opens (or creates with `create_options`) the store at dir.
  static Result<std::unique_ptr<Trainer>> Open(const std::string& dir,
                                               const TokenizerOptions& create_options);
  // Learns `message` (parsed from `raw`) as spam or ham; with forget, unlearns it.
  Result<LearnOutcome> Learn(const mime::Message& message, std::string_view raw, bool spam,
                             bool forget);
  TokenStore& store() { return *store_; }

 private:
  explicit Trainer(std::unique_ptr<TokenStore> store);
  std::unique_ptr<TokenStore> store_;
  Tokenizer tokenizer_;
  TokenList tokens_;
  uint32_t today_;
};

}  // namespace sluice::bayes
