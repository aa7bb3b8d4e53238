// token_table.cc - open addressing with linear probing over 64-bit token hashes.
#include "filter/bayes/token_table.h"

#include <algorithm>
#include <bit>

namespace sluice::bayes {

void TokenTable::Reserve(size_t n) {
  slots_.assign(std::bit_ceil(std::max<size_t>(16, n * 2)), Slot{});
}

void TokenTable::Insert(uint64_t hash, const TokenCounts& counts) {
  if (hash == 0) {
    size_ += zero_.spam == 0 && zero_.ham == 0;
    zero_ = {0, counts.spam, counts.ham};
    return;
  }
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].hash != 0 && slots_[i].hash != hash) i = (i + 1) & mask;
  if (slots_[i].hash == 0) ++size_;
  slots_[i] = {hash, counts.spam, counts.ham};
}

Result<std::shared_ptr<const TokenTable>> TokenTable::Build(const TokenStore& store,
                                                            uint64_t max_tokens) {
  std::vector<std::pair<uint64_t, TokenCounts>> entries;
  bool too_big = false;
  Status s = store.ForEachToken([&](uint64_t hash, const TokenCounts& counts) {
    if (entries.size() >= max_tokens) {
      too_big = true;
      return;
    }
    entries.emplace_back(hash, counts);
  });
  if (!s.ok()) return s;
  if (too_big) {
    return Status::Unavailable("more than " + std::to_string(max_tokens) +
                               " tokens: not copied to memory");
  }
  return FromEntries(entries);
}

std::shared_ptr<const TokenTable> TokenTable::FromEntries(
    const std::vector<std::pair<uint64_t, TokenCounts>>& entries) {
  auto table = std::shared_ptr<TokenTable>(new TokenTable());
  table->Reserve(entries.size());
  for (const auto& [hash, counts] : entries) table->Insert(hash, counts);
  return table;
}

void TokenTable::Lookup(std::span<const uint64_t> hashes, TokenCounts* out) const {
  const size_t mask = slots_.size() - 1;
  // Between two messages the MIME parser and the rule engine push the table out of the
  // caches, so nearly every lookup is a miss. Asking for the slots a few tokens ahead lets
  // those misses overlap instead of being paid one after another.
  constexpr size_t kAhead = 16;
  const size_t n = hashes.size();
  for (size_t k = 0; k < std::min(kAhead, n); ++k) {
    __builtin_prefetch(&slots_[hashes[k] & mask]);
  }
  for (size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) __builtin_prefetch(&slots_[hashes[k + kAhead] & mask]);
    const uint64_t hash = hashes[k];
    out[k] = TokenCounts{};
    if (hash == 0) {
      out[k].spam = zero_.spam;
      out[k].ham = zero_.ham;
      continue;
    }
    size_t i = hash & mask;
    while (slots_[i].hash != 0) {
      if (slots_[i].hash == hash) {
        out[k].spam = slots_[i].spam;
        out[k].ham = slots_[i].ham;
        break;
      }
      i = (i + 1) & mask;
    }
  }
}

}  // namespace sluice::bayes
