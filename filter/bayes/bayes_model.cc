// bayes_model.cc - snapshots of the token store, the refresh thread, and classification.
#include "filter/bayes/bayes_model.h"

#include <cstdio>
#include <vector>

namespace sluice::bayes {
namespace {

// Writes "#" and the 16 hex digits of a token hash into *name (what snprintf's "#%016llx"
// gave, without parsing a format ten times per message, and in the caller's buffer).
void HashNameInto(uint64_t hash, std::string* name) {
  static constexpr char kDigits[] = "0123456789abcdef";
  name->assign(17, '#');
  for (int i = 16; i >= 1; --i, hash >>= 4) (*name)[i] = kDigits[hash & 15];
}

}  // namespace

BayesModel::BayesModel(std::string dir, const BayesOptions& options)
    : dir_(std::move(dir)), options_(options) {}

std::shared_ptr<BayesModel> BayesModel::Open(const std::string& dir, const BayesOptions& options) {
  std::shared_ptr<BayesModel> model(new BayesModel(dir, options));
  auto store = TokenStore::OpenForScoring(dir);
  if (store.ok()) {
    model->snapshot_.store(model->Load(std::shared_ptr<TokenStore>(std::move(store).value())));
  } else {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->status = store.status().message();
    model->snapshot_.store(std::move(snapshot));
  }
  if (options.refresh_seconds > 0) {
    model->refresher_ = std::thread([raw = model.get()] { raw->RefreshLoop(); });
  }
  return model;
}

BayesModel::~BayesModel() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<const BayesModel::Snapshot> BayesModel::Load(
    std::shared_ptr<TokenStore> store) const {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->tokenizer = Tokenizer(store->tokenizer_options());
  snapshot->classifier = options_.classifier;
  snapshot->classifier.family_cap = store->tokenizer_options().family_cap;
  snapshot->classifier.capped_families = store->tokenizer_options().capped_families;
  snapshot->store = std::move(store);
  auto totals = snapshot->store->Totals();
  if (!totals.ok()) {
    snapshot->status = totals.status().message();
    return snapshot;
  }
  snapshot->totals = *totals;
  if (totals->spam_messages < options_.min_class_messages ||
      totals->ham_messages < options_.min_class_messages) {
    snapshot->status = "model too small: " + std::to_string(totals->spam_messages) + " spam and " +
                       std::to_string(totals->ham_messages) + " ham learned, need " +
                       std::to_string(options_.min_class_messages) + " of each";
    return snapshot;
  }
  // The trainer's saved copy when it is current; else a scan of the whole store.
  auto table = TokenTable::LoadSnapshot(*snapshot->store, options_.memory_table_max_tokens);
  if (!table.ok()) table = TokenTable::Build(*snapshot->store, options_.memory_table_max_tokens);
  if (table.ok()) {
    snapshot->table = *table;
  } else if (table.status().code() != Status::Code::kUnavailable) {
    snapshot->status = table.status().message();
    return snapshot;
  }
  snapshot->available = true;
  snapshot->status = "ok";
  return snapshot;
}

void BayesModel::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mutex_);
  auto current = snapshot_.load();
  std::shared_ptr<TokenStore> store = current->store;
  if (!store) {
    auto opened = TokenStore::OpenForScoring(dir_);
    if (!opened.ok()) {
      if (opened.status().message() != current->status) {
        auto snapshot = std::make_shared<Snapshot>();
        snapshot->status = opened.status().message();
        snapshot_.store(std::move(snapshot));
      }
      return;
    }
    snapshot_.store(Load(std::shared_ptr<TokenStore>(std::move(opened).value())));
    return;
  }
  Status caught_up = store->CatchUp();
  if (!caught_up.ok()) {
    std::fprintf(stderr, "sluice: bayes: %s\n", caught_up.message().c_str());
    return;
  }
  auto totals = store->Totals();
  if (totals.ok() && totals->spam_messages == current->totals.spam_messages &&
      totals->ham_messages == current->totals.ham_messages && current->available) {
    return;  // nothing learned since
  }
  snapshot_.store(Load(store));
}

void BayesModel::RefreshLoop() {
  std::unique_lock<std::mutex> lock(stop_mutex_);
  while (!stop_) {
    stop_cv_.wait_for(lock, std::chrono::seconds(options_.refresh_seconds));
    if (stop_) break;
    lock.unlock();
    Refresh();
    lock.lock();
  }
}

bool BayesModel::available() const { return snapshot_.load()->available; }
std::string BayesModel::status() const { return snapshot_.load()->status; }
ModelTotals BayesModel::totals() const { return snapshot_.load()->totals; }

void BayesModel::Classify(const mime::Message& message, bool want_tokens, BayesOutcome* out) const {
  const auto snapshot = snapshot_.load();
  out->available = snapshot->available;
  out->status = snapshot->status;
  out->probability = 0.5;
  if (!snapshot->available) {
    out->top_tokens.clear();
    return;
  }

  // Per-thread scratch: a warm scorer allocates nothing here.
  thread_local TokenList plain_tokens(false);
  thread_local TokenList text_tokens(true);
  thread_local std::vector<TokenCounts> counts;
  thread_local std::vector<Clue> clues;
  TokenList& tokens = want_tokens ? text_tokens : plain_tokens;
  snapshot->tokenizer.Tokenize(message, &tokens);
  counts.resize(tokens.size());
  if (snapshot->table) {
    snapshot->table->Lookup(tokens.hashes(), counts.data());
  } else {
    Status s = snapshot->store->Lookup(tokens.hashes(), counts.data());
    if (!s.ok()) {
      out->available = false;
      out->status = s.message();
      out->top_tokens.clear();
      return;
    }
  }
  // Only the clues shown need ordering; sorting hundreds of them was a fifth of Classify.
  const Classification c = bayes::Classify(counts, snapshot->totals, snapshot->classifier, &clues,
                                           options_.top_tokens, tokens.families());
  out->probability = c.probability;
  // Overwrites the clue strings in place: a caller reusing its BayesOutcome (Engine::
  // ScoreInto) keeps their buffers from message to message.
  const size_t shown = std::min<size_t>(clues.size(), options_.top_tokens);
  out->top_tokens.resize(shown);
  for (size_t i = 0; i < shown; ++i) {
    auto& [name, prob] = out->top_tokens[i];
    if (tokens.keep_text()) {
      name.assign(tokens.texts()[clues[i].index]);
    } else {
      HashNameInto(tokens.hashes()[clues[i].index], &name);
    }
    prob = clues[i].prob;
  }
}

}  // namespace sluice::bayes
