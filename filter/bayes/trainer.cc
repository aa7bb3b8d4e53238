// trainer.cc - tokenize with the store's options, then one WriteBatch per message.
#include "filter/bayes/trainer.h"

namespace sluice::bayes {

Trainer::Trainer(std::unique_ptr<TokenStore> store)
    : store_(std::move(store)), tokenizer_(store_->tokenizer_options()), today_(Today()) {}

Result<std::unique_ptr<Trainer>> Trainer::Open(const std::string& dir,
                                               const TokenizerOptions& create_options) {
  auto store = TokenStore::OpenForTraining(dir, create_options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Trainer>(new Trainer(std::move(store).value()));
}

Result<LearnOutcome> Trainer::Learn(const mime::Message& message, std::string_view raw, bool spam,
                                    bool forget) {
  tokenizer_.Tokenize(message, &tokens_);
  return store_->Learn(DigestOf(raw), tokens_.hashes(), spam, forget, today_);
}

}  // namespace sluice::bayes
